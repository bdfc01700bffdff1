/* pty.c — the container's terminal: a pty from the container's own devpts instance
 * (the slave opened with TIOCGPTPEER, no path lookup), fd passing over a unix socket,
 * and raw mode for our own terminal (restored on every exit path). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int pty_open_in(int rootfd, const char *ptmx_path, int *slave_out) {
  int master;
  if (rootfd >= 0) {
    struct open_how how = {.flags = O_RDWR | O_NOCTTY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    master = (int)syscall(SYS_openat2, rootfd, ptmx_path, &how, sizeof how);
  } else {
    master = open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  }
  if (master < 0) return herr("pty", "open %s", ptmx_path);
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) { herr("pty", "unlock %s", ptmx_path); close(master); return -1; }
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) { herr("pty", "open the slave of %s", ptmx_path); close(master); return -1; }
  *slave_out = slave;
  return master;
}

int send_fd(int sock, int fd) {
  char tag = SYNC_PTY;
  struct iovec iov = {.iov_base = &tag, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0) return herr("pty", "send the pty master");
  return 0;
}

ssize_t sync_recv(int sock, char *buf, size_t len, int *fd_out) {
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t r;
  *fd_out = -1;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  return r;
}

static struct termios saved_tio;
static int saved_fd = -1;

int tty_raw(int fd) {
  struct termios t;
  if (tcgetattr(fd, &t) < 0) return herr("tty", "tcgetattr");
  saved_tio = t;
  cfmakeraw(&t);
  if (tcsetattr(fd, TCSADRAIN, &t) < 0) return herr("tty", "set raw mode");
  saved_fd = fd;
  return 0;
}

void tty_restore(void) {
  if (saved_fd >= 0) {
    tcsetattr(saved_fd, TCSADRAIN, &saved_tio);
    saved_fd = -1;
  }
}

int pty_set_size(int fd, unsigned short rows, unsigned short cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return herr("pty", "set window size %ux%u", rows, cols);
  return 0;
}
