/* OGC API - Features Part 4 (create, replace, update, delete) and the
 * approval workflow over the store's one write path.
 *
 * - A new record enters as "submitted": no official figure counts it until
 *   an approver approves it.
 * - A change to a submitted (or draft, or rejected) record is applied to it
 *   and leaves it submitted.
 * - A change to an approved record waits beside it (store.h, "changes
 *   waiting for approval"): the approved version stays what everyone reads
 *   and counts until an approver applies the change; one change waits per
 *   record at a time (409 for a second one).
 * - Every change names the version it was made to (If-Match with the ETag
 *   of a GET; 428 without, 412 when stale), so two editors never overwrite
 *   each other unseen. A waiting change has an ETag of its own, "BASE+ID";
 *   naming it amends (PUT, PATCH) or withdraws (DELETE) the waiting change.
 * - An editor changes or withdraws only what they wrote: a record not yet
 *   approved that they created or changed since it was last approved, a
 *   waiting change they proposed or amended (the change log says who);
 *   roles with write_others (approvers, admins) act on anyone's.
 * - An approval or a rejection names what was reviewed (If-Match: 428
 *   without, 412 stale), and nobody decides on what they wrote any part of
 *   (four eyes): 403 naming who wrote what.
 * - Whoever may write or approve records of a kind reads them whole
 *   (authz.h: writing victims needs read_personal), so the answers here
 *   carry the personal fields.
 * Each write opens a connection of its own for writing, in one transaction:
 * it all happens or nothing does.
 */
#include "server/internal.h"

#include <geos_c.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REASON_MAX 250

/* A stored kind (a table of records) called id, or NULL. */
static const dm_kind *stored_kind(const char *id)
{
    const dm_kind *k = dm_kind_find(id);
    return k && k->table ? k : NULL;
}

static bool allowed(const dm_request *q, dm_response *r, dm_action a, const dm_kind *k)
{
    char reason[DM_AUTHZ_REASON_MAX];
    if (dm_authz_allowed(q->role, a, k, q->pub, reason))
        return true;
    dm_respond_denied(q, r, reason);
    return false;
}

/* ---- reading a Feature from the body ---- */

static json_object *parse_body(const dm_request *q, dm_response *r, bool patch)
{
    const char *ct = q->content_type;
    size_t n = ct ? strcspn(ct, ";") : 0;
    bool ok = ct && ((n == 16 && !strncasecmp(ct, "application/json", n)) ||
                     (n == 20 && !strncasecmp(ct, "application/geo+json", n)) ||
                     (patch && n == 28 && !strncasecmp(ct, "application/merge-patch+json", n)));
    if (!ok) {
        dm_respond_problem(r, 415, "Unsupported media type", "send the %s as %s",
                           patch ? "patch" : "feature",
                           patch ? "application/merge-patch+json or application/json"
                                 : "application/geo+json or application/json");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        dm_respond_problem(r, 503, "Busy", "out of memory");
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, q->body, (int)q->body_len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t at = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (je != json_tokener_success || !o) {
        json_object_put(o);
        dm_respond_problem(r, 400, "Bad JSON", "the body is not JSON%s (at byte %zu): %s",
                           je == json_tokener_continue ? ", or is cut short" : "", at,
                           je == json_tokener_continue ? "unexpected end"
                                                       : json_tokener_error_desc(je));
        return NULL;
    }
    if (at < q->body_len && q->body[at + strspn(q->body + at, " \t\r\n")]) {
        json_object_put(o);
        dm_respond_problem(r, 400, "Bad JSON", "text after the JSON value (at byte %zu)", at);
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        dm_respond_problem(r, 400, "Bad JSON", "the body must be a JSON object");
        return NULL;
    }
    return o;
}

/* Properties a client gets from a GET and may send back unchanged. */
static bool read_only_property(const char *name)
{
    return !strcmp(name, "code") || !strcmp(name, "state") || !strcmp(name, "version") ||
           !strcmp(name, "updated_at");
}

/* Sets rec's fields from the properties object (null clears a field).
 * False with r filled on a bad one. */
static bool set_properties(dm_response *r, dm_record *rec, json_object *props, const char *code)
{
    const dm_kind *k = rec->kind;
    json_object_object_foreach(props, key, val)
    {
        if (read_only_property(key)) {
            if (!strcmp(key, "code") && code && val && strcmp(json_object_get_string(val), code)) {
                dm_respond_problem(r, 400, "Bad feature",
                                   "properties.code %s is not the record in the path (%s)",
                                   json_object_get_string(val), code);
                return false;
            }
            continue;
        }
        int i = dm_kind_field_index(k, key);
        if (i < 0) {
            dm_respond_problem(r, 400, "Bad feature",
                               "properties.%s: %s have no such field (see "
                               "/collections/%s/queryables)",
                               key, k->name, k->name);
            return false;
        }
        json_type t = json_object_get_type(val);
        if (t == json_type_object || t == json_type_array) {
            dm_respond_problem(r, 400, "Bad feature",
                               "properties.%s: a single value is needed, not an %s", key,
                               t == json_type_object ? "object" : "array");
            return false;
        }
        char text[64];
        const char *v = NULL;
        if (t == json_type_double)
            snprintf(text, sizeof text, "%.17g", json_object_get_double(val)), v = text;
        else if (t != json_type_null)
            v = json_object_get_string(val);
        dm_error err;
        if (dm_record_set(rec, key, v, &err)) {
            dm_respond_problem(r, 400, "Bad feature", "properties.%s: %s", key, err.msg);
            return false;
        }
    }
    return true;
}

/* Sets rec->geom from a GeoJSON geometry (null or absent: none). */
static bool set_geometry(dm_response *r, dm_geo *geo, dm_record *rec, json_object *g)
{
    const dm_kind *k = rec->kind;
    if (rec->geom)
        dm_geo_destroy(geo, rec->geom);
    rec->geom = NULL;
    if (!g || json_object_is_type(g, json_type_null))
        return true;
    if (k->geom == DM_GEOM_NONE) {
        dm_respond_problem(r, 400, "Bad feature", "geometry: %s have no geometry: send null",
                           k->name);
        return false;
    }
    if (!json_object_is_type(g, json_type_object)) {
        dm_respond_problem(r, 400, "Bad feature", "geometry: a GeoJSON geometry object is needed");
        return false;
    }
    GEOSContextHandle_t h = dm_geo_handle(geo);
    GEOSGeoJSONReader *reader = GEOSGeoJSONReader_create_r(h);
    GEOSGeometry *in =
        reader ? GEOSGeoJSONReader_readGeometry_r(h, reader, json_object_to_json_string_ext(g, 0))
               : NULL;
    if (reader)
        GEOSGeoJSONReader_destroy_r(h, reader);
    if (!in) {
        dm_respond_problem(r, 400, "Bad feature", "geometry: not a GeoJSON geometry (%s)",
                           dm_geo_last_error(geo));
        return false;
    }
    dm_error err;
    char warning[256] = "";
    if (dm_geo_prepare(geo, in, k->geom, true, &rec->geom, warning, sizeof warning, &err)) {
        rec->geom = NULL;
        dm_respond_problem(r, 400, "Bad feature", "geometry: %s", err.msg);
        return false;
    }
    return true;
}

/* rec (already holding the stored values for a patch) from the Feature
 * or merge patch in o. */
static bool feature_to_record(dm_response *r, dm_geo *geo, json_object *o, dm_record *rec,
                              const char *code, bool patch)
{
    json_object *type = NULL, *props = NULL, *geom = NULL;
    bool has_type = json_object_object_get_ex(o, "type", &type);
    if (!patch && (!has_type || !json_object_is_type(type, json_type_string) ||
                   strcmp(json_object_get_string(type), "Feature"))) {
        dm_respond_problem(r, 400, "Bad feature", "type: a GeoJSON Feature is needed");
        return false;
    }
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        if (strcmp(key, "type") && strcmp(key, "id") && strcmp(key, "properties") &&
            strcmp(key, "geometry") && strcmp(key, "links") && strcmp(key, "bbox")) {
            dm_respond_problem(r, 400, "Bad feature",
                               "%s: not a member of a Feature (type, id, geometry, properties)",
                               key);
            return false;
        }
    }
    json_object *id = NULL;
    if (code && json_object_object_get_ex(o, "id", &id) &&
        !json_object_is_type(id, json_type_null) && strcmp(json_object_get_string(id), code)) {
        dm_respond_problem(r, 400, "Bad feature", "id %s is not the record in the path (%s)",
                           json_object_get_string(id), code);
        return false;
    }
    if (json_object_object_get_ex(o, "properties", &props) &&
        !json_object_is_type(props, json_type_null)) {
        if (!json_object_is_type(props, json_type_object)) {
            dm_respond_problem(r, 400, "Bad feature", "properties: a JSON object is needed");
            return false;
        }
        if (!patch) /* a replacement: what it does not name is unknown */
            for (size_t i = 0; i < rec->kind->nfields; i++) {
                free(rec->values[i]);
                rec->values[i] = NULL;
            }
        if (!set_properties(r, rec, props, code))
            return false;
    } else if (!patch) {
        for (size_t i = 0; i < rec->kind->nfields; i++) {
            free(rec->values[i]);
            rec->values[i] = NULL;
        }
    }
    bool has_geom = json_object_object_get_ex(o, "geometry", &geom);
    if ((has_geom || !patch) && !set_geometry(r, geo, rec, geom))
        return false;
    dm_error err;
    if (dm_record_check_complete(rec, &err)) {
        dm_respond_problem(r, 400, "Bad feature", "%s", err.msg);
        return false;
    }
    return true;
}

