/* Users, passwords, tokens and the role matrix: server/auth.h, server/authz.h
 * and the users and tokens of the store (schema version 3). */
#include "fixture.h"
#include "harness.h"

#include "server/auth.h"
#include "server/authz.h"
#include "server/internal.h"
#include "store/gpkg_internal.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <time.h>

static dm_store *s;

static int64_t scalar_at(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static int64_t scalar(const char *sql) { return scalar_at(fx_db, sql); }

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* Rows of the change log or the tokens that hold `text` anywhere. */
static int64_t stored_anywhere(const char *text)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM demine_change_log WHERE instr(at || who || action ||"
             " kind || code || version || coalesce(detail, ''), '%1$s') > 0) + (SELECT count(*)"
             " FROM demine_tokens WHERE instr(hash || user_name, '%1$s') > 0) + (SELECT count(*)"
             " FROM demine_users WHERE instr(name || role || password_hash, '%1$s') > 0)",
             text);
    return scalar(sql);
}

static const char pw_amina[] = "mines are not toys 1";

/* ---- passwords ---- */

TEST(a_password_hash_verifies_and_a_wrong_password_does_not)
{
    dm_error err;
    char h[DM_PASSWORD_HASH_MAX];
    CHECK(dm_auth_hash_password("correct horse battery", h, &err) == DM_OK);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(strstr(h, "correct") == NULL);
    CHECK(dm_auth_verify_password(h, "correct horse battery"));
    CHECK(!dm_auth_verify_password(h, "correct horse batterY"));
    CHECK(!dm_auth_verify_password(h, ""));
    CHECK(!dm_auth_verify_password("not a hash", "correct horse battery"));
    CHECK(!dm_auth_verify_password(NULL, "x"));
    CHECK(!dm_auth_needs_rehash(h));
    /* the same password hashes differently each time (a random salt) */
    char h2[DM_PASSWORD_HASH_MAX];
    CHECK(dm_auth_hash_password("correct horse battery", h2, &err) == DM_OK);
    CHECK(strcmp(h, h2) != 0);
}

TEST(weaker_or_other_hashes_need_a_rehash)
{
    char weak[crypto_pwhash_STRBYTES];
    CHECK(crypto_pwhash_str_alg(weak, "correct horse battery", 21, crypto_pwhash_OPSLIMIT_MIN,
                                crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13) == 0);
    CHECK(dm_auth_verify_password(weak, "correct horse battery"));
    CHECK(dm_auth_needs_rehash(weak));
    char argon2i[crypto_pwhash_STRBYTES];
    CHECK(crypto_pwhash_str_alg(
              argon2i, "correct horse battery", 21, crypto_pwhash_argon2i_OPSLIMIT_INTERACTIVE,
              crypto_pwhash_argon2i_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2I13) == 0);
    CHECK(dm_auth_verify_password(argon2i, "correct horse battery"));
    CHECK(dm_auth_needs_rehash(argon2i));
    CHECK(dm_auth_needs_rehash("garbage"));
}

TEST(password_rules_say_what_is_wrong)
{
    dm_error err;
    CHECK(dm_auth_check_password_rules("amina", "twelve chars", &err) == DM_OK);
    CHECK(dm_auth_check_password_rules("amina", "eleven char", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "at least 12 characters") != NULL);
    CHECK(strstr(err.msg, "eleven") == NULL);
    CHECK(dm_auth_check_password_rules("amina", "", &err) == DM_EINVAL);
    CHECK(dm_auth_check_password_rules("amina", NULL, &err) == DM_EINVAL);
    /* characters, not bytes: 12 two-byte letters pass, 11 do not */
    CHECK(dm_auth_check_password_rules("amina", "ččččččććććđđ", &err) == DM_OK);
    CHECK(dm_auth_check_password_rules("amina", "ččččččććććđ", &err) == DM_EINVAL);
    CHECK(dm_auth_check_password_rules("amina.hodzic", "Amina.Hodzic", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "user name") != NULL);
    CHECK(dm_auth_check_password_rules("amina", "tab\there password", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "control character") != NULL);
    CHECK(dm_auth_check_password_rules("amina", "bad \xff utf-8 text", &err) == DM_EINVAL);
    char longpw[DM_AUTH_PASSWORD_MAX + 2];
    memset(longpw, 'x', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = 0;
    CHECK(dm_auth_check_password_rules("amina", longpw, &err) == DM_EINVAL);
    longpw[DM_AUTH_PASSWORD_MAX] = 0;
    CHECK(dm_auth_check_password_rules("amina", longpw, &err) == DM_OK);
}

/* ---- users in the store ---- */

TEST(users_are_added_once_and_their_changes_logged_without_hashes)
{
    dm_error err;
    CHECK(dm_auth_user_add(s, "amina", "approver", pw_amina, "admin", &err) == DM_OK);
    CHECK(dm_auth_user_add(s, "amina", "viewer", pw_amina, "admin", &err) == DM_ECONFLICT);
    CHECK(strstr(err.msg, "already exists") != NULL);
    CHECK(dm_auth_user_add(s, "bob", "boss", "long enough password", "admin", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "viewer, analyst, editor, approver, admin") != NULL);
    CHECK(dm_auth_user_add(s, "bob", "anonymous", "long enough password", "admin", &err) ==
          DM_EINVAL);
    CHECK(dm_auth_user_add(s, "bob", "viewer", "short", "admin", &err) == DM_EINVAL);
    CHECK(dm_auth_user_add(s, "-bob", "viewer", "long enough password", "admin", &err) ==
          DM_EINVAL);
    CHECK(dm_auth_user_add(s, "bob smith", "viewer", "long enough password", "admin", &err) ==
          DM_EINVAL);
    CHECK(dm_auth_user_add(s, "bob", "viewer", "long enough password", "admin", &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_users"), 2);
    dm_user u;
    CHECK(dm_store_user_get(s, "amina", &u, &err) == DM_OK);
    CHECK_STR(u.role, "approver");
    CHECK(!u.disabled);
    CHECK_EQ_INT(u.version, 1);
    CHECK(dm_auth_verify_password(u.password_hash, pw_amina));
    CHECK(dm_store_user_get(s, "nobody", &u, &err) == DM_ENOTFOUND);
    CHECK(dm_auth_user_set_role(s, "bob", "editor", "admin", &err) == DM_OK);
    CHECK(dm_auth_user_set_role(s, "bob", "editor", "admin", &err) == DM_OK); /* no change */
    CHECK(dm_auth_user_set_role(s, "nobody", "editor", "admin", &err) == DM_ENOTFOUND);
    CHECK(dm_auth_user_passwd(s, "bob", "another long password", "admin", &err) == DM_OK);
    CHECK(dm_auth_user_passwd(s, "bob", "bob", "admin", &err) == DM_EINVAL);
    CHECK(dm_auth_user_set_disabled(s, "bob", true, "admin", &err) == DM_OK);
    CHECK(dm_store_user_get(s, "bob", &u, &err) == DM_OK);
    CHECK(u.disabled);
    CHECK_STR(u.role, "editor");
    CHECK_EQ_INT(u.version, 4);
    CHECK(dm_auth_verify_password(u.password_hash, "another long password"));
    CHECK(dm_auth_user_set_disabled(s, "bob", false, "admin", &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE kind = 'user' AND code ="
                        " 'bob' AND who = 'admin'"),
                 5);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE kind = 'user' AND code ="
                        " 'bob' AND action = 'update' AND version = 2 AND detail ="
                        " 'role viewer -> editor'"),
                 1);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE detail ="
                        " 'password hash replaced' AND code = 'bob' AND version = 3"),
                 1);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE detail = 'enabled'"), 1);
    /* never a password or a hash */
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE detail LIKE '%argon%'"), 0);
    CHECK_EQ_INT(stored_anywhere("another long password"), 0);
    CHECK_EQ_INT(stored_anywhere(pw_amina), 0);
}

