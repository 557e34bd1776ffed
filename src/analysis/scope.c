#include "analysis/scope.h"

#include "core/date.h"
#include "core/utf8.h"

#include <stdio.h>
#include <string.h>

bool dm_scope_any(const dm_scope *s)
{
    return s->since[0] || s->until[0] || s->admin[0] || s->organisation[0];
}

bool dm_scope_dated(const dm_scope *s) { return s->since[0] || s->until[0]; }

static dm_status set_date(char out[11], const char *v, const char *what, dm_error *err)
{
    out[0] = '\0';
    if (!v)
        return DM_OK;
    dm_date d;
    dm_error e;
    if (dm_date_parse(v, &d, &e))
        return dm_error_set(err, DM_EINVAL, "%s %s: %s", what, v, e.msg);
    dm_date_format(d, out);
    return DM_OK;
}

dm_status dm_scope_set_period(dm_scope *s, const char *since, const char *until,
                              const char *what_since, const char *what_until, dm_error *err)
{
    char a[11], b[11]; /* since and until may be s's own */
    dm_status st = set_date(a, since, what_since, err);
    if (!st)
        st = set_date(b, until, what_until, err);
    if (!st && a[0] && b[0] && strcmp(a, b) > 0)
        st = dm_error_set(err, DM_EINVAL, "%s %s is after %s %s", what_since, a, what_until, b);
    if (!st) {
        memcpy(s->since, a, sizeof a);
        memcpy(s->until, b, sizeof b);
    }
    return st;
}

dm_status dm_scope_set_where(dm_scope *s, const char *admin, const char *organisation,
                             dm_error *err)
{
    if (admin && (strlen(admin) >= sizeof s->admin || !admin[0]))
        return dm_error_set(err, DM_EINVAL,
                            "admin area code '%.40s': empty or longer than %zu bytes", admin,
                            sizeof s->admin - 1);
    if (organisation && (strlen(organisation) >= sizeof s->organisation || !organisation[0]))
        return dm_error_set(err, DM_EINVAL, "organisation: empty or longer than %zu bytes",
                            sizeof s->organisation - 1);
    char a[sizeof s->admin], o[sizeof s->organisation]; /* may be s's own */
    snprintf(a, sizeof a, "%s", admin ? admin : "");
    snprintf(o, sizeof o, "%s", organisation ? organisation : "");
    memcpy(s->admin, a, sizeof a);
    memcpy(s->organisation, o, sizeof o);
    return DM_OK;
}

bool dm_scope_date_in(const dm_scope *s, const char *date)
{
    if (!dm_scope_dated(s))
        return true;
    if (!date || strlen(date) < 10)
        return false;
    return (!s->since[0] || strncmp(date, s->since, 10) >= 0) &&
           (!s->until[0] || strncmp(date, s->until, 10) <= 0);
}

bool dm_scope_org_in(const dm_scope *s, const char *organisation)
{
    return !s->organisation[0] || (organisation && !strcmp(organisation, s->organisation));
}

dm_status dm_scope_area_open(dm_store *store, const dm_scope *s, dm_scope_area *a, dm_error *err)
{
    memset(a, 0, sizeof *a);
    if (!s->admin[0])
        return DM_OK;
    dm_geo *geo = dm_store_geo(store);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_admin_areas);
    dm_status st = dm_store_get(store, &dm_kind_admin_areas, s->admin, &rec, err);
    if (st == DM_ENOTFOUND || (!st && (!rec.geom || !strcmp(rec.state, "rejected"))))
        st = dm_error_set(err, DM_ENOTFOUND, "admin area %s: no admin area with that code%s",
                          s->admin, st ? "" : " and a polygon");
    if (!st) {
        const char *nm = dm_record_get(&rec, "name");
        dm_utf8_copy(a->name, sizeof a->name, nm ? nm : "");
        a->geom = rec.geom;
        rec.geom = NULL;
        a->prep = GEOSPrepare_r(dm_geo_handle(geo), a->geom);
        if (!a->prep)
            st = dm_error_set(err, DM_EGEOM, "admin area %s: preparing its polygon failed: %s",
                              s->admin, dm_geo_last_error(geo));
    }
    dm_record_clear(&rec, geo);
    if (st)
        dm_scope_area_free(geo, a);
    return st;
}

void dm_scope_area_free(dm_geo *geo, dm_scope_area *a)
{
    if (a->prep)
        GEOSPreparedGeom_destroy_r(dm_geo_handle(geo), a->prep);
    dm_geo_destroy(geo, a->geom);
    memset(a, 0, sizeof *a);
}

dm_status dm_scope_clip(dm_geo *geo, const dm_scope_area *a, const GEOSGeometry *g,
                        GEOSGeometry **out)
{
    GEOSContextHandle_t h = dm_geo_handle(geo);
    *out = NULL;
    if (!a->geom) {
        *out = GEOSGeom_clone_r(h, g);
        return *out ? DM_OK : DM_EGEOM;
    }
    char hit = GEOSPreparedIntersects_r(h, a->prep, g);
    if (hit == 2)
        return DM_EGEOM;
    if (!hit)
        return DM_OK;
    char inside = GEOSPreparedContains_r(h, a->prep, g);
    if (inside == 2)
        return DM_EGEOM;
    GEOSGeometry *c = inside ? GEOSGeom_clone_r(h, g) : GEOSIntersection_r(h, a->geom, g);
    if (!c)
        return DM_EGEOM;
    double area = 0;
    if (!GEOSArea_r(h, c, &area) || !(area > 0)) {
        dm_geo_destroy(geo, c); /* touching only: a line or a point, no area */
        return DM_OK;
    }
    *out = c;
    return DM_OK;
}

bool dm_scope_geom_in(dm_geo *geo, const dm_scope_area *a, const GEOSGeometry *g)
{
    if (!g)
        return false;
    if (!a->geom)
        return true;
    return GEOSPreparedIntersects_r(dm_geo_handle(geo), a->prep, g) == 1;
}

static void json_text(dm_buf *b, const char *key, const char *v, bool last)
{
    dm_buf_printf(b, "\"%s\": ", key);
    dm_buf_json_string_or_null(b, v && v[0] ? v : NULL);
    dm_buf_puts(b, last ? "}, " : ", ");
}

void dm_scope_json(dm_buf *b, const dm_scope *s, const char *admin_name)
{
    dm_buf_puts(b, "\"scope\": {");
    json_text(b, "since", s->since, false);
    json_text(b, "until", s->until, false);
    json_text(b, "admin", s->admin, false);
    json_text(b, "admin_name", s->admin[0] ? admin_name : NULL, false);
    json_text(b, "organisation", s->organisation, true);
}
