/* init.c — a minimal PID 1 for the container (org.strata.init, Docker's --init):
 * fork the command, forward every signal to it, reap zombies, exit with its status.
 * Runs the helper's own code (forked, not exec'd) with comm "init". */
#include "helper.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void init_run(const struct process_spec *ps, int sync_sock) {
  prctl(PR_SET_NAME, "init", 0, 0, 0);
  if (argv_area && argv_area_len > 4) {
    /* /proc/1/cmdline: "init" instead of the helper's host path and arguments */
    memset(argv_area, 0, argv_area_len);
    memcpy(argv_area, "init", 4);
  }
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  pid_t child = fork();
  if (child < 0) {
    herr("init", "fork %s", ps->args[0]);
    sync_send_error(sync_sock, EXIT_ENGINE);
    _exit(EXIT_ENGINE);
  }
  if (child == 0) {
    if (ps->terminal) {
      /* the command gets its own process group, in the foreground of the terminal, so
       * ^C reaches it once (not once from the tty and once forwarded by init) */
      setpgid(0, 0);
      signal(SIGTTOU, SIG_IGN);
      tcsetpgrp(0, getpid());
    }
    int code = exec_process(ps);
    sync_send_error(sync_sock, code);
    _exit(code);
  }
  close(sync_sock);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
      if (p != child) continue;
      if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
      _exit(128 + WTERMSIG(status));
    }
  }
}
