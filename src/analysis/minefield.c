/* Minefield records (minefield.h): the strict v1 parser and its checks, the
 * local frame, the footprint and the GeoJSON output of records and
 * predictions. The layout is in minefield_layout.c, the fit in
 * minefield_fit.c. */
#include "analysis/minefield.h"

#include "core/date.h"
#include "core/kind.h"
#include "core/strmap.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define MAX_PROBLEMS 100

/* ---- local frame ---- */

void dm_mf_frame_init(dm_mf_frame *f, double lon0, double lat0)
{
    /* WGS84: meridional radius M and prime-vertical radius N at lat0 */
    const double a = 6378137.0, fl = 1.0 / 298.257223563;
    const double e2 = fl * (2.0 - fl);
    double phi = lat0 * M_PI / 180.0;
    double s = sin(phi);
    double w = sqrt(1.0 - e2 * s * s);
    double n = a / w;
    double m = a * (1.0 - e2) / (w * w * w);
    f->lon0 = lon0;
    f->lat0 = lat0;
    f->kx = n * cos(phi) * M_PI / 180.0;
    f->ky = m * M_PI / 180.0;
    if (!(f->kx > 1e-3)) /* at a pole: keep the conversion finite */
        f->kx = 1e-3;
}

void dm_mf_frame_to_local(const dm_mf_frame *f, double lon, double lat, double *x, double *y)
{
    double dlon = lon - f->lon0;
    if (dlon > 180.0)
        dlon -= 360.0;
    else if (dlon < -180.0)
        dlon += 360.0;
    *x = dlon * f->kx;
    *y = (lat - f->lat0) * f->ky;
}

void dm_mf_frame_to_lonlat(const dm_mf_frame *f, double x, double y, double *lon, double *lat)
{
    double l = f->lon0 + x / f->kx;
    if (l > 180.0)
        l -= 360.0;
    else if (l < -180.0)
        l += 360.0;
    *lon = l;
    *lat = f->lat0 + y / f->ky;
}

/* ---- parsing ---- */

void dm_mf_record_free(dm_mf_record *rec)
{
    if (!rec)
        return;
    for (size_t i = 0; i < rec->n_rows; i++)
        free(rec->rows[i].legs);
    free(rec->rows);
    free(rec->mines);
    memset(rec, 0, sizeof *rec);
}

typedef struct pctx {
    dm_mf_problem_fn fn;
    void *fn_ctx;
    size_t n; /* problems found */
    bool oom; /* out of memory: stop */
    dm_error *err;
} pctx;

static void problem(pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(pctx *p, const char *fmt, ...)
{
    char msg[DM_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->n == 0)
        dm_error_set(p->err, DM_EINVAL, "%s", msg);
    if (p->n < MAX_PROBLEMS && p->fn)
        p->fn(msg, p->fn_ctx);
    p->n++;
}

/* A number as messages show it: shortest form that reads back the same. */
typedef struct numtext {
    char s[40];
} numtext;

static numtext num(double v)
{
    numtext t;
    snprintf(t.s, sizeof t.s, "%.15g", v);
    if (strtod(t.s, NULL) != v)
        snprintf(t.s, sizeof t.s, "%.17g", v);
    return t;
}

/* A JSON value as messages show it: at most 40 bytes of its text. */
typedef struct valtext {
    char s[64];
} valtext;

static valtext show(json_object *v)
{
    valtext t;
    const char *j = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (!j)
        j = "?";
    size_t n = strlen(j);
    if (n > 40) {
        char cut[41];
        dm_utf8_copy(cut, sizeof cut, j);
        snprintf(t.s, sizeof t.s, "%s...", cut);
    } else {
        snprintf(t.s, sizeof t.s, "%s", j);
    }
    return t;
}

static const char *type_name(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "true or false";
    case json_type_double:
    case json_type_int: return "a number";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "text";
    }
    return "something else";
}

/* Levenshtein distance of two short strings (capped inputs). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t d[41][41];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

/* Reports every member of obj not in `allowed` (NULL-terminated). `where`
 * is the object's path ("" at the top). */
static void check_members(pctx *p, json_object *obj, const char *where, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        bool known = false;
        const char *near = NULL;
        size_t best = 3;
        for (const char *const *a = allowed; *a; a++) {
            if (!strcmp(key, *a)) {
                known = true;
                break;
            }
            size_t d = edit_distance(key, *a);
            if (d < best) {
                best = d;
                near = *a;
            }
        }
        if (known)
            continue;
        char shown[81];
        dm_utf8_copy(shown, sizeof shown, key);
        char list[400] = "";
        size_t used = 0;
        for (const char *const *a = allowed; *a && used < sizeof list; a++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     a == allowed ? "" : ", ", *a);
        if (near)
            problem(p, "%s%sunknown member \"%s\" (did you mean \"%s\"?)", where,
                    *where ? ": " : "", shown, near);
        else
            problem(p, "%s%sunknown member \"%s\"; the members are: %s", where, *where ? ": " : "",
                    shown, list);
    }
}

/* The value of a member and whether it is there. JSON null counts as given
 * (and is then the wrong type). */
static json_object *member(json_object *obj, const char *key, bool *present)
{
    json_object *v = NULL;
    *present = json_object_object_get_ex(obj, key, &v);
    return v;
}

/* Path of member `key` of the object at `where`: "where.key" or "key". */
static void member_path(char *out, size_t outsz, const char *where, const char *key)
{
    snprintf(out, outsz, "%s%s%s", where, *where ? "." : "", key);
}

/* A number member. Returns true when present and a finite number. */
static bool get_number(pctx *p, json_object *obj, const char *where, const char *key, bool required,
                       double *out)
{
    char path[200];
    member_path(path, sizeof path, where, key);
    bool present;
    json_object *v = member(obj, key, &present);
    if (!present) {
        if (required)
            problem(p, "%s: missing", path);
        return false;
    }
    json_type t = json_object_get_type(v);
    if (t != json_type_int && t != json_type_double) {
        problem(p, "%s: %s is %s; expected a number", path, show(v).s, type_name(v));
        return false;
    }
    double d = json_object_get_double(v);
    if (!isfinite(d)) {
        problem(p, "%s: %s is not a finite number", path, show(v).s);
        return false;
    }
    *out = d;
    return true;
}