static int collect_users(const dm_user *u, void *ctx)
{
    char *out = ctx;
    size_t used = strlen(out);
    snprintf(out + used, 256 - used, "%s:%s:%d:%s;", u->name, u->role, u->disabled,
             u->password_hash);
    return 0;
}

TEST(the_list_of_users_holds_no_hashes)
{
    dm_error err;
    char got[256] = "";
    CHECK(dm_store_user_list(s, collect_users, got, &err) == DM_OK);
    CHECK_STR(got, "amina:approver:0:;bob:editor:0:;");
}

TEST(the_store_keeps_only_hashes_and_only_in_a_transaction)
{
    dm_error err;
    dm_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "carol");
    snprintf(u.role, sizeof u.role, "viewer");
    snprintf(u.password_hash, sizeof u.password_hash, "plain text password");
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(dm_store_user_put(s, &u, DM_USER_ADD, "admin", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "hashed") != NULL);
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
    CHECK(dm_store_user_put(s, &u, DM_USER_REPLACE, "admin", &err) == DM_ENOTFOUND);
    CHECK(dm_store_user_put(s, &u, DM_USER_ADD, "", &err) == DM_EINVAL);
    snprintf(u.role, sizeof u.role, "Viewer");
    CHECK(dm_store_user_put(s, &u, DM_USER_ADD, "admin", &err) == DM_EINVAL);
    dm_token t;
    memset(&t, 0, sizeof t);
    snprintf(t.user, sizeof t.user, "nobody");
    memset(t.hash, 'a', DM_TOKEN_HASH_MAX - 1);
    t.created_at = 1;
    t.expires_at = 2;
    CHECK(dm_store_token_put(s, &t, "nobody", &err) == DM_ENOTFOUND);
    snprintf(t.user, sizeof t.user, "amina");
    snprintf(t.hash, sizeof t.hash, "a-token-as-it-is");
    CHECK(dm_store_token_put(s, &t, "amina", &err) == DM_EINVAL);
    dm_store_rollback(s);
    snprintf(u.role, sizeof u.role, "viewer");
    CHECK(dm_store_user_put(s, &u, DM_USER_ADD, "admin", &err) == DM_EINTERNAL);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_users WHERE name = 'carol'"), 0);
}

/* ---- tokens ---- */

static bool base64url(const char *t)
{
    for (; *t; t++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *t))
            return false;
    return true;
}

TEST(a_token_is_random_kept_as_a_hash_and_expires)
{
    dm_error err;
    char tok[DM_AUTH_TOKEN_LEN + 1], tok2[DM_AUTH_TOKEN_LEN + 1];
    int64_t t0 = (int64_t)time(NULL);
    CHECK(dm_auth_issue_token(s, "amina", 60, tok, &err) == DM_OK);
    CHECK(dm_auth_issue_token(s, "amina", 60, tok2, &err) == DM_OK);
    CHECK_EQ_INT(strlen(tok), DM_AUTH_TOKEN_LEN);
    CHECK(base64url(tok));
    CHECK(strcmp(tok, tok2) != 0);
    /* the store has the hash, never the token */
    CHECK_EQ_INT(stored_anywhere(tok), 0);
    char h[DM_TOKEN_HASH_MAX];
    dm_auth_token_hash(tok, h);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM demine_tokens WHERE hash = '%s'", h);
    CHECK_EQ_INT(scalar(sql), 1);
    CHECK_EQ_INT(stored_anywhere(h), 1); /* in demine_tokens only, not in the log */
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE action = 'token' AND"
                        " code = 'amina' AND who = 'amina' AND detail LIKE 'token issued,"
                        " expires 20%Z'"),
                 2);
    char user[DM_USER_NAME_MAX];
    dm_role role = DM_ROLE_ADMIN;
    CHECK(dm_auth_check_token(s, tok, t0, user, &role, &err) == DM_OK);
    CHECK_STR(user, "amina");
    CHECK(role == DM_ROLE_APPROVER);
    /* an injected clock: valid until the last second, refused from expiry on */
    dm_token t;
    CHECK(dm_store_token_get(s, h, &t, &err) == DM_OK);
    CHECK(t.expires_at - t.created_at == 60);
    CHECK(dm_auth_check_token(s, tok, t.expires_at - 1, user, &role, &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, t.expires_at, user, &role, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "expired") != NULL);
    CHECK_STR(user, "");
    CHECK(role == DM_ROLE_ANONYMOUS);
    CHECK(dm_auth_check_token(s, tok, t.expires_at + 86400, user, &role, &err) == DM_EINVAL);
    /* the expired ones go, logged per user */
    int64_t n = -1;
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(dm_store_token_delete_expired(s, t0 - 10, "server", &n, &err) == DM_OK);
    CHECK_EQ_INT(n, 0);
    CHECK(dm_store_token_delete_expired(s, t.expires_at + 5, "server", &n, &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_tokens"), 0);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE action = 'expire' AND"
                        " code = 'amina' AND who = 'server' AND detail = '2 tokens expired'"),
                 1);
    CHECK(dm_auth_check_token(s, tok2, t0, user, &role, &err) == DM_EINVAL);
    /* bad lifetimes */
    CHECK(dm_auth_issue_token(s, "amina", 0, tok, &err) == DM_EINVAL);
    CHECK(dm_auth_issue_token(s, "amina", DM_AUTH_TTL_MAX + 1, tok, &err) == DM_EINVAL);
    CHECK(dm_auth_issue_token(s, "nobody", 60, tok, &err) == DM_ENOTFOUND);
    CHECK_STR(tok, "");
}

