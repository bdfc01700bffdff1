/* blake3.c — BLAKE3 hash mode, from the specification (O'Connor, Aumasson, Neves,
 * Wilcox-O'Hearn, "BLAKE3: one function, fast everywhere").
 *
 * The input is split into 1024-byte chunks of 64-byte blocks. Each chunk is hashed on
 * its own (chaining value starts at the IV, block counter = chunk index, flags
 * CHUNK_START on its first block and CHUNK_END on its last); chunk chaining values are
 * the leaves of a binary tree whose left subtrees are always complete (a power of two
 * chunks); a parent node compresses the two children's chaining values as one block
 * with the PARENT flag; the root node (a chunk or a parent) gets the ROOT flag and its
 * first 32 output bytes are the hash.
 *
 * Incrementally: a finished chunk's chaining value is only pushed once more input is
 * known to follow (so it cannot be the root); after pushing the n-th chunk, the stack
 * is merged once per trailing zero bit of n, so it holds one subtree per 1 bit of the
 * chunk count. blake3_final merges the open chunk with the stack from the top down, the
 * last merge being the root. */
#include "blake3.h"

#include <stdlib.h>
#include <string.h>

enum {
  CHUNK_START = 1 << 0,
  CHUNK_END = 1 << 1,
  PARENT = 1 << 2,
  ROOT = 1 << 3,
};

static const uint32_t IV[8] = {
  0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
};

/* message word order of each of the 7 rounds: round r+1 takes the words of round r
 * through the permutation 2 6 3 10 7 0 4 13 1 11 12 5 9 14 15 8 */
