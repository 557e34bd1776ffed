/* Passwords (Argon2id), bearer tokens and user management (auth.h). */
#include "server/auth.h"

#include "core/utf8.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TOKEN_BYTES 32
#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE
#define PW_ALG crypto_pwhash_ALG_ARGON2ID13

_Static_assert(crypto_pwhash_STRBYTES == DM_PASSWORD_HASH_MAX, "hash size");
_Static_assert(crypto_generichash_BYTES * 2 + 1 == DM_TOKEN_HASH_MAX, "token hash size");
_Static_assert(sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
                   DM_AUTH_TOKEN_LEN + 1,
               "token length");

static const char refused_login[] = "wrong user name or password";
static const char refused_token[] = "invalid token: log in again";

/* ---- libsodium, once ---- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;

static void sodium_start(void) { sodium_ok = sodium_init() >= 0; }

dm_status dm_auth_init(dm_error *err)
{
    pthread_once(&sodium_once, sodium_start);
    return sodium_ok ? DM_OK : dm_error_set(err, DM_EINTERNAL, "libsodium could not start");
}

/* The hash an unknown user's password is checked against, so that a login
 * takes as long whether or not the user exists. Made once, of a random
 * password, with the limits real hashes have. "" when there was no memory. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void dummy_start(void)
{
    unsigned char raw[16];
    char text[2 * sizeof raw + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(text, sizeof text, raw, sizeof raw);
    if (crypto_pwhash_str_alg(dummy_hash, text, strlen(text), PW_OPS, PW_MEM, PW_ALG) != 0)
        dummy_hash[0] = 0;
    sodium_memzero(text, sizeof text);
}

/* ---- passwords ---- */

dm_status dm_auth_check_password_rules(const char *name, const char *password, dm_error *err)
{
    if (!password || !*password)
        return dm_error_set(err, DM_EINVAL, "the password is empty");
    size_t len = strlen(password);
    if (len > DM_AUTH_PASSWORD_MAX)
        return dm_error_set(err, DM_EINVAL, "the password is too long: at most %d bytes",
                            DM_AUTH_PASSWORD_MAX);
    if (!dm_utf8_valid(password, len, NULL))
        return dm_error_set(err, DM_EINVAL, "the password is not valid UTF-8 text");
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)password[i];
        if (c < 0x20 || c == 0x7f)
            return dm_error_set(err, DM_EINVAL,
                                "the password contains a control character (a tab or a line "
                                "break, say): use printable characters only");
        chars += (c & 0xc0) != 0x80;
    }
    if (chars < DM_AUTH_PASSWORD_MIN)
        return dm_error_set(err, DM_EINVAL,
                            "the password is too short: it needs at least %d characters",
                            DM_AUTH_PASSWORD_MIN);
    if (name && !strcasecmp(name, password))
        return dm_error_set(err, DM_EINVAL, "the password must not be the user name");
    return DM_OK;
}

dm_status dm_auth_hash_password(const char *password, char out[DM_PASSWORD_HASH_MAX], dm_error *err)
{
    out[0] = 0;
    dm_status st = dm_auth_init(err);
    if (st)
        return st;
    if (!password || strlen(password) > DM_AUTH_PASSWORD_MAX)
        return dm_error_set(err, DM_EINVAL, "the password is missing or too long");
    if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPS, PW_MEM, PW_ALG) != 0) {
        out[0] = 0;
        return dm_error_set(err, DM_ENOMEM,
                            "not enough memory to hash a password (Argon2id needs 64 MiB)");
    }
    return DM_OK;
}

bool dm_auth_verify_password(const char *hash, const char *password)
{
    if (!hash || !password || dm_auth_init(NULL) || !memchr(hash, 0, DM_PASSWORD_HASH_MAX))
        return false;
    size_t len = strlen(password);
    return len <= DM_AUTH_PASSWORD_MAX && crypto_pwhash_str_verify(hash, password, len) == 0;
}

