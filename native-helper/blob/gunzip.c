/* gunzip.c — `strata-blob gunzip FILE DIGEST_FD` (and `unzstd`, at the end): a gzip file (one member or a series)
 * → its plain bytes on stdout, then `sha256:<hex> <size>` on DIGEST_FD (the OCI diff_id
 * of a layer), so the bytes can go straight from here into `strata-helper import-tar`.
 *
 * libdeflate inflates a whole member into memory, 4–5× faster than zlib's streaming
 * inflate here. A member is sized by trial: the buffer starts at the member's ISIZE
 * guess and doubles; a member beyond 1 GiB (STRATA_BLOB_MAX_MEMBER) exits with BLOB_EXIT_TOO_BIG before
 * writing a byte of it, so the caller can use a streaming inflater instead.
 *
 * `gunzip - DIGEST_FD SPOOL` reads the blob from stdin while it downloads. Members whose
 * header carries their length (pipeline.c writes it) are inflated as soon as they are
 * whole; a member without one (any other tool's gzip) is inflated as it arrives by ISA-L's
 * streaming decoder where strata-blob was built with it, else the rest of the input is
 * spooled to the file SPOOL and inflated from there once it ends, as a FILE is.
 *
 * `gunzip --fetch DIGEST_FD SPOOL` is the same with the blob downloaded here (fetch.c). */
#include "blob.h"

#include <errno.h>
#include <stdbool.h>
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
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

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

struct inflater {
  struct libdeflate_decompressor *d;
  EVP_MD_CTX *sha;
  unsigned char *out;
  size_t cap, max_member;
  unsigned long long total;
};

static void inflater_init(struct inflater *f) {
  const char *max_env = getenv("STRATA_BLOB_MAX_MEMBER");
  f->max_member = max_env && atoll(max_env) > 0 ? (size_t)atoll(max_env) : DEFAULT_MAX_MEMBER;
  f->d = libdeflate_alloc_decompressor();
  f->sha = EVP_MD_CTX_new();
  f->out = NULL;
  f->cap = 0;
  f->total = 0;
  if (!f->d || !f->sha || !EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL)) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");
}

/* an output buffer of at least `want` bytes (capped at max_member) */
static void inflater_reserve(struct inflater *f, size_t want) {
  if (want > f->max_member) want = f->max_member;
  if (want <= f->cap) return;
  free(f->out);
  if (!(f->out = malloc(want))) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");
  f->cap = want;
}

static void inflater_emit(struct inflater *f, size_t got) {
  EVP_DigestUpdate(f->sha, f->out, got);
  write_all(1, f->out, got, "gunzip");
  f->total += got;
}

/* every member in in[0, len); `at` is in's offset in the blob (for messages) */
static void inflate_members(struct inflater *f, const unsigned char *in, size_t len, unsigned long long at) {
  /* the last member's ISIZE (size mod 2^32): exact for the common single-member layer */
  size_t guess = len >= 4 ? ((size_t)in[len - 4] | (size_t)in[len - 3] << 8 | (size_t)in[len - 2] << 16 | (size_t)in[len - 1] << 24) : 0;
  inflater_reserve(f, guess + 1 > MIN_BUFFER ? guess + 1 : MIN_BUFFER); /* +1: room to see the end */
  size_t pos = 0;
  while (pos < len) {
    if (in[pos] != 0x1f || len - pos < 18) {
      if (pos + at > 0 && all_zero(in + pos, len - pos)) break; /* padding after the last member, as gzip(1) allows */
      blob_die(BLOB_EXIT_FAIL, "gunzip", "not gzip data at byte %llu", at + pos);
    }
    size_t used = 0, got = 0;
    enum libdeflate_result r;
    while ((r = libdeflate_gzip_decompress_ex(f->d, in + pos, len - pos, f->out, f->cap, &used, &got)) == LIBDEFLATE_INSUFFICIENT_SPACE) {
      if (f->cap >= f->max_member) blob_die(BLOB_EXIT_TOO_BIG, "gunzip", "a gzip member is larger than %zu bytes", f->max_member);
      inflater_reserve(f, f->cap * 2);
    }
    if (r != LIBDEFLATE_SUCCESS) blob_die(BLOB_EXIT_FAIL, "gunzip", "corrupt gzip data at byte %llu (truncated, or a checksum mismatch)", at + pos);
    inflater_emit(f, got);
    pos += used;
  }
}

