/* monitor.c — conmon's role: relay the container's stdio (pty master or pipes) to our
 * own stdio (foreground), to the CRI log file and to attach clients; forward signals;
 * reap; record the exit (exit.json, status fd, exit frames) and run the exit command.
 *
 * One epoll loop, level-triggered, no timeouts. Writes to attach clients never block:
 * each client has a bounded queue and frames that do not fit are dropped for it. */
#include "helper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENT_OUT_MAX (8u << 20)   /* bytes queued for one attach client before dropping */
#define STDIN_QUEUE_MAX (4u << 20)  /* bytes queued for the container's stdin */
#define FRAME_MAX (1u << 20)        /* largest frame a client may send */

enum { FRAME_STDIN = 0, FRAME_STDOUT = 1, FRAME_STDERR = 2, FRAME_RESIZE = 3, FRAME_EXIT = 4, FRAME_CLOSE_STDIN = 5 };
enum src_kind { SRC_SIG, SRC_OUT, SRC_ERR, SRC_USER_IN, SRC_IN, SRC_LISTEN, SRC_CLIENT };

struct buf { char *d; size_t off, len, cap; };

struct client {
  int fd;
  enum src_kind kind; /* SRC_CLIENT: first member after fd so a client is its own epoll source */
  struct buf in, out;
  bool pollout;
  size_t dropped;
  struct client *next;
};

struct src { int fd; enum src_kind kind; };

static struct {
  struct monitor *m;
  int ep;
  int listen_fd;
  struct client *clients;
  struct buf stdin_q;
  bool close_stdin_pending;
  bool user_in_paused;
  bool in_pollout;
  bool exited;
  int status;
  struct timespec finished;
  struct src s_sig, s_out, s_err, s_user, s_in, s_listen;
} S;

/* ------------------------------------------------------------ buffers */
static size_t buf_used(const struct buf *b) { return b->len - b->off; }

static void buf_append(struct buf *b, const void *p, size_t n) {
  if (b->off && b->off == b->len) b->off = b->len = 0;
  if (b->len + n > b->cap) {
    if (b->off) { memmove(b->d, b->d + b->off, b->len - b->off); b->len -= b->off; b->off = 0; }
    if (b->len + n > b->cap) {
      size_t cap = b->cap ? b->cap : 4096;
      while (cap < b->len + n) cap *= 2;
      b->d = xrealloc(b->d, cap);
      b->cap = cap;
    }
  }
  memcpy(b->d + b->len, p, n);
  b->len += n;
}

/* write as much of b as fd takes without blocking; -1 on a fatal error */
static int buf_flush(struct buf *b, int fd, bool sock) {
  while (buf_used(b)) {
    ssize_t w = sock ? send(fd, b->d + b->off, buf_used(b), MSG_NOSIGNAL | MSG_DONTWAIT)
                     : write(fd, b->d + b->off, buf_used(b));
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      return -1;
    }
    b->off += (size_t)w;
  }
  b->off = b->len = 0;
  return 0;
}

/* ------------------------------------------------------------ epoll */
static void ep_set(int op, int fd, uint32_t events, void *ptr) {
  struct epoll_event ev = {.events = events, .data.ptr = ptr};
  epoll_ctl(S.ep, op, fd, &ev);
}

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ------------------------------------------------------------ the CRI log */
static void log_cri(const char *stream, const char *data, size_t n) {
  if (S.m->log_fd < 0 || n == 0) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char stamp[48];
  format_rfc3339nano(&ts, stamp, sizeof stamp);
  size_t lines = 1;
  for (size_t i = 0; i < n; i++)
    if (data[i] == '\n') lines++;
  size_t hdr = strlen(stamp) + strlen(stream) + 5;
  char *out = xmalloc(n + lines * (hdr + 1)), *o = out;
  size_t start = 0;
  while (start < n) {
    const char *nl = memchr(data + start, '\n', n - start);
    size_t end = nl ? (size_t)(nl - data) : n;
    o += sprintf(o, "%s %s %c ", stamp, stream, nl ? 'F' : 'P');
    memcpy(o, data + start, end - start);
    o += end - start;
    *o++ = '\n';
    start = nl ? end + 1 : n;
  }
  if (write_all(S.m->log_fd, out, (size_t)(o - out)) < 0) {
    herr("log", "write");
    herr_print();
  }
  free(out);
}

