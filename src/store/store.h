/* The Store: the one place records are kept, whatever the backend.
 *
 * Everything above src/store (analysis, io, cli, server) talks to this
 * interface only; no SQL of one backend leaks out. The GeoPackage backend
 * (gpkg.c, SQLite) is the embedded default; a location string chooses it
 * ("atlas.gpkg"). Other backends plug in through store_backend.h.
 *
 * Writes: every change goes through dm_store_insert / dm_store_update /
 * dm_store_set_state, which record who, when and what in the change log and
 * bump the record's version. Writes happen inside dm_store_begin/commit; a
 * failure before commit followed by dm_store_rollback leaves the store as it
 * was.
 *
 * A dm_store is used by one thread at a time.
 */
#ifndef DM_STORE_STORE_H
#define DM_STORE_STORE_H

#include "core/error.h"
#include "core/kind.h"
#include "geo/geo.h"
#include "store/record.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct dm_store dm_store;
typedef struct dm_cursor dm_cursor;

typedef enum dm_store_mode { DM_STORE_READ, DM_STORE_WRITE } dm_store_mode;

/* Creates a new, empty demine database at `location` (fails if it exists).
 * `owner` is recorded as the database owner. *out is owned by the caller:
 * dm_store_close(). */
dm_status dm_store_create(const char *location, const char *owner, dm_store **out, dm_error *err);

/* Opens an existing demine database. A file that is not a demine database
 * (not a GeoPackage, or a GeoPackage without demine's schema) is DM_EFORMAT
 * with a message saying what it is. */
dm_status dm_store_open(const char *location, dm_store_mode mode, dm_store **out, dm_error *err);

void dm_store_close(dm_store *store);

/* Deletes the database at `location` with its journal files (for a
 * GeoPackage: the file, -wal and -shm). A missing file is not an error. */
dm_status dm_store_remove(const char *location, dm_error *err);

/* The location the store was opened with (a path, or a backend's
 * connection string): another dm_store_open of it is a second connection to
 * the same database. Owned by the store. */
const char *dm_store_location(const dm_store *store);

/* The database owner (set by dm_store_create). Owned by the store. */
const char *dm_store_owner(const dm_store *store);

/* A setting of the database (demine_meta for a GeoPackage) copied into out
 * (outsz bytes with the NUL): DM_ENOTFOUND when it has none of that name,
 * DM_ERANGE... no: a value that does not fit is DM_EINVAL. */
dm_status dm_store_meta(dm_store *store, const char *key, char *out, size_t outsz, dm_error *err);

/* The geometry context the store uses for the geometries it hands out;
 * owned by the store. */
dm_geo *dm_store_geo(dm_store *store);

/* ---- transactions ---- */
dm_status dm_store_begin(dm_store *store, dm_error *err);
dm_status dm_store_commit(dm_store *store, dm_error *err);

/* Starts a transaction that will insert many records of `kind`: the backend
 * may defer index upkeep to the commit (the GeoPackage backend fills the
 * spatial index in one pass then). Same guarantees as dm_store_begin. */
dm_status dm_store_begin_bulk(dm_store *store, const dm_kind *kind, dm_error *err);
void dm_store_rollback(dm_store *store);

/* ---- the one write path ---- */

/* Inserts rec. Assigns rec->code when empty (prefix + next number, e.g.
 * HA-0012); an existing code is DM_ECONFLICT. Sets rec->fid, version 1,
 * updated_at/by, and logs the insert with `who`. rec->state is kept (it must
 * be a valid state). The record stays owned by the caller. */
dm_status dm_store_insert(dm_store *store, dm_record *rec, const char *who, dm_error *err);

/* Replaces the fields and geometry of the stored record with rec->code.
 * When expected_version > 0 and differs from the stored version: DM_ECONFLICT.
 * Bumps the version and logs the change with `detail` (what was done, e.g.
 * "patch: name, status" or "replace"; may be NULL). */
dm_status dm_store_update(dm_store *store, dm_record *rec, int64_t expected_version,
                          const char *who, const char *detail, dm_error *err);

/* Moves a record to `state` (submitted/approved/rejected/draft) with an
 * optional reason; bumps the version and logs it. */
dm_status dm_store_set_state(dm_store *store, const dm_kind *kind, const char *code,
                             const char *state, const char *reason, const char *who, dm_error *err);

