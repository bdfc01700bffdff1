/* layer.c — `strata-blob layer OBJECTS_DIR THREADS LEVEL DIGEST_FD [gzip|zstd]`: a layer
 * tar made from store objects and compressed, without the bytes passing through Node.
 *
 * Node walks the trees and encodes every tar header (src/oci/layer-tar.ts stays the one
 * place that knows the format); this reads the content of each file object straight into
 * the block being filled, checks it against its id (BLAKE3 of the object header and the
 * content, as the store's every read does), and hands full blocks to pipeline.c.
 *
 * In (stdin), a series of
 *   'H' u32le n, n bytes                     tar bytes as they are (headers, end of archive)
 *   'F' u32le n, n bytes of object header,   a file's content, from OBJECTS_DIR/ab/<rest>.file,
 *       u64le size, 64 hex id                then zeros to the next 512
 * Blocks are cut exactly as layerBlocks cuts them in TypeScript: 1 MiB, and a file of at
 * least 64 KiB whose first bytes say it is already compressed gets blocks of its own,
 * stored (level 0) instead of compressed again. */
#include "blob.h"
#include "pipeline.h"
#include "../src/blake3.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define BLOCK_SIZE ((size_t)4 << 20) /* src/oci/layer-tar.ts's BLOCK_SIZE: the tests compare the cuts */
#define SNIFF_SIZE (64u << 10)
#define MAX_HEADER (1u << 20)

static struct {
  int fd;
  unsigned char buf[256 << 10];
  size_t pos, len;
} in = { .fd = 0 };

/* 1 when all n bytes were read, 0 at a clean end of input before the first */
static int in_read(void *p, size_t n) {
  unsigned char *d = p;
  size_t got = 0;
  while (got < n) {
    if (in.pos == in.len) {
      ssize_t r = read(in.fd, in.buf, sizeof in.buf);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) blob_die(BLOB_EXIT_FAIL, "layer", "read: %s", strerror(errno));
      if (r == 0) {
        if (got == 0) return 0;
        blob_die(BLOB_EXIT_FAIL, "layer", "input ends inside an op");
      }
      in.pos = 0;
      in.len = (size_t)r;
    }
    size_t k = in.len - in.pos < n - got ? in.len - in.pos : n - got;
    memcpy(d + got, in.buf + in.pos, k);
    in.pos += k;
    got += k;
  }
  return 1;
}