bool dm_auth_needs_rehash(const char *hash)
{
    static const char prefix[] = crypto_pwhash_argon2id_STRPREFIX;
    if (!hash || dm_auth_init(NULL) || !memchr(hash, 0, DM_PASSWORD_HASH_MAX) ||
        strncmp(hash, prefix, sizeof prefix - 1))
        return true;
    return crypto_pwhash_argon2id_str_needs_rehash(hash, PW_OPS, PW_MEM) != 0;
}

/* ---- tokens ---- */

/* 43 characters of the base64url alphabet: the only form a token has. */
static bool token_form_valid(const char *token)
{
    if (!token)
        return false;
    size_t i = 0;
    for (; i <= DM_AUTH_TOKEN_LEN && token[i]; i++) {
        char c = token[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return i == DM_AUTH_TOKEN_LEN;
}

void dm_auth_token_hash(const char *token, char out[DM_TOKEN_HASH_MAX])
{
    unsigned char bin[crypto_generichash_BYTES];
    (void)dm_auth_init(NULL);
    crypto_generichash(bin, sizeof bin, (const unsigned char *)token, token ? strlen(token) : 0,
                       NULL, 0);
    sodium_bin2hex(out, DM_TOKEN_HASH_MAX, bin, sizeof bin);
}

static dm_status check_ttl(int64_t ttl, dm_error *err)
{
    if (ttl < 1 || ttl > DM_AUTH_TTL_MAX)
        return dm_error_set(err, DM_EINVAL,
                            "a token lives from 1 second to %d days; %lld seconds is not allowed",
                            DM_AUTH_TTL_MAX / 86400, (long long)ttl);
    return DM_OK;
}

/* Makes a token for user u inside the caller's transaction: out_token gets
 * it, the store its hash. */
static dm_status put_new_token(dm_store *store, const dm_user *u, int64_t ttl,
                               char out_token[DM_AUTH_TOKEN_LEN + 1], dm_error *err)
{
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out_token, DM_AUTH_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    dm_token t;
    memset(&t, 0, sizeof t);
    dm_auth_token_hash(out_token, t.hash);
    snprintf(t.user, sizeof t.user, "%s", u->name);
    t.created_at = (int64_t)time(NULL);
    t.expires_at = t.created_at + ttl;
    return dm_store_token_put(store, &t, u->name, err);
}

/* A user who may hold a token: enabled, with a role demine knows. */
static bool may_log_in(const dm_user *u, dm_role *role)
{
    dm_role r;
    if (u->disabled || !dm_role_parse(u->role, &r) || !dm_role_assignable(r))
        return false;
    if (role)
        *role = r;
    return true;
}

/* Ends the caller's transaction: commits when st is DM_OK, else rolls back
 * and returns st. */
static dm_status finish(dm_store *store, dm_status st, dm_error *err)
{
    if (!st)
        st = dm_store_commit(store, err);
    else
        dm_store_rollback(store);
    return st;
}

dm_status dm_auth_issue_token(dm_store *store, const char *user, int64_t ttl_seconds,
                              char out_token[DM_AUTH_TOKEN_LEN + 1], dm_error *err)
{
    out_token[0] = 0;
    dm_status st = dm_auth_init(err);
    if (!st)
        st = check_ttl(ttl_seconds, err);
    if (!st)
        st = dm_store_begin(store, err);
    if (st)
        return st;
    dm_user u;
    st = dm_store_user_get(store, user, &u, err);
    if (!st && !may_log_in(&u, NULL))
        st =
            dm_error_set(err, DM_EINVAL, "user %s is disabled or has no role demine knows", u.name);
    if (!st)
        st = put_new_token(store, &u, ttl_seconds, out_token, err);
    st = finish(store, st, err);
    if (st)
        sodium_memzero(out_token, DM_AUTH_TOKEN_LEN + 1);
    return st;
}

dm_status dm_auth_check_token(dm_store *store, const char *token, int64_t now,
                              char out_user[DM_USER_NAME_MAX], dm_role *out_role, dm_error *err)
{
    out_user[0] = 0;
    *out_role = DM_ROLE_ANONYMOUS;
    dm_status st = dm_auth_init(err);
    if (st)
        return st;
    if (!token_form_valid(token))
        return dm_error_set(err, DM_EINVAL, "%s", refused_token);
    char hash[DM_TOKEN_HASH_MAX];
    dm_auth_token_hash(token, hash);
    dm_token t;
    st = dm_store_token_get(store, hash, &t, err);
    if (st == DM_ENOTFOUND)
        return dm_error_set(err, DM_EINVAL, "%s", refused_token);
    if (st)
        return st;
    /* the index found it; compare the whole hash in constant time anyway */
    if (sodium_memcmp(t.hash, hash, DM_TOKEN_HASH_MAX - 1) != 0)
        return dm_error_set(err, DM_EINVAL, "%s", refused_token);
    if (now >= t.expires_at)
        return dm_error_set(err, DM_EINVAL, "token expired: log in again");
    dm_user u;
    st = dm_store_user_get(store, t.user, &u, err);
    if (st == DM_ENOTFOUND)
        return dm_error_set(err, DM_EINVAL, "%s", refused_token);
    if (st)
        return st;
    dm_role role;
    if (!may_log_in(&u, &role))
        return dm_error_set(err, DM_EINVAL, "%s", refused_token);
    snprintf(out_user, DM_USER_NAME_MAX, "%s", u.name);
    *out_role = role;
    return DM_OK;
}

/* ---- failed logins: back-off ---- */

void dm_auth_limits_default(dm_auth_limits *l)
{
    l->user_failures = 5;
    l->address_failures = 20;
    l->first_wait = 1;
    l->max_wait = 900;
}

dm_status dm_auth_limits_check(const dm_auth_limits *l, dm_error *err)
{
    if (l->user_failures < 1 || l->address_failures < 1)
        return dm_error_set(err, DM_EINVAL, "logins wait after at least 1 failure");
    if (l->first_wait < 1 || l->max_wait < l->first_wait || l->max_wait > 86400)
        return dm_error_set(err, DM_EINVAL,
                            "the first wait must be at least 1 second and the longest wait "
                            "from the first to 86400 seconds");
    return DM_OK;
}

bool dm_auth_address_key(const char *address, char out[DM_LOGIN_KEY_MAX])
{
    out[0] = 0;
    unsigned char a[16];
    if (!address)
        return false;
    if (inet_pton(AF_INET, address, a) == 1)
        return inet_ntop(AF_INET, a, out, DM_LOGIN_KEY_MAX) != NULL;
    if (inet_pton(AF_INET6, address, a) != 1)
        return false;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(a, mapped, sizeof mapped))
        return inet_ntop(AF_INET, a + 12, out, DM_LOGIN_KEY_MAX) != NULL;
    /* one subscriber usually holds a whole /64: count it as one address */
    memset(a + 8, 0, 8);
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, a, text, sizeof text) ||
        snprintf(out, DM_LOGIN_KEY_MAX, "%s/64", text) >= DM_LOGIN_KEY_MAX) {
        out[0] = 0;
        return false;
    }
    return true;
}

