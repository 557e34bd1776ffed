/* Unit tests of the server's parts that work without sockets: the answer
 * cache (answers.c), vector tiles (mvt.c, decoded here with protobuf-c
 * and the format's own rules) and the sortby parameter (sortby.c). */
#include "harness.h"
#include "server/answers.h"
#include "server/mvt.h"
#include "server/sortby.h"

#include "vector_tile.pb-c.h"

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

/* ---- vector tiles ---- */

TEST(tile_bounds_follow_web_mercator)
{
    double bb[4];
    dm_mvt_tile_bounds(0, 0, 0, 0, bb);
    CHECK_NEAR(bb[0], -180, 1e-12);
    CHECK_NEAR(bb[2], 180, 1e-12);
    CHECK_NEAR(bb[1], -85.0511287798, 1e-9);
    CHECK_NEAR(bb[3], 85.0511287798, 1e-9);
    dm_mvt_tile_bounds(1, 1, 0, 0, bb); /* the north-east quarter */
    CHECK_NEAR(bb[0] + 1, 1, 1e-12);
    CHECK_NEAR(bb[1] + 1, 1, 1e-12);
    CHECK_NEAR(bb[2], 180, 1e-12);
    /* a margin grows the box, but never past the world's edge */
    dm_mvt_tile_bounds(1, 1, 0, 64, bb);
    CHECK(bb[0] < 0 && bb[1] < 0);
    CHECK_NEAR(bb[2], 180, 1e-12);
    CHECK_NEAR(bb[3], 85.0511287798, 1e-9);
}

/* A decoded ring: its points (tile units) and its area by the surveyor's
 * formula (y down: positive = an exterior ring for the format). */
typedef struct ring {
    long x[64], y[64];
    int n;
    double area;
} ring;

static int32_t unzig(uint32_t v) { return (int32_t)(v >> 1) ^ -(int32_t)(v & 1); }

/* Decodes a polygon feature's commands into rings; -1 when malformed. */
static int decode_rings(const VectorTile__Tile__Feature *f, ring *rings, int max)
{
    long cx = 0, cy = 0;
    int nr = 0;
    for (size_t i = 0; i < f->n_geometry;) {
        uint32_t id = f->geometry[i] & 7, count = f->geometry[i] >> 3;
        i++;
        if (id == 1 || id == 2) {
            if (id == 1) {
                if (count != 1 || nr == max)
                    return -1;
                rings[nr++].n = 0;
            }
            for (uint32_t k = 0; k < count; k++, i += 2) {
                if (i + 1 >= f->n_geometry + 1 || !nr || rings[nr - 1].n == 64)
                    return -1;
                cx += unzig(f->geometry[i]);
                cy += unzig(f->geometry[i + 1]);
                ring *r = &rings[nr - 1];
                r->x[r->n] = cx;
                r->y[r->n++] = cy;
            }
        } else if (id == 7 && count == 1 && nr) {
            ring *r = &rings[nr - 1];
            r->area = 0;
            for (int k = 0; k < r->n; k++)
                r->area +=
                    (double)r->x[k] * r->y[(k + 1) % r->n] - (double)r->x[(k + 1) % r->n] * r->y[k];
            r->area /= 2;
        } else {
            return -1;
        }
    }
    return nr;
}

/* The layer encoded and decoded again with protobuf-c (NULL when either
   fails); owned by the caller: vector_tile__tile__free_unpacked(). */
static VectorTile__Tile *encoded(dm_mvt_layer *l)
{
    dm_buf b;
    dm_buf_init(&b, 0);
    VectorTile__Tile *t = dm_mvt_layer_encode(l, &b)
                              ? vector_tile__tile__unpack(NULL, b.len, (const uint8_t *)b.data)
                              : NULL;
    dm_buf_free(&b);
    return t;
}

static const char *value_of(const VectorTile__Tile__Layer *l, const VectorTile__Tile__Feature *f,
                            const char *key)
{
    for (size_t i = 0; i + 1 < f->n_tags; i += 2)
        if (!strcmp(l->keys[f->tags[i]], key))
            return l->values[f->tags[i + 1]]->string_value;
    return NULL;
}