/* ---- what a write did, for the change log ----
 * A PATCH is logged as "patch: name, status, geometry", naming the fields
 * (and the geometry) whose values it changed; a PUT as "replace". Either way
 * the store keeps the whole record it results in. */

#define DETAIL_MAX 256 /* what the change log hands back of a detail (dm_change) */

/* A record's values and geometry before a merge patch. */
typedef struct snapshot {
    char *values[DM_MAX_FIELDS];
    GEOSGeometry *geom;
} snapshot;

static void snapshot_free(snapshot *s, dm_geo *geo)
{
    for (size_t i = 0; i < DM_MAX_FIELDS; i++)
        free(s->values[i]);
    if (s->geom)
        dm_geo_destroy(geo, s->geom);
    memset(s, 0, sizeof *s);
}

static bool snapshot_take(snapshot *s, dm_geo *geo, const dm_record *rec)
{
    memset(s, 0, sizeof *s);
    bool ok = true;
    for (size_t i = 0; ok && i < rec->kind->nfields; i++)
        ok = !rec->values[i] || (s->values[i] = strdup(rec->values[i]));
    if (ok && rec->geom)
        ok = (s->geom = GEOSGeom_clone_r(dm_geo_handle(geo), rec->geom)) != NULL;
    if (!ok)
        snapshot_free(s, geo);
    return ok;
}

/* Appends name to the list "a, b" in out (n bytes); ", ..." once full. */
static void list_add(char *out, size_t n, const char *name)
{
    size_t used = strlen(out);
    if (used >= 3 && !strcmp(out + used - 3, "..."))
        return;
    size_t need = (used ? 2 : 0) + strlen(name);
    if (used + need + 5 < n)
        snprintf(out + used, n - used, "%s%s", used ? ", " : "", name);
    else if (used + 5 < n)
        snprintf(out + used, n - used, "%s...", used ? ", " : "");
}

/* True when the comma-separated list holds name. */
static bool list_has(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && !strncmp(p, name, len))
            return true;
        p += n;
        p += strspn(p, ", ");
    }
    return false;
}

/* "patch: name, geometry": what a merge patch changed from before to after
 * ("patch: nothing changed" when it changed nothing). */
static void patch_detail(const snapshot *before, dm_geo *geo, const dm_record *after, char *out,
                         size_t n)
{
    char fields[DETAIL_MAX - 8] = "";
    const dm_kind *k = after->kind;
    for (size_t i = 0; i < k->nfields; i++) {
        const char *a = before->values[i], *b = after->values[i];
        if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
            list_add(fields, sizeof fields, k->fields[i].name);
    }
    const GEOSGeometry *ga = before->geom, *gb = after->geom;
    if ((ga == NULL) != (gb == NULL) ||
        (ga && GEOSEqualsExact_r(dm_geo_handle(geo), ga, gb, 0.0) != 1))
        list_add(fields, sizeof fields, "geometry");
    snprintf(out, n, "patch: %s", fields[0] ? fields : "nothing changed");
}

/* rec changed by the Feature or merge patch in o (feature_to_record), with
 * what was done for the change log in detail (DETAIL_MAX bytes). */
static bool change_record(dm_response *r, dm_geo *geo, json_object *o, dm_record *rec,
                          const char *code, bool patch, char *detail)
{
    if (!patch) {
        snprintf(detail, DETAIL_MAX, "replace");
        return feature_to_record(r, geo, o, rec, code, false);
    }
    snapshot before;
    if (!snapshot_take(&before, geo, rec)) {
        dm_respond_problem(r, 503, "Busy", "out of memory");
        return false;
    }
    bool ok = feature_to_record(r, geo, o, rec, code, true);
    if (ok)
        patch_detail(&before, geo, rec, detail, DETAIL_MAX);
    snapshot_free(&before, geo);
    return ok;
}

/* ---- versions ----
 * A record's ETag is its version ("3"). The ETag of a change waiting beside
 * an approved record is "BASE+ID" ("3+17"): the approved version it was made
 * to and the waiting change's id, which is new whenever the change is
 * proposed or amended (store.h), so it names exactly what waits. */

static void record_etag(char *out, size_t n, int64_t version)
{
    snprintf(out, n, "\"%lld\"", (long long)version);
}

static void pending_etag(char *out, size_t n, const dm_pending *p)
{
    snprintf(out, n, "\"%lld+%lld\"", (long long)p->base_version, (long long)p->id);
}

/* A positive decimal number at *s (digits only); *s moves past it. */
static bool digits(const char **s, int64_t *out)
{
    const char *p = *s;
    int64_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = 10 * v + (*p++ - '0');
    }
    *s = p;
    *out = v;
    return v > 0;
}