/* ---- reading ---- */

typedef struct dm_query {
    const dm_kind *kind;
    bool include_drafts; /* false: approved records only (official figures);
                            true: draft, submitted and approved records, never
                            rejected ones */
    bool not_approved;   /* only records not approved: draft, submitted and
                            rejected ones (include_drafts is then ignored) */
    bool with_geometry;  /* false: rec->geom stays NULL (faster) */
    bool keep_damaged;   /* a geometry that cannot be read: rec->geom NULL and
                            rec->geom_damaged set, instead of an error */
    bool has_bbox;
    double bbox[4]; /* minlon, minlat, maxlon, maxlat (degrees) */
    int64_t offset; /* skip this many records first (in store order) */
    int64_t limit;  /* at most this many records; 0 = all */
} dm_query;

/* Starts reading records. *out is owned by the caller: dm_cursor_close(). */
dm_status dm_store_query(dm_store *store, const dm_query *q, dm_cursor **out, dm_error *err);

/* Reads the next record into rec (cleared first, same kind as the query).
 * *has_row is false at the end. */
dm_status dm_cursor_next(dm_cursor *cur, dm_record *rec, bool *has_row, dm_error *err);

void dm_cursor_close(dm_cursor *cur);

/* Reads one record by code (any state). DM_ENOTFOUND when absent. */
dm_status dm_store_get(dm_store *store, const dm_kind *kind, const char *code, dm_record *rec,
                       dm_error *err);

/* The bounding box (minlon, minlat, maxlon, maxlat, degrees) of the
 * geometries of a kind's records, approved only unless include_drafts, from
 * the spatial index (no geometry is read); *has is false when there are
 * none. */
dm_status dm_store_extent(dm_store *store, const dm_kind *kind, bool include_drafts, double bbox[4],
                          bool *has, dm_error *err);

/* The earliest and latest value of date field `field` (a DM_FT_DATE field
 * of kind, else DM_EINVAL) over a kind's records, approved only unless
 * include_drafts: "YYYY-MM-DD" into first and last, both "" when no record
 * has one. */
dm_status dm_store_date_range(dm_store *store, const dm_kind *kind, const char *field,
                              bool include_drafts, char first[11], char last[11], dm_error *err);

/* Number of records of a kind; approved only unless include_drafts (then
 * every record but the rejected ones). */
dm_status dm_store_count(dm_store *store, const dm_kind *kind, bool include_drafts, int64_t *n,
                         dm_error *err);

/* Reads the named fields of every record of `kind` without building
 * records: the fastest way through many rows. Approved records only unless
 * include_drafts (which adds draft and submitted records, never rejected
 * ones). fn gets the record's code, its state and one text per field
 * (NULL = unknown; the same text as a dm_record's value), all owned by the
 * store and valid only during the call, in store order (fid); it returns
 * non-zero to stop (still DM_OK). An unknown field name is DM_EINVAL. */
typedef int (*dm_scan_fn)(const char *code, const char *state, const char *const *values,
                          void *ctx);
dm_status dm_store_scan(dm_store *store, const dm_kind *kind, const char *const *fields,
                        size_t nfields, bool include_drafts, dm_scan_fn fn, void *ctx,
                        dm_error *err);

/* ---- derived data (caches) ----
 * An analysis may keep a summary it derived from records (a cache) in the
 * store, tied to the stamp of the tables it read. */

#define DM_STAMP_MAX 160

/* A stamp of the records of `kinds` ("accidents:12;victims:40"): it changes
 * whenever any of them is inserted, updated or deleted, by demine or by any
 * other program writing the database (QGIS, GDAL). Take it before reading the
 * records a cache is derived from. out is "" when the backend cannot tell (an
 * old database opened read-only, or a stamp too long for DM_STAMP_MAX): then
 * nothing may be cached. nkinds == 0 is DM_EINVAL. */
dm_status dm_store_stamp(dm_store *store, const dm_kind *const *kinds, size_t nkinds,
                         char out[DM_STAMP_MAX], dm_error *err);

/* The cache entry `name` if it was put with exactly `stamp`: *data is
 * malloc'd (the caller frees it, also for len 0) and *len its size in bytes;
 * *data is NULL (DM_OK) when there is none, it is stale, or stamp is "". */
