/* blake3.h — BLAKE3 (hash mode, 32-byte output), written from the BLAKE3 specification.
 *
 *   struct blake3 h;
 *   blake3_init(&h);
 *   blake3_update(&h, data, len);        (any number of times, any sizes)
 *   blake3_final(&h, out);               (h is not changed: more updates may follow)
 *
 * Whole chunks that arrive together are compressed several at a time (4 lanes with the
 * compiler's portable vector types, 8 lanes with AVX2 when the CPU has it); everything
 * else goes through the scalar compression function. STRATA_BLAKE3=portable|4|8 in the
 * environment pins one path (tests compare them). */
#ifndef STRATA_BLAKE3_H
#define STRATA_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE3_OUT_LEN 32
#define BLAKE3_BLOCK_LEN 64
#define BLAKE3_CHUNK_LEN 1024
/* 2^54 chunks of 1 KiB is 2^64 bytes: the subtree stack never needs more */
#define BLAKE3_MAX_DEPTH 54

struct blake3 {
  uint32_t cv[8];                 /* chaining value of the chunk being hashed */
  uint64_t chunk;                 /* its index */
  uint8_t buf[BLAKE3_BLOCK_LEN];  /* its bytes not compressed yet */
  uint8_t buf_len;
  uint8_t blocks;                 /* its blocks compressed so far */
  uint8_t depth;                  /* entries on the stack */
  uint32_t stack[BLAKE3_MAX_DEPTH][8]; /* chaining values of complete subtrees, left to right */
};

void blake3_init(struct blake3 *h);
void blake3_update(struct blake3 *h, const void *data, size_t len);
void blake3_final(const struct blake3 *h, uint8_t out[BLAKE3_OUT_LEN]);
/* 64 lowercase hex digits and a NUL */
void blake3_hex(const uint8_t digest[BLAKE3_OUT_LEN], char hex[2 * BLAKE3_OUT_LEN + 1]);
/* which multi-chunk path is in use: 1 (portable only), 4 or 8 lanes */
int blake3_lanes(void);

#endif