TEST(a_polygon_with_a_hole_is_encoded_as_the_format_says)
{
    dm_geo *geo;
    dm_error err;
    CHECK(!dm_geo_new(&geo, &err));
    GEOSContextHandle_t h = dm_geo_handle(geo);
    /* in the middle of a zoom-16 tile near Sarajevo: about 160 m x 110 m
       with a hole, wound the "wrong" way round for the format
       (counter-clockwise on the map) */
    int z = 16, x = (int)((18.401 + 180) / 360 * 65536);
    int y = (int)((1 - asinh(tan(43.8505 * M_PI / 180)) / M_PI) / 2 * 65536);
    double bb[4];
    dm_mvt_tile_bounds(z, x, y, 0, bb);
    double cx = (bb[0] + bb[2]) / 2, cy = (bb[1] + bb[3]) / 2;
    char wkt[512];
    snprintf(wkt, sizeof wkt,
             "POLYGON((%.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f),"
             "(%.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f))",
             cx - 0.001, cy - 0.0005, cx + 0.001, cy - 0.0005, cx + 0.001, cy + 0.0005, cx - 0.001,
             cy + 0.0005, cx - 0.001, cy - 0.0005, cx - 0.0004, cy - 0.0002, cx - 0.0004,
             cy + 0.0002, cx + 0.0004, cy + 0.0002, cx + 0.0004, cy - 0.0002, cx - 0.0004,
             cy - 0.0002);
    GEOSWKTReader *rd = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, rd, wkt);
    snprintf(wkt, sizeof wkt, "POLYGON((%.7f %.7f, %.7f %.7f, %.7f %.7f, %.7f %.7f))", cx,
             cy + 0.0008, cx + 0.00001, cy + 0.0008, cx + 0.00001, cy + 0.00081, cx, cy + 0.0008);
    GEOSGeometry *tiny = GEOSWKTReader_read_r(h, rd, wkt);
    GEOSGeometry *far = GEOSWKTReader_read_r(h, rd, "POINT(20 45)");
    GEOSWKTReader_destroy_r(h, rd);
    CHECK(g && tiny && far);
    dm_mvt_layer *l = dm_mvt_layer_new(h, "hazards", z, x, y);
    dm_mvt_prop p1[] = {{.key = "code", .s = "HA-1"},
                        {.key = "status", .s = "SHA"},
                        {.key = "area_m2", .type = DM_MVT_DOUBLE, .d = 17600.5},
                        {.key = "rows", .type = DM_MVT_INT, .i = -3},
                        {.key = "marked", .type = DM_MVT_BOOL, .b = true}};
    dm_mvt_prop p2[] = {
        {.key = "code", .s = "HA-2"}, {.key = "status", .s = "SHA"}, {.key = "note", .s = NULL}};
    dm_mvt_prop p3[] = {{.key = "code", .s = "HA-3"}};
    CHECK(dm_mvt_layer_add(l, g, p1, 5));
    CHECK(dm_mvt_layer_add(l, tiny, p2, 3));
    CHECK(dm_mvt_layer_add(l, far, p3, 1));
    CHECK_EQ_INT(dm_mvt_layer_count(l), 2); /* the far point is in another tile */
    VectorTile__Tile *t = encoded(l);
    CHECK(t != NULL);
    if (t) {
        CHECK_EQ_INT(t->n_layers, 1);
        const VectorTile__Tile__Layer *ly = t->layers[0];
        CHECK_STR(ly->name, "hazards");
        CHECK_EQ_INT(ly->version, 2);
        CHECK_EQ_INT(ly->extent, 4096);
        CHECK_EQ_INT(ly->n_features, 2);
        /* keys and values once each: "SHA" is shared, the empty note left out */
        CHECK_EQ_INT(ly->n_keys, 5);
        CHECK_EQ_INT(ly->n_values, 6);
        const VectorTile__Tile__Feature *f = ly->features[0];
        CHECK_EQ_INT(f->type, VECTOR_TILE__TILE__GEOM_TYPE__POLYGON);
        CHECK_STR(value_of(ly, f, "code"), "HA-1");
        CHECK_STR(value_of(ly, f, "status"), "SHA");
        bool typed = false;
        for (size_t i = 0; i + 1 < f->n_tags; i += 2) {
            const VectorTile__Tile__Value *v = ly->values[f->tags[i + 1]];
            const char *k = ly->keys[f->tags[i]];
            if (!strcmp(k, "area_m2"))
                typed = v->has_double_value && v->double_value == 17600.5;
            if (!strcmp(k, "rows"))
                typed = typed && v->has_sint_value && v->sint_value == -3;
            if (!strcmp(k, "marked"))
                typed = typed && v->has_bool_value && v->bool_value;
        }
        CHECK(typed);
        ring rings[4];
        int nr = decode_rings(f, rings, 4);
        CHECK_EQ_INT(nr, 2);
        if (nr == 2) {
            CHECK(rings[0].area > 0); /* exterior: positive */
            CHECK(rings[1].area < 0); /* hole: negative */
            /* the exterior: 0.002 degrees wide at zoom 16, in tile units */
            long minx = rings[0].x[0], maxx = minx;
            for (int k = 0; k < rings[0].n; k++) {
                CHECK(rings[0].x[k] % 4 == 0 && rings[0].y[k] % 4 == 0); /* on the grid */
                minx = rings[0].x[k] < minx ? rings[0].x[k] : minx;
                maxx = rings[0].x[k] > maxx ? rings[0].x[k] : maxx;
            }
            CHECK_NEAR((double)(maxx - minx), 0.002 / 360 * 65536 * 4096, 0.01);
            CHECK_EQ_INT(rings[0].n, 4); /* closed by ClosePath, not repeated */
        }
        /* a polygon smaller than DM_MVT_DOT (three pixels) is a point on it */
        const VectorTile__Tile__Feature *f2 = ly->features[1];
        CHECK_EQ_INT(f2->type, VECTOR_TILE__TILE__GEOM_TYPE__POINT);
        CHECK_EQ_INT(f2->n_geometry, 3);
        CHECK_STR(value_of(ly, f2, "code"), "HA-2");
        CHECK(value_of(ly, f2, "note") == NULL);
        vector_tile__tile__free_unpacked(t, NULL);
    }
    dm_mvt_layer_free(l);
    /* a layer with nothing in it is an empty tile */
    l = dm_mvt_layer_new(h, "hazards", 3, 0, 0);
    dm_buf b;
    dm_buf_init(&b, 0);
    CHECK(dm_mvt_layer_add(l, g, p1, 1));
    CHECK(dm_mvt_layer_encode(l, &b));
    CHECK_EQ_INT(b.len, 0);
    dm_buf_free(&b);
    dm_mvt_layer_free(l);
    GEOSGeom_destroy_r(h, g);
    GEOSGeom_destroy_r(h, tiny);
    GEOSGeom_destroy_r(h, far);
    dm_geo_free(geo);
}

