/* The answer cache: whole answers to item requests, kept while the data
 * they were made from is unchanged.
 *
 * An entry is found by a key the caller builds from everything the answer
 * depends on (what the role may see, the format, the host in the links, the
 * raw path and query) and is good only for the stamp of the kind it was
 * made at (dm_store_stamp: a counter the database's triggers bump on every
 * change of the kind's table, whoever makes it). The least recently used
 * entries go when the cache would hold more than its size. One mutex; the
 * work under it is a hash lookup and a copy.
 */
#include "server/answers.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

typedef struct entry {
    char *key;
    char stamp[DM_STAMP_MAX];
    const char *content_type; /* static */
    char etag[64];
    char disposition[160];
    char *body;
    size_t len;
    struct entry *hnext;       /* same bucket */
    struct entry *prev, *next; /* most recently used first */
} entry;

struct dm_answer_cache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes;
    entry *buckets[BUCKETS];
    entry *head, *tail;
    uint64_t hits, misses;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t cost(const entry *e) { return sizeof *e + strlen(e->key) + 1 + e->len; }

dm_answer_cache *dm_answer_cache_new(size_t max_bytes)
{
    if (!max_bytes)
        return NULL;
    dm_answer_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void unlink_lru(dm_answer_cache *c, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(dm_answer_cache *c, entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static entry **slot(dm_answer_cache *c, const char *key)
{
    entry **p = &c->buckets[hash(key) % BUCKETS];
    while (*p && strcmp((*p)->key, key))
        p = &(*p)->hnext;
    return p;
}

static void drop(dm_answer_cache *c, entry **p)
{
    entry *e = *p;
    *p = e->hnext;
    unlink_lru(c, e);
    c->bytes -= cost(e);
    free(e->key);
    free(e->body);
    free(e);
}

void dm_answer_cache_free(dm_answer_cache *c)
{
    if (!c)
        return;
    while (c->head)
        drop(c, slot(c, c->head->key));
    pthread_mutex_destroy(&c->lock);
    free(c);
}

bool dm_answer_cache_get(dm_answer_cache *c, const char *key, const char *stamp, dm_response *r)
{
    if (!c || !stamp[0])
        return false;
    pthread_mutex_lock(&c->lock);
    entry **p = slot(c, key);
    bool hit = *p && !strcmp((*p)->stamp, stamp);
    if (*p && !hit) /* made from data that has changed since */
        drop(c, p);
    if (hit) {
        entry *e = *p;
        unlink_lru(c, e);
        push_front(c, e);
        dm_buf_free(&r->body);
        dm_buf_init(&r->body, e->len + 1);
        dm_buf_append(&r->body, e->body, e->len);
        r->status = 200;
        r->content_type = e->content_type;
        memcpy(r->etag, e->etag, sizeof r->etag);
        memcpy(r->disposition, e->disposition, sizeof r->disposition);
        hit = !r->body.status;
    }
    hit ? c->hits++ : c->misses++;
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void dm_answer_cache_put(dm_answer_cache *c, const char *key, const char *stamp,
                         const dm_response *r)
{
    if (!c || !stamp[0] || r->status != 200 || r->body.status || !r->body.len ||
        strlen(stamp) >= DM_STAMP_MAX)
        return;
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->key = strdup(key);
    e->body = malloc(r->body.len);
    if (!e->key || !e->body) {
        free(e->key);
        free(e->body);
        free(e);
        return;
    }
    memcpy(e->body, r->body.data, r->body.len);
    e->len = r->body.len;
    memcpy(e->stamp, stamp, strlen(stamp) + 1);
    e->content_type = r->content_type;
    memcpy(e->etag, r->etag, sizeof e->etag);
    memcpy(e->disposition, r->disposition, sizeof e->disposition);
    if (cost(e) > c->max_bytes / 4) { /* one answer never takes the cache */
        free(e->key);
        free(e->body);
        free(e);
        return;
    }
    pthread_mutex_lock(&c->lock);
    entry **p = slot(c, key);
    if (*p)
        drop(c, p);
    while (c->tail && c->bytes + cost(e) > c->max_bytes)
        drop(c, slot(c, c->tail->key));
    p = slot(c, key);
    *p = e;
    push_front(c, e);
    c->bytes += cost(e);
    pthread_mutex_unlock(&c->lock);
}

void dm_answer_cache_stats(dm_answer_cache *c, uint64_t *hits, uint64_t *misses, size_t *bytes)
{
    *hits = *misses = 0;
    *bytes = 0;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}

void dm_answer_cached(const dm_request *q, dm_response *r, const dm_kind *const *kinds, size_t n,
                      const char *key, dm_answer_make make, const void *ctx)
{
    char stamp[DM_STAMP_MAX] = "";
    dm_error err;
    if (!q->answers || dm_store_stamp(q->store, kinds, n, stamp, &err)) {
        make(q, r, ctx);
    } else if (!dm_answer_cache_get(q->answers, key, stamp, r)) {
        make(q, r, ctx);
        dm_answer_cache_put(q->answers, key, stamp, r);
    }
}
