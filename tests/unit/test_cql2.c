/* CQL2 text filters (src/server/cql2.h) and query strings (src/server/qs.h). */
#include "harness.h"
#include "server/cql2.h"
#include "server/qs.h"

static dm_geo *g_geo;

static dm_geo *geo(void)
{
    if (!g_geo) {
        dm_error err;
        if (dm_geo_new(&g_geo, &err)) {
            fprintf(stderr, "geo: %s\n", err.msg);
            exit(1);
        }
    }
    return g_geo;
}

static GEOSGeometry *wkt(const char *text)
{
    GEOSContextHandle_t h = dm_geo_handle(geo());
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    return g;
}

/* Sets "name=value" pairs (NULL-terminated list) on a new record. */
static void make(dm_record *rec, const dm_kind *kind, const char *code, const char *state,
                 long version, const char *geom, const char *const *kv)
{
    dm_record_init(rec, kind);
    snprintf(rec->code, sizeof rec->code, "%s", code);
    snprintf(rec->state, sizeof rec->state, "%s", state);
    rec->version = version;
    rec->geom = geom ? wkt(geom) : NULL;
    for (size_t i = 0; kv && kv[i]; i += 2) {
        dm_error err;
        if (dm_record_set(rec, kv[i], kv[i + 1], &err))
            fprintf(stderr, "make %s: %s\n", code, err.msg);
    }
}

static bool quiet; /* a failure is expected: print nothing */

/* 1 when filter matches rec, 0 when not, -1 when it does not parse or
 * evaluate (message printed unless quiet). */
static int match(const char *filter, const dm_record *rec)
{
    dm_cql2 *f = NULL;
    dm_error err;
    if (dm_cql2_parse(filter, rec->kind, geo(), &f, &err)) {
        if (!quiet)
            fprintf(stderr, "  parse \"%s\": %s\n", filter, err.msg);
        return -1;
    }
    bool m = false;
    dm_status st = dm_cql2_eval(f, rec, geo(), &m, &err);
    dm_cql2_free(f);
    if (st) {
        fprintf(stderr, "  eval \"%s\": %s\n", filter, err.msg);
        return -1;
    }
    return m;
}

typedef struct row {
    const char *filter;
    int want[3]; /* per record */
} row;

static void check_table(const row *rows, size_t n, dm_record *recs, size_t nrecs)
{
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < nrecs; r++) {
            quiet = rows[i].want[r] < 0;
            int got = match(rows[i].filter, &recs[r]);
            quiet = false;
            if (got != rows[i].want[r]) {
                fprintf(stderr, "  \"%s\" on %s: got %d, expected %d\n", rows[i].filter,
                        recs[r].code, got, rows[i].want[r]);
                t_failed_checks++;
            }
        }
}

static void clear(dm_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dm_record_clear(&recs[i], geo());
}

/* HA-0001: Alpha, SHA, 2020-05-01, NPA, box 0..1, approved v1
 * HA-0002: Beta, CHA, no date, no organisation, box 10..11, draft v3
 * HA-0003: O'Brien, SHA (alias), 2021-01-15, closed, no geometry, submitted v2 */
static void hazards(dm_record h[3])
{
    make(&h[0], &dm_kind_hazards, "HA-0001", "approved", 1, "POLYGON((0 0,1 0,1 1,0 1,0 0))",
         (const char *[]){"name", "Alpha", "status", "SHA", "date_recorded", "2020-05-01",
                          "organisation", "NPA", NULL});
    make(&h[1], &dm_kind_hazards, "HA-0002", "draft", 3, "POLYGON((10 10,11 10,11 11,10 11,10 10))",
         (const char *[]){"name", "Beta", "status", "CHA", NULL});
    make(&h[2], &dm_kind_hazards, "HA-0003", "submitted", 2, NULL,
         (const char *[]){"name", "O'Brien", "status", "suspected", "date_recorded", "15.01.2021",
                          "lifecycle", "closed", NULL});
}

TEST(comparisons_on_text_enum_and_queryables)
{
    dm_record h[3];
    hazards(h);
    static const row rows[] = {
        {"name = 'Alpha'", {1, 0, 0}},
        {"name <> 'Alpha'", {0, 1, 1}},
        {"name < 'B'", {1, 0, 0}},
        {"name >= 'Beta'", {0, 1, 1}},
        {"name = 'O''Brien'", {0, 0, 1}},
        {"'Alpha' = name", {1, 0, 0}},
        {"'B' > name", {1, 0, 0}},
        {"\"name\" = 'Beta'", {0, 1, 0}},
        {"name = 'alpha'", {0, 0, 0}},
        {"status = 'SHA'", {1, 0, 1}},
        {"status = 'suspected'", {1, 0, 1}},
        {"status = 'cha'", {0, 1, 0}},
        {"status <> 'CHA'", {1, 0, 1}},
        {"lifecycle = 'closed'", {0, 0, 1}},
        {"code = 'HA-0002'", {0, 1, 0}},
        {"code > 'HA-0001'", {0, 1, 1}},
        {"state = 'approved'", {1, 0, 0}},
        {"state <> 'approved'", {0, 1, 1}},
        {"version = 3", {0, 1, 0}},
        {"version >= 2", {0, 1, 1}},
        {"version < 2.5", {1, 0, 1}},
        {"2 < version", {0, 1, 0}},
        {"version <= 1e0", {1, 0, 0}},
        {"TRUE", {1, 1, 1}},
        {"FALSE", {0, 0, 0}},
        {"true and not false", {1, 1, 1}},
        {"NaMe = 'Alpha'", {-1, -1, -1}}, /* property names are case-sensitive */
        {"name = 'Alpha' aNd status = 'SHA'", {1, 0, 0}},
        {"name = 'Alpha' Or NoT status = 'SHA'", {1, 1, 0}},
    };
    check_table(rows, sizeof rows / sizeof rows[0], h, 3);
    clear(h, 3);
}