/* A text member copied into out (outsz bytes with the NUL). */
static bool get_text(pctx *p, json_object *obj, const char *where, const char *key, bool required,
                     char *out, size_t outsz)
{
    char path[200];
    member_path(path, sizeof path, where, key);
    bool present;
    json_object *v = member(obj, key, &present);
    if (!present) {
        if (required)
            problem(p, "%s: missing", path);
        return false;
    }
    if (!json_object_is_type(v, json_type_string)) {
        problem(p, "%s: %s is %s; expected text", path, show(v).s, type_name(v));
        return false;
    }
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (strlen(s) != n) {
        problem(p, "%s: contains a NUL character", path);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            problem(p, "%s: %s contains a control character", path, show(v).s);
            return false;
        }
    if (!dm_utf8_valid(s, n, NULL)) {
        problem(p, "%s: is not valid UTF-8", path);
        return false;
    }
    if (n >= outsz) {
        problem(p, "%s: %s is longer than %zu bytes", path, show(v).s, outsz - 1);
        return false;
    }
    memcpy(out, s, n + 1);
    return true;
}

/* A bearing in degrees, 0-360; a value up to 6400 is probably mils. */
static bool check_bearing(pctx *p, const char *path, double b)
{
    if (b >= 0.0 && b <= 360.0)
        return true;
    if (b > 360.0 && b <= 6400.0)
        problem(p, "%s: %s is outside 0-360 degrees; it looks like mils: %s mils = %s degrees",
                path, num(b).s, num(b).s, num(b * 360.0 / 6400.0).s);
    else
        problem(p, "%s: %s is outside 0-360 degrees", path, num(b).s);
    return false;
}

/* A distance: >= 0 (start, scattered mines) or > 0 (legs). */
static bool check_distance(pctx *p, const char *path, double d, bool zero_ok)
{
    if (d < 0) {
        problem(p, "%s: %s is negative", path, num(d).s);
        return false;
    }
    if (d == 0 && !zero_ok) {
        problem(p, "%s: 0 makes a zero-length leg; a leg must be longer than 0", path);
        return false;
    }
    if (d > DM_MF_MAX_DISTANCE) {
        problem(p, "%s: %s is more than %s; check the unit", path, num(d).s,
                num(DM_MF_MAX_DISTANCE).s);
        return false;
    }
    return true;
}

/* A {"bearing_deg", "distance"} object (a start, a leg) or the same two
 * members of a scattered mine. `where` is the object's path. */
static bool parse_leg(pctx *p, json_object *obj, const char *where, bool zero_ok, bool members,
                      dm_mf_leg *out)
{
    static const char *const leg_members[] = {"bearing_deg", "distance", NULL};
    if (!json_object_is_type(obj, json_type_object)) {
        problem(p, "%s: %s is %s; expected an object {\"bearing_deg\": ..., \"distance\": ...}",
                where, show(obj).s, type_name(obj));
        return false;
    }
    if (members)
        check_members(p, obj, where, leg_members);
    char path[240];
    bool ok = true;
    if (get_number(p, obj, where, "bearing_deg", true, &out->bearing_deg)) {
        member_path(path, sizeof path, where, "bearing_deg");
        ok &= check_bearing(p, path, out->bearing_deg);
    } else {
        ok = false;
    }
    if (get_number(p, obj, where, "distance", true, &out->distance)) {
        member_path(path, sizeof path, where, "distance");
        ok &= check_distance(p, path, out->distance, zero_ok);
    } else {
        ok = false;
    }
    return ok;
}

/* category: an EO category (canonical spelling of eo-items' field). */
static void get_category(pctx *p, json_object *obj, const char *where, char *out, size_t outsz)
{
    char raw[DM_MF_TEXT_MAX];
    if (!get_text(p, obj, where, "category", false, raw, sizeof raw))
        return;
    int fi = dm_kind_field_index(&dm_kind_eo_items, "category");
    char *canon = NULL;
    dm_error e;
    dm_error_clear(&e);
    if (fi < 0 || dm_field_normalise(&dm_kind_eo_items.fields[fi], raw, &canon, &e)) {
        char path[200];
        member_path(path, sizeof path, where, "category");
        problem(p, "%s: \"%s\" is not an EO category (AP, AT, UXO, AXO, cluster, IED, SAA, other)",
                path, raw);
        free(canon);
        return;
    }
    snprintf(out, outsz, "%s", canon ? canon : "");
    free(canon);
}

static json_object *get_array(pctx *p, json_object *obj, const char *where, const char *key,
                              bool *present)
{
    char path[200];
    member_path(path, sizeof path, where, key);
    json_object *v = member(obj, key, present);
    if (!*present)
        return NULL;
    if (!json_object_is_type(v, json_type_array)) {
        problem(p, "%s: %s is %s; expected an array", path, show(v).s, type_name(v));
        return NULL;
    }
    return v;
}

/* Where messages about row i start: "rows[1] (B)" or "rows[1]". */
static void row_where(char *out, size_t outsz, size_t i, const char *id)
{
    if (*id)
        snprintf(out, outsz, "rows[%zu] (%s)", i, id);
    else
        snprintf(out, outsz, "rows[%zu]", i);
}

/* Mines a row puts down (for the limits): count, or one every spacing. */
static double row_mines(const dm_mf_row *row, double length)
{
    if (row->count > 0)
        return row->count;
    if (row->spacing > 0)
        return floor(length / row->spacing + 1e-9) + 1.0;
    return 0;
}

