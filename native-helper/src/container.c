/* container.c — `run` and `exec`: the flow from config to a running process.
 *
 *   run (foreground): cgroup → clone3(new namespaces) → [child] root, mounts, /dev,
 *   pty, pivot_root, finish, user/caps, exec  ‖  [parent] join cgroup, GO, wait for
 *   exec (EOF on the CLOEXEC sync socket) → monitor until exit.
 *   run --detach: the launcher double-forks a monitor that does the above and reports
 *   "started" (or the error) through a pipe; the launcher exits as soon as it knows.
 *   exec: join the namespaces and cgroups of a running container, fork, exec.
 *
 * The child talks to the parent over a SOCK_SEQPACKET socketpair: it receives GO once
 * its cgroup is set, sends the pty master (SCM_RIGHTS) and, on failure, "E<code>msg". */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct clone_args_v0 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int sync_send_error(int sock, int code) {
  char msg[sizeof herr_msg + 2];
  msg[0] = SYNC_ERR;
  msg[1] = (char)code;
  size_t n = strlen(herr_msg);
  memcpy(msg + 2, herr_msg, n);
  ssize_t r;
  do r = send(sock, msg, n + 2, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

static pid_t clone_ns(int flags) {
  struct clone_args_v0 args;
  memset(&args, 0, sizeof args);
  args.flags = (uint64_t)flags;
  args.exit_signal = SIGCHLD;
  long r = syscall(SYS_clone3, &args, sizeof args);
  if (r < 0 && errno == ENOSYS) r = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  return (pid_t)r;
}

/* put fds a, b, c on 0, 1, 2 (they may overlap 0..2 themselves) */
static int setup_stdio(int a, int b, int c) {
  int src[3] = {a, b, c}, tmp[3];
  for (int i = 0; i < 3; i++) {
    tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10);
    if (tmp[i] < 0) return herr("stdio", "dup fd %d", src[i]);
  }
  for (int i = 0; i < 3; i++) {
    if (dup2(tmp[i], i) < 0) return herr("stdio", "dup2 to fd %d", i);
    close(tmp[i]);
  }
  return 0;
}

static int wait_go(int sync) {
  char buf[8];
  int fd;
  ssize_t r = sync_recv(sync, buf, sizeof buf, &fd);
  if (fd >= 0) close(fd);
  if (r <= 0 || buf[0] != SYNC_GO) return herrx("sync", "the monitor went away before the container started");
  return 0;
}

static void terminal_size(const struct process_spec *ps, int master) {
  struct winsize ws;
  if (ps->has_console_size && ps->rows && ps->cols) pty_set_size(master, ps->rows, ps->cols);
  else if (isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

struct child_ctx {
  struct config *c;
  int sync;
  int stdio[3];      /* when not a terminal */
  int nsfd[NS_COUNT];
  bool cgroupns;
};

static void __attribute__((noreturn)) child_fail(int sync) {
  sync_send_error(sync, EXIT_ENGINE);
  _exit(EXIT_ENGINE);
}

/* wait until the parent put us in our cgroups, then create the cgroup namespace */
static void enter_cgroup_ns(struct child_ctx *x) {
  if (wait_go(x->sync) < 0) child_fail(x->sync);
  if (x->cgroupns && unshare(CLONE_NEWCGROUP) < 0) { herr("namespace", "unshare cgroup"); child_fail(x->sync); }
}

static void __attribute__((noreturn)) container_child(struct child_ctx *x) {
  struct config *c = x->c;
  int sync = x->sync;
  umask(0);
  /* join the namespaces given by path (pid was joined by the parent: it applies to children) */
  static const int order[] = {NS_IPC, NS_UTS, NS_NET, NS_CGROUP, NS_MNT};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    int k = order[i];
    if (x->nsfd[k] >= 0 && ns_join(x->nsfd[k], ns_flags[k], c->ns[k].path) < 0) child_fail(sync);
  }
  if (rootfs_prepare(c) < 0) child_fail(sync);
  /* The parent writes our pid into the cgroups meanwhile: the first cgroup.procs write
   * of a v1 host waits for an RCU grace period (~10 ms when cold). Wait for it only
   * when it matters: before a cgroupfs mount (it needs the cgroup namespace, which
   * must be created inside the cgroup), else right before the process settings. */
  bool cgroup_mount = false;
  for (size_t i = 0; i < c->nmounts; i++)
    if (!strcmp(c->mounts[i].type, "cgroup") || !strcmp(c->mounts[i].type, "cgroup2")) cgroup_mount = true;
  if (cgroup_mount) enter_cgroup_ns(x);
  int rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) { herr("rootfs", "open %s", c->rootfs); child_fail(sync); }
  if (rootfs_mounts(c, rootfd) < 0) child_fail(sync);
  int slave = -1;
  if (c->proc.terminal) {
    int master = pty_open_in(rootfd, "dev/pts/ptmx", &slave);
    if (master < 0) child_fail(sync);
    terminal_size(&c->proc, master);
    if (rootfs_console(rootfd, slave) < 0) child_fail(sync);
    if (send_fd(sync, master) < 0) child_fail(sync);
    close(master);
  }
  if (rootfs_pivot(rootfd) < 0) child_fail(sync);
  close(rootfd);
  if (c->hostname && c->ns[NS_UTS].wanted && sethostname(c->hostname, strlen(c->hostname)) < 0) {
    herr("hostname", "%s", c->hostname);
    child_fail(sync);
  }
  if (rootfs_finish(c) < 0) child_fail(sync);
  if (!cgroup_mount) enter_cgroup_ns(x);
  if (c->proc.terminal) {
    if (setsid() < 0) { herr("terminal", "setsid"); child_fail(sync); }
    if (ioctl(slave, TIOCSCTTY, 0) < 0) { herr("terminal", "set the controlling terminal"); child_fail(sync); }
    if (setup_stdio(slave, slave, slave) < 0) child_fail(sync);
    close(slave);
  } else {
    if (setup_stdio(x->stdio[0], x->stdio[1], x->stdio[2]) < 0) child_fail(sync);
  }
  /* nothing of ours leaks into the container (init does not exec: close, not CLOEXEC) */
  if (sync > 3) syscall(SYS_close_range, 3U, (unsigned)sync - 1, 0U);
  syscall(SYS_close_range, (unsigned)sync + 1, ~0U, 0U);
  if (finalize_process(&c->proc) < 0) child_fail(sync);
  if (c->init) init_run(&c->proc, sync);
  int code = exec_process(&c->proc);
  sync_send_error(sync, code);
  _exit(code);
}

/* ------------------------------------------------------------------ run */
static void report_failure(int report_fd, int code) {
  if (report_fd < 0) { herr_print(); return; }
  char msg[sizeof herr_msg + 16];
  int n = snprintf(msg, sizeof msg, "E%d %s\n", code, herr_msg);
  write_all(report_fd, msg, (size_t)n);
}

/* the container could not start: record it everywhere and exit */
static void __attribute__((noreturn)) start_failed(struct config *c, int state_dirfd, int status_fd, int report_fd,
                                                    struct cgroup *cg, int code) {
  tty_restore();
  if (cg) cg_destroy(cg);
  if (state_dirfd >= 0) unlinkat(state_dirfd, "attach.sock", 0);
  monitor_record_failure(state_dirfd, status_fd, code, herr_msg);
  report_failure(report_fd, code);
  if (c->exit_command) run_exit_command(c->exit_command);
  exit(code);
}

static int open_state_dir(const char *dir) {
  if (!dir) return -1;
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) return herr("state", "mkdir %s", dir);
  int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return herr("state", "open %s", dir);
  return fd;
}

