/* Dispatch from the Store interface to the backend that holds the data. */
#include "store/store_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const dm_store_backend *const backends[] = {&dm_store_backend_gpkg};

static const dm_store_backend *backend_for(const char *location)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (backends[i]->accepts(location))
            return backends[i];
    return &dm_store_backend_gpkg;
}

static dm_status store_new(const char *location, dm_store **out, dm_error *err)
{
    *out = NULL;
    if (strlen(location) >= sizeof((dm_store *)0)->location)
        return dm_error_set(err, DM_EINVAL, "database location is too long");
    dm_store *s = calloc(1, sizeof *s);
    if (!s)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    dm_status st = dm_geo_new(&s->geo, err);
    if (st) {
        free(s);
        return st;
    }
    s->be = backend_for(location);
    snprintf(s->location, sizeof s->location, "%s", location);
    *out = s;
    return DM_OK;
}

static void store_free(dm_store *s)
{
    dm_geo_free(s->geo);
    free(s);
}

dm_status dm_store_create(const char *location, const char *owner, dm_store **out, dm_error *err)
{
    dm_store *s;
    dm_status st = store_new(location, &s, err);
    if (st)
        return st;
    snprintf(s->owner, sizeof s->owner, "%s", owner && *owner ? owner : "owner");
    st = s->be->create(s, location, err);
    if (st) {
        store_free(s);
        return st;
    }
    *out = s;
    return DM_OK;
}

dm_status dm_store_open(const char *location, dm_store_mode mode, dm_store **out, dm_error *err)
{
    dm_store *s;
    dm_status st = store_new(location, &s, err);
    if (st)
        return st;
    st = s->be->open(s, location, mode, err);
    if (st) {
        store_free(s);
        return st;
    }
    *out = s;
    return DM_OK;
}

void dm_store_close(dm_store *s)
{
    if (!s)
        return;
    s->be->close(s);
    store_free(s);
}

dm_status dm_store_remove(const char *location, dm_error *err)
{
    return backend_for(location)->remove(location, err);
}

const char *dm_store_location(const dm_store *s) { return s->location; }
const char *dm_store_owner(const dm_store *s) { return s->owner; }
dm_geo *dm_store_geo(dm_store *s) { return s->geo; }

dm_status dm_store_begin(dm_store *s, dm_error *err) { return s->be->begin(s, err); }
dm_status dm_store_commit(dm_store *s, dm_error *err) { return s->be->commit(s, err); }

dm_status dm_store_begin_bulk(dm_store *s, const dm_kind *kind, dm_error *err)
{
    return s->be->begin_bulk ? s->be->begin_bulk(s, kind, err) : s->be->begin(s, err);
}
void dm_store_rollback(dm_store *s) { s->be->rollback(s); }

dm_status dm_store_insert(dm_store *s, dm_record *rec, const char *who, dm_error *err)
{
    if (!dm_record_state_valid(rec->state))
        return dm_error_set(err, DM_EINVAL,
                            "state '%s' is not one of: draft, submitted, approved, rejected",
                            rec->state);
    dm_status st = dm_record_check_complete(rec, err);
    if (!st && rec->code[0])
        st = dm_code_check(rec->code, err);
    if (st)
        return st;
    return s->be->insert(s, rec, who, err);
}

dm_status dm_store_update(dm_store *s, dm_record *rec, int64_t expected_version, const char *who,
                          const char *detail, dm_error *err)
{
    dm_status st = dm_record_check_complete(rec, err);
    if (st)
        return st;
    return s->be->update(s, rec, expected_version, who, detail, err);
}

dm_status dm_store_set_state(dm_store *s, const dm_kind *kind, const char *code, const char *state,
                             const char *reason, const char *who, dm_error *err)
{
    if (!dm_record_state_valid(state))
        return dm_error_set(err, DM_EINVAL,
                            "state '%s' is not one of: draft, submitted, approved, rejected",
                            state);
    if (!strcmp(state, "rejected") && (!reason || !*reason))
        return dm_error_set(err, DM_EINVAL, "a rejection needs a reason");
    return s->be->set_state(s, kind, code, state, reason, who, err);
}

dm_status dm_store_query(dm_store *s, const dm_query *q, dm_cursor **out, dm_error *err)
{
    return s->be->query(s, q, out, err);
}