/* A square 3 tile units across with its corner at (ux, uy), tile units of
   the tile with bounds bb (small enough that degrees are linear in it). */
static GEOSGeometry *tiny_square(GEOSContextHandle_t h, const double bb[4], double ux, double uy)
{
    double w = (bb[2] - bb[0]) / 4096, d = (bb[3] - bb[1]) / 4096;
    double x0 = bb[0] + ux * w, y0 = bb[3] - uy * d, x1 = x0 + 3 * w, y1 = y0 - 3 * d;
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 5, 2);
    double xy[5][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
    for (unsigned i = 0; i < 5; i++)
        GEOSCoordSeq_setXY_r(h, cs, i, xy[i][0], xy[i][1]);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
}

TEST(small_areas_in_one_place_are_one_dot_listing_their_codes)
{
    dm_geo *geo;
    dm_error err;
    CHECK(!dm_geo_new(&geo, &err));
    GEOSContextHandle_t h = dm_geo_handle(geo);
    int z = 16, x = 36118, y = 23744;
    double bb[4];
    dm_mvt_tile_bounds(z, x, y, 0, bb);
    /* cells of DM_MVT_DOT (24) units start at -64: 2048..2071 is one; 2100
       another */
    GEOSGeometry *g[5] = {tiny_square(h, bb, 2050, 2050), tiny_square(h, bb, 2056, 2054),
                          tiny_square(h, bb, 2052, 2058), tiny_square(h, bb, 2100, 2050), NULL};
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, (bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2);
    g[4] = GEOSGeom_createPointFromXY_r(h, (bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2);
    dm_mvt_layer *l = dm_mvt_layer_new(h, "hazards", z, x, y);
    CHECK(dm_mvt_layer_merge_dots(l, "code", "codes"));
    const char *codes[] = {"HA-1", "HA-\"2\"", "HA-3", "HA-4", "HA-5", "EO-6"};
    const char *status[] = {"SHA", "SHA", "CHA", "SHA", "SHA", "SHA"};
    for (int i = 0; i < 6; i++) {
        dm_mvt_prop p[] = {{.key = "code", .s = codes[i]}, {.key = "status", .s = status[i]}};
        /* HA-5 and EO-6: points given as points, never merged */
        CHECK(dm_mvt_layer_add(l, i < 4 ? g[i] : i == 4 ? g[4] : pt, p, 2));
    }
    /* HA-1 and HA-"2" are one dot; HA-3 has another status, HA-4 another
       cell */
    CHECK_EQ_INT(dm_mvt_layer_count(l), 5);
    VectorTile__Tile *t = encoded(l);
    CHECK(t != NULL);
    if (t) {
        const VectorTile__Tile__Layer *ly = t->layers[0];
        CHECK_EQ_INT(ly->n_features, 5);
        CHECK_STR(value_of(ly, ly->features[0], "code"), "HA-1");
        CHECK_STR(value_of(ly, ly->features[0], "codes"), "[\"HA-1\",\"HA-\\\"2\\\"\"]");
        CHECK_EQ_INT(ly->features[0]->type, VECTOR_TILE__TILE__GEOM_TYPE__POINT);
        for (size_t i = 1; i < ly->n_features; i++)
            CHECK(value_of(ly, ly->features[i], "codes") == NULL);
        CHECK_STR(value_of(ly, ly->features[1], "code"), "HA-3");
        CHECK_STR(value_of(ly, ly->features[2], "code"), "HA-4");
        CHECK_STR(value_of(ly, ly->features[4], "code"), "EO-6");
        vector_tile__tile__free_unpacked(t, NULL);
    }
    dm_mvt_layer_free(l);
    /* without dm_mvt_layer_merge_dots every record is its own feature */
    l = dm_mvt_layer_new(h, "hazards", z, x, y);
    for (int i = 0; i < 2; i++) {
        dm_mvt_prop p[] = {{.key = "code", .s = codes[i]}, {.key = "status", .s = status[i]}};
        CHECK(dm_mvt_layer_add(l, g[i], p, 2));
    }
    CHECK_EQ_INT(dm_mvt_layer_count(l), 2);
    dm_mvt_layer_free(l);
    for (int i = 0; i < 5; i++)
        GEOSGeom_destroy_r(h, g[i]);
    GEOSGeom_destroy_r(h, pt);
    dm_geo_free(geo);
}

static const char *const sort_names[] = {"code", "date", "status", "area_m2"};

TEST(sortby_reads_keys_and_directions)
{
    dm_sortby s;
    dm_error err;
    CHECK(!dm_sortby_parse("+date,-code", sort_names, 4, &s, &err));
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.key[0], 1);
    CHECK(!s.desc[0]);
    CHECK_EQ_INT(s.key[1], 0);
    CHECK(s.desc[1]);
    /* no sign is ascending; a space is a '+' a query string decoded */
    CHECK(!dm_sortby_parse("status, area_m2,-date", sort_names, 4, &s, &err));
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.key[0], 2);
    CHECK(!s.desc[0] && !s.desc[1] && s.desc[2]);
    CHECK_EQ_INT(s.key[1], 3);
}

