/* OGC API - Features Part 1 (core, geojson, oas30, html) over the store.
 *
 * Feature collections are the kinds of record with a geometry; a caller
 * sees those its role may read (authz.h): anonymous callers the public
 * subset (default: hazards). Approved records only, but editors and
 * approvers may ask for the others (state=, and single items). Coordinates are
 * written with 7 decimals (about 1 cm), rounded to nearest. A machine client
 * (no f=, no Accept naming text/html) gets JSON.
 */
#include "server/internal.h"

#include "analysis/forecast_area.h"
#include "core/date.h"
#include "core/strmap.h"
#include "io/export.h"
#include "server/answers.h"
#include "server/cql2.h"
#include "server/mvt.h"
#include "server/sortby.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COORD_DECIMALS 7

/* The collection called id (a stored kind; one without geometry, such as
 * victims, has features whose geometry is null), or NULL. */
static const dm_kind *feature_kind(const char *id)
{
    for (size_t i = 0; i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        if (!strcmp(k->name, id) && k->table)
            return k;
    }
    return NULL;
}

/* Whether the caller reads k's personal fields (victims' names and
 * addresses). */
static bool personal(const dm_request *q, const dm_kind *k)
{
    return dm_authz_allowed(q->role, DM_ACT_READ_PERSONAL, k, q->pub, NULL);
}

/* True when the caller may read collection k (reason says why not). */
static bool readable(const dm_request *q, const dm_kind *k, char *reason)
{
    return dm_authz_allowed(q->role, DM_ACT_READ, k, q->pub, reason);
}

bool dm_server_sees_drafts(const dm_request *q, const dm_kind *k)
{
    return dm_authz_allowed(q->role, DM_ACT_WRITE, k, q->pub, NULL) ||
           dm_authz_allowed(q->role, DM_ACT_APPROVE, k, q->pub, NULL);
}

/* ---- content negotiation ---- */

typedef enum { FMT_JSON, FMT_HTML, FMT_BAD } fmt;

static fmt wanted_format(const dm_request *q)
{
    const char *f = dm_qs_get(q->qs, "f");
    if (f)
        return !strcmp(f, "json") ? FMT_JSON : !strcmp(f, "html") ? FMT_HTML : FMT_BAD;
    /* a browser names text/html; a machine client names JSON or nothing */
    if (q->accept && strstr(q->accept, "text/html") && !strstr(q->accept, "json"))
        return FMT_HTML;
    return FMT_JSON;
}

/* 400 for any parameter not in `allowed` (NULL-terminated), or repeated. */
bool dm_server_check_params(const dm_request *q, dm_response *r, const char *const *allowed,
                            const dm_kind *k)
{
    const char *rep = dm_qs_repeated(q->qs);
    if (rep) {
        dm_respond_problem(r, 400, "Repeated parameter", "%s is given more than once", rep);
        return false;
    }
    for (size_t i = 0; i < dm_qs_size(q->qs); i++) {
        const char *name = dm_qs_at(q->qs, i)->name;
        bool ok = false;
        for (size_t a = 0; allowed[a] && !ok; a++)
            ok = !strcmp(allowed[a], name);
        if (!ok && k) {
            int fi = dm_kind_field_index(k, name);
            ok = fi >= 0 && !(k->fields[fi].flags & DM_FIELD_PERSONAL);
        }
        if (!ok) {
            dm_respond_problem(r, 400, "Unknown parameter", "%s is not a parameter of %s", name,
                               q->path);
            return false;
        }
    }
    return true;
}

/* The parameters, then f=json|html. */
static bool check_params(const dm_request *q, dm_response *r, const char *const *allowed,
                         const dm_kind *k)
{
    if (!dm_server_check_params(q, r, allowed, k))
        return false;
    if (wanted_format(q) == FMT_BAD) {
        dm_respond_problem(r, 400, "Unknown format", "f=%s: use f=json or f=html",
                           dm_qs_get(q->qs, "f"));
        return false;
    }
    return true;
}

bool dm_server_json_params(const dm_request *q, dm_response *r, const char *const *allowed)
{
    if (!dm_server_check_params(q, r, allowed, NULL))
        return false;
    const char *f = dm_qs_get(q->qs, "f");
    if (f && strcmp(f, "json")) {
        dm_respond_problem(r, 400, "Unknown format", "f=%s: %s answers JSON only (f=json)", f,
                           q->path);
        return false;
    }
    return true;
}

bool dm_server_date_param(const dm_request *q, dm_response *r, const char *name, char out[11])
{
    const char *v = dm_qs_get(q->qs, name);
    out[0] = 0;
    if (!v)
        return true;
    dm_date d;
    dm_error err;
    if (dm_date_parse(v, &d, &err)) {
        dm_respond_problem(r, 400, "Bad date", "%s: %s", name, err.msg);
        return false;
    }
    dm_date_format(d, out);
    return true;
}

bool dm_server_long_param(const dm_request *q, dm_response *r, const char *name, long lo, long hi,
                          long *out)
{
    const char *v = dm_qs_get(q->qs, name);
    if (!v)
        return true;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) {
        dm_respond_problem(r, 400, "Bad parameter", "%s=%.40s: a whole number from %ld to %ld",
                           name, v, lo, hi);
        return false;
    }
    *out = n;
    return true;
}

/* ---- JSON pieces ---- */

static void add_link(dm_buf *b, bool first, const char *base, const char *href, const char *rel,
                     const char *type, const char *title)
{
    dm_buf_puts(b, first ? "{\"href\": " : ", {\"href\": ");
    dm_buf_printf(b, "\"%s%s\"", base, href);
    dm_buf_printf(b, ", \"rel\": \"%s\", \"type\": \"%s\"", rel, type);
    if (title) {
        dm_buf_puts(b, ", \"title\": ");
        dm_buf_json_string(b, title);
    }
    dm_buf_puts(b, "}");
}

/* A coordinate with COORD_DECIMALS decimals, trailing zeros dropped. */
static void coord(dm_buf *b, double v)
{
    char s[64];
    double t = fabs(v) * 1e7;
    /* not a longitude or latitude, or (rarely) near a tie at the last
       decimal, where only printf rounds the binary value exactly: the slow
       way */
    if (!(fabs(v) < 1e9) || fabs(t - floor(t) - 0.5) < 1e-5) {
        snprintf(s, sizeof s, "%.*f", COORD_DECIMALS, v);
        char *e = s + strlen(s) - 1;
        while (e > s && *e == '0')
            *e-- = 0;
        if (*e == '.')
            *e = 0;
        dm_buf_puts(b, strcmp(s, "-0") ? s : "0");
        return;
    }
    /* v in units of 1e-7, rounded to nearest, written from the right: this
       is most of the time an items page takes, and printf is slow at it */
    long long n = llround(v * 1e7);
    unsigned long long u = n < 0 ? (unsigned long long)-n : (unsigned long long)n;
    unsigned long long ip = u / 10000000ULL, fp = u % 10000000ULL;
    char *p = s + sizeof s;
    *--p = 0;
    if (fp) {
        int digits = COORD_DECIMALS;
        while (fp % 10 == 0) { /* no trailing zeros */
            fp /= 10;
            digits--;
        }
        for (; digits > 0; digits--, fp /= 10)
            *--p = (char)('0' + fp % 10);
        *--p = '.';
    }
    do {
        *--p = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    if (n < 0)
        *--p = '-';
    dm_buf_puts(b, p);
}

static bool seq_json(GEOSContextHandle_t h, dm_buf *b, const GEOSCoordSequence *cs)
{
    unsigned n = 0;
    if (!GEOSCoordSeq_getSize_r(h, cs, &n))
        return false;
    dm_buf_puts(b, "[");
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &x, &y))
            return false;
        dm_buf_puts(b, i ? ", [" : "[");
        coord(b, x);
        dm_buf_puts(b, ", ");
        coord(b, y);
        dm_buf_puts(b, "]");
    }
    dm_buf_puts(b, "]");
    return true;
}

static bool polygon_rings(GEOSContextHandle_t h, dm_buf *b, const GEOSGeometry *g)
{
    dm_buf_puts(b, "[");
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, g);
    if (!ring || !seq_json(h, b, GEOSGeom_getCoordSeq_r(h, ring)))
        return false;
    int n = GEOSGetNumInteriorRings_r(h, g);
    for (int i = 0; i < n; i++) {
        dm_buf_puts(b, ", ");
        ring = GEOSGetInteriorRingN_r(h, g, i);
        if (!ring || !seq_json(h, b, GEOSGeom_getCoordSeq_r(h, ring)))
            return false;
    }
    dm_buf_puts(b, "]");
    return true;
}

/* GeoJSON geometry (RFC 7946: lon, lat). */
static bool geometry_json(GEOSContextHandle_t h, dm_buf *b, const GEOSGeometry *g)
{
    if (!g || GEOSisEmpty_r(h, g)) {
        dm_buf_puts(b, "null");
        return true;
    }
    int t = GEOSGeomTypeId_r(h, g);
    switch (t) {
    case GEOS_POINT:
        dm_buf_puts(b, "{\"type\": \"Point\", \"coordinates\": ");
        {
            double x, y;
            if (!GEOSGeomGetX_r(h, g, &x) || !GEOSGeomGetY_r(h, g, &y))
                return false;
            dm_buf_puts(b, "[");
            coord(b, x);
            dm_buf_puts(b, ", ");
            coord(b, y);
            dm_buf_puts(b, "]}");
        }
        return true;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        dm_buf_puts(b, "{\"type\": \"LineString\", \"coordinates\": ");
        if (!seq_json(h, b, GEOSGeom_getCoordSeq_r(h, g)))
            return false;
        dm_buf_puts(b, "}");
        return true;
    case GEOS_POLYGON:
        dm_buf_puts(b, "{\"type\": \"Polygon\", \"coordinates\": ");
        if (!polygon_rings(h, b, g))
            return false;
        dm_buf_puts(b, "}");
        return true;
    case GEOS_MULTIPOINT:
    case GEOS_MULTILINESTRING:
    case GEOS_MULTIPOLYGON: {
        static const char *const names[] = {"MultiPoint", "MultiLineString", "MultiPolygon"};
        dm_buf_printf(b, "{\"type\": \"%s\", \"coordinates\": [", names[t - GEOS_MULTIPOINT]);
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            if (i)
                dm_buf_puts(b, ", ");
            bool ok;
            if (t == GEOS_MULTIPOINT) {
                double x, y;
                ok = GEOSGeomGetX_r(h, part, &x) && GEOSGeomGetY_r(h, part, &y);
                if (ok) {
                    dm_buf_puts(b, "[");
                    coord(b, x);
                    dm_buf_puts(b, ", ");
                    coord(b, y);
                    dm_buf_puts(b, "]");
                }
            } else if (t == GEOS_MULTILINESTRING) {
                ok = seq_json(h, b, GEOSGeom_getCoordSeq_r(h, part));
            } else {
                ok = polygon_rings(h, b, part);
            }
            if (!ok)
                return false;
        }
        dm_buf_puts(b, "]}");
        return true;
    }
    case GEOS_GEOMETRYCOLLECTION: {
        dm_buf_puts(b, "{\"type\": \"GeometryCollection\", \"geometries\": [");
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            if (i)
                dm_buf_puts(b, ", ");
            if (!geometry_json(h, b, GEOSGetGeometryN_r(h, g, i)))
                return false;
        }
        dm_buf_puts(b, "]}");
        return true;
    }
    default: return false;
    }
}

static void value_json(dm_buf *b, const dm_field *f, const char *v)
{
    if (!v) {
        dm_buf_puts(b, "null");
        return;
    }
    switch (f->type) {
    case DM_FT_INT:
    case DM_FT_REAL: dm_buf_puts(b, v); break;
    case DM_FT_BOOL: dm_buf_puts(b, strcmp(v, "0") ? "true" : "false"); break;
    default: dm_buf_json_string(b, v);
    }
}

/* ---- properties made by the server ----
 *
 * Not stored but derived, in items answers only, when properties= names
 * them (sortby may name them too): a polygon kind's area_m2 (the geodesic
 * area of its geometry in m²), and a victim's accident_date,
 * accident_admin_code and accident_settlement_code (its accident's date,
 * admin area and settlement, from the accident its accident_code names:
 * approved accidents, and with state= the accidents not approved yet too;
 * null when it names none). */
enum { V_AREA, V_ACC_DATE, V_ACC_ADMIN, V_ACC_SETTLEMENT, V_COUNT };
static const char *const virtual_names[V_COUNT] = {
    "area_m2", "accident_date", "accident_admin_code", "accident_settlement_code"};

static bool has_virtual(const dm_kind *k, int v)
{
    return v == V_AREA ? k->geom == DM_GEOM_POLYGON : k == &dm_kind_victims;
}

/* The date, admin area and settlement of every accident, by code. */
typedef struct accident_join {
    dm_strmap codes;
    char **vals; /* 3 per accident, in the order of codes (owned; NULL = unknown) */
    size_t cap;  /* accidents vals has room for */
    bool failed; /* out of memory while loading */
} accident_join;