TEST(unknown_and_malformed_tokens_are_refused)
{
    dm_error err;
    char user[DM_USER_NAME_MAX];
    dm_role role;
    int64_t now = (int64_t)time(NULL);
    const char *bad[] = {
        "",
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* well-formed, never issued */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* padding */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
        "' OR 1=1 --AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(dm_auth_check_token(s, bad[i], now, user, &role, &err) == DM_EINVAL);
        CHECK(strstr(err.msg, "invalid token") != NULL);
    }
    CHECK(dm_auth_check_token(s, NULL, now, user, &role, &err) == DM_EINVAL);
    CHECK(dm_auth_logout(s, bad[2], &err) == DM_EINVAL);
}

TEST(disabling_a_user_or_a_new_password_ends_their_tokens)
{
    dm_error err;
    char tok[DM_AUTH_TOKEN_LEN + 1], user[DM_USER_NAME_MAX];
    dm_role role;
    int64_t now = (int64_t)time(NULL);
    CHECK(dm_auth_issue_token(s, "bob", 3600, tok, &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_OK);
    CHECK(role == DM_ROLE_EDITOR);
    /* a new role counts from the next request */
    CHECK(dm_auth_user_set_role(s, "bob", "analyst", "admin", &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_OK);
    CHECK(role == DM_ROLE_ANALYST);
    /* disabled: refused even if the token were still kept */
    CHECK_EQ_INT(raw_exec(fx_db, "UPDATE demine_users SET disabled = 1 WHERE name = 'bob'"),
                 SQLITE_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_EINVAL);
    char none[DM_AUTH_TOKEN_LEN + 1] = "x";
    CHECK(dm_auth_issue_token(s, "bob", 60, none, &err) == DM_EINVAL);
    CHECK_STR(none, "");
    CHECK_EQ_INT(raw_exec(fx_db, "UPDATE demine_users SET disabled = 0 WHERE name = 'bob'"),
                 SQLITE_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_OK);
    /* a role demine does not know (edited by hand) is refused */
    CHECK_EQ_INT(raw_exec(fx_db, "UPDATE demine_users SET role = 'root' WHERE name = 'bob'"),
                 SQLITE_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_EINVAL);
    CHECK_EQ_INT(raw_exec(fx_db, "UPDATE demine_users SET role = 'anonymous' WHERE name = 'bob'"),
                 SQLITE_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_EINVAL);
    CHECK_EQ_INT(raw_exec(fx_db, "UPDATE demine_users SET role = 'analyst' WHERE name = 'bob'"),
                 SQLITE_OK);
    /* disabling through demine revokes them */
    CHECK(dm_auth_user_set_disabled(s, "bob", true, "admin", &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_tokens WHERE user_name = 'bob'"), 0);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE action = 'revoke' AND"
                        " code = 'bob' AND detail = '1 token revoked'"),
                 1);
    CHECK(dm_auth_user_set_disabled(s, "bob", false, "admin", &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_EINVAL);
    /* a new password revokes them too */
    CHECK(dm_auth_issue_token(s, "bob", 3600, tok, &err) == DM_OK);
    CHECK(dm_auth_user_passwd(s, "bob", "a third long password", "admin", &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_EINVAL);
    /* and logging out revokes one */
    CHECK(dm_auth_issue_token(s, "bob", 3600, tok, &err) == DM_OK);
    CHECK(dm_auth_logout(s, tok, &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, now, user, &role, &err) == DM_EINVAL);
    CHECK(dm_auth_logout(s, tok, &err) == DM_EINVAL);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE action = 'revoke' AND"
                        " code = 'bob' AND who = 'bob' AND detail = 'token revoked'"),
                 1);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

TEST(login_gives_a_token_and_refuses_alike_whatever_is_wrong)
{
    dm_error err;
    char tok[DM_AUTH_TOKEN_LEN + 1], user[DM_USER_NAME_MAX];
    dm_role role;
    CHECK(dm_auth_login(s, "amina", pw_amina, 600, tok, &err) == DM_OK);
    CHECK(dm_auth_check_token(s, tok, (int64_t)time(NULL), user, &role, &err) == DM_OK);
    CHECK_STR(user, "amina");
    char msg_wrong[DM_ERROR_MSG_MAX], msg_unknown[DM_ERROR_MSG_MAX];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(dm_auth_login(s, "amina", "not her password", 600, tok, &err) == DM_EINVAL);
    double known = seconds_since(&t0);
    snprintf(msg_wrong, sizeof msg_wrong, "%s", err.msg);
    CHECK_STR(tok, "");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(dm_auth_login(s, "nobody", "not her password", 600, tok, &err) == DM_EINVAL);
    double unknown = seconds_since(&t0);
    snprintf(msg_unknown, sizeof msg_unknown, "%s", err.msg);
    CHECK_STR(msg_unknown, msg_wrong);
    CHECK(dm_auth_login(s, "no such name!", "not her password", 600, tok, &err) == DM_EINVAL);
    CHECK_STR(err.msg, msg_wrong);
    /* an unknown user costs an Argon2id check too (a loose bound: timing
       on a shared machine varies) */
    CHECK(unknown > known / 4);
    CHECK(dm_auth_user_set_disabled(s, "amina", true, "admin", &err) == DM_OK);
    CHECK(dm_auth_login(s, "amina", pw_amina, 600, tok, &err) == DM_EINVAL);
    CHECK_STR(err.msg, msg_wrong);
    CHECK(dm_auth_user_set_disabled(s, "amina", false, "admin", &err) == DM_OK);
    CHECK(dm_auth_login(s, "amina", pw_amina, 0, tok, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "token lives") != NULL);
}

TEST(a_login_clears_the_expired_tokens_of_everyone)
{
    dm_error err;
    char tok[DM_AUTH_TOKEN_LEN + 1];
    CHECK(dm_auth_issue_token(s, "amina", 600, tok, &err) == DM_OK);
    CHECK(raw_exec(fx_db, "UPDATE demine_tokens SET expires_at = 1") == SQLITE_OK);
    int64_t before = scalar("SELECT count(*) FROM demine_tokens");
    CHECK(before >= 1);
    CHECK(dm_auth_login(s, "amina", pw_amina, 600, tok, &err) == DM_OK);
    /* the token just issued is the only one left */
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_tokens"), 1);
    /* logged once per user whose tokens went */
    CHECK(scalar("SELECT count(*) FROM demine_change_log WHERE action = 'expire' AND"
                 " who = 'demine' AND code = 'amina'") == 1);
}

TEST(login_replaces_a_weaker_hash)
{
    dm_error err;
    dm_user u;
    CHECK(dm_store_user_get(s, "bob", &u, &err) == DM_OK);
    CHECK(crypto_pwhash_str_alg(u.password_hash, "weakly hashed pw", 16, crypto_pwhash_OPSLIMIT_MIN,
                                crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13) == 0);
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(dm_store_user_put(s, &u, DM_USER_REPLACE, "admin", &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    char tok[DM_AUTH_TOKEN_LEN + 1];
    CHECK(dm_auth_login(s, "bob", "weakly hashed pw", 60, tok, &err) == DM_OK);
    CHECK(dm_store_user_get(s, "bob", &u, &err) == DM_OK);
    CHECK(!dm_auth_needs_rehash(u.password_hash));
    CHECK(dm_auth_verify_password(u.password_hash, "weakly hashed pw"));
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE code = 'bob' AND who ="
                        " 'bob' AND detail = 'password hash replaced'"),
                 1);
}

static void *hash_in_thread(void *arg)
{
    char *out = arg;
    if (dm_auth_init(NULL) == DM_OK)
        dm_auth_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", out);
    return NULL;
}

TEST(auth_starts_once_from_many_threads)
{
    pthread_t th[4];
    char out[4][DM_TOKEN_HASH_MAX];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, hash_in_thread, out[i]) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 1; i < 4; i++)
        CHECK_STR(out[i], out[0]);
    CHECK_EQ_INT(strlen(out[0]), 64);
}

/* ---- the role matrix ---- */

/* Every role against every action, with no kind and with a few kinds; the
 * expected answers are written out, one character per role in the order
 * anonymous, viewer, analyst, editor, approver, admin (1 = allowed). */
static const struct {
    dm_action action;
    const dm_kind *kind;
    const char *expect;
} matrix_cases[] = {
    /* no kind: the bare matrix (read_public = published statistics) */
    {DM_ACT_READ_PUBLIC, NULL, "111111"},
    {DM_ACT_READ, NULL, "011111"},
    {DM_ACT_READ_PERSONAL, NULL, "000011"},
    {DM_ACT_READ_MINEFIELD_RECORDS, NULL, "001011"},
    {DM_ACT_READ_STATISTICS, NULL, "111111"},
    {DM_ACT_WRITE, NULL, "000111"},
    {DM_ACT_WRITE_OTHERS, NULL, "000011"},
    {DM_ACT_APPROVE, NULL, "000011"},
    {DM_ACT_MANAGE_USERS, NULL, "000001"},
    {DM_ACT_READ_AUDIT, NULL, "000011"},
    /* hazards: public by default, so anonymous reads them */
    {DM_ACT_READ_PUBLIC, &dm_kind_hazards, "111111"},
    {DM_ACT_READ, &dm_kind_hazards, "111111"},
    {DM_ACT_READ_PERSONAL, &dm_kind_hazards, "000011"},
    {DM_ACT_READ_MINEFIELD_RECORDS, &dm_kind_hazards, "001011"},
    {DM_ACT_READ_STATISTICS, &dm_kind_hazards, "111111"},
    {DM_ACT_WRITE, &dm_kind_hazards, "000111"},
    {DM_ACT_WRITE_OTHERS, &dm_kind_hazards, "000011"},
    {DM_ACT_APPROVE, &dm_kind_hazards, "000011"},
    {DM_ACT_MANAGE_USERS, &dm_kind_hazards, "000001"},
    {DM_ACT_READ_AUDIT, &dm_kind_hazards, "000011"},
    /* releases: not public by default */
    {DM_ACT_READ_PUBLIC, &dm_kind_releases, "000000"},
    {DM_ACT_READ, &dm_kind_releases, "011111"},
    {DM_ACT_READ_PERSONAL, &dm_kind_releases, "000011"},
    {DM_ACT_READ_MINEFIELD_RECORDS, &dm_kind_releases, "001011"},
    {DM_ACT_READ_STATISTICS, &dm_kind_releases, "111111"},
    {DM_ACT_WRITE, &dm_kind_releases, "000111"},
    {DM_ACT_WRITE_OTHERS, &dm_kind_releases, "000011"},
    {DM_ACT_APPROVE, &dm_kind_releases, "000011"},
    {DM_ACT_MANAGE_USERS, &dm_kind_releases, "000001"},
    {DM_ACT_READ_AUDIT, &dm_kind_releases, "000011"},
    /* victims: readable without personal fields; changed only by who sees them whole */
    {DM_ACT_READ_PUBLIC, &dm_kind_victims, "000000"},
    {DM_ACT_READ, &dm_kind_victims, "011111"},
    {DM_ACT_READ_PERSONAL, &dm_kind_victims, "000011"},
    {DM_ACT_READ_MINEFIELD_RECORDS, &dm_kind_victims, "001011"},
    {DM_ACT_READ_STATISTICS, &dm_kind_victims, "111111"},
    {DM_ACT_WRITE, &dm_kind_victims, "000011"},
    {DM_ACT_WRITE_OTHERS, &dm_kind_victims, "000011"},
    {DM_ACT_APPROVE, &dm_kind_victims, "000011"},
    {DM_ACT_MANAGE_USERS, &dm_kind_victims, "000001"},
    {DM_ACT_READ_AUDIT, &dm_kind_victims, "000011"},
    /* minefield records: restricted to who holds read_minefield_records */
    {DM_ACT_READ_PUBLIC, &dm_kind_minefield_records, "000000"},
    {DM_ACT_READ, &dm_kind_minefield_records, "001011"},
    {DM_ACT_READ_PERSONAL, &dm_kind_minefield_records, "000011"},
    {DM_ACT_READ_MINEFIELD_RECORDS, &dm_kind_minefield_records, "001011"},
    {DM_ACT_READ_STATISTICS, &dm_kind_minefield_records, "111111"},
    {DM_ACT_WRITE, &dm_kind_minefield_records, "000011"},
    {DM_ACT_WRITE_OTHERS, &dm_kind_minefield_records, "000011"},
    {DM_ACT_APPROVE, &dm_kind_minefield_records, "000011"},
    {DM_ACT_MANAGE_USERS, &dm_kind_minefield_records, "000001"},
    {DM_ACT_READ_AUDIT, &dm_kind_minefield_records, "000011"},
    /* accidents: an ordinary collection */
    {DM_ACT_READ_PUBLIC, &dm_kind_accidents, "000000"},
    {DM_ACT_READ, &dm_kind_accidents, "011111"},
    {DM_ACT_READ_PERSONAL, &dm_kind_accidents, "000011"},
    {DM_ACT_READ_MINEFIELD_RECORDS, &dm_kind_accidents, "001011"},
    {DM_ACT_READ_STATISTICS, &dm_kind_accidents, "111111"},
    {DM_ACT_WRITE, &dm_kind_accidents, "000111"},
    {DM_ACT_WRITE_OTHERS, &dm_kind_accidents, "000011"},
    {DM_ACT_APPROVE, &dm_kind_accidents, "000011"},
    {DM_ACT_MANAGE_USERS, &dm_kind_accidents, "000001"},
    {DM_ACT_READ_AUDIT, &dm_kind_accidents, "000011"},
    /* casualty rows are no collection: nobody */
    {DM_ACT_READ, &dm_kind_casualty_rows, "000000"},
    {DM_ACT_WRITE, &dm_kind_casualty_rows, "000000"},
    {DM_ACT_WRITE_OTHERS, &dm_kind_casualty_rows, "000000"},
};

TEST(every_role_against_every_action_and_kind)
{
    for (size_t i = 0; i < sizeof matrix_cases / sizeof matrix_cases[0]; i++) {
        for (int r = 0; r < DM_ROLE_COUNT; r++) {
            char reason[DM_AUTHZ_REASON_MAX];
            bool want = matrix_cases[i].expect[r] == '1';
            bool got = dm_authz_allowed((dm_role)r, matrix_cases[i].action, matrix_cases[i].kind,
                                        NULL, reason);
            if (got != want) {
                fprintf(stderr, "  %s %s on %s: got %d, expected %d (%s)\n",
                        dm_role_name((dm_role)r), dm_action_name(matrix_cases[i].action),
                        matrix_cases[i].kind ? matrix_cases[i].kind->name : "-", got, want, reason);
                t_failed_checks++;
            }
            /* a refusal always says why; an answer yes says nothing */
            CHECK(got ? reason[0] == 0 : reason[0] != 0);
        }
    }
    /* every action appears with no kind, so the bare matrix is covered whole */
    for (int a = 0; a < DM_ACT_COUNT; a++) {
        bool seen = false;
        for (size_t i = 0; i < sizeof matrix_cases / sizeof matrix_cases[0]; i++)
            seen |= matrix_cases[i].action == (dm_action)a && !matrix_cases[i].kind;
        CHECK(seen);
        for (int r = 0; r < DM_ROLE_COUNT; r++)
            CHECK(dm_authz_matrix((dm_role)r, (dm_action)a) ==
                  dm_authz_allowed((dm_role)r, (dm_action)a, NULL, NULL, NULL));
    }
    CHECK(!dm_authz_allowed(DM_ROLE_COUNT, DM_ACT_READ, NULL, NULL, NULL));
    CHECK(!dm_authz_allowed(DM_ROLE_ADMIN, DM_ACT_COUNT, NULL, NULL, NULL));
    CHECK(!dm_authz_allowed((dm_role)-1, DM_ACT_READ, NULL, NULL, NULL));
}

TEST(refusals_say_why_in_words)
{
    char reason[DM_AUTHZ_REASON_MAX];
    CHECK(!dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ, &dm_kind_victims, NULL, reason));
    CHECK(strstr(reason, "log in") != NULL);
    CHECK(strstr(reason, "hazards") != NULL);
    CHECK(!dm_authz_allowed(DM_ROLE_VIEWER, DM_ACT_READ, &dm_kind_minefield_records, NULL, reason));
    CHECK_STR(reason, "the viewer role may not read minefield-records: that needs the right to "
                      "read minefield records (roles that may: analyst, approver, admin)");
    CHECK(!dm_authz_allowed(DM_ROLE_EDITOR, DM_ACT_WRITE, &dm_kind_victims, NULL, reason));
    CHECK(strstr(reason, "personal data") != NULL);
    CHECK(!dm_authz_allowed(DM_ROLE_VIEWER, DM_ACT_WRITE, &dm_kind_hazards, NULL, reason));
    CHECK_STR(reason, "the viewer role may not change hazards (roles that may: editor, approver, "
                      "admin)");
    CHECK(!dm_authz_allowed(DM_ROLE_ANALYST, DM_ACT_READ_PERSONAL, &dm_kind_victims, NULL, reason));
    CHECK_STR(reason,
              "the analyst role may not read personal data (roles that may: approver, admin)");
    CHECK(!dm_authz_allowed(DM_ROLE_APPROVER, DM_ACT_MANAGE_USERS, NULL, NULL, reason));
    CHECK_STR(reason, "the approver role may not manage users (roles that may: admin)");
    CHECK(!dm_authz_allowed(DM_ROLE_ADMIN, DM_ACT_READ_PUBLIC, &dm_kind_releases, NULL, reason));
    CHECK_STR(reason, "releases is not among the public collections (hazards)");
}

