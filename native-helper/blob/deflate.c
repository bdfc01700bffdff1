/* deflate.c — `strata-blob deflate THREADS DIGEST_FD`: blocks the caller cut → gzip members.
 *
 * In:  frames of  u32le length, u8 level (0-12; 0 stores), 3 zero bytes, data.
 * Out: the gzip stream on stdout; progress and both digests on DIGEST_FD (pipeline.c). */
#include "blob.h"
#include "pipeline.h"

#include <stdlib.h>

#define MAX_FRAME (64u << 20)
#define LEVELS 13

int cmd_deflate(int argc, char **argv) {
  if (argc != 2) blob_die(BLOB_EXIT_USAGE, "deflate", "usage: strata-blob deflate THREADS DIGEST_FD");
  int threads = atoi(argv[0]);
  int digest_fd = atoi(argv[1]);
  widen_pipe(0);
  widen_pipe(1);
  pipeline_start(threads, 1, digest_fd);
  for (;;) {
    unsigned char hdr[8];
    if (!read_exact(0, hdr, sizeof hdr, "deflate")) break;
    size_t len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
    int level = hdr[4];
    if (len > MAX_FRAME || level >= LEVELS) blob_die(BLOB_EXIT_FAIL, "deflate", "bad frame (length %zu, level %d)", len, level);
    struct slot *s = pipeline_slot(len);
    if (len && !read_exact(0, s->in, len, "deflate")) blob_die(BLOB_EXIT_FAIL, "deflate", "input ends inside a frame");
    s->in_len = len;
    s->level = level;
    pipeline_submit(s);
  }
  pipeline_finish();
  return 0;
}
