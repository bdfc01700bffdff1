/* mounts.c — the container's filesystem: root propagation, the overlay (or bound)
 * root, the OCI mounts resolved inside the rootfs, a minimal /dev, the console,
 * pivot_root, masked and read-only paths, read-only root, sysctls.
 *
 * Destinations are resolved with openat2(RESOLVE_IN_ROOT) so a symlink in the image
 * can never send a mount outside the rootfs; mounts then target the O_PATH fd
 * (/proc/self/fd/N for mount(2), the fd itself for move_mount). Bind mounts use the
 * new mount API (open_tree + mount_setattr + move_mount): flags such as ro apply to
 * the detached tree before it is attached, recursively for rbind, without the
 * remount dance of mount(2). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif

static int openat2_path(int dirfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd;
  do fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

static int resolve_create(int rootfd, const char *path, bool as_file, int depth);

int resolve_in_root(int rootfd, const char *path, bool create, bool as_file) {
  while (*path == '/') path++;
  if (!*path) return openat(rootfd, ".", O_PATH | O_CLOEXEC);
  int fd = openat2_path(rootfd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT || !create) return fd;
  return resolve_create(rootfd, path, as_file, 0);
}

/* create the missing components of path (relative to the root); a dangling symlink on
 * the way is followed (inside the root) and its target created */
static int resolve_create(int rootfd, const char *path, bool as_file, int depth) {
  if (depth > 40) { errno = ELOOP; return -1; }
  while (*path == '/') path++;
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  memcpy(buf, path, len + 1);
  while (len > 0 && buf[len - 1] == '/') buf[--len] = 0;
  if (!len) return openat(rootfd, ".", O_PATH | O_CLOEXEC);
  for (size_t i = 0; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != 0) continue;
    if (i > 0 && buf[i - 1] == '/') continue;
    bool last = buf[i] == 0;
    buf[i] = 0;
    int t = openat2_path(rootfd, buf, O_PATH);
    if (t >= 0) {
      close(t);
      if (!last) buf[i] = '/';
      continue;
    }
    if (errno != ENOENT) return -1;
    char *slash = strrchr(buf, '/');
    const char *name = slash ? slash + 1 : buf;
    int parent;
    if (slash) {
      *slash = 0;
      parent = openat2_path(rootfd, buf, O_PATH | O_DIRECTORY);
      *slash = '/';
    } else {
      parent = dup(rootfd);
    }
    if (parent < 0) return -1;
    char target[PATH_MAX];
    ssize_t tl = readlinkat(parent, name, target, sizeof target - 1);
    if (tl >= 0) {
      /* a dangling symlink: continue at its target, resolved inside the root */
      target[tl] = 0;
      char next[PATH_MAX];
      const char *rest = last ? "" : buf + i + 1;
      int n;
      if (target[0] == '/') n = snprintf(next, sizeof next, "%s/%s", target, rest);
      else if (slash) { *slash = 0; n = snprintf(next, sizeof next, "%s/%s/%s", buf, target, rest); }
      else n = snprintf(next, sizeof next, "%s/%s", target, rest);
      close(parent);
      if (n >= (int)sizeof next) { errno = ENAMETOOLONG; return -1; }
      return resolve_create(rootfd, next, as_file, depth + 1);
    }
    int rc;
    if (last && as_file) {
      rc = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (rc >= 0) close(rc);
      else if (errno == EEXIST) rc = 0;
    } else {
      rc = mkdirat(parent, name, 0755);
      if (rc < 0 && errno == EEXIST) rc = 0;
    }
    int saved_errno = errno;
    close(parent);
    if (rc < 0) { errno = saved_errno; return -1; }
    if (!last) buf[i] = '/';
  }
  return openat2_path(rootfd, buf, O_PATH);
}

/* ------------------------------------------------------------ mount options */
struct mopts {
  unsigned long ms;        /* MS_* flags for mount(2) */
  uint64_t attr_set, attr_clr;
  unsigned long prop;      /* MS_PRIVATE... (with MS_REC for r*) */
  bool bind, rbind;
  char data[4096];
};