dm_status dm_store_cache_get(dm_store *store, const char *name, const char *stamp, void **data,
                             size_t *len, dm_error *err);

/* Keeps a copy of data (len bytes) under `name` with `stamp`, replacing what
 * was there. Best effort, DM_OK whether kept or not: nothing is kept when the
 * stamp is "" or no longer the current one, or the file cannot be written
 * or is busy. A store opened read-only writes it through a short-lived
 * connection of its own when the file is writable. Never inside an open
 * transaction of the caller: that is DM_EINVAL. */
dm_status dm_store_cache_put(dm_store *store, const char *name, const char *stamp, const void *data,
                             size_t len, dm_error *err);

/* Reading a large cache entry in pieces, without a copy of all of it. */
typedef struct dm_cache_reader dm_cache_reader;

/* Opens the cache entry `name` if it was put with exactly `stamp`; *out is
 * NULL when there is none or it is stale, else *size is its length in bytes
 * and *out is owned by the caller: dm_cache_close(). While it is open the
 * entry reads as it was when opened. */
dm_status dm_store_cache_open(dm_store *store, const char *name, const char *stamp,
                              dm_cache_reader **out, uint64_t *size, dm_error *err);

/* Reads len bytes at offset into buf. Beyond the end is DM_EINVAL. */
dm_status dm_cache_read(dm_cache_reader *r, void *buf, size_t len, uint64_t offset, dm_error *err);

void dm_cache_close(dm_cache_reader *r);

/* ---- change log ---- */

/* Who made a change that another program (QGIS, GDAL, the sqlite3 shell)
 * made to the database directly: the GeoPackage logs such changes with
 * this name (schema version 6). A user name has no space, so it is never a
 * user's. */
#define DM_STORE_WHO_OUTSIDE "outside demine"

typedef struct dm_change {
    int64_t id;
    char at[32];
    char who[64];
    char action[16]; /* insert | update | state | delete (outside demine only); for users also
                        token | revoke | expire */
    char kind[32];   /* a kind's name, or "user" */
    char code[DM_CODE_MAX];
    int64_t version;
    char detail[256];
} dm_change;

/* Calls fn for each change of record `code` (all records when NULL), oldest
 * first. fn returns non-zero to stop. */
dm_status dm_store_history(dm_store *store, const dm_kind *kind, const char *code,
                           int (*fn)(const dm_change *c, void *ctx), void *ctx, dm_error *err);

/* ---- changes waiting for approval (schema version 4) ----
 * A change to an approved record does not touch it: the approved version
 * stays what every reader and every official figure sees until an approver
 * applies the change (dm_store_update + dm_store_pending_delete in one
 * transaction) or rejects it (dm_store_pending_delete). At most one change
 * waits per record. Writes happen inside the caller's dm_store_begin/commit
 * and are logged in the change log against the record ("propose", "amend",
 * and the action given to dm_store_pending_delete: "apply", "reject",
 * "withdraw"), so the log names everyone who wrote any part of a waiting
 * change. */
typedef struct dm_pending {
    const dm_kind *kind;
    char code[DM_CODE_MAX];
    char change[16];      /* "replace" | "delete" */
    int64_t base_version; /* the approved version the change was made to */
    int64_t id;           /* this waiting change: a change proposed or amended
                             gets a new id, never one used before in the
                             database, so (base_version, id) names exactly
                             what waits (the server's ETag of it) */
    char at[32];          /* when it was proposed (ISO 8601 UTC) */
    char by[64];          /* who proposed it */
} dm_pending;

/* Records that `who` proposes `change` ("replace" with the whole new record
 * rec, or "delete" with rec NULL) to record `code` of kind, made to version
 * base_version, logged with `detail` (what the writer did, e.g. "patch:
 * name, status" for a partial update kept as a whole record; NULL: the
 * change). DM_ECONFLICT when a change already waits for the record or
 * the record is no longer base_version; DM_ENOTFOUND without the record. */
dm_status dm_store_pending_put(dm_store *store, const dm_kind *kind, const char *code,
                               const char *change, const dm_record *rec, int64_t base_version,
                               const char *who, const char *detail, dm_error *err);