static void parse_row(pctx *p, json_object *obj, size_t i, dm_mf_row *row, double *mines)
{
    static const char *const row_members[] = {"id",      "category", "model", "count",
                                              "spacing", "start",    "legs",  NULL};
    char where[120];
    row_where(where, sizeof where, i, "");
    if (!json_object_is_type(obj, json_type_object)) {
        problem(p, "%s: %s is %s; expected an object", where, show(obj).s, type_name(obj));
        return;
    }
    get_text(p, obj, where, "id", true, row->id, sizeof row->id);
    if (row->id[0] == '\0' && json_object_object_get_ex(obj, "id", NULL) &&
        json_object_is_type(json_object_object_get(obj, "id"), json_type_string))
        problem(p, "%s.id: empty", where);
    row_where(where, sizeof where, i, row->id);
    check_members(p, obj, where, row_members);
    get_category(p, obj, where, row->category, sizeof row->category);
    get_text(p, obj, where, "model", false, row->model, sizeof row->model);

    char path[200];
    double count = 0, spacing = 0;
    bool has_count = false, has_spacing = false;
    bool pc, ps;
    member(obj, "count", &pc);
    member(obj, "spacing", &ps);
    if (pc && get_number(p, obj, where, "count", false, &count)) {
        has_count = true;
        member_path(path, sizeof path, where, "count");
        if (count != floor(count)) {
            problem(p, "%s: %s is not a whole number", path, num(count).s);
            has_count = false;
        } else if (count < 1) {
            problem(p, "%s: %s is less than 1", path, num(count).s);
            has_count = false;
        } else if (count > DM_MF_MAX_MINES) {
            problem(p, "%s: %s is more than %d mines", path, num(count).s, DM_MF_MAX_MINES);
            has_count = false;
        } else {
            row->count = (int)count;
        }
    }
    if (ps && get_number(p, obj, where, "spacing", false, &spacing)) {
        has_spacing = true;
        member_path(path, sizeof path, where, "spacing");
        if (!(spacing > 0)) {
            problem(p, "%s: %s is not positive", path, num(spacing).s);
            has_spacing = false;
        } else if (spacing > DM_MF_MAX_DISTANCE) {
            problem(p, "%s: %s is more than %s; check the unit", path, num(spacing).s,
                    num(DM_MF_MAX_DISTANCE).s);
            has_spacing = false;
        } else {
            row->spacing = spacing;
        }
    }
    if (!pc && !ps)
        problem(p, "%s: neither count nor spacing; give one of them", where);
    else if (pc && ps)
        problem(p, "%s: both count and spacing; give one of them", where);

    bool present;
    json_object *start = member(obj, "start", &present);
    if (!present) {
        member_path(path, sizeof path, where, "start");
        problem(p, "%s: missing", path);
    } else {
        snprintf(path, sizeof path, "%s start", where);
        parse_leg(p, start, path, true, true, &row->start);
    }

    json_object *legs = get_array(p, obj, where, "legs", &present);
    member_path(path, sizeof path, where, "legs");
    if (!present) {
        problem(p, "%s: missing; a row needs at least one leg", path);
        return;
    }
    if (!legs)
        return;
    size_t n = json_object_array_length(legs);
    if (n == 0) {
        problem(p, "%s: empty; a row needs at least one leg", path);
        return;
    }
    if (n > DM_MF_MAX_LEGS) {
        problem(p, "%s: %zu legs; at most %d", path, n, DM_MF_MAX_LEGS);
        return;
    }
    row->legs = calloc(n, sizeof *row->legs);
    if (!row->legs) {
        p->oom = true;
        return;
    }
    row->n_legs = n;
    double length = 0;
    bool legs_ok = true;
    for (size_t k = 0; k < n; k++) {
        char lw[240];
        snprintf(lw, sizeof lw, "%s legs[%zu]", where, k);
        if (parse_leg(p, json_object_array_get_idx(legs, k), lw, false, true, &row->legs[k]))
            length += row->legs[k].distance;
        else
            legs_ok = false;
    }
    if (legs_ok && has_spacing && !has_count && row->spacing > length + 1e-9 * length) {
        member_path(path, sizeof path, where, "spacing");
        problem(p, "%s: %s is longer than the row (%s)", path, num(row->spacing).s, num(length).s);
    }
    if (legs_ok && has_count != has_spacing)
        *mines += row_mines(row, length);
}

static void parse_mine(pctx *p, json_object *obj, size_t i, dm_mf_scattered *m)
{
    static const char *const mine_members[] = {"id",          "category", "model",
                                               "bearing_deg", "distance", NULL};
    char where[120];
    snprintf(where, sizeof where, "mines[%zu]", i);
    if (!json_object_is_type(obj, json_type_object)) {
        problem(p, "%s: %s is %s; expected an object", where, show(obj).s, type_name(obj));
        return;
    }
    get_text(p, obj, where, "id", true, m->id, sizeof m->id);
    if (m->id[0] == '\0' && json_object_object_get_ex(obj, "id", NULL) &&
        json_object_is_type(json_object_object_get(obj, "id"), json_type_string))
        problem(p, "%s.id: empty", where);
    if (m->id[0])
        snprintf(where, sizeof where, "mines[%zu] (%s)", i, m->id);
    check_members(p, obj, where, mine_members);
    get_category(p, obj, where, m->category, sizeof m->category);
    get_text(p, obj, where, "model", false, m->model, sizeof m->model);
    parse_leg(p, obj, where, true, false, &m->at);
}