TEST(the_public_subset_is_configurable_but_never_personal_or_minefield_records)
{
    dm_error err;
    dm_authz_public pub;
    dm_authz_public_default(&pub);
    CHECK(dm_authz_is_public(&pub, &dm_kind_hazards));
    CHECK(!dm_authz_is_public(&pub, &dm_kind_releases));
    CHECK(dm_authz_public_parse(&pub, " hazards , releases,admin_areas", &err) == DM_OK);
    CHECK_EQ_INT(pub.n, 3);
    CHECK(dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ, &dm_kind_releases, &pub, NULL));
    CHECK(dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ, &dm_kind_admin_areas, &pub, NULL));
    CHECK(!dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ, &dm_kind_accidents, &pub, NULL));
    CHECK(!dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_WRITE, &dm_kind_releases, &pub, NULL));
    CHECK(dm_authz_public_parse(&pub, "hazards,victims", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "personal data") != NULL);
    CHECK(dm_authz_public_parse(&pub, "minefield-records", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "restricted") != NULL);
    CHECK(dm_authz_public_parse(&pub, "hazards,casualties", &err) == DM_EINVAL);
    CHECK(dm_authz_public_parse(&pub, "moon", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "hazards") != NULL);
    CHECK_EQ_INT(pub.n, 3); /* unchanged by a refused list */
    CHECK(dm_authz_public_parse(&pub, "", &err) == DM_OK);
    CHECK_EQ_INT(pub.n, 0);
    CHECK(!dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ, &dm_kind_hazards, &pub, NULL));
    CHECK(dm_authz_allowed(DM_ROLE_VIEWER, DM_ACT_READ, &dm_kind_hazards, &pub, NULL));
    /* a subset made by hand with restricted kinds in it still keeps them closed */
    pub.n = 0;
    pub.kinds[pub.n++] = &dm_kind_victims;
    pub.kinds[pub.n++] = &dm_kind_minefield_records;
    CHECK(!dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ, &dm_kind_victims, &pub, NULL));
    CHECK(!dm_authz_allowed(DM_ROLE_ANONYMOUS, DM_ACT_READ_PUBLIC, &dm_kind_minefield_records, &pub,
                            NULL));
    CHECK(!dm_authz_allowed(DM_ROLE_VIEWER, DM_ACT_READ, &dm_kind_minefield_records, &pub, NULL));
}