/* ------------------------------------------------------------ attach clients */
static void client_close(struct client *c) {
  for (struct client **pp = &S.clients; *pp; pp = &(*pp)->next)
    if (*pp == c) { *pp = c->next; break; }
  epoll_ctl(S.ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->in.d);
  free(c->out.d);
  free(c);
}

static void client_update_poll(struct client *c) {
  bool want = buf_used(&c->out) > 0;
  if (want == c->pollout) return;
  c->pollout = want;
  ep_set(EPOLL_CTL_MOD, c->fd, EPOLLIN | (want ? EPOLLOUT : 0), c);
}

static void client_send(struct client *c, int type, const void *data, size_t n) {
  if (buf_used(&c->out) + n + 5 > CLIENT_OUT_MAX) { c->dropped += n; return; }
  unsigned char hdr[5];
  hdr[0] = (unsigned char)type;
  uint32_t be = htonl((uint32_t)n);
  memcpy(hdr + 1, &be, 4);
  buf_append(&c->out, hdr, 5);
  buf_append(&c->out, data, n);
  if (!c->pollout && buf_flush(&c->out, c->fd, true) < 0) { client_close(c); return; }
  client_update_poll(c);
}

static void broadcast(int type, const void *data, size_t n) {
  struct client *next;
  for (struct client *c = S.clients; c; c = next) {
    next = c->next;
    client_send(c, type, data, n);
  }
}

/* ------------------------------------------------------------ container stdin */
static void in_update_poll(void) {
  bool want = S.m->in_fd >= 0 && buf_used(&S.stdin_q) > 0;
  if (want == S.in_pollout) return;
  S.in_pollout = want;
  ep_set(want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, S.m->in_fd, EPOLLOUT, &S.s_in);
}

static void do_close_stdin(void) {
  struct monitor *m = S.m;
  if (m->in_fd < 0) return;
  if (m->terminal) {
    /* a terminal cannot be closed: send the EOF character instead */
    if (write(m->in_fd, "\x04", 1) < 0) { /* the container may be gone */ }
    return;
  }
  if (S.in_pollout) { epoll_ctl(S.ep, EPOLL_CTL_DEL, m->in_fd, NULL); S.in_pollout = false; }
  close(m->in_fd);
  m->in_fd = -1;
}

static void request_close_stdin(void) {
  if (buf_used(&S.stdin_q)) S.close_stdin_pending = true;
  else do_close_stdin();
}

static void user_in_pause(bool pause) {
  if (S.m->user_in < 0 || pause == S.user_in_paused) return;
  S.user_in_paused = pause;
  ep_set(EPOLL_CTL_MOD, S.m->user_in, pause ? 0 : EPOLLIN, &S.s_user);
}

static void stdin_flush(void) {
  struct monitor *m = S.m;
  if (m->in_fd >= 0 && buf_flush(&S.stdin_q, m->in_fd, false) < 0) {
    /* the container closed its stdin: drop what is queued */
    S.stdin_q.off = S.stdin_q.len = 0;
    if (!m->terminal) {
      if (S.in_pollout) { epoll_ctl(S.ep, EPOLL_CTL_DEL, m->in_fd, NULL); S.in_pollout = false; }
      close(m->in_fd);
      m->in_fd = -1;
    }
  }
  in_update_poll();
  if (!buf_used(&S.stdin_q)) {
    if (S.close_stdin_pending) { S.close_stdin_pending = false; do_close_stdin(); }
    user_in_pause(false);
  }
}

