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
 *   each other unseen.
 * - Nobody approves or rejects a change of their own (four eyes).
 * - Whoever may write or approve records of a kind reads them whole
 *   (authz.h: writing victims needs read_personal), so the answers here
 *   carry the personal fields.
 * Each write opens a connection of its own for writing, in one transaction:
 * it all happens or nothing does.
 */
#include "server/internal.h"

#include <geos_c.h>
#include <json-c/json.h>
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

/* ---- versions ---- */

/* The version an If-Match names ("3", W/"3" or 3); 0 when none or bad. */
static int64_t if_match_version(const char *h)
{
    if (!h)
        return 0;
    while (*h == ' ')
        h++;
    if (!strncmp(h, "W/", 2))
        h += 2;
    bool quoted = *h == '"';
    if (quoted)
        h++;
    char *end;
    long long v = strtoll(h, &end, 10);
    if (end == h || v < 1 || (quoted && *end++ != '"'))
        return 0;
    while (*end == ' ')
        end++;
    return *end ? 0 : (int64_t)v;
}

/* The version the client's If-Match names; 0 with r filled when it has
 * none (428) or names a version the record is not at (412). */
static int64_t check_if_match(const dm_request *q, dm_response *r, const dm_record *stored)
{
    if (!q->if_match) {
        dm_respond_problem(r, 428, "If-Match needed",
                           "send If-Match with the ETag of the version you changed (GET the "
                           "record first): %s is at \"%lld\"",
                           stored->code, (long long)stored->version);
        return 0;
    }
    int64_t v = if_match_version(q->if_match);
    if (v != stored->version) {
        dm_respond_problem(r, 412, "Changed meanwhile",
                           "%s is at version \"%lld\", not %s: someone changed it since you read "
                           "it; reload it and apply your change again",
                           stored->code, (long long)stored->version, q->if_match);
        return 0;
    }
    return v;
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
                         const char *change, const dm_record *rec, int64_t base)
{
    dm_pending p;
    dm_error e;
    if (!dm_store_pending_get(w->store, k, code, &p, NULL, &e))
        return dm_error_set(&w->err, DM_ECONFLICT,
                            "a change to %s (%s, by %s) already waits for approval: it must be "
                            "approved or rejected first",
                            code, p.change, p.by);
    return dm_store_pending_put(w->store, k, code, change, rec, base, q->user, &w->err);
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
    dm_record rec;
    dm_record_init(&rec, k);
    int64_t base = 0;
    if (!load(r, &w, k, code, &rec)) {
        ;
    } else if (!(base = check_if_match(q, r, &rec)) ||
               !feature_to_record(r, w.geo, o, &rec, code, patch)) {
        writer_abort(&w);
    } else if (!strcmp(rec.state, "approved")) {
        /* the approved version stays; the change waits beside it */
        dm_status st = propose(q, &w, k, code, "replace", &rec, base);
        if (!st) {
            r->status = 202;
            r->content_type = "application/geo+json";
            snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)base);
            snprintf(rec.state, sizeof rec.state, "submitted");
            if (!dm_feature_json(w.store, &r->body, &rec, true) || dm_buf_puts(&r->body, "\n"))
                st = dm_error_set(&w.err, DM_ENOMEM, "out of memory");
        }
        writer_finish(r, &w, st);
    } else {
        bool resubmit = strcmp(rec.state, "submitted") != 0;
        dm_status st = dm_store_update(w.store, &rec, base, q->user, &w.err);
        if (!st && resubmit)
            st = dm_store_set_state(w.store, k, code, "submitted", NULL, q->user, &w.err);
        if (!st)
            st = answer_record(r, &w, &rec, 200);
        writer_finish(r, &w, st);
    }
    json_object_put(o);
    dm_record_clear(&rec, dm_store_geo(q->store));
}

/* DELETE /collections/{c}/items/{code}: an approved record is deleted once
 * an approver agrees (it is then kept as rejected, "deleted", so that its
 * history stays); a record not yet approved is withdrawn at once. */