static void inflater_done(struct inflater *f, int digest_fd) {
  write_digest(digest_fd, f->sha, f->total, "gunzip");
}

/* ------------------------------------------------------------------ from stdin */
struct input {
  unsigned char *p;
  size_t start, end, cap;
  unsigned long long at; /* blob offset of p[start] */
  int eof;
};

/* at least `need` unread bytes unless the input ends first; returns how many there are */
static size_t input_fill(struct input *b, size_t need) {
  if (b->end - b->start >= need || b->eof) return b->end - b->start;
  if (b->cap - b->start < need) {
    memmove(b->p, b->p + b->start, b->end - b->start);
    b->end -= b->start;
    b->start = 0;
    if (b->cap < need) {
      size_t cap = b->cap;
      while (cap < need) cap *= 2;
      if (!(b->p = realloc(b->p, cap))) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");
      b->cap = cap;
    }
  }
  while (b->end - b->start < need) {
    ssize_t n = read(0, b->p + b->end, b->cap - b->end);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) blob_die(BLOB_EXIT_FAIL, "gunzip", "read: %s", strerror(errno));
    if (n == 0) {
      b->eof = 1;
      break;
    }
    b->end += (size_t)n;
  }
  return b->end - b->start;
}

static void input_skip(struct input *b, size_t n) {
  b->start += n;
  b->at += n;
}

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* the length a member's header states (pipeline.c's 'S' 'z' subfield), or 0 */
static size_t member_length(struct input *b) {
  if (input_fill(b, 12) < 12) return 0;
  const unsigned char *h = b->p + b->start;
  if (h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || !(h[3] & 4)) return 0;
  size_t xlen = (size_t)h[10] | (size_t)h[11] << 8;
  if (input_fill(b, 12 + xlen) < 12 + xlen) return 0;
  h = b->p + b->start;
  for (size_t i = 12; i + 4 <= 12 + xlen;) {
    size_t sl = (size_t)h[i + 2] | (size_t)h[i + 3] << 8;
    if (h[i] == 'S' && h[i + 1] == 'z' && sl == 4 && i + 8 <= 12 + xlen) {
      size_t n = le32(h + i + 4);
      return n >= 12 + xlen + 8 ? n : 0; /* shorter than its own header and trailer: not ours */
    }
    i += 4 + sl;
  }
  return 0;
}

/* the rest of the input (what is buffered, then stdin to its end) into `path`, mapped */
static const unsigned char *spool_rest(struct input *b, const char *path, size_t *len) {
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) blob_die(BLOB_EXIT_FAIL, "gunzip", "%s: %s", path, strerror(errno));
  unlink(path); /* the mapping keeps it: nothing is left behind, whatever happens */
  size_t n = 0;
  for (;;) {
    write_all(fd, b->p + b->start, b->end - b->start, "gunzip");
    n += b->end - b->start;
    b->start = b->end = 0;
    if (b->eof || input_fill(b, 1) == 0) break;
  }
  *len = n;
  if (n == 0) return NULL;
  const unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) blob_die(BLOB_EXIT_FAIL, "gunzip", "mmap %s: %s", path, strerror(errno));
  close(fd);
  (void)madvise((void *)p, n, MADV_SEQUENTIAL);
  return p;
}

#ifdef HAVE_ISAL
/* One member that does not state its length, inflated as it arrives by ISA-L's streaming
 * decoder (which checks the header and the CRC); the input is left after its end. */