static int join_add(const char *code, const char *state, const char *const *values, void *ctx)
{
    (void)state;
    accident_join *j = ctx;
    long at;
    int added;
    if (dm_strmap_intern(&j->codes, code, &at, &added) || !added) {
        j->failed = !added ? j->failed : true;
        return j->failed; /* a code seen twice: the first row stands */
    }
    if ((size_t)at >= j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 1024;
        char **v = realloc(j->vals, cap * 3 * sizeof *v);
        if (!v) {
            j->failed = true;
            return 1;
        }
        j->vals = v;
        j->cap = cap;
    }
    for (int i = 0; i < 3; i++) {
        j->vals[at * 3 + i] = values[i] ? strdup(values[i]) : NULL;
        if (values[i] && !j->vals[at * 3 + i])
            j->failed = true;
    }
    return j->failed;
}

static void join_free(accident_join *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->codes.n && j->vals; i++)
        for (int f = 0; f < 3; f++)
            free(j->vals[i * 3 + f]);
    free(j->vals);
    dm_strmap_free(&j->codes);
    free(j);
}

/* NULL when the accidents cannot be read. */
static accident_join *join_load(dm_store *store, bool drafts)
{
    static const char *const fields[] = {"date", "admin_code", "settlement_code"};
    accident_join *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    dm_strmap_init(&j->codes);
    dm_error err;
    if (dm_store_scan(store, &dm_kind_accidents, fields, 3, drafts, join_add, j, &err) ||
        j->failed) {
        join_free(j);
        return NULL;
    }
    return j;
}

/* A victim's value of virtual property v (V_ACC_*), or NULL. */
static const char *join_value(const accident_join *j, const dm_record *rec, int v)
{
    const char *code = rec->values[0]; /* accident_code (kind.c) */
    long at = j && code ? dm_strmap_find(&j->codes, code) : -1;
    return at < 0 ? NULL : j->vals[at * 3 + (v - V_ACC_DATE)];
}

/* One feature: id is the record's code. Personal fields never go out. */
/* Property selection (properties=a,b: OGC API - Features Part 6): which
 * properties a feature carries. */
typedef struct prop_select {
    bool on; /* false: all */
    bool field[DM_MAX_FIELDS];
    bool code, state, version, updated_at;
    bool virt[V_COUNT];
} prop_select;

/* The properties made by the server that sel names, after the stored
 * ones. */
static void virtual_json(dm_store *store, dm_buf *b, const dm_record *rec, const prop_select *sel,
                         const accident_join *join, const char **sep)
{
    bool all = !sel || !sel->on;
    for (int v = 0; v < V_COUNT; v++) {
        if (!has_virtual(rec->kind, v) || all || !sel->virt[v])
            continue;
        dm_buf_printf(b, "%s\"%s\": ", *sep, virtual_names[v]);
        *sep = ", ";
        if (v == V_AREA) {
            if (rec->geom)
                dm_buf_printf(b, "%.1f", dm_geo_area_m2(dm_store_geo(store), rec->geom));
            else
                dm_buf_puts(b, "null");
            continue;
        }
        const char *val = join_value(join, rec, v);
        if (val)
            dm_buf_json_string(b, val);
        else
            dm_buf_puts(b, "null");
    }
}

static bool feature_json_sel(dm_store *store, dm_buf *b, const dm_record *rec, bool with_personal,
                             const prop_select *sel, const accident_join *join)
{
    const dm_kind *k = rec->kind;
    bool all = !sel || !sel->on;
    dm_buf_puts(b, "{\"type\": \"Feature\", \"id\": ");
    dm_buf_json_string(b, rec->code);
    dm_buf_puts(b, ", \"geometry\": ");
    if (!geometry_json(dm_geo_handle(dm_store_geo(store)), b, rec->geom))
        return false;
    dm_buf_puts(b, ", \"properties\": {");
    const char *sep = "";
    if (all || sel->code) {
        dm_buf_puts(b, "\"code\": ");
        dm_buf_json_string(b, rec->code);
        sep = ", ";
    }
    for (size_t i = 0; i < k->nfields; i++) {
        if (((k->fields[i].flags & DM_FIELD_PERSONAL) && !with_personal) ||
            (!all && !sel->field[i]))
            continue;
        dm_buf_puts(b, sep); /* field names need no escaping */
        dm_buf_puts(b, "\"");
        dm_buf_puts(b, k->fields[i].name);
        dm_buf_puts(b, "\": ");
        value_json(b, &k->fields[i], rec->values[i]);
        sep = ", ";
    }
    if (all || sel->state) {
        dm_buf_printf(b, "%s\"state\": ", sep);
        dm_buf_json_string(b, rec->state);
        sep = ", ";
    }
    if (all || sel->version) {
        dm_buf_printf(b, "%s\"version\": %lld", sep, (long long)rec->version);
        sep = ", ";
    }
    if (all || sel->updated_at) {
        dm_buf_printf(b, "%s\"updated_at\": ", sep);
        dm_buf_json_string(b, rec->updated_at);
        sep = ", ";
    }
    if (join || (sel && sel->on))
        virtual_json(store, b, rec, sel, join, &sep);
    dm_buf_puts(b, "}}");
    return true;
}

bool dm_feature_json(dm_store *store, dm_buf *b, const dm_record *rec, bool with_personal)
{
    return feature_json_sel(store, b, rec, with_personal, NULL, NULL);
}

/* The index of k's virtual property called name, or -1. */
static int virtual_index(const dm_kind *k, const char *name)
{
    for (int v = 0; v < V_COUNT; v++)
        if (has_virtual(k, v) && !strcmp(name, virtual_names[v]))
            return v;
    return -1;
}

/* Reads properties=a,b into sel; false (r filled: 400) for a name that is
 * not a property the caller may see. */
static bool parse_properties(const dm_request *q, dm_response *r, const dm_kind *k,
                             prop_select *sel)
{
    memset(sel, 0, sizeof *sel);
    const char *list = dm_qs_get(q->qs, "properties");
    if (!list)
        return true;
    sel->on = true;
    char buf[1024];
    if (strlen(list) >= sizeof buf) {
        dm_respond_problem(r, 400, "Bad properties", "properties= is too long");
        return false;
    }
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int i = dm_kind_field_index(k, t);
        if (i >= 0 && (!(k->fields[i].flags & DM_FIELD_PERSONAL) || personal(q, k)))
            sel->field[i] = true;
        else if (!strcmp(t, "code"))
            sel->code = true;
        else if (!strcmp(t, "state"))
            sel->state = true;
        else if (!strcmp(t, "version"))
            sel->version = true;
        else if (!strcmp(t, "updated_at"))
            sel->updated_at = true;
        else if (virtual_index(k, t) >= 0)
            sel->virt[virtual_index(k, t)] = true;
        else {
            dm_respond_problem(r, 400, "Bad properties",
                               "properties=%s: %s is not a property of %s (see "
                               "/collections/%s/queryables)",
                               list, t, k->name, k->name);
            return false;
        }
    }
    return true;
}

/* ---- HTML ---- */

static void html_escaped(dm_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': dm_buf_puts(b, "&lt;"); break;
        case '>': dm_buf_puts(b, "&gt;"); break;
        case '&': dm_buf_puts(b, "&amp;"); break;
        case '"': dm_buf_puts(b, "&quot;"); break;
        default: dm_buf_append(b, s, 1);
        }
    }
}

static void html_open(dm_response *r, const char *title)
{
    r->content_type = "text/html; charset=utf-8";
    dm_buf_puts(&r->body, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    html_escaped(&r->body, title);
    dm_buf_puts(&r->body, "</title></head><body><h1>");
    html_escaped(&r->body, title);
    dm_buf_puts(&r->body, "</h1>\n");
}

static void html_close(dm_response *r) { dm_buf_puts(&r->body, "</body></html>\n"); }

/* ---- the resources ---- */

static const char *const conformance[] = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    NULL};

static void landing(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    if (wanted_format(q) == FMT_HTML) {
        html_open(r, "demine");
        dm_buf_puts(&r->body, "<p>Mine action records as OGC API - Features.</p><ul>"
                              "<li><a href=\"/collections?f=html\">Collections</a></li>"
                              "<li><a href=\"/conformance?f=html\">Conformance</a></li>"
                              "<li><a href=\"/api\">API definition (OpenAPI 3.0)</a></li></ul>");
        html_close(r);
        return;
    }
    dm_buf *b = &r->body;
    dm_buf_puts(b, "{\"title\": \"demine\", \"description\": \"Mine action records: hazardous "
                   "areas, land release, EO items, accidents\", \"links\": [");
    add_link(b, true, q->base, "/?f=json", "self", "application/json", "this document");
    add_link(b, false, q->base, "/?f=html", "alternate", "text/html", "this document as HTML");
    add_link(b, false, q->base, "/api", "service-desc",
             "application/vnd.oai.openapi+json;version=3.0", "the API definition");
    add_link(b, false, q->base, "/conformance", "conformance", "application/json",
             "conformance classes");
    add_link(b, false, q->base, "/collections", "data", "application/json", "feature collections");
    dm_buf_puts(b, "]}\n");
}

static void conformance_page(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    if (wanted_format(q) == FMT_HTML) {
        html_open(r, "Conformance");
        dm_buf_puts(&r->body, "<ul>");
        for (size_t i = 0; conformance[i]; i++)
            dm_buf_printf(&r->body, "<li>%s</li>", conformance[i]);
        dm_buf_puts(&r->body, "</ul>");
        html_close(r);
        return;
    }
    dm_buf_puts(&r->body, "{\"conformsTo\": [");
    for (size_t i = 0; conformance[i]; i++)
        dm_buf_printf(&r->body, "%s\"%s\"", i ? ", " : "", conformance[i]);
    dm_buf_puts(&r->body, "]}\n");
}

/* The date fields that say when a kind's records happened, for the
 * collection's temporal extent: an activity's start and end, else the
 * kind's date (an accident's, a release's, when a hazard was recorded, when
 * a minefield was laid); none for kinds without a date (0 returned). */
static size_t temporal_fields(const dm_kind *k, const char *names[2])
{
    if (dm_kind_field_index(k, "start_date") >= 0 && dm_kind_field_index(k, "end_date") >= 0) {
        names[0] = "start_date";
        names[1] = "end_date";
        return 2;
    }
    for (size_t i = 0; i < k->nfields; i++)
        if (k->fields[i].type == DM_FT_DATE) {
            names[0] = k->fields[i].name;
            return 1;
        }
    return 0;
}

/* "temporal": {...} of a kind with a date (*any), from the earliest to the
 * latest date of its approved records (as the spatial extent is made from
 * approved records), null at both ends when none has one. Roles without
 * read_personal get whole years (their casualty figures take whole years,
 * stats.c), so the first day of the first year and the last of the last.
 * False when the dates cannot be read. */
static bool temporal_extent(const dm_request *q, dm_buf *b, const dm_kind *k, bool *any)
{
    const char *names[2];
    size_t n = temporal_fields(k, names);
    *any = false;
    if (!n)
        return true;
    char first[11] = "", last[11] = "";
    for (size_t i = 0; i < n; i++) {
        char f[11], l[11];
        dm_error err;
        if (dm_store_date_range(q->store, k, names[i], false, f, l, &err))
            return false;
        if (f[0] && (!first[0] || strcmp(f, first) < 0))
            memcpy(first, f, sizeof first);
        if (l[0] && (!last[0] || strcmp(l, last) > 0))
            memcpy(last, l, sizeof last);
    }
    if (first[0] && !dm_authz_allowed(q->role, DM_ACT_READ_PERSONAL, NULL, q->pub, NULL)) {
        memcpy(first + 4, "-01-01", 7);
        memcpy(last + 4, "-12-31", 7);
    }
    *any = true;
    dm_buf_puts(b, "\"temporal\": {\"interval\": [[");
    if (first[0])
        dm_buf_printf(b, "\"%sT00:00:00Z\", \"%sT23:59:59Z\"", first, last);
    else
        dm_buf_puts(b, "null, null");
    dm_buf_puts(b, "]], \"trs\": \"http://www.opengis.net/def/uri/ISO-8601/0/Gregorian\"}");
    return true;
}