static void write_pid_file(int dirfd, const char *name, pid_t pid) {
  char v[24];
  int n = snprintf(v, sizeof v, "%d\n", (int)pid);
  if (dirfd >= 0 && write_file_atomic(dirfd, name, v, (size_t)n) < 0) herr_print();
}

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static int block_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
    sigaddset(&set, forwarded_signals[i]);
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return herr("signalfd", "create");
  return fd;
}

/* create the container and monitor it; never returns */
static void __attribute__((noreturn)) run_container(struct config *c, bool fg, int status_fd, int report_fd) {
  int state = -1;
  if (c->state_dir && (state = open_state_dir(c->state_dir)) < 0) start_failed(c, -1, status_fd, report_fd, NULL, EXIT_ENGINE);
  write_pid_file(state, "monitor.pid", getpid());
  int sigfd = block_signals();
  if (sigfd < 0) start_failed(c, state, status_fd, report_fd, NULL, EXIT_ENGINE);

  /* the attach socket exists before anyone learns that the container started */
  int listen_fd = -1;
  if (state >= 0 && (listen_fd = attach_listen(state)) < 0) start_failed(c, state, status_fd, report_fd, NULL, EXIT_ENGINE);

  static struct cgroup cg;
  if (cg_detect(&cg) < 0) start_failed(c, state, status_fd, report_fd, NULL, EXIT_ENGINE);
  char defpath[64];
  snprintf(defpath, sizeof defpath, "/strata/helper-%d", (int)getpid());
  if (cg_create(&cg, c->cgroups_path ? c->cgroups_path : defpath, &c->res) < 0)
    start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE);

  struct child_ctx x;
  memset(&x, 0, sizeof x);
  x.c = c;
  int parent_in = -1, parent_out = -1, parent_err = -1, user_in = -1;
  if (!c->proc.terminal) {
    int p[2];
    bool direct_stdin = false;
    if (c->stdin_open && fg) {
      /* a regular file or /dev/null cannot be polled: hand it to the container as is */
      int ep = epoll_create1(EPOLL_CLOEXEC);
      struct epoll_event ev = {.events = EPOLLIN};
      if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) direct_stdin = true;
      close(ep);
    }
    if (direct_stdin) {
      x.stdio[0] = 0;
    } else if (c->stdin_open) {
      if (pipe2(p, O_CLOEXEC) < 0) { herr("stdio", "pipe"); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
      x.stdio[0] = p[0];
      parent_in = p[1];
      if (fg) user_in = 0;
    } else {
      x.stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (x.stdio[0] < 0) { herr("stdio", "open /dev/null"); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
    }
    if (pipe2(p, O_CLOEXEC) < 0) { herr("stdio", "pipe"); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
    x.stdio[1] = p[1];
    parent_out = p[0];
    if (pipe2(p, O_CLOEXEC) < 0) { herr("stdio", "pipe"); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
    x.stdio[2] = p[1];
    parent_err = p[0];
  } else if (c->stdin_open && fg) {
    user_in = 0;
  }

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    herr("sync", "socketpair");
    start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE);
  }
  x.sync = sv[1];
  if (ns_open_paths(c, x.nsfd) < 0) start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE);
  int flags = 0;
  for (int k = 0; k < NS_COUNT; k++)
    if (c->ns[k].wanted && !c->ns[k].path && k != NS_CGROUP && k != NS_USER) flags |= ns_flags[k];
  if (!c->ns[NS_MNT].path) flags |= CLONE_NEWNS; /* pivot_root needs our own mount namespace */
  x.cgroupns = c->ns[NS_CGROUP].wanted && !c->ns[NS_CGROUP].path;

  int own_pidns = -1;
  if (x.nsfd[NS_PID] >= 0) {
    own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own_pidns < 0 || ns_join(x.nsfd[NS_PID], CLONE_NEWPID, c->ns[NS_PID].path) < 0)
      start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE);
  }
  pid_t pid = clone_ns(flags);
  if (pid < 0) { herr("clone", "new namespaces (flags 0x%x)", flags); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
  if (pid == 0) container_child(&x);
  if (own_pidns >= 0) { setns(own_pidns, CLONE_NEWPID); close(own_pidns); }
  close(sv[1]);
  if (!c->proc.terminal) {
    if (x.stdio[0] != 0) close(x.stdio[0]);
    close(x.stdio[1]);
    close(x.stdio[2]);
  }
  for (int k = 0; k < NS_COUNT; k++)
    if (x.nsfd[k] >= 0) close(x.nsfd[k]);

  if (cg_enter(&cg, pid) < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE);
  }
  char go = SYNC_GO;
  if (send(sv[0], &go, 1, MSG_NOSIGNAL) < 0) herr("sync", "send GO"); /* the child's failure follows */

  int master = -1;
  for (;;) {
    char buf[sizeof herr_msg + 2];
    int fd;
    ssize_t r = sync_recv(sv[0], buf, sizeof buf - 1, &fd);
    if (r < 0) { herr("sync", "receive from the container"); kill(pid, SIGKILL); waitpid(pid, NULL, 0); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
    if (r == 0) break;
    if (buf[0] == SYNC_PTY && fd >= 0) { master = fd; continue; }
    if (fd >= 0) close(fd);
    if (buf[0] == SYNC_ERR && r >= 2) {
      buf[r] = 0;
      int code = (unsigned char)buf[1];
      snprintf(herr_msg, sizeof herr_msg, "%s", buf + 2);
      waitpid(pid, NULL, 0);
      start_failed(c, state, status_fd, report_fd, &cg, code);
    }
  }
  close(sv[0]);

  struct monitor m;
  memset(&m, 0, sizeof m);
  clock_gettime(CLOCK_REALTIME, &m.started);
  m.pid = pid;
  m.terminal = c->proc.terminal;
  m.fg = fg;
  m.stdin_open = c->stdin_open;
  m.user_in = user_in;
  m.sigfd = sigfd;
  m.cg = &cg;
  m.state_dirfd = state;
  m.listen_fd = listen_fd;
  m.status_fd = status_fd;
  m.exit_command = c->exit_command;
  m.wait_eof = c->ns[NS_PID].wanted && !c->ns[NS_PID].path;
  m.log_fd = -1;
  if (c->log_path) {
    m.log_fd = open(c->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (m.log_fd < 0) {
      herr("log", "open %s", c->log_path);
      herr_print();
    }
  }
  if (m.terminal) {
    if (master < 0) { herrx("pty", "the container sent no terminal"); kill(pid, SIGKILL); waitpid(pid, NULL, 0); start_failed(c, state, status_fd, report_fd, &cg, EXIT_ENGINE); }
    m.out_fd = master;
    m.err_fd = -1;
    m.in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
    if (fg && isatty(0) && c->stdin_open) tty_raw(0);
  } else {
    m.out_fd = parent_out;
    m.err_fd = parent_err;
    m.in_fd = parent_in;
  }

  write_pid_file(state, "pid", pid);
  if (status_fd >= 0) {
    char line[32];
    int n = snprintf(line, sizeof line, "pid %d\n", (int)pid);
    write_all(status_fd, line, (size_t)n);
  }
  if (report_fd >= 0) {
    char line[32];
    int n = snprintf(line, sizeof line, "P%d\n", (int)pid);
    write_all(report_fd, line, (size_t)n);
    close(report_fd);
  }
  int code = monitor_run(&m);
  tty_restore();
  exit(code);
}

static void parse_status_fd(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v < 0 || v > 65535) die(EXIT_ENGINE, "usage", "--status-fd %s: not a file descriptor", s);
  if (fcntl((int)v, F_GETFD) < 0) die(EXIT_ENGINE, "usage", "--status-fd %s: not open", s);
  fcntl((int)v, F_SETFD, FD_CLOEXEC);
  *out = (int)v;
}

