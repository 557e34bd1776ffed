#include "analysis/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

int dm_parallel_threads(void)
{
    const char *env = getenv("DEMINE_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > 16 ? 16 : (int)n;
}

typedef struct loop {
    size_t n;
    atomic_size_t next;
    atomic_bool failed;
    dm_parallel_fn fn;
    void *ctx;
    pthread_mutex_t lock;
    dm_status st;
    dm_error err;
} loop;

typedef struct worker {
    loop *l;
    dm_geo *geo;
} worker;

static void run(loop *l, dm_geo *geo)
{
    for (;;) {
        if (atomic_load_explicit(&l->failed, memory_order_relaxed))
            return;
        size_t i = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
        if (i >= l->n)
            return;
        dm_error err;
        dm_error_clear(&err);
        dm_status st = l->fn(i, geo, l->ctx, &err);
        if (st) {
            pthread_mutex_lock(&l->lock);
            if (!l->st) {
                l->st = st;
                l->err = err;
            }
            pthread_mutex_unlock(&l->lock);
            atomic_store(&l->failed, true);
            return;
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run(w->l, w->geo);
    return NULL;
}

dm_status dm_parallel_for(size_t n, dm_geo *caller_geo, dm_parallel_fn fn, void *ctx, dm_error *err)
{
    loop l = {.n = n, .fn = fn, .ctx = ctx, .st = DM_OK};
    atomic_init(&l.next, 0);
    atomic_init(&l.failed, false);
    pthread_mutex_init(&l.lock, NULL);
    int nthreads = dm_parallel_threads();
    if ((size_t)nthreads > n)
        nthreads = n ? (int)n : 1;
    worker workers[16];
    pthread_t threads[16];
    int started = 0;
    for (int t = 1; t < nthreads; t++) {
        workers[t].l = &l;
        if (dm_geo_new(&workers[t].geo, NULL))
            break;
        if (pthread_create(&threads[t], NULL, worker_main, &workers[t])) {
            dm_geo_free(workers[t].geo);
            break;
        }
        started = t;
    }
    run(&l, caller_geo);
    for (int t = 1; t <= started; t++) {
        pthread_join(threads[t], NULL);
        dm_geo_free(workers[t].geo);
    }
    pthread_mutex_destroy(&l.lock);
    if (l.st && err)
        *err = l.err;
    return l.st;
}