/* What an If-Match names: a record's version ("3" or 3; *id 0) or a
 * waiting change ("3+17"); false when it is none of these. A weak ETag
 * (W/"3") is none: If-Match compares strongly (RFC 9110 13.1.1), so a weak
 * one never matches and the change is 412. */
static bool parse_if_match(const char *h, int64_t *version, int64_t *id)
{
    *version = *id = 0;
    if (!h)
        return false;
    while (*h == ' ')
        h++;
    if (!strncmp(h, "W/", 2))
        return false;
    bool quoted = *h == '"';
    if (quoted)
        h++;
    if (!digits(&h, version))
        return false;
    if (*h == '+' && (h++, !digits(&h, id)))
        return false;
    if (quoted && *h++ != '"')
        return false;
    while (*h == ' ')
        h++;
    return !*h;
}

/* What the client's If-Match names, compared with what is stored. */
typedef enum match { MATCH_NONE, MATCH_STALE, MATCH_RECORD, MATCH_PENDING } match;

static match if_match(const dm_request *q, const dm_record *rec, const dm_pending *waiting)
{
    int64_t version, id;
    if (!q->if_match)
        return MATCH_NONE;
    if (!parse_if_match(q->if_match, &version, &id))
        return MATCH_STALE;
    if (!id)
        return version == rec->version ? MATCH_RECORD : MATCH_STALE;
    return waiting && version == waiting->base_version && id == waiting->id ? MATCH_PENDING
                                                                            : MATCH_STALE;
}

/* "HA-0001 is at "3"" and, when a change waits, "; the change waiting for
 * it is "3+17" (?version=pending)". */
static void versions_text(char *out, size_t n, const dm_record *rec, const dm_pending *waiting)
{
    char re[32], pe[48] = "";
    record_etag(re, sizeof re, rec->version);
    if (waiting)
        pending_etag(pe, sizeof pe, waiting);
    snprintf(out, n, "%s is at %s%s%s%s", rec->code, re,
             waiting ? "; the change waiting for it is " : "", pe,
             waiting ? " (GET it with ?version=pending)" : "");
}

/* 428 (no If-Match) or 412 (a version that is not the one stored): `what`
 * is what the client must name ("the version you changed"). */
static void respond_precondition(const dm_request *q, dm_response *r, match m, const dm_record *rec,
                                 const dm_pending *waiting, const char *what)
{
    char now[200];
    versions_text(now, sizeof now, rec, waiting);
    if (m == MATCH_NONE)
        dm_respond_problem(r, 428, "If-Match needed",
                           "send If-Match with the ETag of %s (GET it first): %s", what, now);
    else
        dm_respond_problem(r, 412, "Changed meanwhile",
                           "%s, not %s: it changed since you read it; look at it again", now,
                           q->if_match);
}

/* ---- who wrote what ----
 * Read from the change log (store.h): the people who wrote any part of a
 * record since it was last approved (created it: "insert", changed it:
 * "update"; an approval or an applied change starts afresh), and of the
 * change waiting for it (proposed it: "propose", changed it: "amend"). */

enum { WROTE_CREATE = 1, WROTE_CHANGE = 2, WROTE_PROPOSE = 4, WROTE_AMEND = 8 };

typedef struct author {
    char who[64];
    unsigned what; /* WROTE_* */
} author;

typedef struct authors {
    author *a;
    size_t n, cap;
    bool oom;
} authors;

static void authors_add(authors *s, const char *who, unsigned what)
{
    if (!who[0])
        return;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->a[i].who, who)) {
            s->a[i].what |= what;
            return;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        author *p = realloc(s->a, cap * sizeof *p);
        if (!p) {
            s->oom = true;
            return;
        }
        s->a = p;
        s->cap = cap;
    }
    snprintf(s->a[s->n].who, sizeof s->a[s->n].who, "%s", who);
    s->a[s->n++].what = what;
}

static bool authors_has(const authors *s, const char *who)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->a[i].who, who))
            return true;
    return false;
}

/* "ed created it, ap changed it" (or "proposed it" for a waiting change). */
static void authors_text(const authors *s, char *out, size_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < s->n && used < n; i++) {
        unsigned w = s->a[i].what;
        const char *first = w & WROTE_CREATE ? "created" : w & WROTE_PROPOSE ? "proposed" : "";
        bool changed = w & (WROTE_CHANGE | WROTE_AMEND);
        used +=
            (size_t)snprintf(out + used, n - used, "%s%s %s%s%s it", i ? ", " : "", s->a[i].who,
                             first, first[0] && changed ? " and " : "", changed ? "changed" : "");
    }
}

typedef struct wrote {
    authors rec;    /* the record since it was last approved */
    authors pend;   /* the change waiting for it */
    size_t entries; /* in the log about the record */
    /* the change waiting: made by merge patches only (each "propose" and
       "amend" logged "patch: ..."), and the fields they changed */
    bool pend_patch;
    char pend_fields[DETAIL_MAX];
} wrote;

/* Follows what the waiting change is from a "propose" (first) or "amend"
 * entry's detail: a patch while every step is one. */
static void wrote_pending_detail(wrote *w, const char *detail, bool first)
{
    bool patch = !strncmp(detail, "patch: ", 7);
    if (first) {
        w->pend_patch = patch;
        w->pend_fields[0] = 0;
    } else if (!patch) {
        w->pend_patch = false;
    }
    if (!w->pend_patch) {
        w->pend_fields[0] = 0;
        return;
    }
    const char *p = detail + 7;
    if (!strcmp(p, "nothing changed"))
        return;
    while (*p) {
        char name[DETAIL_MAX];
        size_t n = strcspn(p, ",");
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        if (!list_has(w->pend_fields, name))
            list_add(w->pend_fields, sizeof w->pend_fields, name);
        p += n;
        p += strspn(p, ", ");
    }
}

static int wrote_entry(const dm_change *c, void *ctx)
{
    wrote *w = ctx;
    const char *a = c->action;
    w->entries++;
    if (!strcmp(a, "insert"))
        authors_add(&w->rec, c->who, WROTE_CREATE);
    else if (!strcmp(a, "update"))
        authors_add(&w->rec, c->who, WROTE_CHANGE);
    else if (!strcmp(a, "state") && !strncmp(c->detail, "approved", 8) &&
             (!c->detail[8] || c->detail[8] == ':'))
        w->rec.n = 0;
    else if (!strcmp(a, "propose")) {
        w->pend.n = 0;
        authors_add(&w->pend, c->who, WROTE_PROPOSE);
        wrote_pending_detail(w, c->detail, true);
    } else if (!strcmp(a, "amend")) {
        authors_add(&w->pend, c->who, WROTE_AMEND);
        wrote_pending_detail(w, c->detail, false);
    } else if (!strcmp(a, "apply"))
        w->rec.n = w->pend.n = 0;
    else if (!strcmp(a, "reject") || !strcmp(a, "withdraw"))
        w->pend.n = 0;
    return 0;
}

static void wrote_free(wrote *w)
{
    free(w->rec.a);
    free(w->pend.a);
    memset(w, 0, sizeof *w);
}

