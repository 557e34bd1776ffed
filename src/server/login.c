/* Logins over HTTP: /auth/token (a demine form or the OAuth2 password
 * grant), and the Authorization header of every other request (Bearer
 * tokens, and HTTP Basic for desktop GIS where it is safe). The password
 * checks themselves, with the back-off of failed logins, are auth.c's. */
#include "server/internal.h"

#include "core/date.h"
#include "server/auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_CHECKS 2      /* password checks at once: Argon2id takes 64 MiB each */
#define BASIC_ENTRIES 256 /* verified Basic credentials remembered */
#define SLOT_WAIT 5       /* seconds a check waits for its turn before 503 */

/* ---- what every server in this process shares ---- */

typedef struct basic_entry {
    unsigned char key[crypto_generichash_BYTES]; /* keyed hash of database, user, password */
    char user[DM_USER_NAME_MAX];
    int64_t version;  /* the user's version when verified: any change drops the entry */
    int64_t verified; /* CLOCK_MONOTONIC seconds; 0 = free */
} basic_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t freed = PTHREAD_COND_INITIALIZER; /* a check ended */
static int checks;                                      /* password checks under way */
static basic_entry basic[BASIC_ENTRIES];
static unsigned char basic_secret[crypto_generichash_KEYBYTES];
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;

static void secret_start(void)
{
    if (dm_auth_init(NULL) == DM_OK)
        randombytes_buf(basic_secret, sizeof basic_secret);
}

static int64_t mono_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec + 1; /* never 0, the mark of a free entry */
}

/* Takes one of the MAX_CHECKS slots, waiting up to SLOT_WAIT seconds for
 * one (a desktop GIS sends its first requests together, each with the same
 * Basic credentials); false when none came free. */
static bool check_start(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SLOT_WAIT;
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (checks >= MAX_CHECKS && rc == 0)
        rc = pthread_cond_timedwait(&freed, &lock, &until);
    bool room = checks < MAX_CHECKS;
    if (room)
        checks++;
    pthread_mutex_unlock(&lock);
    return room;
}

static void check_end(void)
{
    pthread_mutex_lock(&lock);
    checks--;
    pthread_cond_signal(&freed);
    pthread_mutex_unlock(&lock);
}

static void limits_of(const dm_server_opts *o, dm_auth_limits *l)
{
    dm_auth_limits_default(l);
    if (o->login_user_failures > 0)
        l->user_failures = o->login_user_failures;
    if (o->login_address_failures > 0)
        l->address_failures = o->login_address_failures;
    if (o->login_first_wait > 0)
        l->first_wait = o->login_first_wait;
    if (o->login_max_wait > 0)
        l->max_wait = o->login_max_wait;
    if (l->max_wait < l->first_wait)
        l->max_wait = l->first_wait;
}

void dm_client_address(const struct sockaddr *sa, char out[64])
{
    out[0] = 0;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

/* ---- the server's log ---- */

/* One line about a login in the server's log: failures, waits started, and
 * attempts refused during a wait. Never a password; a name only when it can
 * be a user name. */
static void log_login(const dm_request *q, const char *how, const char *name, dm_status st,
                      const dm_auth_outcome *oc)
{
    FILE *f = q->opts->log;
    if (!f || (st != DM_EINVAL && !oc->retry_after))
        return;
    char at[DM_TIME_ISO_LEN];
    dm_time_now_iso(at);
    const char *who = dm_store_user_name_valid(name) ? name : "(not a user name)";
    const char *from = q->client[0] ? q->client : "(unknown address)";
    flockfile(f);
    if (oc->retry_after)
        fprintf(f, "%s login refused (%s): user %s from %s is waiting, %lld s left\n", at, how, who,
                from, (long long)oc->retry_after);
    else
        fprintf(f,
                "%s login failed (%s): user %s from %s (%lld failures of the user, %lld of the "
                "address)\n",
                at, how, who, from, (long long)oc->user_failures, (long long)oc->address_failures);
    if (!oc->retry_after && oc->locked_until) {
        char until[32];
        time_t t = (time_t)oc->locked_until;
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm))
            snprintf(until, sizeof until, "%lld", (long long)oc->locked_until);
        fprintf(f, "%s login lock-out: logins of user %s or from %s wait until %s\n", at, who, from,
                until);
    }
    fflush(f);
    funlockfile(f);
}

/* ---- /auth/token ---- */

/* The token of an "Authorization: Bearer TOKEN" header, or NULL. */
static const char *bearer_token(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7))
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header ? header : NULL;
}