static void queue_stdin(const char *data, size_t n, bool from_user) {
  struct monitor *m = S.m;
  if (m->in_fd < 0 || !m->stdin_open || S.close_stdin_pending) return;
  if (!from_user && buf_used(&S.stdin_q) + n > STDIN_QUEUE_MAX) return; /* bounded: drop */
  buf_append(&S.stdin_q, data, n);
  stdin_flush();
  if (from_user && buf_used(&S.stdin_q) > 65536) user_in_pause(true);
}

static void handle_frame(int type, const unsigned char *p, uint32_t n) {
  struct monitor *m = S.m;
  switch (type) {
  case FRAME_STDIN: queue_stdin((const char *)p, n, false); break;
  case FRAME_RESIZE:
    if (m->terminal && n >= 4 && m->in_fd >= 0)
      pty_set_size(m->in_fd, (unsigned short)((p[0] << 8) | p[1]), (unsigned short)((p[2] << 8) | p[3]));
    break;
  case FRAME_CLOSE_STDIN:
    if (m->stdin_open) request_close_stdin();
    break;
  default: break; /* unknown frames are ignored */
  }
}

static void client_read(struct client *c) {
  char tmp[65536];
  ssize_t r = read(c->fd, tmp, sizeof tmp);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) { client_close(c); return; }
  buf_append(&c->in, tmp, (size_t)r);
  for (;;) {
    size_t have = buf_used(&c->in);
    if (have < 5) break;
    const unsigned char *h = (const unsigned char *)c->in.d + c->in.off;
    uint32_t len = ((uint32_t)h[1] << 24) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 8) | h[4];
    if (len > FRAME_MAX) { client_close(c); return; }
    if (have < 5 + (size_t)len) break;
    handle_frame(h[0], h + 5, len);
    c->in.off += 5 + len;
  }
  if (c->in.off == c->in.len) c->in.off = c->in.len = 0;
}

static void accept_clients(void) {
  for (;;) {
    int fd = accept4(S.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct client *c = xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->kind = SRC_CLIENT;
    c->next = S.clients;
    S.clients = c;
    ep_set(EPOLL_CTL_ADD, fd, EPOLLIN, c);
  }
}

int attach_listen(int state_dirfd) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return herr("attach", "socket");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  /* through the directory fd: state directories may be longer than sun_path */
  snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach.sock", state_dirfd);
  unlinkat(state_dirfd, "attach.sock", 0);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 32) < 0) {
    herr("attach", "listen on attach.sock");
    close(fd);
    return -1;
  }
  return fd;
}

/* ------------------------------------------------------------ output */
static void output(int stream, const char *data, size_t n) {
  struct monitor *m = S.m;
  if (m->fg && write_all(stream == 2 ? 2 : 1, data, n) < 0 && errno != EPIPE) { /* our reader went away */ }
  log_cri(stream == 2 ? "stderr" : "stdout", data, n);
  broadcast(stream == 2 ? FRAME_STDERR : FRAME_STDOUT, data, n);
}

/* read once from a container output; false at EOF */
static bool read_output(int *fdp, int stream) {
  char buf[65536];
  ssize_t r = read(*fdp, buf, sizeof buf);
  if (r > 0) { output(stream, buf, (size_t)r); return true; }
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  /* EOF, or EIO from a pty master whose slave is closed everywhere */
  epoll_ctl(S.ep, EPOLL_CTL_DEL, *fdp, NULL);
  close(*fdp);
  *fdp = -1;
  return false;
}

static void drain(int *fdp, int stream) {
  if (*fdp < 0) return;
  set_nonblock(*fdp);
  for (int i = 0; i < 1024 && *fdp >= 0; i++) {
    char buf[65536];
    ssize_t r = read(*fdp, buf, sizeof buf);
    if (r > 0) { output(stream, buf, (size_t)r); continue; }
    if (r < 0 && errno == EINTR) continue;
    break;
  }
}

