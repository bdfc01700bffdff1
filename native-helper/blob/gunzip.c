/* gunzip.c — `strata-blob gunzip FILE DIGEST_FD` (and `unzstd`, at the end): a gzip file (one member or a series)
 * → its plain bytes on stdout, then `sha256:<hex> <size>` on DIGEST_FD (the OCI diff_id
 * of a layer), so the bytes can go straight from here into `strata-helper import-tar`.
 *
 * libdeflate inflates a whole member into memory, 4–5× faster than zlib's streaming
 * inflate here. A member is sized by trial: the buffer starts at the member's ISIZE
 * guess and doubles; a member beyond 1 GiB (STRATA_BLOB_MAX_MEMBER) exits with BLOB_EXIT_TOO_BIG before
 * writing a byte of it, so the caller can use a streaming inflater instead. */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define DEFAULT_MAX_MEMBER ((size_t)1 << 30)
#define MIN_BUFFER ((size_t)4 << 20)

/* the blob: a whole file, or LENGTH bytes at OFFSET of it (a member of an image archive),
 * mapped read-only; refuses what is not a regular file or a blob under `min` bytes */
static const unsigned char *map_blob(int argc, char **argv, size_t min, const char *step, size_t *len) {
  const char *path = argv[0];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) blob_die(BLOB_EXIT_FAIL, step, "%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) blob_die(BLOB_EXIT_FAIL, step, "%s is not a regular file", path);
  unsigned long long off = 0, n = (unsigned long long)st.st_size;
  if (argc == 4) {
    off = strtoull(argv[2], NULL, 10);
    n = strtoull(argv[3], NULL, 10);
    if (off > (unsigned long long)st.st_size || n > (unsigned long long)st.st_size - off) blob_die(BLOB_EXIT_FAIL, step, "%llu bytes at %llu lie beyond the end of %s", n, off, path);
  }
  *len = (size_t)n;
  if (*len < min) blob_die(BLOB_EXIT_FAIL, step, "not %s data (%zu bytes)", step[0] == 'g' ? "gzip" : "zstd", *len);
  /* mmap wants a page-aligned offset: map from the page that holds the blob's start */
  size_t lead = (size_t)(off % (unsigned long long)sysconf(_SC_PAGESIZE));
  const unsigned char *p = mmap(NULL, *len + lead, PROT_READ, MAP_PRIVATE, fd, (off_t)(off - lead));
  if (p == MAP_FAILED) blob_die(BLOB_EXIT_FAIL, step, "mmap %s: %s", path, strerror(errno));
  close(fd);
  (void)madvise((void *)p, *len + lead, MADV_SEQUENTIAL);
  return p + lead;
}

/* "sha256:<hex> <size>\n" on fd: the plain bytes' digest (the layer's diff_id) */
static void write_digest(int fd, EVP_MD_CTX *sha, unsigned long long total, const char *step) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  EVP_DigestFinal_ex(sha, md, &mdlen);
  char line[128];
  int n = snprintf(line, sizeof line, "sha256:");
  for (unsigned i = 0; i < mdlen; i++) n += snprintf(line + n, sizeof line - (size_t)n, "%02x", md[i]);
  n += snprintf(line + n, sizeof line - (size_t)n, " %llu\n", total);
  write_all(fd, line, (size_t)n, step);
}

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