TEST(role_names_round_trip)
{
    for (int r = 0; r < DM_ROLE_COUNT; r++) {
        dm_role back;
        CHECK(dm_role_parse(dm_role_name((dm_role)r), &back) && back == (dm_role)r);
        CHECK(dm_role_assignable((dm_role)r) == (r != DM_ROLE_ANONYMOUS));
    }
    dm_role x;
    CHECK(!dm_role_parse("Admin", &x));
    CHECK(!dm_role_parse("", &x));
    CHECK(!dm_role_parse(NULL, &x));
    CHECK(dm_role_name(DM_ROLE_COUNT) == NULL);
    CHECK(dm_action_name(DM_ACT_COUNT) == NULL);
}

TEST(the_matrix_in_the_docs_is_the_matrix_in_the_code)
{
    FILE *f = fopen(DM_SOURCE_DIR "/docs/ARCHITECTURE.md", "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static char doc[1 << 20];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
    static const char begin[] = "<!-- role-matrix: begin (demine user roles) -->\n";
    static const char end[] = "<!-- role-matrix: end -->";
    char *b = strstr(doc, begin), *e = b ? strstr(b, end) : NULL;
    CHECK(b && e);
    if (!b || !e)
        return;
    b += strlen(begin);
    *e = 0;
    dm_buf want;
    dm_buf_init(&want, 0);
    CHECK(dm_authz_matrix_markdown(&want) == DM_OK);
    CHECK_STR(b, want.data);
    dm_buf_free(&want);
}

/* ---- databases from before users ---- */

/* Makes `path` a schema version 2 database: what demine wrote before users. */
static int make_v2(const char *path)
{
    dm_store *o;
    if (dm_store_create(path, "old", &o, NULL))
        return 1;
    dm_store_close(o);
    char sql[8192] = "BEGIN; DROP TABLE demine_users; DROP TABLE demine_tokens;"
                     " DROP TABLE demine_pending; DROP TABLE demine_login_failures;"
                     " DROP TABLE demine_imports; DROP TABLE demine_import_keys;";
    fx_strip_v6(sql, sizeof sql);
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used,
             " UPDATE demine_meta SET value = '2' WHERE key = 'schema_version'; COMMIT;");
    return raw_exec(path, sql) != SQLITE_OK;
}

