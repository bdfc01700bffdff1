/* strata-helper: shared declarations.
 *
 * One header for the whole helper: each .c file owns one concern (see README.md) and
 * exposes a handful of functions here. Errors follow one convention: a function that
 * fails records a one-line message with herr()/herrx() (step, detail, strerror(errno))
 * and returns -1; the caller either propagates -1 or reports the message and exits
 * with the exit code the TypeScript side maps to Docker's (125/126/127).
 */
#ifndef STRATA_HELPER_H
#define STRATA_HELPER_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define HELPER_VERSION "0.1.0"

/* exit codes (Docker's) */
#define EXIT_ENGINE 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

/* ------------------------------------------------------------------ log.c */
extern __thread char herr_msg[2048]; /* per thread: object writers report their own */
/* record "step: detail: strerror(errno)"; returns -1 */
int herr(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* record "step: detail" (no errno); returns -1 */
int herrx(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* print "strata-helper: <herr_msg>" on stderr */
void herr_print(void);
/* print "strata-helper: step: detail..." and exit(code) */
void die(int code, const char *step, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
/* write all bytes, retrying on EINTR and waiting on EAGAIN */
int write_all(int fd, const void *buf, size_t len);
/* RFC3339Nano, UTC, 9 fractional digits: buf needs 40 bytes */
void format_rfc3339nano(const struct timespec *ts, char *buf, size_t len);
/* write a file in dirfd atomically (temp + rename) */
int write_file_atomic(int dirfd, const char *name, const void *data, size_t len);
/* write a small string into an existing file (cgroup, proc) */
int write_file_str(int dirfd, const char *path, const char *s);
/* read a whole file (NUL-terminated, malloc'd) */
char *read_file(int dirfd, const char *path, size_t *len_out);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* ------------------------------------------------------------------ json.c */
enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
struct jval {
  enum jtype t;
  bool b;
  bool is_int;      /* number written without fraction/exponent and fits int64 */
  int64_t i;
  double n;
  char *s;          /* J_STR: decoded UTF-8, NUL-terminated */
  size_t len;       /* J_STR: byte length; J_ARR/J_OBJ: element count */
  struct jval **items;
  char **keys;      /* J_OBJ */
};
struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen);
const struct jval *json_get(const struct jval *obj, const char *key);
const char *json_get_str(const struct jval *obj, const char *key);
/* append s as a JSON string literal (with quotes) to buf at *pos (buf grows) */
void json_escape(char **buf, size_t *cap, size_t *pos, const char *s);

/* ------------------------------------------------------------------ config.c */
struct rlimit_spec { int resource; uint64_t soft, hard; };
struct caps_spec {
  bool present;                 /* process.capabilities given at all */
  uint64_t set[5];              /* CAPSET_* below */
};
enum { CAPSET_BOUNDING, CAPSET_EFFECTIVE, CAPSET_PERMITTED, CAPSET_INHERITABLE, CAPSET_AMBIENT };

struct process_spec {
  bool terminal;
  bool has_console_size;
  unsigned short rows, cols;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  bool has_umask;
  mode_t umask;
  char **args;                  /* NULL-terminated */
  char **env;                   /* NULL-terminated */
  const char *cwd;
  struct caps_spec caps;
  bool no_new_privs;
  struct rlimit_spec *rlimits;
  size_t nrlimits;
  bool has_oom_score_adj;
  int oom_score_adj;
  bool seccomp;                 /* install the default deny-list (seccomp.c) */
};

struct mount_spec {
  const char *type;
  const char *source;
  const char *destination;
  char **options;
  size_t noptions;
};

enum { NS_PID, NS_MNT, NS_UTS, NS_IPC, NS_NET, NS_CGROUP, NS_USER, NS_COUNT };
struct ns_spec {
  bool wanted;                  /* listed in linux.namespaces */
  const char *path;             /* join instead of creating */
};

struct device_rule { bool allow; char type; int64_t major, minor; const char *access; };

struct resources_spec {
  bool has_memory_limit, has_memory_swap, has_cpu_shares, has_cpu_quota, has_cpu_period, has_pids;
  int64_t memory_limit, memory_swap, cpu_quota, pids_limit;
  uint64_t cpu_shares, cpu_period;
  struct device_rule *devices;
  size_t ndevices;
};

struct sysctl_spec { const char *key, *value; };

struct config {
  const char *bundle;           /* absolute */
  char *rootfs;                 /* absolute */
  bool root_readonly;
  const char *hostname;
  struct process_spec proc;
  struct mount_spec *mounts;
  size_t nmounts;
  struct ns_spec ns[NS_COUNT];
  char **masked_paths;
  size_t nmasked;
  char **readonly_paths;
  size_t nreadonly;
  const char *cgroups_path;
  struct resources_spec res;
  struct sysctl_spec *sysctls;
  size_t nsysctls;
  unsigned long rootfs_propagation;
  /* annotations */
  char **overlay_lower;         /* NULL-terminated, top first */
  size_t noverlay_lower;
  const char *overlay_upper, *overlay_work;
  const char *state_dir;
  const char *log_path;
  bool stdin_open;
  bool init;
  char **exit_command;          /* NULL-terminated or NULL */
};

int config_load(const char *bundle, struct config *c);
int process_spec_parse(const struct jval *p, struct process_spec *ps);
int process_spec_load(const char *file, struct process_spec *ps);
/* parse a JSON array of strings held in a string (annotations) */
char **json_string_array(const char *text, size_t *n, const char *what);

/* ------------------------------------------------------------------ caps.c */
int cap_from_name(const char *name);
int cap_last(void);
/* bounding drop + user/groups + capset + ambient (order as runc) */
int apply_user_and_caps(const struct process_spec *ps);

/* ------------------------------------------------------------------ ns.c */
extern const char *const ns_names[NS_COUNT];
extern const int ns_flags[NS_COUNT];
/* open every ns with a path (O_CLOEXEC); fds[i] = -1 when none */
int ns_open_paths(const struct config *c, int fds[NS_COUNT]);
int ns_join(int fd, int nstype, const char *what);

/* ------------------------------------------------------------------ cgroup.c */
#define CG_MAX 16
struct cg_hier {
  char *mount;                  /* mount point */
  char *controllers;            /* comma separated (v1) or space separated (v2) */
  bool v2;
  char *path;                   /* cgroup path of the container in this hierarchy */
  int dirfd;                    /* the container's cgroup dir, -1 if not created */
};
struct cgroup {
  struct cg_hier h[CG_MAX];
  int n;
  char *path;                   /* cgroupsPath */
};
int cg_detect(struct cgroup *cg);
int cg_create(struct cgroup *cg, const char *path, const struct resources_spec *r);
int cg_enter(struct cgroup *cg, pid_t pid);
/* number of OOM kills recorded (v1 memory.oom_control / v2 memory.events), 0 if unknown */
long cg_oom_kills(struct cgroup *cg);
void cg_destroy(struct cgroup *cg);
/* join the cgroups of another process (exec): write pid into each of target's cgroups */
int cg_join_process(pid_t target, pid_t pid);
/* mount a cgroup filesystem view at a container path (fd of the target dir) */
int cg_mount_in_container(int rootfd, int dirfd, const char *dest, unsigned long flags);

/* ------------------------------------------------------------------ mounts.c */
/* everything between clone and pivot_root, then pivot_root and the post-pivot steps */
int rootfs_prepare(const struct config *c);           /* propagation + overlay/bind root */
int rootfs_mounts(const struct config *c, int rootfd); /* OCI mounts + /dev */
int rootfs_console(int rootfd, int slave_fd);
int rootfs_pivot(int rootfd);
int rootfs_finish(const struct config *c);            /* masked/ro paths, root ro, sysctl */
int mount_overlay(const char *target, char **lowers, size_t nlower, const char *upper,
                  const char *work, bool readonly, unsigned long extra_flags);
/* resolve path inside rootfd (never escaping); create missing dirs (and the last
 * component as a file when as_file) when create; returns an O_PATH fd */
int resolve_in_root(int rootfd, const char *path, bool create, bool as_file);

/* ------------------------------------------------------------------ pty.c */
int pty_open_in(int rootfd_or_neg, const char *ptmx_path, int *slave_out);
int send_fd(int sock, int fd);
/* one message from a SOCK_SEQPACKET socket; 0 = EOF; *fd_out = passed fd or -1 */
ssize_t sync_recv(int sock, char *buf, size_t len, int *fd_out);
int tty_raw(int fd);
void tty_restore(void);
int pty_set_size(int fd, unsigned short rows, unsigned short cols);

/* ------------------------------------------------------------------ exec.c */
/* resolve args[0] with PATH from env and execve; on failure returns the exit code
 * (126/127) with herr_msg set */
int exec_process(const struct process_spec *ps);
/* everything after namespaces/mounts: rlimits, oom, user, caps, nnp, umask, cwd.
 * as root, before dropping privileges, a missing cwd is created */
int finalize_process(const struct process_spec *ps);
void reset_signals(void);

/* ------------------------------------------------------------------ sync (container.c) */
/* messages on the SOCK_SEQPACKET socket between a container child and its parent */
enum { SYNC_GO = 'G', SYNC_PTY = 'T', SYNC_ERR = 'E' };
int sync_send_error(int sock, int code);

/* ------------------------------------------------------------------ container.c */
struct run_opts {
  const char *bundle;
  bool detach;
  int status_fd;
};
int cmd_run(int argc, char **argv);
int cmd_exec(int argc, char **argv);

/* ------------------------------------------------------------------ monitor.c */
struct monitor {
  pid_t pid;                    /* container init (host pid) */
  bool terminal;
  int out_fd, err_fd;           /* container output (pty master or pipes), -1 when closed */
  int in_fd;                    /* container stdin (pty master dup or pipe), -1 when none */
  bool stdin_open;              /* accept stdin from the user and attach clients */
  bool fg;                      /* relay our own stdio */
  int user_in;                  /* our stdin when relayed, else -1 */
  int log_fd;                   /* CRI log, -1 when none */
  int state_dirfd;              /* -1 when none */
  int listen_fd;                /* attach socket (listening), -1 when none */
  int status_fd;                /* -1 when none */
  bool wait_eof;                /* after exit, wait for output EOF (own pid ns) */
  struct cgroup *cg;
  struct timespec started;
  char **exit_command;
  int sigfd;                    /* signalfd (created by caller, signals blocked) */
};
/* relay until the container exits, record its exit; returns the exit code */
int monitor_run(struct monitor *m);
/* record a failed start: exit.json with error, status line */
void monitor_record_failure(int state_dirfd, int status_fd, int code, const char *msg);
int attach_listen(int state_dirfd);
void run_exit_command(char **argv);

/* ------------------------------------------------------------------ init.c */
extern char *argv_area;         /* our argv strings (main.c), rewritten by init */
extern size_t argv_area_len;
/* PID 1 of the container when org.strata.init is set: forks the command, forwards
 * signals, reaps zombies; never returns */
void init_run(const struct process_spec *ps, int sync_sock) __attribute__((noreturn));

/* ------------------------------------------------------------------ seccomp.c */
int seccomp_apply_default(void);
bool seccomp_filtered(pid_t pid);

/* ------------------------------------------------------------------ fsops.c */
int cmd_fsops(int argc, char **argv);
int cmd_xattrs(int argc, char **argv);
int cmd_syncfs(int argc, char **argv);
int cmd_mount_overlay(int argc, char **argv);
int cmd_umount(int argc, char **argv);

#endif
