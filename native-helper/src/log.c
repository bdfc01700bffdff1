/* log.c — error messages, small file helpers, time formatting. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread char herr_msg[2048];

static int vrecord(const char *step, bool with_errno, const char *fmt, va_list ap) {
  int saved = errno;
  size_t n = (size_t)snprintf(herr_msg, sizeof herr_msg, "%s: ", step);
  if (n < sizeof herr_msg) n += (size_t)vsnprintf(herr_msg + n, sizeof herr_msg - n, fmt, ap);
  if (with_errno && n < sizeof herr_msg) snprintf(herr_msg + n, sizeof herr_msg - n, ": %s", strerror(saved));
  /* one line, always */
  for (char *p = herr_msg; *p; p++)
    if (*p == '\n') *p = ' ';
  errno = saved;
  return -1;
}

int herr(const char *step, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vrecord(step, true, fmt, ap);
  va_end(ap);
  return -1;
}

int herrx(const char *step, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vrecord(step, false, fmt, ap);
  va_end(ap);
  return -1;
}

void herr_print(void) {
  char line[sizeof herr_msg + 32];
  int n = snprintf(line, sizeof line, "strata-helper: %s\n", herr_msg);
  if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
  if (write(2, line, (size_t)n) < 0) { /* nothing to do */ }
}

void die(int code, const char *step, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vrecord(step, false, fmt, ap);
  va_end(ap);
  herr_print();
  tty_restore();
  exit(code);
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        poll(&pfd, 1, -1);
        continue;
      }
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

void format_rfc3339nano(const struct timespec *ts, char *buf, size_t len) {
  struct tm tm;
  gmtime_r(&ts->tv_sec, &tm);
  snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts->tv_nsec);
}

int write_file_atomic(int dirfd, const char *name, const void *data, size_t len) {
  char tmp[256];
  snprintf(tmp, sizeof tmp, ".%s.%d.tmp", name, (int)getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return herr("state", "create %s", tmp);
  if (write_all(fd, data, len) < 0) {
    herr("state", "write %s", tmp);
    close(fd);
    unlinkat(dirfd, tmp, 0);
    return -1;
  }
  close(fd);
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    herr("state", "rename %s to %s", tmp, name);
    unlinkat(dirfd, tmp, 0);
    return -1;
  }
  return 0;
}

int write_file_str(int dirfd, const char *path, const char *s) {
  int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(s);
  ssize_t w;
  do w = write(fd, s, len);
  while (w < 0 && errno == EINTR);
  int saved = errno;
  close(fd);
  errno = saved;
  return w == (ssize_t)len ? 0 : -1;
}

char *read_file(int dirfd, const char *path, size_t *len_out) {
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (len + 1 >= cap) buf = xrealloc(buf, cap *= 2);
    ssize_t r = read(fd, buf + len, cap - len - 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      free(buf);
      close(fd);
      errno = saved;
      return NULL;
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  close(fd);
  buf[len] = 0;
  if (len_out) *len_out = len;
  return buf;
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die(EXIT_ENGINE, "malloc", "%zu bytes: out of memory", n);
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die(EXIT_ENGINE, "malloc", "%zu bytes: out of memory", n);
  return p;
}

char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = xmalloc(n);
  memcpy(d, s, n);
  return d;
}
