/* objects.c — file objects of Strata's store, byte for byte as src/store/encoding.ts and
 * src/store/objects.ts make them: the header, the xattr encoding, the id (BLAKE3 of
 * header and content), and the placement under OBJECTS_DIR/<2 hex>/<62 hex>.file with
 * the inode's owner, permission bits and xattrs set before the object gets its name.
 * Also the record output shared by import-tar and snapshot, and `b3sum`.
 *
 * Regular files are written to an O_TMPFILE inode in OBJECTS_DIR/tmp and linked into
 * place once complete (no name exists before the content and metadata are final, and a
 * crash leaves nothing to clean up); where O_TMPFILE is refused, to a named temp file
 * OBJECTS_DIR/tmp/<pid>-<n>, renamed into place. Nothing is fsync'd: the caller makes
 * the batch durable with one syncfs. */
#include "objects.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ------------------------------------------------------------------ growable bytes */
void sb_grow(struct sbuf *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more) cap *= 2;
  b->p = xrealloc(b->p, cap);
  b->cap = cap;
}

void sb_put(struct sbuf *b, const void *p, size_t n) {
  sb_grow(b, n);
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void sb_putc(struct sbuf *b, char c) {
  sb_grow(b, 1);
  b->p[b->len++] = c;
}

void sb_num(struct sbuf *b, uint64_t v, unsigned base) {
  char tmp[24];
  int i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % base);
    v /= base;
  } while (v);
  sb_put(b, tmp + i, sizeof tmp - (size_t)i);
}

/* ------------------------------------------------------------------ xattrs */
void xattrs_set(struct xattrs *x, const char *name, size_t name_len, const void *value, size_t len) {
  for (size_t i = 0; i < x->n; i++)
    if (strlen(x->v[i].name) == name_len && !memcmp(x->v[i].name, name, name_len)) {
      free(x->v[i].value);
      x->v[i].value = xmalloc(len);
      memcpy(x->v[i].value, value, len);
      x->v[i].len = len;
      return;
    }
  if (x->n == x->cap) x->v = xrealloc(x->v, (x->cap = x->cap ? x->cap * 2 : 4) * sizeof *x->v);
  struct xattr *e = &x->v[x->n++];
  e->name = xmalloc(name_len + 1);
  memcpy(e->name, name, name_len);
  e->name[name_len] = 0;
  e->value = xmalloc(len);
  memcpy(e->value, value, len);
  e->len = len;
}

void xattrs_clear(struct xattrs *x) {
  for (size_t i = 0; i < x->n; i++) {
    free(x->v[i].name);
    free(x->v[i].value);
  }
  x->n = 0;
}

/* overlayfs bookkeeping is never part of an image (isImageXattr) */
bool image_xattr(const char *name) { return strncmp(name, "trusted.overlay.", 16) != 0; }

size_t xattrs_count(const struct xattrs *x, bool image_only) {
  size_t n = 0;
  for (size_t i = 0; i < x->n; i++) n += !image_only || image_xattr(x->v[i].name);
  return n;
}

static int cmp_xattr(const void *a, const void *b) {
  return strcmp((*(const struct xattr *const *)a)->name, (*(const struct xattr *const *)b)->name);
}

/* `-`, or `name=hex;name=hex` sorted by name, names with %;= \n escaped as %xx */
void xattrs_encode(const struct xattrs *x, bool image_only, struct sbuf *out) {
  static const char hex[] = "0123456789abcdef";
  const struct xattr *sorted[x->n ? x->n : 1];
  size_t n = 0;
  for (size_t i = 0; i < x->n; i++)
    if (!image_only || image_xattr(x->v[i].name)) sorted[n++] = &x->v[i];
  if (!n) {
    sb_putc(out, '-');
    return;
  }
  qsort(sorted, n, sizeof *sorted, cmp_xattr);
  for (size_t i = 0; i < n; i++) {
    if (i) sb_putc(out, ';');
    for (const char *c = sorted[i]->name; *c; c++) {
      if (*c == '%' || *c == ';' || *c == '=' || *c == ' ' || *c == '\n') {
        char esc[3] = {'%', hex[(unsigned char)*c >> 4], hex[*c & 15]};
        sb_put(out, esc, 3);
      } else {
        sb_putc(out, *c);
      }
    }
    sb_putc(out, '=');
    sb_grow(out, 2 * sorted[i]->len);
    for (size_t k = 0; k < sorted[i]->len; k++) {
      out->p[out->len++] = hex[sorted[i]->value[k] >> 4];
      out->p[out->len++] = hex[sorted[i]->value[k] & 15];
    }
  }
}