static void collection_json(const dm_request *q, dm_buf *b, const dm_kind *k)
{
    char href[200];
    dm_buf_printf(b, "{\"id\": \"%s\", \"title\": ", k->name);
    dm_buf_json_string(b, k->title);
    dm_buf_puts(b, ", \"itemType\": \"feature\", \"crs\": "
                   "[\"http://www.opengis.net/def/crs/OGC/1.3/CRS84\"], \"links\": [");
    snprintf(href, sizeof href, "/collections/%s", k->name);
    add_link(b, true, q->base, href, "self", "application/json", NULL);
    snprintf(href, sizeof href, "/collections/%s/items", k->name);
    add_link(b, false, q->base, href, "items", "application/geo+json", k->title);
    snprintf(href, sizeof href, "/collections/%s/items?f=html", k->name);
    add_link(b, false, q->base, href, "items", "text/html", k->title);
    snprintf(href, sizeof href, "/collections/%s/queryables", k->name);
    add_link(b, false, q->base, href, "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "application/schema+json", "the properties a filter may name");
    if (k->geom != DM_GEOM_NONE) {
        snprintf(href, sizeof href, "/collections/%s/tiles", k->name);
        add_link(b, false, q->base, href, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                 "application/json", "vector tiles (Mapbox Vector Tiles, WebMercatorQuad)");
    }
    dm_buf_puts(b, "]");
    double bb[4];
    bool has = false;
    dm_error err;
    dm_buf ext;
    dm_buf_init(&ext, 0);
    if (k->geom != DM_GEOM_NONE && !dm_store_extent(q->store, k, false, bb, &has, &err) && has) {
        dm_buf_puts(&ext, "\"spatial\": {\"bbox\": [[");
        for (int i = 0; i < 4; i++) {
            if (i)
                dm_buf_puts(&ext, ", ");
            coord(&ext, bb[i]);
        }
        dm_buf_puts(&ext, "]], \"crs\": \"http://www.opengis.net/def/crs/OGC/1.3/CRS84\"}");
    }
    dm_buf when;
    dm_buf_init(&when, 0);
    bool timed = false;
    if (temporal_extent(q, &when, k, &timed) && timed && !when.status)
        dm_buf_printf(&ext, "%s%s", has ? ", " : "", when.data);
    if (ext.len && !ext.status)
        dm_buf_printf(b, ", \"extent\": {%s}", ext.data);
    dm_buf_free(&when);
    dm_buf_free(&ext);
    dm_buf_puts(b, "}");
}

static void collections_page(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    bool html = wanted_format(q) == FMT_HTML;
    if (html) {
        html_open(r, "Collections");
        dm_buf_puts(&r->body, "<ul>");
    } else {
        dm_buf_puts(&r->body, "{\"links\": [");
        add_link(&r->body, true, q->base, "/collections", "self", "application/json", NULL);
        dm_buf_puts(&r->body, "], \"collections\": [");
    }
    bool first = true;
    for (size_t i = 0; i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        if (!k->table || !readable(q, k, NULL))
            continue;
        if (html) {
            dm_buf_printf(&r->body, "<li><a href=\"/collections/%s/items?f=html\">", k->name);
            html_escaped(&r->body, k->title);
            dm_buf_puts(&r->body, "</a></li>");
        } else {
            if (!first)
                dm_buf_puts(&r->body, ",\n  ");
            collection_json(q, &r->body, k);
        }
        first = false;
    }
    if (html) {
        dm_buf_puts(&r->body, "</ul>");
        html_close(r);
    } else {
        dm_buf_puts(&r->body, "]}\n");
    }
}

static void collection_page(const dm_request *q, dm_response *r, const dm_kind *k)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    if (wanted_format(q) == FMT_HTML) {
        html_open(r, k->title);
        dm_buf_printf(&r->body, "<p><a href=\"/collections/%s/items?f=html\">Items</a></p>",
                      k->name);
        html_close(r);
        return;
    }
    collection_json(q, &r->body, k);
    dm_buf_puts(&r->body, "\n");
}

/* The date field a collection's datetime applies to, or -1. */
static int date_field(const dm_kind *k)
{
    for (size_t i = 0; i < k->nfields; i++)
        if (k->fields[i].type == DM_FT_DATE)
            return (int)i;
    return -1;
}

/* The filters of an items request. */
typedef struct items_filter {
    bool has_bbox;
    bool index_only; /* the bbox came from the filter: no exact test with it */
    double bbox[4];
    int date_idx;
    char from[11], to[11]; /* "" = open */
    int nprops;
    int prop_idx[DM_MAX_FIELDS];
    char *prop_val[DM_MAX_FIELDS]; /* canonical values (malloc'd) */
    dm_cql2 *cql2;                 /* filter=, or NULL */
    accident_join *join;           /* victims: their accidents (owned), else NULL */
    bool acc_date;                 /* victims: from/to apply to accident_date */
    const char *acc_admin;         /* victims: accident_admin_code=, or NULL */
} items_filter;

static void filter_free(items_filter *f)
{
    for (int i = 0; i < f->nprops; i++)
        free(f->prop_val[i]);
    dm_cql2_free(f->cql2);
    f->cql2 = NULL;
    join_free(f->join);
    f->join = NULL;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && !*end && isfinite(*out);
}

static bool parse_bbox(const char *s, double bb[4], char *why, size_t whysz)
{
    double v[6];
    int n = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL; /* strtok_r: workers parse at the same time */
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == 6 || !parse_number(tok, &v[n++])) {
            snprintf(why, whysz, "bbox needs 4 numbers (minlon,minlat,maxlon,maxlat)");
            return false;
        }
    }
    if (n != 4 && n != 6) {
        snprintf(why, whysz, "bbox needs 4 numbers (minlon,minlat,maxlon,maxlat), not %d", n);
        return false;
    }
    /* with 6, the heights are ignored: the records have none */
    bb[0] = v[0];
    bb[1] = v[1];
    bb[2] = n == 6 ? v[3] : v[2];
    bb[3] = n == 6 ? v[4] : v[3];
    if (bb[1] > bb[3] || fabs(bb[1]) > 90 || fabs(bb[3]) > 90 || fabs(bb[0]) > 180 ||
        fabs(bb[2]) > 180) {
        snprintf(why, whysz, "bbox %s is not a box of longitudes and latitudes", s);
        return false;
    }
    if (bb[0] > bb[2]) {
        snprintf(why, whysz, "bbox %s crosses the antimeridian, which is not supported", s);
        return false;
    }
    return true;
}

/* datetime: an instant, or an interval a/b with ".." or "" for open ends. */
static bool parse_datetime(const char *s, char from[11], char to[11], char *why, size_t whysz)
{
    char a[64] = "", b[64] = "";
    const char *slash = strchr(s, '/');
    if (strlen(s) >= sizeof a) {
        snprintf(why, whysz, "datetime is too long");
        return false;
    }
    if (slash) {
        snprintf(a, sizeof a, "%.*s", (int)(slash - s), s);
        snprintf(b, sizeof b, "%s", slash + 1);
    } else {
        snprintf(a, sizeof a, "%s", s);
        snprintf(b, sizeof b, "%s", s);
    }
    const char *parts[2] = {a, b};
    char *outs[2] = {from, to};
    for (int i = 0; i < 2; i++) {
        outs[i][0] = 0;
        if (!*parts[i] || !strcmp(parts[i], ".."))
            continue;
        dm_date d;
        dm_error e;
        if (dm_date_parse(parts[i], &d, &e)) {
            snprintf(why, whysz, "datetime: %s", e.msg);
            return false;
        }
        dm_date_format(d, outs[i]);
    }
    if (from[0] && to[0] && strcmp(from, to) > 0) {
        snprintf(why, whysz, "datetime %s ends before it starts", s);
        return false;
    }
    return true;
}

/* The filters of q on k into f (filter_free() after, even on failure);
 * drafts: the state wanted includes records not approved yet. */
static bool build_filter(const dm_request *q, dm_response *r, const dm_kind *k, bool drafts,
                         items_filter *f)
{
    memset(f, 0, sizeof *f);
    f->date_idx = -1;
    char why[300];
    if (k == &dm_kind_victims && !(f->join = join_load(q->store, drafts))) {
        dm_respond_problem(r, 500, "Internal error", "the accidents could not be read");
        return false;
    }
    f->acc_admin = dm_qs_get(q->qs, "accident_admin_code");
    if (f->acc_admin && k != &dm_kind_victims) {
        dm_respond_problem(r, 400, "Unknown parameter",
                           "accident_admin_code is a parameter of victims only");
        return false;
    }
    const char *bbox = dm_qs_get(q->qs, "bbox");
    if (bbox) {
        if (!parse_bbox(bbox, f->bbox, why, sizeof why)) {
            dm_respond_problem(r, 400, "Bad bbox", "%s", why);
            return false;
        }
        f->has_bbox = true;
    }
    const char *dt = dm_qs_get(q->qs, "datetime");
    if (dt) {
        f->date_idx = date_field(k);
        f->acc_date = k == &dm_kind_victims; /* their accident's date */
        if (f->date_idx < 0 && !f->acc_date) {
            dm_respond_problem(r, 400, "No dates", "%s records have no date to filter on", k->name);
            return false;
        }
        if (!parse_datetime(dt, f->from, f->to, why, sizeof why)) {
            dm_respond_problem(r, 400, "Bad datetime", "%s", why);
            return false;
        }
    }
    const char *lang = dm_qs_get(q->qs, "filter-lang"), *fcrs = dm_qs_get(q->qs, "filter-crs");
    if (lang && strcmp(lang, "cql2-text")) {
        dm_respond_problem(r, 400, "Unknown filter language",
                           "filter-lang=%s: this server reads cql2-text", lang);
        return false;
    }
    if (fcrs && strcmp(fcrs, "http://www.opengis.net/def/crs/OGC/1.3/CRS84")) {
        dm_respond_problem(r, 400, "Unknown filter CRS",
                           "filter-crs: coordinates in filters are CRS84 longitude/latitude");
        return false;
    }
    const char *cql = dm_qs_get(q->qs, "filter");
    if (cql) {
        dm_error e;
        if (dm_cql2_parse(cql, k, dm_store_geo(q->store), &f->cql2, &e)) {
            dm_respond_problem(r, 400, "Bad filter", "%s", e.msg);
            return false;
        }
        if (dm_cql2_uses_personal(f->cql2)) {
            dm_respond_problem(r, 403, "Forbidden", "filters on personal data need a login");
            return false;
        }
        double bb[4];
        bool has;
        dm_cql2_bbox(f->cql2, bb, &has);
        if (has && !f->has_bbox && bb[0] <= bb[2]) { /* a pre-filter for the index only */
            memcpy(f->bbox, bb, sizeof bb);
            f->index_only = true;
            f->has_bbox = true;
        }
    }
    for (size_t i = 0; i < dm_qs_size(q->qs); i++) {
        const dm_qs_param *p = dm_qs_at(q->qs, i);
        int fi = dm_kind_field_index(k, p->name);
        if (fi < 0)
            continue;
        char *canon = NULL;
        dm_error e;
        if (dm_field_normalise(&k->fields[fi], p->value, &canon, &e)) {
            dm_respond_problem(r, 400, "Bad property filter", "%s", e.msg);
            return false;
        }
        f->prop_idx[f->nprops] = fi;
        f->prop_val[f->nprops++] = canon; /* NULL: the value is unknown */
    }
    return true;
}

static bool matches(const items_filter *f, const dm_record *rec, dm_geo *geo, bool *failed)
{
    if (f->cql2) {
        bool m = false;
        dm_error e;
        if (dm_cql2_eval(f->cql2, rec, geo, &m, &e)) {
            *failed = true;
            return false;
        }
        if (!m)
            return false;
    }
    if (f->acc_admin) {
        const char *a = join_value(f->join, rec, V_ACC_ADMIN);
        if (!a || strcmp(a, f->acc_admin))
            return false;
    }
    if (f->date_idx >= 0 || f->acc_date) {
        const char *d =
            f->acc_date ? join_value(f->join, rec, V_ACC_DATE) : rec->values[f->date_idx];
        if (!d || (f->from[0] && strcmp(d, f->from) < 0) || (f->to[0] && strcmp(d, f->to) > 0))
            return false;
    }
    for (int i = 0; i < f->nprops; i++) {
        const char *v = rec->values[f->prop_idx[i]];
        if (f->prop_val[i] ? !v || strcmp(v, f->prop_val[i]) : v != NULL)
            return false;
    }
    return true;
}

/* The items URL with the same parameters but another offset. */
static void page_link(const dm_request *q, dm_buf *b, const dm_kind *k, long offset, bool html)
{
    dm_buf url;
    dm_buf_init(&url, 0);
    dm_buf_printf(&url, "/collections/%s/items?", k->name);
    bool first = true;
    for (size_t i = 0; i < dm_qs_size(q->qs); i++) {
        const dm_qs_param *p = dm_qs_at(q->qs, i);
        if (!strcmp(p->name, "offset") || (!strcmp(p->name, "f") && !html))
            continue;
        if (!first)
            dm_buf_puts(&url, "&");
        dm_qs_encode_value(&url, p->name, p->name_len);
        dm_buf_puts(&url, "=");
        dm_qs_encode_value(&url, p->value, p->value_len);
        first = false;
    }
    dm_buf_printf(&url, "%soffset=%ld", first ? "" : "&", offset);
    if (!url.status)
        dm_buf_puts(b, url.data);
    dm_buf_free(&url);
}

/* state=submitted|draft|all: records not approved yet, for those who write
 * or approve them; state=mine: the caller's own records not approved
 * (draft, submitted and rejected ones they wrote any part of since the last
 * approval: dm_server_wrote). *out: NULL for approved records only, "" for
 * all, else the state wanted. False when refused (r filled). */
static bool parse_state(const dm_request *q, dm_response *r, const dm_kind *k, const char **out)
{
    const char *want_state = dm_qs_get(q->qs, "state");
    *out = NULL;
    if (want_state && strcmp(want_state, "approved") && strcmp(want_state, "submitted") &&
        strcmp(want_state, "draft") && strcmp(want_state, "all") && strcmp(want_state, "mine")) {
        dm_respond_problem(r, 400, "Bad state",
                           "state=%s: approved (the default), submitted, draft, all or mine",
                           want_state);
        return false;
    }
    if (want_state && !strcmp(want_state, "approved"))
        want_state = NULL;
    if (want_state && !dm_server_sees_drafts(q, k)) {
        dm_respond_denied(q, r, "records not approved yet are for editors and approvers");
        return false;
    }
    if (want_state && !strcmp(want_state, "mine") && !q->user[0]) {
        dm_respond_denied(q, r, "state=mine is the records of the user logged in");
        return false;
    }
    *out = want_state && !strcmp(want_state, "all") ? "" : want_state;
    return true;
}

typedef enum { SCAN_DONE, SCAN_LATE, SCAN_FAILED } scan_end;