static const uint8_t SCHED[7][16] = {
  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
  {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
  {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
  {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
  {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
  {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
  {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

static inline uint32_t load32(const uint8_t *p) {
  uint32_t w;
  memcpy(&w, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap32(w);
#endif
  return w;
}

static inline void store32(uint8_t *p, uint32_t w) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap32(w);
#endif
  memcpy(p, &w, 4);
}

/* The quarter-round and the round, for plain words and vectors of words alike. */
#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
/* the rotations, redefined for vector paths that have byte shuffles */
#define ROT16(x) ROTR(x, 16)
#define ROT12(x) ROTR(x, 12)
#define ROT8(x) ROTR(x, 8)
#define ROT7(x) ROTR(x, 7)
#define G(a, b, c, d, x, y)    \
  do {                         \
    a = a + b + (x);           \
    d = ROT16(d ^ a);          \
    c = c + d;                 \
    b = ROT12(b ^ c);          \
    a = a + b + (y);           \
    d = ROT8(d ^ a);           \
    c = c + d;                 \
    b = ROT7(b ^ c);           \
  } while (0)
#define ROUND(m, r)                                              \
  do {                                                           \
    G(v0, v4, v8, v12, m[SCHED[r][0]], m[SCHED[r][1]]);          \
    G(v1, v5, v9, v13, m[SCHED[r][2]], m[SCHED[r][3]]);          \
    G(v2, v6, v10, v14, m[SCHED[r][4]], m[SCHED[r][5]]);         \
    G(v3, v7, v11, v15, m[SCHED[r][6]], m[SCHED[r][7]]);         \
    G(v0, v5, v10, v15, m[SCHED[r][8]], m[SCHED[r][9]]);         \
    G(v1, v6, v11, v12, m[SCHED[r][10]], m[SCHED[r][11]]);       \
    G(v2, v7, v8, v13, m[SCHED[r][12]], m[SCHED[r][13]]);        \
    G(v3, v4, v9, v14, m[SCHED[r][14]], m[SCHED[r][15]]);        \
  } while (0)
#define ROUNDS(m) \
  do {            \
    ROUND(m, 0);  \
    ROUND(m, 1);  \
    ROUND(m, 2);  \
    ROUND(m, 3);  \
    ROUND(m, 4);  \
    ROUND(m, 5);  \
    ROUND(m, 6);  \
  } while (0)

/* cv = first half of the compression of block m (16 words) under cv */
static inline void compress(uint32_t cv[8], const uint32_t m[16], uint64_t counter, uint32_t len, uint32_t flags) {
  uint32_t v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
  uint32_t v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
  uint32_t v12 = (uint32_t)counter, v13 = (uint32_t)(counter >> 32), v14 = len, v15 = flags;
  ROUNDS(m);
  cv[0] = v0 ^ v8;
  cv[1] = v1 ^ v9;
  cv[2] = v2 ^ v10;
  cv[3] = v3 ^ v11;
  cv[4] = v4 ^ v12;
  cv[5] = v5 ^ v13;
  cv[6] = v6 ^ v14;
  cv[7] = v7 ^ v15;
}

static inline void compress_bytes(uint32_t cv[8], const uint8_t block[64], uint64_t counter, uint32_t len, uint32_t flags) {
  uint32_t m[16];
  for (int i = 0; i < 16; i++) m[i] = load32(block + 4 * i);
  compress(cv, m, counter, len, flags);
}

static void parent_cv(const uint32_t left[8], const uint32_t right[8], uint32_t flags, uint32_t out[8]) {
  uint32_t m[16];
  memcpy(m, left, 32);
  memcpy(m + 8, right, 32);
  memcpy(out, IV, 32);
  compress(out, m, 0, BLAKE3_BLOCK_LEN, PARENT | flags);
}

/* ------------------------------------------------------------------ many chunks at once */
/* One lane per chunk: lane i hashes the 1024 bytes at in + i * 1024, chunk index
 * counter + i, and leaves its chaining value in out[i]. GCC/clang vector types: the same
 * round macros, each operation on all lanes. */
#define DEFINE_HASH_MANY(NAME, LANES, ATTR, LOAD)                                                 \
  typedef uint32_t NAME##_vec __attribute__((vector_size(4 * (LANES))));                      \
  ATTR static void NAME(const uint8_t *in, uint64_t counter, uint32_t out[][8]) {             \
    NAME##_vec h[8], lo, hi;                                                                  \
    NAME##_vec zero = {0};                                                                    \
    for (int k = 0; k < 8; k++) h[k] = zero + IV[k];                                          \
    lo = hi = zero;                                                                           \
    for (int i = 0; i < (LANES); i++) {                                                       \
      lo[i] = (uint32_t)(counter + (uint64_t)i);                                              \
      hi[i] = (uint32_t)((counter + (uint64_t)i) >> 32);                                      \
    }                                                                                         \
    for (int b = 0; b < 16; b++) {                                                            \
      NAME##_vec m[16];                                                                       \
      LOAD(m, in + (size_t)b * BLAKE3_BLOCK_LEN);                                             \
      uint32_t flags = (b == 0 ? CHUNK_START : 0) | (b == 15 ? CHUNK_END : 0);                \
      NAME##_vec v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], \
                 v7 = h[7];                                                                   \
      NAME##_vec v8 = zero + IV[0], v9 = zero + IV[1], v10 = zero + IV[2],        \
                 v11 = zero + IV[3];                                                      \
      NAME##_vec v12 = lo, v13 = hi, v14 = zero + BLAKE3_BLOCK_LEN, v15 = zero + flags; \
      ROUNDS(m);                                                                              \
      h[0] = v0 ^ v8;                                                                         \
      h[1] = v1 ^ v9;                                                                         \
      h[2] = v2 ^ v10;                                                                        \
      h[3] = v3 ^ v11;                                                                        \
      h[4] = v4 ^ v12;                                                                        \
      h[5] = v5 ^ v13;                                                                        \
      h[6] = v6 ^ v14;                                                                        \
      h[7] = v7 ^ v15;                                                                        \
    }                                                                                         \
    for (int i = 0; i < (LANES); i++)                                                         \
      for (int k = 0; k < 8; k++) out[i][k] = h[k][i];                                        \
  }

/* m[j], lane i = word j of the block at blk + i * 1024 */
#define GATHER(LANES, m, blk)                                                       \
  do {                                                                              \
    for (int i = 0; i < (LANES); i++)                                               \
      for (int j = 0; j < 16; j++) m[j][i] = load32((blk) + (size_t)i * BLAKE3_CHUNK_LEN + 4 * j); \
  } while (0)

#if defined(__x86_64__) && defined(__GNUC__) && !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#include <immintrin.h>
#define HAVE_X86_PATHS 1

/* SSE2 (every x86-64): a 4x4 word transpose per quarter block */
static inline void load4_sse2(__m128i m[16], const uint8_t *blk) {
  for (int q = 0; q < 4; q++) {
    __m128i r0 = _mm_loadu_si128((const __m128i *)(blk + 0 * BLAKE3_CHUNK_LEN + 16 * q));
    __m128i r1 = _mm_loadu_si128((const __m128i *)(blk + 1 * BLAKE3_CHUNK_LEN + 16 * q));
    __m128i r2 = _mm_loadu_si128((const __m128i *)(blk + 2 * BLAKE3_CHUNK_LEN + 16 * q));
    __m128i r3 = _mm_loadu_si128((const __m128i *)(blk + 3 * BLAKE3_CHUNK_LEN + 16 * q));
    __m128i t0 = _mm_unpacklo_epi32(r0, r1), t1 = _mm_unpackhi_epi32(r0, r1);
    __m128i t2 = _mm_unpacklo_epi32(r2, r3), t3 = _mm_unpackhi_epi32(r2, r3);
    m[4 * q + 0] = _mm_unpacklo_epi64(t0, t2);
    m[4 * q + 1] = _mm_unpackhi_epi64(t0, t2);
    m[4 * q + 2] = _mm_unpacklo_epi64(t1, t3);
    m[4 * q + 3] = _mm_unpackhi_epi64(t1, t3);
  }
}
#define LOAD4(m, blk) load4_sse2((__m128i *)(m), blk)
DEFINE_HASH_MANY(hash4, 4, , LOAD4)

/* AVX2: an 8x8 word transpose per half block; 16- and 8-bit rotations as byte shuffles */
__attribute__((target("avx2"))) static inline void load8_avx2(__m256i m[16], const uint8_t *blk) {
  for (int half = 0; half < 2; half++) {
    __m256i r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_si256((const __m256i *)(blk + (size_t)i * BLAKE3_CHUNK_LEN + 32 * half));
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);     /* words 0 1 | 4 5 of lanes i, i+1 */
      t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]); /* words 2 3 | 6 7 */
    }
    for (int i = 0; i < 8; i += 4) {
      u[i + 0] = _mm256_unpacklo_epi64(t[i], t[i + 2]);     /* word 0 | 4 of lanes i..i+3 */
      u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);     /* word 1 | 5 */
      u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]); /* word 2 | 6 */
      u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]); /* word 3 | 7 */
    }
    for (int j = 0; j < 4; j++) {
      m[8 * half + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
      m[8 * half + 4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
    }
  }
}
#define LOAD8(m, blk) load8_avx2((__m256i *)(m), blk)
#undef ROT16
#undef ROT8
#define ROT16(x) ((__typeof__(x))_mm256_shuffle_epi8((__m256i)(x), _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)))
#define ROT8(x) ((__typeof__(x))_mm256_shuffle_epi8((__m256i)(x), _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)))
DEFINE_HASH_MANY(hash8_avx2, 8, __attribute__((target("avx2"))), LOAD8)
#undef ROT16
#undef ROT8
#define ROT16(x) ROTR(x, 16)
#define ROT8(x) ROTR(x, 8)
#else
#define LOAD4(m, blk) GATHER(4, m, blk)
DEFINE_HASH_MANY(hash4, 4, , LOAD4)
#endif

