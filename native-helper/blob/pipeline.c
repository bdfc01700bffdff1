/* pipeline.c — the ordered compression pipeline under `layer`.
 *
 * Out: the gzip members (or zstd frames), one per block, in block order, on out_fd: a
 * series of members is one valid gzip stream (RFC 1952 §2.2), a series of frames one zstd
 * stream, so the bytes are the blob itself and the caller forwards them untouched. After each member a line `p <plain bytes so far>` goes
 * to the digest fd (progress), and at the end `d sha256:<plain> <size> sha256:<gzip> <size>`.
 * libdeflate compresses whole buffers 2–3× faster than zlib at the same level, and whole
 * buffers are exactly what blocks are; at level 1 (push's default) ISA-L's igzip, where it
 * was built in (libisal-dev), is 2.5–3× faster again for ~3.5 % more bytes. The writer thread hashes both sides in order
 * (SHA-256, OpenSSL: SHA-NI where the CPU has it), so the caller never touches the plain
 * bytes. */
#include "blob.h"
#include "pipeline.h"

#include <libdeflate.h>
#include <openssl/evp.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <zstd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_le32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

#define MAX_THREADS 64
#define LEVELS 13

enum { FREE, READY, WORKING, DONE };

static struct {
  pthread_mutex_t mu;
  pthread_cond_t changed;
  struct slot *slots;
  size_t nslots;
  size_t next_read, next_take, next_write; /* sequence numbers */
  int eof, threads, out_fd, digest_fd;
  enum codec codec;
  int zstd_level;
  pthread_t workers[MAX_THREADS], writer;
  EVP_MD_CTX *plain_sha, *gz_sha;
  unsigned long long plain_size, gz_size;
} q = { .mu = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

/* room for `bound` compressed bytes in the slot's output buffer */
static void reserve_out(struct slot *s, size_t bound) {
  if (bound <= s->out_cap) return;
  free(s->out);
  if (!(s->out = malloc(bound))) blob_die(BLOB_EXIT_FAIL, "compress", "out of memory");
  s->out_cap = bound;
}

/* the block as raw deflate at out, in at most cap bytes; 0 when ISA-L cannot do it */
static size_t isal_block(uint8_t **level_buf, struct slot *s, unsigned char *out, size_t cap) {
#ifdef HAVE_ISAL
  if (s->level != 1) return 0;
  if (!*level_buf && !(*level_buf = malloc(ISAL_DEF_LVL1_DEFAULT))) blob_die(BLOB_EXIT_FAIL, "compress", "out of memory");
  struct isal_zstream z;
  isal_deflate_stateless_init(&z);
  z.level = 1;
  z.level_buf = *level_buf;
  z.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  z.gzip_flag = IGZIP_DEFLATE;
  z.end_of_stream = 1;
  z.flush = NO_FLUSH;
  z.next_in = s->in;
  z.avail_in = (uint32_t)s->in_len;
  z.next_out = out;
  z.avail_out = (uint32_t)cap;
  return isal_deflate_stateless(&z) == COMP_OK ? z.total_out : 0; /* overflow: libdeflate stores it */
#else
  (void)level_buf, (void)s, (void)out, (void)cap;
  return 0;
#endif
}

/* One gzip member per block, at the block's level (0 stores). Its header carries the
 * member's own length in an extra subfield (RFC 1952 §2.3.1.1, ID 'S' 'z', 4 bytes, little
 * endian), which every gzip reader skips: it lets a pull inflate members as they arrive
 * (gunzip.c) instead of after the whole download. */
static void gzip_block(struct libdeflate_compressor **c, uint8_t **isal_buf, struct slot *s) {
  if (!c[s->level] && !(c[s->level] = libdeflate_alloc_compressor(s->level)))
    blob_die(BLOB_EXIT_FAIL, "compress", "cannot make a level %d compressor (out of memory?)", s->level);
  reserve_out(s, GZ_SIZED_HEADER + libdeflate_deflate_compress_bound(c[s->level], s->in_len) + 8);
  size_t cap = s->out_cap - GZ_SIZED_HEADER - 8;
  size_t n = isal_block(isal_buf, s, s->out + GZ_SIZED_HEADER, cap);
  if (n == 0) n = libdeflate_deflate_compress(c[s->level], s->in, s->in_len, s->out + GZ_SIZED_HEADER, cap);
  if (n == 0) blob_die(BLOB_EXIT_FAIL, "compress", "compressed block does not fit its bound");
  size_t total = GZ_SIZED_HEADER + n + 8;
  if (total > UINT32_MAX) blob_die(BLOB_EXIT_FAIL, "compress", "a block of %zu bytes is too large for one member", s->in_len);
  unsigned char *h = s->out;
  static const unsigned char head[12] = { 0x1f, 0x8b, 8, 4 /* FEXTRA */, 0, 0, 0, 0, 0, 3 /* Unix */, 8, 0 /* XLEN */ };
  memcpy(h, head, sizeof head);
  h[8] = s->level < 2 ? 4 : s->level >= 8 ? 2 : 0; /* XFL: fastest / best, as gzip(1) sets it */
  h[12] = 'S';
  h[13] = 'z';
  h[14] = 4;
  h[15] = 0;
  put_le32(h + 16, (uint32_t)total);
  unsigned char *t = h + GZ_SIZED_HEADER + n;
  put_le32(t, libdeflate_crc32(0, s->in, s->in_len));
  put_le32(t + 4, (uint32_t)s->in_len);
  s->out_len = total;
}

/* one zstd frame per block: frames in a row are one zstd stream (RFC 8878 §3.1), as
 * members are one gzip stream. The block's own level is gzip's; zstd uses the layer's
 * (its fast path already emits raw blocks for data that will not shrink). */
static void zstd_block(ZSTD_CCtx **z, struct slot *s) {
  if (!*z) {
    /* a content checksum in every frame, as gzip has its CRC: a damaged blob fails to inflate */
    if (!(*z = ZSTD_createCCtx()) || ZSTD_isError(ZSTD_CCtx_setParameter(*z, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(*z, ZSTD_c_compressionLevel, q.zstd_level)))
      blob_die(BLOB_EXIT_FAIL, "compress", "cannot set up zstd (level %d)", q.zstd_level);
  }
  reserve_out(s, ZSTD_compressBound(s->in_len));
  size_t n = ZSTD_compress2(*z, s->out, s->out_cap, s->in, s->in_len);
  if (ZSTD_isError(n)) blob_die(BLOB_EXIT_FAIL, "compress", "zstd: %s", ZSTD_getErrorName(n));
  s->out_len = n;
}

static void *worker(void *arg) {
  (void)arg;
  struct libdeflate_compressor *c[LEVELS] = { 0 };
  uint8_t *isal_buf = NULL;
  ZSTD_CCtx *z = NULL;
  pthread_mutex_lock(&q.mu);
  for (;;) {
    while (q.next_take == q.next_read && !q.eof) pthread_cond_wait(&q.changed, &q.mu);
    if (q.next_take == q.next_read) break;
    struct slot *s = &q.slots[q.next_take++ % q.nslots];
    s->state = WORKING;
    pthread_mutex_unlock(&q.mu);

    if (q.codec == CODEC_ZSTD) zstd_block(&z, s);
    else gzip_block(c, &isal_buf, s);

    pthread_mutex_lock(&q.mu);
    s->state = DONE;
    pthread_cond_broadcast(&q.changed);
  }
  pthread_mutex_unlock(&q.mu);
  for (int i = 0; i < LEVELS; i++) libdeflate_free_compressor(c[i]);
  free(isal_buf);
  ZSTD_freeCCtx(z);
  return NULL;
}

static void *writer(void *arg) {
  (void)arg;
  pthread_mutex_lock(&q.mu);
  for (;;) {
    struct slot *s = &q.slots[q.next_write % q.nslots];
    while (!(q.next_write < q.next_read && s->state == DONE) && !(q.eof && q.next_write == q.next_read))
      pthread_cond_wait(&q.changed, &q.mu);
    if (q.next_write == q.next_read) break; /* eof, all written */
    pthread_mutex_unlock(&q.mu);
    write_all(q.out_fd, s->out, s->out_len, "compress");
    char line[32];
    int n = snprintf(line, sizeof line, "p %llu\n", s->raw_end);
    write_all(q.digest_fd, line, (size_t)n, "compress");
    EVP_DigestUpdate(q.plain_sha, s->in, s->in_len);
    EVP_DigestUpdate(q.gz_sha, s->out, s->out_len);
    q.plain_size += s->in_len;
    q.gz_size += s->out_len;
    pthread_mutex_lock(&q.mu);
    s->state = FREE;
    q.next_write++;
    pthread_cond_broadcast(&q.changed);
  }
  pthread_mutex_unlock(&q.mu);
  return NULL;
}

enum codec parse_codec(const char *name, const char *step) {
  if (!strcmp(name, "gzip")) return CODEC_GZIP;
  if (!strcmp(name, "zstd")) return CODEC_ZSTD;
  blob_die(BLOB_EXIT_USAGE, step, "unknown compression %s (gzip or zstd)", name);
}

void pipeline_start(int threads, int out_fd, int digest_fd, enum codec codec, int zstd_level) {
  if (threads < 1 || threads > MAX_THREADS) blob_die(BLOB_EXIT_USAGE, "compress", "THREADS must be 1-%d", MAX_THREADS);
  q.threads = threads;
  q.out_fd = out_fd;
  q.digest_fd = digest_fd;
  q.codec = codec;
  q.zstd_level = zstd_level;
  q.nslots = (size_t)threads * 2 + 2; /* enough for every thread to work while the writer drains */
  q.plain_sha = EVP_MD_CTX_new();
  q.gz_sha = EVP_MD_CTX_new();
  if (!(q.slots = calloc(q.nslots, sizeof *q.slots)) || !q.plain_sha || !q.gz_sha ||
      !EVP_DigestInit_ex(q.plain_sha, EVP_sha256(), NULL) || !EVP_DigestInit_ex(q.gz_sha, EVP_sha256(), NULL))
    blob_die(BLOB_EXIT_FAIL, "compress", "out of memory");
  for (int i = 0; i < threads; i++) pthread_create(&q.workers[i], NULL, worker, NULL);
  pthread_create(&q.writer, NULL, writer, NULL);
}

struct slot *pipeline_slot(size_t cap) {
  pthread_mutex_lock(&q.mu);
  struct slot *s = &q.slots[q.next_read % q.nslots];
  while (s->state != FREE) pthread_cond_wait(&q.changed, &q.mu);
  pthread_mutex_unlock(&q.mu);
  if (cap > s->in_cap) {
    free(s->in);
    if (!(s->in = malloc(cap ? cap : 1))) blob_die(BLOB_EXIT_FAIL, "compress", "out of memory");
    s->in_cap = cap;
  }
  s->in_len = 0;
  s->level = 0;
  return s;
}

void pipeline_submit(struct slot *s) {
  static unsigned long long raw;
  raw += s->in_len;
  s->raw_end = raw;
  pthread_mutex_lock(&q.mu);
  s->state = READY;
  q.next_read++;
  pthread_cond_broadcast(&q.changed);
  pthread_mutex_unlock(&q.mu);
}

static void digest_hex(EVP_MD_CTX *c, char *out) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(c, md, &n);
  for (unsigned i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", md[i]);
}

void pipeline_finish(void) {
  pthread_mutex_lock(&q.mu);
  q.eof = 1;
  pthread_cond_broadcast(&q.changed);
  pthread_mutex_unlock(&q.mu);
  for (int i = 0; i < q.threads; i++) pthread_join(q.workers[i], NULL);
  pthread_join(q.writer, NULL);
  char plain[65], gz[65], line[200];
  digest_hex(q.plain_sha, plain);
  digest_hex(q.gz_sha, gz);
  int n = snprintf(line, sizeof line, "d sha256:%s %llu sha256:%s %llu\n", plain, q.plain_size, gz, q.gz_size);
  write_all(q.digest_fd, line, (size_t)n, "compress");
}
