/* Authentication: passwords, bearer tokens and the users who hold them.
 * Library code with no HTTP in it: the server and `demine user` call it.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash, interactive
 * limits: 2 passes over 64 MiB); only the hash is kept. A token is 32 random
 * bytes in base64url without padding (43 characters); the store keeps only
 * its BLAKE2b-256 hash, so a copy of the database gives nobody a token.
 *
 * Refusals — a wrong password, an unknown, expired or revoked token, a
 * disabled user — are DM_EINVAL with a message that does not say which of
 * them it was beyond "expired" (a server answers 401); a failing store keeps
 * its own status (a server answers 500/503). Functions that write run their
 * own transaction: never call them inside one. Thread-safe as long as each
 * thread uses its own store; libsodium is initialised once, on first use.
 */
#ifndef DM_SERVER_AUTH_H
#define DM_SERVER_AUTH_H

#include "core/error.h"
#include "server/authz.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define DM_AUTH_TOKEN_LEN 43      /* characters, without the NUL */
#define DM_AUTH_PASSWORD_MIN 12   /* characters (UTF-8 code points) */
#define DM_AUTH_PASSWORD_MAX 1024 /* bytes */
#define DM_AUTH_TTL_MAX 31622400  /* a token lives at most 366 days (seconds) */
#define DM_AUTH_TTL_DEFAULT 43200 /* 12 hours */

/* Initialises libsodium once (thread-safe; every function here calls it). */
dm_status dm_auth_init(dm_error *err);

/* Checks a new password against the rules: DM_AUTH_PASSWORD_MIN to
 * DM_AUTH_PASSWORD_MAX, valid UTF-8, not the user's name (ignoring case).
 * DM_EINVAL with a message saying which rule it breaks (never the password). */
dm_status dm_auth_check_password_rules(const char *name, const char *password, dm_error *err);

/* Hashes password (Argon2id, interactive limits) into out, a NUL-terminated
 * "$argon2id$..." string. Takes about a tenth of a second and 64 MiB. */
dm_status dm_auth_hash_password(const char *password, char out[DM_PASSWORD_HASH_MAX],
                                dm_error *err);

/* True when password matches hash (any Argon2 string libsodium verifies).
 * False for a wrong password, a malformed hash, or no memory to check. */
bool dm_auth_verify_password(const char *hash, const char *password);

/* True when hash was made with other limits or another algorithm than
 * dm_auth_hash_password uses now (or is malformed): hash the password again
 * at the next successful login. */
bool dm_auth_needs_rehash(const char *hash);

/* The hash under which the store keeps a token: BLAKE2b-256 of its text, in
 * lower-case hex. */
void dm_auth_token_hash(const char *token, char out[DM_TOKEN_HASH_MAX]);

/* Issues a token for `user` (who must exist and not be disabled) valid for
 * ttl_seconds (1 to DM_AUTH_TTL_MAX) from now, keeps its hash and logs it
 * (who = the user). out_token gets the token; it is nowhere else. */
dm_status dm_auth_issue_token(dm_store *store, const char *user, int64_t ttl_seconds,
                              char out_token[DM_AUTH_TOKEN_LEN + 1], dm_error *err);

/* Checks a token at time `now` (Unix seconds): it must be well-formed, kept,
 * not expired (expires_at > now), and its user must exist, not be disabled,
 * and have a role demine knows. Then out_user and out_role are the user's;
 * else DM_EINVAL ("invalid token" or "token expired"). Reads only. */
dm_status dm_auth_check_token(dm_store *store, const char *token, int64_t now,
                              char out_user[DM_USER_NAME_MAX], dm_role *out_role, dm_error *err);

/* Logs in: checks name and password and issues a token (as
 * dm_auth_issue_token), without back-off (dm_auth_login_attempt has it). An unknown user is checked
 * against a dummy hash, so the answer takes as long whether or not the user exists; unknown,
 * disabled and wrong password are the same DM_EINVAL "wrong user name or password". A hash made
 * with older limits is replaced on success, and the expired tokens of every user are deleted
 * (logged as "expire" by "demine"). */
dm_status dm_auth_login(dm_store *store, const char *name, const char *password,
                        int64_t ttl_seconds, char out_token[DM_AUTH_TOKEN_LEN + 1], dm_error *err);

/* ---- failed logins: back-off ----
 * Failed logins are counted per user name (whether or not the user exists)
 * and per client address (an IPv6 address by its /64), in the store, so
 * that every server on a database agrees. From the user_failures-th failure
 * of a name (address_failures-th of an address) on, each failure makes the
 * next login of that name (address) wait: first_wait seconds, doubled at
 * each further failure, at most max_wait. A login during a wait is refused
 * without its password being checked (no answer says whether it was right)
 * and is not counted. A success clears the user name's count (not the
 * address's); counts are forgotten DM_AUTH_FORGET seconds after the last
 * failure, or cleared by `demine user unlock`. A name that cannot be a user
 * name is counted against the address only. */