/* "line L, column C" of byte offset off in the text. */
static void text_position(const char *json, size_t len, size_t off, char *out, size_t outsz)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (json[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)json[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    snprintf(out, outsz, "line %zu, column %zu", line, col);
}

/* Row and scattered mine ids are unique among them all. */
static void check_ids(pctx *p, const dm_mf_record *rec)
{
    dm_strmap ids;
    dm_strmap_init(&ids);
    size_t n = rec->n_rows + rec->n_mines;
    size_t *first = calloc(n ? n : 1, sizeof *first); /* by map index: who has it */
    if (!first) {
        p->oom = true;
        return;
    }
    for (size_t k = 0; k < n && !p->oom; k++) {
        bool is_row = k < rec->n_rows;
        size_t i = is_row ? k : k - rec->n_rows;
        const char *id = is_row ? rec->rows[i].id : rec->mines[i].id;
        if (!*id)
            continue;
        long idx;
        int added;
        if (dm_strmap_intern(&ids, id, &idx, &added)) {
            p->oom = true;
            break;
        }
        if (added) {
            first[idx] = k;
            continue;
        }
        size_t j = first[idx];
        bool j_row = j < rec->n_rows;
        problem(p, "%s[%zu] (%s).id: \"%s\" is also the id of %s[%zu]", is_row ? "rows" : "mines",
                i, id, id, j_row ? "rows" : "mines", j_row ? j : j - rec->n_rows);
    }
    free(first);
    dm_strmap_free(&ids);
}

static void parse_record(pctx *p, json_object *root, dm_mf_record *rec)
{
    static const char *const top_members[] = {"type",
                                              "version",
                                              "id",
                                              "laid",
                                              "reference_point",
                                              "bearing_ref",
                                              "declination_deg",
                                              "unit",
                                              "pace_m",
                                              "rows",
                                              "mines",
                                              NULL};
    bool present;
    json_object *type = member(root, "type", &present);
    if (!present) {
        problem(p, "type: missing; a minefield record has \"type\": \"MinefieldRecord\"");
        return;
    }
    if (!json_object_is_type(type, json_type_string) ||
        strcmp(json_object_get_string(type), "MinefieldRecord")) {
        problem(p, "type: %s is not \"MinefieldRecord\"", show(type).s);
        return;
    }
    json_object *version = member(root, "version", &present);
    if (!present) {
        problem(p, "version: missing; this demine reads version 1");
        return;
    }
    if (!json_object_is_type(version, json_type_int) || json_object_get_int64(version) != 1) {
        problem(p, "version: %s is not a version this demine reads (1)", show(version).s);
        return;
    }
    check_members(p, root, "", top_members);

    get_text(p, root, "", "id", false, rec->id, sizeof rec->id);
    char laid[64];
    if (get_text(p, root, "", "laid", false, laid, sizeof laid)) {
        dm_date d;
        dm_error e;
        if (dm_date_parse(laid, &d, &e))
            problem(p, "laid: \"%s\" is not a date (YYYY-MM-DD)", laid);
        else
            dm_date_format(d, rec->laid);
    }

    json_object *ref = member(root, "reference_point", &present);
    if (!present) {
        problem(p, "reference_point: missing; give {\"lon\": ..., \"lat\": ...} in degrees "
                   "(WGS 84)");
    } else if (!json_object_is_type(ref, json_type_object)) {
        problem(p, "reference_point: %s is %s; expected an object {\"lon\": ..., \"lat\": ...}",
                show(ref).s, type_name(ref));
    } else {
        static const char *const ref_members[] = {"lon", "lat", NULL};
        check_members(p, ref, "reference_point", ref_members);
        if (get_number(p, ref, "reference_point", "lon", true, &rec->ref_lon) &&
            !(rec->ref_lon >= -180 && rec->ref_lon <= 180))
            problem(p, "reference_point.lon: %s is outside -180..180 degrees", num(rec->ref_lon).s);
        if (get_number(p, ref, "reference_point", "lat", true, &rec->ref_lat)) {
            if (!(rec->ref_lat >= -90 && rec->ref_lat <= 90))
                problem(p, "reference_point.lat: %s is outside -90..90 degrees",
                        num(rec->ref_lat).s);
            else if (fabs(rec->ref_lat) > DM_MF_MAX_ABS_LAT)
                problem(p,
                        "reference_point.lat: %s is too near a pole for the record's local "
                        "frame (at most %s degrees north or south)",
                        num(rec->ref_lat).s, num(DM_MF_MAX_ABS_LAT).s);
        }
    }

    char text[DM_MF_TEXT_MAX];
    bool magnetic = false;
    if (get_text(p, root, "", "bearing_ref", true, text, sizeof text)) {
        if (!strcmp(text, "grid"))
            rec->bearing_ref = DM_MF_GRID;
        else if (!strcmp(text, "magnetic"))
            rec->bearing_ref = DM_MF_MAGNETIC, magnetic = true;
        else
            problem(p, "bearing_ref: \"%s\" is not grid or magnetic", text);
    }
    json_object *decl = member(root, "declination_deg", &present);
    (void)decl;
    double d = 0;
    if (present && get_number(p, root, "", "declination_deg", false, &d)) {
        if (!(d >= -180 && d <= 180))
            problem(p, "declination_deg: %s is outside -180..180 degrees", num(d).s);
        else
            rec->declination_deg = d; /* with grid bearings: kept, not applied (warning) */
    } else if (!present && magnetic) {
        problem(p, "declination_deg: missing; bearing_ref is magnetic, so the declination is "
                   "needed (degrees, east positive; 0 if none)");
    }

    bool paces = false;
    if (get_text(p, root, "", "unit", true, text, sizeof text)) {
        if (!strcmp(text, "m"))
            rec->unit = DM_MF_METRES;
        else if (!strcmp(text, "paces"))
            rec->unit = DM_MF_PACES, paces = true;
        else
            problem(p, "unit: \"%s\" is not m or paces", text);
    }
    member(root, "pace_m", &present);
    double pace = 0;
    if (present && get_number(p, root, "", "pace_m", false, &pace)) {
        if (!(pace > 0))
            problem(p, "pace_m: %s is not positive", num(pace).s);
        else if (pace > DM_MF_MAX_PACE_M)
            problem(p, "pace_m: %s is more than %s metres per pace", num(pace).s,
                    num(DM_MF_MAX_PACE_M).s);
        else
            rec->pace_m = pace; /* with metres: kept, not applied (warning) */
    } else if (!present && paces) {
        problem(p, "pace_m: missing; unit is paces, so the metres per pace are needed");
    }

    double mines = 0;
    bool has_rows, has_mines;
    json_object *rows = get_array(p, root, "", "rows", &has_rows);
    json_object *scattered = get_array(p, root, "", "mines", &has_mines);
    size_t nr = rows ? json_object_array_length(rows) : 0;
    size_t nm = scattered ? json_object_array_length(scattered) : 0;
    if ((!has_rows || rows) && (!has_mines || scattered) && nr == 0 && nm == 0)
        problem(p, "rows and mines are both %s; a record needs at least one row or mine",
                has_rows || has_mines ? "empty" : "missing");
    if (nr > DM_MF_MAX_ROWS) {
        problem(p, "rows: %zu rows; at most %d", nr, DM_MF_MAX_ROWS);
        nr = 0;
    }
    if (nm > DM_MF_MAX_MINES) {
        problem(p, "mines: %zu mines; at most %d", nm, DM_MF_MAX_MINES);
        nm = 0;
    }
    if (nr) {
        rec->rows = calloc(nr, sizeof *rec->rows);
        if (!rec->rows) {
            p->oom = true;
            return;
        }
        rec->n_rows = nr;
        size_t legs = 0;
        for (size_t i = 0; i < nr && !p->oom; i++) {
            parse_row(p, json_object_array_get_idx(rows, i), i, &rec->rows[i], &mines);
            legs += rec->rows[i].n_legs;
        }
        if (legs > DM_MF_MAX_ALL_LEGS)
            problem(p, "rows: %zu legs in all; at most %d", legs, DM_MF_MAX_ALL_LEGS);
    }
    if (nm && !p->oom) {
        rec->mines = calloc(nm, sizeof *rec->mines);
        if (!rec->mines) {
            p->oom = true;
            return;
        }
        rec->n_mines = nm;
        for (size_t i = 0; i < nm && !p->oom; i++)
            parse_mine(p, json_object_array_get_idx(scattered, i), i, &rec->mines[i]);
    }
    if (!p->oom)
        check_ids(p, rec);
    mines += (double)nm;
    if (mines > DM_MF_MAX_MINES)
        problem(p, "the record puts down %s mines; at most %d (check count, spacing and unit)",
                num(mines).s, DM_MF_MAX_MINES);
}

static dm_status parse_all(const char *json, size_t len, dm_mf_record *out, pctx *pc);

dm_status dm_mf_record_parse_all(const char *json, size_t len, dm_mf_record *out,
                                 dm_mf_problem_fn fn, void *fn_ctx, size_t *n_problems,
                                 dm_error *err)
{
    pctx p = {fn, fn_ctx, 0, false, err};
    dm_status st = parse_all(json, len, out, &p);
    if (n_problems)
        *n_problems = p.n;
    return st;
}

static dm_status parse_all(const char *json, size_t len, dm_mf_record *out, pctx *p)
{
    dm_error *err = p->err;
    if (!out)
        return dm_error_set(err, DM_EINVAL, "minefield record: no output given");
    memset(out, 0, sizeof *out);
    out->pace_m = 0;
    if (!json) {
        problem(p, "the record is empty");
        return DM_EINVAL;
    }
    if (len > DM_MF_MAX_INPUT) {
        problem(p, "the record is larger than %u MiB", DM_MF_MAX_INPUT >> 20);
        return DM_EINVAL;
    }
    const char *nul = memchr(json, '\0', len);
    if (nul) {
        char pos[64];
        text_position(json, len, (size_t)(nul - json), pos, sizeof pos);
        problem(p, "not valid JSON at %s: a NUL byte", pos);
        return DM_EINVAL;
    }
    size_t skip = 0;
    while (skip < len && strchr(" \t\r\n", json[skip]))
        skip++;
    if (skip == len) {
        problem(p, "the record is empty");
        return DM_EINVAL;
    }
    /* a UTF-8 byte order mark is not JSON, but editors write it */
    if (len - skip >= 3 && !memcmp(json + skip, "\xEF\xBB\xBF", 3))
        skip += 3;

    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    /* trailing text is reported below, with its position */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
                                    JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tok, json + skip, (int)(len - skip));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = skip + json_tokener_get_parse_end(tok);
    if (!root || jerr != json_tokener_success) {
        char pos[64];
        text_position(json, len, end, pos, sizeof pos);
        if (jerr == json_tokener_continue)
            problem(p, "not valid JSON: the text ends before the record does (%s)", pos);
        else
            problem(p, "not valid JSON at %s: %s", pos,
                    json_tokener_error_desc(
                        jerr == json_tokener_success ? json_tokener_error_parse_eof : jerr));
        json_object_put(root);
        json_tokener_free(tok);
        return DM_EINVAL;
    }
    json_tokener_free(tok);
    while (end < len && strchr(" \t\r\n", json[end]))
        end++;
    if (end < len) {
        char pos[64];
        text_position(json, len, end, pos, sizeof pos);
        problem(p, "not valid JSON at %s: text after the record", pos);
        json_object_put(root);
        return DM_EINVAL;
    }
    if (!json_object_is_type(root, json_type_object)) {
        problem(p, "the record must be a JSON object {\"type\": \"MinefieldRecord\", ...}, not %s",
                type_name(root));
        json_object_put(root);
        return DM_EINVAL;
    }
    parse_record(p, root, out);
    json_object_put(root);
    if (p->oom) {
        dm_mf_record_free(out);
        return dm_error_set(err, DM_ENOMEM, "out of memory reading the minefield record");
    }
    if (p->n) {
        dm_mf_record_free(out);
        if (p->n > 1 && err) {
            char more[64];
            snprintf(more, sizeof more, " (and %zu more problem%s)", p->n - 1, p->n > 2 ? "s" : "");
            size_t used = strlen(err->msg);
            if (used + strlen(more) < sizeof err->msg)
                memcpy(err->msg + used, more, strlen(more) + 1);
        }
        return DM_EINVAL;
    }
    return DM_OK;
}