/* ------------------------------------------------------------ signals */
static void reap(void) {
  int st;
  pid_t p;
  while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
    if (p == S.m->pid && !S.exited) {
      S.exited = true;
      S.status = st;
      clock_gettime(CLOCK_REALTIME, &S.finished);
    }
  }
}

static void on_signals(void) {
  struct signalfd_siginfo si;
  while (read(S.m->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
    int sig = (int)si.ssi_signo;
    if (sig == SIGCHLD) reap();
    else if (sig == SIGWINCH) {
      struct winsize ws;
      if (S.m->terminal && S.m->in_fd >= 0 && isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(S.m->in_fd, TIOCSWINSZ, &ws);
    } else if (!S.exited) {
      kill(S.m->pid, sig);
    }
  }
}

/* ------------------------------------------------------------ exit */
static void write_exit_json(int dirfd, int code, bool oom, const struct timespec *started,
                            const struct timespec *finished, const char *error) {
  char fin[48], st[48];
  format_rfc3339nano(finished, fin, sizeof fin);
  if (started) format_rfc3339nano(started, st, sizeof st);
  else snprintf(st, sizeof st, "0001-01-01T00:00:00Z");
  size_t cap = 256, pos;
  char *buf = xmalloc(cap);
  pos = (size_t)snprintf(buf, cap, "{\"exitCode\":%d,\"oomKilled\":%s,\"finishedAt\":\"%s\",\"startedAt\":\"%s\"",
                         code, oom ? "true" : "false", fin, st);
  if (error) {
    const char *key = ",\"error\":";
    size_t kl = strlen(key);
    if (pos + kl + 1 > cap) buf = xrealloc(buf, cap = pos + kl + 64);
    memcpy(buf + pos, key, kl + 1);
    pos += kl;
    json_escape(&buf, &cap, &pos, error);
  }
  if (pos + 3 > cap) buf = xrealloc(buf, cap = pos + 3);
  buf[pos++] = '}';
  buf[pos++] = '\n';
  if (write_file_atomic(dirfd, "exit.json", buf, pos) < 0) herr_print();
  free(buf);
}

void monitor_record_failure(int state_dirfd, int status_fd, int code, const char *msg) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (state_dirfd >= 0) write_exit_json(state_dirfd, code, false, NULL, &now, msg);
  if (status_fd >= 0) dprintf(status_fd, "exit %d oom=0\n", code);
}

void run_exit_command(char **argv) {
  pid_t p = fork();
  if (p < 0) return;
  if (p == 0) {
    setsid();
    pid_t q = fork();
    if (q != 0) _exit(0);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 2) close(null); }
    syscall(SYS_close_range, 3U, ~0U, 0U);
    reset_signals();
    execvp(argv[0], argv);
    _exit(127);
  }
  waitpid(p, NULL, 0);
}