dm_status dm_cursor_next(dm_cursor *cur, dm_record *rec, bool *has_row, dm_error *err)
{
    return cur->store->be->next(cur, rec, has_row, err);
}

void dm_cursor_close(dm_cursor *cur)
{
    if (cur)
        cur->store->be->close_cursor(cur);
}

dm_status dm_store_get(dm_store *s, const dm_kind *kind, const char *code, dm_record *rec,
                       dm_error *err)
{
    return s->be->get(s, kind, code, rec, err);
}

dm_status dm_store_count(dm_store *s, const dm_kind *kind, bool include_drafts, int64_t *n,
                         dm_error *err)
{
    return s->be->count(s, kind, include_drafts, n, err);
}

/* Lists the fields of `kind` ("status, name, ...") into out. */
static void field_names(const dm_kind *kind, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < kind->nfields && used < outsz; i++) {
        int n = snprintf(out + used, outsz - used, "%s%s", i ? ", " : "", kind->fields[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

dm_status dm_store_scan(dm_store *s, const dm_kind *kind, const char *const *fields, size_t nfields,
                        bool include_drafts, dm_scan_fn fn, void *ctx, dm_error *err)
{
    if (!kind || !fn || (nfields && !fields))
        return dm_error_set(err, DM_EINVAL, "reading records: no kind, fields or function given");
    for (size_t i = 0; i < nfields; i++) {
        if (fields[i] && dm_kind_field_index(kind, fields[i]) >= 0)
            continue;
        char names[600];
        field_names(kind, names, sizeof names);
        return dm_error_set(err, DM_EINVAL, "%s records have no field '%s'; their fields are: %s",
                            kind->name, fields[i] ? fields[i] : "(none)", names);
    }
    return s->be->scan(s, kind, fields, nfields, include_drafts, fn, ctx, err);
}

dm_status dm_store_stamp(dm_store *s, const dm_kind *const *kinds, size_t nkinds,
                         char out[DM_STAMP_MAX], dm_error *err)
{
    out[0] = 0;
    if (!kinds || !nkinds)
        return dm_error_set(err, DM_EINVAL, "a stamp needs at least one kind of record");
    for (size_t i = 0; i < nkinds; i++)
        if (!kinds[i])
            return dm_error_set(err, DM_EINVAL, "a stamp needs kinds of records, not NULL");
    return s->be->stamp ? s->be->stamp(s, kinds, nkinds, out, err) : DM_OK;
}

dm_status dm_store_cache_get(dm_store *s, const char *name, const char *stamp, void **data,
                             size_t *len, dm_error *err)
{
    *data = NULL;
    *len = 0;
    if (!name || !*name)
        return dm_error_set(err, DM_EINVAL, "a cache entry needs a name");
    /* "" is the stamp of a store that cannot tell: nothing is cached under it */
    if (!stamp || !*stamp || !s->be->cache_get)
        return DM_OK;
    return s->be->cache_get(s, name, stamp, data, len, err);
}

dm_status dm_store_cache_put(dm_store *s, const char *name, const char *stamp, const void *data,
                             size_t len, dm_error *err)
{
    if (!name || !*name)
        return dm_error_set(err, DM_EINVAL, "a cache entry needs a name");
    if (len && !data)
        return dm_error_set(err, DM_EINVAL, "cache entry %s: no data given", name);
    /* the backend refuses a call inside a transaction even when it keeps nothing */
    return s->be->cache_put ? s->be->cache_put(s, name, stamp ? stamp : "", data, len, err) : DM_OK;
}

/* A waiting change is a replacement (with its new record) or a deletion. */
static dm_status check_change(const dm_kind *kind, const char *change, const dm_record *rec,
                              dm_error *err)
{
    if (strcmp(change, "replace") && strcmp(change, "delete"))
        return dm_error_set(err, DM_EINVAL, "a waiting change is replace or delete, not %s",
                            change);
    if (!strcmp(change, "replace") && (!rec || rec->kind != kind))
        return dm_error_set(err, DM_EINVAL, "a replacement needs the new record");
    return DM_OK;
}

dm_status dm_store_pending_put(dm_store *s, const dm_kind *kind, const char *code,
                               const char *change, const dm_record *rec, int64_t base_version,
                               const char *who, const char *detail, dm_error *err)
{
    dm_status st = check_change(kind, change, rec, err);
    if (st)
        return st;
    return s->be->pending_put(s, kind, code, change, rec, base_version, who, detail, err);
}

dm_status dm_store_pending_amend(dm_store *s, const dm_kind *kind, const char *code,
                                 int64_t expected_id, const char *change, const dm_record *rec,
                                 const char *who, const char *detail, dm_error *err)
{
    dm_status st = check_change(kind, change, rec, err);
    if (st)
        return st;
    return s->be->pending_amend(s, kind, code, expected_id, change, rec, who, detail, err);
}

dm_status dm_store_pending_get(dm_store *s, const dm_kind *kind, const char *code, dm_pending *info,
                               dm_record *rec, dm_error *err)
{
    return s->be->pending_get(s, kind, code, info, rec, err);
}

dm_status dm_store_pending_list(dm_store *s, int (*fn)(const dm_pending *p, void *ctx), void *ctx,
                                dm_error *err)
{
    return s->be->pending_list(s, fn, ctx, err);
}

dm_status dm_store_pending_delete(dm_store *s, const dm_kind *kind, const char *code,
                                  const char *action, const char *detail, const char *who,
                                  dm_error *err)
{
    return s->be->pending_delete(s, kind, code, action, detail, who, err);
}

dm_status dm_store_history(dm_store *s, const dm_kind *kind, const char *code,
                           int (*fn)(const dm_change *c, void *ctx), void *ctx, dm_error *err)
{
    return s->be->history(s, kind, code, fn, ctx, err);
}

dm_status dm_store_check_integrity(dm_store *s, void (*fn)(const dm_finding *f, void *ctx),
                                   void *ctx, dm_error *err)
{
    return s->be->check_integrity(s, fn, ctx, err);
}

dm_status dm_store_cache_open(dm_store *s, const char *name, const char *stamp,
                              dm_cache_reader **out, uint64_t *size, dm_error *err)
{
    *out = NULL;
    *size = 0;
    if (!name || !*name)
        return dm_error_set(err, DM_EINVAL, "a cache entry needs a name");
    /* "" is the stamp of a store that cannot tell: nothing is cached under it */
    if (!stamp || !*stamp || !s->be->cache_open)
        return DM_OK;
    return s->be->cache_open(s, name, stamp, out, size, err);
}

dm_status dm_store_meta(dm_store *s, const char *key, char *out, size_t outsz, dm_error *err)
{
    if (outsz)
        out[0] = 0;
    return s->be->meta(s, key, out, outsz, err);
}

/* ---- users and tokens ---- */

bool dm_store_user_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= DM_USER_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || !strchr("._@-", c)))
            return false;
    }
    return true;
}