/* The wait after `failures` failures when waits start at `threshold`: 0
 * below it, then first_wait doubled per failure, at most max_wait. */
static int64_t wait_after(int64_t failures, int threshold, const dm_auth_limits *l)
{
    if (failures < threshold)
        return 0;
    int64_t w = l->first_wait;
    for (int64_t i = threshold; i < failures && w < l->max_wait; i++)
        w *= 2;
    return w < l->max_wait ? w : l->max_wait;
}

/* The failures of (scope, key) as they count at `now`: none when none are
 * kept or they are forgotten. */
static dm_status failures_now(dm_store *store, const char *scope, const char *key, int64_t now,
                              dm_login_failures *f, dm_error *err)
{
    dm_status st = dm_store_login_failures_get(store, scope, key, f, err);
    if (st == DM_ENOTFOUND ||
        (!st && f->last_at < now - DM_AUTH_FORGET && f->locked_until <= now)) {
        memset(f, 0, sizeof *f);
        snprintf(f->scope, sizeof f->scope, "%s", scope);
        snprintf(f->key, sizeof f->key, "%s", key);
        st = DM_OK;
    }
    return st;
}

/* Counts one failure of the name (when it can be one) and of the address
 * key (when there is one), in one transaction; a count that reaches its
 * threshold starts a wait, logged as a lock-out. */
