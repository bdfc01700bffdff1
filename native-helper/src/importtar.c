/* importtar.c — `import-tar OBJECTS_DIR [--whiteouts] [--hold FD]`: a plain tar stream on stdin
 * becomes file objects in the store, and one record per entry on stdout for Node to
 * build the tree from (src/fs/helper-import.ts). Parsing follows tar-stream, which the
 * Node path uses, so both paths read every archive alike: ustar (name prefix), GNU
 * (long names `L`, long link names `K`), PAX (`x`; `g` is merged into the next `x`),
 * `path`, `linkpath`, `size`, `uid`, `gid`, `SCHILY.xattr.*` (raw bytes) and
 * `LIBARCHIVE.xattr.*` (base64 values, %-escaped names); zero blocks are skipped.
 *
 * Files up to 1 MiB are hashed in memory first, so content already in the store costs
 * no inode, and are written by objwriter.c's threads (one per core; STRATA_IMPORT_THREADS
 * overrides) while parsing goes on; larger ones are written while they are hashed. Paths are reported raw:
 * Node refuses absolute paths, `..`, writes through symlinks and hard links that leave
 * the archive. Nothing here ever creates a file outside OBJECTS_DIR.
 *
 * With --hold FD the objects go to a stage under OBJECTS_DIR/tmp (store_stage) and get
 * their store names only when the caller confirms on FD, after the records: a layer that
 * is applied while it downloads is stored only once its digest has been checked. */
#include "objects.h"
#include "objwriter.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMALL (1u << 20)             /* hashed in memory before anything is written */
#define MAX_LONG_HEADER (4u << 20)   /* tar-stream's limit for L/K/x/g payloads */
#define READ_BUF (8u << 20)
#define STEP "import-tar"

/* ------------------------------------------------------------------ input */
struct reader {
  int fd;
  uint8_t *buf;
  size_t cap, start, end;        /* unread bytes are buf[start, end) */
  uint64_t pos;                  /* archive offset of buf[start] */
  bool eof;
};

/* makes at least `need` bytes available unless the input ends first */
static int rd_fill(struct reader *r, size_t need) {
  if (r->end - r->start >= need) return 0;
  if (r->start + need > r->cap) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  while (r->end - r->start < need && !r->eof) {
    ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return herr(STEP, "read the archive");
    if (n == 0) r->eof = true;
    r->end += (size_t)n;
  }
  return 0;
}

static inline size_t rd_avail(const struct reader *r) { return r->end - r->start; }

static inline void rd_skip(struct reader *r, size_t n) {
  r->start += n;
  r->pos += n;
  if (r->start == r->end) r->start = r->end = 0;
}

/* skips n bytes that may not all be buffered; false if the input ends first */
static int rd_discard(struct reader *r, uint64_t n, bool *short_input) {
  *short_input = false;
  while (n) {
    if (!rd_avail(r) && rd_fill(r, 1) < 0) return -1;
    size_t a = rd_avail(r);
    if (!a) {
      *short_input = true;
      return 0;
    }
    size_t k = a < n ? a : (size_t)n;
    rd_skip(r, k);
    n -= k;
  }
  return 0;
}

static inline uint64_t padding(uint64_t size) { return (512 - size % 512) % 512; }

/* ------------------------------------------------------------------ header fields */
/* tar-stream's decodeOct: base-256 when the high bit is set, else octal digits after
 * leading spaces and NULs; false when there are none (NaN in JavaScript) */
static bool field_num(const uint8_t *f, size_t n, uint64_t *out) {
  *out = 0;
  if (f[0] & 0x80) {
    if (f[0] != 0x80) return f[0] == 0xff ? (*out = 0, true) : false; /* negative: 0 */
    for (size_t i = 1; i < n; i++) *out = (*out << 8) | f[i];
    return true;
  }
  size_t i = 0;
  while (i < n && f[i] == ' ') i++;
  while (i < n && f[i] == 0) i++;
  size_t end = i;
  while (end < n && f[end] != ' ') end++;
  if (end == i) return true; /* empty: 0 */
  size_t k = i;
  for (; k < end && f[k] >= '0' && f[k] <= '7'; k++) *out = *out * 8 + (uint64_t)(f[k] - '0');
  return k > i;
}

