/* fsops.c — filesystem calls Node lacks, for the object store: mknod, lsetxattr,
 * lchown, chmod (batched from stdin), an xattr dump of a tree, syncfs, and overlay
 * mount/unmount in the host mount namespace. */
#include "helper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ------------------------------------------------------------------ fsops */
static int parse_num(const char *s, int base, unsigned long long *out) {
  char *end;
  errno = 0;
  *out = strtoull(s, &end, base);
  return (errno || !*s || *end) ? -1 : 0;
}

static int unhex(const char *s, unsigned char **out, size_t *len) {
  size_t n = strlen(s);
  if (n % 2) return -1;
  unsigned char *b = xmalloc(n / 2 + 1);
  for (size_t i = 0; i < n; i += 2) {
    int v = 0;
    for (int k = 0; k < 2; k++) {
      char c = s[i + k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else { free(b); return -1; }
    }
    b[i / 2] = (unsigned char)v;
  }
  *out = b;
  *len = n / 2;
  return 0;
}

static int fsop(char **f, const char *op) {
  unsigned long long a, b;
  if (!strcmp(op, "mknod")) {
    if (parse_num(f[1], 8, &a) < 0 || parse_num(f[2], 10, &b) < 0) return herrx("fsops", "mknod %s: bad mode or rdev", f[0]);
    if (mknod(f[0], (mode_t)a, (dev_t)b) < 0) return herr("fsops", "mknod %s", f[0]);
  } else if (!strcmp(op, "setxattr")) {
    unsigned char *v;
    size_t n;
    if (unhex(f[2], &v, &n) < 0) return herrx("fsops", "setxattr %s: bad hex value for %s", f[0], f[1]);
    int rc = lsetxattr(f[0], f[1], v, n, 0);
    free(v);
    if (rc < 0) return herr("fsops", "setxattr %s %s", f[0], f[1]);
  } else if (!strcmp(op, "lchown")) {
    if (parse_num(f[1], 10, &a) < 0 || parse_num(f[2], 10, &b) < 0) return herrx("fsops", "lchown %s: bad uid or gid", f[0]);
    if (lchown(f[0], (uid_t)a, (gid_t)b) < 0) return herr("fsops", "lchown %s", f[0]);
  } else if (!strcmp(op, "chmod")) {
    if (parse_num(f[1], 8, &a) < 0) return herrx("fsops", "chmod %s: bad mode", f[0]);
    struct stat st;
    if (lstat(f[0], &st) < 0) return herr("fsops", "chmod %s", f[0]);
    if (S_ISLNK(st.st_mode)) return 0; /* symlinks have no mode of their own */
    if (fchmodat(AT_FDCWD, f[0], (mode_t)a & 07777, 0) < 0) return herr("fsops", "chmod %s", f[0]);
  }
  return 0;
}

int cmd_fsops(int argc, char **argv) {
  (void)argc;
  (void)argv;
  size_t cap = 1 << 16, len = 0;
  char *in = xmalloc(cap);
  for (;;) {
    if (len == cap) in = xrealloc(in, cap *= 2);
    ssize_t r = read(0, in + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { herr("fsops", "read stdin"); herr_print(); return 1; }
    if (r == 0) break;
    len += (size_t)r;
  }
  umask(0);
  char *p = in, *end = in + len;
  while (p < end) {
    char *fields[4];
    int nf = 0, want = 1;
    while (nf < want) {
      char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
      if (!z) {
        herrx("fsops", "%s%s: input ends inside a record", nf ? fields[0] : "", nf > 1 ? fields[1] : "");
        herr_print();
        return 1;
      }
      fields[nf++] = p;
      p = z + 1;
      if (nf == 1) {
        if (!strcmp(fields[0], "chmod")) want = 3;
        else if (!strcmp(fields[0], "mknod") || !strcmp(fields[0], "setxattr") || !strcmp(fields[0], "lchown")) want = 4;
        else { herrx("fsops", "unknown op %s", fields[0]); herr_print(); return 1; }
      }
    }
    if (fsop(fields + 1, fields[0]) < 0) { herr_print(); return 1; }
  }
  return 0;
}

/* ------------------------------------------------------------------ xattrs */
struct xout { char buf[1 << 16]; size_t len; };

static void xout_put(struct xout *o, const void *p, size_t n) {
  if (o->len + n > sizeof o->buf) {
    if (write_all(1, o->buf, o->len) < 0) die(1, "xattrs", "write stdout: %s", strerror(errno));
    o->len = 0;
    if (n > sizeof o->buf) {
      if (write_all(1, p, n) < 0) die(1, "xattrs", "write stdout: %s", strerror(errno));
      return;
    }
  }
  memcpy(o->buf + o->len, p, n);
  o->len += n;
}

static char *names_buf, *value_buf;
/* small buffers: the kernel allocates as much as we offer on every call */
static size_t names_cap = 512, value_cap = 512;

static void emit_xattrs(struct xout *o, const char *path, const char *rel) {
  ssize_t n = llistxattr(path, names_buf, names_cap);
  if (n < 0 && errno == ERANGE) {
    ssize_t need = llistxattr(path, NULL, 0);
    if (need > 0) {
      names_cap = (size_t)need * 2;
      names_buf = xrealloc(names_buf, names_cap);
      n = llistxattr(path, names_buf, names_cap);
    }
  }
  if (n <= 0) return;
  static const char hex[] = "0123456789abcdef";
  size_t rl = strlen(rel) + 1;
  for (char *name = names_buf; name < names_buf + n; name += strlen(name) + 1) {
    ssize_t v = lgetxattr(path, name, value_buf, value_cap);
    if (v < 0 && errno == ERANGE) {
      ssize_t need = lgetxattr(path, name, NULL, 0);
      if (need < 0) continue;
      value_cap = (size_t)need * 2 + 1;
      value_buf = xrealloc(value_buf, value_cap);
      v = lgetxattr(path, name, value_buf, value_cap);
    }
    if (v < 0) continue;
    xout_put(o, rel, rl);
    xout_put(o, name, strlen(name) + 1);
    char h[512];
    size_t hl = 0;
    for (ssize_t i = 0; i < v; i++) {
      h[hl++] = hex[(unsigned char)value_buf[i] >> 4];
      h[hl++] = hex[(unsigned char)value_buf[i] & 15];
      if (hl == sizeof h) { xout_put(o, h, hl); hl = 0; }
    }
    h[hl++] = 0;
    xout_put(o, h, hl);
  }
}

/* path holds the relative path of the directory being walked (plen bytes); the walk
 * runs with the directory as cwd so that each xattr call resolves one component */
static void walk(struct xout *o, int dfd, char *path, size_t plen, dev_t dev) {
  DIR *d = fdopendir(dfd);
  if (!d) { close(dfd); return; }
  if (fchdir(dfd) < 0) { closedir(d); return; }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) continue;
    size_t nl = strlen(name);
    if (plen + nl + 2 >= PATH_MAX) continue;
    size_t np = plen;
    if (np) path[np++] = '/';
    memcpy(path + np, name, nl + 1);
    emit_xattrs(o, name, path);
    bool isdir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      isdir = fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (isdir) {
      int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;
      if (sub >= 0 && fstat(sub, &st) == 0 && st.st_dev == dev) {
        walk(o, sub, path, np + nl, dev);
        if (fchdir(dirfd(d)) < 0) break;
      } else if (sub >= 0) {
        close(sub);
      }
    }
    path[plen] = 0;
  }
  closedir(d);
}