static dm_status count_failure(dm_store *store, const char *name, const char *akey,
                               const dm_auth_limits *l, int64_t now, dm_auth_outcome *oc,
                               dm_error *err)
{
    dm_status st = dm_store_begin(store, err);
    if (st)
        return st;
    const char *scopes[2] = {"user", "address"}, *keys[2] = {name, akey};
    int thresholds[2] = {l->user_failures, l->address_failures};
    int64_t *counts[2] = {&oc->user_failures, &oc->address_failures};
    for (int i = 0; !st && i < 2; i++) {
        if (!keys[i] || !keys[i][0])
            continue;
        dm_login_failures f;
        st = failures_now(store, scopes[i], keys[i], now, &f, err);
        if (st)
            break;
        f.failures++;
        f.last_at = now;
        int64_t w = wait_after(f.failures, thresholds[i], l);
        char detail[128];
        if (w) {
            if (now + w > f.locked_until)
                f.locked_until = now + w;
            if (f.locked_until > oc->locked_until)
                oc->locked_until = f.locked_until;
            snprintf(detail, sizeof detail, "%lld failed logins: logins wait %lld s",
                     (long long)f.failures, (long long)w);
        }
        *counts[i] = f.failures;
        st = dm_store_login_failures_put(store, &f, now - DM_AUTH_FORGET, w ? detail : NULL, err);
    }
    return finish(store, st, err);
}

dm_status dm_auth_password_attempt(dm_store *store, const char *name, const char *password,
                                   const char *address, const dm_auth_limits *lim, int64_t now,
                                   dm_user *out, dm_auth_outcome *oc, dm_error *err)
{
    memset(out, 0, sizeof *out);
    memset(oc, 0, sizeof *oc);
    dm_status st = dm_auth_init(err);
    if (st)
        return st;
    pthread_once(&dummy_once, dummy_start);
    if (!dummy_hash[0])
        return dm_error_set(err, DM_ENOMEM, "not enough memory to check passwords");
    /* the name as counted: any name that can be one, whether or not it is */
    const char *nkey = lim && dm_store_user_name_valid(name) ? name : NULL;
    if (lim && address)
        dm_auth_address_key(address, oc->address_key);
    dm_login_failures uf, af;
    memset(&uf, 0, sizeof uf);
    memset(&af, 0, sizeof af);
    if (nkey)
        st = failures_now(store, "user", nkey, now, &uf, err);
    if (!st && oc->address_key[0])
        st = failures_now(store, "address", oc->address_key, now, &af, err);
    if (st)
        return st;
    int64_t until = uf.locked_until > af.locked_until ? uf.locked_until : af.locked_until;
    if (until > now) {
        oc->retry_after = until - now;
        return dm_error_set(err, DM_EINVAL, "too many failed logins: try again in %lld second%s",
                            (long long)oc->retry_after, oc->retry_after == 1 ? "" : "s");
    }
    dm_user u;
    st = dm_store_user_get(store, name, &u, err);
    /* an impossible name (DM_EINVAL) is an unknown user like any other */
    bool known = st == DM_OK;
    if (st && st != DM_ENOTFOUND && st != DM_EINVAL)
        return st;
    /* the slow part, outside any transaction: one Argon2id check either way */
    bool ok = dm_auth_verify_password(known ? u.password_hash : dummy_hash, password);
    ok = ok && known && may_log_in(&u, NULL);
    if (!ok) {
        if (lim && (st = count_failure(store, nkey, oc->address_key, lim, now, oc, err)))
            return st;
        return dm_error_set(err, DM_EINVAL, "%s", refused_login);
    }
    if (uf.failures) {
        st = dm_store_begin(store, err);
        if (!st)
            st = finish(store, dm_store_login_failures_delete(store, "user", nkey, NULL, NULL, err),
                        err);
        if (st)
            return st;
    }
    *out = u;
    return DM_OK;
}