int cmd_gunzip(int argc, char **argv) {
  if (argc != 2 && argc != 4) blob_die(BLOB_EXIT_USAGE, "gunzip", "usage: strata-blob gunzip FILE DIGEST_FD [OFFSET LENGTH]");
  int digest_fd = atoi(argv[1]);
  const char *max_env = getenv("STRATA_BLOB_MAX_MEMBER");
  const size_t MAX_MEMBER = max_env && atoll(max_env) > 0 ? (size_t)atoll(max_env) : DEFAULT_MAX_MEMBER;
  size_t len;
  const unsigned char *in = map_blob(argc, argv, 18, "gunzip", &len);
  widen_pipe(1);

  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  EVP_MD_CTX *sha = EVP_MD_CTX_new();
  if (!d || !sha || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");

  /* the last member's ISIZE (size mod 2^32): exact for the common single-member layer */
  size_t guess = (size_t)in[len - 4] | (size_t)in[len - 3] << 8 | (size_t)in[len - 2] << 16 | (size_t)in[len - 1] << 24;
  size_t cap = guess + 1 > MIN_BUFFER ? guess + 1 : MIN_BUFFER; /* +1: room to see the end */
  if (cap > MAX_MEMBER) cap = MAX_MEMBER;
  unsigned char *out = malloc(cap);
  if (!out) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");

  size_t pos = 0;
  unsigned long long total = 0;
  while (pos < len) {
    if (in[pos] != 0x1f || len - pos < 18) {
      if (pos > 0 && all_zero(in + pos, len - pos)) break; /* padding after the last member, as gzip(1) allows */
      blob_die(BLOB_EXIT_FAIL, "gunzip", "not gzip data at byte %zu", pos);
    }
    size_t used = 0, got = 0;
    enum libdeflate_result r;
    while ((r = libdeflate_gzip_decompress_ex(d, in + pos, len - pos, out, cap, &used, &got)) == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (cap >= MAX_MEMBER) blob_die(BLOB_EXIT_TOO_BIG, "gunzip", "a gzip member is larger than %zu bytes", MAX_MEMBER);
      cap = cap * 2 > MAX_MEMBER ? MAX_MEMBER : cap * 2;
      free(out);
      if (!(out = malloc(cap))) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");
    }
    if (r != LIBDEFLATE_SUCCESS) blob_die(BLOB_EXIT_FAIL, "gunzip", "corrupt gzip data at byte %zu (truncated, or a checksum mismatch)", pos);
    EVP_DigestUpdate(sha, out, got);
    write_all(1, out, got, "gunzip");
    total += got;
    pos += used;
  }

  write_digest(digest_fd, sha, total, "gunzip");
  return 0;
}

/* `strata-blob unzstd FILE DIGEST_FD`: the same for a zstd file (one frame or a series),
 * with zstd's own streaming decoder: its frames need no whole-member buffer. */
int cmd_unzstd(int argc, char **argv) {
  if (argc != 2 && argc != 4) blob_die(BLOB_EXIT_USAGE, "unzstd", "usage: strata-blob unzstd FILE DIGEST_FD [OFFSET LENGTH]");
  int digest_fd = atoi(argv[1]);
  size_t len;
  const unsigned char *in = map_blob(argc, argv, 4, "unzstd", &len);
  widen_pipe(1);
  ZSTD_DCtx *d = ZSTD_createDCtx();
  EVP_MD_CTX *sha = EVP_MD_CTX_new();
  size_t cap = ZSTD_DStreamOutSize() * 8;
  unsigned char *out = malloc(cap);
  if (!d || !sha || !out || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) blob_die(BLOB_EXIT_FAIL, "unzstd", "out of memory");
  ZSTD_inBuffer ib = { in, len, 0 };
  unsigned long long total = 0;
  size_t pending = 0; /* 0 when the last frame ended cleanly */
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob = { out, cap, 0 };
    pending = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(pending)) blob_die(BLOB_EXIT_FAIL, "unzstd", "corrupt zstd data near byte %zu (%s)", ib.pos, ZSTD_getErrorName(pending));
    EVP_DigestUpdate(sha, out, ob.pos);
    write_all(1, out, ob.pos, "unzstd");
    total += ob.pos;
  }
  for (;;) { /* flush what the decoder still holds */
    ZSTD_outBuffer ob = { out, cap, 0 };
    if (pending == 0) break;
    pending = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(pending)) blob_die(BLOB_EXIT_FAIL, "unzstd", "corrupt zstd data (%s)", ZSTD_getErrorName(pending));
    if (ob.pos == 0 && pending != 0) blob_die(BLOB_EXIT_FAIL, "unzstd", "truncated zstd data (%zu bytes)", len);
    EVP_DigestUpdate(sha, out, ob.pos);
    write_all(1, out, ob.pos, "unzstd");
    total += ob.pos;
  }
  write_digest(digest_fd, sha, total, "unzstd");
  return 0;
}
