/* What a store backend provides. Private to src/store: front ends and
 * analysis use store.h only. */
#ifndef DM_STORE_BACKEND_H
#define DM_STORE_BACKEND_H

#include "store/store.h"

typedef struct dm_store_backend {
    const char *name;
    /* true when this backend handles `location` */
    bool (*accepts)(const char *location);
    dm_status (*create)(dm_store *s, const char *location, dm_error *err);
    dm_status (*remove)(const char *location, dm_error *err);
    dm_status (*open)(dm_store *s, const char *location, dm_store_mode mode, dm_error *err);
    void (*close)(dm_store *s);
    dm_status (*meta)(dm_store *s, const char *key, char *out, size_t outsz, dm_error *err);
    dm_status (*begin)(dm_store *s, dm_error *err);
    /* optional: NULL means begin */
    dm_status (*begin_bulk)(dm_store *s, const dm_kind *kind, dm_error *err);
    dm_status (*commit)(dm_store *s, dm_error *err);
    void (*rollback)(dm_store *s);
    dm_status (*insert)(dm_store *s, dm_record *rec, const char *who, dm_error *err);
    dm_status (*update)(dm_store *s, dm_record *rec, int64_t expected_version, const char *who,
                        const char *detail, dm_error *err);
    dm_status (*set_state)(dm_store *s, const dm_kind *kind, const char *code, const char *state,
                           const char *reason, const char *who, dm_error *err);
    dm_status (*query)(dm_store *s, const dm_query *q, dm_cursor **out, dm_error *err);
    dm_status (*next)(dm_cursor *cur, dm_record *rec, bool *has_row, dm_error *err);
    void (*close_cursor)(dm_cursor *cur);
    dm_status (*get)(dm_store *s, const dm_kind *kind, const char *code, dm_record *rec,
                     dm_error *err);
    dm_status (*count)(dm_store *s, const dm_kind *kind, bool include_drafts, int64_t *n,
                       dm_error *err);
    dm_status (*extent)(dm_store *s, const dm_kind *kind, bool include_drafts, double bbox[4],
                        bool *has, dm_error *err);
    /* field is a date field of kind (store.c has checked) */
    dm_status (*date_range)(dm_store *s, const dm_kind *kind, const char *field,
                            bool include_drafts, char first[11], char last[11], dm_error *err);
    /* fields are checked against kind->fields by store.c before the call */
    dm_status (*scan)(dm_store *s, const dm_kind *kind, const char *const *fields, size_t nfields,
                      bool include_drafts, dm_scan_fn fn, void *ctx, dm_error *err);
    /* optional: NULL means the backend cannot tell (the stamp is "") */
    dm_status (*stamp)(dm_store *s, const dm_kind *const *kinds, size_t nkinds,
                       char out[DM_STAMP_MAX], dm_error *err);
    /* optional: NULL means no cache (get finds nothing, put keeps nothing) */
    dm_status (*cache_get)(dm_store *s, const char *name, const char *stamp, void **data,
                           size_t *len, dm_error *err);
    /* optional: NULL means nothing is cached */
    dm_status (*cache_open)(dm_store *s, const char *name, const char *stamp, dm_cache_reader **out,
                            uint64_t *size, dm_error *err);
    dm_status (*cache_put)(dm_store *s, const char *name, const char *stamp, const void *data,
                           size_t len, dm_error *err);
    dm_status (*history)(dm_store *s, const dm_kind *kind, const char *code,
                         int (*fn)(const dm_change *c, void *ctx), void *ctx, dm_error *err);
    /* users and tokens: store.c has checked names, roles, hashes and modes */
    dm_status (*pending_put)(dm_store *s, const dm_kind *kind, const char *code, const char *change,
                             const dm_record *rec, int64_t base_version, const char *who,
                             const char *detail, dm_error *err);
    dm_status (*pending_amend)(dm_store *s, const dm_kind *kind, const char *code,
                               int64_t expected_id, const char *change, const dm_record *rec,
                               const char *who, const char *detail, dm_error *err);
    dm_status (*pending_get)(dm_store *s, const dm_kind *kind, const char *code, dm_pending *info,
                             dm_record *rec, dm_error *err);
    dm_status (*pending_list)(dm_store *s, int (*fn)(const dm_pending *p, void *ctx), void *ctx,
                              dm_error *err);
    dm_status (*pending_delete)(dm_store *s, const dm_kind *kind, const char *code,
                                const char *action, const char *detail, const char *who,
                                dm_error *err);
    dm_status (*user_put)(dm_store *s, const dm_user *u, dm_user_put_mode mode, const char *who,
                          dm_error *err);
    dm_status (*user_get)(dm_store *s, const char *name, dm_user *out, dm_error *err);
    dm_status (*user_list)(dm_store *s, int (*fn)(const dm_user *u, void *ctx), void *ctx,
                           dm_error *err);
    dm_status (*token_put)(dm_store *s, const dm_token *t, const char *who, dm_error *err);
    dm_status (*token_get)(dm_store *s, const char *hash, dm_token *out, dm_error *err);
    dm_status (*token_delete)(dm_store *s, const char *hash, const char *who, dm_error *err);
    dm_status (*token_delete_user)(dm_store *s, const char *name, const char *who, int64_t *n,
                                   dm_error *err);
    dm_status (*token_delete_expired)(dm_store *s, int64_t now, const char *who, int64_t *n,
                                      dm_error *err);
    /* failed logins: store.c has checked scopes and keys */
    dm_status (*login_get)(dm_store *s, const char *scope, const char *key, dm_login_failures *out,
                           dm_error *err);
    dm_status (*login_put)(dm_store *s, const dm_login_failures *f, int64_t forget_before,
                           const char *lockout_detail, dm_error *err);
    dm_status (*login_delete)(dm_store *s, const char *scope, const char *key, const char *who,
                              int64_t *n, dm_error *err);
    dm_status (*login_list)(dm_store *s, int (*fn)(const dm_login_failures *f, void *ctx),
                            void *ctx, dm_error *err);
    /* imports: store.c has checked lengths */
    dm_status (*import_begin)(dm_store *s, dm_import_entry *e, dm_error *err);
    dm_status (*import_end)(dm_store *s, const dm_import_entry *e, dm_error *err);
    dm_status (*import_find)(dm_store *s, const char *kind, const char *sha256,
                             dm_import_entry *out, bool *found, dm_error *err);
    dm_status (*import_list)(dm_store *s, int (*fn)(const dm_import_entry *e, void *ctx), void *ctx,
                             dm_error *err);
    dm_status (*import_key_get)(dm_store *s, const dm_kind *kind, const char *identity,
                                char content[DM_CONTENT_HASH_MAX], char code[DM_CODE_MAX],
                                bool *found, dm_error *err);
    dm_status (*import_key_put)(dm_store *s, const dm_kind *kind, const char *identity,
                                const char *content, const char *code, int64_t import_id,
                                dm_error *err);
    dm_status (*check_integrity)(dm_store *s, void (*fn)(const dm_finding *f, void *ctx), void *ctx,
                                 dm_error *err);
} dm_store_backend;

struct dm_store {
    const dm_store_backend *be;
    void *impl;  /* backend state */
    dm_geo *geo; /* geometry context for records handed out */
    char owner[64];
    char location[1024];
};

struct dm_cursor {
    dm_store *store;
};

extern const dm_store_backend dm_store_backend_gpkg;

#endif
