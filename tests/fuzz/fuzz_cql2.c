/* fuzz_cql2: dm_cql2_parse and dm_cql2_eval on arbitrary text.
 *
 * The input (up to its first NUL) is parsed as a filter on every kind. Checks:
 * no crash; a failure is DM_EINVAL (or DM_ENOMEM) with a message and no
 * filter, and the message gives a position ("position N: ...") unless the
 * text is too long; a success is deterministic: the filter is parsed a second
 * time and both evaluate every fixed record (one with every field unknown and
 * no geometry, two with values and geometries) to the same result, twice; a
 * record that matches has a geometry meeting the envelope of dm_cql2_bbox
 * (the store's pre-filter would have kept it), and that envelope is ordered.
 */
#include "server/cql2.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NRECS 3

static dm_geo *geo;
static dm_record recs[16][NRECS];

__attribute__((noreturn)) static void fail(const char *why, const dm_kind *kind, const char *s)
{
    fprintf(stderr, "fuzz_cql2: %s: %s; input: \"", kind->name, why);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fprintf(stderr, *p >= 0x20 && *p < 0x7F && *p != '"' ? "%c" : "\\x%02x", *p);
    fprintf(stderr, "\"\n");
    abort();
}

static GEOSGeometry *wkt(const char *text)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    return g;
}

/* The canonical spelling of the i-th value of an enum field (or the last). */
static void enum_value(const dm_field *f, size_t i, char *out, size_t outsz)
{
    size_t n = 0;
    while (f->values[n])
        n++;
    const char *v = f->values[i < n ? i : n - 1];
    const char *bar = strchr(v, '|');
    snprintf(out, outsz, "%.*s", bar ? (int)(bar - v) : (int)strlen(v), v);
}

static void setup(void)
{
    dm_error err;
    if (dm_geo_new(&geo, &err)) {
        fprintf(stderr, "fuzz_cql2: %s\n", err.msg);
        abort();
    }
    static const char *const texts[] = {"Alpha", "O'Brien"};
    static const char *const dates[] = {"2020-05-01", "1999-12-31"};
    static const char *const geoms[][2] = {
        [DM_GEOM_POINT] = {"POINT(0.5 0.5)", "POINT(18.4 43.9)"},
        [DM_GEOM_POLYGON] = {"MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))",
                             "MULTIPOLYGON(((17 43,19 43,19 45,17 45,17 43)),((-1 -1,-0.5 -1,-0.5 "
                             "-0.5,-1 -1)))"},
        [DM_GEOM_ANY] = {"LINESTRING(0 0,2 2)", "POLYGON((10 10,11 10,11 11,10 10))"},
    };
    for (size_t k = 0; k < dm_kind_count(); k++) {
        const dm_kind *kind = dm_kind_at(k);
        for (size_t r = 0; r < NRECS; r++) {
            dm_record *rec = &recs[k][r];
            dm_record_init(rec, kind);
            snprintf(rec->code, sizeof rec->code, "%s-%04zu", kind->prefix, r + 1);
            snprintf(rec->state, sizeof rec->state, "%s", r == 2 ? "draft" : "approved");
            rec->version = (int64_t)r + 1;
            if (r == 0)
                continue; /* every field unknown, no geometry */
            for (size_t i = 0; i < kind->nfields; i++) {
                const dm_field *f = &kind->fields[i];
                char v[64];
                switch (f->type) {
                case DM_FT_TEXT: snprintf(v, sizeof v, "%s", texts[r - 1]); break;
                case DM_FT_ENUM: enum_value(f, r - 1, v, sizeof v); break;
                case DM_FT_INT: snprintf(v, sizeof v, "%d", r == 1 ? (int)f->min : 7); break;
                case DM_FT_REAL: snprintf(v, sizeof v, "%s", r == 1 ? "0.25" : "3"); break;
                case DM_FT_DATE: snprintf(v, sizeof v, "%s", dates[r - 1]); break;
                case DM_FT_BOOL: snprintf(v, sizeof v, "%s", r == 1 ? "1" : "0"); break;
                }
                if (dm_record_set(rec, f->name, v, &err)) {
                    fprintf(stderr, "fuzz_cql2: setup %s.%s: %s\n", kind->name, f->name, err.msg);
                    abort();
                }
            }
            if (kind->geom != DM_GEOM_NONE && !(rec->geom = wkt(geoms[kind->geom][r - 1]))) {
                fprintf(stderr, "fuzz_cql2: setup geometry of %s\n", kind->name);
                abort();
            }
        }
    }
}