/* Calls each(ctx, rec) for every record of k that f matches, in the store's
 * order, with the state wanted (parse_state); each returns false to stop
 * (SCAN_FAILED). With paged, the store skips `offset` records and reads
 * `limit` (nothing to filter then). Stops with SCAN_LATE past the request's
 * deadline. */
static scan_end scan_matches(const dm_request *q, const dm_kind *k, const items_filter *f,
                             const char *want_state, bool paged, long offset, long limit,
                             bool (*each)(void *ctx, const dm_record *rec), void *ctx)
{
    bool mine = want_state && !strcmp(want_state, "mine");
    dm_query qr = {.kind = k,
                   .include_drafts = want_state != NULL,
                   .not_approved = mine,
                   .with_geometry = true,
                   .keep_damaged = true,
                   .has_bbox = f->has_bbox};
    memcpy(qr.bbox, f->bbox, sizeof qr.bbox);
    if (paged) {
        qr.offset = offset;
        qr.limit = limit;
    }
    dm_cursor *cur;
    dm_error err;
    if (dm_store_query(q->store, &qr, &cur, &err))
        return SCAN_FAILED;
    dm_record rec;
    dm_record_init(&rec, k);
    bool has;
    scan_end end = SCAN_DONE;
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(q->store));
    GEOSGeometry *box =
        f->has_bbox && !f->index_only
            ? GEOSGeom_createRectangle_r(h, f->bbox[0], f->bbox[1], f->bbox[2], f->bbox[3])
            : NULL;
    const GEOSPreparedGeometry *pbox = box ? GEOSPrepare_r(h, box) : NULL;
    for (long seen = 0;; seen++) {
        if ((seen & 255) == 255 && dm_request_late(q)) {
            end = SCAN_LATE;
            break;
        }
        if (dm_cursor_next(cur, &rec, &has, &err)) {
            end = SCAN_FAILED;
            break;
        }
        if (!has)
            break;
        if (want_state && *want_state && !mine && strcmp(rec.state, want_state))
            continue;
        bool failed = false;
        /* no geometry: a damaged one is not served (`demine check` lists
           it); a record of a kind whose geometry may be missing is served
           with a null one, unless a bbox asks for a place */
        bool no_geom = !rec.geom && (rec.geom_damaged || k->geom_required || f->has_bbox);
        if (no_geom || !matches(f, &rec, dm_store_geo(q->store), &failed)) {
            if (failed) {
                end = SCAN_FAILED;
                break;
            }
            continue;
        }
        /* the index gives envelopes: the geometry itself must meet the box */
        if (pbox && rec.geom && GEOSPreparedIntersects_r(h, pbox, rec.geom) != 1)
            continue;
        if (mine && !dm_server_wrote(q, k, &rec))
            continue;
        if (!each(ctx, &rec)) {
            end = SCAN_FAILED;
            break;
        }
    }
    if (pbox)
        GEOSPreparedGeom_destroy_r(h, pbox);
    if (box)
        GEOSGeom_destroy_r(h, box);
    dm_record_clear(&rec, dm_store_geo(q->store));
    dm_cursor_close(cur);
    return end;
}

/* An items page being written: the matches counted, those of the page
 * written into feats (or, sorted, into slots in their order). */
typedef struct page_writer {
    const dm_request *q;
    const dm_kind *k;
    const prop_select *sel;
    const accident_join *join;
    bool html, personal, paged;
    long offset, limit, matched, returned;
    dm_buf feats;
    /* sorted: the page's codes (index = place on the page) and their rows */
    const dm_strmap *page_codes;
    dm_buf *slots;
} page_writer;

/* One record as an HTML table row or a GeoJSON feature into b. */
static bool write_row(page_writer *w, dm_buf *b, const dm_record *rec)
{
    const dm_kind *k = w->k;
    if (!w->html)
        return feature_json_sel(w->q->store, b, rec, w->personal, w->sel, w->join);
    dm_buf_puts(b, "<tr><td>");
    html_escaped(b, rec->code);
    for (size_t i = 0; i < k->nfields; i++) {
        if (k->fields[i].flags & DM_FIELD_PERSONAL)
            continue;
        dm_buf_puts(b, "</td><td>");
        html_escaped(b, rec->values[i] ? rec->values[i] : "");
    }
    dm_buf_puts(b, "</td></tr>\n");
    return true;
}

static bool page_add(void *ctx, const dm_record *rec)
{
    page_writer *w = ctx;
    if (w->matched++ < (w->paged ? 0 : w->offset) || w->returned >= w->limit)
        return true;
    if (w->returned && !w->html)
        dm_buf_puts(&w->feats, ",\n  ");
    w->returned++;
    return write_row(w, &w->feats, rec);
}

/* ---- sortby ---- */

/* Where a sort key's value comes from: a field (>= 0) or one of these. */
enum { SRC_CODE = -1, SRC_STATE = -2, SRC_VERSION = -3, SRC_UPDATED = -4, SRC_VIRTUAL = -10 };

/* The keys a caller may sort k on: code, the fields it may read (not the
 * documents), state, version, updated_at and k's virtual properties. */
typedef struct sort_keys {
    const char *names[DM_MAX_FIELDS + 4 + V_COUNT];
    int src[DM_MAX_FIELDS + 4 + V_COUNT];
    size_t n;
} sort_keys;

static void sort_keys_of(const dm_kind *k, bool with_personal, sort_keys *sk)
{
    sk->n = 0;
    sk->names[sk->n] = "code";
    sk->src[sk->n++] = SRC_CODE;
    for (size_t i = 0; i < k->nfields; i++) {
        unsigned fl = k->fields[i].flags;
        if ((fl & DM_FIELD_DOCUMENT) || ((fl & DM_FIELD_PERSONAL) && !with_personal))
            continue;
        sk->names[sk->n] = k->fields[i].name;
        sk->src[sk->n++] = (int)i;
    }
    static const char *const meta[] = {"state", "version", "updated_at"};
    for (int i = 0; i < 3; i++) {
        sk->names[sk->n] = meta[i];
        sk->src[sk->n++] = SRC_STATE - i;
    }
    for (int v = 0; v < V_COUNT; v++)
        if (has_virtual(k, v)) {
            sk->names[sk->n] = virtual_names[v];
            sk->src[sk->n++] = SRC_VIRTUAL - v;
        }
}

/* How the keys of one request compare. */
typedef struct sort_spec {
    size_t n;
    int dir[DM_SORTBY_MAX]; /* 1 ascending, -1 descending */
    bool number[DM_SORTBY_MAX];
} sort_spec;

/* One matching record's sort values. */
typedef struct sort_row {
    const sort_spec *spec;
    long seq; /* its place in store order: ties keep it */
    char *code;
    char *s[DM_SORTBY_MAX];  /* text values (NULL = unknown) */
    double d[DM_SORTBY_MAX]; /* numbers */
    unsigned known;          /* bit i: key i is known */
} sort_row;

typedef struct sort_collect {
    const dm_request *q;
    const dm_kind *k;
    const accident_join *join;
    const sort_keys *sk;
    const dm_sortby *by;
    sort_spec spec;
    sort_row *rows;
    size_t n, cap;
} sort_collect;

static void sort_rows_free(sort_collect *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->rows[i].code);
        for (size_t j = 0; j < c->by->n; j++)
            free(c->rows[i].s[j]);
    }
    free(c->rows);
}

static bool sort_add(void *ctx, const dm_record *rec)
{
    sort_collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        sort_row *rows = realloc(c->rows, cap * sizeof *rows);
        if (!rows)
            return false;
        c->rows = rows;
        c->cap = cap;
    }
    sort_row *row = &c->rows[c->n];
    memset(row, 0, sizeof *row);
    row->spec = &c->spec;
    row->seq = (long)c->n;
    if (!(row->code = strdup(rec->code)))
        return false;
    c->n++;
    char num[32];
    for (size_t i = 0; i < c->by->n; i++) {
        int src = c->sk->src[c->by->key[i]];
        const char *v = NULL;
        if (src >= 0)
            v = rec->values[src];
        else if (src == SRC_CODE)
            v = rec->code;
        else if (src == SRC_STATE)
            v = rec->state;
        else if (src == SRC_UPDATED)
            v = rec->updated_at;
        else if (src == SRC_VERSION)
            v = (snprintf(num, sizeof num, "%lld", (long long)rec->version), num);
        else if (src == SRC_VIRTUAL - V_AREA)
            v = rec->geom ? (snprintf(num, sizeof num, "%.17g",
                                      dm_geo_area_m2(dm_store_geo(c->q->store), rec->geom)),
                             num)
                          : NULL;
        else
            v = join_value(c->join, rec, SRC_VIRTUAL - src);
        if (!v)
            continue;
        row->known |= 1u << i;
        if (c->spec.number[i])
            row->d[i] = strtod(v, NULL);
        else if (!(row->s[i] = strdup(v)))
            return false;
    }
    return true;
}

/* Unknown values last whichever the direction; ties in store order. */
static int sort_cmp(const void *pa, const void *pb)
{
    const sort_row *a = pa, *b = pb;
    const sort_spec *sp = a->spec;
    for (size_t i = 0; i < sp->n; i++) {
        unsigned bit = 1u << i;
        if ((a->known & bit) != (b->known & bit))
            return a->known & bit ? -1 : 1;
        if (!(a->known & bit))
            continue;
        int c;
        if (sp->number[i])
            c = (a->d[i] > b->d[i]) - (a->d[i] < b->d[i]);
        else
            c = strcmp(a->s[i], b->s[i]);
        if (c)
            return c < 0 ? -sp->dir[i] : sp->dir[i];
    }
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Sorted: writes the page's records into their slots. */
static bool slot_add(void *ctx, const dm_record *rec)
{
    page_writer *w = ctx;
    long at = dm_strmap_find(w->page_codes, rec->code);
    if (at < 0 || w->slots[at].len)
        return true;
    return write_row(w, &w->slots[at], rec);
}

/* Reads sortby= into by and spec; false (r filled: 400) when bad. */
static bool parse_sortby(const dm_request *q, dm_response *r, const dm_kind *k, sort_keys *sk,
                         dm_sortby *by, sort_spec *spec)
{
    const char *text = dm_qs_get(q->qs, "sortby");
    by->n = 0;
    if (!text)
        return true;
    sort_keys_of(k, personal(q, k), sk);
    dm_error err;
    if (dm_sortby_parse(text, sk->names, sk->n, by, &err)) {
        dm_respond_problem(r, 400, "Bad sortby", "%s", err.msg);
        return false;
    }
    memset(spec, 0, sizeof *spec);
    spec->n = by->n;
    for (size_t i = 0; i < by->n; i++) {
        int src = sk->src[by->key[i]];
        spec->dir[i] = by->desc[i] ? -1 : 1;
        spec->number[i] =
            src == SRC_VERSION || src == SRC_VIRTUAL - V_AREA ||
            (src >= 0 && (k->fields[src].type == DM_FT_INT || k->fields[src].type == DM_FT_REAL ||
                          k->fields[src].type == DM_FT_BOOL));
    }
    return true;
}

/* Every match of f into c (sort_rows_free() after), sorted. */
static scan_end sort_matches(const dm_request *q, const dm_kind *k, const items_filter *f,
                             const char *want_state, const sort_keys *sk, const dm_sortby *by,
                             const sort_spec *spec, sort_collect *c)
{
    *c = (sort_collect){.q = q, .k = k, .join = f->join, .sk = sk, .by = by, .spec = *spec};
    scan_end se = scan_matches(q, k, f, want_state, false, 0, 0, sort_add, c);
    if (se != SCAN_DONE) {
        sort_rows_free(c);
        c->n = 0;
        c->rows = NULL;
        return se;
    }
    for (size_t i = 0; i < c->n; i++) /* c moved: the rows point at its spec */
        c->rows[i].spec = &c->spec;
    qsort(c->rows, c->n, sizeof *c->rows, sort_cmp);
    return SCAN_DONE;
}

/* The page of a sorted answer into w->feats: every match read and sorted,
 * then the page's records read again in their order. */
static scan_end sorted_page(const dm_request *q, const dm_kind *k, const items_filter *f,
                            const char *want_state, const sort_keys *sk, const dm_sortby *by,
                            const sort_spec *spec, page_writer *w)
{
    sort_collect c;
    scan_end se = sort_matches(q, k, f, want_state, sk, by, spec, &c);
    if (se != SCAN_DONE)
        return se;
    w->matched = (long)c.n;
    size_t from = (size_t)w->offset < c.n ? (size_t)w->offset : c.n;
    size_t count = c.n - from < (size_t)w->limit ? c.n - from : (size_t)w->limit;
    dm_strmap codes;
    dm_strmap_init(&codes);
    dm_buf *slots = count ? calloc(count, sizeof *slots) : NULL;
    bool ok = !count || slots;
    for (size_t i = 0; ok && i < count; i++) {
        long at;
        int added;
        ok = !dm_strmap_intern(&codes, c.rows[from + i].code, &at, &added);
        dm_buf_init(&slots[i], 0);
    }
    sort_rows_free(&c);
    if (ok && count) {
        w->page_codes = &codes;
        w->slots = slots;
        se = scan_matches(q, k, f, want_state, false, 0, 0, slot_add, w);
    }
    for (size_t i = 0; i < count && slots; i++) {
        /* a record changed between the two reads is left out */
        if (ok && se == SCAN_DONE && slots[i].len && !slots[i].status) {
            if (w->returned++ && !w->html)
                dm_buf_puts(&w->feats, ",\n  ");
            dm_buf_append(&w->feats, slots[i].data, slots[i].len);
        }
        dm_buf_free(&slots[i]);
    }
    free(slots);
    dm_strmap_free(&codes);
    w->page_codes = NULL;
    w->slots = NULL;
    return ok ? se : SCAN_FAILED;
}

/* f=xlsx: an items request answered as a workbook. */
static bool wants_xlsx(const dm_request *q)
{
    const char *f = dm_qs_get(q->qs, "f");
    return f && !strcmp(f, "xlsx");
}

/* The records of an items page written as an XLSX sheet (io/export.h):
 * the same records as the JSON page, the same properties. */
typedef struct xlsx_writer {
    const dm_request *q;
    const dm_kind *k;
    const items_filter *f;
    const char *want_state;
    dm_sheet_columns cols;
    bool paged;
    long offset, limit, matched, returned;
    dm_xlsx_sheet *sheet;
    dm_error *err;
    bool failed;
    scan_end se;
    const sort_keys *sk; /* sortby: the keys (else NULL) */
    const dm_sortby *by;
    const sort_spec *spec;
} xlsx_writer;

/* Sorted: the page's records read one by one in their order. */
static bool xlsx_sorted(xlsx_writer *w)
{
    sort_collect c;
    w->se = sort_matches(w->q, w->k, w->f, w->want_state, w->sk, w->by, w->spec, &c);
    bool ok = w->se == SCAN_DONE;
    dm_record rec;
    dm_record_init(&rec, w->k);
    for (size_t i = (size_t)w->offset; ok && i < c.n && w->returned < w->limit; i++) {
        dm_status st = dm_store_get(w->q->store, w->k, c.rows[i].code, &rec, w->err);
        if (st == DM_ENOTFOUND) /* deleted between the two reads */
            continue;
        if (st || dm_xlsx_sheet_add(w->sheet, &rec, w->err))
            ok = !(w->failed = true);
        else
            w->returned++;
        dm_record_clear(&rec, dm_store_geo(w->q->store));
    }
    dm_record_clear(&rec, dm_store_geo(w->q->store));
    sort_rows_free(&c);
    return ok;
}

static bool xlsx_add(void *ctx, const dm_record *rec)
{
    xlsx_writer *w = ctx;
    if (w->matched++ < (w->paged ? 0 : w->offset) || w->returned >= w->limit)
        return true;
    if (dm_xlsx_sheet_add(w->sheet, rec, w->err)) {
        w->failed = true;
        return false;
    }
    w->returned++;
    return true;
}

static dm_status xlsx_write(const char *path, void *ctx, dm_error *err)
{
    xlsx_writer *w = ctx;
    w->err = err;
    dm_status st = dm_xlsx_sheet_begin(w->q->store, w->k, path, true, &w->cols, &w->sheet, err);
    if (st)
        return st;
    if (w->sk)
        xlsx_sorted(w);
    else
        w->se = scan_matches(w->q, w->k, w->f, w->want_state, w->paged, w->offset, w->limit,
                             xlsx_add, w);
    bool ok = w->se == SCAN_DONE && !w->failed;
    if (!ok && !w->failed)
        dm_error_set(err, DM_EIO, "the records could not be read");
    dm_status est = dm_xlsx_sheet_end(w->sheet, ok, NULL, ok ? err : NULL);
    return ok ? est : err->code;
}

static void items_xlsx(const dm_request *q, dm_response *r, xlsx_writer *w, const prop_select *sel)
{
    const dm_kind *k = w->k;
    w->cols.personal_data = personal(q, k);
    if (sel->on) {
        w->cols.selected = true;
        memcpy(w->cols.field, sel->field, sizeof w->cols.field);
        w->cols.state = sel->state;
        w->cols.version = sel->version;
        w->cols.updated_at = sel->updated_at;
    }
    dm_error err;
    dm_error_clear(&err);
    if (dm_respond_file(r, "xlsx", DM_XLSX_TYPE, xlsx_write, w, &err)) {
        if (w->se == SCAN_LATE)
            dm_respond_late(q, r);
        else
            dm_respond_problem(r, 500, "Internal error", "the workbook could not be written");
        return;
    }
    snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"demine-%s.xlsx\"",
             k->name);
}