TEST(not_binds_tighter_than_and_and_and_tighter_than_or)
{
    dm_record h[3];
    hazards(h);
    static const row rows[] = {
        /* OR(SHA, AND(CHA, Alpha)); (SHA OR CHA) AND Alpha would miss HA-0003 */
        {"status = 'SHA' OR status = 'CHA' AND name = 'Alpha'", {1, 0, 1}},
        {"(status = 'SHA' OR status = 'CHA') AND name = 'Alpha'", {1, 0, 0}},
        {"name = 'Alpha' AND status = 'CHA' OR name = 'Beta'", {0, 1, 0}},
        {"name = 'Alpha' AND (status = 'CHA' OR name = 'Beta')", {0, 0, 0}},
        /* AND(NOT SHA, Beta); NOT (SHA AND Beta) would take HA-0001 */
        {"NOT status = 'SHA' AND name = 'Beta'", {0, 1, 0}},
        {"NOT (status = 'SHA' AND name = 'Beta')", {1, 1, 1}},
        {"NOT status = 'SHA' OR name = 'Alpha'", {1, 1, 0}},
        {"NOT NOT name = 'Alpha'", {1, 0, 0}},
        {"NOT (NOT (name = 'Alpha'))", {1, 0, 0}},
        {"((((name = 'Beta'))))", {0, 1, 0}},
        {"name = 'Alpha' OR name = 'Beta' OR name = 'O''Brien'", {1, 1, 1}},
        {"version > 0 AND version < 3 AND status = 'SHA' AND NOT name = 'Alpha'", {0, 0, 1}},
        {"FALSE OR TRUE AND FALSE", {0, 0, 0}},
        {"TRUE OR TRUE AND FALSE", {1, 1, 1}},
        {"NOT FALSE AND FALSE", {0, 0, 0}},
    };
    check_table(rows, sizeof rows / sizeof rows[0], h, 3);
    clear(h, 3);
}

TEST(null_is_unknown_and_unknown_does_not_match)
{
    dm_record h[3];
    hazards(h);
    static const row rows[] = {
        /* HA-0002 has no date and no organisation */
        {"date_recorded > DATE('2000-01-01')", {1, 0, 1}},
        {"NOT date_recorded > DATE('2000-01-01')", {0, 0, 0}},
        {"date_recorded <= DATE('2000-01-01')", {0, 0, 0}},
        {"organisation <> 'NPA'", {0, 0, 0}},
        {"organisation = 'NPA'", {1, 0, 0}},
        {"NOT organisation = 'NPA'", {0, 0, 0}},
        /* unknown OR true = true; unknown AND true = unknown; unknown AND false = false */
        {"date_recorded > DATE('2000-01-01') OR status = 'CHA'", {1, 1, 1}},
        {"date_recorded > DATE('2000-01-01') AND status = 'CHA'", {0, 0, 0}},
        {"NOT (date_recorded > DATE('2000-01-01') AND status = 'CHA')", {1, 0, 1}},
        {"NOT (date_recorded > DATE('2000-01-01') AND status = 'SHA')", {0, 1, 0}},
        {"NOT (date_recorded > DATE('2000-01-01') OR status = 'SHA')", {0, 0, 0}},
        {"organisation IS NULL", {0, 1, 1}},
        {"organisation IS NOT NULL", {1, 0, 0}},
        {"NOT organisation IS NULL", {1, 0, 0}},
        {"date_recorded is null or date_recorded < DATE('2021-01-01')", {1, 1, 0}},
        {"geometry IS NULL", {0, 0, 1}},
        {"geometry IS NOT NULL", {1, 1, 0}},
        {"code IS NULL", {0, 0, 0}},
        {"state IS NOT NULL", {1, 1, 1}},
        {"version IS NULL", {0, 0, 0}},
        /* no geometry: S_INTERSECTS is unknown, and so is its negation */
        {"S_INTERSECTS(geometry, BBOX(-180, -90, 180, 90))", {1, 1, 0}},
        {"NOT S_INTERSECTS(geometry, BBOX(-180, -90, 180, 90))", {0, 0, 0}},
    };
    check_table(rows, sizeof rows / sizeof rows[0], h, 3);
    clear(h, 3);
}

TEST(dates_as_date_timestamp_and_strings)
{
    dm_record h[3];
    hazards(h);
    static const row rows[] = {
        {"date_recorded = DATE('2020-05-01')", {1, 0, 0}},
        {"date_recorded = date('2020-05-01')", {1, 0, 0}},
        {"date_recorded <> DATE('2020-05-01')", {0, 0, 1}},
        {"date_recorded < DATE('2021-01-15')", {1, 0, 0}},
        {"date_recorded <= DATE('2021-01-15')", {1, 0, 1}},
        {"date_recorded >= DATE('2020-05-02')", {0, 0, 1}},
        {"DATE('2021-01-01') < date_recorded", {0, 0, 1}},
        {"date_recorded = '2020-05-01'", {1, 0, 0}},
        {"date_recorded = '01.05.2020'", {1, 0, 0}},
        {"date_recorded > '2020-12-31'", {0, 0, 1}},
        /* a date is the instant 00:00:00Z of its day */
        {"date_recorded = TIMESTAMP('2020-05-01T00:00:00Z')", {1, 0, 0}},
        {"date_recorded < TIMESTAMP('2020-05-01T00:00:00.001Z')", {1, 0, 0}},
        {"date_recorded > TIMESTAMP('2020-04-30T23:59:59.5Z')", {1, 0, 1}},
        {"date_recorded >= TIMESTAMP('2020-05-01T12:00:00Z')", {0, 0, 1}},
        {"date_recorded = timestamp('2021-01-15t00:00:00z')", {0, 0, 1}},
        {"date_recorded > DATE('2020-02-29') AND date_recorded < DATE('2020-12-31')", {1, 0, 0}},
    };
    check_table(rows, sizeof rows / sizeof rows[0], h, 3);
    clear(h, 3);
}

TEST(fields_called_like_keywords_need_no_quotes)
{
    dm_record r[3];
    make(&r[0], &dm_kind_releases, "LR-0001", "approved", 1, "POLYGON((0 0,1 0,1 1,0 1,0 0))",
         (const char *[]){"method", "cleared", "date", "2019-07-01", "depth_m", "0.3", NULL});
    make(&r[1], &dm_kind_releases, "LR-0002", "approved", 1, "POLYGON((0 0,1 0,1 1,0 1,0 0))",
         (const char *[]){"method", "NTS", "date", "2022-03-04", NULL});
    make(&r[2], &dm_kind_releases, "LR-0003", "approved", 1, "POLYGON((0 0,1 0,1 1,0 1,0 0))",
         (const char *[]){"method", "TS", "depth_m", "12", NULL});
    static const row rows[] = {
        {"date < DATE('2020-01-01')", {1, 0, 0}},
        {"\"date\" >= DATE('2020-01-01')", {0, 1, 0}},
        {"DATE('2020-01-01') <= date", {0, 1, 0}},
        {"date IS NULL", {0, 0, 1}},
        {"method = 'clearance'", {1, 0, 0}},
        {"method = 'cancelled' OR method = 'reduced'", {0, 1, 1}},
        {"depth_m > 0.25", {1, 0, 1}},
        {"depth_m >= 12", {0, 0, 1}},
        {"depth_m = 12.0", {0, 0, 1}},
        {"depth_m < -1", {0, 0, 0}},
        {"depth_m > +0.2 AND depth_m < .5", {1, 0, 0}},
        {"depth_m <> 1.2E1", {1, 0, 0}},
    };
    check_table(rows, sizeof rows / sizeof rows[0], r, 3);
    clear(r, 3);
}

