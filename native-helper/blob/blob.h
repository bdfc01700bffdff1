/* blob.h — strata-blob: layer blob codecs (libdeflate) and digests (OpenSSL). See ../README.md. */
#ifndef STRATA_BLOB_H
#define STRATA_BLOB_H

#include <stddef.h>
#include <stdint.h>

/* exit codes Node tells apart */
#define BLOB_EXIT_FAIL 1     /* bad input or an I/O error: the message says which */
#define BLOB_EXIT_USAGE 2
#define BLOB_EXIT_TOO_BIG 3  /* a gzip member larger than MAX_MEMBER, or not the length it states: use a streaming inflater */
#define BLOB_EXIT_CORRUPT 4  /* a store object is missing or does not match its id */
#define BLOB_EXIT_HANDBACK 5 /* --fetch: no 200 with a body (auth, redirect loop, refused): Node downloads it */

/* a gzip member header with Strata's size subfield: 10 fixed bytes, XLEN, 'S' 'z' 4 0, size */
#define GZ_SIZED_HEADER 20

/* run by blob_die before it exits (fetch.c: the download's verdict first) */
extern void (*blob_on_die)(void);
void blob_die(int code, const char *step, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
void write_all(int fd, const void *buf, size_t len, const char *step);
/* reads exactly len bytes; returns 0 at a clean end of input before the first byte */
int read_exact(int fd, void *buf, size_t len, const char *step);
void widen_pipe(int fd);

int cmd_gunzip(int argc, char **argv);
int cmd_layer(int argc, char **argv);
int cmd_unzstd(int argc, char **argv);

#ifdef HAVE_CURL
/* --fetch: reads the request from stdin, then stdin is the download (fetch.c) */
void fetch_start(int digest_fd);
void fetch_finish(void);
int cmd_fetch(int argc, char **argv);
#endif

#endif