static void items_page(const dm_request *q, dm_response *r, const dm_kind *k)
{
    static const char *const allowed[] = {
        "f",     "limit",       "offset",     "bbox",       "datetime", "filter",
        "state", "filter-lang", "filter-crs", "properties", "sortby",   "accident_admin_code",
        NULL};
    bool xlsx = wants_xlsx(q);
    if (xlsx ? !dm_server_check_params(q, r, allowed, k) : !check_params(q, r, allowed, k))
        return;
    const char *want_state;
    if (!parse_state(q, r, k, &want_state))
        return;
    prop_select sel;
    if (!parse_properties(q, r, k, &sel))
        return;
    sort_keys sk;
    dm_sortby by;
    sort_spec spec;
    if (!parse_sortby(q, r, k, &sk, &by, &spec))
        return;
    long limit = 10, offset = 0;
    long max = q->opts->max_limit > 0 ? q->opts->max_limit : 10000;
    const char *ls = dm_qs_get(q->qs, "limit"), *os = dm_qs_get(q->qs, "offset");
    char *end;
    if (ls) {
        limit = strtol(ls, &end, 10);
        if (*end || end == ls || limit < 1) {
            dm_respond_problem(r, 400, "Bad limit", "limit=%s: a whole number from 1", ls);
            return;
        }
        if (limit > max) /* the standard: use the largest instead */
            limit = max;
    }
    if (os) {
        offset = strtol(os, &end, 10);
        if (*end || end == os || offset < 0) {
            dm_respond_problem(r, 400, "Bad offset", "offset=%s: a whole number from 0", os);
            return;
        }
    }
    items_filter f;
    if (!build_filter(q, r, k, want_state != NULL, &f)) {
        filter_free(&f); /* what was built before the bad part */
        return;
    }
    /* nothing to filter or sort and every record has a geometry: the store
       pages and counts, instead of reading every record up to the offset (a
       record whose stored geometry cannot be read is counted but not
       returned; `demine check` lists those) */
    bool paged = k->geom_required && !f.has_bbox && f.date_idx < 0 && !f.nprops && !f.cql2 &&
                 !want_state && !by.n;
    int64_t total = 0;
    dm_error err;
    if (paged && dm_store_count(q->store, k, false, &total, &err)) {
        filter_free(&f);
        dm_respond_problem(r, 500, "Internal error", "the records could not be read");
        return;
    }
    if (xlsx) {
        xlsx_writer xw = {.q = q,
                          .k = k,
                          .f = &f,
                          .want_state = want_state,
                          .paged = paged,
                          .offset = offset,
                          .limit = limit,
                          .sk = by.n ? &sk : NULL,
                          .by = &by,
                          .spec = &spec};
        items_xlsx(q, r, &xw, &sel);
        filter_free(&f);
        return;
    }
    page_writer w = {.q = q,
                     .k = k,
                     .sel = &sel,
                     .join = f.join,
                     .html = wanted_format(q) == FMT_HTML,
                     .personal = personal(q, k),
                     .paged = paged,
                     .offset = offset,
                     .limit = limit};
    dm_buf_init(&w.feats, 0);
    scan_end se = by.n ? sorted_page(q, k, &f, want_state, &sk, &by, &spec, &w)
                       : scan_matches(q, k, &f, want_state, paged, offset, limit, page_add, &w);
    filter_free(&f);
    long matched = paged ? (long)total : w.matched, returned = w.returned;
    bool html = w.html;
    dm_buf feats = w.feats;
    if (se == SCAN_LATE) {
        dm_buf_free(&feats);
        dm_respond_late(q, r);
        return;
    }
    if (se == SCAN_FAILED || feats.status) {
        dm_buf_free(&feats);
        dm_respond_problem(r, 500, "Internal error", "the records could not be read or written");
        return;
    }
    dm_buf *b = &r->body;
    if (html) {
        html_open(r, k->title);
        dm_buf_printf(b, "<p>%ld of %ld records</p><table><tr><th>code</th>", returned, matched);
        for (size_t i = 0; i < k->nfields; i++)
            if (!(k->fields[i].flags & DM_FIELD_PERSONAL))
                dm_buf_printf(b, "<th>%s</th>", k->fields[i].name);
        dm_buf_puts(b, "</tr>\n");
        if (feats.data)
            dm_buf_puts(b, feats.data);
        dm_buf_puts(b, "</table>");
        if (offset + returned < matched) {
            dm_buf_puts(b, "<p><a href=\"");
            page_link(q, b, k, offset + returned, true);
            dm_buf_puts(b, "\">next</a></p>");
        }
        html_close(r);
        dm_buf_free(&feats);
        return;
    }
    r->content_type = "application/geo+json";
    char at[DM_TIME_ISO_LEN];
    dm_time_now_iso(at);
    dm_buf_printf(b,
                  "{\"type\": \"FeatureCollection\", \"numberMatched\": %ld, "
                  "\"numberReturned\": %ld, \"timeStamp\": \"%s\", \"links\": [",
                  matched, returned, at);
    dm_buf_printf(b, "{\"href\": \"%s", q->base);
    page_link(q, b, k, offset, false);
    dm_buf_puts(b, "\", \"rel\": \"self\", \"type\": \"application/geo+json\"}");
    if (offset + returned < matched) {
        dm_buf_printf(b, ", {\"href\": \"%s", q->base);
        page_link(q, b, k, offset + returned, false);
        dm_buf_puts(b, "\", \"rel\": \"next\", \"type\": \"application/geo+json\"}");
    }
    if (offset > 0) {
        dm_buf_printf(b, ", {\"href\": \"%s", q->base);
        page_link(q, b, k, offset > limit ? offset - limit : 0, false);
        dm_buf_puts(b, "\", \"rel\": \"prev\", \"type\": \"application/geo+json\"}");
    }
    dm_buf_puts(b, "], \"features\": [\n  ");
    if (feats.data)
        dm_buf_puts(b, feats.data);
    dm_buf_puts(b, "]}\n");
    dm_buf_free(&feats);
}

/* ---- OGC API - Tiles: Mapbox Vector Tiles in WebMercatorQuad ---- */

#define TMS_URI "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
#define MVT_TYPE "application/vnd.mapbox-vector-tile"
/* The property of a tile's dot that stands for several small areas: their
   codes as a JSON array (mvt.h, dm_mvt_layer_merge_dots). */
#define TILE_CODES "codes"

typedef struct tile_writer {
    const dm_kind *k;
    const prop_select *sel;
    dm_mvt_layer *layer;
} tile_writer;

static bool tile_add(void *ctx, const dm_record *rec)
{
    tile_writer *w = ctx;
    const dm_kind *k = w->k;
    bool all = !w->sel->on;
    dm_mvt_prop props[DM_MAX_FIELDS + 2];
    size_t n = 0;
    if (all || w->sel->code)
        props[n++] = (dm_mvt_prop){.key = "code", .type = DM_MVT_STRING, .s = rec->code};
    for (size_t i = 0; i < k->nfields; i++) {
        const dm_field *fd = &k->fields[i];
        const char *v = rec->values[i];
        /* personal fields never go into tiles, whoever asks */
        if ((fd->flags & DM_FIELD_PERSONAL) || (!all && !w->sel->field[i]) || !v)
            continue;
        dm_mvt_prop p = {.key = fd->name, .type = DM_MVT_STRING, .s = v};
        if (fd->type == DM_FT_INT) {
            p.type = DM_MVT_INT;
            p.i = strtoll(v, NULL, 10);
        } else if (fd->type == DM_FT_REAL) {
            p.type = DM_MVT_DOUBLE;
            p.d = strtod(v, NULL);
        } else if (fd->type == DM_FT_BOOL) {
            p.type = DM_MVT_BOOL;
            p.b = strcmp(v, "0") != 0;
        }
        props[n++] = p;
    }
    if (all || w->sel->state)
        props[n++] = (dm_mvt_prop){.key = "state", .type = DM_MVT_STRING, .s = rec->state};
    return dm_mvt_layer_add(w->layer, rec->geom, props, n);
}

/* Reads "{z}/{y}/{x}" (the tile matrix, row and column); false for
 * anything else or a tile outside the matrix. */
static bool parse_tile(const char *s, int *z, int *y, int *x)
{
    long v[3];
    for (int i = 0; i < 3; i++) {
        char *end;
        if (!isdigit((unsigned char)*s))
            return false;
        v[i] = strtol(s, &end, 10);
        if (end - s > 8 || (i < 2 ? *end != '/' : *end != 0))
            return false;
        s = end + (i < 2);
    }
    if (v[0] > DM_MVT_MAX_ZOOM || v[1] >= (1L << v[0]) || v[2] >= (1L << v[0]))
        return false;
    *z = (int)v[0];
    *y = (int)v[1];
    *x = (int)v[2];
    return true;
}

/* GET /collections/{c}/tiles/WebMercatorQuad/{z}/{y}/{x}: the records of
 * the tile (the items filters apply: datetime, filter, property filters,
 * state, properties) as one MVT layer named after the collection. */
