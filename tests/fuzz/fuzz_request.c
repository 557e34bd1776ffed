/* fuzz_request: the server's request handling (src/server/ogcapi.c,
 * stats.c and search.c) on arbitrary paths, query strings and roles,
 * without sockets.
 *
 * Once, a database with a few hazards, releases and accidents is made. Per
 * input: the first byte picks the role and the Accept header, the rest up
 * to the first '?' is the path and what follows the query string, parsed by
 * dm_qs_parse as the server does. The top two bits of the first byte pick
 * the method: GET, or POST, PUT or PATCH with the text after the first
 * newline as a JSON body and If-Match "1" (writes go to the database, as
 * the server's do). Invariants:
 *   - the handler never answers 500 (a bad request is the client's 4xx, and
 *     nothing here can fail on the server's side);
 *   - every answer has a content type and a body, except 204 and an empty
 *     vector tile;
 *   - a problem answer (application/problem+json) carries its own status;
 *   - an anonymous caller never gets 200 for a collection outside the public
 *     subset, nor 403 (it gets 401);
 *   - no answer contains a victim's name (personal data never leaves)
 *     unless the request itself carries it or the role reads personal
 *     data.
 */
#include "server/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static dm_store *store;
static char dir[512], db[600];
static dm_authz_public pub;
static dm_server_opts opts;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_request: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void add(const dm_kind *k, const char *wkt, const char *const *kv)
{
    dm_record r;
    dm_record_init(&r, k);
    dm_error err;
    for (size_t i = 0; kv && kv[i]; i += 2)
        if (dm_record_set(&r, kv[i], kv[i + 1], &err))
            die("setting a field", err.msg);
    if (wkt) {
        GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
        GEOSWKTReader *rd = GEOSWKTReader_create_r(h);
        GEOSGeometry *g = GEOSWKTReader_read_r(h, rd, wkt);
        GEOSWKTReader_destroy_r(h, rd);
        r.geom = k->geom == DM_GEOM_POLYGON ? dm_geo_polygonal(dm_store_geo(store), g) : g;
        if (k->geom == DM_GEOM_POLYGON)
            dm_geo_destroy(dm_store_geo(store), g);
    }
    if (dm_store_insert(store, &r, "fuzz", &err))
        die("inserting", err.msg);
    dm_record_clear(&r, dm_store_geo(store));
}

static void cleanup(void)
{
    dm_store_close(store);
    dm_error ignored;
    dm_store_remove(db, &ignored);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz-request-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir))
        die("cannot make a temporary folder", dir);
    snprintf(db, sizeof db, "%s/r.gpkg", dir);
    dm_error err;
    if (dm_store_create(db, "fuzz", &store, &err) || dm_store_begin(store, &err))
        die("creating a database", err.msg);
    const char *h1[] = {"status", "SHA", "date_recorded", "2020-05-01", NULL};
    const char *h2[] = {"status", "CHA", NULL};
    add(&dm_kind_hazards, "POLYGON ((18 44, 18.1 44, 18.1 44.1, 18 44))", h1);
    add(&dm_kind_hazards, "POLYGON ((18.2 44, 18.3 44, 18.3 44.1, 18.2 44))", h2);
    const char *rel[] = {"method", "cleared", "date", "2021-01-02", NULL};
    add(&dm_kind_releases, "POLYGON ((18 44, 18.05 44, 18.05 44.05, 18 44))", rel);
    const char *acc[] = {"incident_ref", "R1", "date", "2019-03-04", NULL};
    add(&dm_kind_accidents, "POINT (18.01 44.01)", acc);
    const char *vic[] = {"accident_code", "IN-0001",      "status", "killed",
                         "name",          "Zzsecretname", NULL};
    add(&dm_kind_victims, NULL, vic);
    if (dm_store_commit(store, &err))
        die("commit", err.msg);
    dm_authz_public_default(&pub);
    opts.location = db;
    opts.max_limit = 100;
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    static const char *const accepts[] = {NULL, "text/html", "application/json", "*/*"};
    dm_request q;
    memset(&q, 0, sizeof q);
    q.role = (dm_role)(data[0] % DM_ROLE_COUNT);
    q.accept = accepts[(data[0] >> 4) % 4];
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH"};
    q.method = methods[data[0] >> 6];
    if (q.role != DM_ROLE_ANONYMOUS)
        snprintf(q.user, sizeof q.user, "fuzz-%s", dm_role_name(q.role));
    clock_gettime(CLOCK_MONOTONIC, &q.deadline);
    q.deadline.tv_sec += 60;
    q.store = store;
    q.opts = &opts;
    q.pub = &pub;
    snprintf(q.base, sizeof q.base, "http://127.0.0.1:8080");
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    if (strlen(text) != size - 1) { /* the server never sees a NUL in a URL */
        free(text);
        return 0;
    }
    if (strcmp(q.method, "GET")) {
        char *nl = strchr(text, '\n');
        q.body = nl ? nl + 1 : "";
        q.body_len = strlen(q.body);
        if (nl)
            *nl = 0;
        q.content_type = "application/json";
        q.if_match = "\"1\"";
    }
    char *query = strchr(text, '?');
    if (query)
        *query++ = 0;
    q.path = text;
    dm_qs qs;
    memset(&qs, 0, sizeof qs);
    dm_error err;
    if (query && dm_qs_parse(query, strlen(query), &qs, &err)) {
        free(text);
        return 0; /* the HTTP layer answers 400 before any handler */
    }
    q.qs = &qs;
    dm_response r = {.status = 200, .content_type = "application/json"};
    dm_buf_init(&r.body, 0);
    dm_ogcapi_handle(&q, &r);
    if (r.body.status)
        die("the body could not be built", q.path);
    if (r.status == 500 || r.status == 503)
        die("500 or 503 for a request", q.path);
    /* an empty vector tile (nothing in it) is a whole answer with no bytes */
    bool empty_tile = r.status == 200 && r.content_type &&
                      !strcmp(r.content_type, "application/vnd.mapbox-vector-tile");
    if (r.status != 204 && (!r.content_type || (!r.body.len && !empty_tile)))
        die("an answer without a type or body", q.path);
    if (!strcmp(r.content_type, "application/problem+json")) {
        char want[32];
        snprintf(want, sizeof want, "\"status\": %d,", r.status);
        if (!strstr(r.body.data, want))
            die("a problem without its status", r.body.data);
    }
    if (q.role == DM_ROLE_ANONYMOUS && r.status == 403)
        die("403 for an anonymous caller (401 expected)", q.path);
    if (q.role == DM_ROLE_ANONYMOUS && r.status == 200 &&
        (strstr(q.path, "/collections/releases") || strstr(q.path, "/collections/accidents")))
        die("a non-public collection served to an anonymous caller", q.path);
    /* (a name the request itself carries may be echoed in an error) */
    if (r.body.data && strstr(r.body.data, "Zzsecretname") && !memmem(data, size, "Zzsecret", 8) &&
        !dm_authz_matrix(q.role, DM_ACT_READ_PERSONAL))
        die("a victim's name in an answer", q.path);
    dm_buf_free(&r.body);
    dm_qs_free(&qs);
    free(text);
    return 0;
}