static unsigned long long le(const unsigned char *p, int n) {
  unsigned long long v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* content deflate cannot shrink (the same list as alreadyCompressed in layer-tar.ts) */
static int already_compressed(const unsigned char *b, size_t n) {
  if (n < 8) return 0;
  uint32_t le32 = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  uint32_t be32 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
  if (b[0] == 0x1f && b[1] == 0x8b) return 1;                               /* gzip */
  if (b[0] == 0xfd && !memcmp(b + 1, "7zXZ\0", 5)) return 1;               /* xz */
  if (le32 == 0xfd2fb528) return 1;                                          /* zstd */
  if (!memcmp(b, "BZh", 3)) return 1;                                        /* bzip2 */
  if (le32 == 0x04034b50) return 1;                                          /* zip, jar */
  if (be32 == 0x89504e47) return 1;                                          /* png */
  if (b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return 1;               /* jpeg */
  if (le32 == 0x184d2204) return 1;                                          /* lz4 */
  if (!memcmp(b, "7z\xbc\xaf\x27\x1c", 6)) return 1;                         /* 7z */
  if (n >= 21 && !memcmp(b, "!<arch>\ndebian-binary", 21)) return 1;        /* .deb */
  return 0;
}

static struct {
  struct slot *cur;
  size_t pos;
  int stored, level;
} blk;

static void cut(void) {
  if (blk.pos > 0) {
    blk.cur->in_len = blk.pos;
    blk.cur->level = blk.stored ? 0 : blk.level;
    pipeline_submit(blk.cur);
    blk.cur = pipeline_slot(BLOCK_SIZE);
    blk.pos = 0;
  }
}

static void put(const unsigned char *p, size_t n) {
  while (n > 0) {
    size_t k = BLOCK_SIZE - blk.pos < n ? BLOCK_SIZE - blk.pos : n;
    memcpy(blk.cur->in + blk.pos, p, k);
    blk.pos += k;
    p += k;
    n -= k;
    if (blk.pos == BLOCK_SIZE) cut();
  }
}

static void put_file(int dirfd, const char *id, const unsigned char *hdr, size_t hdr_len, unsigned long long size) {
  char name[72];
  memcpy(name, id, 2);
  name[2] = '/';
  memcpy(name + 3, id + 2, 62);
  memcpy(name + 65, ".file", 6);
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) blob_die(BLOB_EXIT_CORRUPT, "layer", "object %.64s: %s", id, errno == ENOENT ? "missing from the store" : strerror(errno));
  if (size >= SNIFF_SIZE) {
    unsigned char head[32];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n > 0 && already_compressed(head, (size_t)n)) {
      cut();
      blk.stored = 1;
    }
  }
  struct blake3 h;
  blake3_init(&h);
  blake3_update(&h, hdr, hdr_len);
  unsigned long long left = size;
  while (left > 0) {
    size_t want = BLOCK_SIZE - blk.pos < left ? BLOCK_SIZE - blk.pos : (size_t)left;
    ssize_t n = read(fd, blk.cur->in + blk.pos, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) blob_die(BLOB_EXIT_FAIL, "layer", "read object %.64s: %s", id, strerror(errno));
    if (n == 0) blob_die(BLOB_EXIT_CORRUPT, "layer", "object %.64s is shorter than its recorded size", id);
    blake3_update(&h, blk.cur->in + blk.pos, (size_t)n);
    blk.pos += (size_t)n;
    left -= (unsigned long long)n;
    if (blk.pos == BLOCK_SIZE) cut();
  }
  close(fd);
  uint8_t d[BLAKE3_OUT_LEN];
  char hex[65];
  blake3_final(&h, d);
  blake3_hex(d, hex);
  if (memcmp(hex, id, 64)) blob_die(BLOB_EXIT_CORRUPT, "layer", "object %.64s does not match its content", id);
  static const unsigned char zeros[512];
  if (size % 512) put(zeros, 512 - size % 512);
  if (blk.stored) {
    cut();
    blk.stored = 0;
  }
}

int cmd_layer(int argc, char **argv) {
  if (argc != 4 && argc != 5) blob_die(BLOB_EXIT_USAGE, "layer", "usage: strata-blob layer OBJECTS_DIR THREADS LEVEL DIGEST_FD [gzip|zstd]");
  enum codec codec = argc == 5 ? parse_codec(argv[4], "layer") : CODEC_GZIP;
  int dirfd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) blob_die(BLOB_EXIT_FAIL, "layer", "open %s: %s", argv[0], strerror(errno));
  int threads = atoi(argv[1]);
  blk.level = atoi(argv[2]);
  if (codec == CODEC_GZIP && (blk.level < 0 || blk.level > 12)) blob_die(BLOB_EXIT_USAGE, "layer", "LEVEL must be 0-12 for gzip");
  if (codec == CODEC_ZSTD && (blk.level < 1 || blk.level > ZSTD_maxCLevel())) blob_die(BLOB_EXIT_USAGE, "layer", "LEVEL must be 1-%d for zstd", ZSTD_maxCLevel());
  int digest_fd = atoi(argv[3]);
  widen_pipe(0);
  widen_pipe(1);
  pipeline_start(threads, 1, digest_fd, codec, blk.level);
  blk.cur = pipeline_slot(BLOCK_SIZE);
  unsigned char *hdr = malloc(MAX_HEADER);
  if (!hdr) blob_die(BLOB_EXIT_FAIL, "layer", "out of memory");
  for (;;) {
    unsigned char op[5];
    if (!in_read(op, sizeof op)) break;
    size_t n = (size_t)le(op + 1, 4);
    if ((op[0] != 'H' && op[0] != 'F') || n > MAX_HEADER) blob_die(BLOB_EXIT_FAIL, "layer", "bad op %#x (length %zu)", op[0], n);
    in_read(hdr, n);
    if (op[0] == 'H') {
      put(hdr, n);
      continue;
    }
    unsigned char tail[8 + 64];
    in_read(tail, sizeof tail);
    char id[65];
    memcpy(id, tail + 8, 64);
    id[64] = 0;
    for (int i = 0; i < 64; i++)
      if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) blob_die(BLOB_EXIT_FAIL, "layer", "bad object id in op");
    put_file(dirfd, id, hdr, n, le(tail, 8));
  }
  cut();
  pipeline_finish();
  return 0;
}