/* An RFC 6749 5.2 error: {"error": code, "error_description": text}. */
static void oauth_error(dm_response *r, int status, const char *code, const char *text)
{
    r->status = status;
    r->content_type = "application/json";
    r->etag[0] = 0;
    dm_buf_free(&r->body);
    dm_buf_init(&r->body, 0);
    dm_buf_puts(&r->body, "{\"error\": ");
    dm_buf_json_string(&r->body, code);
    dm_buf_puts(&r->body, ", \"error_description\": ");
    dm_buf_json_string(&r->body, text);
    dm_buf_puts(&r->body, "}\n");
}

static void logout(const dm_request *q, const char *authorization, dm_response *r)
{
    if (!check_start()) {
        dm_respond_problem(r, 503, "Busy", "too many logins at once: try again in a second");
        r->retry_after = 1;
        return;
    }
    dm_store *w = NULL;
    dm_error err;
    dm_status st = dm_store_open(q->opts->location, DM_STORE_WRITE, &w, &err);
    if (!st)
        st = bearer_token(authorization) ? dm_auth_logout(w, bearer_token(authorization), &err)
                                         : dm_error_set(&err, DM_EINVAL, "no bearer token");
    if (w)
        dm_store_close(w);
    check_end();
    if (st == DM_EINVAL)
        dm_respond_problem(r, 401, "Invalid token", "%s", err.msg);
    else if (st)
        dm_respond_problem(r, 503, "Database unavailable", "the logout could not be recorded");
    else
        r->status = 204;
}

void dm_login_handle(const dm_request *q, const char *authorization, dm_response *r)
{
    if (!strcmp(q->method, "DELETE")) {
        logout(q, authorization, r);
        return;
    }
    if (strcmp(q->method, "POST")) {
        dm_respond_problem(r, 405, "Method not allowed", "POST logs in, DELETE logs out");
        return;
    }
    dm_qs form;
    dm_error err;
    if (dm_qs_parse(q->body ? q->body : "", q->body_len, &form, &err)) {
        dm_respond_problem(r, 400, "Bad form", "%s", err.msg);
        return;
    }
    const char *grant = dm_qs_get(&form, "grant_type");
    bool oauth = grant != NULL;
    const char *name = dm_qs_get(&form, oauth ? "username" : "user");
    const char *password = dm_qs_get(&form, "password");
    if (oauth && strcmp(grant, "password")) {
        oauth_error(r, 400, "unsupported_grant_type",
                    "this server grants tokens for grant_type=password only");
    } else if (oauth && (!name || !password)) {
        oauth_error(r, 400, "invalid_request",
                    "send grant_type=password&username=NAME&password=PASSWORD as "
                    "application/x-www-form-urlencoded");
    } else if (!name || !password) {
        dm_respond_problem(r, 400, "Bad form",
                           "send user=NAME&password=PASSWORD (or the OAuth2 password grant: "
                           "grant_type=password&username=NAME&password=PASSWORD) as "
                           "application/x-www-form-urlencoded");
    } else if (!check_start()) {
        dm_respond_problem(r, 503, "Busy", "too many logins at once: try again in a second");
        r->retry_after = 1;
    } else {
        /* logins write (failures, the token): a connection of their own */
        dm_store *w = NULL;
        char token[DM_AUTH_TOKEN_LEN + 1] = "";
        dm_auth_limits lim;
        limits_of(q->opts, &lim);
        dm_auth_outcome oc;
        memset(&oc, 0, sizeof oc);
        dm_status st = dm_store_open(q->opts->location, DM_STORE_WRITE, &w, &err);
        if (!st)
            st = dm_auth_login_attempt(w, name, password, q->client, &lim, (int64_t)time(NULL),
                                       DM_AUTH_TTL_DEFAULT, token, &oc, &err);
        if (w)
            dm_store_close(w);
        check_end();
        log_login(q, oauth ? "oauth2 password grant" : "token", name, st, &oc);
        if (st == DM_EINVAL && oc.retry_after) {
            if (oauth)
                oauth_error(r, 429, "invalid_grant", err.msg);
            else
                dm_respond_problem(r, 429, "Too many failed logins", "%s", err.msg);
            r->retry_after = oc.retry_after > 86400 ? 86400 : (int)oc.retry_after;
        } else if (st == DM_EINVAL) {
            if (oauth)
                oauth_error(r, 400, "invalid_grant", err.msg);
            else
                dm_respond_problem(r, 401, "Login failed", "%s", err.msg);
        } else if (st == DM_EFULL) {
            dm_respond_problem(r, 507, "Insufficient storage",
                               "the database's disk is full: the login cannot be recorded");
        } else if (st) {
            dm_respond_problem(r, 503, "Database unavailable", "the login could not be checked");
        } else {
            dm_buf_puts(&r->body, "{\"access_token\": \"");
            dm_buf_puts(&r->body, token);
            dm_buf_printf(&r->body, "\", \"token_type\": \"Bearer\", \"expires_in\": %d}\n",
                          (int)DM_AUTH_TTL_DEFAULT);
        }
        sodium_memzero(token, sizeof token);
    }
    dm_qs_free(&form);
}

