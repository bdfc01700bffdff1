/* deflate.c — `strata-blob deflate THREADS DIGEST_FD`: blocks the caller cut → gzip members.
 *
 * In:  frames of  u32le length, u8 level (0-12; 0 stores), 3 zero bytes, data. With zstd
 * the frame's level is ignored and every block gets LEVEL.
 * Out: the gzip stream on stdout; progress and both digests on DIGEST_FD (pipeline.c). */
#include "blob.h"
#include "pipeline.h"

#include <stdlib.h>

#define MAX_FRAME (64u << 20)
#define LEVELS 13

int cmd_deflate(int argc, char **argv) {
  if (argc != 2 && argc != 4) blob_die(BLOB_EXIT_USAGE, "deflate", "usage: strata-blob deflate THREADS DIGEST_FD [gzip|zstd LEVEL]");
  int threads = atoi(argv[0]);
  int digest_fd = atoi(argv[1]);
  enum codec codec = argc == 4 ? parse_codec(argv[2], "deflate") : CODEC_GZIP;
  int zstd_level = argc == 4 ? atoi(argv[3]) : 0;
  widen_pipe(0);
  widen_pipe(1);
  pipeline_start(threads, 1, digest_fd, codec, zstd_level);
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