dm_status dm_mf_record_parse(const char *json, size_t len, dm_mf_record *out, dm_error *err)
{
    return dm_mf_record_parse_all(json, len, out, NULL, NULL, NULL, err);
}

dm_status dm_mf_record_load(const char *path, dm_mf_record *out, dm_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return dm_error_set(err, DM_EIO, "cannot read %s: %s", path, strerror(errno));
    dm_buf b;
    dm_buf_init(&b, (size_t)DM_MF_MAX_INPUT + 4096);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !b.status)
        dm_buf_append(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        dm_buf_free(&b);
        return dm_error_set(err, DM_EIO, "cannot read %s", path);
    }
    dm_status st;
    if (b.status == DM_ENOMEM && b.len + sizeof chunk >= b.cap)
        st =
            dm_error_set(err, DM_EINVAL, "the record is larger than %u MiB", DM_MF_MAX_INPUT >> 20);
    else if (b.status)
        st = dm_error_set(err, b.status, "out of memory");
    else
        st = dm_mf_record_parse(b.data ? b.data : "", b.len, out, err);
    dm_buf_free(&b);
    if (st)
        dm_error_prefix(err, "%s", path);
    return st;
}

dm_mf_item_class dm_mf_item_category(const char *category, char *canon, size_t canon_sz)
{
    if (canon && canon_sz)
        canon[0] = 0;
    if (!category)
        return DM_MF_ITEM_ANY;
    while (*category == ' ')
        category++;
    if (!*category || !strcasecmp(category, "unknown") || !strcasecmp(category, "mine") ||
        !strcasecmp(category, "landmine") || !strcmp(category, "?"))
        return DM_MF_ITEM_ANY;
    int fi = dm_kind_field_index(&dm_kind_eo_items, "category");
    char *c = NULL;
    dm_error e;
    dm_error_clear(&e);
    if (fi >= 0 && !dm_field_normalise(&dm_kind_eo_items.fields[fi], category, &c, &e) && c) {
        dm_mf_item_class k =
            !strcmp(c, "AP") || !strcmp(c, "AT") ? DM_MF_ITEM_MINE : DM_MF_ITEM_NOT_MINE;
        if (canon && canon_sz)
            snprintf(canon, canon_sz, "%s", c);
        free(c);
        return k;
    }
    free(c);
    if (canon && canon_sz)
        snprintf(canon, canon_sz, "%s", category);
    return DM_MF_ITEM_NOT_MINE;
}