int cmd_run(int argc, char **argv) {
  const char *bundle = NULL;
  bool detach = false;
  int status_fd = -1;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--detach") || !strcmp(argv[i], "-d")) detach = true;
    else if (!strcmp(argv[i], "--status-fd") && i + 1 < argc) parse_status_fd(argv[++i], &status_fd);
    else if (!strncmp(argv[i], "--status-fd=", 12)) parse_status_fd(argv[i] + 12, &status_fd);
    else if (argv[i][0] == '-' ) die(EXIT_ENGINE, "usage", "run: unknown option %s", argv[i]);
    else if (!bundle) bundle = argv[i];
    else die(EXIT_ENGINE, "usage", "run: unexpected argument %s", argv[i]);
  }
  if (!bundle) die(EXIT_ENGINE, "usage", "strata-helper run BUNDLE [--detach] [--status-fd N]");
  static struct config c;
  if (config_load(bundle, &c) < 0) {
    herr_print();
    return EXIT_ENGINE;
  }
  if (!detach) run_container(&c, true, status_fd, -1);

  /* detached: double fork a monitor, wait for its report */
  int rp[2];
  if (pipe2(rp, O_CLOEXEC) < 0) die(EXIT_ENGINE, "detach", "pipe: %s", strerror(errno));
  pid_t mid = fork();
  if (mid < 0) die(EXIT_ENGINE, "detach", "fork: %s", strerror(errno));
  if (mid == 0) {
    close(rp[0]);
    if (setsid() < 0) _exit(EXIT_ENGINE);
    pid_t mon = fork();
    if (mon != 0) _exit(mon < 0 ? EXIT_ENGINE : 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      close(null);
    }
    /* the monitor holds nothing of its caller's (the status fd, pipes a caller waits
     * on for EOF...): only the report pipe */
    if (rp[1] > 3) syscall(SYS_close_range, 3U, (unsigned)rp[1] - 1, 0U);
    syscall(SYS_close_range, (unsigned)rp[1] + 1, ~0U, 0U);
    if (chdir("/") < 0) { /* cannot fail for / */ }
    run_container(&c, false, -1, rp[1]);
  }
  close(rp[1]);
  int st;
  waitpid(mid, &st, 0);
  char buf[sizeof herr_msg + 32];
  size_t len = 0;
  for (;;) {
    ssize_t r = read(rp[0], buf + len, sizeof buf - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    if (len == sizeof buf - 1 || memchr(buf, '\n', len)) break;
  }
  buf[len] = 0;
  char *nl = strchr(buf, '\n');
  if (nl) *nl = 0;
  if (len > 1 && buf[0] == 'P') {
    if (status_fd >= 0) {
      char line[32];
      int n = snprintf(line, sizeof line, "pid %s\n", buf + 1);
      write_all(status_fd, line, (size_t)n);
    }
    return 0;
  }
  if (len > 1 && buf[0] == 'E') {
    char *sp = strchr(buf, ' ');
    int code = atoi(buf + 1);
    snprintf(herr_msg, sizeof herr_msg, "%s", sp ? sp + 1 : "unknown error");
    herr_print();
    if (status_fd >= 0) {
      char line[48];
      int n = snprintf(line, sizeof line, "exit %d oom=0\n", code);
      write_all(status_fd, line, (size_t)n);
    }
    return code ? code : EXIT_ENGINE;
  }
  die(EXIT_ENGINE, "detach", "the monitor exited without reporting");
}