static void tile_page(const dm_request *q, dm_response *r, const dm_kind *k, const char *zyx)
{
    static const char *const allowed[] = {"datetime",   "filter",     "state", "filter-lang",
                                          "filter-crs", "properties", "f",     NULL};
    int z, y, x;
    if (!parse_tile(zyx, &z, &y, &x)) {
        dm_respond_problem(r, 404, "Not found",
                           "no tile %s in WebMercatorQuad (zoom 0-%d, row and column 0 to "
                           "2^zoom - 1)",
                           zyx, DM_MVT_MAX_ZOOM);
        return;
    }
    if (!check_params(q, r, allowed, k))
        return;
    const char *f_param = dm_qs_get(q->qs, "f");
    if (f_param && strcmp(f_param, "mvt")) {
        dm_respond_problem(r, 400, "Bad format", "f=%s: tiles are only mvt", f_param);
        return;
    }
    const char *want_state;
    prop_select sel;
    if (!parse_state(q, r, k, &want_state) || !parse_properties(q, r, k, &sel))
        return;
    items_filter f;
    if (!build_filter(q, r, k, want_state != NULL, &f)) {
        filter_free(&f);
        return;
    }
    /* the tile and its margin, instead of any box of the filter's (which
       still applies exactly through the filter itself) */
    dm_mvt_tile_bounds(z, x, y, DM_MVT_BUFFER, f.bbox);
    f.has_bbox = true;
    f.index_only = false;
    tile_writer w = {.k = k,
                     .sel = &sel,
                     .layer =
                         dm_mvt_layer_new(dm_geo_handle(dm_store_geo(q->store)), k->name, z, x, y)};
    /* small areas in one place are one dot at this zoom, listing their codes
       (unless the kind has a field of that name) */
    bool ok = w.layer && (dm_kind_field_index(k, TILE_CODES) >= 0 ||
                          dm_mvt_layer_merge_dots(w.layer, "code", TILE_CODES));
    scan_end se = ok ? scan_matches(q, k, &f, want_state, false, 0, 0, tile_add, &w) : SCAN_FAILED;
    filter_free(&f);
    if (se == SCAN_LATE)
        dm_respond_late(q, r);
    else if (se == SCAN_FAILED || !dm_mvt_layer_encode(w.layer, &r->body) || r->body.status)
        dm_respond_problem(r, 500, "Internal error", "the tile could not be made");
    else
        r->content_type = MVT_TYPE;
    dm_mvt_layer_free(w.layer);
}

/* The collection's tilesets (one: WebMercatorQuad, vector tiles). */
static void tilesets_page(const dm_request *q, dm_response *r, const dm_kind *k, bool one)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    dm_buf *b = &r->body;
    dm_buf set;
    dm_buf_init(&set, 0);
    dm_buf_printf(&set,
                  "{\"title\": \"%s\", \"dataType\": \"vector\", \"crs\": "
                  "\"http://www.opengis.net/def/crs/EPSG/0/3857\", \"tileMatrixSetURI\": "
                  "\"" TMS_URI "\", \"minZoom\": 0, \"maxZoom\": %d, \"layers\": [{\"id\": "
                  "\"%s\", \"dataType\": \"vector\"}], \"links\": [",
                  k->title, DM_MVT_MAX_ZOOM, k->name);
    dm_buf_printf(&set,
                  "{\"href\": \"%s/collections/%s/tiles/WebMercatorQuad\", \"rel\": \"self\", "
                  "\"type\": \"application/json\"}, {\"href\": \"" TMS_URI
                  "\", \"rel\": \"http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme\"}, "
                  "{\"href\": \"%s/collections/%s/tiles/WebMercatorQuad/{tileMatrix}/"
                  "{tileRow}/{tileCol}\", \"rel\": \"item\", \"type\": \"" MVT_TYPE
                  "\", \"templated\": true}]}",
                  q->base, k->name, q->base, k->name);
    if (one)
        dm_buf_printf(b, "%s\n", set.data ? set.data : "{}");
    else
        dm_buf_printf(b,
                      "{\"tilesets\": [%s], \"links\": [{\"href\": \"%s/collections/%s\", "
                      "\"rel\": \"collection\", \"type\": \"application/json\"}]}\n",
                      set.data ? set.data : "", q->base, k->name);
    dm_buf_free(&set);
}

static void item_page(const dm_request *q, dm_response *r, const dm_kind *k, const char *id)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    dm_record rec;
    dm_record_init(&rec, k);
    dm_error err;
    dm_status st = dm_store_get(q->store, k, id, &rec, &err);
    /* records not approved yet: only for those who write or approve them;
       rejected ones: only for those who wrote them (their history stays) */
    if (st == DM_ENOTFOUND || (!st && strcmp(rec.state, "approved") &&
                               (!dm_server_sees_drafts(q, k) || (!strcmp(rec.state, "rejected") &&
                                                                 !dm_server_wrote(q, k, &rec))))) {
        dm_record_clear(&rec, dm_store_geo(q->store));
        dm_respond_problem(r, 404, "Not found", "%s has no record %s", k->name, id);
        return;
    }
    if (st) {
        dm_respond_problem(r, 500, "Internal error", "the record could not be read");
        return;
    }
    if (wanted_format(q) == FMT_HTML) {
        html_open(r, rec.code);
        dm_buf_puts(&r->body, "<table>");
        for (size_t i = 0; i < k->nfields; i++) {
            if (k->fields[i].flags & DM_FIELD_PERSONAL)
                continue;
            dm_buf_printf(&r->body, "<tr><th>%s</th><td>", k->fields[i].name);
            html_escaped(&r->body, rec.values[i] ? rec.values[i] : "");
            dm_buf_puts(&r->body, "</td></tr>");
        }
        dm_buf_puts(&r->body, "</table>");
        html_close(r);
    } else {
        r->content_type = "application/geo+json";
        snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)rec.version);
        if (!dm_feature_json(q->store, &r->body, &rec, personal(q, k)))
            dm_respond_problem(r, 500, "Internal error", "the record could not be written");
        else
            dm_buf_puts(&r->body, "\n");
    }
    dm_record_clear(&rec, dm_store_geo(q->store));
}

/* Answers an items page or an item from the answer cache when it holds one
 * made from the data as it is now; else makes it with fn and keeps it. The
 * key holds all an answer depends on: what the role may see (personal
 * fields, records not approved yet), the host in the links and the raw
 * path and query; the stamp is the kind's change counter. JSON and tiles
 * only. */
typedef void (*page_fn)(const dm_request *q, dm_response *r, const dm_kind *k, const char *id);

typedef struct page_call {
    const dm_kind *k;
    const char *id;
    page_fn fn;
} page_call;

static void make_page(const dm_request *q, dm_response *r, const void *ctx)
{
    const page_call *c = ctx;
    c->fn(q, r, c->k, c->id);
}

static void items_page_fn(const dm_request *q, dm_response *r, const dm_kind *k, const char *id);

static void answer_cached(const dm_request *q, dm_response *r, const dm_kind *k, const char *id,
                          page_fn fn)
{
    page_call c = {k, id, fn};
    if (wanted_format(q) != FMT_JSON && fn != tile_page &&
        !(fn == items_page_fn && wants_xlsx(q))) {
        make_page(q, r, &c);
        return;
    }
    dm_buf key;
    dm_buf_init(&key, 0);
    /* those who see drafts also see what they wrote (state=mine, their
       rejected records): their answers are their own */
    bool drafts = dm_server_sees_drafts(q, k);
    dm_buf_printf(&key, "%c%c %s %s %s", personal(q, k) ? 'P' : '-', drafts ? 'D' : '-',
                  drafts ? q->user : "", q->base, q->uri ? q->uri : q->path);
    if (key.status)
        make_page(q, r, &c);
    else
        dm_answer_cached(q, r, &k, 1, key.data, make_page, &c);
    dm_buf_free(&key);
}

static void items_page_fn(const dm_request *q, dm_response *r, const dm_kind *k, const char *id)
{
    (void)id;
    items_page(q, r, k);
}

/* Part 3: the properties a filter may name, as JSON Schema. */
static void queryables_page(const dm_request *q, dm_response *r, const dm_kind *k)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    r->content_type = "application/schema+json";
    dm_buf *b = &r->body;
    dm_buf_printf(b,
                  "{\"$schema\": \"https://json-schema.org/draft/2019-09/schema\", \"$id\": "
                  "\"%s/collections/%s/queryables\", \"type\": \"object\", \"title\": ",
                  q->base, k->name);
    dm_buf_json_string(b, k->title);
    dm_buf_puts(b, ", \"properties\": {\"code\": {\"type\": \"string\"}, \"state\": "
                   "{\"type\": \"string\", \"enum\": [\"draft\", \"submitted\", \"approved\", "
                   "\"rejected\"]}, \"version\": {\"type\": \"integer\"}, \"geometry\": "
                   "{\"format\": \"geometry-any\"}");
    for (size_t i = 0; i < k->nfields; i++) {
        const dm_field *f = &k->fields[i];
        if (f->flags & DM_FIELD_PERSONAL)
            continue;
        dm_buf_printf(b, ", \"%s\": {", f->name);
        switch (f->type) {
        case DM_FT_INT: dm_buf_puts(b, "\"type\": \"integer\""); break;
        case DM_FT_REAL: dm_buf_puts(b, "\"type\": \"number\""); break;
        case DM_FT_BOOL: dm_buf_puts(b, "\"type\": \"boolean\""); break;
        case DM_FT_DATE: dm_buf_puts(b, "\"type\": \"string\", \"format\": \"date\""); break;
        case DM_FT_ENUM:
            dm_buf_puts(b, "\"type\": \"string\", \"enum\": [");
            for (size_t v = 0; f->values[v]; v++)
                dm_buf_printf(b, "%s\"%.*s\"", v ? ", " : "", (int)strcspn(f->values[v], "|"),
                              f->values[v]);
            dm_buf_puts(b, "]");
            break;
        case DM_FT_TEXT: dm_buf_puts(b, "\"type\": \"string\""); break;
        }
        if ((f->type == DM_FT_INT || f->type == DM_FT_REAL) && f->min < f->max) {
            dm_buf_puts(b, ", \"minimum\": ");
            dm_buf_json_number(b, f->min);
            dm_buf_puts(b, ", \"maximum\": ");
            dm_buf_json_number(b, f->max);
        }
        if (f->unit) {
            dm_buf_puts(b, ", \"x-unit\": ");
            dm_buf_json_string(b, f->unit);
        }
        dm_buf_puts(b, "}");
    }
    /* what a record needs (the library's dm_record_check_complete): forms
       check it before they send */
    dm_buf_puts(b, "}, \"required\": [");
    bool first = true;
    for (size_t i = 0; i < k->nfields; i++)
        if ((k->fields[i].flags & DM_FIELD_REQUIRED) && !(k->fields[i].flags & DM_FIELD_PERSONAL)) {
            dm_buf_printf(b, "%s\"%s\"", first ? "" : ", ", k->fields[i].name);
            first = false;
        }
    if (k->geom_required)
        dm_buf_printf(b, "%s\"geometry\"", first ? "" : ", ");
    dm_buf_puts(b, "], \"additionalProperties\": false}\n");
}

static void health(const dm_request *q, dm_response *r)
{
    int64_t n;
    dm_error err;
    if (dm_store_count(q->store, &dm_kind_hazards, false, &n, &err)) {
        dm_respond_problem(r, 503, "Unhealthy", "the database cannot be read");
        return;
    }
    dm_buf_puts(&r->body, "{\"status\": \"ok\"}\n");
}

/* The OpenAPI 3.0 document: the paths this server answers, with their
 * parameters, and the collections as an enumeration. */
