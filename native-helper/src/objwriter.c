/* objwriter.c — writes small file objects on a few threads while the caller goes on
 * parsing. Creating an inode is the dominant cost of an import (ext4 spends 40–400 µs of
 * CPU on each here, more right after many deletions), and it runs in the kernel of the
 * calling thread, so spreading it over the cores is the one way to make it faster.
 *
 * The caller computes each id first (records go out in archive order, unaffected); a job
 * holds a copy of the content and metadata. Two jobs for the same id are harmless: the
 * second link finds the first in place (EEXIST), as with concurrent importers. The
 * first failure is kept and reported by objwriter_finish. */
#include "objects.h"
#include "objwriter.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WRITERS 8
#define MAX_QUEUED_BYTES ((size_t)64 << 20)
#define FLUSH_EVERY ((size_t)24 << 20)

struct job {
  struct job *next;
  char id[65];
  struct fmeta m;
  struct xattrs x;
  uint8_t *content;
  size_t len;
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t work, room;
  struct job *head, *tail;
  size_t queued_bytes;
  int done, failed, n;
  char msg[sizeof herr_msg];
  pthread_t t[MAX_WRITERS];
  struct store s[MAX_WRITERS];
  /* the flusher: syncfs while the import goes on, so the disk writes during the import
   * and the caller's one syncfs at the end finds little left to do */
  pthread_t flusher;
  pthread_cond_t written_cv;
  size_t written, flushed;
  int dirfd;
} w = { .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .room = PTHREAD_COND_INITIALIZER, .written_cv = PTHREAD_COND_INITIALIZER, .dirfd = -1 };

static void *flusher(void *arg) {
  (void)arg;
  pthread_mutex_lock(&w.mu);
  for (;;) {
    while (w.written - w.flushed < FLUSH_EVERY && !w.done) pthread_cond_wait(&w.written_cv, &w.mu);
    if (w.done) break;
    w.flushed = w.written;
    pthread_mutex_unlock(&w.mu);
    (void)syncfs(w.dirfd); /* only an early start: durability is the caller's final syncfs */
    pthread_mutex_lock(&w.mu);
  }
  pthread_mutex_unlock(&w.mu);
  return NULL;
}

static void job_free(struct job *j) {
  free(j->content);
  xattrs_clear(&j->x);
  free(j->x.v);
  free(j);
}

static void *writer(void *arg) {
  struct store *s = arg;
  pthread_mutex_lock(&w.mu);
  for (;;) {
    while (!w.head && !w.done) pthread_cond_wait(&w.work, &w.mu);
    struct job *j = w.head;
    if (!j) break;
    w.head = j->next;
    if (!w.head) w.tail = NULL;
    int skip = w.failed; /* after a failure the rest is only drained */
    pthread_mutex_unlock(&w.mu);

    int rc = skip ? 0 : store_write_regular(s, j->id, &j->m, j->x.n ? &j->x : NULL, j->content, j->len);

    pthread_mutex_lock(&w.mu);
    if (rc < 0 && !w.failed) {
      w.failed = 1;
      memcpy(w.msg, herr_msg, sizeof w.msg);
    }
    w.queued_bytes -= j->len;
    w.written += j->len;
    if (w.written - w.flushed >= FLUSH_EVERY) pthread_cond_signal(&w.written_cv);
    pthread_cond_signal(&w.room);
    pthread_mutex_unlock(&w.mu);
    job_free(j);
    pthread_mutex_lock(&w.mu);
  }
  pthread_mutex_unlock(&w.mu);
  return NULL;
}

int objwriter_start(const char *dir, int threads, const char *stage) {
  if (threads > MAX_WRITERS) threads = MAX_WRITERS;
  w.n = threads < 1 ? 0 : threads;
  if (w.n) {
    w.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w.dirfd >= 0 && pthread_create(&w.flusher, NULL, flusher, NULL) != 0) {
      close(w.dirfd);
      w.dirfd = -1;
    }
  }
  for (int i = 0; i < w.n; i++) {
    if (store_open(&w.s[i], dir) < 0 || (stage && store_stage(&w.s[i], stage) < 0)) return -1;
    w.s[i].seq = (unsigned)(i + 1) << 24; /* named temp files (no O_TMPFILE) stay distinct per thread */
    if (pthread_create(&w.t[i], NULL, writer, &w.s[i]) != 0) return herrx("store", "cannot start an object writer thread");
  }
  return 0;
}

int objwriter_put(struct store *s, const char id[65], const struct fmeta *m, const struct xattrs *x, const void *content, size_t len) {
  if (w.n == 0) return store_write_regular(s, id, m, x, content, len);
  struct job *j = xmalloc(sizeof *j);
  memset(j, 0, sizeof *j);
  memcpy(j->id, id, 65);
  j->m = *m;
  if (x)
    for (size_t i = 0; i < x->n; i++) xattrs_set(&j->x, x->v[i].name, strlen(x->v[i].name), x->v[i].value, x->v[i].len);
  j->len = len;
  j->content = xmalloc(len ? len : 1);
  memcpy(j->content, content, len);
  pthread_mutex_lock(&w.mu);
  while (w.queued_bytes > MAX_QUEUED_BYTES && !w.failed) pthread_cond_wait(&w.room, &w.mu);
  int failed = w.failed;
  if (!failed) {
    w.queued_bytes += len;
    if (w.tail) w.tail->next = j;
    else w.head = j;
    w.tail = j;
    pthread_cond_signal(&w.work);
  }
  pthread_mutex_unlock(&w.mu);
  if (failed) {
    job_free(j);
    return objwriter_finish();
  }
  return 0;
}

int objwriter_finish(void) {
  pthread_mutex_lock(&w.mu);
  w.done = 1;
  pthread_cond_broadcast(&w.work);
  pthread_cond_broadcast(&w.written_cv);
  pthread_mutex_unlock(&w.mu);
  for (int i = 0; i < w.n; i++) pthread_join(w.t[i], NULL);
  if (w.dirfd >= 0) {
    pthread_join(w.flusher, NULL);
    close(w.dirfd);
    w.dirfd = -1;
  }
  w.n = 0;
  if (w.failed) {
    memcpy(herr_msg, w.msg, sizeof herr_msg);
    return -1;
  }
  return 0;
}
