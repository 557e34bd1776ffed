/* Unit tests of the server's parts that work without sockets: the answer
 * cache (answers.c). */
#include "harness.h"
#include "server/answers.h"

static dm_response answer(int status, const char *body)
{
    dm_response r = {.status = status, .content_type = "application/geo+json"};
    dm_buf_init(&r.body, 0);
    dm_buf_puts(&r.body, body);
    snprintf(r.etag, sizeof r.etag, "\"7\"");
    return r;
}

static bool get(dm_answer_cache *c, const char *key, const char *stamp, char *out, size_t n)
{
    dm_response r = {.status = 0};
    dm_buf_init(&r.body, 0);
    bool hit = dm_answer_cache_get(c, key, stamp, &r);
    snprintf(out, n, "%.*s", (int)r.body.len, r.body.data ? r.body.data : "");
    if (hit && (r.status != 200 || strcmp(r.content_type, "application/geo+json") ||
                strcmp(r.etag, "\"7\"")))
        snprintf(out, n, "wrong status, type or ETag");
    dm_buf_free(&r.body);
    return hit;
}

TEST(an_answer_is_kept_for_its_key_and_stamp_only)
{
    dm_answer_cache *c = dm_answer_cache_new(1 << 20);
    CHECK(c != NULL);
    dm_response r = answer(200, "{\"features\": []}");
    dm_answer_cache_put(c, "-- http://h /collections/hazards/items", "hazards:3", &r);
    char got[64];
    CHECK(get(c, "-- http://h /collections/hazards/items", "hazards:3", got, sizeof got));
    CHECK_STR(got, "{\"features\": []}");
    /* another role class, host or query is another answer */
    CHECK(!get(c, "P- http://h /collections/hazards/items", "hazards:3", got, sizeof got));
    CHECK(!get(c, "-- http://h /collections/hazards/items?limit=1", "hazards:3", got, sizeof got));
    /* the data changed: the answer is dropped, even for the old stamp */
    CHECK(!get(c, "-- http://h /collections/hazards/items", "hazards:4", got, sizeof got));
    CHECK(!get(c, "-- http://h /collections/hazards/items", "hazards:3", got, sizeof got));
    /* no stamp (an old database): never kept */
    dm_answer_cache_put(c, "k", "", &r);
    CHECK(!get(c, "k", "", got, sizeof got));
    uint64_t hits, misses;
    size_t bytes;
    dm_answer_cache_stats(c, &hits, &misses, &bytes);
    CHECK_EQ_INT(hits, 1);
    CHECK_EQ_INT(bytes, 0);
    dm_buf_free(&r.body);
    dm_answer_cache_free(c);
}

TEST(only_whole_200_answers_are_kept)
{
    dm_answer_cache *c = dm_answer_cache_new(1 << 20);
    dm_response bad = answer(400, "{\"status\": 400}");
    dm_answer_cache_put(c, "k", "s:1", &bad);
    char got[64];
    CHECK(!get(c, "k", "s:1", got, sizeof got));
    dm_buf_free(&bad.body);
    dm_answer_cache_free(c);
    /* size 0: no cache, and every call does nothing */
    CHECK(dm_answer_cache_new(0) == NULL);
    dm_response ok = answer(200, "x");
    dm_answer_cache_put(NULL, "k", "s:1", &ok);
    CHECK(!get(NULL, "k", "s:1", got, sizeof got));
    dm_answer_cache_free(NULL);
    dm_buf_free(&ok.body);
}

TEST(the_least_recently_used_go_when_full)
{
    /* room for four answers of 2,000 bytes (with their keys and
       bookkeeping), not five */
    dm_answer_cache *c = dm_answer_cache_new(10000);
    char body[2001];
    memset(body, 'a', 2000);
    body[2000] = 0;
    dm_response r = answer(200, body);
    dm_answer_cache_put(c, "one", "s:1", &r);
    dm_answer_cache_put(c, "two", "s:1", &r);
    dm_answer_cache_put(c, "three", "s:1", &r);
    dm_answer_cache_put(c, "four", "s:1", &r);
    char got[2100];
    CHECK(get(c, "one", "s:1", got, sizeof got)); /* "two" is now the oldest */
    dm_answer_cache_put(c, "five", "s:1", &r);
    CHECK(!get(c, "two", "s:1", got, sizeof got));
    CHECK(get(c, "one", "s:1", got, sizeof got));
    CHECK(get(c, "three", "s:1", got, sizeof got));
    CHECK(get(c, "five", "s:1", got, sizeof got));
    CHECK_EQ_INT(strlen(got), 2000);
    size_t bytes;
    uint64_t hits, misses;
    dm_answer_cache_stats(c, &hits, &misses, &bytes);
    CHECK(bytes <= 10000);
    /* an answer bigger than a quarter of the cache is not kept */
    char big[2501];
    memset(big, 'b', 2500);
    big[2500] = 0;
    dm_response rb = answer(200, big);
    dm_answer_cache_put(c, "big", "s:1", &rb);
    CHECK(!get(c, "big", "s:1", got, sizeof got));
    dm_buf_free(&r.body);
    dm_buf_free(&rb.body);
    dm_answer_cache_free(c);
}

RUN(T(an_answer_is_kept_for_its_key_and_stamp_only), T(only_whole_200_answers_are_kept),
    T(the_least_recently_used_go_when_full))