/* Who wrote record `code` (rec as stored) and the change waiting for it
 * (waiting, or NULL). The proposer of a waiting change counts, and so does
 * the last writer of a record not approved that the log knows nothing of
 * (another program wrote the database). */
static dm_status wrote_read(dm_store *store, const dm_kind *k, const dm_record *rec,
                            const dm_pending *waiting, wrote *w, dm_error *err)
{
    memset(w, 0, sizeof *w);
    dm_status st = dm_store_history(store, k, rec->code, wrote_entry, w, err);
    if (!st && !w->entries && strcmp(rec->state, "approved"))
        authors_add(&w->rec, rec->updated_by, WROTE_CHANGE);
    if (!st && waiting)
        authors_add(&w->pend, waiting->by, WROTE_PROPOSE);
    if (!st && (w->rec.oom || w->pend.oom))
        st = dm_error_set(err, DM_ENOMEM, "out of memory reading who wrote %s", rec->code);
    if (st)
        wrote_free(w);
    return st;
}

bool dm_server_wrote(const dm_request *q, const dm_kind *k, const dm_record *rec)
{
    wrote by;
    dm_error err;
    if (!q->user[0] || wrote_read(q->store, k, rec, NULL, &by, &err))
        return false;
    bool mine = authors_has(&by.rec, q->user);
    wrote_free(&by);
    return mine;
}

/* What waits (p, with who wrote it): "patch", "replace" or "delete" into
 * change (16 bytes), and for the log "patch (name, status)", "replace" or
 * "delete" into what (DETAIL_MAX bytes). */
static void pending_what(const dm_pending *p, const wrote *by, char *change, char *what)
{
    bool patch = !strcmp(p->change, "replace") && by->pend_patch;
    snprintf(change, 16, "%s", patch ? "patch" : p->change);
    if (patch)
        snprintf(what, DETAIL_MAX, "patch (%s)",
                 by->pend_fields[0] ? by->pend_fields : "nothing changed");
    else
        snprintf(what, DETAIL_MAX, "%s", p->change);
}

/* May the caller change or withdraw what `by` wrote? Whoever wrote part of
 * it may, and roles with write_others; otherwise r is a 403 that says who
 * wrote what. Nobody has written a record that was deleted after its
 * approval (rejected, by = empty): it is anyone's to submit again. */
static bool may_act_on(const dm_request *q, dm_response *r, const dm_kind *k, const authors *by,
                       const char *what)
{
    char reason[DM_AUTHZ_REASON_MAX];
    if (!by->n || authors_has(by, q->user) ||
        dm_authz_allowed(q->role, DM_ACT_WRITE_OTHERS, k, q->pub, reason))
        return true;
    char names[400];
    authors_text(by, names, sizeof names);
    dm_respond_problem(r, 403, "Not yours", "%s is not %s's (%s): %s", what, q->user, names,
                       reason);
    return false;
}

/* ---- the write connection ---- */

typedef struct writer {
    dm_store *store;
    dm_geo *geo;
    dm_error err;
} writer;

static bool writer_open(const dm_request *q, dm_response *r, writer *w)
{
    memset(w, 0, sizeof *w);
    if (dm_store_open(q->opts->location, DM_STORE_WRITE, &w->store, &w->err) ||
        dm_store_begin(w->store, &w->err)) {
        if (w->store)
            dm_store_close(w->store);
        w->store = NULL;
        dm_respond_problem(r, 503, "Database unavailable",
                           "the database cannot be written now: try again");
        return false;
    }
    /* records are built and freed with the worker's geometry context,
       which outlives the write connection */
    w->geo = dm_store_geo(q->store);
    return true;
}

/* Undoes everything and closes; r is left as the handler filled it. */
static void writer_abort(writer *w)
{
    dm_store_rollback(w->store);
    dm_store_close(w->store);
    w->store = NULL;
}

/* Commits when st is DM_OK, else rolls back and makes r the problem st
 * names (w->err's message); closes either way. */
static void writer_finish(dm_response *r, writer *w, dm_status st)
{
    if (!st)
        st = dm_store_commit(w->store, &w->err);
    if (st)
        dm_store_rollback(w->store);
    dm_store_close(w->store);
    w->store = NULL;
    switch (st) {
    case DM_OK: break;
    case DM_ECONFLICT: dm_respond_problem(r, 409, "Conflict", "%s", w->err.msg); break;
    case DM_ENOTFOUND: dm_respond_problem(r, 404, "Not found", "%s", w->err.msg); break;
    case DM_EINVAL: dm_respond_problem(r, 400, "Bad request", "%s", w->err.msg); break;
    case DM_EFULL: dm_respond_problem(r, 507, "Disk full", "the change could not be stored"); break;
    default:
        dm_respond_problem(r, 503, "Database unavailable",
                           "the change could not be stored: try again");
    }
}

/* r becomes the record (re-read on the write connection, so the answer is
 * what is committed) with its ETag. */
static dm_status answer_record(dm_response *r, writer *w, dm_record *rec, int status)
{
    char code[DM_CODE_MAX]; /* dm_store_get clears rec first */
    snprintf(code, sizeof code, "%s", rec->code);
    dm_status st = dm_store_get(w->store, rec->kind, code, rec, &w->err);
    if (st)
        return st;
    r->status = status;
    r->content_type = "application/geo+json";
    snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)rec->version);
    if (!dm_feature_json(w->store, &r->body, rec, true) || dm_buf_puts(&r->body, "\n"))
        return dm_error_set(&w->err, DM_ENOMEM, "the record could not be written");
    return DM_OK;
}

/* The stored record `code` into rec; false (r filled: 404) when there is
 * none. */
static bool load(dm_response *r, writer *w, const dm_kind *k, const char *code, dm_record *rec)
{
    dm_status st = dm_store_get(w->store, k, code, rec, &w->err);
    if (!st)
        return true;
    writer_finish(r, w, st);
    return false;
}

/* ---- the handlers ---- */

/* POST /collections/{c}/items */
static void create(const dm_request *q, dm_response *r, const dm_kind *k)
{
    if (!allowed(q, r, DM_ACT_WRITE, k))
        return;
    json_object *o = parse_body(q, r, false);
    writer w;
    if (!o || !writer_open(q, r, &w)) {
        json_object_put(o);
        return;
    }
    dm_record rec;
    dm_record_init(&rec, k);
    json_object *props = NULL, *code = NULL;
    dm_error cerr;
    /* a code the client chose: the library's rules, and not past the numbering */
    rec.code_within_numbering = true;
    if (json_object_object_get_ex(o, "properties", &props) &&
        json_object_is_type(props, json_type_object) &&
        json_object_object_get_ex(props, "code", &code) && code &&
        (!json_object_is_type(code, json_type_string) ||
         dm_record_set_code(&rec, json_object_get_string(code), &cerr))) {
        dm_respond_problem(r, 400, "Bad feature", "properties.code: %s",
                           json_object_is_type(code, json_type_string) ? cerr.msg
                                                                       : "a code is text");
        writer_abort(&w);
    } else if (!feature_to_record(r, w.geo, o, &rec, NULL, false)) {
        writer_abort(&w);
    } else {
        snprintf(rec.state, sizeof rec.state, "submitted");
        char origin[96];
        snprintf(origin, sizeof origin, "POST /collections/%s/items", k->name);
        rec.origin = strdup(origin);
        dm_status st = rec.origin ? dm_store_insert(w.store, &rec, q->user, &w.err)
                                  : dm_error_set(&w.err, DM_ENOMEM, "out of memory");
        if (!st)
            st = answer_record(r, &w, &rec, 201);
        if (!st)
            snprintf(r->location, sizeof r->location, "%s/collections/%s/items/%s", q->base,
                     k->name, rec.code);
        writer_finish(r, &w, st);
    }
    json_object_put(o);
    dm_record_clear(&rec, dm_store_geo(q->store));
}

