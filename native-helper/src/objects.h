/* objects.h — file objects of the store (objects.c) and the subcommands built on them
 * (importtar.c, snapshot.c). */
#ifndef STRATA_OBJECTS_H
#define STRATA_OBJECTS_H

#include "helper.h"
#include "blake3.h"

/* ------------------------------------------------------------------ objects.c */
#define PATH_MAX_LEN 4352
struct sbuf { char *p; size_t len, cap; };
void sb_grow(struct sbuf *b, size_t more);
void sb_put(struct sbuf *b, const void *p, size_t n);
void sb_putc(struct sbuf *b, char c);
void sb_num(struct sbuf *b, uint64_t v, unsigned base);

struct xattr { char *name; uint8_t *value; size_t len; };
struct xattrs { struct xattr *v; size_t n, cap; };
/* add or replace */
void xattrs_set(struct xattrs *x, const char *name, size_t name_len, const void *value, size_t len);
void xattrs_clear(struct xattrs *x);
bool image_xattr(const char *name);
size_t xattrs_count(const struct xattrs *x, bool image_only);
/* encodeXattrs() of encoding.ts: `-` or sorted `name=hex;…` */
void xattrs_encode(const struct xattrs *x, bool image_only, struct sbuf *out);

/* what a file object's header carries */
struct fmeta { char type; unsigned perm; uint64_t uid, gid, size, rdev; };
void file_header(const struct fmeta *m, const char *xenc, size_t xlen, struct sbuf *out);

struct store {
  const char *dir;              /* OBJECTS_DIR */
  int dirfd, tmpfd;             /* where new objects go (OBJECTS_DIR, or a stage), OBJECTS_DIR/tmp */
  int basefd;                   /* OBJECTS_DIR: where existing objects are looked up */
  uid_t euid;
  gid_t egid;
  bool tmpfile;                 /* O_TMPFILE works here */
  char tmpname[48];             /* named temp file in use under tmp/, "" when none */
  unsigned seq;
  struct sbuf hdr;              /* scratch: the last header */
};
struct store_stream { struct blake3 h; int fd; uint64_t written; };
int store_open(struct store *s, const char *dir);
/* new objects go to OBJECTS_DIR/tmp/<name> (same fan-out) until store_unstage: content
 * that is not yet trusted (a download still being verified) never gets a store name */
int store_stage(struct store *s, const char *name);
/* moves the stage's objects into the store (keep) or deletes them, then the stage */
int store_unstage(struct store *s, const char *name, bool keep);
void store_cleanup(struct store *s);
bool store_has(struct store *s, const char id[65]);
void object_id(struct store *s, const struct fmeta *m, const char *xenc, size_t xlen, const void *content, size_t len, char id[65]);
int store_write_regular(struct store *s, const char id[65], const struct fmeta *m, const struct xattrs *x, const void *content, size_t len);
int store_stream_begin(struct store *s, struct store_stream *w, const struct fmeta *m, const char *xenc, size_t xlen);
int store_stream_write(struct store *s, struct store_stream *w, const void *p, size_t n);
void store_stream_abort(struct store *s, struct store_stream *w);
int store_stream_end(struct store *s, struct store_stream *w, const struct fmeta *m, const struct xattrs *x, char id[65]);
int store_write_special(struct store *s, const char id[65], const struct fmeta *m, const struct xattrs *x, const char *target);
/* hard-links name (in dirfd) as the object; *linked false (and 0) when a copy is needed */
int store_link(struct store *s, const char id[65], int dirfd, const char *name, bool *linked);

struct out { int fd; size_t len; char buf[1 << 18]; };
void out_init(struct out *o, int fd);
int out_flush(struct out *o);
int out_put(struct out *o, const void *p, size_t n);
int out_field(struct out *o, const void *p, size_t n);
int out_num(struct out *o, uint64_t v, unsigned base);
int out_record(struct out *o, char type, const char *path, size_t plen, const struct fmeta *m, const char *xenc, size_t xlen,
               const char *id, const char *link, size_t llen);
int cmd_b3sum(int argc, char **argv);

/* ------------------------------------------------------------------ importtar.c, snapshot.c */
int cmd_import_tar(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);

#endif
