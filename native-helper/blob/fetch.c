/* fetch.c — `gunzip --fetch` / `unzstd --fetch`: the blob is downloaded here, by libcurl,
 * instead of by Node, so its bytes reach the inflater without passing through Node (a
 * pull of a 100 MB layer spent ~0.6 CPU-s in Node's stream machinery for them).
 *
 * Node keeps the registry protocol: it has already done the auth flow and knows the blob's
 * URL, and writes the request on stdin, then closes it:
 *   url URL            the blob (redirects are followed; Authorization stays with its host)
 *   size N             the size the manifest promises: a byte more stops the download
 *   verify 0|1         TLS certificate verification
 *   ca PATH            extra CA certificates (PEM), any number
 *   header NAME: VALUE any number
 * A thread downloads into a pipe that becomes the inflater's stdin, so the inflaters read
 * it as they read a download piped in by Node. On DIGEST_FD it reports
 *   progress N                       every 4 MiB (or 200 ms)
 *   blob sha256:<hex> N [error MSG]  once the body has ended (MSG: why it broke off)
 * before the inflater's own digest line. Node compares the digest: this file trusts nothing.
 *
 * Anything that is not a 200 with a body (a 401 for an expired token, a 404, a redirect
 * loop, a refused connection) exits BLOB_EXIT_HANDBACK before a byte reaches the
 * inflater: Node then downloads the blob itself, with its own errors and auth flow. */
#ifdef HAVE_CURL
#include "blob.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_SPEC (64u << 10)
#define MAX_CAS 64
#define PROGRESS_EVERY ((unsigned long long)4 << 20)
#define PROGRESS_MS 200

static struct {
  char *url;
  unsigned long long size;
  int verify;
  const char *cas[MAX_CAS];
  int ncas;
  struct curl_slist *headers;

  int pipe_w, digest_fd;
  const char *file; /* `fetch FILE`: the body goes there, and a failed write is fatal */
  pthread_t thread;
  int running;
  EVP_MD_CTX *sha;
  unsigned long long got, next_progress;
  long long progress_ms;
  int started, discard, too_much;
} fx = { .pipe_w = -1 };

static void parse_spec(void) {
  static char spec[MAX_SPEC + 1];
  size_t n = 0;
  for (;;) {
    if (n == MAX_SPEC) blob_die(BLOB_EXIT_USAGE, "fetch", "request on stdin is over %u bytes", MAX_SPEC);
    ssize_t r = read(0, spec + n, MAX_SPEC - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) blob_die(BLOB_EXIT_FAIL, "fetch", "read: %s", strerror(errno));
    if (r == 0) break;
    n += (size_t)r;
  }
  spec[n] = 0;
  fx.verify = 1;
  for (char *line = spec, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char *sp = strchr(line, ' ');
    if (!sp) blob_die(BLOB_EXIT_USAGE, "fetch", "bad request line %.40s", line);
    *sp = 0;
    const char *v = sp + 1;
    if (!strcmp(line, "url")) fx.url = (char *)v;
    else if (!strcmp(line, "size")) fx.size = strtoull(v, NULL, 10);
    else if (!strcmp(line, "verify")) fx.verify = atoi(v);
    else if (!strcmp(line, "ca") && fx.ncas < MAX_CAS) fx.cas[fx.ncas++] = v;
    else if (!strcmp(line, "header")) fx.headers = curl_slist_append(fx.headers, v);
    else blob_die(BLOB_EXIT_USAGE, "fetch", "unknown request field %s", line);
  }
  if (!fx.url) blob_die(BLOB_EXIT_USAGE, "fetch", "the request names no url");
}

/* the extra CAs join the system's, in the OpenSSL context curl is about to use */
static CURLcode add_cas(CURL *c, void *ssl_ctx, void *arg) {
  (void)c;
  (void)arg;
  X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
  for (int i = 0; i < fx.ncas; i++) (void)X509_STORE_load_file(store, fx.cas[i]); /* unreadable: as Node does, skipped */
  return CURLE_OK;
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof line) n = sizeof line - 1;
  write_all(fx.digest_fd, line, (size_t)n, "fetch"); /* under PIPE_BUF: lines from both threads stay whole */
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *c) {
  size_t n = size * nmemb;
  if (!fx.started) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) return CURL_WRITEFUNC_ERROR; /* handed back below, nothing written */
    fx.started = 1;
  }
  if (fx.got + n > fx.size) {
    fx.too_much = 1;
    return CURL_WRITEFUNC_ERROR;
  }
  EVP_DigestUpdate(fx.sha, p, n);
  fx.got += n;
  if (!fx.discard) {
    /* the inflater stopped reading (it failed): the rest is still hashed, for the verdict */
    size_t off = 0;
    while (off < n) {
      ssize_t w = write(fx.pipe_w, p + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && fx.file) blob_die(BLOB_EXIT_FAIL, "fetch", "write %s: %s", fx.file, strerror(errno));
      if (w < 0) {
        fx.discard = 1;
        break;
      }
      off += (size_t)w;
    }
  }
  /* every 4 MiB, or every 200 ms on a slow link: a progress bar must not look stuck */
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  if (fx.got >= fx.next_progress || ms - fx.progress_ms >= PROGRESS_MS) {
    report("progress %llu\n", fx.got);
    fx.next_progress = fx.got + PROGRESS_EVERY;
    fx.progress_ms = ms;
  }
  return n;
}