/* Replaces the change waiting for record `code`, which must still be the one
 * with id expected_id, by `change` ("replace" with the whole new record rec,
 * or "delete" with rec NULL): the base version, who proposed it and when
 * stay; it gets a new id (info->id after dm_store_pending_get). Logs
 * "amend" by `who` with `detail` (as for dm_store_pending_put; NULL: the
 * change). DM_ENOTFOUND when none waits; DM_ECONFLICT when the one waiting
 * is no longer expected_id. */
dm_status dm_store_pending_amend(dm_store *store, const dm_kind *kind, const char *code,
                                 int64_t expected_id, const char *change, const dm_record *rec,
                                 const char *who, const char *detail, dm_error *err);

/* The change waiting for record `code`: *info, and for a "replace" the
 * proposed record into rec (may be NULL; code, state and version are the
 * stored record's). DM_ENOTFOUND when none waits. */
dm_status dm_store_pending_get(dm_store *store, const dm_kind *kind, const char *code,
                               dm_pending *info, dm_record *rec, dm_error *err);

/* Calls fn for each waiting change, oldest first; fn returns non-zero to
 * stop. */
dm_status dm_store_pending_list(dm_store *store, int (*fn)(const dm_pending *p, void *ctx),
                                void *ctx, dm_error *err);

/* Removes the change waiting for record `code` and logs `action` ("apply",
 * "reject") with `detail` (may be NULL). DM_ENOTFOUND when none waits. */
dm_status dm_store_pending_delete(dm_store *store, const dm_kind *kind, const char *code,
                                  const char *action, const char *detail, const char *who,
                                  dm_error *err);

/* ---- users and tokens (schema version 3) ----
 * The people who may use a demine server and the bearer tokens they hold.
 * They are not records: no kind, no state, no stamp; a backend keeps them in
 * internal tables (the GeoPackage: demine_users and demine_tokens, not in
 * gpkg_contents). Writes happen inside the caller's dm_store_begin/commit and
 * are logged in the change log with kind "user" and code = the user's name;
 * neither a password hash nor a token nor a token's hash ever reaches the
 * log. Users are never deleted, only disabled, so the log keeps meaning who.
 *
 * A database from before users (schema version 1 or 2) opened for writing is
 * upgraded; opened read-only it has none: every function here is then
 * DM_ENOTFOUND with "no users yet: run `demine user add`". Hashing, tokens and
 * password rules live above the store (server/auth.h); the store checks only
 * that what it keeps has the right form. */

#define DM_USER_NAME_MAX 32      /* with the NUL: 1 to 31 of A-Z a-z 0-9 . _ @ - */
#define DM_ROLE_NAME_MAX 16      /* with the NUL: "viewer", "approver" ... */
#define DM_PASSWORD_HASH_MAX 128 /* with the NUL: an Argon2id string ($argon2id$...) */
#define DM_TOKEN_HASH_MAX 65     /* with the NUL: a token's BLAKE2b-256 in lower-case hex */

typedef struct dm_user {
    char name[DM_USER_NAME_MAX];
    char role[DM_ROLE_NAME_MAX];
    /* the Argon2id string; empty in what dm_store_user_list hands out */
    char password_hash[DM_PASSWORD_HASH_MAX];
    char created_at[32]; /* ISO 8601 UTC; set by the store */
    bool disabled;
    int64_t version; /* 1 when added, +1 on each change; set by the store */
} dm_user;

/* True when name can be a user name: 1 to 31 characters of A-Z a-z 0-9 and
 * . _ @ -, the first a letter or digit. */
bool dm_store_user_name_valid(const char *name);

typedef enum dm_user_put_mode {
    DM_USER_ADD,    /* a new user: an existing name is DM_ECONFLICT */
    DM_USER_REPLACE /* an existing user (role, hash, disabled): absent is DM_ENOTFOUND */
} dm_user_put_mode;

/* Adds or changes the user u->name (name, role, password_hash, disabled;
 * created_at and version are the store's). Logs "insert" or "update" with
 * what changed ("role viewer -> editor; password hash replaced; disabled"), never
 * the hash; a replace that changes nothing writes and logs nothing. A hash
 * that is not an Argon2id string is DM_EINVAL (nothing unhashed is kept).
 * Inside a transaction. */
dm_status dm_store_user_put(dm_store *store, const dm_user *u, dm_user_put_mode mode,
                            const char *who, dm_error *err);

/* Reads the user `name` with its hash into *out. DM_ENOTFOUND when absent. */
dm_status dm_store_user_get(dm_store *store, const char *name, dm_user *out, dm_error *err);