/* ------------------------------------------------------------------ header and id */
/* `blob T PERM UID GID SIZE RDEV XATTRS\n` (fileHeader in encoding.ts) */
void file_header(const struct fmeta *m, const char *xenc, size_t xlen, struct sbuf *out) {
  out->len = 0;
  sb_put(out, "blob ", 5);
  sb_putc(out, m->type);
  sb_putc(out, ' ');
  sb_num(out, m->perm & 07777, 8);
  sb_putc(out, ' ');
  sb_num(out, m->uid, 10);
  sb_putc(out, ' ');
  sb_num(out, m->gid, 10);
  sb_putc(out, ' ');
  sb_num(out, m->size, 10);
  sb_putc(out, ' ');
  sb_num(out, m->rdev, 10);
  sb_putc(out, ' ');
  sb_put(out, xenc, xlen);
  sb_putc(out, '\n');
}

/* "ab/cdef….file" for an id */
static void object_name(const char id[65], char name[72]) {
  name[0] = id[0];
  name[1] = id[1];
  name[2] = '/';
  memcpy(name + 3, id + 2, 62);
  memcpy(name + 65, ".file", 6);
}

/* ------------------------------------------------------------------ the store */
int store_open(struct store *s, const char *dir) {
  memset(s, 0, sizeof *s);
  s->dir = dir;
  s->euid = geteuid();
  s->egid = getegid();
  s->tmpfile = true;
  s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dirfd < 0) return herr("store", "open %s", dir);
  if (mkdirat(s->dirfd, "tmp", 0755) < 0 && errno != EEXIST) return herr("store", "mkdir %s/tmp", dir);
  s->tmpfd = openat(s->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->tmpfd < 0) return herr("store", "open %s/tmp", dir);
  s->basefd = s->dirfd;
  return 0;
}