static int count_user(const dm_user *u, void *ctx)
{
    (void)u;
    (*(int *)ctx)++;
    return 0;
}

static void keep_finding(const dm_finding *f, void *ctx)
{
    fprintf(stderr, "  finding: %s %s\n", f->what, f->detail);
    (*(int *)ctx)++;
}

TEST(a_version_2_database_has_no_users_read_only_and_is_upgraded_for_writing)
{
    dm_error err;
    char path[400];
    snprintf(path, sizeof path, "%s/v2.gpkg", fx_dir);
    CHECK(make_v2(path) == 0);
    dm_store *o;
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_OK);
    dm_user u;
    CHECK(dm_store_user_get(o, "amina", &u, &err) == DM_ENOTFOUND);
    CHECK(strstr(err.msg, "no users yet: run `demine user add") != NULL);
    int n = 0;
    CHECK(dm_store_user_list(o, count_user, &n, &err) == DM_ENOTFOUND);
    CHECK(strstr(err.msg, "no users yet") != NULL);
    char h[DM_TOKEN_HASH_MAX], user[DM_USER_NAME_MAX], tok[DM_AUTH_TOKEN_LEN + 1];
    dm_auth_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", h);
    dm_token t;
    CHECK(dm_store_token_get(o, h, &t, &err) == DM_ENOTFOUND);
    dm_role role;
    CHECK(dm_auth_check_token(o, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, user, &role,
                              &err) == DM_EINVAL);
    CHECK(dm_auth_login(o, "amina", pw_amina, 60, tok, &err) == DM_EINVAL);
    CHECK(dm_auth_user_add(o, "amina", "admin", pw_amina, "me", &err) == DM_EREADONLY);
    int findings = 0;
    CHECK(dm_store_check_integrity(o, keep_finding, &findings, &err) == DM_OK);
    CHECK_EQ_INT(findings, 0);
    dm_store_close(o);
    CHECK_EQ_INT(scalar_at(path, "SELECT value FROM demine_meta WHERE key = 'schema_version'"), 2);
    /* for writing: upgraded in place (to the current version), and users work */
    CHECK(dm_store_open(path, DM_STORE_WRITE, &o, &err) == DM_OK);
    CHECK_EQ_INT(scalar_at(path, "SELECT value FROM demine_meta WHERE key = 'schema_version'"),
                 DM_GPKG_SCHEMA_VERSION);
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                 " ('demine_users', 'demine_tokens')"),
                 2);
    /* internal tables: not layers */
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM gpkg_contents WHERE table_name LIKE"
                                 " 'demine_users' OR table_name LIKE 'demine_tokens'"),
                 0);
    n = 0;
    CHECK(dm_store_user_list(o, count_user, &n, &err) == DM_OK);
    CHECK_EQ_INT(n, 0);
    CHECK(dm_auth_user_add(o, "amina", "admin", pw_amina, "me", &err) == DM_OK);
    CHECK(dm_auth_issue_token(o, "amina", 60, tok, &err) == DM_OK);
    CHECK(dm_auth_check_token(o, tok, (int64_t)time(NULL), user, &role, &err) == DM_OK);
    CHECK(role == DM_ROLE_ADMIN);
    findings = 0;
    CHECK(dm_store_check_integrity(o, keep_finding, &findings, &err) == DM_OK);
    CHECK_EQ_INT(findings, 0);
    dm_store_close(o);
    /* opening it again changes nothing more */
    CHECK(dm_store_open(path, DM_STORE_WRITE, &o, &err) == DM_OK);
    CHECK(dm_store_user_get(o, "amina", &u, &err) == DM_OK);
    dm_store_close(o);
    /* the check sees a users table that went missing */
    CHECK_EQ_INT(raw_exec(path, "DROP TABLE demine_tokens"), SQLITE_OK);
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_OK);
    findings = 0;
    CHECK(dm_store_check_integrity(o, keep_finding, &findings, &err) == DM_OK);
    CHECK_EQ_INT(findings, 1);
    dm_store_close(o);
}

/* ---- failed logins: back-off ---- */

static const char pw_lena[] = "lena has a long password";

static int64_t failures_of(const char *scope, const char *key)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce((SELECT failures FROM demine_login_failures WHERE scope = '%s' AND"
             " key = '%s'), 0)",
             scope, key);
    return scalar(sql);
}