static dm_status check_user_name(const char *name, dm_error *err)
{
    if (dm_store_user_name_valid(name))
        return DM_OK;
    return dm_error_set(err, DM_EINVAL,
                        "'%.40s' cannot be a user name: use 1 to %d of the characters A-Z a-z "
                        "0-9 . _ @ -, starting with a letter or digit",
                        name ? name : "", DM_USER_NAME_MAX - 1);
}

/* Lower-case letters only, like every role name. */
static bool role_form_valid(const char *role)
{
    size_t n = role ? strlen(role) : 0;
    if (n == 0 || n >= DM_ROLE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (role[i] < 'a' || role[i] > 'z')
            return false;
    return true;
}

static bool token_hash_valid(const char *hash)
{
    if (!hash || strlen(hash) != DM_TOKEN_HASH_MAX - 1)
        return false;
    for (const char *p = hash; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static dm_status check_who(const char *who, dm_error *err)
{
    if (who && *who)
        return DM_OK;
    return dm_error_set(err, DM_EINVAL, "a change to users needs to say who makes it");
}

dm_status dm_store_user_put(dm_store *s, const dm_user *u, dm_user_put_mode mode, const char *who,
                            dm_error *err)
{
    dm_status st = check_user_name(u->name, err);
    if (!st)
        st = check_who(who, err);
    if (st)
        return st;
    if (mode != DM_USER_ADD && mode != DM_USER_REPLACE)
        return dm_error_set(err, DM_EINVAL, "user %s: unknown way of putting a user", u->name);
    if (!role_form_valid(u->role))
        return dm_error_set(err, DM_EINVAL, "user %s: '%.20s' is not a role name", u->name,
                            u->role);
    /* only a hash is ever kept: a password given by mistake is refused */
    if (strncmp(u->password_hash, "$argon2id$", 10) ||
        !memchr(u->password_hash, 0, sizeof u->password_hash))
        return dm_error_set(err, DM_EINVAL,
                            "user %s: the password must be given hashed (Argon2id); nothing "
                            "was kept",
                            u->name);
    return s->be->user_put(s, u, mode, who, err);
}

dm_status dm_store_user_get(dm_store *s, const char *name, dm_user *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_status st = check_user_name(name, err);
    return st ? st : s->be->user_get(s, name, out, err);
}

dm_status dm_store_user_list(dm_store *s, int (*fn)(const dm_user *u, void *ctx), void *ctx,
                             dm_error *err)
{
    if (!fn)
        return dm_error_set(err, DM_EINVAL, "listing users: no function given");
    return s->be->user_list(s, fn, ctx, err);
}

dm_status dm_store_token_put(dm_store *s, const dm_token *t, const char *who, dm_error *err)
{
    dm_status st = check_user_name(t->user, err);
    if (!st)
        st = check_who(who, err);
    if (st)
        return st;
    if (!token_hash_valid(t->hash))
        return dm_error_set(err, DM_EINVAL,
                            "a token is kept as the hex of its 32-byte hash, never as it is");
    if (t->expires_at <= t->created_at)
        return dm_error_set(err, DM_EINVAL, "a token must expire after it is made");
    return s->be->token_put(s, t, who, err);
}

dm_status dm_store_token_get(dm_store *s, const char *hash, dm_token *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (!token_hash_valid(hash))
        return dm_error_set(err, DM_ENOTFOUND, "no such token");
    return s->be->token_get(s, hash, out, err);
}

dm_status dm_store_token_delete(dm_store *s, const char *hash, const char *who, dm_error *err)
{
    dm_status st = check_who(who, err);
    if (st)
        return st;
    if (!token_hash_valid(hash))
        return dm_error_set(err, DM_ENOTFOUND, "no such token");
    return s->be->token_delete(s, hash, who, err);
}

dm_status dm_store_token_delete_user(dm_store *s, const char *name, const char *who, int64_t *n,
                                     dm_error *err)
{
    int64_t dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    dm_status st = check_user_name(name, err);
    if (!st)
        st = check_who(who, err);
    return st ? st : s->be->token_delete_user(s, name, who, n, err);
}

dm_status dm_store_token_delete_expired(dm_store *s, int64_t now, const char *who, int64_t *n,
                                        dm_error *err)
{
    int64_t dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    dm_status st = check_who(who, err);
    return st ? st : s->be->token_delete_expired(s, now, who, n, err);
}

/* ---- failed logins ---- */

bool dm_store_login_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n >= DM_LOGIN_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !strchr("._@-:/", c))
            return false;
    }
    return true;
}

