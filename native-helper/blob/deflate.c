/* deflate.c — `strata-blob deflate THREADS`: compresses a stream of blocks into gzip
 * members on THREADS threads and writes them back in the order they came.
 *
 * In:  frames of  u32le length, u8 level (0-12; 0 stores), 3 zero bytes, data.
 * Out: frames of  u32le length, one complete gzip member.
 * A series of members is one valid gzip stream (RFC 1952 §2.2), so the caller just
 * concatenates them. libdeflate is used because it compresses whole buffers 2–3× faster
 * than zlib at the same level, and whole buffers are exactly what blocks are. */
#include "blob.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_FRAME (64u << 20)
#define LEVELS 13

enum slot_state { FREE, READY, WORKING, DONE };

struct slot {
  enum slot_state state;
  int level;
  unsigned char *in, *out;
  size_t in_len, in_cap, out_len, out_cap;
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t changed;
  struct slot *slots;
  size_t nslots;
  size_t next_read, next_take, next_write; /* sequence numbers */
  int eof;
} q = { .mu = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

static void *worker(void *arg) {
  (void)arg;
  struct libdeflate_compressor *c[LEVELS] = { 0 };
  pthread_mutex_lock(&q.mu);
  for (;;) {
    while (q.next_take == q.next_read && !q.eof) pthread_cond_wait(&q.changed, &q.mu);
    if (q.next_take == q.next_read) break;
    struct slot *s = &q.slots[q.next_take++ % q.nslots];
    s->state = WORKING;
    pthread_mutex_unlock(&q.mu);

    if (!c[s->level] && !(c[s->level] = libdeflate_alloc_compressor(s->level)))
      blob_die(BLOB_EXIT_FAIL, "deflate", "cannot make a level %d compressor (out of memory?)", s->level);
    size_t bound = libdeflate_gzip_compress_bound(c[s->level], s->in_len);
    if (bound > s->out_cap) {
      free(s->out);
      if (!(s->out = malloc(bound))) blob_die(BLOB_EXIT_FAIL, "deflate", "out of memory");
      s->out_cap = bound;
    }
    s->out_len = libdeflate_gzip_compress(c[s->level], s->in, s->in_len, s->out, s->out_cap);
    if (s->out_len == 0) blob_die(BLOB_EXIT_FAIL, "deflate", "compressed block does not fit its bound");

    pthread_mutex_lock(&q.mu);
    s->state = DONE;
    pthread_cond_broadcast(&q.changed);
  }
  pthread_mutex_unlock(&q.mu);
  for (int i = 0; i < LEVELS; i++) libdeflate_free_compressor(c[i]);
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
    unsigned char hdr[4] = { s->out_len & 0xff, (s->out_len >> 8) & 0xff, (s->out_len >> 16) & 0xff, (s->out_len >> 24) & 0xff };
    write_all(1, hdr, 4, "deflate");
    write_all(1, s->out, s->out_len, "deflate");
    pthread_mutex_lock(&q.mu);
    s->state = FREE;
    q.next_write++;
    pthread_cond_broadcast(&q.changed);
  }
  pthread_mutex_unlock(&q.mu);
  return NULL;
}

int cmd_deflate(int argc, char **argv) {
  if (argc != 1) blob_die(BLOB_EXIT_USAGE, "deflate", "usage: strata-blob deflate THREADS");
  int threads = atoi(argv[0]);
  if (threads < 1 || threads > MAX_THREADS) blob_die(BLOB_EXIT_USAGE, "deflate", "THREADS must be 1-%d", MAX_THREADS);
  widen_pipe(0);
  widen_pipe(1);
  q.nslots = (size_t)threads * 2 + 2; /* enough for every thread to work while the writer drains */
  if (!(q.slots = calloc(q.nslots, sizeof *q.slots))) blob_die(BLOB_EXIT_FAIL, "deflate", "out of memory");

  pthread_t workers[MAX_THREADS], out;
  for (int i = 0; i < threads; i++) pthread_create(&workers[i], NULL, worker, NULL);
  pthread_create(&out, NULL, writer, NULL);

  for (;;) {
    unsigned char hdr[8];
    if (!read_exact(0, hdr, sizeof hdr, "deflate")) break;
    size_t len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
    int level = hdr[4];
    if (len > MAX_FRAME || level >= LEVELS) blob_die(BLOB_EXIT_FAIL, "deflate", "bad frame (length %zu, level %d)", len, level);

    pthread_mutex_lock(&q.mu);
    struct slot *s = &q.slots[q.next_read % q.nslots];
    while (s->state != FREE) pthread_cond_wait(&q.changed, &q.mu);
    pthread_mutex_unlock(&q.mu);

    if (len > s->in_cap) {
      free(s->in);
      if (!(s->in = malloc(len ? len : 1))) blob_die(BLOB_EXIT_FAIL, "deflate", "out of memory");
      s->in_cap = len;
    }
    if (len && !read_exact(0, s->in, len, "deflate")) blob_die(BLOB_EXIT_FAIL, "deflate", "input ends inside a frame");
    s->in_len = len;
    s->level = level;

    pthread_mutex_lock(&q.mu);
    s->state = READY;
    q.next_read++;
    pthread_cond_broadcast(&q.changed);
    pthread_mutex_unlock(&q.mu);
  }
  pthread_mutex_lock(&q.mu);
  q.eof = 1;
  pthread_cond_broadcast(&q.changed);
  pthread_mutex_unlock(&q.mu);
  for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
  pthread_join(out, NULL);
  return 0;
}
