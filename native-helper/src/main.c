/* main.c — strata-helper: parse the subcommand and dispatch. See README.md. */
#include "helper.h"
#include "objects.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
  "usage: strata-helper COMMAND [ARGS]\n"
  "  run BUNDLE [--detach] [--status-fd N]\n"
  "  exec --pid PID --process FILE [--detach] [--status-fd N]\n"
  "  fsops                      (NUL-separated ops on stdin)\n"
  "  xattrs DIR\n"
  "  syncfs PATH\n"
  "  mount-overlay TARGET --lower JSON_ARRAY [--upper DIR --work DIR] [--ro]\n"
  "  umount TARGET\n"
  "  import-tar OBJECTS_DIR [--whiteouts] [--hold FD]   (plain tar on stdin)\n"
  "  snapshot DIR OBJECTS_DIR [--link]\n"
  "  b3sum [FILE...]\n"
  "  version\n";

char *argv_area;
size_t argv_area_len;

int main(int argc, char **argv) {
  /* remembered so that the container's init can show itself as "init" in ps */
  argv_area = argv[0];
  argv_area_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
  /* fds 0-2 always exist, so nothing we open lands on them by accident */
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0) open("/dev/null", O_RDWR);
  if (argc < 2) {
    fputs(usage, stderr);
    return EXIT_ENGINE;
  }
  const char *cmd = argv[1];
  int n = argc - 2;
  char **args = argv + 2;
  if (!strcmp(cmd, "run")) return cmd_run(n, args);
  if (!strcmp(cmd, "exec")) return cmd_exec(n, args);
  if (!strcmp(cmd, "fsops")) return cmd_fsops(n, args);
  if (!strcmp(cmd, "xattrs")) return cmd_xattrs(n, args);
  if (!strcmp(cmd, "syncfs")) return cmd_syncfs(n, args);
  if (!strcmp(cmd, "mount-overlay")) return cmd_mount_overlay(n, args);
  if (!strcmp(cmd, "umount")) return cmd_umount(n, args);
  if (!strcmp(cmd, "import-tar")) return cmd_import_tar(n, args);
  if (!strcmp(cmd, "snapshot")) return cmd_snapshot(n, args);
  if (!strcmp(cmd, "b3sum")) return cmd_b3sum(n, args);
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("strata-helper %s\n", HELPER_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help")) {
    fputs(usage, stdout);
    return 0;
  }
  die(EXIT_ENGINE, "usage", "unknown command %s (try strata-helper help)", cmd);
}
