#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

void dm_strmap_init(dm_strmap *m) { memset(m, 0, sizeof *m); }

void dm_strmap_free(dm_strmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const dm_strmap *m, const char *key)
{
    size_t mask = m->nslots - 1, i = (size_t)hash(key) & mask;
    while (m->slots[i] && strcmp(m->keys[m->slots[i] - 1], key) != 0)
        i = (i + 1) & mask;
    return i;
}

long dm_strmap_find(const dm_strmap *m, const char *key)
{
    if (!m->nslots)
        return -1;
    size_t i = probe(m, key);
    return m->slots[i] ? (long)m->slots[i] - 1 : -1;
}

static dm_status grow(dm_strmap *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 64;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return DM_ENOMEM;
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    for (size_t k = 0; k < m->n; k++)
        m->slots[probe(m, m->keys[k])] = (uint32_t)(k + 1);
    return DM_OK;
}

dm_status dm_strmap_intern(dm_strmap *m, const char *key, long *index, int *added)
{
    *added = 0;
    long found = dm_strmap_find(m, key);
    if (found >= 0) {
        *index = found;
        return DM_OK;
    }
    if (m->n >= UINT32_MAX - 1)
        return DM_ENOMEM;
    if ((m->n + 1) * 2 > m->nslots && grow(m))
        return DM_ENOMEM;
    if (m->n == m->cap_keys) {
        size_t cap = m->cap_keys ? m->cap_keys * 2 : 32;
        char **keys = realloc(m->keys, cap * sizeof *keys);
        if (!keys)
            return DM_ENOMEM;
        m->keys = keys;
        m->cap_keys = cap;
    }
    char *copy = strdup(key);
    if (!copy)
        return DM_ENOMEM;
    m->keys[m->n] = copy;
    m->slots[probe(m, key)] = (uint32_t)(m->n + 1);
    *index = (long)m->n++;
    *added = 1;
    return DM_OK;
}