int store_stage(struct store *s, const char *name) {
  if (mkdirat(s->tmpfd, name, 0755) < 0 && errno != EEXIST) return herr("store", "mkdir %s/tmp/%s", s->dir, name);
  int fd = openat(s->tmpfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return herr("store", "open %s/tmp/%s", s->dir, name);
  s->dirfd = fd;
  return 0;
}

/* one staged entry into the store under the same name; one already there is as good */
static int unstage_entry(struct store *s, int from, int to, const char *fan, const char *ent) {
  for (int tries = 0; tries < 2; tries++) {
    int rc = renameat2(from, ent, to, ent, RENAME_NOREPLACE);
    if (rc < 0 && errno == EINVAL) { /* a filesystem without RENAME_NOREPLACE: link, then drop the stage's name */
      rc = linkat(from, ent, to, ent, 0);
      if (rc == 0 || errno == EEXIST) return unlinkat(from, ent, 0) < 0 ? herr("store", "unlink staged %s/%s", fan, ent) : 0;
    }
    if (rc == 0) return 0;
    if (errno == EEXIST) return unlinkat(from, ent, 0) < 0 ? herr("store", "unlink staged %s/%s", fan, ent) : 0;
    if (errno != ENOENT || (mkdirat(s->basefd, fan, 0755) < 0 && errno != EEXIST)) break;
  }
  return herr("store", "move staged object %s/%s into %s", fan, ent, s->dir);
}

int store_unstage(struct store *s, const char *name, bool keep) {
  int rc = 0;
  DIR *stage = fdopendir(dup(s->dirfd));
  if (!stage) return herr("store", "read %s/tmp/%s", s->dir, name);
  struct dirent *fe;
  while ((fe = readdir(stage))) {
    if (fe->d_name[0] == '.') continue;
    int from = openat(s->dirfd, fe->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int to = keep ? openat(s->basefd, fe->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (keep && to < 0 && errno == ENOENT && mkdirat(s->basefd, fe->d_name, 0755) == 0)
      to = openat(s->basefd, fe->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *fan = from < 0 ? NULL : fdopendir(from);
    if (!fan || (keep && to < 0)) {
      rc = herr("store", "open staged %s", fe->d_name);
      if (fan) closedir(fan);
      else if (from >= 0) close(from);
      if (to >= 0) close(to);
      break;
    }
    struct dirent *e;
    while (rc == 0 && (e = readdir(fan))) {
      if (e->d_name[0] == '.') continue;
      if (keep) rc = unstage_entry(s, dirfd(fan), to, fe->d_name, e->d_name);
      else if (unlinkat(dirfd(fan), e->d_name, 0) < 0) rc = herr("store", "unlink staged %s/%s", fe->d_name, e->d_name);
    }
    closedir(fan);
    if (to >= 0) close(to);
    if (rc < 0) break;
    if (unlinkat(s->dirfd, fe->d_name, AT_REMOVEDIR) < 0) rc = herr("store", "rmdir staged %s", fe->d_name);
  }
  closedir(stage);
  if (rc == 0 && unlinkat(s->tmpfd, name, AT_REMOVEDIR) < 0) rc = herr("store", "rmdir %s/tmp/%s", s->dir, name);
  return rc;
}

/* removes the named temp file in use, if any (failure paths) */
void store_cleanup(struct store *s) {
  if (s->tmpname[0]) unlinkat(s->tmpfd, s->tmpname, 0);
  s->tmpname[0] = 0;
}

static bool store_has_name(struct store *s, const char *name) {
  struct stat st;
  return fstatat(s->basefd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool store_has(struct store *s, const char id[65]) {
  char name[72];
  object_name(id, name);
  return store_has_name(s, name);
}

static void next_tmpname(struct store *s) {
  snprintf(s->tmpname, sizeof s->tmpname, "%d-h%u", (int)getpid(), s->seq++);
}

/* a new, empty regular file to be placed later: anonymous when the fs allows */
static int open_temp(struct store *s) {
  if (s->tmpfile) {
    int fd = openat(s->tmpfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
      return herr("store", "create a temp file in %s/tmp", s->dir);
    s->tmpfile = false;
  }
  next_tmpname(s);
  int fd = openat(s->tmpfd, s->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    herr("store", "create %s/tmp/%s", s->dir, s->tmpname);
    s->tmpname[0] = 0;
  }
  return fd;
}

/* makes the fan-out dir of name when it is missing (a store not made by ObjectStore.init) */
static bool made_fanout(struct store *s, const char *name) {
  char fan[3] = {name[0], name[1], 0};
  return errno == ENOENT && (mkdirat(s->dirfd, fan, 0755) == 0 || errno == EEXIST);
}

/* gives the temp inode (fd, or the named temp) its final name; EEXIST means another
 * writer placed the same object first, which is as good */
static int place_temp(struct store *s, int fd, const char *name) {
  for (int tries = 0; tries < 2; tries++) {
    int rc;
    if (!s->tmpname[0]) {
      rc = linkat(fd, "", s->dirfd, name, AT_EMPTY_PATH);
      if (rc < 0 && (errno == ENOENT || errno == EPERM)) {
        /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc does not */
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        int saved = errno;
        rc = linkat(AT_FDCWD, proc, s->dirfd, name, AT_SYMLINK_FOLLOW);
        if (rc < 0 && errno == ENOENT && access("/proc/self/fd", F_OK) < 0) errno = saved;
      }
    } else {
      rc = renameat(s->tmpfd, s->tmpname, s->dirfd, name);
    }
    if (rc == 0 || errno == EEXIST) {
      if (s->tmpname[0] && rc < 0) unlinkat(s->tmpfd, s->tmpname, 0);
      s->tmpname[0] = 0;
      return 0;
    }
    if (!made_fanout(s, name)) break;
  }
  return herr("store", "place %s/%s", s->dir, name);
}

static int set_xattrs_fd(struct store *s, int fd, const struct xattrs *x) {
  for (size_t i = 0; i < x->n; i++) {
    if (!image_xattr(x->v[i].name)) continue;
    if (fsetxattr(fd, x->v[i].name, x->v[i].value, x->v[i].len, 0) < 0)
      return herr("store", "set xattr %s on a new object in %s", x->v[i].name, s->dir);
  }
  return 0;
}

/* owner (only when it is not ours already), then permission bits (chown clears setuid),
 * then xattrs (chown clears security.capability) */
static int finish_regular(struct store *s, int fd, const struct fmeta *m, const struct xattrs *x) {
  if ((m->uid != s->euid || m->gid != s->egid) && fchown(fd, (uid_t)m->uid, (gid_t)m->gid) < 0)
    return herr("store", "chown a new object in %s to %llu:%llu", s->dir, (unsigned long long)m->uid, (unsigned long long)m->gid);
  if (fchmod(fd, m->perm & 07777) < 0) return herr("store", "chmod a new object in %s", s->dir);
  return x ? set_xattrs_fd(s, fd, x) : 0;
}

static int drop_temp(struct store *s, int fd) {
  close(fd);
  store_cleanup(s);
  return -1;
}

/* a regular file whose content is in memory and whose id is known */
int store_write_regular(struct store *s, const char id[65], const struct fmeta *m, const struct xattrs *x,
                        const void *content, size_t len) {
  char name[72];
  object_name(id, name);
  int fd = open_temp(s);
  if (fd < 0) return -1;
  if (len && write_all(fd, content, len) < 0) {
    herr("store", "write a new object in %s", s->dir);
    return drop_temp(s, fd);
  }
  if (finish_regular(s, fd, m, x) < 0 || place_temp(s, fd, name) < 0) return drop_temp(s, fd);
  close(fd);
  return 0;
}

/* hashing while writing, for content that does not fit in memory */
int store_stream_begin(struct store *s, struct store_stream *w, const struct fmeta *m, const char *xenc, size_t xlen) {
  file_header(m, xenc, xlen, &s->hdr);
  blake3_init(&w->h);
  blake3_update(&w->h, s->hdr.p, s->hdr.len);
  w->fd = open_temp(s);
  w->written = 0;
  return w->fd < 0 ? -1 : 0;
}

int store_stream_write(struct store *s, struct store_stream *w, const void *p, size_t n) {
  blake3_update(&w->h, p, n);
  if (write_all(w->fd, p, n) < 0) {
    herr("store", "write a new object in %s", s->dir);
    return drop_temp(s, w->fd);
  }
  w->written += n;
  return 0;
}

void store_stream_abort(struct store *s, struct store_stream *w) {
  close(w->fd);
  store_cleanup(s);
}

int store_stream_end(struct store *s, struct store_stream *w, const struct fmeta *m, const struct xattrs *x, char id[65]) {
  uint8_t d[BLAKE3_OUT_LEN];
  blake3_final(&w->h, d);
  blake3_hex(d, id);
  char name[72];
  object_name(id, name);
  if (store_has_name(s, name)) {
    close(w->fd);
    store_cleanup(s);
    return 0;
  }
  if (finish_regular(s, w->fd, m, x) < 0 || place_temp(s, w->fd, name) < 0) return drop_temp(s, w->fd);
  close(w->fd);
  return 0;
}

/* the id of header + content */
void object_id(struct store *s, const struct fmeta *m, const char *xenc, size_t xlen, const void *content, size_t len, char id[65]) {
  file_header(m, xenc, xlen, &s->hdr);
  struct blake3 h;
  blake3_init(&h);
  blake3_update(&h, s->hdr.p, s->hdr.len);
  blake3_update(&h, content, len);
  uint8_t d[BLAKE3_OUT_LEN];
  blake3_final(&h, d);
  blake3_hex(d, id);
}

static int set_xattrs_path(const char *path, const struct xattrs *x) {
  for (size_t i = 0; i < x->n; i++) {
    if (!image_xattr(x->v[i].name)) continue;
    if (lsetxattr(path, x->v[i].name, x->v[i].value, x->v[i].len, 0) < 0)
      return herr("store", "set xattr %s on %s", x->v[i].name, path);
  }
  return 0;
}

/* symlinks, devices and fifos: made under a temp name, owned, moded, then renamed. A
 * symlink we would own anyway and without xattrs is made at its final name directly
 * (symlink(2) is atomic). */
int store_write_special(struct store *s, const char id[65], const struct fmeta *m, const struct xattrs *x, const char *target) {
  char name[72];
  object_name(id, name);
  bool has_x = x && xattrs_count(x, true);
  if (m->type == 'l' && m->uid == s->euid && m->gid == s->egid && !has_x) {
    for (int tries = 0; tries < 2; tries++) {
      if (symlinkat(target, s->dirfd, name) == 0 || errno == EEXIST) return 0;
      if (!made_fanout(s, name)) break;
    }
    return herr("store", "symlink %s/%s", s->dir, name);
  }
  next_tmpname(s);
  int rc;
  if (m->type == 'l') {
    rc = symlinkat(target, s->tmpfd, s->tmpname);
  } else {
    mode_t type = m->type == 'c' ? S_IFCHR : m->type == 'b' ? S_IFBLK : S_IFIFO;
    rc = mknodat(s->tmpfd, s->tmpname, type | (m->perm & 07777), (dev_t)m->rdev);
  }
  if (rc < 0) {
    herr("store", "%s %s/tmp/%s", m->type == 'l' ? "symlink" : "mknod", s->dir, s->tmpname);
    s->tmpname[0] = 0;
    return -1;
  }
  if (fchownat(s->tmpfd, s->tmpname, (uid_t)m->uid, (gid_t)m->gid, AT_SYMLINK_NOFOLLOW) < 0) {
    herr("store", "lchown %s/tmp/%s", s->dir, s->tmpname);
    goto fail;
  }
  if (m->type != 'l' && fchmodat(s->tmpfd, s->tmpname, m->perm & 07777, 0) < 0) {
    herr("store", "chmod %s/tmp/%s", s->dir, s->tmpname);
    goto fail;
  }
  if (has_x) {
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "%s/tmp/%s", s->dir, s->tmpname);
    if (set_xattrs_path(path, x) < 0) goto fail;
  }
  return place_temp(s, -1, name) < 0 ? (store_cleanup(s), -1) : 0;
fail:
  store_cleanup(s);
  return -1;
}

/* --link: the file itself becomes the object (a hard link at the final name) */
int store_link(struct store *s, const char id[65], int dirfd, const char *name, bool *linked) {
  char obj[72];
  object_name(id, obj);
  *linked = false;
  for (int tries = 0; tries < 2; tries++) {
    if (linkat(dirfd, name, s->dirfd, obj, 0) == 0) {
      *linked = true;
      return 0;
    }
    if (errno == EEXIST) return 0;
    if (errno == EMLINK || errno == EXDEV || errno == EPERM) return 0; /* the caller copies */
    if (!made_fanout(s, obj)) break;
  }
  return herr("store", "link %s into %s", name, s->dir);
}

/* ------------------------------------------------------------------ record output */
void out_init(struct out *o, int fd) {
  o->fd = fd;
  o->len = 0;
}

int out_flush(struct out *o) {
  if (o->len && write_all(o->fd, o->buf, o->len) < 0) return herr("output", "write stdout");
  o->len = 0;
  return 0;
}

int out_put(struct out *o, const void *p, size_t n) {
  if (o->len + n > sizeof o->buf) {
    if (out_flush(o) < 0) return -1;
    if (n > sizeof o->buf) return write_all(o->fd, p, n) < 0 ? herr("output", "write stdout") : 0;
  }
  memcpy(o->buf + o->len, p, n);
  o->len += n;
  return 0;
}

int out_field(struct out *o, const void *p, size_t n) {
  if (out_put(o, p, n) < 0) return -1;
  return out_put(o, "", 1);
}

int out_num(struct out *o, uint64_t v, unsigned base) {
  char tmp[24];
  int i = sizeof tmp;
  tmp[--i] = 0;
  do {
    tmp[--i] = (char)('0' + v % base);
    v /= base;
  } while (v);
  return out_put(o, tmp + i, sizeof tmp - (size_t)i);
}

/* TYPE PATH PERM UID GID SIZE RDEV XATTRS ID LINKNAME, each NUL-terminated */
int out_record(struct out *o, char type, const char *path, size_t plen, const struct fmeta *m, const char *xenc, size_t xlen,
               const char *id, const char *link, size_t llen) {
  char t[2] = {type, 0};
  if (out_put(o, t, 2) < 0 || out_field(o, path, plen) < 0 || out_num(o, m->perm & 07777, 8) < 0 || out_num(o, m->uid, 10) < 0 ||
      out_num(o, m->gid, 10) < 0 || out_num(o, m->size, 10) < 0 || out_num(o, m->rdev, 10) < 0 || out_field(o, xenc, xlen) < 0 ||
      out_field(o, id ? id : "", id ? 64 : 0) < 0 || out_field(o, link, llen) < 0)
    return -1;
  return 0;
}

/* ------------------------------------------------------------------ b3sum */
/* `b3sum [FILE...]`: `HEX  NAME` per file (stdin as `-`), as b3sum prints.
 * STRATA_B3SUM_READ=N reads (and hashes) N bytes at a time: tests use odd sizes to
 * exercise the incremental paths. */
int cmd_b3sum(int argc, char **argv) {
  static uint8_t buf[1 << 20];
  const char *rs = getenv("STRATA_B3SUM_READ");
  size_t step = rs && atol(rs) > 0 && (size_t)atol(rs) < sizeof buf ? (size_t)atol(rs) : sizeof buf;
  int rc = 0;
  for (int i = 0; i < (argc ? argc : 1); i++) {
    const char *name = argc ? argv[i] : "-";
    int fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) {
      herr("b3sum", "open %s", name);
      herr_print();
      rc = 1;
      continue;
    }
    struct blake3 h;
    blake3_init(&h);
    for (;;) {
      ssize_t n = read(fd, buf, step);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        herr("b3sum", "read %s", name);
        herr_print();
        rc = 1;
        break;
      }
      if (n == 0) break;
      blake3_update(&h, buf, (size_t)n);
    }
    if (fd) close(fd);
    uint8_t d[BLAKE3_OUT_LEN];
    char hex[65];
    blake3_final(&h, d);
    blake3_hex(d, hex);
    printf("%s  %s\n", hex, name);
  }
  return rc;
}