TEST(enums_ints_and_booleans)
{
    dm_record v[3];
    make(&v[0], &dm_kind_victims, "VI-0001", "approved", 1, NULL,
         (const char *[]){"sex", "female", "age", "30", "status", "k", "name", "Ana", NULL});
    make(&v[1], &dm_kind_victims, "VI-0002", "approved", 1, NULL,
         (const char *[]){"sex", "m", "age", "9", "age_group", "child", "group", "civilian", NULL});
    make(&v[2], &dm_kind_victims, "VI-0003", "approved", 1, NULL,
         (const char *[]){"sex", "unknown", NULL});
    static const row rows[] = {
        {"sex = 'f'", {1, 0, 0}},
        {"sex = 'Woman'", {1, 0, 0}},
        {"sex <> 'f'", {0, 1, 1}},
        {"status = 'killed'", {1, 0, 0}},
        {"status = 'injured'", {0, 0, 0}},
        {"status IS NULL", {0, 1, 1}},
        {"age = 30", {1, 0, 0}},
        {"age = 30.0", {1, 0, 0}},
        {"age = 3e1", {1, 0, 0}},
        {"age < 18", {0, 1, 0}},
        {"age < 9.5", {0, 1, 0}},
        {"age > 9.5 OR age_group = 'child'", {1, 1, 0}},
        {"\"group\" = 'civilian'", {0, 1, 0}},
        {"group = 'civilian'", {0, 1, 0}},
        {"name = 'Ana'", {1, 0, 0}},
    };
    check_table(rows, sizeof rows / sizeof rows[0], v, 3);

    dm_record a[3];
    make(&a[0], &dm_kind_accidents, "IN-0001", "approved", 1, "POINT(18.4 43.9)",
         (const char *[]){"demining", "yes", "device_category", "AP mine", NULL});
    make(&a[1], &dm_kind_accidents, "IN-0002", "approved", 1, "POINT(17 44)",
         (const char *[]){"demining", "0", "device_category", "ATM", NULL});
    make(&a[2], &dm_kind_accidents, "IN-0003", "approved", 1, "POINT(16 45)", NULL);
    static const row acc[] = {
        {"demining = TRUE", {1, 0, 0}},        {"demining = false", {0, 1, 0}},
        {"demining <> TRUE", {0, 1, 0}},       {"TRUE = demining", {1, 0, 0}},
        {"NOT demining = TRUE", {0, 1, 0}},    {"demining IS NULL", {0, 0, 1}},
        {"device_category = 'AP'", {1, 0, 0}}, {"device_category = 'antitank'", {0, 1, 0}},
    };
    check_table(acc, sizeof acc / sizeof acc[0], a, 3);

    /* personal data: the caller learns that the filter reads it */
    dm_cql2 *f = NULL;
    CHECK(dm_cql2_parse("age > 3 AND name IS NOT NULL", &dm_kind_victims, geo(), &f, NULL) ==
          DM_OK);
    CHECK(f && dm_cql2_uses_personal(f));
    dm_cql2_free(f);
    CHECK(dm_cql2_parse("age > 3 OR NOT sex = 'f'", &dm_kind_victims, geo(), &f, NULL) == DM_OK);
    CHECK(f && !dm_cql2_uses_personal(f));
    CHECK(f && dm_cql2_kind(f) == &dm_kind_victims);
    /* a record of another kind is refused */
    bool m = true;
    dm_error err;
    CHECK(dm_cql2_eval(f, &a[0], geo(), &m, &err) == DM_EINVAL && !m);
    CHECK_STR(err.msg, "a filter on victims cannot be applied to accidents");
    dm_cql2_free(f);
    clear(v, 3);
    clear(a, 3);
}