static size_t field_len(const uint8_t *f, size_t n) {
  const uint8_t *z = memchr(f, 0, n);
  return z ? (size_t)(z - f) : n;
}

/* JavaScript's parseInt(s, 10) for non-negative values */
static bool parse_dec(const char *s, size_t n, uint64_t *out) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) i++;
  if (i < n && s[i] == '+') i++;
  size_t k = i;
  *out = 0;
  for (; k < n && s[k] >= '0' && s[k] <= '9'; k++) *out = *out * 10 + (uint64_t)(s[k] - '0');
  return k > i;
}

/* ------------------------------------------------------------------ PAX */
struct kv { char *key, *val; size_t klen, vlen; };
struct pax { struct kv *v; size_t n, cap; };

static void pax_set(struct pax *p, const char *k, size_t kl, const char *v, size_t vl) {
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i].klen == kl && !memcmp(p->v[i].key, k, kl)) {
      free(p->v[i].val);
      p->v[i].val = xmalloc(vl + 1);
      memcpy(p->v[i].val, v, vl);
      p->v[i].val[vl] = 0;
      p->v[i].vlen = vl;
      return;
    }
  if (p->n == p->cap) p->v = xrealloc(p->v, (p->cap = p->cap ? 2 * p->cap : 8) * sizeof *p->v);
  struct kv *e = &p->v[p->n++];
  e->key = xmalloc(kl + 1);
  memcpy(e->key, k, kl);
  e->key[kl] = 0;
  e->klen = kl;
  e->val = xmalloc(vl + 1);
  memcpy(e->val, v, vl);
  e->val[vl] = 0;
  e->vlen = vl;
}

static void pax_clear(struct pax *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->v[i].key);
    free(p->v[i].val);
  }
  p->n = 0;
}

static const struct kv *pax_get(const struct pax *p, const char *k) {
  size_t kl = strlen(k);
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i].klen == kl && !memcmp(p->v[i].key, k, kl)) return &p->v[i];
  return NULL;
}

/* "LEN key=value\n" records; stops quietly at a malformed one, as tar-stream does */
static void pax_parse(struct pax *p, const char *b, size_t len) {
  while (len) {
    size_t i = 0;
    while (i < len && b[i] != ' ') i++;
    uint64_t rl;
    if (!parse_dec(b, i, &rl) || rl == 0) return;
    size_t end = rl - 1 < len ? (size_t)rl - 1 : len;
    if (i + 1 >= end) return;
    const char *rec = b + i + 1;
    size_t reclen = end - (i + 1);
    const char *eq = memchr(rec, '=', reclen);
    if (!eq) return;
    pax_set(p, rec, (size_t)(eq - rec), eq + 1, reclen - (size_t)(eq - rec) - 1);
    if (rl >= len) return;
    b += rl;
    len -= (size_t)rl;
  }
}

static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