static void final_flush(struct client *c) {
  int fl = fcntl(c->fd, F_GETFL);
  fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
  struct timeval tv = {.tv_sec = 0, .tv_usec = 500000};
  setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  while (buf_used(&c->out)) {
    ssize_t w = send(c->fd, c->out.d + c->out.off, buf_used(&c->out), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    c->out.off += (size_t)w;
  }
}

int monitor_run(struct monitor *m) {
  memset(&S, 0, sizeof S);
  S.m = m;
  S.listen_fd = -1;
  S.ep = epoll_create1(EPOLL_CLOEXEC);
  if (S.ep < 0) die(EXIT_ENGINE, "monitor", "epoll_create1: %s", strerror(errno));
  S.s_sig.kind = SRC_SIG;
  S.s_out.kind = SRC_OUT;
  S.s_err.kind = SRC_ERR;
  S.s_user.kind = SRC_USER_IN;
  S.s_in.kind = SRC_IN;
  S.s_listen.kind = SRC_LISTEN;
  ep_set(EPOLL_CTL_ADD, m->sigfd, EPOLLIN, &S.s_sig);
  if (m->out_fd >= 0) { set_nonblock(m->out_fd); ep_set(EPOLL_CTL_ADD, m->out_fd, EPOLLIN, &S.s_out); }
  if (m->err_fd >= 0) { set_nonblock(m->err_fd); ep_set(EPOLL_CTL_ADD, m->err_fd, EPOLLIN, &S.s_err); }
  if (m->in_fd >= 0) set_nonblock(m->in_fd);
  if (m->user_in >= 0) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &S.s_user};
    if (epoll_ctl(S.ep, EPOLL_CTL_ADD, m->user_in, &ev) < 0) m->user_in = -1;
  }
  S.listen_fd = m->listen_fd;
  if (S.listen_fd >= 0) ep_set(EPOLL_CTL_ADD, S.listen_fd, EPOLLIN, &S.s_listen);

  for (;;) {
    if (S.exited) {
      if (!m->wait_eof) { drain(&m->out_fd, 1); drain(&m->err_fd, 2); break; }
      if (m->out_fd < 0 && m->err_fd < 0) break;
    }
    struct epoll_event evs[32];
    int n = epoll_wait(S.ep, evs, 32, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die(EXIT_ENGINE, "monitor", "epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
      enum src_kind kind = *(enum src_kind *)((char *)evs[i].data.ptr + offsetof(struct src, kind));
      /* clients and fixed sources share the layout {int fd; enum src_kind kind;} */
      switch (kind) {
      case SRC_SIG: on_signals(); break;
      case SRC_OUT: if (m->out_fd >= 0) read_output(&m->out_fd, 1); break;
      case SRC_ERR: if (m->err_fd >= 0) read_output(&m->err_fd, 2); break;
      case SRC_USER_IN: {
        char buf[65536];
        ssize_t r = read(m->user_in, buf, sizeof buf);
        if (r > 0) queue_stdin(buf, (size_t)r, true);
        else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          epoll_ctl(S.ep, EPOLL_CTL_DEL, m->user_in, NULL);
          m->user_in = -1;
          if (m->stdin_open) request_close_stdin();
        }
        break;
      }
      case SRC_IN: stdin_flush(); break;
      case SRC_LISTEN: accept_clients(); break;
      case SRC_CLIENT: {
        struct client *c = evs[i].data.ptr;
        /* the client may have been closed by an earlier event of this batch */
        bool alive = false;
        for (struct client *k = S.clients; k; k = k->next)
          if (k == c) alive = true;
        if (!alive) break;
        if (evs[i].events & EPOLLOUT) {
          if (buf_flush(&c->out, c->fd, true) < 0) { client_close(c); break; }
          client_update_poll(c);
        }
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) client_read(c);
        break;
      }
      }
    }
  }

  /* the container exited and its output is drained */
  int code = WIFEXITED(S.status) ? WEXITSTATUS(S.status) : 128 + WTERMSIG(S.status);
  long ooms = m->cg ? cg_oom_kills(m->cg) : 0;
  if (m->cg) cg_destroy(m->cg);
  if (S.listen_fd >= 0) {
    epoll_ctl(S.ep, EPOLL_CTL_DEL, S.listen_fd, NULL);
    close(S.listen_fd);
    unlinkat(m->state_dirfd, "attach.sock", 0);
  }
  if (m->state_dirfd >= 0) write_exit_json(m->state_dirfd, code, ooms > 0, &m->started, &S.finished, NULL);
  if (m->status_fd >= 0) dprintf(m->status_fd, "exit %d oom=%d\n", code, ooms > 0 ? 1 : 0);
  unsigned char be[4] = {(unsigned char)(code >> 24), (unsigned char)(code >> 16), (unsigned char)(code >> 8),
                         (unsigned char)code};
  while (S.clients) {
    struct client *c = S.clients;
    client_send(c, FRAME_EXIT, be, 4);
    if (S.clients != c) continue; /* closed by a failed send */
    final_flush(c);
    client_close(c);
  }
  if (m->log_fd >= 0) close(m->log_fd);
  tty_restore();
  if (m->exit_command) run_exit_command(m->exit_command);
  return code;
}