static void *download(void *arg) {
  (void)arg;
  sigset_t pipe_set; /* a closed pipe is an EPIPE here, not the process's death */
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);

  CURL *c = curl_easy_init();
  if (!c) blob_die(BLOB_EXIT_HANDBACK, "fetch", "cannot start libcurl");
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, fx.url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, fx.headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "strata/0.1");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_PROXY, ""); /* as Node's client: no proxy from the environment */
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* Node's client: 120 s without progress */
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L << 10);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, fx.verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, fx.verify ? 2L : 0L);
  if (fx.verify && fx.ncas) curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, add_cas);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (!fx.started && !(rc == CURLE_OK && code == 200)) { /* (a 200 with no body is a truncation: reported below) */
    /* our own refusal of the body (a write error) or a clean end: the status says why */
    if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR) blob_die(BLOB_EXIT_HANDBACK, "fetch", "the registry answered %ld", code);
    blob_die(BLOB_EXIT_HANDBACK, "fetch", "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
  }
  unsigned char md[32];
  unsigned int mdlen = 0;
  EVP_DigestFinal_ex(fx.sha, md, &mdlen);
  char hex[65];
  for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  const char *why = fx.too_much ? "more bytes than the manifest promises" : rc != CURLE_OK ? (errbuf[0] ? errbuf : curl_easy_strerror(rc)) : NULL;
  if (why) report("blob sha256:%s %llu error %.300s\n", hex, fx.got, why);
  else report("blob sha256:%s %llu\n", hex, fx.got);
  curl_easy_cleanup(c);
  close(fx.pipe_w); /* the inflater's end of input, after the verdict is out */
  return NULL;
}

/* main thread dying (bad data, a member too big): the download is read to its end all the
 * same, so its verdict can explain the failure (a wrong digest is the cause of anything) */
static void finish_on_die(void) {
  if (!fx.running || pthread_equal(pthread_self(), fx.thread)) return;
  close(0); /* the thread's writes fail from here on, and it only hashes */
  pthread_join(fx.thread, NULL);
}

/* what both forms do first: the request, and libcurl */
static void fetch_setup(int digest_fd) {
  parse_spec();
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL); /* Node gone: no download goes on without it */
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) blob_die(BLOB_EXIT_HANDBACK, "fetch", "cannot start libcurl");
  fx.digest_fd = digest_fd;
  fx.sha = EVP_MD_CTX_new();
  if (!fx.sha || !EVP_DigestInit_ex(fx.sha, EVP_sha256(), NULL)) blob_die(BLOB_EXIT_FAIL, "fetch", "out of memory");
  fx.next_progress = PROGRESS_EVERY;
}

void fetch_start(int digest_fd) {
  fetch_setup(digest_fd);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) blob_die(BLOB_EXIT_FAIL, "fetch", "pipe: %s", strerror(errno));
  if (dup2(p[0], 0) < 0) blob_die(BLOB_EXIT_FAIL, "fetch", "dup2: %s", strerror(errno));
  close(p[0]);
  fx.pipe_w = p[1];
  widen_pipe(0);
  blob_on_die = finish_on_die;
  if (pthread_create(&fx.thread, NULL, download, NULL) != 0) blob_die(BLOB_EXIT_FAIL, "fetch", "cannot start the download thread");
  fx.running = 1;
}

/* the download's verdict is out before the inflater's digest line */
void fetch_finish(void) {
  if (!fx.running) return;
  pthread_join(fx.thread, NULL);
  fx.running = 0;
}

/* `strata-blob fetch FILE DIGEST_FD`: the blob into FILE (created, never replaced), with the
 * same report: a layer downloaded ahead of its turn. A hand-back removes FILE. */
static const char *created;
static void remove_created(void) {
  if (created) unlink(created);
}

int cmd_fetch(int argc, char **argv) {
  if (argc != 2) blob_die(BLOB_EXIT_USAGE, "fetch", "usage: strata-blob fetch FILE DIGEST_FD (request on stdin)");
  fetch_setup(atoi(argv[1]));
  fx.file = argv[0];
  fx.pipe_w = open(fx.file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fx.pipe_w < 0) blob_die(BLOB_EXIT_FAIL, "fetch", "%s: %s", fx.file, strerror(errno));
  created = fx.file;
  blob_on_die = remove_created;
  download(NULL);
  return 0;
}
#endif