TEST(s_intersects_with_points_polygons_and_bbox)
{
    /* EO items: points */
    dm_record e[3];
    make(&e[0], &dm_kind_eo_items, "EO-0001", "approved", 1, "POINT(0.5 0.5)",
         (const char *[]){"category", "UXO", NULL});
    make(&e[1], &dm_kind_eo_items, "EO-0002", "approved", 1, "POINT(2 2)",
         (const char *[]){"category", "AP", NULL});
    make(&e[2], &dm_kind_eo_items, "EO-0003", "approved", 1, "POINT(179.5 10)",
         (const char *[]){"category", "AP", NULL});
    static const row pts[] = {
        {"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1, 0 0)))", {1, 0, 0}},
        {"S_INTERSECTS(POLYGON((0 0, 1 0, 1 1, 0 1, 0 0)), geometry)", {1, 0, 0}},
        {"s_intersects(\"geometry\", polygon((0 0, 3 0, 3 3, 0 3, 0 0)))", {1, 1, 0}},
        /* a hole around the first point */
        {"S_INTERSECTS(geometry, POLYGON((0 0,3 0,3 3,0 3,0 0),(0.4 0.4,0.6 0.4,0.6 0.6,0.4 "
         "0.6,0.4 0.4)))",
         {0, 1, 0}},
        {"S_INTERSECTS(geometry, POINT(2 2))", {0, 1, 0}},
        {"S_INTERSECTS(geometry, POINT Z(2 2 100))", {0, 1, 0}},
        {"S_INTERSECTS(geometry, POINT(2 2 100))", {0, 1, 0}},
        {"S_INTERSECTS(geometry, MULTIPOINT((2 2), (0.5 0.5)))", {1, 1, 0}},
        {"S_INTERSECTS(geometry, MULTIPOINT(2 2, 0.5 0.5))", {1, 1, 0}},
        {"S_INTERSECTS(geometry, LINESTRING(0 0, 1 1))", {1, 0, 0}},
        {"S_INTERSECTS(geometry, MULTILINESTRING((0 0, 1 1), (2 0, 2 4)))", {1, 1, 0}},
        {"S_INTERSECTS(geometry, MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((1.5 1.5,2.5 1.5,2.5 "
         "2.5,1.5 2.5,1.5 1.5))))",
         {1, 1, 0}},
        {"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(2 2), LINESTRING(179 10, 180 10)))",
         {0, 1, 1}},
        {"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(0.5 0.5))))",
         {1, 0, 0}},
        {"S_INTERSECTS(geometry, BBOX(0, 0, 1, 1))", {1, 0, 0}},
        {"S_INTERSECTS(geometry, BBOX(0, 0, 0.5, 0.5))", {1, 0, 0}}, /* on the edge */
        {"S_INTERSECTS(geometry, BBOX(0, 0, -10, 1, 1, 10))", {1, 0, 0}},
        {"S_INTERSECTS(geometry, BBOX(2, 2, 2, 2))", {0, 1, 0}},
        {"S_INTERSECTS(geometry, BBOX(0, 2, 3, 2))", {0, 1, 0}},
        /* across the antimeridian */
        {"S_INTERSECTS(geometry, BBOX(179, 0, -179, 20))", {0, 0, 1}},
        {"S_INTERSECTS(geometry, BBOX(179, 0, 1, 20))", {1, 0, 1}},
        {"NOT S_INTERSECTS(geometry, BBOX(0, 0, 1, 1))", {0, 1, 1}},
        {"S_INTERSECTS(geometry, BBOX(0, 0, 1, 1)) OR category = 'AP'", {1, 1, 1}},
        {"S_INTERSECTS(geometry, BBOX(0, 0, 5, 5)) AND category = 'AP'", {0, 1, 0}},
    };
    check_table(pts, sizeof pts / sizeof pts[0], e, 3);

    /* hazards: polygons, and one without geometry */
    dm_record h[3];
    hazards(h);
    static const row polys[] = {
        {"S_INTERSECTS(geometry, POINT(0.5 0.5))", {1, 0, 0}},
        {"S_INTERSECTS(geometry, POINT(1 1))", {1, 0, 0}}, /* boundary */
        {"S_INTERSECTS(geometry, POINT(5 5))", {0, 0, 0}},
        {"S_INTERSECTS(geometry, LINESTRING(0.5 0.5, 10.5 10.5))", {1, 1, 0}},
        {"S_INTERSECTS(geometry, LINESTRING(-1 0.5, 20 10.5))", {1, 0, 0}},
        {"S_INTERSECTS(geometry, POLYGON((0.2 0.2,0.8 0.2,0.8 0.8,0.2 0.8,0.2 0.2)))", {1, 0, 0}},
        {"S_INTERSECTS(geometry, BBOX(-100, -100, 100, 100))", {1, 1, 0}},
        {"S_INTERSECTS(geometry, BBOX(1.5, 1.5, 9.5, 9.5))", {0, 0, 0}},
        {"S_INTERSECTS(geometry, BBOX(1, 1, 10, 10))", {1, 1, 0}}, /* corners touch */
        {"S_INTERSECTS(geometry, BBOX(0, 0, 20, 20)) AND status = 'CHA'", {0, 1, 0}},
    };
    check_table(polys, sizeof polys / sizeof polys[0], h, 3);
    clear(e, 3);
    clear(h, 3);
}

static int bbox_of(const char *filter, double out[4])
{
    dm_cql2 *f = NULL;
    dm_error err;
    if (dm_cql2_parse(filter, &dm_kind_hazards, geo(), &f, &err)) {
        fprintf(stderr, "  %s: %s\n", filter, err.msg);
        return -1;
    }
    bool has = true;
    dm_cql2_bbox(f, out, &has);
    dm_cql2_free(f);
    return has;
}

TEST(the_envelope_a_store_can_prefilter_with)
{
    double b[4];
    CHECK_EQ_INT(bbox_of("S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))", b), 1);
    CHECK(b[0] == 1 && b[1] == 2 && b[2] == 3 && b[3] == 4);
    CHECK_EQ_INT(bbox_of("status = 'SHA' AND S_INTERSECTS(geometry, POLYGON((0 0,5 0,5 6,0 "
                         "0))) AND name <> 'x'",
                         b),
                 1);
    CHECK(b[0] == 0 && b[1] == 0 && b[2] == 5 && b[3] == 6);
    /* two spatial terms: the smaller envelope (not the intersection: a long
     * line may meet both boxes without entering their overlap) */
    CHECK_EQ_INT(bbox_of("S_INTERSECTS(geometry, BBOX(0, 0, 10, 10)) AND "
                         "(S_INTERSECTS(geometry, POINT(20 20)))",
                         b),
                 1);
    CHECK(b[0] == 20 && b[1] == 20 && b[2] == 20 && b[3] == 20);
    /* OR: the union when every branch has one */
    CHECK_EQ_INT(bbox_of("S_INTERSECTS(geometry, BBOX(0, 0, 1, 1)) OR "
                         "S_INTERSECTS(geometry, BBOX(5, -3, 6, 0.5))",
                         b),
                 1);
    CHECK(b[0] == 0 && b[1] == -3 && b[2] == 6 && b[3] == 1);
    CHECK_EQ_INT(bbox_of("S_INTERSECTS(geometry, BBOX(0, 0, 1, 1)) OR status = 'SHA'", b), 0);
    CHECK_EQ_INT(bbox_of("NOT S_INTERSECTS(geometry, BBOX(0, 0, 1, 1))", b), 0);
    CHECK_EQ_INT(bbox_of("status = 'SHA'", b), 0);
    CHECK_EQ_INT(bbox_of("S_INTERSECTS(geometry, BBOX(170, -10, -170, 10))", b), 1);
    CHECK(b[0] == -180 && b[1] == -10 && b[2] == 180 && b[3] == 10);
}

/* The message for a filter that must not parse. */
static const char *parse_error(const char *filter, const dm_kind *kind)
{
    static dm_error err;
    dm_error_clear(&err);
    dm_cql2 *f = NULL;
    dm_status st = dm_cql2_parse(filter, kind, geo(), &f, &err);
    if (st == DM_OK) {
        dm_cql2_free(f);
        return "(parsed)";
    }
    if (st != DM_EINVAL || f)
        return "(wrong status)";
    return err.msg;
}