static void api_document(const dm_request *q, dm_response *r)
{
    static const char *const allowed[] = {"f", NULL};
    if (!check_params(q, r, allowed, NULL))
        return;
    r->content_type = "application/vnd.oai.openapi+json;version=3.0";
    dm_buf *b = &r->body;
    dm_buf_printf(b,
                  "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"demine\", \"version\": "
                  "\"0.1.0\", \"description\": \"Mine action records as OGC API - Features\"},"
                  " \"servers\": [{\"url\": \"%s\"}], \"paths\": {",
                  q->base);
#define QP(n, t) "{\"name\": \"" n "\", \"in\": \"query\", \"schema\": {\"type\": \"" t "\"}}, "
#define SCOPE                                                                                      \
    QP("since", "string") QP("until", "string") QP("admin", "string") QP("organisation", "string")
    static const char *const simple[][5] = {
        {"/", "landing page", "application/json", "", "f"},
        {"/conformance", "conformance classes", "application/json", "", "f"},
        {"/collections", "feature collections", "application/json", "", "f"},
        {"/health", "health of the server and its database", "application/json", "", "f"},
        {"/api", "this document", "application/vnd.oai.openapi+json;version=3.0", "", "f"},
        {"/stats/landrelease",
         "land release figures, as demine stats --json (f=xlsx: the workbook of --xlsx)",
         "application/json\": {}, \"" DM_XLSX_TYPE, QP("by", "string") QP("level", "integer") SCOPE,
         "fStats"},
        {"/stats/items", "EO item figures, as demine stats --json (f=xlsx: the workbook of --xlsx)",
         "application/json\": {}, \"" DM_XLSX_TYPE, QP("by", "string") SCOPE, "fStats"},
        {"/stats/casualties",
         "casualty figures, as demine stats --json (f=xlsx: the workbook of --xlsx)",
         "application/json\": {}, \"" DM_XLSX_TYPE,
         QP("by", "string") QP("since", "string") QP("until", "string"), "fStats"}};
#undef SCOPE
#undef QP
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        dm_buf_printf(b,
                      "%s\"%s\": {\"get\": {\"summary\": \"%s\", \"parameters\": [%s{\"$ref\": "
                      "\"#/components/parameters/%s\"}], \"responses\": {\"200\": "
                      "{\"description\": \"%s\", \"content\": {\"%s\": {}}}, \"400\": "
                      "{\"description\": \"a bad parameter\"}}}}",
                      i ? ", " : "", simple[i][0], simple[i][1], simple[i][3], simple[i][4],
                      simple[i][1], simple[i][2]);
    dm_buf_puts(b, ", \"/collections/{collectionId}\": {\"get\": {\"summary\": \"a feature "
                   "collection\", \"parameters\": [{\"$ref\": \"#/components/parameters/"
                   "collectionId\"}, {\"$ref\": \"#/components/parameters/f\"}], \"responses\": "
                   "{\"200\": {\"description\": \"the collection\"}, \"404\": {\"description\": "
                   "\"no such collection\"}}}}");
    dm_buf_puts(b, ", \"/collections/{collectionId}/items\": {\"get\": {\"summary\": \"the "
                   "features of a collection\", \"parameters\": [{\"$ref\": "
                   "\"#/components/parameters/collectionId\"}, {\"$ref\": "
                   "\"#/components/parameters/fItems\"}, {\"name\": \"limit\", \"in\": \"query\", "
                   "\"schema\": {\"type\": \"integer\", \"minimum\": 1, \"default\": 10, "
                   "\"maximum\": ");
    dm_buf_printf(b, "%d", q->opts->max_limit > 0 ? q->opts->max_limit : 10000);
    dm_buf_puts(
        b,
        "}}, {\"name\": \"offset\", \"in\": \"query\", \"schema\": {\"type\": "
        "\"integer\", \"minimum\": 0, \"default\": 0}}, {\"name\": \"bbox\", \"in\": "
        "\"query\", \"style\": \"form\", \"explode\": false, \"schema\": {\"type\": "
        "\"array\", \"minItems\": 4, \"maxItems\": 6, \"items\": {\"type\": "
        "\"number\"}}}, {\"name\": \"datetime\", \"in\": \"query\", \"schema\": "
        "{\"type\": \"string\"}}, {\"name\": \"filter\", \"in\": \"query\", "
        "\"schema\": {\"type\": \"string\"}}, {\"name\": \"filter-lang\", \"in\": "
        "\"query\", \"schema\": {\"type\": \"string\", \"enum\": [\"cql2-text\"]}}, "
        "{\"name\": \"filter-crs\", \"in\": \"query\", \"schema\": {\"type\": "
        "\"string\"}}, {\"name\": \"state\", \"in\": \"query\", \"description\": "
        "\"records not approved yet (editors and approvers); mine: the caller's own "
        "not approved, rejected ones included\", \"schema\": "
        "{\"type\": \"string\", \"enum\": [\"approved\", \"submitted\", \"draft\", "
        "\"all\", \"mine\"]}}, {\"name\": \"properties\", \"in\": \"query\", \"description\": "
        "\"the properties each feature carries (comma-separated)\", \"schema\": "
        "{\"type\": \"string\"}}, {\"name\": \"sortby\", \"in\": \"query\", "
        "\"description\": \"the order of the whole set before paging: +name or "
        "-name, comma-separated (Features Part 5)\", \"schema\": {\"type\": "
        "\"string\"}}, {\"name\": \"accident_admin_code\", \"in\": \"query\", "
        "\"description\": \"victims: those whose accident is in this admin area\", "
        "\"schema\": {\"type\": \"string\"}}], \"responses\": {\"200\": "
        "{\"description\": \"a page of features (f=xlsx: those records as a workbook, the sheet of "
        "demine export)\", \"content\": {\"application/geo+json\": {}, "
        "\"text/html\": {}, \"" DM_XLSX_TYPE
        "\": {}}}, \"400\": {\"description\": \"a bad parameter\"}, "
        "\"404\": {\"description\": \"no such collection\"}}}, \"post\": "
        "{\"summary\": \"create a record (it enters as submitted)\", \"security\": "
        "[{\"bearer\": []}], \"parameters\": [{\"$ref\": "
        "\"#/components/parameters/collectionId\"}], \"requestBody\": "
        "{\"required\": true, \"content\": {\"application/geo+json\": {}, "
        "\"application/json\": {}}}, \"responses\": {\"201\": {\"description\": "
        "\"created; Location and ETag name it\"}, \"400\": {\"description\": \"a bad "
        "feature\"}, \"401\": {\"description\": \"login needed\"}, \"403\": "
        "{\"description\": \"the role may not\"}, \"415\": {\"description\": \"not "
        "GeoJSON\"}}}}");
    dm_buf_puts(b, ", \"/collections/{collectionId}/queryables\": {\"get\": {\"summary\": "
                   "\"the properties a filter may name\", \"parameters\": [{\"$ref\": "
                   "\"#/components/parameters/collectionId\"}, {\"$ref\": "
                   "\"#/components/parameters/f\"}], \"responses\": {\"200\": {\"description\": "
                   "\"JSON Schema of the queryables\", \"content\": {\"application/schema+json\": "
                   "{}}}}}}");
    dm_buf_puts(b, ", \"/collections/{collectionId}/items/{featureId}\": {\"get\": "
                   "{\"summary\": \"one feature\", \"parameters\": [{\"$ref\": "
                   "\"#/components/parameters/collectionId\"}, {\"name\": \"featureId\", \"in\": "
                   "\"path\", \"required\": true, \"schema\": {\"type\": \"string\"}}, "
                   "{\"$ref\": \"#/components/parameters/f\"}], \"responses\": {\"200\": "
                   "{\"description\": \"the feature; its ETag is its version\", \"content\": "
                   "{\"application/geo+json\": {}}}, \"404\": {\"description\": \"no such "
                   "feature\"}}}");
    static const char *const item_writes[][3] = {
        {"put", "replace the record (its history says replace)", "application/geo+json"},
        {"patch",
         "update the record with a JSON merge patch (its history says patch and the fields it "
         "changed, e.g. patch: name, geometry)",
         "application/merge-patch+json"},
        {"delete", "delete the record (an approved one once an approver agrees)", NULL}};
    for (size_t i = 0; i < 3; i++) {
        dm_buf_printf(b,
                      ", \"%s\": {\"summary\": \"%s\", \"security\": [{\"bearer\": []}], "
                      "\"parameters\": [{\"$ref\": \"#/components/parameters/collectionId\"}, "
                      "{\"$ref\": \"#/components/parameters/featureId\"}, {\"$ref\": "
                      "\"#/components/parameters/ifMatch\"}], ",
                      item_writes[i][0], item_writes[i][1]);
        if (item_writes[i][2])
            dm_buf_printf(b,
                          "\"requestBody\": {\"required\": true, \"content\": {\"%s\": {}, "
                          "\"application/json\": {}}}, ",
                          item_writes[i][2]);
        dm_buf_puts(b, "\"responses\": {\"200\": {\"description\": \"applied to a record not "
                       "approved yet\"}, \"202\": {\"description\": \"waits for an approver; "
                       "the approved version stays\"}, \"204\": {\"description\": \"withdrawn\"}, "
                       "\"403\": {\"description\": \"the role may not, or it is another "
                       "editor's submission or waiting change\"}, "
                       "\"404\": {\"description\": \"no such feature\"}, \"409\": "
                       "{\"description\": \"a change already waits\"}, \"412\": {\"description\": "
                       "\"changed meanwhile\"}, \"428\": {\"description\": \"If-Match "
                       "needed\"}}}");
    }
    dm_buf_puts(b, "}");
    dm_buf_puts(b, ", \"/collections/{collectionId}/tiles\": {\"get\": {\"summary\": \"the "
                   "collection's tilesets (WebMercatorQuad vector tiles)\", \"parameters\": "
                   "[{\"$ref\": \"#/components/parameters/collectionId\"}], \"responses\": "
                   "{\"200\": {\"description\": \"the tilesets\", \"content\": "
                   "{\"application/json\": {}}}}}}, \"/collections/{collectionId}/tiles/"
                   "WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}\": {\"get\": {\"summary\": "
                   "\"a vector tile of the features (the items filters apply)\", \"parameters\": "
                   "[{\"$ref\": \"#/components/parameters/collectionId\"}, {\"name\": "
                   "\"tileMatrix\", \"in\": \"path\", \"required\": true, \"schema\": "
                   "{\"type\": \"integer\", \"minimum\": 0, \"maximum\": 22}}, {\"name\": "
                   "\"tileRow\", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": "
                   "\"integer\", \"minimum\": 0}}, {\"name\": \"tileCol\", \"in\": \"path\", "
                   "\"required\": true, \"schema\": {\"type\": \"integer\", \"minimum\": "
                   "0}}, {\"name\": \"datetime\", \"in\": \"query\", \"schema\": {\"type\": "
                   "\"string\"}}, {\"name\": \"filter\", \"in\": \"query\", \"schema\": "
                   "{\"type\": \"string\"}}, {\"name\": \"state\", \"in\": \"query\", "
                   "\"schema\": {\"type\": \"string\"}}, {\"name\": \"properties\", \"in\": "
                   "\"query\", \"schema\": {\"type\": \"string\"}}], \"responses\": "
                   "{\"200\": {\"description\": \"the tile (empty when nothing is in it)\", "
                   "\"content\": {\"application/vnd.mapbox-vector-tile\": {}}}, \"404\": "
                   "{\"description\": \"no such tile\"}}}}");
    static const char *const workflow[][3] = {
        {"/collections/{collectionId}/items/{featureId}/approve", "post",
         "approve the record or the change waiting for it, as If-Match names it (never by "
         "anyone who wrote part of it)"},
        {"/collections/{collectionId}/items/{featureId}/reject", "post",
         "reject it, as If-Match names it, with a JSON object whose member reason says why "
         "(never by anyone who wrote part of it)"},
        {"/collections/{collectionId}/items/{featureId}/history", "get",
         "the record's change log: who did what and when (a PATCH's detail is patch: and the "
         "fields it changed, a PUT's replace)"},
        {"/review", "get",
         "what waits for an approver: each change a create, replace, patch (with the fields it "
         "changed) or delete"},
        {"/auth/me", "get", "the caller's user, role and actions"}};
    for (size_t i = 0; i < 5; i++)
        dm_buf_printf(b,
                      ", \"%s\": {\"%s\": {\"summary\": \"%s\", \"security\": "
                      "[{\"bearer\": []}], \"parameters\": [%s], \"responses\": {\"200\": "
                      "{\"description\": \"%s\", \"content\": {\"application/json\": {}}}, "
                      "\"401\": {\"description\": \"login needed\"}, \"403\": "
                      "{\"description\": \"the role may not\"}}}}",
                      workflow[i][0], workflow[i][1], workflow[i][2],
                      i < 2   ? "{\"$ref\": \"#/components/parameters/collectionId\"}, {\"$ref\": "
                                "\"#/components/parameters/featureId\"}, {\"$ref\": "
                                "\"#/components/parameters/ifMatch\"}"
                      : i < 3 ? "{\"$ref\": \"#/components/parameters/collectionId\"}, {\"$ref\": "
                                "\"#/components/parameters/featureId\"}"
                              : "",
                      workflow[i][2]);
    dm_buf_puts(b, ", \"/search\": {\"get\": {\"summary\": \"records and places whose code or "
                   "name holds q (without case), in the collections the caller may read: "
                   "equal first, then starting with q, places before records\", "
                   "\"parameters\": [{\"name\": \"q\", \"in\": \"query\", \"required\": "
                   "true, \"schema\": {\"type\": \"string\", \"minLength\": 1, "
                   "\"maxLength\": 100}}, {\"name\": \"limit\", \"in\": \"query\", "
                   "\"schema\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 50, "
                   "\"default\": 10}}], \"responses\": {\"200\": {\"description\": "
                   "\"{q, numberMatched, results: [{collection, code, name, state, match}]}\", "
                   "\"content\": {\"application/json\": {}}}, \"400\": {\"description\": "
                   "\"q missing, too long or not UTF-8\"}}}}");
    dm_buf_puts(b, ", \"/import/{kind}\": {\"post\": {\"summary\": \"import a file as demine "
                   "import does; the records enter as submitted\", \"security\": [{\"bearer\": "
                   "[]}], \"parameters\": [{\"name\": \"kind\", \"in\": \"path\", "
                   "\"required\": true, \"schema\": {\"type\": \"string\"}}, {\"name\": "
                   "\"filename\", \"in\": \"query\", \"required\": true, \"schema\": "
                   "{\"type\": \"string\"}}, {\"name\": \"map\", \"in\": \"query\", "
                   "\"schema\": {\"type\": \"string\"}}, {\"name\": \"set\", \"in\": "
                   "\"query\", \"schema\": {\"type\": \"string\"}}, {\"name\": \"layer\", "
                   "\"in\": \"query\", \"schema\": {\"type\": \"string\"}}, {\"name\": "
                   "\"strict\", \"in\": \"query\", \"schema\": {\"type\": \"boolean\"}}, "
                   "{\"name\": \"key\", \"in\": \"query\", \"schema\": {\"type\": "
                   "\"string\"}}, {\"name\": \"keep_duplicates\", \"in\": \"query\", "
                   "\"schema\": {\"type\": \"boolean\"}}, {\"name\": \"again\", \"in\": "
                   "\"query\", \"schema\": {\"type\": \"boolean\"}}], "
                   "\"requestBody\": {\"required\": true, \"content\": "
                   "{\"application/octet-stream\": {}}}, \"responses\": {\"200\": "
                   "{\"description\": \"counts and the rejected rows with their reasons\"}, "
                   "\"400\": {\"description\": \"the file cannot be read; nothing imported\"}, "
                   "\"401\": {\"description\": \"login needed\"}, \"403\": {\"description\": "
                   "\"the role may not\"}, \"409\": {\"description\": \"a victims or "
                   "casualty file imported before (again=true imports it once more)\"}}}}");
    /* the planning answers (plan.c): the JSON of the planning commands */
#define STR(x) #x
#define XSTR(x) STR(x)
#define QP(n, t, d)                                                                                \
    "{\"name\": \"" n "\", \"in\": \"query\", \"description\": \"" d "\", \"schema\": {" t "}}"
#define INT_SCHEMA(lo, def) "\"type\": \"integer\", \"minimum\": " lo ", \"default\": " def
#define P_WEIGHTS                                                                                  \
    QP("weights", "\"type\": \"string\"",                                                          \
       "a JSON object whose keys replace the default weights (as a weights file)")
#define P_AS_OF                                                                                    \
    QP("as_of", "\"type\": \"string\", \"format\": \"date\"",                                      \
       "the date casualties are aged at (default today)")
#define P_LIST QP("list", "\"type\": \"boolean\"", "the records behind each factor")
#define P_LIMIT                                                                                    \
    QP("limit",                                                                                    \
       INT_SCHEMA("1", XSTR(DM_PLAN_LIMIT_DEFAULT)) ", \"maximum\": " XSTR(DM_PLAN_LIMIT_MAX),     \
       "ranked hazards in the page")
#define P_OFFSET QP("offset", INT_SCHEMA("0", "0"), "ranked hazards skipped")
#define P_TEAMS                                                                                    \
    QP("teams", "\"type\": \"string\", \"default\": \"" DM_FA_TEAMS_DEFAULT "\"",                  \
       "ASSET=COUNT, comma-separated (assets manual, mechanical, mdd)")
#define P_RUNS                                                                                     \
    QP("runs", INT_SCHEMA("1", "10000") ", \"maximum\": " XSTR(DM_PLAN_RUNS_MAX),                  \
       "Monte Carlo runs")
#define P_SEED QP("seed", INT_SCHEMA("0", "1"), "the same seed gives the same figures")
#define P_SETTLEMENT                                                                               \
    "{\"name\": \"settlement\", \"in\": \"path\", \"required\": true, \"description\": \"its "     \
    "code (the GeoNames id) or its name (case-insensitive)\", \"schema\": {\"type\": \"string\"}}"
#define P_BUFFER                                                                                   \
    QP("buffer",                                                                                   \
       "\"type\": \"number\", \"minimum\": 0, \"default\": 1000, \"maximum\": " XSTR(              \
           DM_PLAN_BUFFER_MAX),                                                                    \
       "metres around the settlement")
#define P_BY QP("by", "\"type\": \"string\", \"enum\": [\"admin\"]", "per admin area too")
#define P_FROM QP("from", "\"type\": \"string\", \"format\": \"date\"", "the start (default today)")
    static const char *const plan[][4] = {
        {"/plan/priority",
         "every open hazard ranked for clearance, as demine priority --json: a page of the "
         "ranking (number_matched hazards in all)",
         P_WEIGHTS ", " P_AS_OF ", " P_LIST ", " P_LIMIT ", " P_OFFSET, ""},
        {"/plan/settlements/{settlement}",
         "what blocks a settlement and its way in, the area to release and its forecast, as "
         "demine settlement plan --json",
         P_SETTLEMENT ", " P_BUFFER ", " P_TEAMS ", " P_RUNS ", " P_SEED,
         ", \"404\": {\"description\": \"no settlement has that code or name\"}, \"409\": "
         "{\"description\": \"several settlements have that name: candidates lists them (code, "
         "name, population, admin_code, admin, lon, lat)\"}"},
        {"/plan/forecast",
         "when the remaining hazard area will be released, and at what cost, as demine "
         "forecast --json",
         P_TEAMS ", " P_RUNS ", " P_SEED ", " P_BY ", " P_FROM, ""}};
#undef P_FROM
#undef P_BY
#undef P_BUFFER
#undef P_SETTLEMENT
#undef P_SEED
#undef P_RUNS
#undef P_TEAMS
#undef P_OFFSET
#undef P_LIMIT
#undef P_LIST
#undef P_AS_OF
#undef P_WEIGHTS
#undef INT_SCHEMA
#undef QP
#undef XSTR
#undef STR
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
        dm_buf_printf(b,
                      ", \"%s\": {\"get\": {\"summary\": \"%s\", \"security\": [{\"bearer\": "
                      "[]}], \"parameters\": [%s], \"responses\": {\"200\": {\"description\": "
                      "\"%s\", \"content\": {\"application/json\": {}}}, \"400\": "
                      "{\"description\": \"a bad parameter (the detail names it)\"}, \"401\": "
                      "{\"description\": \"login needed\"}, \"403\": {\"description\": \"the role "
                      "may not\"}%s}}}",
                      plan[i][0], plan[i][1], plan[i][2], plan[i][1], plan[i][3]);
        /* the reports (reports.c): documents of demine report and demine chart */
#define QP(n, t, d)                                                                                \
    "{\"name\": \"" n "\", \"in\": \"query\", \"description\": \"" d "\", \"schema\": {" t "}}"
#define P_LANG                                                                                     \
    QP("lang", "\"type\": \"string\", \"default\": \"en\"",                                        \
       "the language: one with a translation file (en, az, ru)")
#define P_DATE(n, d) QP(n, "\"type\": \"string\", \"format\": \"date\"", d)
#define P_MONTH                                                                                    \
    QP("month", "\"type\": \"string\", \"pattern\": \"^[0-9]{4}-[0-9]{2}$\"",                      \
       "the month, YYYY-MM (required)")
#define P_FACTS_SINCE                                                                              \
    P_DATE("since", "casualties from this date (default: all; whole years without the right to "   \
                    "personal data)")
#define P_BY_PERIOD                                                                                \
    QP("by", "\"type\": \"string\", \"enum\": [\"month\", \"year\"], \"default\": \"month\"",      \
       "bars by month or by year")
#define P_FORMAT                                                                                   \
    QP("format",                                                                                   \
       "\"type\": \"string\", \"enum\": [\"svg\", \"png\", \"pdf\"], \"default\": \"svg\"",        \
       "the image format")
#define P_CODE                                                                                     \
    "{\"name\": \"code\", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": "           \
    "\"string\"}}"
    static const char *const reports[][5] = {
        {"/reports/monthly",
         "the monthly report, as demine report monthly (roles that read the collections)",
         P_MONTH ", " P_LANG, "application/pdf", ""},
        {"/reports/factsheet",
         "the one-page factsheet, as demine report factsheet (every role; casualty groups "
         "suppressed without the right to personal data)",
         P_FACTS_SINCE ", " P_DATE("until", "up to this date (default today)") ", " P_LANG,
         "application/pdf", ""},
        {"/reports/hazards/{code}",
         "the map sheet of a hazardous area, as demine report hazard (roles that read "
         "minefield records)",
         P_CODE ", " P_LANG, "application/pdf",
         ", \"404\": {\"description\": \"no approved hazard has that code\"}"},
        {"/reports/chart/casualties",
         "a bar chart of casualties, as demine chart casualties (every role; casualty groups "
         "suppressed without the right to personal data)",
         P_BY_PERIOD ", " P_DATE("since", "from this date") ", " P_DATE(
             "until", "up to this date") ", " P_FORMAT ", " P_LANG,
         "image/svg+xml\": {}, \"image/png\": {}, \"application/pdf", ""}};
#undef P_CODE
#undef P_FORMAT
#undef P_BY_PERIOD
#undef P_FACTS_SINCE
#undef P_MONTH
#undef P_DATE
#undef P_LANG
#undef QP
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        dm_buf_printf(b,
                      ", \"%s\": {\"get\": {\"summary\": \"%s\", \"security\": [{}, "
                      "{\"bearer\": []}], \"parameters\": [%s], \"responses\": {\"200\": "
                      "{\"description\": \"the document, with Content-Disposition: attachment "
                      "and a file name\", \"content\": {\"%s\": {}}}, \"400\": "
                      "{\"description\": \"a bad parameter (the detail names it)\"}, \"401\": "
                      "{\"description\": \"login needed\"}, \"403\": {\"description\": \"the "
                      "role may not\"}%s}}}",
                      reports[i][0], reports[i][1], reports[i][2], reports[i][3], reports[i][4]);
    dm_buf_puts(b, ", \"/auth/token\": {\"post\": {\"summary\": \"log in: a bearer "
                   "token\", \"requestBody\": {\"required\": true, \"content\": "
                   "{\"application/x-www-form-urlencoded\": {\"schema\": {\"type\": \"object\", "
                   "\"properties\": {\"user\": {\"type\": \"string\"}, \"password\": {\"type\": "
                   "\"string\"}}}}}}, \"responses\": {\"200\": {\"description\": \"the "
                   "token\"}, \"401\": {\"description\": \"login failed\"}}}, \"delete\": "
                   "{\"summary\": \"log out\", \"security\": [{\"bearer\": []}], "
                   "\"responses\": {\"204\": {\"description\": \"logged out\"}}}}");
    dm_buf_puts(b, "}, \"components\": {\"securitySchemes\": {\"bearer\": {\"type\": "
                   "\"http\", \"scheme\": \"bearer\"}}, \"parameters\": {\"featureId\": "
                   "{\"name\": \"featureId\", \"in\": \"path\", \"required\": true, "
                   "\"schema\": {\"type\": \"string\"}}, \"ifMatch\": {\"name\": \"If-Match\", "
                   "\"in\": \"header\", \"required\": true, \"schema\": {\"type\": "
                   "\"string\"}}, \"f\": {\"name\": \"f\", \"in\": "
                   "\"query\", \"schema\": {\"type\": \"string\", \"enum\": [\"json\", "
                   "\"html\"]}}, \"fItems\": {\"name\": \"f\", \"in\": \"query\", \"schema\": "
                   "{\"type\": \"string\", \"enum\": [\"json\", \"html\", \"xlsx\"]}}, "
                   "\"fStats\": {\"name\": \"f\", \"in\": \"query\", \"schema\": {\"type\": "
                   "\"string\", \"enum\": [\"json\", \"xlsx\"]}}, \"collectionId\": {\"name\": "
                   "\"collectionId\", \"in\": "
                   "\"path\", \"required\": true, \"schema\": {\"type\": \"string\", \"enum\": [");
    bool first = true;
    for (size_t i = 0; i < dm_kind_count(); i++)
        if (dm_kind_at(i)->table && readable(q, dm_kind_at(i), NULL)) {
            dm_buf_printf(b, "%s\"%s\"", first ? "" : ", ", dm_kind_at(i)->name);
            first = false;
        }
    dm_buf_puts(b, "]}}}}}\n");
}