/* Buffer.from(s, 'base64'): other characters are skipped, stops at '=' */
static size_t b64decode(const char *s, size_t n, uint8_t *out) {
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n && s[i] != '='; i++) {
    int v = b64val((unsigned char)s[i]);
    if (v < 0) continue;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  return o;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* the image xattrs of an entry's PAX records */
static int pax_xattrs(const struct pax *p, struct xattrs *x, const char *path) {
  xattrs_clear(x);
  for (size_t i = 0; i < p->n; i++) {
    const struct kv *e = &p->v[i];
    if (e->klen > 13 && !memcmp(e->key, "SCHILY.xattr.", 13)) {
      if (image_xattr(e->key + 13)) xattrs_set(x, e->key + 13, e->klen - 13, e->val, e->vlen);
    } else if (e->klen > 17 && !memcmp(e->key, "LIBARCHIVE.xattr.", 17)) {
      char name[e->klen];
      size_t nl = 0;
      for (size_t k = 17; k < e->klen; k++) {
        if (e->key[k] == '%') {
          int hi = k + 2 < e->klen ? hexval(e->key[k + 1]) : -1, lo = hi >= 0 ? hexval(e->key[k + 2]) : -1;
          if (lo < 0) return herrx(STEP, "not a valid tar archive: %s: malformed xattr name %s", path, e->key);
          name[nl++] = (char)(hi * 16 + lo);
          k += 2;
        } else {
          name[nl++] = e->key[k];
        }
      }
      if (memchr(name, 0, nl)) return herrx(STEP, "not a valid tar archive: %s: NUL in xattr name", path);
      name[nl] = 0;
      uint8_t *val = xmalloc(e->vlen + 1);
      size_t vl = b64decode(e->val, e->vlen, val);
      if (image_xattr(name)) xattrs_set(x, name, nl, val, vl);
      free(val);
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ the import */
struct importer {
  struct reader r;
  struct store s;
  struct out o;
  bool whiteouts;
  struct pax global, local;
  bool has_local;
  struct sbuf long_name, long_link, name, link, xenc;
  bool has_long_name, has_long_link;
  struct xattrs x;
};

/* basename as safeComponents sees it (empty and `.` components dropped) */
static bool is_whiteout(const char *p, size_t n) {
  size_t end = n;
  for (;;) {
    while (end && p[end - 1] == '/') end--;
    size_t start = end;
    while (start && p[start - 1] != '/') start--;
    if (end - start == 1 && p[start] == '.') {
      end = start;
      continue;
    }
    return end - start >= 4 && !memcmp(p + start, ".wh.", 4);
  }
}

static int regular_entry(struct importer *im, struct fmeta *m, bool skip_object, char id[65]) {
  struct reader *r = &im->r;
  bool short_input;
  uint64_t pad = padding(m->size);
  if (m->size <= SMALL) {
    if (rd_fill(r, (size_t)(m->size + pad)) < 0) return -1;
    if (rd_avail(r) < m->size)
      return herrx(STEP, "truncated archive: %s has %zu of %llu bytes", im->name.p, rd_avail(r), (unsigned long long)m->size);
    const uint8_t *content = r->buf + r->start;
    object_id(&im->s, m, im->xenc.p, im->xenc.len, content, (size_t)m->size, id);
    if (!skip_object && !store_has(&im->s, id) && objwriter_put(&im->s, id, m, &im->x, content, (size_t)m->size) < 0)
      return -1;
    rd_skip(r, (size_t)m->size);
  } else {
    /* (a whiteout this large is not one: it is stored like any file) */
    struct store_stream w;
    if (store_stream_begin(&im->s, &w, m, im->xenc.p, im->xenc.len) < 0) return -1;
    uint64_t left = m->size;
    while (left) {
      if (!rd_avail(r) && rd_fill(r, 1) < 0) {
        store_stream_abort(&im->s, &w);
        return -1;
      }
      size_t a = rd_avail(r);
      if (!a) {
        store_stream_abort(&im->s, &w);
        return herrx(STEP, "truncated archive: %s has %llu of %llu bytes", im->name.p, (unsigned long long)(m->size - left),
                     (unsigned long long)m->size);
      }
      size_t k = a < left ? a : (size_t)left;
      if (store_stream_write(&im->s, &w, r->buf + r->start, k) < 0) return -1;
      rd_skip(r, k);
      left -= k;
    }
    if (store_stream_end(&im->s, &w, m, &im->x, id) < 0) return -1;
  }
  if (rd_discard(r, pad, &short_input) < 0) return -1;
  if (short_input) return herrx(STEP, "truncated archive: ends inside the padding after %s", im->name.p);
  return 0;
}

static void set_str(struct sbuf *b, const void *p, size_t n) {
  b->len = 0;
  sb_grow(b, n + 1);
  memcpy(b->p, p, n);
  b->p[n] = 0;
  b->len = n;
}

/* the payload of an L/K/x/g header */
static int long_header(struct importer *im, int type, uint64_t size) {
  struct reader *r = &im->r;
  if (size > MAX_LONG_HEADER) return herrx(STEP, "not a valid tar archive: a header at byte %llu exceeds 4 MiB", (unsigned long long)r->pos);
  uint64_t pad = padding(size);
  if (rd_fill(r, (size_t)(size + pad)) < 0) return -1;
  if (rd_avail(r) < size + pad) return herrx(STEP, "truncated archive: ends inside an extended header");
  const char *b = (const char *)r->buf + r->start;
  switch (type) {
  case 28:
  case 30: /* 'L' (and 'N', as tar-stream reads it) */
    set_str(&im->long_name, b, field_len((const uint8_t *)b, (size_t)size));
    im->has_long_name = true;
    break;
  case 27: /* 'K' */
    set_str(&im->long_link, b, field_len((const uint8_t *)b, (size_t)size));
    im->has_long_link = true;
    break;
  case 55: /* 'g' */
    pax_clear(&im->global);
    pax_parse(&im->global, b, (size_t)size);
    break;
  case 72: /* 'x': applies to the next entry, over the global records */
    pax_clear(&im->local);
    for (size_t i = 0; i < im->global.n; i++)
      pax_set(&im->local, im->global.v[i].key, im->global.v[i].klen, im->global.v[i].val, im->global.v[i].vlen);
    pax_parse(&im->local, b, (size_t)size);
    im->has_local = true;
    break;
  }
  rd_skip(r, (size_t)(size + pad));
  return 0;
}

/* one header block and its entry; *done at the end of the input */
static int next_entry(struct importer *im, bool *done) {
  struct reader *r = &im->r;
  *done = false;
  if (rd_fill(r, 512) < 0) return -1;
  if (rd_avail(r) == 0) {
    *done = true;
    return 0;
  }
  if (rd_avail(r) < 512) return herrx(STEP, "truncated archive: ends inside a header at byte %llu", (unsigned long long)r->pos);
  const uint8_t *h = r->buf + r->start;
  uint64_t at = r->pos;
  /* checksum: every byte, the checksum field counted as spaces (unsigned; signed accepted) */
  uint64_t sum = 8 * 32;
  int64_t ssum = 8 * 32;
  for (int i = 0; i < 512; i++) {
    if (i >= 148 && i < 156) continue;
    sum += h[i];
    ssum += (signed char)h[i];
  }
  if (sum == 8 * 32) { /* an empty block (end-of-archive marker): skipped */
    rd_skip(r, 512);
    return 0;
  }
  uint64_t want;
  if (!field_num(h + 148, 8, &want) || (want != sum && (int64_t)want != ssum))
    return herrx(STEP, "not a valid tar archive: bad header checksum at byte %llu", (unsigned long long)at);
  bool ustar = !memcmp(h + 257, "ustar\0", 6);
  bool gnu = !memcmp(h + 257, "ustar ", 6) && h[263] == ' ' && h[264] == 0;
  if (!ustar && !gnu) return herrx(STEP, "not a valid tar archive: unknown header format at byte %llu", (unsigned long long)at);

  int type = h[156] == 0 ? 0 : (int)h[156] - '0';
  uint64_t mode, uid, gid, size, major, minor;
  bool size_ok = field_num(h + 124, 12, &size);
  field_num(h + 100, 8, &mode);
  field_num(h + 108, 8, &uid);
  field_num(h + 116, 8, &gid);
  field_num(h + 329, 8, &major);
  field_num(h + 337, 8, &minor);
  size_t nl = field_len(h, 100);
  if (ustar && h[345]) {
    size_t pl = field_len(h + 345, 155);
    im->name.len = 0;
    sb_grow(&im->name, pl + nl + 2);
    memcpy(im->name.p, h + 345, pl);
    im->name.p[pl] = '/';
    memcpy(im->name.p + pl + 1, h, nl);
    im->name.len = pl + 1 + nl;
    im->name.p[im->name.len] = 0;
  } else {
    set_str(&im->name, h, nl);
  }
  if (h[157]) set_str(&im->link, h + 157, field_len(h + 157, 100));
  else set_str(&im->link, "", 0);
  if (type == 0 && im->name.len && im->name.p[im->name.len - 1] == '/') type = 5;
  rd_skip(r, 512);

  if (type == 27 || type == 28 || type == 30 || type == 55 || type == 72) {
    if (!size_ok) return herrx(STEP, "not a valid tar archive: bad size in the header at byte %llu", (unsigned long long)at);
    return long_header(im, type, size);
  }

  /* long names, then PAX records, override the header */
  if (im->has_long_name) set_str(&im->name, im->long_name.p, im->long_name.len);
  if (im->has_long_link) set_str(&im->link, im->long_link.p, im->long_link.len);
  im->has_long_name = im->has_long_link = false;
  xattrs_clear(&im->x);
  if (im->has_local) {
    const struct kv *e;
    if ((e = pax_get(&im->local, "path")) && e->vlen) set_str(&im->name, e->val, e->vlen);
    if ((e = pax_get(&im->local, "linkpath")) && e->vlen) set_str(&im->link, e->val, e->vlen);
    if ((e = pax_get(&im->local, "size")) && e->vlen) size_ok = parse_dec(e->val, e->vlen, &size);
    uint64_t v;
    if ((e = pax_get(&im->local, "uid")) && parse_dec(e->val, e->vlen, &v)) uid = v;
    if ((e = pax_get(&im->local, "gid")) && parse_dec(e->val, e->vlen, &v)) gid = v;
    if (pax_xattrs(&im->local, &im->x, im->name.p) < 0) return -1;
    pax_clear(&im->local);
    im->has_local = false;
  }
  if (!size_ok) return herrx(STEP, "not a valid tar archive: bad size for %s", im->name.p);
  if (strlen(im->name.p) != im->name.len) return herrx(STEP, "not a valid tar archive: NUL in the name %s", im->name.p);
  if (strlen(im->link.p) != im->link.len) return herrx(STEP, "not a valid tar archive: NUL in the link target of %s", im->name.p);

  struct fmeta m = {.perm = (unsigned)(mode & 07777), .uid = uid, .gid = gid};
  char id[65];
  const char *idp = NULL;
  const char *link = "";
  size_t llen = 0;
  char rec;
  uint64_t data = size;
  bool skip = im->whiteouts && is_whiteout(im->name.p, im->name.len);
  im->xenc.len = 0;
  switch (type) {
  case 0:
  case 7:
    rec = 'f';
    m.type = 'f';
    m.size = size;
    xattrs_encode(&im->x, true, &im->xenc);
    if (regular_entry(im, &m, skip, id) < 0) return -1;
    idp = skip && m.size <= SMALL ? NULL : id;
    data = 0;
    break;
  case 1:
    rec = 'h';
    m = (struct fmeta){.type = 'h'};
    link = im->link.p;
    llen = im->link.len;
    sb_putc(&im->xenc, '-');
    break;
  case 2:
    rec = 'l';
    m = (struct fmeta){.type = 'l', .perm = 0777, .uid = uid, .gid = gid, .size = im->link.len};
    sb_putc(&im->xenc, '-');
    object_id(&im->s, &m, "-", 1, im->link.p, im->link.len, id);
    if (!skip && !store_has(&im->s, id) && store_write_special(&im->s, id, &m, NULL, im->link.p) < 0) return -1;
    idp = skip ? NULL : id;
    link = im->link.p;
    llen = im->link.len;
    break;
  case 3:
  case 4:
  case 6:
    rec = m.type = type == 3 ? 'c' : type == 4 ? 'b' : 'p';
    /* Linux's dev_t encoding (makedev in tar-import.ts) */
    if (type != 6)
      m.rdev = ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~(uint64_t)0xff) << 12) | ((major >> 12) << 32);
    xattrs_encode(&im->x, true, &im->xenc);
    object_id(&im->s, &m, im->xenc.p, im->xenc.len, "", 0, id);
    if (!skip && !store_has(&im->s, id) && store_write_special(&im->s, id, &m, &im->x, NULL) < 0) return -1;
    idp = skip ? NULL : id;
    break;
  case 5:
    rec = 'd';
    m.type = 'd';
    xattrs_encode(&im->x, true, &im->xenc);
    data = 0; /* tar-stream reads no data for a directory */
    break;
  default:
    rec = 0; /* sockets, sparse files, volume labels…: not part of an image */
  }
  if (data) {
    bool short_input;
    if (rd_discard(r, data + padding(data), &short_input) < 0) return -1;
    if (short_input) return herrx(STEP, "truncated archive: the data of %s ends early", im->name.p);
  }
  if (rec && out_record(&im->o, rec, im->name.p, im->name.len, &m, im->xenc.p, im->xenc.len, idp, link, llen) < 0) return -1;
  return 0;
}

/* --hold: says the objects are complete ("staged\n" on fd), then waits for "commit\n"
 * before they get store names; anything else (the fd closing) deletes them */
static bool verdict_commit(int fd) {
  if (write(fd, "staged\n", 7) != 7) return false;
  char buf[8];
  size_t n = 0;
  while (n < sizeof buf) {
    ssize_t k = read(fd, buf + n, sizeof buf - n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    n += (size_t)k;
    if (memchr(buf, '\n', n)) break;
  }
  return n == 7 && !memcmp(buf, "commit\n", 7);
}

int cmd_import_tar(int argc, char **argv) {
  static struct importer im;
  const char *dir = NULL;
  int hold = -1;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--whiteouts")) im.whiteouts = true;
    else if (!strcmp(argv[i], "--hold") && i + 1 < argc) hold = atoi(argv[++i]);
    else if (argv[i][0] != '-' && !dir) dir = argv[i];
    else die(EXIT_ENGINE, "usage", "import-tar: unexpected argument %s", argv[i]);
  }
  if (!dir || (hold >= 0 && hold < 3)) die(EXIT_ENGINE, "usage", "strata-helper import-tar OBJECTS_DIR [--whiteouts] [--hold FD] < TAR");
  umask(0);
  /* a stage named for this process: gc removes it if we die before deciding */
  char stage[32];
  snprintf(stage, sizeof stage, "%d-stage", (int)getpid());
  if (hold >= 0) {
    signal(SIGPIPE, SIG_IGN); /* a caller gone before the verdict is a "no", not a death */
    /* Ctrl-C reaches the whole pipeline: the input then ends early, and this process
     * deletes its stage on the way out instead of leaving it to gc */
    signal(SIGINT, SIG_IGN);
  }
  if (store_open(&im.s, dir) < 0 || (hold >= 0 && store_stage(&im.s, stage) < 0)) {
    herr_print();
    return 1;
  }
  const char *threads_env = getenv("STRATA_IMPORT_THREADS");
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = threads_env ? atoi(threads_env) : cores > 0 ? (int)cores : 1;
  if (objwriter_start(dir, threads, hold >= 0 ? stage : NULL) < 0) {
    herr_print();
    return 1;
  }
  out_init(&im.o, 1);
  im.r.fd = 0;
  im.r.cap = READ_BUF;
  im.r.buf = xmalloc(READ_BUF);
  /* fewer wake-ups when Node pipes the archive in */
  fcntl(0, F_SETPIPE_SZ, 1 << 20);
  posix_fadvise(0, 0, 0, POSIX_FADV_SEQUENTIAL);
  int rc = 0;
  for (;;) {
    bool done;
    if (next_entry(&im, &done) < 0) {
      char msg[sizeof herr_msg];
      memcpy(msg, herr_msg, sizeof msg);
      objwriter_finish(); /* no thread may still be writing when we exit */
      memcpy(herr_msg, msg, sizeof msg);
      store_cleanup(&im.s);
      out_flush(&im.o);
      rc = -1;
      break;
    }
    if (done) break;
  }
  if (rc == 0 && (objwriter_finish() < 0 || out_flush(&im.o) < 0)) rc = -1;
  if (hold >= 0) {
    bool keep = false;
    if (rc == 0) {
      close(1); /* every record is out: the reader sees the end of them */
      keep = verdict_commit(hold);
      if (!keep) herrx(STEP, "the import was not confirmed: its objects were discarded");
    }
    char msg[sizeof herr_msg];
    memcpy(msg, herr_msg, sizeof msg);
    if (store_unstage(&im.s, stage, keep) < 0) rc = -1;
    else memcpy(herr_msg, msg, sizeof msg);
    if (!keep) rc = -1;
  }
  if (rc < 0) {
    herr_print();
    return 1;
  }
  return 0;
}