/* Keeps `change` (rec for a replacement, NULL for a deletion) of the
 * approved record `code` waiting for approval: the one place that refuses a
 * second waiting change, naming the first and its author. */
static dm_status propose(const dm_request *q, writer *w, const dm_kind *k, const char *code,
                         const char *change, const dm_record *rec, int64_t base, const char *detail)
{
    dm_pending p;
    dm_error e;
    if (!dm_store_pending_get(w->store, k, code, &p, NULL, &e))
        return dm_error_set(&w->err, DM_ECONFLICT,
                            "a change to %s (%s, by %s) already waits for approval: it must be "
                            "approved or rejected first, or changed or withdrawn by its author "
                            "or an approver naming its ETag (from ?version=pending) in If-Match",
                            code, p.change, p.by);
    return dm_store_pending_put(w->store, k, code, change, rec, base, q->user, detail, &w->err);
}

/* What a write or a decision acts on, read in its transaction: the stored
 * record, the change waiting beside it, who wrote them and what the
 * client's If-Match names. False with r filled when the record is missing
 * or the log cannot be read. */
typedef struct subject {
    dm_record rec;
    bool waiting;
    dm_pending p;
    wrote by;
    match m;
} subject;

static bool subject_load(const dm_request *q, dm_response *r, writer *w, const dm_kind *k,
                         const char *code, subject *s)
{
    dm_record_init(&s->rec, k);
    memset(&s->by, 0, sizeof s->by);
    if (!load(r, w, k, code, &s->rec))
        return false;
    dm_error e;
    s->waiting = !dm_store_pending_get(w->store, k, code, &s->p, NULL, &e);
    dm_status st = wrote_read(w->store, k, &s->rec, s->waiting ? &s->p : NULL, &s->by, &w->err);
    if (st) {
        writer_finish(r, w, st);
        return false;
    }
    s->m = if_match(q, &s->rec, s->waiting ? &s->p : NULL);
    return true;
}

static void subject_clear(const dm_request *q, subject *s)
{
    dm_record_clear(&s->rec, dm_store_geo(q->store));
    wrote_free(&s->by);
}

/* The 202 answer to a change that waits: the proposed record as it will be
 * (state submitted), with the approved version's ETag. */
static dm_status answer_waiting(dm_response *r, writer *w, dm_record *proposed, int64_t base)
{
    r->status = 202;
    r->content_type = "application/geo+json";
    record_etag(r->etag, sizeof r->etag, base);
    snprintf(proposed->state, sizeof proposed->state, "submitted");
    if (!dm_feature_json(w->store, &r->body, proposed, true) || dm_buf_puts(&r->body, "\n"))
        return dm_error_set(&w->err, DM_ENOMEM, "out of memory");
    return DM_OK;
}

/* PUT/PATCH naming the change waiting beside an approved record
 * (If-Match "BASE+ID"): that change is replaced, by its author or a role
 * with write_others. */
static void amend(const dm_request *q, dm_response *r, writer *w, const dm_kind *k, subject *s,
                  json_object *o, bool patch)
{
    if (!may_act_on(q, r, k, &s->by.pend, "the change waiting for this record")) {
        writer_abort(w);
        return;
    }
    if (!strcmp(s->p.change, "delete")) {
        writer_finish(r, w,
                      dm_error_set(&w->err, DM_ECONFLICT,
                                   "the change waiting for %s is its deletion: withdraw it "
                                   "first (DELETE with the same If-Match), then propose the "
                                   "change",
                                   s->rec.code));
        return;
    }
    dm_record proposed;
    dm_record_init(&proposed, k);
    dm_pending p;
    char detail[DETAIL_MAX];
    dm_status st = dm_store_pending_get(w->store, k, s->rec.code, &p, &proposed, &w->err);
    if (st) {
        writer_finish(r, w, st);
    } else if (!change_record(r, w->geo, o, &proposed, s->rec.code, patch, detail)) {
        writer_abort(w);
    } else {
        st = dm_store_pending_amend(w->store, k, s->rec.code, s->p.id, "replace", &proposed,
                                    q->user, detail, &w->err);
        if (!st)
            st = answer_waiting(r, w, &proposed, s->p.base_version);
        writer_finish(r, w, st);
    }
    dm_record_clear(&proposed, dm_store_geo(q->store));
}

/* PUT (replace) and PATCH (merge patch) of /collections/{c}/items/{code} */
static void change(const dm_request *q, dm_response *r, const dm_kind *k, const char *code,
                   bool patch)
{
    if (!allowed(q, r, DM_ACT_WRITE, k))
        return;
    json_object *o = parse_body(q, r, patch);
    writer w;
    if (!o || !writer_open(q, r, &w)) {
        json_object_put(o);
        return;
    }
    subject s;
    bool approved = false;
    char detail[DETAIL_MAX];
    if (!subject_load(q, r, &w, k, code, &s)) {
        ;
    } else if (!(approved = !strcmp(s.rec.state, "approved")) &&
               !may_act_on(q, r, k, &s.by.rec, code)) {
        writer_abort(&w);
    } else if (approved && s.m == MATCH_PENDING) {
        amend(q, r, &w, k, &s, o, patch);
    } else if (s.m != MATCH_RECORD) {
        respond_precondition(q, r, s.m, &s.rec, s.waiting ? &s.p : NULL, "the version you changed");
        writer_abort(&w);
    } else if (!change_record(r, w.geo, o, &s.rec, code, patch, detail)) {
        writer_abort(&w);
    } else if (approved) {
        /* the approved version stays; the change waits beside it */
        int64_t base = s.rec.version;
        dm_status st = propose(q, &w, k, code, "replace", &s.rec, base, detail);
        if (!st)
            st = answer_waiting(r, &w, &s.rec, base);
        writer_finish(r, &w, st);
    } else {
        bool resubmit = strcmp(s.rec.state, "submitted") != 0;
        dm_status st = dm_store_update(w.store, &s.rec, s.rec.version, q->user, detail, &w.err);
        if (!st && resubmit)
            st = dm_store_set_state(w.store, k, code, "submitted", NULL, q->user, &w.err);
        if (!st)
            st = answer_record(r, &w, &s.rec, 200);
        writer_finish(r, &w, st);
    }
    json_object_put(o);
    subject_clear(q, &s);
}

/* DELETE /collections/{c}/items/{code}: an approved record is deleted once
 * an approver agrees (it is then kept as rejected, "deleted", so that its
 * history stays); a record not yet approved is withdrawn at once, and so is
 * the change waiting beside an approved record when If-Match names it. */
