/* json.c — a small recursive-descent JSON parser (RFC 8259) into a tree of jval.
 * Strings are decoded (escapes, \u with surrogate pairs) into NUL-terminated UTF-8.
 * Integers that fit in int64 keep their exact value (memory limits exceed double's 53 bits). */
#include "helper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
  const char *p, *end;
  char *err;
  size_t errlen;
  int depth;
};

static struct jval *fail(struct parser *ps, const char *what) {
  if (ps->err && ps->err[0] == 0) snprintf(ps->err, ps->errlen, "%s at byte %zu", what, (size_t)(ps->end - ps->p));
  return NULL;
}

static void skip_ws(struct parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static struct jval *new_val(enum jtype t) {
  struct jval *v = xmalloc(sizeof *v);
  memset(v, 0, sizeof *v);
  v->t = t;
  return v;
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* parse a string starting at the opening quote; returns malloc'd decoded text */
static char *parse_string(struct parser *ps, size_t *len_out) {
  ps->p++; /* opening quote */
  const char *start = ps->p;
  /* decoded output is never longer than the source */
  const char *q = start;
  while (q < ps->end && *q != '"') {
    if (*q == '\\') q++;
    q++;
  }
  if (q >= ps->end) { fail(ps, "unterminated string"); return NULL; }
  char *out = xmalloc((size_t)(q - start) + 1), *o = out;
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) { free(out); fail(ps, "control character in string"); return NULL; }
    if (c != '\\') { *o++ = (char)c; ps->p++; continue; }
    ps->p++;
    if (ps->p >= ps->end) break;
    char e = *ps->p++;
    switch (e) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      unsigned cp, lo;
      if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0) { free(out); fail(ps, "bad \\u escape"); return NULL; }
      ps->p += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
          hex4(ps->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        ps->p += 6;
      }
      /* \u escapes need at most 6 source bytes for 4 output bytes: fits */
      o += put_utf8(o, cp);
      break;
    }
    default: free(out); fail(ps, "bad escape"); return NULL;
    }
  }
  if (ps->p >= ps->end) { free(out); fail(ps, "unterminated string"); return NULL; }
  ps->p++; /* closing quote */
  *o = 0;
  if (len_out) *len_out = (size_t)(o - out);
  return out;
}

static struct jval *parse_value(struct parser *ps);

static struct jval *parse_number(struct parser *ps) {
  const char *s = ps->p;
  bool integral = true;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return fail(ps, "bad number");
  while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' ||
                             *ps->p == '+' || *ps->p == '-')) {
    if (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E') integral = false;
    ps->p++;
  }
  char tmp[64];
  size_t n = (size_t)(ps->p - s);
  if (n >= sizeof tmp) return fail(ps, "number too long");
  memcpy(tmp, s, n);
  tmp[n] = 0;
  struct jval *v = new_val(J_NUM);
  char *endp;
  v->n = strtod(tmp, &endp);
  if (*endp) { free(v); return fail(ps, "bad number"); }
  if (integral) {
    errno = 0;
    long long ll = strtoll(tmp, &endp, 10);
    if (errno == 0 && *endp == 0) { v->is_int = true; v->i = ll; }
    else if (tmp[0] != '-') {
      /* larger than int64 (e.g. 2^64-1 used as "unlimited"): clamp */
      v->is_int = true;
      v->i = INT64_MAX;
    }
  }
  if (!v->is_int) v->i = (int64_t)v->n;
  return v;
}

static struct jval *parse_container(struct parser *ps, bool object) {
  if (++ps->depth > 64) return fail(ps, "nesting too deep");
  ps->p++;
  struct jval *v = new_val(object ? J_OBJ : J_ARR);
  size_t cap = 0;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) { ps->p++; ps->depth--; return v; }
  for (;;) {
    char *key = NULL;
    skip_ws(ps);
    if (object) {
      if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected object key");
      key = parse_string(ps, NULL);
      if (!key) return NULL;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "expected ':'");
      ps->p++;
    }
    struct jval *item = parse_value(ps);
    if (!item) return NULL;
    if (v->len == cap) {
      cap = cap ? cap * 2 : 8;
      v->items = xrealloc(v->items, cap * sizeof *v->items);
      if (object) v->keys = xrealloc(v->keys, cap * sizeof *v->keys);
    }
    v->items[v->len] = item;
    if (object) v->keys[v->len] = key;
    v->len++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) { ps->p++; break; }
    return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
  ps->depth--;
  return v;
}

static bool literal(struct parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
  ps->p += n;
  return true;
}

static struct jval *parse_value(struct parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, "unexpected end");
  char c = *ps->p;
  if (c == '{') return parse_container(ps, true);
  if (c == '[') return parse_container(ps, false);
  if (c == '"') {
    struct jval *v = new_val(J_STR);
    v->s = parse_string(ps, &v->len);
    if (!v->s) { free(v); return NULL; }
    return v;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps);
  if (literal(ps, "true")) { struct jval *v = new_val(J_BOOL); v->b = true; return v; }
  if (literal(ps, "false")) return new_val(J_BOOL);
  if (literal(ps, "null")) return new_val(J_NULL);
  return fail(ps, "unexpected character");
}

struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen) {
  struct parser ps = {.p = text, .end = text + len, .err = err, .errlen = errlen};
  if (err && errlen) err[0] = 0;
  struct jval *v = parse_value(&ps);
  if (!v) return NULL;
  skip_ws(&ps);
  if (ps.p != ps.end) return fail(&ps, "trailing data");
  return v;
}

const struct jval *json_get(const struct jval *obj, const char *key) {
  if (!obj || obj->t != J_OBJ) return NULL;
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

const char *json_get_str(const struct jval *obj, const char *key) {
  const struct jval *v = json_get(obj, key);
  return v && v->t == J_STR ? v->s : NULL;
}

void json_escape(char **buf, size_t *cap, size_t *pos, const char *s) {
  size_t need = *pos + strlen(s) * 6 + 3;
  if (need > *cap) {
    *cap = need * 2;
    *buf = xrealloc(*buf, *cap);
  }
  char *o = *buf + *pos;
  *o++ = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') { *o++ = '\\'; *o++ = (char)*p; }
    else if (*p == '\n') { *o++ = '\\'; *o++ = 'n'; }
    else if (*p == '\t') { *o++ = '\\'; *o++ = 't'; }
    else if (*p == '\r') { *o++ = '\\'; *o++ = 'r'; }
    else if (*p < 0x20) o += sprintf(o, "\\u%04x", *p);
    else *o++ = (char)*p;
  }
  *o++ = '"';
  *o = 0;
  *pos = (size_t)(o - *buf);
}