TEST(every_error_message_with_its_position)
{
    static const struct {
        const char *filter;
        const char *msg;
    } cases[] = {
        {"", "position 1: expected a property name, a literal, NOT, S_INTERSECTS or '(', found "
             "the end of the filter"},
        {"   ", "position 4: expected a property name, a literal, NOT, S_INTERSECTS or '(', "
                "found the end of the filter"},
        {"status = 'SHA' AND (name = )",
         "position 28: expected a property name or a literal, found ')'"},
        {"name = 'x' AND", "position 15: expected a property name, a literal, NOT, S_INTERSECTS "
                           "or '(', found the end of the filter"},
        {"name = 'x' name = 'y'", "position 12: expected AND, OR or the end of the filter, found "
                                  "'name'"},
        {"name = 'x')", "position 11: expected AND, OR or the end of the filter, found ')'"},
        {"(name = 'x'", "position 12: expected AND, OR or ')' to close the '(' at position 1, "
                        "found the end of the filter"},
        {"name 'x'", "position 6: expected a comparison operator (=, <>, <, >, <=, >=) or IS, "
                     "found the string 'x'"},
        {"name == 'x'", "position 7: expected a property name or a literal, found '='"},
        {"name != 'x'", "position 6: expected a comparison operator (=, <>, <, >, <=, >=) or IS, "
                        "found '!'"},
        {"name = 'x", "position 8: this string is not closed"},
        {"\"name = 'x'", "position 1: this quoted property name is not closed"},
        {"colour = 'red'",
         "position 1: unknown property 'colour'; the queryables of hazards are: name, status, "
         "lifecycle, eo_categories, organisation, date_recorded, admin_code, description, code, "
         "state, version, geometry"},
        {"Name = 'x'", "position 1: unknown property 'Name'; the queryables of hazards are: name, "
                       "status, lifecycle, eo_categories, organisation, date_recorded, "
                       "admin_code, description, code, state, version, geometry"},
        {"status = 'bogus'", "position 10: status 'bogus' is not one of: SHA, CHA"},
        {"status = ''", "position 10: status '' is not one of its values"},
        {"status = 1", "position 10: status is a list of values: expected a string in single "
                       "quotes, found a number"},
        {"name = 12", "position 8: name is text: expected a string in single quotes, found a "
                      "number"},
        {"name = TRUE", "position 8: name is text: expected a string in single quotes, found a "
                        "boolean"},
        {"version = '3'", "position 11: version is a number: expected a number, found a string"},
        {"state = 'published'", "position 9: state 'published' is not one of: draft, submitted, "
                                "approved, rejected"},
        {"date_recorded = 2020", "position 17: date_recorded is a date: expected "
                                 "DATE('YYYY-MM-DD'), found a number"},
        {"date_recorded = 'soon'",
         "position 17: date_recorded is a date: 'soon' is not a date: use YYYY-MM-DD (ISO 8601) "
         "or DD.MM.YYYY (or write DATE('YYYY-MM-DD'))"},
        {"date_recorded = DATE('2021-02-29')",
         "position 22: DATE the string '2021-02-29' is not a calendar date written YYYY-MM-DD"},
        {"date_recorded = DATE('1.2.2020')",
         "position 22: DATE the string '1.2.2020' is not a calendar date written YYYY-MM-DD"},
        {"date_recorded = DATE(2020)",
         "position 22: expected a date in quotes ('YYYY-MM-DD'), found '2020'"},
        {"date_recorded < TIMESTAMP('2020-01-01T10:00:00')",
         "position 27: TIMESTAMP the string '2020-01-01T10:00:00' is not a UTC time written "
         "YYYY-MM-DDTHH:MM:SSZ (seconds may have decimals)"},
        {"date_recorded < TIMESTAMP('2020-01-01T24:00:00Z')",
         "position 27: TIMESTAMP the string '2020-01-01T24:00:00Z' is not a UTC time written "
         "YYYY-MM-DDTHH:MM:SSZ (seconds may have decimals)"},
        {"date_recorded = DATE('2020-01-01'", "position 34: expected ')', found the end of the "
                                              "filter"},
        {"name = NULL", "position 8: NULL is not a value: write 'property IS NULL' or 'property "
                        "IS NOT NULL'"},
        {"name IS 'x'", "position 9: expected NULL or NOT NULL, found the string 'x'"},
        {"name IS NOT 'x'", "position 13: expected NULL, found the string 'x'"},
        {"'x' IS NULL", "position 1: IS NULL needs a property on its left, found a string"},
        {"name = description", "position 8: comparing two properties is not supported: compare a "
                               "property with a literal"},
        {"1 = 1", "position 5: comparing two literals is not supported: compare a property with a "
                  "literal"},
        {"1 IS NULL", "position 1: IS NULL needs a property on its left, found a number"},
        {"name LIKE 'A%'", "position 6: LIKE, BETWEEN and IN are not supported: compare with =, "
                           "<>, <, >, <=, >= and combine with AND, OR"},
        {"version NOT IN (1, 2)", "position 9: LIKE, BETWEEN and IN are not supported: compare "
                                  "with =, <>, <, >, <=, >= and combine with AND, OR"},
        {"version BETWEEN 1 AND 2", "position 9: LIKE, BETWEEN and IN are not supported: compare "
                                    "with =, <>, <, >, <=, >= and combine with AND, OR"},
        {"version = 1 + 1", "position 13: expected AND, OR or the end of the filter, found '+'"},
        {"version = 1e999", "position 11: the number 1e999 is out of range"},
        {"version = 12abc", "position 11: expected a property name or a literal, found '12abc'"},
        {"CASEI(name) = 'x'", "position 1: CASEI(...) is not supported: there are no functions "
                              "besides S_INTERSECTS, DATE and TIMESTAMP"},
        {"S_WITHIN(geometry, POINT(0 0))", "position 1: S_WITHIN is not supported: the only "
                                           "spatial function is S_INTERSECTS"},
        {"T_AFTER(date_recorded, DATE('2020-01-01'))",
         "position 1: T_AFTER is not supported: there are no temporal functions; compare dates "
         "with =, <>, <, >, <=, >="},
        {"POINT(0 0)", "position 1: a geometry (POINT) can only be an argument of S_INTERSECTS, "
                       "as in S_INTERSECTS(geometry, POINT(...))"},
        {"geometry = 'x'", "position 1: geometry can only be used in S_INTERSECTS(geometry, ...) "
                           "or with IS [NOT] NULL"},
        {"demining = TRUE", "position 1: unknown property 'demining'; the queryables of hazards "
                            "are: name, status, lifecycle, eo_categories, organisation, "
                            "date_recorded, admin_code, description, code, state, version, "
                            "geometry"},
        {"S_INTERSECTS(geometry)", "position 22: expected ',', found ')'"},
        {"S_INTERSECTS(name, POINT(0 0))", "position 14: name is not a geometry: S_INTERSECTS "
                                           "compares the property geometry with a geometry"},
        {"S_INTERSECTS(geometry, geometry)",
         "position 24: S_INTERSECTS compares the property geometry with a geometry literal, "
         "found the property twice"},
        {"S_INTERSECTS(POINT(0 0), POINT(1 1))",
         "position 26: S_INTERSECTS compares the property geometry with one geometry, found two "
         "geometries"},
        {"S_INTERSECTS(geometry, 'POINT(0 0)')",
         "position 24: expected the property geometry or a geometry (POINT(...), POLYGON(...), "
         "BBOX(...) ...), found the string 'POINT(0 0)'"},
        {"S_INTERSECTS(geometry, POINT(0))", "position 31: expected a coordinate (a number), "
                                             "found ')'"},
        {"S_INTERSECTS(geometry, POINT Z(0 0))", "position 35: expected a coordinate (a number), "
                                                 "found ')'"},
        {"S_INTERSECTS(geometry, POINT(0 0 0 0))", "position 36: expected ')', found '0'"},
        {"S_INTERSECTS(geometry, POINT EMPTY)", "position 30: expected '(', found 'EMPTY'"},
        {"S_INTERSECTS(geometry, LINESTRING(0 0))", "position 24: a line needs at least 2 "
                                                    "points"},
        {"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0.5)))",
         "position 32: this polygon ring is not closed: its last point must be its first"},
        {"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))",
         "position 32: a polygon ring needs at least 4 points, found 3"},
        {"S_INTERSECTS(geometry, POLYGON((0 0, 2 2, 2 0, 0 2, 0 0)))",
         "position 24: this geometry is not valid: Self-intersection[1 1]"},
        {"S_INTERSECTS(geometry, BBOX(0, 0, 1))", "position 36: BBOX needs 4 numbers (minx, "
                                                  "miny, maxx, maxy) or 6 (with heights), found "
                                                  "3"},
        {"S_INTERSECTS(geometry, BBOX(0, 1, 1, 0))",
         "position 24: BBOX: the southern edge 1 is north of the northern edge 0"},
        {"S_INTERSECTS(geometry, BBOX(200, 0, 100, 1))",
         "position 24: BBOX: minx 200 is greater than maxx 100, which means a box across the "
         "antimeridian, but they are not longitudes within -180..180"},
        {"S_INTERSECTS(geometry, BBOX(0 0, 1 1))", "position 31: expected ',' or ')', found '0'"},
        {"S_INTERSECTS(geometry, POINT(0 0)) = TRUE",
         "position 36: expected AND, OR or the end of the filter, found '='"},
        {"NOT", "position 4: expected a property name, a literal, NOT, S_INTERSECTS or '(', "
                "found the end of the filter"},
        {"AND name = 'x'", "position 1: expected a property name, a literal, NOT, S_INTERSECTS or "
                           "'(', found 'AND'"},
        {"name = 'é' AND ñ = 1", "position 16: unknown property 'ñ'; the queryables of hazards "
                                 "are: name, status, lifecycle, eo_categories, organisation, "
                                 "date_recorded, admin_code, description, code, state, version, "
                                 "geometry"},
        {"name = 'x' AND \x01", "position 16: expected a property name, a literal, NOT, "
                                "S_INTERSECTS or '(', found '\\x01'"},
        {"POINT Z(0 0 0) OR TRUE", "position 1: a geometry (POINT) can only be an argument of "
                                   "S_INTERSECTS, as in S_INTERSECTS(geometry, POINT(...))"},
        {"name = 'x' # comment", "position 12: expected AND, OR or the end of the filter, found "
                                 "'#'"},
        {"name = 'x' AND 'y'", "position 19: expected a comparison operator (=, <>, <, >, <=, >=), "
                               "found the end of the filter"},
        {"name = 'x' AND TRUE = FALSE", "position 23: comparing two literals is not supported: "
                                        "compare a property with a literal"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = parse_error(cases[i].filter, &dm_kind_hazards);
        if (strcmp(got, cases[i].msg)) {
            fprintf(stderr, "  \"%s\":\n    got      %s\n    expected %s\n", cases[i].filter, got,
                    cases[i].msg);
            t_failed_checks++;
        }
    }
    /* kinds without geometry, other field types */
    CHECK_STR(parse_error("S_INTERSECTS(geometry, POINT(0 0))", &dm_kind_victims),
              "position 1: victims have no geometry: S_INTERSECTS cannot be used on them");
    CHECK_STR(parse_error("geometry IS NULL", &dm_kind_organisations),
              "position 1: unknown property 'geometry'; the queryables of organisations are: "
              "name, type, country, code, state, version");
    CHECK_STR(parse_error("demining < TRUE", &dm_kind_accidents),
              "position 10: demining is a boolean: compare it with = or <> only");
    CHECK_STR(parse_error("demining = 1", &dm_kind_accidents),
              "position 12: demining is a boolean: expected TRUE or FALSE, found a number");
    CHECK_STR(parse_error("age = '30'", &dm_kind_victims),
              "position 7: age is a number: expected a number, found a string");
    /* not UTF-8: the position counts characters, not bytes */
    CHECK_STR(parse_error("name = 'é\xff'", &dm_kind_hazards),
              "position 10: the filter is not UTF-8 text");
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t len = strlen(head) + strlen(unit) * n + strlen(tail) + 1;
    char *s = malloc(len);
    strcpy(s, head);
    for (size_t i = 0; i < n; i++)
        strcat(s, unit);
    strcat(s, tail);
    return s;
}

TEST(depth_node_and_length_limits)
{
    dm_cql2 *f = NULL;
    dm_error err;
    /* 64 parentheses deep parses, 65 does not */
    char *s = malloc(400);
    memset(s, '(', 64);
    strcpy(s + 64, "version = 1");
    memset(s + 75, ')', 64);
    s[139] = '\0';
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_OK);
    dm_cql2_free(f);
    memset(s, '(', 65);
    strcpy(s + 65, "version = 1");
    memset(s + 76, ')', 65);
    s[141] = '\0';
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_EINVAL && !f);
    CHECK_STR(err.msg, "position 65: the filter is nested more than 64 deep");
    free(s);
    /* NOT counts as nesting too */
    s = repeat("", "NOT ", 65, "version = 1");
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_EINVAL);
    CHECK_STR(err.msg, "position 257: the filter is nested more than 64 deep");
    free(s);
    /* and geometry collections */
    s = repeat("S_INTERSECTS(geometry, ", "GEOMETRYCOLLECTION(", 64, "POINT(0 0)");
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "nested more than 64 deep") != NULL);
    free(s);
    /* a long flat chain is fine: AND and OR are n-ary, not nested */
    s = repeat("version = 1", " OR version = 1", 2000, "");
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_OK);
    dm_cql2_free(f);
    free(s);
    s = repeat("version = 1", " AND version = 1", 4094, "");
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_OK);
    dm_cql2_free(f);
    free(s);
    s = repeat("version = 1", " AND version = 1", 4095, "");
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "the filter is too long: more than 4096 terms") != NULL);
    free(s);
    /* 64 KiB of text */
    s = malloc(DM_CQL2_MAX_LEN + 2);
    memset(s, ' ', DM_CQL2_MAX_LEN + 1);
    memcpy(s, "TRUE", 4);
    s[DM_CQL2_MAX_LEN] = '\0';
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_OK);
    dm_cql2_free(f);
    s[DM_CQL2_MAX_LEN] = ' ';
    s[DM_CQL2_MAX_LEN + 1] = '\0';
    CHECK(dm_cql2_parse(s, &dm_kind_hazards, geo(), &f, &err) == DM_EINVAL);
    CHECK_STR(err.msg, "the filter is longer than 65536 bytes");
    free(s);
    /* no dm_error: same statuses */
    CHECK(dm_cql2_parse("name = ", &dm_kind_hazards, geo(), &f, NULL) == DM_EINVAL && !f);
    /* no dm_geo: fine without geometry, an internal error with one */
    CHECK(dm_cql2_parse("name = 'x'", &dm_kind_hazards, NULL, &f, &err) == DM_OK);
    dm_cql2_free(f);
    CHECK(dm_cql2_parse("S_INTERSECTS(geometry, POINT(0 0))", &dm_kind_hazards, NULL, &f, &err) ==
          DM_EINTERNAL);
}

