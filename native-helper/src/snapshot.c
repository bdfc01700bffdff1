/* snapshot.c — `snapshot DIR OBJECTS_DIR [--link]`: a directory (a rootfs to import, or
 * the upper dir of a stopped container) becomes file objects, and one record per entry
 * on stdout for Node to build the tree from (src/fs/helper-snapshot.ts).
 *
 * The walk never follows symlinks and does not descend into other filesystems; it runs
 * with each directory as cwd so that every call resolves a single name. Every entry is
 * reported with the record of import-tar plus a last field holding all of its xattrs,
 * `trusted.overlay.*` included (opaque dirs); ids are computed with image xattrs only.
 * Char 0/0 devices (whiteouts in an upper dir) are reported without an id or object.
 * With --link a regular file without image xattrs becomes the object itself (a hard
 * link, no copy); otherwise, and when linking is refused (EMLINK, EXDEV, EPERM), its
 * content is copied. Inodes with several links are hashed once. */
#include "objects.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define STEP "snapshot"
#define SMALL (1u << 20)

struct snap {
  struct store s;
  struct out o;
  bool link;
  dev_t dev;
  struct xattrs x;
  struct sbuf xenc, raw, names, value, content;
  char path[PATH_MAX_LEN];      /* relative path of the entry ("." for the root) */
  /* ids of inodes with several links, by inode number */
  struct seen { ino_t ino; char id[65]; } *seen;
  size_t nseen, seen_cap;
};

/* ------------------------------------------------------------------ xattrs */
/* all xattrs of the entry: from fd when >= 0, else of the name in cwd (not following) */
static int read_xattrs(struct snap *sn, int fd, const char *name) {
  xattrs_clear(&sn->x);
  if (!sn->names.cap) sb_grow(&sn->names, 512);
  ssize_t n;
  for (;;) {
    n = fd >= 0 ? flistxattr(fd, sn->names.p, sn->names.cap) : llistxattr(name, sn->names.p, sn->names.cap);
    if (n >= 0) break;
    if (errno == ENOTSUP || errno == EOPNOTSUPP) return 0;
    if (errno != ERANGE) return herr(STEP, "list xattrs of %s", sn->path);
    ssize_t need = fd >= 0 ? flistxattr(fd, NULL, 0) : llistxattr(name, NULL, 0);
    if (need < 0) return herr(STEP, "list xattrs of %s", sn->path);
    sb_grow(&sn->names, (size_t)need * 2);
  }
  if (!sn->value.cap) sb_grow(&sn->value, 512);
  for (char *k = sn->names.p; k < sn->names.p + n; k += strlen(k) + 1) {
    ssize_t v;
    for (;;) {
      v = fd >= 0 ? fgetxattr(fd, k, sn->value.p, sn->value.cap) : lgetxattr(name, k, sn->value.p, sn->value.cap);
      if (v >= 0) break;
      if (errno == ENODATA) break; /* removed meanwhile */
      if (errno != ERANGE) return herr(STEP, "read xattr %s of %s", k, sn->path);
      ssize_t need = fd >= 0 ? fgetxattr(fd, k, NULL, 0) : lgetxattr(name, k, NULL, 0);
      if (need < 0) return herr(STEP, "read xattr %s of %s", k, sn->path);
      sb_grow(&sn->value, (size_t)need * 2 + 1);
    }
    if (v >= 0) xattrs_set(&sn->x, k, strlen(k), sn->value.p, (size_t)v);
  }
  return 0;
}

/* ------------------------------------------------------------------ inodes seen */
static const char *seen_get(struct snap *sn, ino_t ino) {
  for (size_t i = 0; i < sn->nseen; i++)
    if (sn->seen[i].ino == ino) return sn->seen[i].id;
  return NULL;
}

static void seen_put(struct snap *sn, ino_t ino, const char id[65]) {
  if (sn->nseen == sn->seen_cap) sn->seen = xrealloc(sn->seen, (sn->seen_cap = sn->seen_cap ? 2 * sn->seen_cap : 64) * sizeof *sn->seen);
  sn->seen[sn->nseen].ino = ino;
  memcpy(sn->seen[sn->nseen++].id, id, 65);
}

/* ------------------------------------------------------------------ regular files */
/* streams fd (from offset 0) into the store while hashing; id out */
static int stream_copy(struct snap *sn, int fd, const struct fmeta *m, char id[65]) {
  struct store_stream w;
  if (lseek(fd, 0, SEEK_SET) < 0) return herr(STEP, "seek %s", sn->path);
  if (store_stream_begin(&sn->s, &w, m, sn->xenc.p, sn->xenc.len) < 0) return -1;
  sb_grow(&sn->content, SMALL);
  for (;;) {
    ssize_t n = read(fd, sn->content.p, SMALL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      store_stream_abort(&sn->s, &w);
      return herr(STEP, "read %s", sn->path);
    }
    if (n == 0) break;
    if (store_stream_write(&sn->s, &w, sn->content.p, (size_t)n) < 0) return -1;
  }
  if (w.written != m->size) {
    store_stream_abort(&sn->s, &w);
    return herrx(STEP, "%s changed while it was read (%llu of %llu bytes)", sn->path, (unsigned long long)w.written,
                 (unsigned long long)m->size);
  }
  return store_stream_end(&sn->s, &w, m, &sn->x, id);
}