dm_status dm_auth_unlock(dm_store *store, const char *key, const char *who, int64_t *n,
                         dm_error *err)
{
    int64_t dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    if (!who || !*who)
        return dm_error_set(err, DM_EINVAL, "an unlock needs to say who makes it");
    dm_status st = dm_store_begin(store, err);
    if (st)
        return st;
    return finish(store, dm_store_login_failures_delete(store, NULL, key, who, n, err), err);
}

/* ---- logging in ---- */

dm_status dm_auth_login(dm_store *store, const char *name, const char *password,
                        int64_t ttl_seconds, char out_token[DM_AUTH_TOKEN_LEN + 1], dm_error *err)
{
    return dm_auth_login_attempt(store, name, password, NULL, NULL, (int64_t)time(NULL),
                                 ttl_seconds, out_token, NULL, err);
}

dm_status dm_auth_login_attempt(dm_store *store, const char *name, const char *password,
                                const char *address, const dm_auth_limits *lim, int64_t now,
                                int64_t ttl_seconds, char out_token[DM_AUTH_TOKEN_LEN + 1],
                                dm_auth_outcome *oc, dm_error *err)
{
    out_token[0] = 0;
    dm_auth_outcome ignored;
    if (!oc)
        oc = &ignored;
    memset(oc, 0, sizeof *oc);
    dm_status st = dm_auth_init(err);
    if (!st)
        st = check_ttl(ttl_seconds, err);
    if (st)
        return st;
    dm_user u;
    st = dm_auth_password_attempt(store, name, password, address, lim, now, &u, oc, err);
    if (st)
        return st;
    char rehash[DM_PASSWORD_HASH_MAX] = "";
    if (dm_auth_needs_rehash(u.password_hash) && dm_auth_hash_password(password, rehash, NULL))
        rehash[0] = 0; /* no memory now: next time */
    st = dm_store_begin(store, err);
    if (st)
        return st;
    /* the user as it is now: the same password, still allowed in */
    dm_user cur;
    st = dm_store_user_get(store, u.name, &cur, err);
    if (st == DM_ENOTFOUND ||
        (!st && (strcmp(cur.password_hash, u.password_hash) || !may_log_in(&cur, NULL))))
        st = dm_error_set(err, DM_EINVAL, "%s", refused_login);
    if (!st && rehash[0]) {
        memcpy(cur.password_hash, rehash, sizeof rehash);
        st = dm_store_user_put(store, &cur, DM_USER_REPLACE, cur.name, err);
    }
    /* the tokens that have run out go now, whoever's they were: the table
       stays as small as the tokens in use */
    int64_t gone;
    if (!st)
        st = dm_store_token_delete_expired(store, (int64_t)time(NULL), "demine", &gone, err);
    if (!st)
        st = put_new_token(store, &cur, ttl_seconds, out_token, err);
    st = finish(store, st, err);
    if (st)
        sodium_memzero(out_token, DM_AUTH_TOKEN_LEN + 1);
    return st;
}