TEST(queryables_are_listed)
{
    char q[512];
    dm_cql2_queryables(&dm_kind_releases, q, sizeof q);
    CHECK_STR(q, "method, date, organisation, depth_m, hazard_code, activity_code, code, state, "
                 "version, geometry");
    dm_cql2_queryables(&dm_kind_victims, q, sizeof q);
    /* name and address are personal: no filter reads them, no message names them */
    CHECK_STR(q, "accident_code, incident_ref, status, sex, age, age_group, group, injuries, "
                 "code, state, version");
}

/* ---- query strings ---- */

static char *encode_all(const dm_qs *qs)
{
    dm_buf b;
    dm_buf_init(&b, 0);
    for (size_t i = 0; i < dm_qs_size(qs); i++) {
        const dm_qs_param *p = dm_qs_at(qs, i);
        if (i)
            dm_buf_puts(&b, "&");
        dm_qs_encode_value(&b, p->name, p->name_len);
        dm_buf_puts(&b, "=");
        dm_qs_encode_value(&b, p->value, p->value_len);
    }
    dm_buf_puts(&b, "");
    return dm_buf_steal(&b);
}

TEST(qs_decodes_names_and_values)
{
    dm_qs qs;
    dm_error err;
    const char *q = "bbox=1.5%2C2,3,4&filter=name+%3D+%27O%27%27Brien%27&a+b=c+d&empty=&flag"
                    "&&%C3%A9t%C3%A9=%E2%9C%93&limit=10";
    CHECK(dm_qs_parse(q, strlen(q), &qs, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&qs), 7);
    CHECK_STR(dm_qs_get(&qs, "bbox"), "1.5,2,3,4");
    CHECK_STR(dm_qs_get(&qs, "filter"), "name = 'O''Brien'");
    CHECK_STR(dm_qs_get(&qs, "a+b"), "c d"); /* '+' is a space in values only */
    CHECK_STR(dm_qs_get(&qs, "empty"), "");
    CHECK_STR(dm_qs_get(&qs, "flag"), "");
    CHECK_STR(dm_qs_get(&qs, "été"), "✓");
    CHECK_STR(dm_qs_get(&qs, "limit"), "10");
    CHECK(dm_qs_get(&qs, "LIMIT") == NULL);
    CHECK(dm_qs_get(&qs, "missing") == NULL);
    CHECK_EQ_INT(dm_qs_count(&qs, "limit"), 1);
    CHECK_EQ_INT(dm_qs_count(&qs, "missing"), 0);
    CHECK(dm_qs_repeated(&qs) == NULL);
    CHECK_STR(dm_qs_at(&qs, 3)->name, "empty");
    CHECK_EQ_INT(dm_qs_at(&qs, 1)->value_len, 17);
    CHECK(dm_qs_at(&qs, 7) == NULL);
    dm_qs_free(&qs);
    CHECK_EQ_INT(dm_qs_size(&qs), 0);
    dm_qs_free(&qs); /* twice is harmless */

    CHECK(dm_qs_parse("", 0, &qs, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&qs), 0);
    dm_qs_free(&qs);
    CHECK(dm_qs_parse("&&&", 3, &qs, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&qs), 0);
    dm_qs_free(&qs);
    /* only the first '=' splits; len, not the NUL, ends the query */
    CHECK(dm_qs_parse("a==b=&c=1", 6, &qs, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&qs), 1);
    CHECK_STR(dm_qs_get(&qs, "a"), "=b=");
    dm_qs_free(&qs);
}

