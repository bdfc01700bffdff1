/* ns.c — namespaces: the table of kinds, opening /proc/PID/ns/… or config paths,
 * and joining with setns. Creating new namespaces happens in clone3 (container.c). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

const char *const ns_names[NS_COUNT] = {"pid", "mnt", "uts", "ipc", "net", "cgroup", "user"};
const int ns_flags[NS_COUNT] = {CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC,
                                CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWUSER};

int ns_open_paths(const struct config *c, int fds[NS_COUNT]) {
  for (int i = 0; i < NS_COUNT; i++) {
    fds[i] = -1;
    if (i == NS_USER || !c->ns[i].wanted || !c->ns[i].path) continue;
    fds[i] = open(c->ns[i].path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) return herr("namespace", "open %s namespace %s", ns_names[i], c->ns[i].path);
  }
  return 0;
}

int ns_join(int fd, int nstype, const char *what) {
  if (setns(fd, nstype) < 0) return herr("setns", "%s", what);
  return 0;
}