/* Evaluates f on the kind's records: results and statuses. */
static void eval_all(const dm_cql2 *f, size_t k, int out[NRECS])
{
    for (size_t r = 0; r < NRECS; r++) {
        bool m = false;
        dm_error err;
        dm_error_clear(&err);
        dm_status st = dm_cql2_eval(f, &recs[k][r], geo, &m, &err);
        if (st && !err.msg[0])
            fail("an evaluation failed without a message", dm_kind_at(k), "");
        out[r] = st ? -(int)st : m;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!geo)
        setup();
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t len = strlen(s);

    for (size_t k = 0; k < dm_kind_count(); k++) {
        const dm_kind *kind = dm_kind_at(k);
        dm_cql2 *f = NULL;
        dm_error err;
        dm_error_clear(&err);
        dm_status st = dm_cql2_parse(s, kind, geo, &f, &err);
        if (st != DM_OK) {
            if (f)
                fail("a failed parse returned a filter", kind, s);
            if (st != DM_EINVAL && st != DM_ENOMEM)
                fail("a parse failed with a status other than DM_EINVAL", kind, s);
            if (!err.msg[0] || err.code != st || !memchr(err.msg, '\0', sizeof err.msg))
                fail("a failed parse has no proper message", kind, s);
            if (st == DM_EINVAL && len <= DM_CQL2_MAX_LEN && strncmp(err.msg, "position ", 9))
                fail("a parse error does not give its position", kind, s);
            /* without a dm_error: the same status */
            dm_cql2 *g = NULL;
            if (dm_cql2_parse(s, kind, geo, &g, NULL) != st || g)
                fail("the status changes when no dm_error is passed", kind, s);
            continue;
        }
        if (!f || dm_cql2_kind(f) != kind)
            fail("a successful parse returned no filter or one of another kind", kind, s);
        int a[NRECS], b[NRECS], c[NRECS];
        eval_all(f, k, a);
        eval_all(f, k, b);
        if (memcmp(a, b, sizeof a))
            fail("evaluating twice gives different results", kind, s);

        dm_cql2 *f2 = NULL;
        if (dm_cql2_parse(s, kind, geo, &f2, &err) != DM_OK || !f2)
            fail("the second parse failed", kind, s);
        eval_all(f2, k, c);
        if (memcmp(a, c, sizeof a))
            fail("two parses of the same text evaluate differently", kind, s);

        double box[4];
        bool has = false;
        dm_cql2_bbox(f, box, &has);
        if (has) {
            if (!(box[0] <= box[2] && box[1] <= box[3]))
                fail("dm_cql2_bbox gave an inverted envelope", kind, s);
            GEOSContextHandle_t h = dm_geo_handle(geo);
            for (size_t r = 0; r < NRECS; r++) {
                const GEOSGeometry *g = recs[k][r].geom;
                if (a[r] != 1)
                    continue;
                double x0, y0, x1, y1;
                if (!g || !GEOSGeom_getXMin_r(h, g, &x0) || !GEOSGeom_getYMin_r(h, g, &y0) ||
                    !GEOSGeom_getXMax_r(h, g, &x1) || !GEOSGeom_getYMax_r(h, g, &y1))
                    fail("a record without geometry matches a filter with an envelope", kind, s);
                if (x1 < box[0] || x0 > box[2] || y1 < box[1] || y0 > box[3])
                    fail("a matching record lies outside the envelope of dm_cql2_bbox", kind, s);
            }
        }
        bool personal = dm_cql2_uses_personal(f);
        if (personal != dm_cql2_uses_personal(f2))
            fail("dm_cql2_uses_personal differs between two parses", kind, s);
        dm_cql2_free(f);
        dm_cql2_free(f2);
    }
    free(s);
    return 0;
}