/* One attempt at time now with limits l: the status, and *oc. */
static dm_status attempt(const char *name, const char *pw, const char *addr,
                         const dm_auth_limits *l, int64_t now, dm_auth_outcome *oc)
{
    dm_error err;
    dm_user u;
    return dm_auth_password_attempt(s, name, pw, addr, l, now, &u, oc, &err);
}

TEST(failed_logins_make_later_ones_wait_longer_and_longer)
{
    dm_error err;
    CHECK(dm_auth_user_add(s, "lena", "viewer", pw_lena, "admin", &err) == DM_OK);
    dm_auth_limits l = {
        .user_failures = 3, .address_failures = 100, .first_wait = 10, .max_wait = 35};
    CHECK(dm_auth_limits_check(&l, &err) == DM_OK);
    int64_t t = 1000000;
    dm_auth_outcome oc;
    CHECK(attempt("lena", "wrong password 1", "192.0.2.7", &l, t, &oc) == DM_EINVAL);
    CHECK(oc.retry_after == 0 && oc.user_failures == 1 && oc.address_failures == 1);
    CHECK(attempt("lena", "wrong password 2", "192.0.2.7", &l, t, &oc) == DM_EINVAL);
    CHECK(oc.locked_until == 0);
    CHECK(attempt("lena", "wrong password 3", "192.0.2.7", &l, t, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.locked_until, t + 10); /* the third failure: the first wait */
    /* during the wait, even the right password is refused, unchecked and uncounted */
    CHECK(attempt("lena", pw_lena, "192.0.2.8", &l, t + 9, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.retry_after, 1);
    CHECK_EQ_INT(oc.user_failures, 0);
    CHECK_EQ_INT(failures_of("user", "lena"), 3);
    CHECK(dm_auth_password_attempt(s, "lena", pw_lena, NULL, &l, t + 9, &(dm_user){0}, &oc, &err) ==
          DM_EINVAL);
    CHECK(strstr(err.msg, "too many failed logins: try again in 1 second") != NULL);
    /* each failure after a wait doubles the next, up to the longest */
    CHECK(attempt("lena", "wrong password 4", "192.0.2.7", &l, t + 10, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.locked_until, t + 30);
    CHECK(attempt("lena", "wrong password 5", "192.0.2.7", &l, t + 30, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.locked_until, t + 65); /* 40, at most 35 */
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE kind = 'login' AND"
                        " action = 'lockout' AND code = 'lena'"),
                 3);
    /* after it, the right password: in, and the name's count is cleared */
    CHECK(attempt("lena", pw_lena, "192.0.2.7", &l, t + 65, &oc) == DM_OK);
    CHECK_EQ_INT(failures_of("user", "lena"), 0);
    CHECK_EQ_INT(failures_of("address", "192.0.2.7"), 5); /* not the address's */
    CHECK(stored_anywhere(pw_lena) == 0);
    CHECK(stored_anywhere("wrong password") == 0);
}

TEST(a_user_who_does_not_exist_is_answered_alike)
{
    dm_auth_limits l = {2, 100, 60, 60};
    int64_t t = 2000000;
    const char *names[2] = {"lena", "nobody.here"};
    dm_status st[2][4];
    int64_t retry[2][4];
    char msg[2][4][DM_ERROR_MSG_MAX];
    for (int n = 0; n < 2; n++)
        for (int i = 0; i < 4; i++) {
            dm_error err;
            dm_user u;
            dm_auth_outcome oc;
            st[n][i] = dm_auth_password_attempt(s, names[n], i == 3 && n == 0 ? pw_lena : "wrong!",
                                                "192.0.2.9", &l, t, &u, &oc, &err);
            retry[n][i] = oc.retry_after;
            snprintf(msg[n][i], sizeof msg[n][i], "%s", err.msg);
        }
    for (int i = 0; i < 4; i++) {
        CHECK(st[0][i] == DM_EINVAL && st[1][i] == DM_EINVAL);
        CHECK_EQ_INT(retry[0][i], retry[1][i]);
        CHECK_STR(msg[0][i], msg[1][i]);
    }
    CHECK_EQ_INT(retry[0][2], 60);
    CHECK_EQ_INT(failures_of("user", "nobody.here"), 2);
    /* a name that cannot be a user name counts against the address only */
    dm_auth_outcome oc;
    CHECK(attempt("no such; name", "wrong!", "192.0.2.10", &l, t, &oc) == DM_EINVAL);
    CHECK(oc.user_failures == 0 && oc.address_failures == 1);
    dm_error err;
    CHECK(dm_auth_unlock(s, "lena", "admin", NULL, &err) == DM_OK);
}

TEST(failures_count_per_address_across_users_and_an_ipv6_subscriber_as_one)
{
    dm_auth_limits l = {100, 3, 5, 5};
    int64_t t = 3000000;
    dm_auth_outcome oc;
    CHECK(attempt("anna", "wrong!", "2001:db8:1:2::10", &l, t, &oc) == DM_EINVAL);
    CHECK_STR(oc.address_key, "2001:db8:1:2::/64");
    CHECK(attempt("bert", "wrong!", "2001:db8:1:2:ffff::1", &l, t, &oc) == DM_EINVAL);
    CHECK(attempt("cleo", "wrong!", "2001:db8:1:2::99", &l, t, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.address_failures, 3);
    CHECK_EQ_INT(oc.locked_until, t + 5);
    /* another user's right password from that /64 waits too; from elsewhere it does not */
    CHECK(attempt("lena", pw_lena, "2001:db8:1:2::77", &l, t + 1, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.retry_after, 4);
    CHECK(attempt("lena", pw_lena, "2001:db8:1:3::77", &l, t + 1, &oc) == DM_OK);
    CHECK(attempt("lena", pw_lena, "::ffff:192.0.2.44", &l, t + 1, &oc) == DM_OK);
    CHECK_STR(oc.address_key, "192.0.2.44");
    char key[DM_LOGIN_KEY_MAX];
    CHECK(!dm_auth_address_key("not an address", key) && key[0] == 0);
    /* the admin clears it; the unlock is logged with who */
    int64_t n = 0;
    dm_error err;
    CHECK(dm_auth_unlock(s, "2001:db8:1:2::/64", "admin", &n, &err) == DM_OK);
    CHECK_EQ_INT(n, 1);
    CHECK(attempt("lena", pw_lena, "2001:db8:1:2::77", &l, t + 1, &oc) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE kind = 'login' AND"
                        " action = 'unlock' AND who = 'admin' AND code = '2001:db8:1:2::/64'"),
                 1);
}

TEST(failures_are_shared_by_every_connection_and_forgotten_after_a_day)
{
    dm_auth_limits l = {2, 100, 100, 100};
    int64_t t = 4000000;
    dm_store *other;
    dm_error err;
    CHECK(dm_store_open(fx_db, DM_STORE_WRITE, &other, &err) == DM_OK);
    dm_auth_outcome oc;
    dm_user u;
    CHECK(attempt("lena", "wrong!", NULL, &l, t, &oc) == DM_EINVAL);
    CHECK(dm_auth_password_attempt(other, "lena", "wrong!", NULL, &l, t, &u, &oc, &err) ==
          DM_EINVAL);
    CHECK_EQ_INT(oc.user_failures, 2); /* the other connection counted on */
    CHECK(attempt("lena", pw_lena, NULL, &l, t + 1, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.retry_after, 99);
    dm_store_close(other);
    /* a day after the last failure (and the wait) a count is forgotten */
    CHECK(attempt("lena", "wrong!", NULL, &l, t + 100 + DM_AUTH_FORGET, &oc) == DM_EINVAL);
    CHECK_EQ_INT(oc.user_failures, 1);
    CHECK(attempt("lena", pw_lena, NULL, &l, t + 100 + DM_AUTH_FORGET, &oc) == DM_OK);
    /* without limits (a library call) nothing is counted */
    CHECK(attempt("lena", "wrong!", "192.0.2.1", NULL, t, &oc) == DM_EINVAL);
    CHECK_EQ_INT(failures_of("address", "192.0.2.1"), 0);
    dm_auth_limits bad = {0, 1, 1, 1};
    CHECK(dm_auth_limits_check(&bad, &err) == DM_EINVAL);
    bad = (dm_auth_limits){1, 1, 10, 5};
    CHECK(dm_auth_limits_check(&bad, &err) == DM_EINVAL);
}

/* ---- the Authorization header (login.c) ---- */

static dm_response fresh(void)
{
    dm_response r = {.status = 200, .content_type = "application/json"};
    dm_buf_init(&r.body, 0);
    return r;
}

TEST(basic_is_taken_on_loopback_or_behind_tls_only)
{
    dm_server_opts o = {.location = fx_db, .bind = "127.0.0.1"};
    dm_store *rd;
    dm_error err;
    CHECK(dm_store_open(fx_db, DM_STORE_READ, &rd, &err) == DM_OK);
    dm_request q = {.method = "GET", .path = "/collections", .store = rd, .opts = &o};
    snprintf(q.client, sizeof q.client, "127.0.0.1");
    char header[200], b64[160], cred[100];
    snprintf(cred, sizeof cred, "lena:%s", pw_lena);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)cred, strlen(cred),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(header, sizeof header, "Basic %s", b64);
    dm_response r = fresh();
    CHECK(dm_auth_request(&q, header, &r));
    CHECK_STR(q.user, "lena");
    CHECK(q.role == DM_ROLE_VIEWER);
    CHECK(dm_auth_request(&q, header, &r)); /* remembered */
    CHECK(dm_auth_request(&q, NULL, &r) && q.role == DM_ROLE_ANONYMOUS && !q.user[0]);
    o.bind = "0.0.0.0";
    CHECK(!dm_auth_request(&q, header, &r));
    CHECK_EQ_INT(r.status, 401);
    CHECK(strstr(r.body.data, "--behind-tls") != NULL);
    o.behind_tls = true;
    dm_buf_free(&r.body);
    r = fresh();
    CHECK(dm_auth_request(&q, header, &r));
    CHECK(!dm_auth_request(&q, "Digest x", &r));
    CHECK_EQ_INT(r.status, 401);
    dm_buf_free(&r.body);
    dm_store_close(rd);
}

TEST(a_store_that_fails_during_a_token_check_is_503_not_401)
{
    dm_error err;
    char tok[DM_AUTH_TOKEN_LEN + 1], header[80];
    CHECK(dm_auth_issue_token(s, "lena", 60, tok, &err) == DM_OK);
    snprintf(header, sizeof header, "Bearer %s", tok);
    dm_server_opts o = {.location = fx_db};
    dm_store *rd;
    CHECK(dm_store_open(fx_db, DM_STORE_READ, &rd, &err) == DM_OK);
    dm_request q = {.method = "GET", .path = "/collections", .store = rd, .opts = &o};
    dm_response r = fresh();
    CHECK(dm_auth_request(&q, header, &r) && q.role == DM_ROLE_VIEWER);
    CHECK_EQ_INT(raw_exec(fx_db, "ALTER TABLE demine_tokens RENAME TO tokens_away"), SQLITE_OK);
    CHECK(!dm_auth_request(&q, header, &r));
    CHECK_EQ_INT(r.status, 503);
    CHECK(q.role == DM_ROLE_ANONYMOUS);
    CHECK_EQ_INT(raw_exec(fx_db, "ALTER TABLE tokens_away RENAME TO demine_tokens"), SQLITE_OK);
    dm_buf_free(&r.body);
    r = fresh();
    CHECK(!dm_auth_request(&q, "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r));
    CHECK_EQ_INT(r.status, 401);
    dm_buf_free(&r.body);
    dm_store_close(rd);
}

int main(void)
{
    s = fx_new_store();
    if (!s)
        return 1;
    static const t_case cases[] = {
        T(a_password_hash_verifies_and_a_wrong_password_does_not),
        T(weaker_or_other_hashes_need_a_rehash),
        T(password_rules_say_what_is_wrong),
        T(users_are_added_once_and_their_changes_logged_without_hashes),
        T(the_list_of_users_holds_no_hashes),
        T(the_store_keeps_only_hashes_and_only_in_a_transaction),
        T(a_token_is_random_kept_as_a_hash_and_expires),
        T(unknown_and_malformed_tokens_are_refused),
        T(disabling_a_user_or_a_new_password_ends_their_tokens),
        T(login_gives_a_token_and_refuses_alike_whatever_is_wrong),
        T(login_replaces_a_weaker_hash),
        T(a_login_clears_the_expired_tokens_of_everyone),
        T(auth_starts_once_from_many_threads),
        T(every_role_against_every_action_and_kind),
        T(refusals_say_why_in_words),
        T(the_public_subset_is_configurable_but_never_personal_or_minefield_records),
        T(role_names_round_trip),
        T(the_matrix_in_the_docs_is_the_matrix_in_the_code),
        T(a_version_2_database_has_no_users_read_only_and_is_upgraded_for_writing),
        T(failed_logins_make_later_ones_wait_longer_and_longer),
        T(a_user_who_does_not_exist_is_answered_alike),
        T(failures_count_per_address_across_users_and_an_ipv6_subscriber_as_one),
        T(failures_are_shared_by_every_connection_and_forgotten_after_a_day),
        T(basic_is_taken_on_loopback_or_behind_tls_only),
        T(a_store_that_fails_during_a_token_check_is_503_not_401),
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    fx_done(s);
    return rc;
}