static void delete_record(const dm_request *q, dm_response *r, const dm_kind *k, const char *code)
{
    if (!allowed(q, r, DM_ACT_WRITE, k))
        return;
    writer w;
    if (!writer_open(q, r, &w))
        return;
    subject s;
    bool approved = false;
    if (!subject_load(q, r, &w, k, code, &s)) {
        ;
    } else if (!(approved = !strcmp(s.rec.state, "approved")) &&
               !may_act_on(q, r, k, &s.by.rec, code)) {
        writer_abort(&w);
    } else if (approved && s.m == MATCH_PENDING) {
        if (!may_act_on(q, r, k, &s.by.pend, "the change waiting for this record")) {
            writer_abort(&w);
        } else {
            char change[16], what[DETAIL_MAX], detail[DETAIL_MAX + 160];
            pending_what(&s.p, &s.by, change, what);
            snprintf(detail, sizeof detail, "%s by %s withdrawn by %s", what, s.p.by, q->user);
            dm_status st =
                dm_store_pending_delete(w.store, k, code, "withdraw", detail, q->user, &w.err);
            if (!st)
                r->status = 204;
            writer_finish(r, &w, st);
        }
    } else if (s.m != MATCH_RECORD) {
        respond_precondition(q, r, s.m, &s.rec, s.waiting ? &s.p : NULL, "the version you deleted");
        writer_abort(&w);
    } else if (!strcmp(s.rec.state, "rejected")) {
        writer_finish(
            r, &w,
            dm_error_set(&w.err, DM_ECONFLICT, "%s is rejected already: nothing to delete", code));
    } else if (approved) {
        dm_status st = propose(q, &w, k, code, "delete", NULL, s.rec.version, NULL);
        if (!st) {
            r->status = 202;
            record_etag(r->etag, sizeof r->etag, s.rec.version);
            dm_buf_printf(&r->body,
                          "{\"code\": \"%s\", \"change\": \"delete\", \"state\": \"waiting for "
                          "approval\"}\n",
                          s.rec.code);
        }
        writer_finish(r, &w, st);
    } else {
        char reason[160];
        snprintf(reason, sizeof reason, "withdrawn by %s", q->user);
        dm_status st = dm_store_set_state(w.store, k, code, "rejected", reason, q->user, &w.err);
        if (!st)
            r->status = 204;
        writer_finish(r, &w, st);
    }
    subject_clear(q, &s);
}

/* The reason of a reject body {"reason": "..."}; NULL with r filled. */
static char *reject_reason(const dm_request *q, dm_response *r)
{
    json_object *o = parse_body(q, r, false);
    if (!o)
        return NULL;
    json_object *v = NULL;
    char *reason = NULL;
    if (!json_object_object_get_ex(o, "reason", &v) || !json_object_is_type(v, json_type_string) ||
        !*json_object_get_string(v))
        dm_respond_problem(r, 400, "Reason needed",
                           "send {\"reason\": \"...\"}: the editor needs to know why");
    else if (strlen(json_object_get_string(v)) > REASON_MAX)
        dm_respond_problem(r, 400, "Reason too long", "reason: at most %d bytes", REASON_MAX);
    else if (!(reason = strdup(json_object_get_string(v))))
        dm_respond_problem(r, 503, "Busy", "out of memory");
    json_object_put(o);
    return reason;
}

/* POST /collections/{c}/items/{code}/approve and .../reject: a decision on
 * the version the approver reviewed (If-Match), never by anyone who wrote
 * any part of what is decided (four eyes). */
static void decide(const dm_request *q, dm_response *r, const dm_kind *k, const char *code,
                   bool approve)
{
    if (!allowed(q, r, DM_ACT_APPROVE, k))
        return;
    char *reason = NULL;
    if (!approve && !(reason = reject_reason(q, r)))
        return;
    writer w;
    if (!writer_open(q, r, &w)) {
        free(reason);
        return;
    }
    subject s;
    dm_record proposed;
    dm_record_init(&proposed, k);
    dm_status st = DM_OK;
    if (!subject_load(q, r, &w, k, code, &s))
        goto done;
    const dm_pending *p = s.waiting ? &s.p : NULL;
    const authors *by = p ? &s.by.pend : &s.by.rec;
    const char *verb = approve ? "approve" : "reject";
    if (!p && strcmp(s.rec.state, "submitted") && strcmp(s.rec.state, "draft")) {
        st = dm_error_set(&w.err, DM_ECONFLICT, "%s is %s and no change to it waits: nothing to %s",
                          code, s.rec.state, verb);
    } else if (authors_has(by, q->user)) {
        char names[400];
        authors_text(by, names, sizeof names);
        if (p)
            dm_respond_problem(r, 403, "Four eyes",
                               "%s cannot %s the change waiting for %s: %s; nobody decides on "
                               "a change they wrote any part of, so another approver must",
                               q->user, verb, code, names);
        else
            dm_respond_problem(r, 403, "Four eyes",
                               "%s cannot %s %s: %s (since it was last approved, if ever); "
                               "nobody decides on a record they wrote any part of, so another "
                               "approver must",
                               q->user, verb, code, names);
        writer_abort(&w);
        goto done;
    } else if (s.m != (p ? MATCH_PENDING : MATCH_RECORD)) {
        respond_precondition(q, r, s.m == MATCH_NONE ? MATCH_NONE : MATCH_STALE, &s.rec, p,
                             p ? "the waiting change you reviewed" : "the version you reviewed");
        writer_abort(&w);
        goto done;
    } else if (p && !approve) {
        st = dm_store_pending_delete(w.store, k, code, "reject", reason, q->user, &w.err);
    } else if (p && !strcmp(p->change, "replace")) {
        dm_pending now;
        st = dm_store_pending_get(w.store, k, code, &now, &proposed, &w.err);
        char change[16], what[DETAIL_MAX], detail[DETAIL_MAX + 80];
        pending_what(p, &s.by, change, what);
        if (!st)
            st = dm_store_update(w.store, &proposed, p->base_version, q->user, NULL, &w.err);
        if (!st) {
            snprintf(detail, sizeof detail, "%s by %s approved", what, p->by);
            st = dm_store_pending_delete(w.store, k, code, "apply", detail, q->user, &w.err);
        }
    } else if (p) { /* an approved deletion */
        char detail[160];
        snprintf(detail, sizeof detail, "deleted by %s, approved by %s", p->by, q->user);
        st = dm_store_set_state(w.store, k, code, "rejected", detail, q->user, &w.err);
        if (!st)
            st = dm_store_pending_delete(w.store, k, code, "apply", detail, q->user, &w.err);
    } else {
        st = dm_store_set_state(w.store, k, code, approve ? "approved" : "rejected", reason,
                                q->user, &w.err);
    }
    if (!st)
        st = answer_record(r, &w, &s.rec, 200);
    writer_finish(r, &w, st);
done:
    free(reason);
    subject_clear(q, &s);
    dm_record_clear(&proposed, dm_store_geo(q->store));
}

/* ---- reading the workflow ---- */

