/* exec.c — the last steps of a container process: rlimits, oom_score_adj, user and
 * capabilities, no_new_privs, umask, cwd; then PATH lookup (PATH from process.env,
 * like execvpe in the container) and execve, with Docker's 126/127 on failure. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void reset_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static int mkdir_p(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; ; p++) {
    if (*p != '/' && *p) continue;
    char c = *p;
    *p = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    if (!c) break;
    *p = c;
  }
  return 0;
}

int finalize_process(const struct process_spec *ps) {
  for (size_t i = 0; i < ps->nrlimits; i++) {
    const struct rlimit_spec *r = &ps->rlimits[i];
    struct rlimit cur, want = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (getrlimit(r->resource, &cur) < 0) return herr("rlimit", "get resource %d", r->resource);
    /* never above the current hard limit (no CAP_SYS_RESOURCE on many hosts): clamp */
    if (want.rlim_max > cur.rlim_max) want.rlim_max = cur.rlim_max;
    if (want.rlim_cur > want.rlim_max) want.rlim_cur = want.rlim_max;
    if (setrlimit(r->resource, &want) < 0)
      return herr("rlimit", "set resource %d to %llu:%llu", r->resource, (unsigned long long)want.rlim_cur,
                  (unsigned long long)want.rlim_max);
  }
  if (ps->has_oom_score_adj) {
    char *cur = read_file(AT_FDCWD, "/proc/self/oom_score_adj", NULL);
    if (!cur || atoi(cur) != ps->oom_score_adj) {
      char v[16];
      snprintf(v, sizeof v, "%d", ps->oom_score_adj);
      if (write_file_str(AT_FDCWD, "/proc/self/oom_score_adj", v) < 0) return herr("oom_score_adj", "write %s", v);
    }
    free(cur);
  }
  struct stat st;
  if (stat(ps->cwd, &st) < 0 && errno == ENOENT && mkdir_p(ps->cwd) < 0) return herr("cwd", "create %s", ps->cwd);
  if (ps->seccomp && seccomp_apply_default() < 0) return -1;
  if (apply_user_and_caps(ps) < 0) return -1;
  if (ps->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return herr("no_new_privs", "prctl");
  umask(ps->has_umask ? ps->umask : 022);
  if (chdir(ps->cwd) < 0) return herr("cwd", "chdir %s", ps->cwd);
  return 0;
}

static const char *env_path(char **env) {
  for (char **e = env; *e; e++)
    if (!strncmp(*e, "PATH=", 5)) return *e + 5;
  return DEFAULT_PATH;
}

static int exec_error(const char *cmd, int err) {
  errno = err;
  switch (err) {
  case ENOENT: herrx("exec", "%s: no such file or directory", cmd); return EXIT_NOT_FOUND;
  case EACCES: {
    struct stat st;
    if (stat(cmd, &st) == 0 && S_ISDIR(st.st_mode)) herrx("exec", "%s: is a directory", cmd);
    else herrx("exec", "%s: permission denied", cmd);
    return EXIT_CANNOT_INVOKE;
  }
  case EISDIR: herrx("exec", "%s: is a directory", cmd); return EXIT_CANNOT_INVOKE;
  case ENOEXEC: herrx("exec", "%s: exec format error", cmd); return EXIT_CANNOT_INVOKE;
  default: herr("exec", "%s", cmd); return EXIT_CANNOT_INVOKE;
  }
}

int exec_process(const struct process_spec *ps) {
  const char *cmd = ps->args[0];
  reset_signals();
  if (strchr(cmd, '/')) {
    execve(cmd, ps->args, ps->env);
    return exec_error(cmd, errno);
  }
  if (!*cmd) { herrx("exec", "empty command"); return EXIT_NOT_FOUND; }
  const char *path = env_path(ps->env);
  size_t clen = strlen(cmd);
  bool denied = false;
  char denied_path[PATH_MAX] = "";
  for (const char *p = path;; ) {
    const char *colon = strchrnul(p, ':');
    size_t dlen = (size_t)(colon - p);
    char full[PATH_MAX];
    if (dlen + clen + 2 <= sizeof full) {
      if (dlen == 0) memcpy(full, cmd, clen + 1);
      else {
        memcpy(full, p, dlen);
        full[dlen] = '/';
        memcpy(full + dlen + 1, cmd, clen + 1);
      }
      execve(full, ps->args, ps->env);
      int e = errno;
      if (e == EACCES) {
        struct stat st;
        /* a directory of that name in PATH is skipped, like execvp */
        if (!(stat(full, &st) == 0 && S_ISDIR(st.st_mode)) && !denied) {
          denied = true;
          snprintf(denied_path, sizeof denied_path, "%s", full);
        }
      } else if (e != ENOENT && e != ENOTDIR && e != ESTALE && e != ELOOP && e != ENAMETOOLONG) {
        return exec_error(full, e);
      }
    }
    if (!*colon) break;
    p = colon + 1;
  }
  if (denied) return exec_error(denied_path, EACCES);
  herrx("exec", "%s: executable file not found in $PATH", cmd);
  return EXIT_NOT_FOUND;
}