static void stream_member(struct inflater *f, struct input *b) {
  struct inflate_state st;
  isal_inflate_init(&st);
  st.crc_flag = ISAL_GZIP;
  unsigned long long at = b->at;
  inflater_reserve(f, MIN_BUFFER);
  for (;;) {
    if (input_fill(b, 1) == 0) blob_die(BLOB_EXIT_FAIL, "gunzip", "truncated gzip data: the member at byte %llu ends early", at);
    st.next_in = b->p + b->start;
    st.avail_in = (uint32_t)(b->end - b->start);
    do {
      st.next_out = f->out;
      st.avail_out = (uint32_t)f->cap;
      int r = isal_inflate(&st);
      if (r == ISAL_INVALID_WRAPPER) blob_die(BLOB_EXIT_FAIL, "gunzip", "not gzip data at byte %llu", at);
      if (r < 0) blob_die(BLOB_EXIT_FAIL, "gunzip", "corrupt gzip data in the member at byte %llu (%s)", at, r == ISAL_INCORRECT_CHECKSUM ? "a checksum mismatch" : "bad deflate data");
      inflater_emit(f, f->cap - st.avail_out);
    } while (st.avail_out == 0 && st.block_state != ISAL_BLOCK_FINISH);
    input_skip(b, (b->end - b->start) - st.avail_in);
    if (st.block_state == ISAL_BLOCK_FINISH) return;
  }
}
#endif

static void gunzip_stdin(struct inflater *f, const char *spool) {
  struct input b = { .cap = (size_t)8 << 20 };
  if (!(b.p = malloc(b.cap))) blob_die(BLOB_EXIT_FAIL, "gunzip", "out of memory");
#ifdef HAVE_ISAL
  bool streaming = !getenv("STRATA_BLOB_SPOOL"); /* tests pin the spool */
#endif
  for (;;) {
    if (input_fill(&b, 1) == 0) {
      if (b.at == 0) blob_die(BLOB_EXIT_FAIL, "gunzip", "not gzip data (0 bytes)");
      return;
    }
    size_t n = member_length(&b);
#ifdef HAVE_ISAL
    if (n == 0 && streaming && b.p[b.start] == 0x1f) {
      stream_member(f, &b);
      continue;
    }
#endif
    if (n == 0) { /* a member that does not say its length (or padding, or not gzip): the rest, at once */
      unsigned long long at = b.at;
      size_t len;
      const unsigned char *rest = spool_rest(&b, spool, &len);
      if (len < 18 && !(at > 0 && all_zero(rest, len))) blob_die(BLOB_EXIT_FAIL, "gunzip", "not gzip data at byte %llu", at);
      inflate_members(f, rest, len, at);
      return;
    }
    if (n > f->max_member) blob_die(BLOB_EXIT_TOO_BIG, "gunzip", "a gzip member is larger than %zu bytes", f->max_member);
    if (input_fill(&b, n) < n) blob_die(BLOB_EXIT_FAIL, "gunzip", "truncated gzip data: the member at byte %llu ends early", b.at);
    const unsigned char *m = b.p + b.start;
    size_t isize = le32(m + n - 4);
    if (isize >= f->max_member) blob_die(BLOB_EXIT_TOO_BIG, "gunzip", "a gzip member is larger than %zu bytes", f->max_member);
    inflater_reserve(f, isize + 1);
    size_t used = 0, got = 0;
    enum libdeflate_result r = libdeflate_gzip_decompress_ex(f->d, m, n, f->out, f->cap, &used, &got);
    /* a length field that lies leaves a valid gzip stream: hand it back to a reader that ignores it */
    if (r != LIBDEFLATE_SUCCESS || used != n)
      blob_die(BLOB_EXIT_TOO_BIG, "gunzip", "the member at byte %llu does not match its stated length", b.at);
    inflater_emit(f, got);
    input_skip(&b, n);
  }
}

/* `--fetch`: the blob is downloaded here (fetch.c) and read as stdin */
static bool fetching(const char *arg, int digest_fd, const char *step) {
  if (strcmp(arg, "--fetch")) return false;
#ifdef HAVE_CURL
  (void)step;
  fetch_start(digest_fd);
  return true;
#else
  (void)digest_fd;
  blob_die(BLOB_EXIT_USAGE, step, "--fetch: strata-blob was built without libcurl");
#endif
}

static void fetched(bool fetch) {
#ifdef HAVE_CURL
  if (fetch) fetch_finish();
#else
  (void)fetch;
#endif
}