void dm_ogcapi_handle(const dm_request *q, dm_response *r)
{
    const char *p = q->path;
    if (dm_import_handle(q, r) || dm_workflow_handle(q, r))
        ;
    else if (strcmp(q->method, "GET") && strcmp(q->method, "HEAD"))
        dm_respond_problem(r, 405, "Method not allowed", "%s reads only: use GET", p);
    else if (!strcmp(p, "/"))
        landing(q, r);
    else if (!strcmp(p, "/conformance"))
        conformance_page(q, r);
    else if (!strcmp(p, "/api"))
        api_document(q, r);
    else if (!strcmp(p, "/health"))
        health(q, r);
    else if (!strcmp(p, "/collections"))
        collections_page(q, r);
    else if (dm_stats_handle(q, r) || dm_plan_handle(q, r) || dm_reports_handle(q, r) ||
             dm_search_handle(q, r))
        ;
    else if (!strncmp(p, "/collections/", 13)) {
        char id[64], rest[256] = "";
        const char *s = p + 13, *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        if (n >= sizeof id) {
            dm_respond_problem(r, 404, "Not found", "no such collection");
            return;
        }
        memcpy(id, s, n);
        id[n] = 0;
        if (slash)
            snprintf(rest, sizeof rest, "%s", slash);
        const dm_kind *k = feature_kind(id);
        char reason[DM_AUTHZ_REASON_MAX];
        if (!k) {
            dm_respond_problem(r, 404, "Not found", "no collection %s (see /collections)", id);
            return;
        }
        if (!readable(q, k, reason)) {
            dm_respond_denied(q, r, reason);
            return;
        }
        if (!rest[0])
            collection_page(q, r, k);
        else if (!strcmp(rest, "/items"))
            answer_cached(q, r, k, NULL, items_page_fn);
        else if (!strcmp(rest, "/queryables"))
            queryables_page(q, r, k);
        else if (!strncmp(rest, "/items/", 7) && rest[7] && !strchr(rest + 7, '/'))
            answer_cached(q, r, k, rest + 7, item_page);
        else if (!strcmp(rest, "/tiles") || !strcmp(rest, "/tiles/WebMercatorQuad"))
            tilesets_page(q, r, k, rest[6] != 0);
        else if (!strncmp(rest, "/tiles/WebMercatorQuad/", 23))
            answer_cached(q, r, k, rest + 23, tile_page);
        else
            dm_respond_problem(r, 404, "Not found", "nothing at %s", p);
    } else {
        dm_respond_problem(r, 404, "Not found", "nothing at %s (start at /)", p);
    }
}