/* GET /auth/me: who the caller is and what their role may do. */
static void me(const dm_request *q, dm_response *r)
{
    dm_buf *b = &r->body;
    dm_buf_puts(b, "{\"user\": ");
    dm_buf_json_string_or_null(b, q->user);
    dm_buf_puts(b, ", \"role\": ");
    dm_buf_json_string(b, dm_role_name(q->role));
    dm_buf_puts(b, ", \"actions\": [");
    bool first = true;
    for (int a = 0; a < DM_ACT_COUNT; a++) {
        if (!dm_authz_matrix(q->role, (dm_action)a))
            continue;
        dm_buf_puts(b, first ? "" : ", ");
        first = false;
        dm_buf_json_string(b, dm_action_name((dm_action)a));
    }
    dm_buf_puts(b, "]}\n");
}

typedef struct review_ctx {
    const dm_request *q;
    dm_buf *b;
    bool first;
    const dm_kind *kind;
    char (*codes)[DM_CODE_MAX];
    size_t n, cap;
    dm_error err;
    bool failed; /* a waiting change could not be listed */
} review_ctx;

/* One entry of /review: what waits, its ETag (what If-Match names to
 * approve or reject it), who proposed it and everyone who wrote part of
 * it (none of them may decide on it). */
static bool review_entry(review_ctx *c, const dm_kind *k, const dm_record *rec, const dm_pending *p)
{
    wrote by;
    if (wrote_read(c->q->store, k, rec, p, &by, &c->err))
        return false;
    const authors *a = p ? &by.pend : &by.rec;
    char etag[48];
    if (p)
        pending_etag(etag, sizeof etag, p);
    else
        record_etag(etag, sizeof etag, rec->version);
    dm_buf_puts(c->b, c->first ? "\n  " : ",\n  ");
    c->first = false;
    dm_buf_puts(c->b, "{\"collection\": ");
    dm_buf_json_string(c->b, k->name);
    dm_buf_puts(c->b, ", \"code\": ");
    dm_buf_json_string(c->b, rec->code);
    char change[16] = "create", what[DETAIL_MAX];
    if (p)
        pending_what(p, &by, change, what);
    dm_buf_printf(c->b, ", \"change\": \"%s\", ", change);
    if (!strcmp(change, "patch")) { /* the fields the patches changed */
        dm_buf_puts(c->b, "\"fields\": [");
        bool first = true;
        for (const char *f = by.pend_fields; *f;) {
            size_t n = strcspn(f, ",");
            dm_buf_printf(c->b, "%s\"%.*s\"", first ? "" : ", ", (int)n, f);
            first = false;
            f += n;
            f += strspn(f, ", ");
        }
        dm_buf_puts(c->b, "], ");
    }
    dm_buf_printf(c->b,
                  "\"version\": %lld, \"etag\": ", (long long)(p ? p->base_version : rec->version));
    dm_buf_json_string(c->b, etag);
    dm_buf_puts(c->b, ", \"by\": ");
    dm_buf_json_string(c->b, p ? p->by : rec->updated_by);
    dm_buf_puts(c->b, ", \"authors\": [");
    for (size_t i = 0; i < a->n; i++) {
        dm_buf_puts(c->b, i ? ", " : "");
        dm_buf_json_string(c->b, a->a[i].who);
    }
    dm_buf_puts(c->b, "], \"at\": ");
    dm_buf_json_string(c->b, p ? p->at : rec->updated_at);
    dm_buf_puts(c->b, "}");
    wrote_free(&by);
    return true;
}

static int review_pending(const dm_pending *p, void *ctx)
{
    review_ctx *c = ctx;
    if (!dm_server_sees_drafts(c->q, p->kind))
        return 0;
    dm_record rec;
    dm_record_init(&rec, p->kind);
    bool ok = !dm_store_get(c->q->store, p->kind, p->code, &rec, &c->err) &&
              review_entry(c, p->kind, &rec, p);
    dm_record_clear(&rec, dm_store_geo(c->q->store));
    c->failed |= !ok;
    return ok ? 0 : 1;
}

static int collect_submitted(const char *code, const char *state, const char *const *values,
                             void *ctx)
{
    (void)values;
    review_ctx *c = ctx;
    if (strcmp(state, "submitted"))
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        void *p = realloc(c->codes, cap * sizeof *c->codes);
        if (!p)
            return 1;
        c->codes = p;
        c->cap = cap;
    }
    snprintf(c->codes[c->n++], DM_CODE_MAX, "%s", code);
    return 0;
}

/* GET /review: what waits for an approver, oldest change first per kind:
 * records submitted and not yet approved ("create"), then changes to
 * approved records ("replace", "patch": a replacement made by merge patches
 * only, with the fields they changed, "delete"). */
static void review(const dm_request *q, dm_response *r)
{
    bool any = false;
    for (size_t i = 0; i < dm_kind_count(); i++)
        any |= dm_kind_at(i)->table && dm_server_sees_drafts(q, dm_kind_at(i));
    if (!any) {
        dm_respond_denied(q, r, "the review queue is for editors and approvers");
        return;
    }
    review_ctx c = {.q = q, .b = &r->body, .first = true};
    dm_error err;
    dm_buf_puts(&r->body, "{\"changes\": [");
    bool ok = true;
    for (size_t i = 0; ok && i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        if (!k->table || !dm_server_sees_drafts(q, k))
            continue;
        c.n = 0;
        if (dm_store_scan(q->store, k, NULL, 0, true, collect_submitted, &c, &err)) {
            ok = false;
            break;
        }
        dm_record rec;
        dm_record_init(&rec, k);
        for (size_t j = 0; ok && j < c.n; j++)
            ok = !dm_store_get(q->store, k, c.codes[j], &rec, &err) &&
                 review_entry(&c, k, &rec, NULL);
        dm_record_clear(&rec, dm_store_geo(q->store));
    }
    if (ok && (dm_store_pending_list(q->store, review_pending, &c, &err) || c.failed))
        ok = false;
    free(c.codes);
    if (!ok) {
        dm_respond_problem(r, 500, "Internal error", "the review queue could not be read");
        return;
    }
    dm_buf_puts(&r->body, "\n]}\n");
}

typedef struct history_ctx {
    dm_buf *b;
    bool first;
} history_ctx;

static int history_entry(const dm_change *ch, void *ctx)
{
    history_ctx *c = ctx;
    dm_buf_puts(c->b, c->first ? "\n  " : ",\n  ");
    c->first = false;
    dm_buf_puts(c->b, "{\"at\": ");
    dm_buf_json_string(c->b, ch->at);
    dm_buf_puts(c->b, ", \"who\": ");
    dm_buf_json_string(c->b, ch->who);
    dm_buf_puts(c->b, ", \"action\": ");
    dm_buf_json_string(c->b, ch->action);
    dm_buf_printf(c->b, ", \"version\": %lld, \"detail\": ", (long long)ch->version);
    if (ch->detail[0])
        dm_buf_json_string(c->b, ch->detail);
    else
        dm_buf_puts(c->b, "null");
    dm_buf_puts(c->b, "}");
    return 0;
}

/* GET /collections/{c}/items/{code}/history: the record's change log. For
 * those who change records (editors) and those who audit them. */
