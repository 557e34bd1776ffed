/* A map from strings to small integers (their index in insertion order),
 * for dictionaries of codes and names while counting many records.
 * Open addressing, FNV-1a hashing. The map owns copies of its keys;
 * dm_strmap_free() releases them. Not thread-safe.
 */
#ifndef DM_CORE_STRMAP_H
#define DM_CORE_STRMAP_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct dm_strmap {
    char **keys;     /* keys[i] is the key with index i (owned) */
    size_t n;        /* keys held */
    size_t cap_keys; /* capacity of keys[] */
    uint32_t *slots; /* index + 1, 0 = empty */
    size_t nslots;   /* a power of two, or 0 */
} dm_strmap;

/* An empty map (no allocation until the first insert). */
void dm_strmap_init(dm_strmap *m);
void dm_strmap_free(dm_strmap *m);

/* Index of key, or -1 when absent. */
long dm_strmap_find(const dm_strmap *m, const char *key);

/* Index of key, inserting a copy of it when absent (*added says which).
 * DM_ENOMEM on failure. */
dm_status dm_strmap_intern(dm_strmap *m, const char *key, long *index, int *added);

#endif