#define DM_AUTH_FORGET 86400 /* seconds: failures are forgotten a day after the last */

typedef struct dm_auth_limits {
    int user_failures;    /* failures of one user name before logins wait: 5 */
    int address_failures; /* failures from one client address: 20 */
    int first_wait;       /* seconds: 1 */
    int max_wait;         /* seconds: 900 (15 minutes) */
} dm_auth_limits;

/* The limits above. */
void dm_auth_limits_default(dm_auth_limits *l);

/* Checks limits (each at least 1, first_wait <= max_wait <= one day):
 * DM_EINVAL saying which is wrong. */
dm_status dm_auth_limits_check(const dm_auth_limits *l, dm_error *err);

/* The key under which failures from `address` (the text of an IPv4 or IPv6
 * address) are counted: IPv4 as it is, IPv6 by its /64 ("2001:db8:1:2::/64"),
 * an IPv4-mapped IPv6 address as the IPv4. False (out "") when address is
 * not an IP address. */
bool dm_auth_address_key(const char *address, char out[DM_LOGIN_KEY_MAX]);

/* What dm_auth_password_attempt did, for the server's answer and log. */
typedef struct dm_auth_outcome {
    int64_t retry_after;      /* > 0: refused during a wait, the password not checked;
                                 seconds until the wait ends */
    int64_t user_failures;    /* the name's failures after this attempt (0: not counted) */
    int64_t address_failures; /* the address's failures after this attempt */
    int64_t locked_until;     /* this failure started a wait until then (Unix seconds); 0 */
    char address_key[DM_LOGIN_KEY_MAX]; /* the address as counted, or "" */
} dm_auth_outcome;

/* Checks name and password at time `now` (Unix seconds) with the back-off
 * of `lim` (NULL: none) for a client at `address` (NULL: not counted per
 * address). DM_OK: *out is the user (enabled, with a role demine knows), and
 * the name's failures are cleared. DM_EINVAL: refused — during a wait
 * (oc->retry_after > 0, "too many failed logins: try again in N seconds"),
 * else "wrong user name or password", the same whether or not the user
 * exists, the failure counted. A store failure keeps its status (nothing
 * is let in). Opens its own transactions on store (writable when lim is
 * given): never inside one. */
dm_status dm_auth_password_attempt(dm_store *store, const char *name, const char *password,
                                   const char *address, const dm_auth_limits *lim, int64_t now,
                                   dm_user *out, dm_auth_outcome *oc, dm_error *err);

/* dm_auth_login with the back-off of dm_auth_password_attempt (oc may be
 * NULL). */
dm_status dm_auth_login_attempt(dm_store *store, const char *name, const char *password,
                                const char *address, const dm_auth_limits *lim, int64_t now,
                                int64_t ttl_seconds, char out_token[DM_AUTH_TOKEN_LEN + 1],
                                dm_auth_outcome *oc, dm_error *err);

/* Clears the failed logins of `key` (a user name or an address key, both
 * scopes), logged as "unlock" by who; *n (may be NULL) is how many counts
 * went (0 or more: DM_OK either way). One transaction. */
dm_status dm_auth_unlock(dm_store *store, const char *key, const char *who, int64_t *n,
                         dm_error *err);

/* Revokes one token (logs out). An unknown token is DM_EINVAL "invalid token". */
dm_status dm_auth_logout(dm_store *store, const char *token, dm_error *err);

/* ---- managing users (each one transaction, logged with `who`) ---- */

/* Adds user `name` with `role` (an assignable role name: not anonymous) and
 * a password that passes the rules. An existing name is DM_ECONFLICT. */
dm_status dm_auth_user_add(dm_store *store, const char *name, const char *role,
                           const char *password, const char *who, dm_error *err);

/* Sets a new password (rules as for add) and revokes the user's tokens. */
dm_status dm_auth_user_passwd(dm_store *store, const char *name, const char *password,
                              const char *who, dm_error *err);

/* Gives the user another role (an assignable role name); tokens stay valid
 * and carry the new role from the next request. */
dm_status dm_auth_user_set_role(dm_store *store, const char *name, const char *role,
                                const char *who, dm_error *err);

/* Disables the user (or enables again when `disabled` is false). Disabling
 * revokes every token of the user. */
dm_status dm_auth_user_set_disabled(dm_store *store, const char *name, bool disabled,
                                    const char *who, dm_error *err);

#endif