/* hashes fd's content (m->size bytes) without writing; leaves small content in sn->content */
static int hash_fd(struct snap *sn, int fd, const struct fmeta *m, char id[65]) {
  file_header(m, sn->xenc.p, sn->xenc.len, &sn->s.hdr);
  struct blake3 h;
  blake3_init(&h);
  blake3_update(&h, sn->s.hdr.p, sn->s.hdr.len);
  /* small files stay in sn->content (one byte more than expected shows growth) */
  size_t chunk = m->size < SMALL ? (size_t)m->size + 1 : SMALL;
  sb_grow(&sn->content, chunk);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(fd, sn->content.p + (m->size < SMALL ? total : 0), m->size < SMALL ? chunk - total : chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return herr(STEP, "read %s", sn->path);
    if (n == 0) break;
    blake3_update(&h, sn->content.p + (m->size < SMALL ? total : 0), (size_t)n);
    total += (uint64_t)n;
    if (m->size < SMALL && total == chunk) break; /* grew: caught below */
  }
  if (total != m->size)
    return herrx(STEP, "%s changed while it was read (%llu of %llu bytes)", sn->path, (unsigned long long)total, (unsigned long long)m->size);
  uint8_t d[BLAKE3_OUT_LEN];
  blake3_final(&h, d);
  blake3_hex(d, id);
  return 0;
}

static int regular(struct snap *sn, int fd, const struct stat *st, const struct fmeta *m, char id[65]) {
  if (st->st_nlink > 1) {
    const char *known = seen_get(sn, st->st_ino);
    if (known) {
      memcpy(id, known, 65);
      return 0;
    }
  }
  bool image_x = xattrs_count(&sn->x, true) > 0;
  if (!sn->link && m->size > SMALL) {
    /* one pass: written while hashed, dropped if the store has it */
    if (stream_copy(sn, fd, m, id) < 0) return -1;
  } else {
    if (hash_fd(sn, fd, m, id) < 0) return -1;
    if (!store_has(&sn->s, id)) {
      bool linked = false;
      if (sn->link && !image_x) {
        const char *base = strrchr(sn->path, '/');
        if (store_link(&sn->s, id, AT_FDCWD, base ? base + 1 : sn->path, &linked) < 0) return -1;
      }
      if (!linked) {
        if (m->size < SMALL) {
          if (store_write_regular(&sn->s, id, m, &sn->x, sn->content.p, (size_t)m->size) < 0) return -1;
        } else if (stream_copy(sn, fd, m, id) < 0) {
          return -1;
        }
      }
    }
  }
  if (st->st_nlink > 1) seen_put(sn, st->st_ino, id);
  return 0;
}