int cmd_xattrs(int argc, char **argv) {
  if (argc != 1) die(EXIT_ENGINE, "usage", "strata-helper xattrs DIR");
  names_buf = xmalloc(names_cap);
  value_buf = xmalloc(value_cap);
  static struct xout o;
  static char path[PATH_MAX + 1];
  size_t l = strlen(argv[0]);
  if (l >= PATH_MAX - 2) die(1, "xattrs", "%s: path too long", argv[0]);
  memcpy(path, argv[0], l + 1);
  while (l > 1 && path[l - 1] == '/') path[--l] = 0;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die(1, "xattrs", "open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) die(1, "xattrs", "stat %s: %s", path, strerror(errno));
  emit_xattrs(&o, path, ".");
  path[0] = 0;
  walk(&o, fd, path, 0, st.st_dev);
  if (o.len && write_all(1, o.buf, o.len) < 0) die(1, "xattrs", "write stdout: %s", strerror(errno));
  return 0;
}

/* ------------------------------------------------------------------ syncfs, mounts */
int cmd_syncfs(int argc, char **argv) {
  if (argc != 1) die(EXIT_ENGINE, "usage", "strata-helper syncfs PATH");
  int fd = open(argv[0], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) die(1, "syncfs", "open %s: %s", argv[0], strerror(errno));
  if (syncfs(fd) < 0) die(1, "syncfs", "%s: %s", argv[0], strerror(errno));
  close(fd);
  return 0;
}

int cmd_mount_overlay(int argc, char **argv) {
  const char *target = NULL, *lower = NULL, *upper = NULL, *work = NULL;
  bool ro = false;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--lower") && i + 1 < argc) lower = argv[++i];
    else if (!strcmp(argv[i], "--upper") && i + 1 < argc) upper = argv[++i];
    else if (!strcmp(argv[i], "--work") && i + 1 < argc) work = argv[++i];
    else if (!strcmp(argv[i], "--ro")) ro = true;
    else if (argv[i][0] != '-' && !target) target = argv[i];
    else die(EXIT_ENGINE, "usage", "mount-overlay: unexpected argument %s", argv[i]);
  }
  if (!target || !lower)
    die(EXIT_ENGINE, "usage", "strata-helper mount-overlay TARGET --lower JSON_ARRAY [--upper DIR --work DIR] [--ro]");
  if ((upper != NULL) != (work != NULL)) die(EXIT_ENGINE, "usage", "mount-overlay: --upper and --work go together");
  size_t n;
  char **lowers = json_string_array(lower, &n, "--lower");
  if (!lowers) { herr_print(); return 1; }
  if (n == 0) die(EXIT_ENGINE, "usage", "mount-overlay: --lower is empty");
  if (mount_overlay(target, lowers, n, upper, work, ro, 0) < 0) { herr_print(); return 1; }
  return 0;
}

int cmd_umount(int argc, char **argv) {
  if (argc != 1) die(EXIT_ENGINE, "usage", "strata-helper umount TARGET");
  if (umount2(argv[0], UMOUNT_NOFOLLOW) == 0) return 0;
  if (errno == EBUSY && umount2(argv[0], MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return 0;
  die(1, "umount", "%s: %s", argv[0], strerror(errno));
}