/* models equal when their letters and digits are, case ignored */
static bool same_model(const char *a, const char *b)
{
    for (;;) {
        while (*a && !isalnum((unsigned char)*a))
            a++;
        while (*b && !isalnum((unsigned char)*b))
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
}

bool dm_mf_item_may_be(const dm_mf_record *rec, const dm_mf_mine *m, const dm_mf_found_info *info)
{
    if (!info)
        return true;
    char cat[DM_MF_TEXT_MAX];
    dm_mf_item_class k = dm_mf_item_category(info->category, cat, sizeof cat);
    const char *mcat = "", *mmodel = "";
    if (rec && m && m->row >= 0 && (size_t)m->row < rec->n_rows) {
        mcat = rec->rows[m->row].category;
        mmodel = rec->rows[m->row].model;
    } else if (rec && m && m->row == -1 && m->index >= 1 && (size_t)m->index <= rec->n_mines) {
        mcat = rec->mines[m->index - 1].category;
        mmodel = rec->mines[m->index - 1].model;
    }
    if (k == DM_MF_ITEM_NOT_MINE && (!*mcat || strcmp(cat, mcat)))
        return false; /* not a mine, unless the record says the same */
    if (k != DM_MF_ITEM_ANY && *mcat && strcmp(cat, mcat))
        return false;
    if (info->model && *info->model && *mmodel && !same_model(info->model, mmodel))
        return false;
    return true;
}

size_t dm_mf_record_warnings(const dm_mf_record *rec, void (*fn)(const char *msg, void *ctx),
                             void *ctx)
{
    size_t n = 0;
    char msg[DM_ERROR_MSG_MAX];
    if (rec && rec->unit == DM_MF_METRES && rec->pace_m > 0) {
        snprintf(msg, sizeof msg,
                 "pace_m: %s given with unit m: distances are taken as metres; the fit also "
                 "considers that they were paced (%s m per pace)",
                 num(rec->pace_m).s, num(rec->pace_m).s);
        if (fn)
            fn(msg, ctx);
        n++;
    }
    if (rec && rec->bearing_ref == DM_MF_GRID && rec->declination_deg != 0) {
        snprintf(msg, sizeof msg,
                 "declination_deg: %s given with grid bearings: bearings are taken as grid; the "
                 "fit also considers that they were magnetic (declination %s degrees)",
                 num(rec->declination_deg).s, num(rec->declination_deg).s);
        if (fn)
            fn(msg, ctx);
        n++;
    }
    return n;
}

/* ---- figures, footprint, GeoJSON ---- */

double dm_mf_unit_m(const dm_mf_record *rec)
{
    return rec->unit == DM_MF_PACES ? rec->pace_m : 1.0;
}

double dm_mf_row_length_m(const dm_mf_record *rec, size_t r)
{
    if (r >= rec->n_rows)
        return 0.0;
    double len = 0.0;
    for (size_t k = 0; k < rec->rows[r].n_legs; k++)
        len += rec->rows[r].legs[k].distance;
    return len * dm_mf_unit_m(rec);
}

typedef struct frame_cb {
    const dm_mf_frame *f;
} frame_cb;

static int to_lonlat_cb(double *x, double *y, void *ud)
{
    const frame_cb *c = ud;
    dm_mf_frame_to_lonlat(c->f, *x, *y, x, y);
    return 1;
}

static int cmp_xy(const void *a, const void *b)
{
    const double *p = a, *q = b;
    if (p[0] != q[0])
        return p[0] < q[0] ? -1 : 1;
    if (p[1] != q[1])
        return p[1] < q[1] ? -1 : 1;
    return 0;
}

dm_status dm_mf_footprint(dm_geo *geo, const dm_mf_record *rec, const dm_mf_layout *lay,
                          double margin_m, GEOSGeometry **out, dm_error *err)
{
    *out = NULL;
    if (!(margin_m > 0) || !isfinite(margin_m))
        return dm_error_set(err, DM_EINVAL, "the footprint margin must be more than 0 metres");
    GEOSContextHandle_t h = dm_geo_handle(geo);
    size_t n = lay->n_rows + rec->n_mines;
    if (n == 0)
        return dm_error_set(err, DM_EINVAL, "the record has neither rows nor mines");
    GEOSGeometry **parts = calloc(n, sizeof *parts);
    if (!parts)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    size_t np = 0;
    dm_status st = DM_OK;
    for (size_t r = 0; r < lay->n_rows && !st; r++) {
        size_t first = lay->row_first[r], end = lay->row_first[r + 1];
        if (end <= first)
            continue;
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)(end - first), 2);
        for (size_t v = first; cs && v < end; v++)
            GEOSCoordSeq_setXY_r(h, cs, (unsigned)(v - first), lay->verts[2 * v],
                                 lay->verts[2 * v + 1]);
        GEOSGeometry *g = NULL;
        if (cs && end - first >= 2)
            g = GEOSGeom_createLineString_r(h, cs);
        else if (cs)
            g = GEOSGeom_createPoint_r(h, cs);
        if (!g)
            st = dm_error_set(err, DM_EGEOM, "footprint: %s", dm_geo_last_error(geo));
        else
            parts[np++] = g;
    }
    /* scattered mines, each position once (to the millimetre) */
    double *pts = calloc(rec->n_mines ? 2 * rec->n_mines : 1, sizeof *pts);
    size_t npts = 0;
    if (!pts && !st)
        st = dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; pts && i < lay->n_mines && npts < rec->n_mines; i++) {
        if (lay->mines[i].row >= 0)
            continue;
        pts[2 * npts] = round(lay->mines[i].x * 1000) / 1000;
        pts[2 * npts + 1] = round(lay->mines[i].y * 1000) / 1000;
        npts++;
    }
    if (pts)
        qsort(pts, npts, 2 * sizeof *pts, cmp_xy);
    for (size_t i = 0; i < npts && !st; i++) {
        if (i && pts[2 * i] == pts[2 * i - 2] && pts[2 * i + 1] == pts[2 * i - 1])
            continue;
        GEOSGeometry *g = GEOSGeom_createPointFromXY_r(h, pts[2 * i], pts[2 * i + 1]);
        if (!g)
            st = dm_error_set(err, DM_EGEOM, "footprint: %s", dm_geo_last_error(geo));
        else if (np < n)
            parts[np++] = g;
        else
            GEOSGeom_destroy_r(h, g);
    }
    free(pts);
    /* each part buffered on its own, then one cascaded union: many
       overlapping discs stay quick that way */
    for (size_t i = 0; i < np && !st; i++) {
        GEOSGeometry *b = GEOSBuffer_r(h, parts[i], margin_m, 8);
        if (!b)
            st = dm_error_set(err, DM_EGEOM, "footprint: %s", dm_geo_last_error(geo));
        else {
            GEOSGeom_destroy_r(h, parts[i]);
            parts[i] = b;
        }
    }
    GEOSGeometry *local = NULL;
    if (!st) {
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)np);
        if (coll) {
            np = 0; /* owned by coll */
            local = GEOSUnaryUnion_r(h, coll);
            GEOSGeom_destroy_r(h, coll);
        }
        if (!local)
            st = dm_error_set(err, DM_EGEOM, "footprint: %s", dm_geo_last_error(geo));
    }
    for (size_t i = 0; i < np; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    if (st)
        return st;
    dm_mf_frame f;
    dm_mf_frame_init(&f, rec->ref_lon, rec->ref_lat);
    frame_cb cb = {&f};
    GEOSGeometry *ll = GEOSGeom_transformXY_r(h, local, to_lonlat_cb, &cb);
    GEOSGeom_destroy_r(h, local);
    if (!ll)
        return dm_error_set(err, DM_EGEOM, "footprint: %s", dm_geo_last_error(geo));
    *out = ll;
    return DM_OK;
}

