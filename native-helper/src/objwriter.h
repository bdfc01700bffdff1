/* objwriter.h — small file objects written on background threads (objwriter.c). */
#ifndef STRATA_OBJWRITER_H
#define STRATA_OBJWRITER_H

#include "objects.h"

/* starts `threads` writers for OBJECTS_DIR (0: objwriter_put writes in the caller);
 * with `stage`, they write into that stage (store_stage) */
int objwriter_start(const char *dir, int threads, const char *stage);
/* queues a copy of one object; -1 (herr_msg set) once any write has failed */
int objwriter_put(struct store *s, const char id[65], const struct fmeta *m, const struct xattrs *x, const void *content, size_t len);
/* waits for every queued object; -1 with the first failure in herr_msg */
int objwriter_finish(void);

#endif