TEST(qs_keeps_repeated_parameters)
{
    dm_qs qs;
    dm_error err;
    const char *q = "limit=10&f=json&limit=20&f=json&x=1";
    CHECK(dm_qs_parse(q, strlen(q), &qs, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&qs), 5);
    CHECK_EQ_INT(dm_qs_count(&qs, "limit"), 2);
    CHECK_EQ_INT(dm_qs_count(&qs, "f"), 2);
    CHECK_STR(dm_qs_get(&qs, "limit"), "10");
    CHECK_STR(dm_qs_repeated(&qs), "limit");
    CHECK_STR(dm_qs_at(&qs, 2)->value, "20");
    dm_qs_free(&qs);
    /* the same name spelt with an escape is the same parameter */
    CHECK(dm_qs_parse("bbox=1&bb%6Fx=2", 15, &qs, &err) == DM_OK);
    CHECK_STR(dm_qs_repeated(&qs), "bbox");
    dm_qs_free(&qs);
}

TEST(qs_refuses_bad_escapes_nul_non_utf8_and_too_much)
{
    static const struct {
        const char *q;
        const char *msg;
    } cases[] = {
        {"limit=10&filter=100%", "query parameter 'filter': '%' is not a percent-escape (a '%' "
                                 "needs two hex digits after it; write %25 for a percent sign)"},
        {"filter=a%2", "query parameter 'filter': '%2' is not a percent-escape (a '%' needs two "
                       "hex digits after it; write %25 for a percent sign)"},
        {"filter=a%zz1", "query parameter 'filter': '%zz' is not a percent-escape (a '%' needs "
                         "two hex digits after it; write %25 for a percent sign)"},
        {"fil%g0ter=1", "query parameter 'fil%g0ter': the name has '%' without two hex digits "
                        "after it (write %25 for a percent sign)"},
        {"name=a%00b", "query parameter 'name': the value contains a NUL byte (%00)"},
        {"na%00me=1", "query parameter 'na%00me': the name contains a NUL byte"},
        {"name=%FF", "query parameter 'name': the value is not UTF-8 once decoded"},
        {"name=%C3%28", "query parameter 'name': the value is not UTF-8 once decoded"},
        {"name=%ED%A0%80", "query parameter 'name': the value is not UTF-8 once decoded"},
        {"n%C0%AFme=1", "query parameter 'n%C0%AFme': the name is not UTF-8 once decoded"},
        {"a'\\b=%", "query parameter 'a\\x27\\x5Cb': '%' is not a percent-escape (a '%' needs "
                    "two hex digits after it; write %25 for a percent sign)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dm_qs qs;
        dm_error err;
        dm_error_clear(&err);
        dm_status st = dm_qs_parse(cases[i].q, strlen(cases[i].q), &qs, &err);
        if (st != DM_EINVAL || strcmp(err.msg, cases[i].msg) || qs.n != 0 || qs.mem) {
            fprintf(stderr, "  \"%s\": status %d\n    got      %s\n    expected %s\n", cases[i].q,
                    st, err.msg, cases[i].msg);
            t_failed_checks++;
        }
        dm_qs_free(&qs);
    }
    dm_qs qs;
    dm_error err;
    /* a raw NUL within len */
    CHECK(dm_qs_parse("a=1\0b", 5, &qs, &err) == DM_EINVAL);
    CHECK_STR(err.msg, "query parameter 'a': the value contains a NUL byte (%00)");
    /* 64 parameters, not 65 */
    char *q = repeat("p=1", "&p=1", 63, "");
    CHECK(dm_qs_parse(q, strlen(q), &qs, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&qs), 64);
    dm_qs_free(&qs);
    free(q);
    q = repeat("p=1", "&p=1", 64, "");
    CHECK(dm_qs_parse(q, strlen(q), &qs, &err) == DM_EINVAL);
    CHECK_STR(err.msg, "the query string has more than 64 parameters");
    free(q);
    /* 8 KiB, not one byte more */
    q = malloc(DM_QS_MAX_LEN + 2);
    memset(q, 'x', DM_QS_MAX_LEN + 1);
    memcpy(q, "filter=", 7);
    q[DM_QS_MAX_LEN + 1] = '\0';
    CHECK(dm_qs_parse(q, DM_QS_MAX_LEN, &qs, &err) == DM_OK);
    CHECK_EQ_INT(strlen(dm_qs_get(&qs, "filter")), DM_QS_MAX_LEN - 7);
    dm_qs_free(&qs);
    CHECK(dm_qs_parse(q, DM_QS_MAX_LEN + 1, &qs, &err) == DM_EINVAL);
    CHECK_STR(err.msg, "the query string is 8193 bytes long; at most 8192 bytes are accepted");
    free(q);
    CHECK(dm_qs_parse("a=%", 3, &qs, NULL) == DM_EINVAL);
}

TEST(qs_encoding_round_trips_every_byte)
{
    dm_buf b;
    dm_buf_init(&b, 0);
    const char *v = "S_INTERSECTS(geometry, BBOX(1,2,3,4)) AND name = 'a+b&c=d%/?#é~._-'";
    dm_qs_encode_value(&b, v, strlen(v));
    CHECK_STR(b.data, "S_INTERSECTS%28geometry%2C%20BBOX%281%2C2%2C3%2C4%29%29%20AND%20name%20%3D"
                      "%20%27a%2Bb%26c%3Dd%25%2F%3F%23%C3%A9~._-%27");
    dm_buf_free(&b);

    const char *q = "filter=name+%3D+%27a%2Bb%27&bbox=1,2,3,4&datetime=2020-01-01T00:00:00Z%2F.."
                    "&f=json&weird%2B=%E2%9C%93+%2B&filter=again&x";
    dm_qs a, c;
    dm_error err;
    CHECK(dm_qs_parse(q, strlen(q), &a, &err) == DM_OK);
    char *enc = encode_all(&a);
    CHECK(dm_qs_parse(enc, strlen(enc), &c, &err) == DM_OK);
    CHECK_EQ_INT(dm_qs_size(&c), dm_qs_size(&a));
    for (size_t i = 0; i < dm_qs_size(&a) && i < dm_qs_size(&c); i++) {
        CHECK_STR(dm_qs_at(&c, i)->name, dm_qs_at(&a, i)->name);
        CHECK_STR(dm_qs_at(&c, i)->value, dm_qs_at(&a, i)->value);
    }
    CHECK_STR(dm_qs_get(&c, "weird+"), "✓ +");
    CHECK_STR(dm_qs_get(&c, "datetime"), "2020-01-01T00:00:00Z/..");
    CHECK_STR(dm_qs_repeated(&c), "filter");
    /* encoding the re-parsed query again gives the same text */
    char *enc2 = encode_all(&c);
    CHECK_STR(enc2, enc);
    free(enc);
    free(enc2);
    dm_qs_free(&a);
    dm_qs_free(&c);
}

TEST(qs_and_cql2_together)
{
    /* the filter of a request as a client sends it */
    const char *q = "filter-lang=cql2-text&filter=status%3D%27CHA%27%20AND%20S_INTERSECTS%28"
                    "geometry%2CBBOX%289%2C9%2C12%2C12%29%29";
    dm_qs qs;
    dm_error err;
    CHECK(dm_qs_parse(q, strlen(q), &qs, &err) == DM_OK);
    dm_record h[3];
    hazards(h);
    const char *filter = dm_qs_get(&qs, "filter");
    CHECK(filter != NULL);
    CHECK_EQ_INT(match(filter ? filter : "", &h[0]), 0);
    CHECK_EQ_INT(match(filter ? filter : "", &h[1]), 1);
    CHECK_EQ_INT(match(filter ? filter : "", &h[2]), 0);
    dm_qs_free(&qs);
    clear(h, 3);
}

static void done(void)
{
    dm_geo_free(g_geo);
    g_geo = NULL;
}

TEST(cleanup) { done(); }

RUN(T(comparisons_on_text_enum_and_queryables),
    T(not_binds_tighter_than_and_and_and_tighter_than_or),
    T(null_is_unknown_and_unknown_does_not_match), T(dates_as_date_timestamp_and_strings),
    T(fields_called_like_keywords_need_no_quotes), T(enums_ints_and_booleans),
    T(s_intersects_with_points_polygons_and_bbox), T(the_envelope_a_store_can_prefilter_with),
    T(every_error_message_with_its_position), T(depth_node_and_length_limits),
    T(queryables_are_listed), T(qs_decodes_names_and_values), T(qs_keeps_repeated_parameters),
    T(qs_refuses_bad_escapes_nul_non_utf8_and_too_much), T(qs_encoding_round_trips_every_byte),
    T(qs_and_cql2_together), T(cleanup))