static void delete_record(const dm_request *q, dm_response *r, const dm_kind *k, const char *code)
{
    if (!allowed(q, r, DM_ACT_WRITE, k))
        return;
    writer w;
    if (!writer_open(q, r, &w))
        return;
    dm_record rec;
    dm_record_init(&rec, k);
    int64_t base = 0;
    if (!load(r, &w, k, code, &rec)) {
        ;
    } else if (!(base = check_if_match(q, r, &rec))) {
        writer_abort(&w);
    } else if (!strcmp(rec.state, "rejected")) {
        writer_finish(
            r, &w,
            dm_error_set(&w.err, DM_ECONFLICT, "%s is rejected already: nothing to delete", code));
    } else if (!strcmp(rec.state, "approved")) {
        dm_status st = propose(q, &w, k, code, "delete", NULL, base);
        if (!st) {
            r->status = 202;
            snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)base);
            dm_buf_printf(&r->body,
                          "{\"code\": \"%s\", \"change\": \"delete\", \"state\": \"waiting for "
                          "approval\"}\n",
                          rec.code);
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
    dm_record_clear(&rec, dm_store_geo(q->store));
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

/* POST /collections/{c}/items/{code}/approve and .../reject */
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
    dm_record rec, proposed;
    dm_record_init(&rec, k);
    dm_record_init(&proposed, k);
    dm_pending p;
    dm_status st = DM_OK;
    if (!load(r, &w, k, code, &rec))
        goto done;
    bool waiting = !dm_store_pending_get(w.store, k, code, &p, &proposed, &w.err);
    const char *author = waiting ? p.by : rec.updated_by;
    if (!waiting && strcmp(rec.state, "submitted") && strcmp(rec.state, "draft")) {
        st = dm_error_set(&w.err, DM_ECONFLICT, "%s is %s and no change to it waits: nothing to %s",
                          code, rec.state, approve ? "approve" : "reject");
    } else if (!strcmp(author, q->user)) {
        dm_respond_problem(r, 403, "Four eyes",
                           "%s cannot %s a change of their own: another approver must", q->user,
                           approve ? "approve" : "reject");
        writer_abort(&w);
        goto done;
    } else if (q->if_match && if_match_version(q->if_match) != rec.version) {
        dm_respond_problem(r, 412, "Changed meanwhile",
                           "%s is at version \"%lld\", not %s: look at it again", code,
                           (long long)rec.version, q->if_match);
        writer_abort(&w);
        goto done;
    } else if (waiting && !approve) {
        st = dm_store_pending_delete(w.store, k, code, "reject", reason, q->user, &w.err);
    } else if (waiting && !strcmp(p.change, "replace")) {
        st = dm_store_update(w.store, &proposed, p.base_version, q->user, &w.err);
        if (!st) {
            char detail[128];
            snprintf(detail, sizeof detail, "replace by %s approved", p.by);
            st = dm_store_pending_delete(w.store, k, code, "apply", detail, q->user, &w.err);
        }
    } else if (waiting) { /* an approved deletion */
        char detail[160];
        snprintf(detail, sizeof detail, "deleted by %s, approved by %s", p.by, q->user);
        st = dm_store_set_state(w.store, k, code, "rejected", detail, q->user, &w.err);
        if (!st)
            st = dm_store_pending_delete(w.store, k, code, "apply", detail, q->user, &w.err);
    } else {
        st = dm_store_set_state(w.store, k, code, approve ? "approved" : "rejected", reason,
                                q->user, &w.err);
    }
    if (!st)
        st = answer_record(r, &w, &rec, 200);
    writer_finish(r, &w, st);
done:
    free(reason);
    dm_record_clear(&rec, dm_store_geo(q->store));
    dm_record_clear(&proposed, dm_store_geo(q->store));
}

/* ---- reading the workflow ---- */

/* GET /auth/me: who the caller is and what their role may do. */
static void me(const dm_request *q, dm_response *r)
{
    dm_buf *b = &r->body;
    dm_buf_puts(b, "{\"user\": ");
    if (q->user[0])
        dm_buf_json_string(b, q->user);
    else
        dm_buf_puts(b, "null");
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
} review_ctx;

static void review_entry(review_ctx *c, const dm_kind *k, const char *code, const char *change,
                         int64_t version, const char *by, const char *at)
{
    dm_buf_puts(c->b, c->first ? "\n  " : ",\n  ");
    c->first = false;
    dm_buf_puts(c->b, "{\"collection\": ");
    dm_buf_json_string(c->b, k->name);
    dm_buf_puts(c->b, ", \"code\": ");
    dm_buf_json_string(c->b, code);
    dm_buf_printf(c->b, ", \"change\": \"%s\", \"version\": %lld, \"by\": ", change,
                  (long long)version);
    dm_buf_json_string(c->b, by);
    dm_buf_puts(c->b, ", \"at\": ");
    dm_buf_json_string(c->b, at);
    dm_buf_puts(c->b, "}");
}

static int review_pending(const dm_pending *p, void *ctx)
{
    review_ctx *c = ctx;
    if (dm_server_sees_drafts(c->q, p->kind))
        review_entry(c, p->kind, p->code, p->change, p->base_version, p->by, p->at);
    return 0;
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
 * approved records ("replace", "delete"). */
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
        for (size_t j = 0; ok && j < c.n; j++) {
            if (dm_store_get(q->store, k, c.codes[j], &rec, &err)) {
                ok = false;
                break;
            }
            review_entry(&c, k, rec.code, "create", rec.version, rec.updated_by, rec.updated_at);
        }
        dm_record_clear(&rec, dm_store_geo(q->store));
    }
    if (ok && dm_store_pending_list(q->store, review_pending, &c, &err))
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