static int lanes;

int blake3_lanes(void) {
  if (lanes) return lanes;
  const char *pin = getenv("STRATA_BLAKE3");
  int want = pin ? (!strcmp(pin, "portable") ? 1 : atoi(pin)) : 8;
  lanes = want >= 8 ? 8 : want >= 4 ? 4 : 1;
#ifdef HAVE_X86_PATHS
  if (lanes == 8) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) lanes = 4;
  }
#else
  if (lanes == 8) lanes = 4;
#endif
  return lanes;
}

/* ------------------------------------------------------------------ the tree */
/* a chunk is complete and more input follows: push its chaining value, merging */
static void push_chunk(struct blake3 *h, const uint32_t chunk_cv[8]) {
  uint32_t cv[8];
  memcpy(cv, chunk_cv, 32);
  uint64_t total = ++h->chunk;
  while (!(total & 1)) {
    parent_cv(h->stack[--h->depth], cv, 0, cv);
    total >>= 1;
  }
  memcpy(h->stack[h->depth++], cv, 32);
}

static void start_chunk(struct blake3 *h) {
  memcpy(h->cv, IV, 32);
  h->blocks = 0;
  h->buf_len = 0;
}

/* n whole chunks at a chunk boundary, more input after them */
static void hash_chunks(struct blake3 *h, const uint8_t *p, size_t n) {
  uint32_t cvs[8][8];
  int l = blake3_lanes();
#ifdef HAVE_X86_PATHS
  if (l == 8)
    for (; n >= 8; n -= 8, p += 8 * BLAKE3_CHUNK_LEN) {
      hash8_avx2(p, h->chunk, cvs);
      for (int i = 0; i < 8; i++) push_chunk(h, cvs[i]);
    }
#endif
  if (l >= 4)
    for (; n >= 4; n -= 4, p += 4 * BLAKE3_CHUNK_LEN) {
      hash4(p, h->chunk, cvs);
      for (int i = 0; i < 4; i++) push_chunk(h, cvs[i]);
    }
  for (; n; n--, p += BLAKE3_CHUNK_LEN) {
    uint32_t cv[8];
    memcpy(cv, IV, 32);
    for (int b = 0; b < 16; b++)
      compress_bytes(cv, p + b * BLAKE3_BLOCK_LEN, h->chunk, BLAKE3_BLOCK_LEN,
                     (b == 0 ? CHUNK_START : 0) | (b == 15 ? CHUNK_END : 0));
    push_chunk(h, cv);
  }
}