static const struct { const char *name; bool clear; unsigned long ms; uint64_t attr; } flag_opts[] = {
  {"ro", false, MS_RDONLY, MOUNT_ATTR_RDONLY},      {"rw", true, MS_RDONLY, MOUNT_ATTR_RDONLY},
  {"nosuid", false, MS_NOSUID, MOUNT_ATTR_NOSUID},  {"suid", true, MS_NOSUID, MOUNT_ATTR_NOSUID},
  {"nodev", false, MS_NODEV, MOUNT_ATTR_NODEV},     {"dev", true, MS_NODEV, MOUNT_ATTR_NODEV},
  {"noexec", false, MS_NOEXEC, MOUNT_ATTR_NOEXEC},  {"exec", true, MS_NOEXEC, MOUNT_ATTR_NOEXEC},
  {"sync", false, MS_SYNCHRONOUS, 0},               {"async", true, MS_SYNCHRONOUS, 0},
  {"dirsync", false, MS_DIRSYNC, 0},                {"mand", false, MS_MANDLOCK, 0},
  {"nomand", true, MS_MANDLOCK, 0},                 {"noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME},
  {"atime", true, MS_NOATIME, 0},                   {"nodiratime", false, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
  {"diratime", true, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
  {"relatime", false, MS_RELATIME, MOUNT_ATTR_RELATIME}, {"norelatime", true, MS_RELATIME, 0},
  {"strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME, 0},
};
static const struct { const char *name; unsigned long prop; } prop_opts[] = {
  {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC},
  {"shared", MS_SHARED}, {"rshared", MS_SHARED | MS_REC}, {"unbindable", MS_UNBINDABLE},
  {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int parse_mopts(char **opts, size_t n, struct mopts *mo, const char *dest) {
  memset(mo, 0, sizeof *mo);
  size_t dl = 0;
  for (size_t i = 0; i < n; i++) {
    const char *o = opts[i];
    bool done = false;
    if (!strcmp(o, "bind")) { mo->bind = true; continue; }
    if (!strcmp(o, "rbind")) { mo->bind = mo->rbind = true; continue; }
    if (!strcmp(o, "tmpcopyup") || !strcmp(o, "defaults") || !strcmp(o, "idmap") || !strcmp(o, "ridmap")) continue;
    for (size_t k = 0; !done && k < sizeof flag_opts / sizeof flag_opts[0]; k++) {
      if (strcmp(flag_opts[k].name, o) != 0) continue;
      done = true;
      if (flag_opts[k].clear) {
        mo->ms &= ~flag_opts[k].ms;
        mo->attr_set &= ~flag_opts[k].attr;
        mo->attr_clr |= flag_opts[k].attr;
      } else {
        mo->ms |= flag_opts[k].ms;
        if (flag_opts[k].ms & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
          mo->attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
          mo->attr_clr |= MOUNT_ATTR__ATIME;
        }
        mo->attr_set |= flag_opts[k].attr;
        mo->attr_clr &= ~(flag_opts[k].attr & ~(uint64_t)MOUNT_ATTR__ATIME);
      }
    }
    for (size_t k = 0; !done && k < sizeof prop_opts / sizeof prop_opts[0]; k++)
      if (!strcmp(prop_opts[k].name, o)) { mo->prop = prop_opts[k].prop; done = true; }
    if (done) continue;
    size_t l = strlen(o);
    if (dl + l + 2 > sizeof mo->data) return herrx("mount", "%s: options too long", dest);
    if (dl) mo->data[dl++] = ',';
    memcpy(mo->data + dl, o, l + 1);
    dl += l;
  }
  return 0;
}

static int setattr_fd(int fd, const struct mopts *mo, bool recursive, const char *dest) {
  if (!mo->attr_set && !mo->attr_clr && !mo->prop) return 0;
  struct mount_attr attr = {.attr_set = mo->attr_set, .attr_clr = mo->attr_clr,
                            .propagation = mo->prop & ~(unsigned long)MS_REC};
  unsigned flags = AT_EMPTY_PATH | (recursive || (mo->prop & MS_REC) ? AT_RECURSIVE : 0);
  if (mount_setattr(fd, "", flags, &attr, sizeof attr) < 0) return herr("mount", "set attributes of %s", dest);
  return 0;
}

/* bind src (host path, followed) onto the O_PATH fd target */
static int bind_to(const char *src, int target, const struct mopts *mo, const char *dest) {
  int t = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (mo->rbind ? AT_RECURSIVE : 0));
  if (t < 0) return herr("mount", "bind %s on %s: open_tree", src, dest);
  if (setattr_fd(t, mo, mo->rbind, dest) < 0) { close(t); return -1; }
  if (move_mount(t, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    herr("mount", "bind %s on %s", src, dest);
    close(t);
    return -1;
  }
  close(t);
  return 0;
}

static int fd_path(int fd, char *buf, size_t len) {
  return snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* mount a filesystem (not bind) of type on target fd */
static int fs_to(const char *type, const char *source, int target, const struct mopts *mo, const char *dest,
                 int rootfd) {
  char tp[64];
  fd_path(target, tp, sizeof tp);
  if (!strcmp(type, "cgroup") || !strcmp(type, "cgroup2")) return cg_mount_in_container(rootfd, target, dest, mo->ms);
  if (mount(source && *source ? source : type, tp, type, mo->ms, mo->data[0] ? mo->data : NULL) < 0) {
    if (!strcmp(type, "sysfs") && (errno == EPERM || errno == EACCES)) {
      /* sysfs of a network namespace we do not own: show the host's, read-only */
      struct mopts b = *mo;
      b.rbind = b.bind = true;
      b.attr_set |= MOUNT_ATTR_RDONLY;
      return bind_to("/sys", target, &b, dest);
    }
    return herr("mount", "%s on %s", type, dest);
  }
  if (mo->prop) {
    int top = resolve_in_root(rootfd, dest, false, false);
    if (top < 0) return herr("mount", "reopen %s", dest);
    fd_path(top, tp, sizeof tp);
    int rc = mount(NULL, tp, NULL, mo->prop, NULL);
    close(top);
    if (rc < 0) return herr("mount", "propagation of %s", dest);
  }
  return 0;
}

/* ------------------------------------------------------------ overlay root */
/* length of the longest common directory prefix: every path has a '/' right after it */
static size_t common_dir_prefix(char **paths, size_t n) {
  size_t len = strlen(paths[0]);
  for (size_t i = 1; i < n; i++) {
    size_t k = 0;
    while (k < len && paths[i][k] == paths[0][k]) k++;
    len = k;
  }
  while (len > 0) {
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
      if (paths[i][len] != '/') ok = false;
    if (ok) break;
    len--;
  }
  return len;
}

static size_t escape_overlay(char *o, const char *s) {
  size_t n = 0;
  for (; *s; s++) {
    if (*s == ':' || *s == ',' || *s == '\\') o[n++] = '\\';
    o[n++] = *s;
  }
  return n;
}

static int overlay_classic(const char *target, char **lowers, size_t nlower, const char *upper, const char *work,
                           unsigned long flags) {
  /* short relative paths from the common parent keep the option string under a page */
  size_t n = nlower + (upper ? 2 : 0);
  char **all = xmalloc(n * sizeof *all);
  for (size_t i = 0; i < nlower; i++) all[i] = lowers[i];
  if (upper) { all[nlower] = (char *)upper; all[nlower + 1] = (char *)work; }
  size_t pre = common_dir_prefix(all, n);
  char prefix[PATH_MAX];
  snprintf(prefix, sizeof prefix, "%.*s", (int)(pre ? pre : 1), all[0]);
  size_t cap = 64;
  for (size_t i = 0; i < n; i++) cap += 2 * strlen(all[i]) + 2;
  char *data = xmalloc(cap), *o = data;
  o = stpcpy(o, "lowerdir=");
  for (size_t i = 0; i < nlower; i++) {
    if (i) *o++ = ':';
    const char *rel = lowers[i] + pre;
    while (*rel == '/') rel++;
    o += escape_overlay(o, *rel ? rel : ".");
  }
  if (upper) {
    const char *ru = upper + pre, *rw = work + pre;
    while (*ru == '/') ru++;
    while (*rw == '/') rw++;
    o = stpcpy(o, ",upperdir=");
    o += escape_overlay(o, ru);
    o = stpcpy(o, ",workdir=");
    o += escape_overlay(o, rw);
  }
  *o = 0;
  if (strlen(data) >= 4096) {
    free(data);
    free(all);
    errno = E2BIG;
    return herr("overlay", "mount on %s: option string over one page (%zu layers)", target, nlower);
  }
  int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (chdir(prefix) < 0) { herr("overlay", "chdir %s", prefix); free(data); free(all); if (cwd >= 0) close(cwd); return -1; }
  int rc = mount("overlay", target, "overlay", flags, data);
  int saved = errno;
  if (cwd >= 0) { if (fchdir(cwd) < 0) { /* cwd is only cosmetic here */ } close(cwd); }
  errno = saved;
  free(data);
  free(all);
  if (rc < 0) return herr("overlay", "mount on %s", target);
  return 0;
}

int mount_overlay(const char *target, char **lowers, size_t nlower, const char *upper, const char *work,
                  bool readonly, unsigned long extra_flags) {
  if (nlower == 1 && !upper) {
    /* overlayfs needs two lowers without an upper: a read-only bind is the same view */
    struct mopts mo;
    memset(&mo, 0, sizeof mo);
    mo.attr_set = MOUNT_ATTR_RDONLY;
    int t = open(target, O_PATH | O_CLOEXEC);
    if (t < 0) return herr("overlay", "open %s", target);
    int rc = bind_to(lowers[0], t, &mo, target);
    close(t);
    return rc;
  }
  /* STRATA_HELPER_OVERLAY_MOUNT2=1 forces the mount(2) path (tests of the fallback) */
  const char *force = getenv("STRATA_HELPER_OVERLAY_MOUNT2");
  int fs = force && *force == '1' ? -1 : fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs >= 0) {
    int rc = 0;
    for (size_t i = 0; i < nlower && rc == 0; i++) rc = fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0);
    if (rc < 0 && errno == EINVAL && nlower > 0) {
      /* kernel < 6.8: no lowerdir+; use mount(2) */
      close(fs);
      fs = -1;
    } else {
      if (rc < 0) { herr("overlay", "lowerdir %s", nlower ? lowers[0] : ""); close(fs); return -1; }
      if (upper && fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0) {
        herr("overlay", "upperdir %s", upper);
        close(fs);
        return -1;
      }
      if (work && fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) {
        herr("overlay", "workdir %s", work);
        close(fs);
        return -1;
      }
      if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        herr("overlay", "create (lower %s, upper %s)", lowers[0], upper ? upper : "none");
        close(fs);
        return -1;
      }
      unsigned attrs = (readonly ? MOUNT_ATTR_RDONLY : 0) | ((extra_flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) |
                       ((extra_flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0);
      int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
      close(fs);
      if (m < 0) return herr("overlay", "fsmount for %s", target);
      if (move_mount(m, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        herr("overlay", "move_mount to %s", target);
        close(m);
        return -1;
      }
      close(m);
      return 0;
    }
  }
  return overlay_classic(target, lowers, nlower, upper, work, (readonly ? MS_RDONLY : 0) | extra_flags);
}

int rootfs_prepare(const struct config *c) {
  if (mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0) return herr("mount", "make / %s", "rslave/rprivate");
  if (c->overlay_lower) {
    if (mount_overlay(c->rootfs, c->overlay_lower, c->noverlay_lower, c->overlay_upper, c->overlay_work, false, 0) < 0)
      return -1;
  } else {
    struct mopts mo;
    memset(&mo, 0, sizeof mo);
    mo.rbind = true;
    int t = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (t < 0) return herr("rootfs", "open %s", c->rootfs);
    int rc = bind_to(c->rootfs, t, &mo, c->rootfs);
    close(t);
    if (rc < 0) return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ /dev */
static const struct { const char *name; unsigned maj, min; } dev_nodes[] = {
  {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static int populate_dev(int rootfd, bool has_pts, bool has_shm) {
  int dev = resolve_in_root(rootfd, "/dev", true, false);
  if (dev < 0) return herr("dev", "resolve /dev");
  char dp[64];
  fd_path(dev, dp, sizeof dp);
  int devd = open(dp, O_DIRECTORY | O_CLOEXEC);
  close(dev);
  if (devd < 0) return herr("dev", "open /dev");
  for (size_t i = 0; i < sizeof dev_nodes / sizeof dev_nodes[0]; i++) {
    const char *name = dev_nodes[i].name;
    if (mknodat(devd, name, S_IFCHR | 0666, makedev(dev_nodes[i].maj, dev_nodes[i].min)) == 0) continue;
    if (errno == EEXIST) continue;
    if (errno != EPERM) { herr("dev", "mknod /dev/%s", name); close(devd); return -1; }
    /* no CAP_MKNOD: bind the host's node */
    int f = openat(devd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (f < 0) { herr("dev", "create /dev/%s", name); close(devd); return -1; }
    close(f);
    char host[32];
    snprintf(host, sizeof host, "/dev/%s", name);
    int t = openat(devd, name, O_PATH | O_CLOEXEC);
    struct mopts mo;
    memset(&mo, 0, sizeof mo);
    int rc = t < 0 ? -1 : bind_to(host, t, &mo, host);
    if (t >= 0) close(t);
    if (rc < 0) { close(devd); return -1; }
  }
  static const char *const links[][2] = {
    {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat(links[i][0], devd, links[i][1]) < 0 && errno != EEXIST) {
      herr("dev", "symlink /dev/%s", links[i][1]);
      close(devd);
      return -1;
    }
  char sub[96];
  if (!has_pts) {
    if (mkdirat(devd, "pts", 0755) < 0 && errno != EEXIST) { herr("dev", "mkdir /dev/pts"); close(devd); return -1; }
    snprintf(sub, sizeof sub, "/proc/self/fd/%d/pts", devd);
    if (mount("devpts", sub, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0) {
      herr("mount", "devpts on /dev/pts");
      close(devd);
      return -1;
    }
  }
  if (!has_shm) {
    if (mkdirat(devd, "shm", 01777) < 0 && errno != EEXIST) { herr("dev", "mkdir /dev/shm"); close(devd); return -1; }
    snprintf(sub, sizeof sub, "/proc/self/fd/%d/shm", devd);
    if (mount("shm", sub, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0) {
      herr("mount", "tmpfs on /dev/shm");
      close(devd);
      return -1;
    }
  }
  close(devd);
  return 0;
}

static bool same_path(const char *a, const char *b) {
  while (*a == '/') a++;
  while (*b == '/') b++;
  size_t la = strlen(a), lb = strlen(b);
  while (la && a[la - 1] == '/') la--;
  while (lb && b[lb - 1] == '/') lb--;
  return la == lb && !strncmp(a, b, la);
}

int rootfs_mounts(const struct config *c, int rootfd) {
  int dev_mount = -1;
  bool has_pts = false, has_shm = false;
  for (size_t i = 0; i < c->nmounts; i++) {
    if (same_path(c->mounts[i].destination, "/dev")) dev_mount = (int)i;
    if (same_path(c->mounts[i].destination, "/dev/pts")) has_pts = true;
    if (same_path(c->mounts[i].destination, "/dev/shm")) has_shm = true;
  }
  bool populate = dev_mount < 0 || !strcmp(c->mounts[dev_mount].type, "tmpfs");
  if (dev_mount < 0) {
    int t = resolve_in_root(rootfd, "/dev", true, false);
    if (t < 0) return herr("mount", "resolve /dev in %s", c->rootfs);
    char tp[64];
    fd_path(t, tp, sizeof tp);
    int rc = mount("tmpfs", tp, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    close(t);
    if (rc < 0) return herr("mount", "tmpfs on /dev");
  }
  for (size_t i = 0; i < c->nmounts; i++) {
    const struct mount_spec *m = &c->mounts[i];
    struct mopts mo;
    if (parse_mopts(m->options, m->noptions, &mo, m->destination) < 0) return -1;
    bool bind = mo.bind || !strcmp(m->type, "bind");
    bool as_file = false;
    if (bind) {
      struct stat st;
      if (stat(m->source, &st) < 0) return herr("mount", "bind source %s for %s", m->source, m->destination);
      as_file = !S_ISDIR(st.st_mode);
    }
    int t = resolve_in_root(rootfd, m->destination, true, as_file);
    if (t < 0) return herr("mount", "resolve %s in the rootfs", m->destination);
    int rc = bind ? bind_to(m->source, t, &mo, m->destination) : fs_to(m->type, m->source, t, &mo, m->destination, rootfd);
    close(t);
    if (rc < 0) return -1;
  }
  if (populate && populate_dev(rootfd, has_pts, has_shm) < 0) return -1;
  return 0;
}

int rootfs_console(int rootfd, int slave_fd) {
  int t = resolve_in_root(rootfd, "/dev/console", true, true);
  if (t < 0) return herr("console", "create /dev/console");
  char src[64], dst[64];
  fd_path(slave_fd, src, sizeof src);
  fd_path(t, dst, sizeof dst);
  int rc = mount(src, dst, NULL, MS_BIND, NULL);
  close(t);
  if (rc < 0) return herr("console", "bind the pty on /dev/console");
  return 0;
}

int rootfs_pivot(int rootfd) {
  if (fchdir(rootfd) < 0) return herr("pivot_root", "chdir to the rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) return herr("pivot_root", "pivot_root");
  if (umount2(".", MNT_DETACH) < 0) return herr("pivot_root", "detach the old root");
  if (chdir("/") < 0) return herr("pivot_root", "chdir /");
  return 0;
}

static int set_readonly(const char *path, bool recursive) {
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) == 0) return 0;
  if (errno != ENOSYS) return -1;
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return -1;
  unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY;
  if (sv.f_flag & ST_NOSUID) fl |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) fl |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) fl |= MS_NOEXEC;
  return mount(NULL, path, NULL, fl, NULL);
}

int rootfs_finish(const struct config *c) {
  for (size_t i = 0; i < c->nsysctls; i++) {
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "/proc/sys/%s", c->sysctls[i].key);
    for (char *q = p + 10; q < p + n; q++)
      if (*q == '.') *q = '/';
    if (strstr(p, "..") || write_file_str(AT_FDCWD, p, c->sysctls[i].value) < 0)
      return herr("sysctl", "%s=%s", c->sysctls[i].key, c->sysctls[i].value);
  }
  for (size_t i = 0; i < c->nreadonly; i++) {
    const char *p = c->readonly_paths[i];
    int t = open_tree(AT_FDCWD, p, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (t < 0) {
      if (errno == ENOENT) continue;
      return herr("readonly path", "%s", p);
    }
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    int rc = mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
    if (rc == 0) rc = move_mount(t, "", AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH);
    close(t);
    if (rc < 0) return herr("readonly path", "%s", p);
  }
  for (size_t i = 0; i < c->nmasked; i++) {
    const char *p = c->masked_paths[i];
    struct stat st;
    if (stat(p, &st) < 0) {
      if (errno == ENOENT) continue;
      return herr("masked path", "%s", p);
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
      rc = mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0k");
    } else {
      int t = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      rc = t < 0 ? -1 : move_mount(t, "", AT_FDCWD, p, MOVE_MOUNT_F_EMPTY_PATH);
      if (t >= 0) close(t);
    }
    if (rc < 0) return herr("masked path", "%s", p);
  }
  if (c->root_readonly && set_readonly("/", false) < 0) return herr("mount", "remount / read-only");
  return 0;
}
