/* pipeline.h — ordered parallel gzip: blocks go in by sequence, are compressed on worker
 * threads, and come out in the same order, with SHA-256 of both sides. */
#ifndef STRATA_BLOB_PIPELINE_H
#define STRATA_BLOB_PIPELINE_H

#include <stddef.h>

struct slot {
  int state;                 /* FREE, READY, WORKING, DONE (pipeline.c) */
  int level;                 /* 0 stores the block */
  unsigned char *in, *out;
  size_t in_len, in_cap, out_len, out_cap;
  unsigned long long raw_end; /* plain bytes up to the end of this block */
};

enum codec { CODEC_GZIP, CODEC_ZSTD };
/* "gzip" or "zstd" (usage error otherwise) */
enum codec parse_codec(const char *name, const char *step);

/* starts THREADS compressors and the writer: members to out_fd, progress and digests to digest_fd */
void pipeline_start(int threads, int out_fd, int digest_fd, enum codec codec, int zstd_level);
/* the next slot to fill, with room for at least `cap` input bytes (waits while it is in use) */
struct slot *pipeline_slot(size_t cap);
/* hands the filled slot (in_len, level set) to the compressors */
void pipeline_submit(struct slot *s);
/* waits for every member to be written, then writes "d sha256:<plain> <size> sha256:<gzip> <size>\n" */
void pipeline_finish(void);

#endif