dm_status dm_mf_summarise(dm_geo *geo, const dm_mf_record *rec, double margin_m, dm_mf_summary *out,
                          dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_mf_layout lay;
    dm_status st = dm_mf_layout_compute(rec, &lay, err);
    if (st)
        return st;
    GEOSGeometry *fp = NULL;
    st = dm_mf_footprint(geo, rec, &lay, margin_m, &fp, err);
    if (!st) {
        out->rows = rec->n_rows;
        out->mines = lay.n_mines;
        out->scattered = rec->n_mines;
        for (size_t r = 0; r < rec->n_rows; r++)
            out->length_m += dm_mf_row_length_m(rec, r);
        out->footprint_area_m2 = dm_geo_area_m2(geo, fp);
        out->margin_m = margin_m;
        GEOSGeom_destroy_r(dm_geo_handle(geo), fp);
    }
    dm_mf_layout_free(&lay);
    return st;
}

/* Appends a rounded coordinate pair "[lon,lat]". */
static void put_xy(dm_buf *b, double lon, double lat) { dm_buf_printf(b, "[%.7f,%.7f]", lon, lat); }

static void put_local(dm_buf *b, const dm_mf_frame *f, double x, double y)
{
    double lon, lat;
    dm_mf_frame_to_lonlat(f, x, y, &lon, &lat);
    put_xy(b, lon, lat);
}

/* A number rounded to `decimals` places, as JSON. */
static void put_round(dm_buf *b, double v, int decimals)
{
    double k = pow(10.0, decimals);
    double r = isfinite(v) ? round(v * k) / k : v;
    if (r == 0)
        r = 0; /* no "-0" */
    dm_buf_json_number(b, r);
}

static void put_ring(dm_buf *b, GEOSContextHandle_t h, const GEOSGeometry *ring)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (cs)
        GEOSCoordSeq_getSize_r(h, cs, &n);
    dm_buf_puts(b, "[");
    for (unsigned i = 0; i < n; i++) {
        double x = 0, y = 0;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        if (i)
            dm_buf_puts(b, ",");
        put_xy(b, x, y);
    }
    dm_buf_puts(b, "]");
}

static void put_polygon(dm_buf *b, GEOSContextHandle_t h, const GEOSGeometry *poly)
{
    dm_buf_puts(b, "[");
    put_ring(b, h, GEOSGetExteriorRing_r(h, poly));
    int nh = GEOSGetNumInteriorRings_r(h, poly);
    for (int i = 0; i < nh; i++) {
        dm_buf_puts(b, ",");
        put_ring(b, h, GEOSGetInteriorRingN_r(h, poly, i));
    }
    dm_buf_puts(b, "]");
}

/* A polygon or multipolygon as a GeoJSON geometry. */
static void put_area(dm_buf *b, GEOSContextHandle_t h, const GEOSGeometry *g)
{
    if (GEOSGeomTypeId_r(h, g) == GEOS_POLYGON) {
        dm_buf_puts(b, "{\"type\":\"Polygon\",\"coordinates\":");
        put_polygon(b, h, g);
    } else {
        dm_buf_puts(b, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0, k = 0; i < n; i++) {
            const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
            if (GEOSGeomTypeId_r(h, p) != GEOS_POLYGON)
                continue;
            if (k++)
                dm_buf_puts(b, ",");
            put_polygon(b, h, p);
        }
        dm_buf_puts(b, "]");
    }
    dm_buf_puts(b, "}");
}

/* ,"category":...,"model":... (null when not given) */
static void put_type(dm_buf *b, const char *category, const char *model)
{
    dm_buf_puts(b, ",\"category\":");
    if (*category)
        dm_buf_json_string(b, category);
    else
        dm_buf_puts(b, "null");
    dm_buf_puts(b, ",\"model\":");
    if (*model)
        dm_buf_json_string(b, model);
    else
        dm_buf_puts(b, "null");
}