/* ------------------------------------------------------------------ exec */
int cmd_exec(int argc, char **argv) {
  const char *process_file = NULL;
  pid_t target = 0;
  bool detach = false;
  int status_fd = -1;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--pid") && i + 1 < argc) target = (pid_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--process") && i + 1 < argc) process_file = argv[++i];
    else if (!strcmp(argv[i], "--detach") || !strcmp(argv[i], "-d")) detach = true;
    else if (!strcmp(argv[i], "--status-fd") && i + 1 < argc) parse_status_fd(argv[++i], &status_fd);
    else die(EXIT_ENGINE, "usage", "exec: unexpected argument %s", argv[i]);
  }
  if (target <= 0 || !process_file) die(EXIT_ENGINE, "usage", "strata-helper exec --pid PID --process FILE [--detach] [--status-fd N]");
  static struct process_spec ps;
  if (process_spec_load(process_file, &ps) < 0) { herr_print(); return EXIT_ENGINE; }
  if (detach) ps.terminal = false;
  ps.seccomp = seccomp_filtered(target); /* the same confinement as the container */

  /* the namespaces of target that differ from ours */
  static const int order[] = {NS_IPC, NS_UTS, NS_NET, NS_CGROUP, NS_MNT};
  int nsfd[NS_COUNT];
  for (int k = 0; k < NS_COUNT; k++) {
    nsfd[k] = -1;
    if (k == NS_USER) continue;
    char p[64], q[64];
    snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)target, ns_names[k]);
    snprintf(q, sizeof q, "/proc/self/ns/%s", ns_names[k]);
    struct stat a, b;
    if (stat(p, &a) < 0) die(EXIT_ENGINE, "exec", "no process %d (%s): %s", (int)target, p, strerror(errno));
    if (stat(q, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    nsfd[k] = open(p, O_RDONLY | O_CLOEXEC);
    if (nsfd[k] < 0) die(EXIT_ENGINE, "exec", "open %s: %s", p, strerror(errno));
  }
  int sigfd = block_signals();
  if (sigfd < 0) { herr_print(); return EXIT_ENGINE; }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) die(EXIT_ENGINE, "sync", "socketpair: %s", strerror(errno));
  if (nsfd[NS_PID] >= 0 && ns_join(nsfd[NS_PID], CLONE_NEWPID, "pid namespace of the container") < 0) {
    herr_print();
    return EXIT_ENGINE;
  }
  int null = -1;
  if (detach && (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) die(EXIT_ENGINE, "stdio", "open /dev/null: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) die(EXIT_ENGINE, "exec", "fork: %s", strerror(errno));
  if (pid == 0) {
    int sync = sv[1];
    close(sv[0]);
    if (wait_go(sync) < 0) child_fail(sync);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
      int k = order[i];
      if (nsfd[k] >= 0 && ns_join(nsfd[k], ns_flags[k], ns_names[k]) < 0) child_fail(sync);
    }
    if (chdir("/") < 0) { herr("exec", "chdir /"); child_fail(sync); }
    if (ps.terminal) {
      int slave;
      int master = pty_open_in(-1, "/dev/ptmx", &slave);
      if (master < 0) child_fail(sync);
      terminal_size(&ps, master);
      if (send_fd(sync, master) < 0) child_fail(sync);
      close(master);
      if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) { herr("terminal", "set the controlling terminal"); child_fail(sync); }
      if (setup_stdio(slave, slave, slave) < 0) child_fail(sync);
      close(slave);
    } else if (detach) {
      if (setup_stdio(null, null, null) < 0) child_fail(sync);
    }
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (finalize_process(&ps) < 0) child_fail(sync);
    int code = exec_process(&ps);
    sync_send_error(sync, code);
    _exit(code);
  }
  close(sv[1]);
  if (cg_join_process(target, pid) < 0) {
    herr_print();
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return EXIT_ENGINE;
  }
  char go = SYNC_GO;
  send(sv[0], &go, 1, MSG_NOSIGNAL);
  int master = -1;
  for (;;) {
    char buf[sizeof herr_msg + 2];
    int fd;
    ssize_t r = sync_recv(sv[0], buf, sizeof buf - 1, &fd);
    if (r <= 0) break;
    if (buf[0] == SYNC_PTY && fd >= 0) { master = fd; continue; }
    if (fd >= 0) close(fd);
    if (buf[0] == SYNC_ERR && r >= 2) {
      buf[r] = 0;
      snprintf(herr_msg, sizeof herr_msg, "%s", buf + 2);
      herr_print();
      waitpid(pid, NULL, 0);
      int code = (unsigned char)buf[1];
      if (status_fd >= 0) dprintf(status_fd, "exit %d oom=0\n", code);
      return code;
    }
  }
  close(sv[0]);
  if (status_fd >= 0) dprintf(status_fd, "pid %d\n", (int)pid);
  if (detach) return 0;

  struct monitor m;
  memset(&m, 0, sizeof m);
  clock_gettime(CLOCK_REALTIME, &m.started);
  m.pid = pid;
  m.terminal = ps.terminal;
  m.fg = true;
  m.stdin_open = true;
  m.sigfd = sigfd;
  m.state_dirfd = -1;
  m.listen_fd = -1;
  m.log_fd = -1;
  m.status_fd = status_fd;
  m.wait_eof = false;
  m.out_fd = m.err_fd = m.in_fd = m.user_in = -1;
  if (ps.terminal && master >= 0) {
    m.out_fd = master;
    m.in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
    m.user_in = 0;
    if (isatty(0)) tty_raw(0);
  }
  int code = monitor_run(&m);
  tty_restore();
  return code;
}