static bool login_scope_valid(const char *scope)
{
    return scope && (!strcmp(scope, "user") || !strcmp(scope, "address"));
}

static dm_status check_login(const char *scope, const char *key, dm_error *err)
{
    if (!login_scope_valid(scope))
        return dm_error_set(err, DM_EINVAL,
                            "failed logins are counted per user or address, not "
                            "per '%.20s'",
                            scope ? scope : "");
    if (!dm_store_login_key_valid(key))
        return dm_error_set(err, DM_EINVAL, "'%.40s' is neither a user name nor a client address",
                            key ? key : "");
    return DM_OK;
}

dm_status dm_store_login_failures_get(dm_store *s, const char *scope, const char *key,
                                      dm_login_failures *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    dm_status st = check_login(scope, key, err);
    return st ? st : s->be->login_get(s, scope, key, out, err);
}

dm_status dm_store_login_failures_put(dm_store *s, const dm_login_failures *f,
                                      int64_t forget_before, const char *lockout_detail,
                                      dm_error *err)
{
    dm_status st = check_login(f->scope, f->key, err);
    if (!st && (f->failures < 1 || f->last_at < 0 || f->locked_until < 0))
        st = dm_error_set(err, DM_EINVAL, "%s %s: a failed login needs a count and a time",
                          f->scope, f->key);
    return st ? st : s->be->login_put(s, f, forget_before, lockout_detail, err);
}