dm_status dm_mf_render_geojson(dm_geo *geo, const dm_mf_record *rec, double margin_m, dm_buf *out,
                               dm_error *err)
{
    dm_mf_layout lay;
    dm_status st = dm_mf_layout_compute(rec, &lay, err);
    if (st)
        return st;
    GEOSGeometry *fp = NULL;
    st = dm_mf_footprint(geo, rec, &lay, margin_m, &fp, err);
    if (st) {
        dm_mf_layout_free(&lay);
        return st;
    }
    GEOSContextHandle_t h = dm_geo_handle(geo);
    dm_mf_frame f;
    dm_mf_frame_init(&f, rec->ref_lon, rec->ref_lat);
    dm_buf_puts(out, "{\"type\":\"FeatureCollection\",\"name\":");
    dm_buf_json_string(out, rec->id[0] ? rec->id : "minefield record");
    dm_buf_puts(out, ",\"features\":[\n");
    /* the reference point */
    dm_buf_puts(out, "{\"type\":\"Feature\",\"properties\":{\"kind\":\"reference_point\","
                     "\"record\":");
    dm_buf_json_string(out, rec->id);
    dm_buf_puts(out, "},\"geometry\":{\"type\":\"Point\",\"coordinates\":");
    put_xy(out, rec->ref_lon, rec->ref_lat);
    dm_buf_puts(out, "}}");
    /* the footprint */
    dm_buf_puts(out,
                ",\n{\"type\":\"Feature\",\"properties\":{\"kind\":\"footprint\",\"margin_m\":");
    dm_buf_json_number(out, margin_m);
    dm_buf_puts(out, ",\"area_m2\":");
    put_round(out, dm_geo_area_m2(geo, fp), 1);
    dm_buf_puts(out, "},\"geometry\":");
    put_area(out, h, fp);
    dm_buf_puts(out, "}");
    GEOSGeom_destroy_r(h, fp);
    /* the rows */
    for (size_t r = 0; r < lay.n_rows && r < rec->n_rows; r++) {
        const dm_mf_row *row = &rec->rows[r];
        size_t nm = 0;
        for (size_t i = 0; i < lay.n_mines; i++)
            nm += lay.mines[i].row == (int)r;
        dm_buf_puts(out, ",\n{\"type\":\"Feature\",\"properties\":{\"kind\":\"row\",\"row\":");
        dm_buf_json_string(out, row->id);
        dm_buf_printf(out, ",\"mines\":%zu,\"length_m\":", nm);
        put_round(out, dm_mf_row_length_m(rec, r), 3);
        put_type(out, row->category, row->model);
        dm_buf_puts(out, "},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
        for (size_t v = lay.row_first[r]; v < lay.row_first[r + 1]; v++) {
            if (v > lay.row_first[r])
                dm_buf_puts(out, ",");
            put_local(out, &f, lay.verts[2 * v], lay.verts[2 * v + 1]);
        }
        dm_buf_puts(out, "]}}");
    }
    /* the mines */
    for (size_t i = 0; i < lay.n_mines; i++) {
        const dm_mf_mine *m = &lay.mines[i];
        const char *id = "", *cat = "", *model = "";
        bool scattered = m->row < 0;
        if (!scattered && (size_t)m->row < rec->n_rows) {
            id = rec->rows[m->row].id;
            cat = rec->rows[m->row].category;
            model = rec->rows[m->row].model;
        } else if (scattered && m->index >= 1 && (size_t)m->index <= rec->n_mines) {
            id = rec->mines[m->index - 1].id;
            cat = rec->mines[m->index - 1].category;
            model = rec->mines[m->index - 1].model;
        }
        dm_buf_puts(out, ",\n{\"type\":\"Feature\",\"properties\":{\"kind\":\"mine\",\"row\":");
        dm_buf_json_string(out, id);
        dm_buf_printf(out, ",\"index\":%d", m->index);
        put_type(out, cat, model);
        dm_buf_printf(out, ",\"scattered\":%s},\"geometry\":{\"type\":\"Point\",\"coordinates\":",
                      scattered ? "true" : "false");
        put_local(out, &f, m->x, m->y);
        dm_buf_puts(out, "}}");
    }
    dm_buf_puts(out, "\n]}\n");
    dm_mf_layout_free(&lay);
    if (out->status)
        return dm_error_set(err, out->status, "out of memory writing the GeoJSON");
    return DM_OK;
}

/* "dx_m":..,"dy_m":..,"rotation_deg":..,"scale":.. of a fit */
static void put_transform(dm_buf *out, double dx_m, double dy_m, double rot_deg, double scale)
{
    dm_buf_puts(out, "\"dx_m\":");
    put_round(out, dx_m, 3);
    dm_buf_puts(out, ",\"dy_m\":");
    put_round(out, dy_m, 3);
    dm_buf_puts(out, ",\"rotation_deg\":");
    put_round(out, rot_deg, 4);
    dm_buf_puts(out, ",\"scale\":");
    put_round(out, scale, 6);
}

void dm_mf_alts_json(dm_buf *out, const dm_mf_fit *fit)
{
    dm_buf_puts(out, ",\"weight\":");
    put_round(out, fit->weight, 4);
    dm_buf_puts(out, ",\"alternatives\":[");
    for (size_t k = 0; k < fit->n_alts && k < DM_MF_MAX_ALTS; k++) {
        const dm_mf_alt *a = &fit->alts[k];
        dm_buf_puts(out, k ? ",{" : "{");
        put_transform(out, a->dx_m, a->dy_m, a->rotation_deg, a->scale);
        dm_buf_puts(out, ",\"weight\":");
        put_round(out, a->weight, 4);
        dm_buf_puts(out, "}");
    }
    dm_buf_puts(out, "]");
}

dm_status dm_mf_prediction_geojson(const dm_mf_record *rec, const dm_mf_frame *frame,
                                   const dm_mf_prediction_set *set, dm_buf *out, dm_error *err)
{
    const dm_mf_fit *fit = &set->fit;
    dm_buf_puts(out, "{\"type\":\"FeatureCollection\",\"name\":");
    dm_buf_json_string(out, rec && rec->id[0] ? rec->id : "prediction");
    dm_buf_puts(out, ",\"fit\":{");
    put_transform(out, fit->dx_m, fit->dy_m, fit->rotation_deg, fit->scale);
    dm_buf_puts(out, ",\"rmse_m\":");
    put_round(out, fit->rmse_m, 3);
    dm_buf_printf(out, ",\"matched\":%zu,\"confidence\":", fit->matched);
    put_round(out, fit->confidence, 4);
    dm_mf_alts_json(out, fit);
    dm_buf_puts(out, "},\"features\":[");
    for (size_t i = 0; i < set->n; i++) {
        const dm_mf_prediction *p = &set->items[i];
        char row[DM_MF_ID_MAX + 32];
        if (p->row >= 0 && rec && (size_t)p->row < rec->n_rows)
            snprintf(row, sizeof row, "%s", rec->rows[p->row].id);
        else if (p->row == -1 && rec && p->index >= 1 && (size_t)p->index <= rec->n_mines)
            snprintf(row, sizeof row, "%s", rec->mines[p->index - 1].id);
        else if (p->row <= -2)
            snprintf(row, sizeof row, "found-row-%d", -(p->row + 1));
        else
            snprintf(row, sizeof row, "%d", p->row);
        dm_buf_puts(out, i ? ",\n" : "\n");
        dm_buf_puts(out, "{\"type\":\"Feature\",\"properties\":{\"row\":");
        dm_buf_json_string(out, row);
        dm_buf_printf(out, ",\"index\":%d,\"radius_m\":", p->index);
        put_round(out, p->radius_m, 2);
        if (p->from_found_rows)
            dm_buf_puts(out, ",\"from_found_rows\":true");
        dm_buf_puts(out, "},\"geometry\":{\"type\":\"Point\",\"coordinates\":");
        put_local(out, frame, p->x, p->y);
        dm_buf_puts(out, "}}");
    }
    dm_buf_puts(out, "\n]}\n");
    if (out->status)
        return dm_error_set(err, out->status, "out of memory writing the GeoJSON");
    return DM_OK;
}
