/* main.c — strata-blob: the CPU-heavy parts of moving layers (compression, decompression,
 * SHA-256), kept out of strata-helper so the container runtime stays libc-only. */
#include "blob.h"

#include <errno.h>
#include <libdeflate.h>
#ifdef HAVE_ISAL
#include <isa-l.h>
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#include <zstd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
  "usage: strata-blob COMMAND [ARGS]\n"
  "  layer OBJECTS_DIR THREADS LEVEL DIGEST_FD [gzip|zstd]   (tar ops on stdin -> compressed layer on stdout)\n"
  "  gunzip FILE DIGEST_FD [OFFSET LENGTH]   (plain bytes on stdout; sha256 and size on DIGEST_FD)\n"
  "  gunzip - DIGEST_FD SPOOL                (the same from stdin, inflated as it arrives)\n"
  "  unzstd FILE|- DIGEST_FD [OFFSET LENGTH] (the same for zstd)\n"
#ifdef HAVE_CURL
  "  gunzip --fetch DIGEST_FD SPOOL, unzstd --fetch DIGEST_FD   (downloads the blob itself: request on stdin, see fetch.c)\n"
  "  fetch FILE DIGEST_FD                    (the blob into FILE, the same report)\n"
#endif

  "  version\n";

void (*blob_on_die)(void);

void blob_die(int code, const char *step, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "strata-blob: %s: ", step);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (blob_on_die) blob_on_die();
  exit(code);
}

void write_all(int fd, const void *buf, size_t len, const char *step) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) blob_die(BLOB_EXIT_FAIL, step, "write: %s", strerror(errno));
    p += n;
    len -= (size_t)n;
  }
}

int read_exact(int fd, void *buf, size_t len, const char *step) {
  char *p = buf;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, p + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) blob_die(BLOB_EXIT_FAIL, step, "read: %s", strerror(errno));
    if (n == 0) {
      if (got == 0) return 0;
      blob_die(BLOB_EXIT_FAIL, step, "input ends inside a frame");
    }
    got += (size_t)n;
  }
  return 1;
}

/* 1 MiB pipes: 64 KiB ones cost a context switch per 64 KiB of a 200 MB layer */
void widen_pipe(int fd) {
  (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return BLOB_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "gunzip")) return cmd_gunzip(argc - 2, argv + 2);
  if (!strcmp(cmd, "layer")) return cmd_layer(argc - 2, argv + 2);
  if (!strcmp(cmd, "unzstd")) return cmd_unzstd(argc - 2, argv + 2);
#ifdef HAVE_CURL
  if (!strcmp(cmd, "fetch")) return cmd_fetch(argc - 2, argv + 2);
#endif
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
#ifdef HAVE_ISAL
#define ISAL_PART " isa-l " STR(ISAL_MAJOR_VERSION) "." STR(ISAL_MINOR_VERSION)
#else
#define ISAL_PART ""
#endif
    /* the first line names the codecs (the layer cache's key); the second what else it can do */
    puts("strata-blob 4 libdeflate " LIBDEFLATE_VERSION_STRING " zstd " ZSTD_VERSION_STRING ISAL_PART);
#ifdef HAVE_CURL
    puts("features fetch");
#else
    puts("features");
#endif
    return 0;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help")) {
    fputs(usage, stdout);
    return 0;
  }
  blob_die(BLOB_EXIT_USAGE, "usage", "unknown command %s (try strata-blob help)", cmd);
}