/* ---- the Authorization header of every request ---- */

/* True when the server may take a password with each request: behind TLS,
 * or listening on loopback only (127.0.0.0/8), where nothing crosses a
 * network. */
static bool basic_allowed(const dm_server_opts *o)
{
    if (o->behind_tls)
        return true;
    struct in_addr a;
    return inet_pton(AF_INET, o->bind ? o->bind : "127.0.0.1", &a) == 1 &&
           (ntohl(a.s_addr) >> 24) == 127;
}

static void basic_key(const dm_request *q, const char *user, const char *password,
                      unsigned char key[crypto_generichash_BYTES])
{
    pthread_once(&secret_once, secret_start);
    crypto_generichash_state h;
    crypto_generichash_init(&h, basic_secret, sizeof basic_secret, crypto_generichash_BYTES);
    const char *parts[3] = {q->opts->location, user, password};
    for (int i = 0; i < 3; i++) /* each with its NUL: no two splits hash alike */
        crypto_generichash_update(&h, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_generichash_final(&h, key, crypto_generichash_BYTES);
}

/* The user's name and version remembered for key, if verified less than
 * DM_BASIC_TTL seconds ago. */
static bool basic_find(const unsigned char *key, char user[DM_USER_NAME_MAX], int64_t *version)
{
    int64_t now = mono_seconds();
    bool found = false;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < BASIC_ENTRIES; i++) {
        basic_entry *e = &basic[i];
        if (!e->verified)
            continue;
        if (now - e->verified >= DM_BASIC_TTL) {
            sodium_memzero(e, sizeof *e);
            continue;
        }
        if (!found && sodium_memcmp(e->key, key, sizeof e->key) == 0) {
            memcpy(user, e->user, DM_USER_NAME_MAX);
            *version = e->version;
            found = true;
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}

/* Remembers key (version >= 1), or forgets it (version 0). */
static void basic_keep(const unsigned char *key, const char *user, int64_t version)
{
    int64_t now = mono_seconds();
    pthread_mutex_lock(&lock);
    basic_entry *slot = NULL, *same = NULL;
    for (int i = 0; i < BASIC_ENTRIES && !same; i++) {
        basic_entry *e = &basic[i];
        if (e->verified && sodium_memcmp(e->key, key, sizeof e->key) == 0)
            same = e;
        else if (!slot || (slot->verified && (!e->verified || e->verified < slot->verified)))
            slot = e; /* a free entry, else the oldest */
    }
    if (same)
        slot = same;
    if (same || version)
        sodium_memzero(slot, sizeof *slot);
    if (version) {
        memcpy(slot->key, key, sizeof slot->key);
        snprintf(slot->user, sizeof slot->user, "%s", user);
        slot->version = version;
        slot->verified = now;
    }
    pthread_mutex_unlock(&lock);
}

/* True (q's user and role set) when key was verified lately and its user
 * is still as it was then: the same version (no new password, role or
 * disabling since), read as a token's user is. An entry that no longer
 * holds is forgotten. *st is a store failure (else DM_OK). */
static bool remembered(dm_request *q, const unsigned char *key, dm_status *st, dm_error *err)
{
    char known[DM_USER_NAME_MAX];
    int64_t version = 0;
    *st = DM_OK;
    if (!basic_find(key, known, &version))
        return false;
    dm_user u;
    dm_role role;
    *st = dm_store_user_get(q->store, known, &u, err);
    if (!*st && u.version == version && !u.disabled && dm_role_parse(u.role, &role) &&
        dm_role_assignable(role)) {
        snprintf(q->user, sizeof q->user, "%s", u.name);
        q->role = role;
        return true;
    }
    if (!*st || *st == DM_ENOTFOUND) {
        basic_keep(key, NULL, 0);
        *st = DM_OK;
    }
    return false;
}

static void bad_basic(dm_response *r)
{
    dm_respond_problem(r, 401, "Bad credentials",
                       "an Authorization: Basic header holds base64 of NAME:PASSWORD");
}

/* Checks "Basic base64(user:password)". */
static bool basic_request(dm_request *q, const char *b64, dm_response *r)
{
    if (!basic_allowed(q->opts)) {
        dm_respond_problem(r, 401, "Basic authentication refused",
                           "this server listens on %s without TLS in front of it, so a password "
                           "sent with each request would cross the network readable: log in with "
                           "POST /auth/token and send Authorization: Bearer TOKEN, or put the "
                           "server behind a TLS proxy and start it with --behind-tls",
                           q->opts->bind ? q->opts->bind : "127.0.0.1");
        return false;
    }
    while (*b64 == ' ')
        b64++;
    char raw[DM_USER_NAME_MAX + DM_AUTH_PASSWORD_MAX + 2];
    size_t len = 0;
    if (sodium_base642bin((unsigned char *)raw, sizeof raw - 1, b64, strlen(b64), " ", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        memchr(raw, 0, len)) {
        sodium_memzero(raw, sizeof raw);
        bad_basic(r);
        return false;
    }
    raw[len] = 0;
    char *colon = strchr(raw, ':');
    if (!colon) {
        sodium_memzero(raw, sizeof raw);
        bad_basic(r);
        return false;
    }
    *colon = 0;
    const char *name = raw, *password = colon + 1;
    unsigned char key[crypto_generichash_BYTES];
    basic_key(q, name, password, key);
    dm_error err;
    dm_status st = DM_OK;
    bool ok = remembered(q, key, &st, &err);
    if (!ok && !st) {
        if (!check_start()) {
            sodium_memzero(raw, sizeof raw);
            dm_respond_problem(r, 503, "Busy",
                               "too many password checks at once: try again in a second");
            r->retry_after = 1;
            return false;
        }
        /* another request with the same credentials may have just checked them */
        ok = remembered(q, key, &st, &err);
        if (!ok && !st) {
            dm_store *w = NULL;
            dm_auth_limits lim;
            limits_of(q->opts, &lim);
            dm_auth_outcome oc;
            memset(&oc, 0, sizeof oc);
            dm_user u;
            st = dm_store_open(q->opts->location, DM_STORE_WRITE, &w, &err);
            if (!st)
                st = dm_auth_password_attempt(w, name, password, q->client, &lim,
                                              (int64_t)time(NULL), &u, &oc, &err);
            if (w)
                dm_store_close(w);
            log_login(q, "basic", name, st, &oc);
            dm_role role;
            if (!st && dm_role_parse(u.role, &role)) {
                basic_keep(key, u.name, u.version);
                snprintf(q->user, sizeof q->user, "%s", u.name);
                q->role = role;
                ok = true;
            } else if (st == DM_EINVAL && oc.retry_after) {
                dm_respond_problem(r, 429, "Too many failed logins", "%s", err.msg);
                r->retry_after = oc.retry_after > 86400 ? 86400 : (int)oc.retry_after;
            } else if (st == DM_EINVAL) {
                dm_respond_problem(r, 401, "Login failed", "%s", err.msg);
            }
        }
        check_end();
    }
    sodium_memzero(raw, sizeof raw);
    if (!ok && st && st != DM_EINVAL)
        dm_respond_problem(r, 503, "Database unavailable",
                           "the credentials could not be checked: try again later");
    return ok;
}

bool dm_auth_request(dm_request *q, const char *authorization, dm_response *r)
{
    q->user[0] = 0;
    q->role = DM_ROLE_ANONYMOUS;
    if (!authorization)
        return true;
    if (!strncasecmp(authorization, "Basic ", 6))
        return basic_request(q, authorization + 6, r);
    const char *token = bearer_token(authorization);
    if (!token) {
        dm_respond_problem(r, 401, "Unknown authorization",
                           "send Authorization: Bearer TOKEN (a token from POST /auth/token), or "
                           "Basic where the server allows it");
        return false;
    }
    dm_error err;
    dm_role role;
    dm_status st = dm_auth_check_token(q->store, token, (int64_t)time(NULL), q->user, &role, &err);
    if (st == DM_EINVAL) {
        dm_respond_problem(r, 401, "Invalid token",
                           "the bearer token is unknown, expired or malformed: log in again with "
                           "POST /auth/token");
    } else if (st) {
        dm_respond_problem(r, 503, "Database unavailable",
                           "the token could not be checked: try again later");
    } else {
        q->role = role;
        return true;
    }
    q->user[0] = 0;
    return false;
}