/* ------------------------------------------------------------------ the walk */
/* one entry, named `name` in cwd, its relative path in sn->path; *descend for dirs */
static int entry(struct snap *sn, const char *name, int *dirfd_out) {
  *dirfd_out = -1;
  struct stat st;
  int fd = -1;
  if (fstatat(AT_FDCWD, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return herr(STEP, "stat %s", sn->path);
  char type;
  switch (st.st_mode & S_IFMT) {
  case S_IFREG: type = 'f'; break;
  case S_IFDIR: type = 'd'; break;
  case S_IFLNK: type = 'l'; break;
  case S_IFCHR: type = 'c'; break;
  case S_IFBLK: type = 'b'; break;
  case S_IFIFO: type = 'p'; break;
  default: return 0; /* sockets are not part of an image */
  }
  if (type == 'f' || type == 'd') {
    fd = open(name, (type == 'd' ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return herr(STEP, "open %s", sn->path);
    struct stat st2;
    if (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino) {
      close(fd);
      return herrx(STEP, "%s changed while it was read", sn->path);
    }
  }
  if (read_xattrs(sn, fd, name) < 0) goto fail;
  sn->xenc.len = sn->raw.len = 0;
  xattrs_encode(&sn->x, true, &sn->xenc);
  xattrs_encode(&sn->x, false, &sn->raw);
  struct fmeta m = {.type = type, .perm = st.st_mode & 07777, .uid = st.st_uid, .gid = st.st_gid};
  char id[65], target[PATH_MAX_LEN];
  const char *idp = id;
  size_t tl = 0;
  switch (type) {
  case 'f':
    m.size = (uint64_t)st.st_size;
    if (regular(sn, fd, &st, &m, id) < 0) goto fail;
    break;
  case 'd':
    idp = NULL;
    break;
  case 'l': {
    ssize_t n = readlink(name, target, sizeof target - 1);
    if (n < 0) {
      herr(STEP, "readlink %s", sn->path);
      goto fail;
    }
    tl = (size_t)n;
    target[tl] = 0;
    m.perm = 0777;
    m.size = tl;
    object_id(&sn->s, &m, sn->xenc.p, sn->xenc.len, target, tl, id);
    if (!store_has(&sn->s, id) && store_write_special(&sn->s, id, &m, &sn->x, target) < 0) goto fail;
    break;
  }
  default:
    m.rdev = type == 'p' ? 0 : (uint64_t)st.st_rdev;
    if (type == 'c' && st.st_rdev == 0) {
      idp = NULL; /* a whiteout: Node decides */
      break;
    }
    object_id(&sn->s, &m, sn->xenc.p, sn->xenc.len, "", 0, id);
    if (!store_has(&sn->s, id) && store_write_special(&sn->s, id, &m, &sn->x, NULL) < 0) goto fail;
  }
  if (out_record(&sn->o, type, sn->path, strlen(sn->path), &m, sn->xenc.p, sn->xenc.len, idp, target, tl) < 0 ||
      out_field(&sn->o, sn->raw.p, sn->raw.len) < 0)
    goto fail;
  if (type == 'd' && st.st_dev == sn->dev) *dirfd_out = fd;
  else if (fd >= 0) close(fd);
  return 0;
fail:
  if (fd >= 0) close(fd);
  return -1;
}

/* the entries of the directory dfd (already reported), with it as cwd */
static int walk(struct snap *sn, int dfd, size_t plen) {
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return herr(STEP, "read dir %s", sn->path);
  }
  if (fchdir(dfd) < 0) {
    closedir(d);
    return herr(STEP, "chdir %s", sn->path);
  }
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) continue;
    size_t nl = strlen(name);
    if (plen + nl + 2 >= sizeof sn->path) {
      closedir(d);
      return herrx(STEP, "%s/%s: path too long", sn->path, name);
    }
    size_t np = plen;
    if (np) sn->path[np++] = '/';
    memcpy(sn->path + np, name, nl + 1);
    int sub;
    if (entry(sn, name, &sub) < 0) {
      closedir(d);
      return -1;
    }
    if (sub >= 0) {
      if (walk(sn, sub, np + nl) < 0) {
        closedir(d);
        return -1;
      }
      if (fchdir(dirfd(d)) < 0) {
        closedir(d);
        return herr(STEP, "chdir back to %s", sn->path);
      }
    }
    sn->path[plen] = 0;
    errno = 0;
  }
  int saved = errno;
  closedir(d);
  if (saved) {
    errno = saved;
    return herr(STEP, "read dir %s", plen ? sn->path : ".");
  }
  return 0;
}

int cmd_snapshot(int argc, char **argv) {
  static struct snap sn;
  const char *dir = NULL, *objects = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--link")) sn.link = true;
    else if (argv[i][0] != '-' && !dir) dir = argv[i];
    else if (argv[i][0] != '-' && !objects) objects = argv[i];
    else die(EXIT_ENGINE, "usage", "snapshot: unexpected argument %s", argv[i]);
  }
  if (!dir || !objects) die(EXIT_ENGINE, "usage", "strata-helper snapshot DIR OBJECTS_DIR [--link]");
  umask(0);
  /* the store is opened before the chdir into DIR: both may be relative */
  if (store_open(&sn.s, objects) < 0) goto fail;
  char *abs = realpath(objects, NULL);
  if (!abs) {
    herr(STEP, "resolve %s", objects);
    goto fail;
  }
  sn.s.dir = abs; /* paths under it are used after chdirs */
  out_init(&sn.o, 1);
  int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    herr(STEP, "open %s", dir);
    goto fail;
  }
  struct stat st;
  if (fstat(root, &st) < 0) {
    herr(STEP, "stat %s", dir);
    goto fail;
  }
  sn.dev = st.st_dev;
  if (fchdir(root) < 0) {
    herr(STEP, "chdir %s", dir);
    goto fail;
  }
  strcpy(sn.path, ".");
  int sub;
  if (entry(&sn, ".", &sub) < 0) goto fail;
  sn.path[0] = 0;
  if (sub >= 0 && walk(&sn, sub, 0) < 0) goto fail;
  close(root);
  if (out_flush(&sn.o) < 0) goto fail;
  return 0;
fail:
  store_cleanup(&sn.s);
  out_flush(&sn.o);
  herr_print();
  return 1;
}