TEST(sortby_refuses_bad_keys_saying_which)
{
    dm_sortby s = {.n = 77};
    dm_error err;
    CHECK_EQ_INT(dm_sortby_parse("date,,code", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "key 2 is empty"));
    CHECK_EQ_INT(dm_sortby_parse("-", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_sortby_parse("", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_sortby_parse("date,", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_sortby_parse("+name", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "key 1 (name) is not a property to sort on"));
    CHECK(strstr(err.msg, "code, date, status, area_m2"));
    /* a prefix of a name is not the name */
    CHECK_EQ_INT(dm_sortby_parse("dat", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_sortby_parse("date,-date", sort_names, 4, &s, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "date is given more than once"));
    CHECK_EQ_INT(dm_sortby_parse("--date", sort_names, 4, &s, &err), DM_EINVAL);
    /* nothing written on failure */
    CHECK_EQ_INT(s.n, 77);
    const char *many[DM_SORTBY_MAX + 1] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    CHECK(!dm_sortby_parse("a,b,c,d,e,f,g,h", many, DM_SORTBY_MAX + 1, &s, &err));
    CHECK_EQ_INT(s.n, DM_SORTBY_MAX);
    CHECK_EQ_INT(dm_sortby_parse("a,b,c,d,e,f,g,h,i", many, DM_SORTBY_MAX + 1, &s, &err),
                 DM_EINVAL);
    CHECK(strstr(err.msg, "at most 8 keys"));
    char long_text[DM_SORTBY_MAX_LEN + 2];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    CHECK_EQ_INT(dm_sortby_parse(long_text, many, 1, &s, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "too long"));
}

RUN(T(an_answer_is_kept_for_its_key_and_stamp_only), T(only_whole_200_answers_are_kept),
    T(the_least_recently_used_go_when_full), T(tile_bounds_follow_web_mercator),
    T(a_polygon_with_a_hole_is_encoded_as_the_format_says),
    T(small_areas_in_one_place_are_one_dot_listing_their_codes),
    T(sortby_reads_keys_and_directions), T(sortby_refuses_bad_keys_saying_which))