dm_status dm_store_login_failures_delete(dm_store *s, const char *scope, const char *key,
                                         const char *who, int64_t *n, dm_error *err)
{
    int64_t dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    dm_status st = check_login(scope ? scope : "user", key, err);
    if (!st && who && !*who)
        st = check_who(NULL, err);
    return st ? st : s->be->login_delete(s, scope, key, who, n, err);
}

dm_status dm_store_login_failures_list(dm_store *s,
                                       int (*fn)(const dm_login_failures *f, void *ctx), void *ctx,
                                       dm_error *err)
{
    if (!fn)
        return dm_error_set(err, DM_EINVAL, "listing failed logins: no function given");
    return s->be->login_list(s, fn, ctx, err);
}

dm_status dm_store_date_range(dm_store *s, const dm_kind *kind, const char *field,
                              bool include_drafts, char first[11], char last[11], dm_error *err)
{
    first[0] = last[0] = 0;
    int i = field && kind->table ? dm_kind_field_index(kind, field) : -1;
    if (i < 0 || kind->fields[i].type != DM_FT_DATE)
        return dm_error_set(err, DM_EINVAL, "%s have no date field %s", kind->name,
                            field ? field : "(none)");
    return s->be->date_range(s, kind, field, include_drafts, first, last, err);
}

dm_status dm_store_extent(dm_store *s, const dm_kind *kind, bool include_drafts, double bbox[4],
                          bool *has, dm_error *err)
{
    *has = false;
    if (kind->geom == DM_GEOM_NONE)
        return DM_OK;
    return s->be->extent(s, kind, include_drafts, bbox, has, err);
}

/* ---- imports ---- */

dm_status dm_store_import_begin(dm_store *s, dm_import_entry *e, dm_error *err)
{
    if (!e->who[0] || !e->kind[0] || !e->file[0] || strlen(e->sha256) != 64)
        return dm_error_set(err, DM_EINVAL, "an import log entry needs who, kind, file and hash");
    return s->be->import_begin(s, e, err);
}

dm_status dm_store_import_end(dm_store *s, const dm_import_entry *e, dm_error *err)
{
    return s->be->import_end(s, e, err);
}

dm_status dm_store_import_find(dm_store *s, const char *kind, const char *sha256,
                               dm_import_entry *out, bool *found, dm_error *err)
{
    *found = false;
    memset(out, 0, sizeof *out);
    return s->be->import_find(s, kind, sha256, out, found, err);
}

dm_status dm_store_import_list(dm_store *s, int (*fn)(const dm_import_entry *e, void *ctx),
                               void *ctx, dm_error *err)
{
    if (!fn)
        return dm_error_set(err, DM_EINVAL, "listing imports: no function given");
    return s->be->import_list(s, fn, ctx, err);
}

static dm_status check_identity(const char *identity, dm_error *err)
{
    size_t n = identity ? strlen(identity) : 0;
    if (n == 0 || n >= DM_IMPORT_IDENTITY_MAX)
        return dm_error_set(err, DM_EINVAL, "a row identity has 1 to %d bytes",
                            DM_IMPORT_IDENTITY_MAX - 1);
    return DM_OK;
}

dm_status dm_store_import_key_get(dm_store *s, const dm_kind *kind, const char *identity,
                                  char content[DM_CONTENT_HASH_MAX], char code[DM_CODE_MAX],
                                  bool *found, dm_error *err)
{
    *found = false;
    content[0] = code[0] = '\0';
    dm_status st = check_identity(identity, err);
    return st ? st : s->be->import_key_get(s, kind, identity, content, code, found, err);
}

dm_status dm_store_import_key_put(dm_store *s, const dm_kind *kind, const char *identity,
                                  const char *content, const char *code, int64_t import_id,
                                  dm_error *err)
{
    dm_status st = check_identity(identity, err);
    if (!st && (!content || !*content || strlen(content) >= DM_CONTENT_HASH_MAX || !code ||
                !*code || strlen(code) >= DM_CODE_MAX))
        st = dm_error_set(err, DM_EINVAL, "a row identity needs a content hash and a code");
    return st ? st : s->be->import_key_put(s, kind, identity, content, code, import_id, err);
}
