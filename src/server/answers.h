/* The server's answer cache (answers.c): whole answers kept while the data
 * behind them is unchanged. Thread-safe. Private to src/server. */
#ifndef DM_SERVER_ANSWERS_H
#define DM_SERVER_ANSWERS_H

#include "server/internal.h"

#include <stdint.h>

/* A cache of at most max_bytes (answers and keys). NULL when max_bytes is 0
 * (no cache: every function below then does nothing) or out of memory.
 * Owned by the caller: dm_answer_cache_free(). */
dm_answer_cache *dm_answer_cache_new(size_t max_bytes);
void dm_answer_cache_free(dm_answer_cache *c);

/* Fills r (status 200, body, content type, ETag) with the answer kept for
 * key when it was made at `stamp`; an answer made at another stamp is
 * dropped. False when there is none ("" stamp: never). */
bool dm_answer_cache_get(dm_answer_cache *c, const char *key, const char *stamp, dm_response *r);

/* Keeps a copy of r (only a whole 200 answer) for key at `stamp`. */
void dm_answer_cache_put(dm_answer_cache *c, const char *key, const char *stamp,
                         const dm_response *r);

/* Answers q from q->answers when it holds an answer for `key` made while
 * the tables of `kinds` (n of them) were as they are now (their stamp, read
 * before anything else, so an answer is never older than its stamp); else
 * makes it with make(q, r, ctx) and keeps it. With no cache, or a stamp that
 * cannot be read, it only makes it. */
typedef void (*dm_answer_make)(const dm_request *q, dm_response *r, const void *ctx);
void dm_answer_cached(const dm_request *q, dm_response *r, const dm_kind *const *kinds, size_t n,
                      const char *key, dm_answer_make make, const void *ctx);

/* Lookups answered and not, and the bytes held, since the start. */
void dm_answer_cache_stats(dm_answer_cache *c, uint64_t *hits, uint64_t *misses, size_t *bytes);

#endif