void blake3_init(struct blake3 *h) {
  h->chunk = 0;
  h->depth = 0;
  start_chunk(h);
}

void blake3_update(struct blake3 *h, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len) {
    if (h->buf_len == BLAKE3_BLOCK_LEN) {
      /* a buffered block, and more input follows: it is not the last */
      uint32_t flags = h->blocks == 0 ? CHUNK_START : 0;
      if (h->blocks == 15) {
        compress_bytes(h->cv, h->buf, h->chunk, BLAKE3_BLOCK_LEN, flags | CHUNK_END);
        push_chunk(h, h->cv);
        start_chunk(h);
      } else {
        compress_bytes(h->cv, h->buf, h->chunk, BLAKE3_BLOCK_LEN, flags);
        h->blocks++;
        h->buf_len = 0;
      }
    }
    if (h->buf_len == 0) {
      if (h->blocks == 0 && len > BLAKE3_CHUNK_LEN) {
        size_t n = (len - 1) / BLAKE3_CHUNK_LEN;
        hash_chunks(h, p, n);
        p += n * BLAKE3_CHUNK_LEN;
        len -= n * BLAKE3_CHUNK_LEN;
        continue;
      }
      /* whole blocks straight from the input, never the chunk's last nor the input's last */
      for (; len > BLAKE3_BLOCK_LEN && h->blocks < 15; p += BLAKE3_BLOCK_LEN, len -= BLAKE3_BLOCK_LEN) {
        compress_bytes(h->cv, p, h->chunk, BLAKE3_BLOCK_LEN, h->blocks == 0 ? CHUNK_START : 0);
        h->blocks++;
      }
    }
    size_t take = BLAKE3_BLOCK_LEN - h->buf_len;
    if (take > len) take = len;
    memcpy(h->buf + h->buf_len, p, take);
    h->buf_len += (uint8_t)take;
    p += take;
    len -= take;
  }
}

void blake3_final(const struct blake3 *h, uint8_t out[BLAKE3_OUT_LEN]) {
  uint8_t block[BLAKE3_BLOCK_LEN] = {0};
  memcpy(block, h->buf, h->buf_len);
  uint32_t cv[8], m[16];
  memcpy(cv, h->cv, 32);
  for (int i = 0; i < 16; i++) m[i] = load32(block + 4 * i);
  uint32_t flags = (h->blocks == 0 ? CHUNK_START : 0) | CHUNK_END;
  compress(cv, m, h->chunk, h->buf_len, flags | (h->depth == 0 ? ROOT : 0));
  for (int i = h->depth - 1; i >= 0; i--) parent_cv(h->stack[i], cv, i == 0 ? ROOT : 0, cv);
  for (int i = 0; i < 8; i++) store32(out + 4 * i, cv[i]);
}

void blake3_hex(const uint8_t digest[BLAKE3_OUT_LEN], char hex[2 * BLAKE3_OUT_LEN + 1]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < BLAKE3_OUT_LEN; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  hex[2 * BLAKE3_OUT_LEN] = 0;
}