/* Calls fn for every user in name order, without the hash (password_hash is
 * ""). fn returns non-zero to stop. No users is DM_OK with no call. */
dm_status dm_store_user_list(dm_store *store, int (*fn)(const dm_user *u, void *ctx), void *ctx,
                             dm_error *err);

typedef struct dm_token {
    char hash[DM_TOKEN_HASH_MAX]; /* of the token, never the token */
    char user[DM_USER_NAME_MAX];
    int64_t created_at; /* Unix time, seconds */
    int64_t expires_at; /* Unix time, seconds: refused from this second on */
} dm_token;

/* Keeps a token's hash for user t->user (who must exist: else DM_ENOTFOUND)
 * and logs "token" with its expiry. A hash already kept is DM_ECONFLICT.
 * Inside a transaction. */
dm_status dm_store_token_put(dm_store *store, const dm_token *t, const char *who, dm_error *err);

/* Reads the token with this hash into *out, expired or not (the caller
 * compares expires_at). DM_ENOTFOUND when absent. */
dm_status dm_store_token_get(dm_store *store, const char *hash, dm_token *out, dm_error *err);

/* Revokes the token with this hash (logs "revoke"). DM_ENOTFOUND when
 * absent. Inside a transaction. */
dm_status dm_store_token_delete(dm_store *store, const char *hash, const char *who, dm_error *err);

/* Revokes every token of user `name`; *n (may be NULL) is how many. Logs
 * "revoke" with the count when there were any. Inside a transaction. */
dm_status dm_store_token_delete_user(dm_store *store, const char *name, const char *who, int64_t *n,
                                     dm_error *err);

/* Deletes the tokens expired at `now` (expires_at <= now, Unix seconds); *n
 * (may be NULL) is how many. Logs "expire" with the count per user. Inside a
 * transaction. */
dm_status dm_store_token_delete_expired(dm_store *store, int64_t now, const char *who, int64_t *n,
                                        dm_error *err);

/* ---- failed logins (schema version 5) ----
 * How many logins failed lately, per user name and per client address, and
 * until when further logins are refused: kept in the database, so that every
 * server on it and `demine user lockouts` see the same. The policy (how many
 * failures, how long a wait) lives above the store (server/auth.h). A user
 * name is counted whether or not such a user exists. Writes happen inside the
 * caller's dm_store_begin/commit; a lock-out and an unlock are logged in the
 * change log with kind "login" and code = the user name or the address,
 * never a password.
 *
 * A database from before (version 4 or older) opened read-only has none:
 * get is DM_ENOTFOUND and list calls nothing. */

#define DM_LOGIN_KEY_MAX 32 /* with the NUL */

typedef struct dm_login_failures {
    char scope[8];              /* "user" | "address" */
    char key[DM_LOGIN_KEY_MAX]; /* a user name, or a client address ("192.0.2.7",
                                   "2001:db8:1:2::/64") */
    int64_t failures;           /* failed logins since the last success or unlock */
    int64_t last_at;            /* the last failure, Unix seconds */
    int64_t locked_until;       /* logins refused until then, Unix seconds; 0 = none */
} dm_login_failures;

/* True when key can be a login key: 1 to DM_LOGIN_KEY_MAX - 1 of A-Z a-z
 * 0-9 . _ @ - : / (user names and IP addresses). */
bool dm_store_login_key_valid(const char *key);

/* Reads the failures of (scope, key) into *out. DM_ENOTFOUND when none are
 * kept. */
dm_status dm_store_login_failures_get(dm_store *store, const char *scope, const char *key,
                                      dm_login_failures *out, dm_error *err);

/* Keeps *f (replacing what was kept for its scope and key) and drops every
 * other row whose last failure and lock both ended before forget_before
 * (Unix seconds). With lockout_detail (e.g. "5 failed logins: wait 60 s"),
 * logs "lockout" by "demine". Inside a transaction. */
dm_status dm_store_login_failures_put(dm_store *store, const dm_login_failures *f,
                                      int64_t forget_before, const char *lockout_detail,
                                      dm_error *err);

/* Clears the failures of `key` in `scope` ("user", "address", or NULL for
 * both); *n (may be NULL) is how many rows went. With who, each is logged as
 * "unlock" by who; without (a successful login) nothing is logged. Inside a
 * transaction. */