dm_status dm_auth_logout(dm_store *store, const char *token, dm_error *err)
{
    dm_status st = dm_auth_init(err);
    if (st)
        return st;
    if (!token_form_valid(token))
        return dm_error_set(err, DM_EINVAL, "%s", refused_token);
    char hash[DM_TOKEN_HASH_MAX];
    dm_auth_token_hash(token, hash);
    st = dm_store_begin(store, err);
    if (st)
        return st;
    dm_token t;
    st = dm_store_token_get(store, hash, &t, err);
    if (!st)
        st = dm_store_token_delete(store, hash, t.user, err);
    if (st == DM_ENOTFOUND)
        st = dm_error_set(err, DM_EINVAL, "%s", refused_token);
    return finish(store, st, err);
}

/* ---- managing users ---- */

static dm_status parse_role(const char *role, dm_error *err)
{
    dm_role r;
    if (role && dm_role_parse(role, &r) && dm_role_assignable(r))
        return DM_OK;
    return dm_error_set(err, DM_EINVAL, "'%.20s' is not a role; the roles are: %s",
                        role ? role : "", dm_role_list());
}

dm_status dm_auth_user_add(dm_store *store, const char *name, const char *role,
                           const char *password, const char *who, dm_error *err)
{
    if (!dm_store_user_name_valid(name))
        return dm_error_set(err, DM_EINVAL,
                            "'%.40s' cannot be a user name: use 1 to %d of the characters A-Z "
                            "a-z 0-9 . _ @ -, starting with a letter or digit",
                            name ? name : "", DM_USER_NAME_MAX - 1);
    dm_status st = parse_role(role, err);
    if (!st)
        st = dm_auth_check_password_rules(name, password, err);
    if (st)
        return st;
    dm_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.role, sizeof u.role, "%s", role);
    st = dm_auth_hash_password(password, u.password_hash, err);
    if (!st)
        st = dm_store_begin(store, err);
    if (!st)
        st = finish(store, dm_store_user_put(store, &u, DM_USER_ADD, who, err), err);
    sodium_memzero(u.password_hash, sizeof u.password_hash);
    return st;
}

dm_status dm_auth_user_passwd(dm_store *store, const char *name, const char *password,
                              const char *who, dm_error *err)
{
    dm_status st = dm_auth_check_password_rules(name, password, err);
    dm_user u;
    /* fail on an unknown user before the slow hash */
    if (!st)
        st = dm_store_user_get(store, name, &u, err);
    char hash[DM_PASSWORD_HASH_MAX];
    if (!st)
        st = dm_auth_hash_password(password, hash, err);
    if (!st)
        st = dm_store_begin(store, err);
    if (st)
        return st;
    st = dm_store_user_get(store, name, &u, err);
    if (!st) {
        memcpy(u.password_hash, hash, sizeof hash);
        st = dm_store_user_put(store, &u, DM_USER_REPLACE, who, err);
    }
    /* whoever held the old password holds no token any more */
    if (!st)
        st = dm_store_token_delete_user(store, name, who, NULL, err);
    sodium_memzero(hash, sizeof hash);
    return finish(store, st, err);
}

dm_status dm_auth_user_set_role(dm_store *store, const char *name, const char *role,
                                const char *who, dm_error *err)
{
    dm_status st = parse_role(role, err);
    if (!st)
        st = dm_store_begin(store, err);
    if (st)
        return st;
    dm_user u;
    st = dm_store_user_get(store, name, &u, err);
    if (!st) {
        snprintf(u.role, sizeof u.role, "%s", role);
        st = dm_store_user_put(store, &u, DM_USER_REPLACE, who, err);
    }
    return finish(store, st, err);
}

dm_status dm_auth_user_set_disabled(dm_store *store, const char *name, bool disabled,
                                    const char *who, dm_error *err)
{
    dm_status st = dm_store_begin(store, err);
    if (st)
        return st;
    dm_user u;
    st = dm_store_user_get(store, name, &u, err);
    if (!st) {
        u.disabled = disabled;
        st = dm_store_user_put(store, &u, DM_USER_REPLACE, who, err);
    }
    if (!st && disabled)
        st = dm_store_token_delete_user(store, name, who, NULL, err);
    return finish(store, st, err);
}