int cmd_gunzip(int argc, char **argv) {
  bool from_stdin = argc == 3 && (!strcmp(argv[0], "-") || !strcmp(argv[0], "--fetch"));
  if (argc != 2 && argc != 4 && !from_stdin) blob_die(BLOB_EXIT_USAGE, "gunzip", "usage: strata-blob gunzip FILE DIGEST_FD [OFFSET LENGTH] | gunzip -|--fetch DIGEST_FD SPOOL");
  int digest_fd = atoi(argv[1]);
  struct inflater f;
  inflater_init(&f);
  widen_pipe(1);
  if (from_stdin) {
    bool fetch = fetching(argv[0], digest_fd, "gunzip");
    widen_pipe(0);
    gunzip_stdin(&f, argv[2]);
    fetched(fetch);
  } else {
    size_t len;
    const unsigned char *in = map_blob(argc, argv, 18, "gunzip", &len);
    inflate_members(&f, in, len, 0);
  }
  inflater_done(&f, digest_fd);
  return 0;
}

/* `strata-blob unzstd FILE DIGEST_FD` (or `unzstd - DIGEST_FD`, reading stdin as it
 * downloads): the same for a zstd blob (one frame or a series), with zstd's own streaming
 * decoder: its frames need no whole-member buffer. */
int cmd_unzstd(int argc, char **argv) {
  bool from_stdin = argc == 2 && (!strcmp(argv[0], "-") || !strcmp(argv[0], "--fetch"));
  if (argc != 2 && argc != 4) blob_die(BLOB_EXIT_USAGE, "unzstd", "usage: strata-blob unzstd FILE|-|--fetch DIGEST_FD [OFFSET LENGTH]");
  int digest_fd = atoi(argv[1]);
  bool fetch = from_stdin && fetching(argv[0], digest_fd, "unzstd");
  size_t len = 0;
  const unsigned char *mapped = from_stdin ? NULL : map_blob(argc, argv, 4, "unzstd", &len);
  widen_pipe(1);
  ZSTD_DCtx *d = ZSTD_createDCtx();
  EVP_MD_CTX *sha = EVP_MD_CTX_new();
  size_t cap = ZSTD_DStreamOutSize() * 8, in_cap = (size_t)1 << 20;
  unsigned char *out = malloc(cap), *in_buf = from_stdin ? malloc(in_cap) : NULL;
  if (!d || !sha || !out || (from_stdin && !in_buf) || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL)) blob_die(BLOB_EXIT_FAIL, "unzstd", "out of memory");
  if (from_stdin) widen_pipe(0);
  unsigned long long total = 0, consumed = 0;
  size_t pending = 0; /* 0 when the last frame ended cleanly */
  for (;;) {
    ZSTD_inBuffer ib = { mapped, len, 0 };
    if (from_stdin) {
      ssize_t n = read(0, in_buf, in_cap);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) blob_die(BLOB_EXIT_FAIL, "unzstd", "read: %s", strerror(errno));
      if (n == 0) break;
      ib = (ZSTD_inBuffer){ in_buf, (size_t)n, 0 };
    }
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob = { out, cap, 0 };
      pending = ZSTD_decompressStream(d, &ob, &ib);
      if (ZSTD_isError(pending)) blob_die(BLOB_EXIT_FAIL, "unzstd", "corrupt zstd data near byte %llu (%s)", consumed + ib.pos, ZSTD_getErrorName(pending));
      EVP_DigestUpdate(sha, out, ob.pos);
      write_all(1, out, ob.pos, "unzstd");
      total += ob.pos;
    }
    consumed += ib.size;
    if (!from_stdin) break;
  }
  if (consumed < 4) blob_die(BLOB_EXIT_FAIL, "unzstd", "not zstd data (%llu bytes)", consumed);
  for (;;) { /* flush what the decoder still holds */
    ZSTD_inBuffer ib = { NULL, 0, 0 };
    ZSTD_outBuffer ob = { out, cap, 0 };
    if (pending == 0) break;
    pending = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(pending)) blob_die(BLOB_EXIT_FAIL, "unzstd", "corrupt zstd data (%s)", ZSTD_getErrorName(pending));
    if (ob.pos == 0 && pending != 0) blob_die(BLOB_EXIT_FAIL, "unzstd", "truncated zstd data (%llu bytes)", consumed);
    EVP_DigestUpdate(sha, out, ob.pos);
    write_all(1, out, ob.pos, "unzstd");
    total += ob.pos;
  }
  fetched(fetch);
  write_digest(digest_fd, sha, total, "unzstd");
  return 0;
}