dm_status dm_store_login_failures_delete(dm_store *store, const char *scope, const char *key,
                                         const char *who, int64_t *n, dm_error *err);

/* Calls fn for every row kept, scope then key order; fn returns non-zero to
 * stop. */
dm_status dm_store_login_failures_list(dm_store *store,
                                       int (*fn)(const dm_login_failures *f, void *ctx), void *ctx,
                                       dm_error *err);

/* ---- imports (schema version 7) ----
 * The import log: one entry per import that changed the database, with the
 * file's SHA-256, so that a file imported before is recognised; and the
 * identities of the rows imported, so that a row imported before is not
 * imported again. An identity is a text the importer makes (io/import.h:
 * "code:HA-0001", "key:GUID=...", "id:hazards.geojson:17", or
 * "content:<hash>" for a row without a key); per kind, one identity names
 * one record, with the content hash of the row as last imported. Writes
 * happen inside the caller's dm_store_begin/commit. A database from before
 * (version 6 or older) opened read-only has none: find and key_get find
 * nothing and list calls nothing. */

#define DM_IMPORT_IDENTITY_MAX 512 /* with the NUL */
#define DM_CONTENT_HASH_MAX 65     /* with the NUL: a hash in lower-case hex */

typedef struct dm_import_entry {
    int64_t id;     /* set by dm_store_import_begin */
    char at[32];    /* when it started (ISO 8601 UTC), set by dm_store_import_begin */
    char who[64];   /* who imported */
    char kind[32];  /* the kind's name ("casualties" for casualty rows) */
    char file[256]; /* the file's name, without its folder */
    char sha256[DM_CONTENT_HASH_MAX]; /* of the file's bytes */
    int64_t rows;                     /* rows read */
    int64_t imported;                 /* records stored (new) */
    int64_t changed;                  /* records changed or changes proposed for review */
    int64_t present;                  /* rows already in the database */
    int64_t duplicates;               /* copies of an earlier row of the same file, left out */
    int64_t rejected;                 /* rows in the rejects file */
} dm_import_entry;

/* Starts an entry of the import log from e (who, kind, file, sha256 and the
 * counts so far); sets e->id and e->at. Inside a transaction. */
dm_status dm_store_import_begin(dm_store *store, dm_import_entry *e, dm_error *err);

/* Writes e's counts into its entry (e->id). Inside a transaction. */
dm_status dm_store_import_end(dm_store *store, const dm_import_entry *e, dm_error *err);

/* The latest import of a file with this SHA-256 as records of `kind` (a
 * kind's name) into *out; *found is false when there was none. */
dm_status dm_store_import_find(dm_store *store, const char *kind, const char *sha256,
                               dm_import_entry *out, bool *found, dm_error *err);

/* Calls fn for every entry of the import log, oldest first; fn returns
 * non-zero to stop. */
dm_status dm_store_import_list(dm_store *store, int (*fn)(const dm_import_entry *e, void *ctx),
                               void *ctx, dm_error *err);

/* The record and content hash a row identity of `kind` was imported as:
 * *found false when none. content and code are copied (DM_CONTENT_HASH_MAX
 * and DM_CODE_MAX bytes). */
dm_status dm_store_import_key_get(dm_store *store, const dm_kind *kind, const char *identity,
                                  char content[DM_CONTENT_HASH_MAX], char code[DM_CODE_MAX],
                                  bool *found, dm_error *err);

/* Keeps (or replaces) identity -> (content, code) for `kind`, made by import
 * import_id. Inside a transaction. */
dm_status dm_store_import_key_put(dm_store *store, const dm_kind *kind, const char *identity,
                                  const char *content, const char *code, int64_t import_id,
                                  dm_error *err);

/* ---- integrity ---- */

/* One finding of dm_store_check_integrity. */
typedef struct dm_finding {
    const char *severity; /* "error" | "warning" (static strings) */
    char what[64];        /* short stable key: "rtree-mismatch" */
    char detail[512];
} dm_finding;

/* Backend integrity: file/database consistency, schema, spatial index,
 * change log versus record versions. fn is called per finding. */
dm_status dm_store_check_integrity(dm_store *store, void (*fn)(const dm_finding *f, void *ctx),
                                   void *ctx, dm_error *err);

#endif