static void history(const dm_request *q, dm_response *r, const dm_kind *k, const char *code)
{
    char reason[DM_AUTHZ_REASON_MAX];
    if (!dm_authz_allowed(q->role, DM_ACT_READ, k, q->pub, reason) ||
        (!dm_authz_allowed(q->role, DM_ACT_READ_AUDIT, NULL, q->pub, reason) &&
         !dm_authz_allowed(q->role, DM_ACT_WRITE, k, q->pub, reason))) {
        dm_respond_denied(q, r, reason);
        return;
    }
    dm_record rec;
    dm_record_init(&rec, k);
    dm_error err;
    dm_status st = dm_store_get(q->store, k, code, &rec, &err);
    dm_record_clear(&rec, dm_store_geo(q->store));
    if (st == DM_ENOTFOUND) {
        dm_respond_problem(r, 404, "Not found", "%s has no record %s", k->name, code);
        return;
    }
    history_ctx c = {&r->body, true};
    dm_buf_puts(&r->body, "{\"code\": ");
    dm_buf_json_string(&r->body, code);
    dm_buf_puts(&r->body, ", \"changes\": [");
    if (st || dm_store_history(q->store, k, code, history_entry, &c, &err)) {
        dm_respond_problem(r, 500, "Internal error", "the history could not be read");
        return;
    }
    dm_buf_puts(&r->body, "\n]}\n");
}

/* GET /collections/{c}/items/{code}?version=pending: the change waiting
 * for approval, as the record will be. */
static void pending_item(const dm_request *q, dm_response *r, const dm_kind *k, const char *code)
{
    if (!dm_server_sees_drafts(q, k)) {
        dm_respond_denied(q, r, "changes waiting for approval are for editors and approvers");
        return;
    }
    dm_record rec;
    dm_record_init(&rec, k);
    dm_pending p;
    dm_error err;
    dm_status st = dm_store_pending_get(q->store, k, code, &p, &rec, &err);
    if (st == DM_ENOTFOUND) {
        dm_respond_problem(r, 404, "Not found", "no change to %s %s waits for approval", k->name,
                           code);
    } else if (st) {
        dm_respond_problem(r, 500, "Internal error", "the change could not be read");
        st = DM_EINTERNAL;
    }
    if (!st) /* what If-Match names to approve, reject, amend or withdraw it */
        pending_etag(r->etag, sizeof r->etag, &p);
    if (st) {
        ;
    } else if (!strcmp(p.change, "delete")) {
        dm_buf_printf(&r->body, "{\"code\": \"%s\", \"change\": \"delete\", \"version\": %lld, ",
                      code, (long long)p.base_version);
        dm_buf_puts(&r->body, "\"by\": ");
        dm_buf_json_string(&r->body, p.by);
        dm_buf_puts(&r->body, ", \"at\": ");
        dm_buf_json_string(&r->body, p.at);
        dm_buf_puts(&r->body, "}\n");
    } else {
        r->content_type = "application/geo+json";
        snprintf(rec.state, sizeof rec.state, "submitted");
        snprintf(rec.updated_by, sizeof rec.updated_by, "%s", p.by);
        snprintf(rec.updated_at, sizeof rec.updated_at, "%s", p.at);
        if (!dm_feature_json(q->store, &r->body, &rec, true))
            dm_respond_problem(r, 500, "Internal error", "the change could not be written");
        else
            dm_buf_puts(&r->body, "\n");
    }
    dm_record_clear(&rec, dm_store_geo(q->store));
}

/* ---- routing ---- */

/* Splits /collections/{c}/items[/{code}[/{verb}]]; false when p is not such
 * a path. */
static bool split_items_path(const char *p, char *coll, size_t collsz, char *code, size_t codesz,
                             char *verb, size_t verbsz)
{
    *coll = *code = *verb = 0;
    if (strncmp(p, "/collections/", 13))
        return false;
    p += 13;
    const char *s = strchr(p, '/');
    if (!s || (size_t)(s - p) >= collsz || strncmp(s, "/items", 6) || (s[6] && s[6] != '/'))
        return false;
    memcpy(coll, p, (size_t)(s - p));
    coll[s - p] = 0;
    s += 6;
    if (!*s)
        return true;
    s++;
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (!n || n >= codesz)
        return false;
    memcpy(code, s, n);
    code[n] = 0;
    if (!e)
        return true;
    if (!e[1] || strchr(e + 1, '/') || strlen(e + 1) >= verbsz)
        return false;
    snprintf(verb, verbsz, "%s", e + 1);
    return true;
}

bool dm_workflow_handle(const dm_request *q, dm_response *r)
{
    bool get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
    static const char *const only_f[] = {"f", NULL};
    static const char *const none[] = {NULL};
    if (get && !strcmp(q->path, "/auth/me")) {
        if (dm_server_check_params(q, r, only_f, NULL))
            me(q, r);
        return true;
    }
    if (get && !strcmp(q->path, "/review")) {
        if (dm_server_check_params(q, r, only_f, NULL))
            review(q, r);
        return true;
    }
    char coll[64], code[DM_CODE_MAX], verb[16];
    if (!split_items_path(q->path, coll, sizeof coll, code, sizeof code, verb, sizeof verb))
        return false;
    bool pending = get && code[0] && !verb[0] && dm_qs_get(q->qs, "version");
    if (get && !pending && strcmp(verb, "history"))
        return false; /* the OGC API reads */
    const dm_kind *k = stored_kind(coll);
    if (!k) {
        dm_respond_problem(r, 404, "Not found", "no collection %s (see /collections)", coll);
        return true;
    }
    if (get && !strcmp(verb, "history") && code[0]) {
        if (dm_server_check_params(q, r, only_f, NULL))
            history(q, r, k, code);
    } else if (pending) {
        static const char *const allowed_p[] = {"f", "version", NULL};
        if (!dm_server_check_params(q, r, allowed_p, NULL))
            return true;
        if (strcmp(dm_qs_get(q->qs, "version"), "pending"))
            dm_respond_problem(r, 400, "Bad version", "version=pending is the one version named");
        else
            pending_item(q, r, k, code);
    } else if (!dm_server_check_params(q, r, none, NULL)) {
        ;
    } else if (!code[0]) {
        if (!strcmp(q->method, "POST"))
            create(q, r, k);
        else
            dm_respond_problem(r, 405, "Method not allowed",
                               "POST creates a record here; GET reads them");
    } else if (!verb[0]) {
        if (!strcmp(q->method, "PUT") || !strcmp(q->method, "PATCH"))
            change(q, r, k, code, !strcmp(q->method, "PATCH"));
        else if (!strcmp(q->method, "DELETE"))
            delete_record(q, r, k, code);
        else
            dm_respond_problem(r, 405, "Method not allowed",
                               "GET reads a record, PUT replaces, PATCH updates, DELETE deletes");
    } else if (!strcmp(verb, "approve") || !strcmp(verb, "reject")) {
        if (!strcmp(q->method, "POST"))
            decide(q, r, k, code, !strcmp(verb, "approve"));
        else
            dm_respond_problem(r, 405, "Method not allowed", "POST %s", verb);
    } else {
        dm_respond_problem(r, 404, "Not found", "nothing at %s", q->path);
    }
    return true;
}
