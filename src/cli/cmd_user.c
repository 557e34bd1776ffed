/* demine user: the people who may log in to a demine server. */
#include "cli/cli.h"
#include "server/auth.h"
#include "server/authz.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char usage[] = "demine user add DATABASE NAME --role ROLE [--password-file FILE]\n"
                            "       demine user passwd DATABASE NAME [--password-file FILE]\n"
                            "       demine user role DATABASE NAME ROLE\n"
                            "       demine user disable|enable DATABASE NAME\n"
                            "       demine user list DATABASE [--json]\n"
                            "       demine user lockouts DATABASE [--json]\n"
                            "       demine user unlock DATABASE NAME|ADDRESS\n"
                            "       demine user roles";

static void help(void)
{
    printf("usage: %s\n\n"
           "Users log in to `demine serve`; each has one role:\n"
           "  viewer    reads every collection but restricted ones, and statistics\n"
           "  analyst   a viewer who also reads minefield records\n"
           "  editor    a viewer who also writes (records enter as submitted); changes or\n"
           "            withdraws only what they wrote\n"
           "  approver  also changes what others wrote, approves or rejects (never what they\n"
           "            wrote any part of), reads personal data, minefield records and the\n"
           "            change log\n"
           "  admin     everything, managing users included\n"
           "`demine user roles` prints the whole matrix.\n\n"
           "The password is read from the terminal with echo off, or from the first line of\n"
           "--password-file FILE, or from standard input when that is not a terminal. It needs\n"
           "at least %d characters and must not be the user name. Passwords are kept only as\n"
           "Argon2id hashes; a new password or disabling a user ends their logins (tokens).\n"
           "Every change is in the change log with who made it, never a password or hash.\n\n"
           "Failed logins are counted per user name and per client address (an IPv6\n"
           "address by its /64); past a few (`demine serve --lockout`, default 5 per name\n"
           "and 20 per address) each login waits, longer after each further failure (at\n"
           "most 15 minutes by default). `lockouts` lists the counts: user or address,\n"
           "failures, the last failure and the end of the wait. `unlock` clears the\n"
           "count of a user name or an address at once (logged); a successful login\n"
           "clears the user's, and a day without failures forgets any.\n",
           usage, DM_AUTH_PASSWORD_MIN);
}

/* ---- reading a password ---- */

#define PW_BUF (DM_AUTH_PASSWORD_MAX + 2)

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

/* Puts the terminal back the way it was before the signal ends us. */
static void restore_tty_and_die(int sig)
{
    if (tty_changed)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads one line from fd into pw (without the line break; a final \r is
 * dropped too). Returns the length, or -1 when the line is longer than
 * DM_AUTH_PASSWORD_MAX, or -2 on a read error. Byte by byte, so that nothing
 * past the line is read and no stdio buffer keeps a copy. */
static int read_line(int fd, char pw[PW_BUF])
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -2;
        if (r == 0 || c == '\n')
            break;
        if (n >= DM_AUTH_PASSWORD_MAX) {
            pw[0] = 0;
            return -1;
        }
        pw[n++] = c;
    }
    if (n && pw[n - 1] == '\r')
        n--;
    pw[n] = 0;
    return (int)n;
}

/* Prompts on the terminal with echo off and reads one line. */
static int read_tty(const char *prompt, char pw[PW_BUF])
{
    fputs(prompt, stderr);
    fflush(stderr);
    struct termios t;
    bool quiet = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    if (quiet) {
        t = saved_tty;
        t.c_lflag &= ~(tcflag_t)ECHO;
        t.c_lflag |= ECHONL;
        tty_changed = 1;
        signal(SIGINT, restore_tty_and_die);
        signal(SIGTERM, restore_tty_and_die);
        signal(SIGHUP, restore_tty_and_die);
        quiet = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
    }
    int n = read_line(STDIN_FILENO, pw);
    if (tty_changed) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_changed = 0;
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
    }
    if (!quiet)
        fputs("\n", stderr);
    return n;
}

/* Gets the new password of `name` into pw: from `file`, else the terminal
 * (asked twice), else standard input. Returns EXIT_DONE or an exit status,
 * with a message. */
static int get_password(const char *file, const char *name, char pw[PW_BUF])
{
    int n;
    pw[0] = 0;
    if (file) {
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "demine: cannot read the password file %s: %s\n", file,
                    strerror(errno));
            return EXIT_ERROR;
        }
        struct stat sb;
        if (fstat(fd, &sb) == 0 && (sb.st_mode & (S_IRWXG | S_IRWXO)))
            fprintf(stderr, "demine: warning: other users can read %s (chmod 600 it)\n", file);
        n = read_line(fd, pw);
        close(fd);
        if (n == -2) {
            fprintf(stderr, "demine: cannot read the password file %s: %s\n", file,
                    strerror(errno));
            return EXIT_ERROR;
        }
        if (n == 0) {
            fprintf(stderr, "demine: the password file %s is empty\n", file);
            return EXIT_ERROR;
        }
    } else if (isatty(STDIN_FILENO)) {
        char prompt[80], again[PW_BUF];
        snprintf(prompt, sizeof prompt, "New password for %s: ", name);
        n = read_tty(prompt, pw);
        if (n > 0) {
            int m = read_tty("The same password again: ", again);
            bool same = m == n && sodium_memcmp(again, pw, (size_t)n) == 0;
            sodium_memzero(again, sizeof again);
            if (!same) {
                sodium_memzero(pw, PW_BUF);
                fprintf(stderr, "demine: the two passwords differ; nothing was changed\n");
                return EXIT_ERROR;
            }
        }
        if (n == 0) {
            fprintf(stderr, "demine: no password typed; nothing was changed\n");
            return EXIT_ERROR;
        }
    } else {
        n = read_line(STDIN_FILENO, pw);
        if (n == 0)
            return cli_usage(usage,
                             "no password: type it at a terminal, give --password-file FILE, or "
                             "pass it on standard input");
    }
    if (n == -1) {
        fprintf(stderr, "demine: the password is too long: at most %d bytes\n",
                DM_AUTH_PASSWORD_MAX);
        return EXIT_ERROR;
    }
    if (n < 0) {
        fprintf(stderr, "demine: cannot read the password: %s\n", strerror(errno));
        return EXIT_ERROR;
    }
    return EXIT_DONE;
}

/* ---- subcommands ---- */

typedef struct args {
    const char *pos[4]; /* positional arguments after the subcommand (3 at most, one more to
                           name in "too many arguments") */
    int npos;
    const char *role;
    const char *password_file;
    bool json;
} args;

/* Parses what follows the subcommand; returns EXIT_DONE or EXIT_USAGE. */
static int parse(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--role") || !strcmp(o, "--password-file")) {
            if (i + 1 >= argc)
                return cli_usage(usage, "%s needs a value", o);
            *(!strcmp(o, "--role") ? &a->role : &a->password_file) = argv[++i];
        } else if (!strncmp(o, "--role=", 7)) {
            a->role = o + 7;
        } else if (!strncmp(o, "--password-file=", 16)) {
            a->password_file = o + 16;
        } else if (!strcmp(o, "--json")) {
            a->json = true;
        } else if (o[0] == '-' && o[1]) {
            return cli_usage(usage, "unknown option: %s", o);
        } else if (a->npos < 4) {
            a->pos[a->npos++] = o;
        } else {
            return cli_usage(usage, "too many arguments: %s", o);
        }
    }
    return EXIT_DONE;
}

static int check_role(const char *role)
{
    dm_role r;
    if (dm_role_parse(role, &r) && dm_role_assignable(r))
        return EXIT_DONE;
    return cli_usage(usage, "'%s' is not a role; the roles are: %s", role, dm_role_list());
}

static int check_name(const char *name)
{
    if (dm_store_user_name_valid(name))
        return EXIT_DONE;
    return cli_usage(usage,
                     "'%s' cannot be a user name: use 1 to %d of the characters A-Z a-z 0-9 . _ "
                     "@ -, starting with a letter or digit",
                     name, DM_USER_NAME_MAX - 1);
}

static int expect(const args *a, int npos, const char *what)
{
    if (a->npos < npos)
        return cli_usage(usage, "%s", what);
    if (a->npos > npos)
        return cli_usage(usage, "too many arguments: %s", a->pos[npos]);
    return EXIT_DONE;
}

static int run_add(const args *a)
{
    int rc = expect(a, 2, "user add needs a DATABASE and a NAME");
    if (!rc && !a->role)
        rc = cli_usage(usage, "user add needs --role ROLE (one of: %s)", dm_role_list());
    if (!rc)
        rc = check_role(a->role);
    if (!rc)
        rc = check_name(a->pos[1]);
    if (rc)
        return rc;
    const char *db = a->pos[0], *name = a->pos[1];
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(db, DM_STORE_WRITE, &store, &err))
        return cli_fail(&err);
    /* before asking for a password: is the name free? */
    dm_user u;
    dm_status st = dm_store_user_get(store, name, &u, &err);
    if (!st) {
        dm_store_close(store);
        fprintf(stderr, "demine: user %s already exists in %s; nothing was changed\n", name, db);
        return EXIT_ERROR;
    }
    if (st != DM_ENOTFOUND) {
        dm_store_close(store);
        return cli_fail(&err);
    }
    char pw[PW_BUF];
    rc = get_password(a->password_file, name, pw);
    if (!rc) {
        st = dm_auth_user_add(store, name, a->role, pw, cli_user(), &err);
        rc = st ? cli_fail(&err) : EXIT_DONE;
    }
    sodium_memzero(pw, sizeof pw);
    dm_store_close(store);
    if (!rc)
        fprintf(stderr, "added user %s (%s) to %s\n", name, a->role, db);
    return rc;
}

static int run_passwd(const args *a)
{
    int rc = expect(a, 2, "user passwd needs a DATABASE and a NAME");
    if (rc)
        return rc;
    const char *db = a->pos[0], *name = a->pos[1];
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(db, DM_STORE_WRITE, &store, &err))
        return cli_fail(&err);
    dm_user u;
    if (dm_store_user_get(store, name, &u, &err)) {
        dm_store_close(store);
        return cli_fail(&err);
    }
    char pw[PW_BUF];
    rc = get_password(a->password_file, name, pw);
    if (!rc && dm_auth_user_passwd(store, name, pw, cli_user(), &err))
        rc = cli_fail(&err);
    sodium_memzero(pw, sizeof pw);
    dm_store_close(store);
    if (!rc)
        fprintf(stderr, "changed the password of %s in %s; their logins ended\n", name, db);
    return rc;
}

static int run_role(const args *a)
{
    int rc = expect(a, 3, "user role needs a DATABASE, a NAME and a ROLE");
    if (!rc)
        rc = check_role(a->pos[2]);
    if (rc)
        return rc;
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(a->pos[0], DM_STORE_WRITE, &store, &err))
        return cli_fail(&err);
    dm_status st = dm_auth_user_set_role(store, a->pos[1], a->pos[2], cli_user(), &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    fprintf(stderr, "%s is %s in %s\n", a->pos[1], a->pos[2], a->pos[0]);
    return EXIT_DONE;
}

static int run_disable(const args *a, bool disable)
{
    int rc = expect(a, 2,
                    disable ? "user disable needs a DATABASE and a NAME"
                            : "user enable needs a DATABASE and a NAME");
    if (rc)
        return rc;
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(a->pos[0], DM_STORE_WRITE, &store, &err))
        return cli_fail(&err);
    dm_status st = dm_auth_user_set_disabled(store, a->pos[1], disable, cli_user(), &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    fprintf(stderr, disable ? "disabled %s in %s; their logins ended\n" : "enabled %s in %s\n",
            a->pos[1], a->pos[0]);
    return EXIT_DONE;
}

typedef struct user_rows {
    dm_user *u;
    size_t n, cap;
    bool oom;
} user_rows;

/* Room for one more item of `size` bytes in *items (n used of *cap),
 * doubling it; false when out of memory (*items is kept). */
static bool room_for_one(void **items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t grown_cap = *cap ? *cap * 2 : 16;
    void *grown = realloc(*items, grown_cap * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = grown_cap;
    return true;
}

static int keep_user(const dm_user *u, void *ctx)
{
    user_rows *r = ctx;
    void *items = r->u;
    bool room = room_for_one(&items, r->n, &r->cap, sizeof *r->u);
    r->u = items;
    if (!room) {
        r->oom = true;
        return 1;
    }
    r->u[r->n++] = *u;
    return 0;
}

static int run_list(const args *a)
{
    int rc = expect(a, 1, "user list needs a DATABASE");
    if (rc)
        return rc;
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(a->pos[0], DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    user_rows rows = {0};
    dm_status st = dm_store_user_list(store, keep_user, &rows, &err);
    dm_store_close(store);
    if (st == DM_ENOTFOUND) { /* a database from before users, read as it is */
        st = DM_OK;
        rows.n = 0;
    } else if (st) {
        free(rows.u);
        return cli_fail(&err);
    }
    if (rows.oom) {
        free(rows.u);
        fprintf(stderr, "demine: out of memory listing users\n");
        return EXIT_ERROR;
    }
    dm_buf b;
    dm_buf_init(&b, 0);
    if (a->json) {
        dm_buf_puts(&b, "{\"users\": [");
        for (size_t i = 0; i < rows.n; i++) {
            dm_buf_puts(&b, i ? ",\n  {\"name\": " : "\n  {\"name\": ");
            dm_buf_json_string(&b, rows.u[i].name);
            dm_buf_puts(&b, ", \"role\": ");
            dm_buf_json_string(&b, rows.u[i].role);
            dm_buf_puts(&b, ", \"created_at\": ");
            dm_buf_json_string(&b, rows.u[i].created_at);
            dm_buf_printf(&b, ", \"disabled\": %s, \"version\": %lld}",
                          rows.u[i].disabled ? "true" : "false", (long long)rows.u[i].version);
        }
        dm_buf_puts(&b, rows.n ? "\n]}\n" : "]}\n");
    } else if (rows.n) {
        int w = 4;
        for (size_t i = 0; i < rows.n; i++)
            if ((int)strlen(rows.u[i].name) > w)
                w = (int)strlen(rows.u[i].name);
        dm_buf_printf(&b, "%-*s  %-8s  %-24s  %s\n", w, "name", "role", "created", "disabled");
        for (size_t i = 0; i < rows.n; i++)
            dm_buf_printf(&b, "%-*s  %-8s  %-24s  %s\n", w, rows.u[i].name, rows.u[i].role,
                          rows.u[i].created_at, rows.u[i].disabled ? "yes" : "no");
    }
    bool ok = !b.status && cli_write_stdout(b.data);
    if (!rows.n && !a->json)
        fprintf(stderr, "%s has no users yet: run `demine user add %s NAME --role ROLE`\n",
                a->pos[0], a->pos[0]);
    dm_buf_free(&b);
    free(rows.u);
    return ok ? EXIT_DONE : EXIT_ERROR;
}

typedef struct lockout_rows {
    dm_login_failures *f;
    size_t n, cap;
    bool oom;
    int64_t now;
} lockout_rows;

static int keep_lockout(const dm_login_failures *f, void *ctx)
{
    lockout_rows *r = ctx;
    /* forgotten already: not counted by any server */
    if (f->last_at < r->now - DM_AUTH_FORGET && f->locked_until <= r->now)
        return 0;
    void *items = r->f;
    bool room = room_for_one(&items, r->n, &r->cap, sizeof *r->f);
    r->f = items;
    if (!room) {
        r->oom = true;
        return 1;
    }
    r->f[r->n++] = *f;
    return 0;
}

/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ". */
static void iso_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "%lld", (long long)t);
}

static int run_lockouts(const args *a)
{
    int rc = expect(a, 1, "user lockouts needs a DATABASE");
    if (rc)
        return rc;
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(a->pos[0], DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    lockout_rows rows = {.now = (int64_t)time(NULL)};
    dm_status st = dm_store_login_failures_list(store, keep_lockout, &rows, &err);
    dm_store_close(store);
    if (st || rows.oom) {
        free(rows.f);
        if (rows.oom)
            fprintf(stderr, "demine: out of memory listing failed logins\n");
        return st ? cli_fail(&err) : EXIT_ERROR;
    }
    dm_buf b;
    dm_buf_init(&b, 0);
    if (a->json) {
        dm_buf_puts(&b, "{\"lockouts\": [");
        for (size_t i = 0; i < rows.n; i++) {
            const dm_login_failures *f = &rows.f[i];
            char last[32], until[32];
            iso_utc(f->last_at, last);
            iso_utc(f->locked_until, until);
            dm_buf_puts(&b, i ? ",\n  {\"scope\": " : "\n  {\"scope\": ");
            dm_buf_json_string(&b, f->scope);
            dm_buf_puts(&b, ", \"key\": ");
            dm_buf_json_string(&b, f->key);
            dm_buf_printf(&b, ", \"failures\": %lld, \"last_failure\": \"%s\", \"locked_until\": ",
                          (long long)f->failures, last);
            if (f->locked_until > rows.now)
                dm_buf_printf(&b, "\"%s\"}", until);
            else
                dm_buf_puts(&b, "null}");
        }
        dm_buf_puts(&b, rows.n ? "\n]}\n" : "]}\n");
    } else if (rows.n) {
        int w = 15;
        for (size_t i = 0; i < rows.n; i++)
            if ((int)strlen(rows.f[i].key) > w)
                w = (int)strlen(rows.f[i].key);
        dm_buf_printf(&b, "%-7s  %-*s  %8s  %-20s  %s\n", "scope", w, "user or address", "failures",
                      "last failure", "locked until");
        for (size_t i = 0; i < rows.n; i++) {
            const dm_login_failures *f = &rows.f[i];
            char last[32], until[32];
            iso_utc(f->last_at, last);
            iso_utc(f->locked_until, until);
            dm_buf_printf(&b, "%-7s  %-*s  %8lld  %-20s  %s\n", f->scope, w, f->key,
                          (long long)f->failures, last, f->locked_until > rows.now ? until : "-");
        }
    }
    bool ok = !b.status && cli_write_stdout(b.data);
    if (!rows.n && !a->json)
        fprintf(stderr, "no failed logins are counted in %s\n", a->pos[0]);
    dm_buf_free(&b);
    free(rows.f);
    return ok ? EXIT_DONE : EXIT_ERROR;
}

static int run_unlock(const args *a)
{
    int rc = expect(a, 2, "user unlock needs a DATABASE and a user NAME or client ADDRESS");
    if (rc)
        return rc;
    const char *db = a->pos[0], *what = a->pos[1];
    char key[DM_LOGIN_KEY_MAX];
    /* an address as the server counts it (an IPv6 address by its /64) */
    if (!dm_auth_address_key(what, key))
        snprintf(key, sizeof key, "%s", what);
    if (!dm_store_login_key_valid(key))
        return cli_usage(usage, "'%s' is neither a user name nor an IP address", what);
    dm_error err;
    dm_error_clear(&err);
    dm_store *store;
    if (dm_store_open(db, DM_STORE_WRITE, &store, &err))
        return cli_fail(&err);
    int64_t n = 0;
    dm_status st = dm_auth_unlock(store, key, cli_user(), &n, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    if (!n) {
        fprintf(stderr,
                "demine: no failed logins are counted for %s in %s; nothing was changed (see "
                "`demine user lockouts %s`)\n",
                key, db, db);
        return EXIT_ERROR;
    }
    fprintf(stderr, "cleared the failed logins of %s in %s; it may log in at once\n", key, db);
    return EXIT_DONE;
}

static int run_roles(const args *a)
{
    if (a->npos)
        return cli_usage(usage, "user roles takes no arguments");
    dm_buf b;
    dm_buf_init(&b, 0);
    bool ok = !dm_authz_matrix_markdown(&b) && cli_write_stdout(b.data);
    dm_buf_free(&b);
    return ok ? EXIT_DONE : EXIT_ERROR;
}

int cmd_user(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(usage, "user needs a subcommand: add, passwd, role, disable, enable, "
                                "list, lockouts, unlock or roles");
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        help();
        return EXIT_DONE;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return EXIT_DONE;
        }
    args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    bool takes_password = !strcmp(sub, "add") || !strcmp(sub, "passwd");
    if (a.password_file && !takes_password)
        return cli_usage(usage, "--password-file is for add and passwd");
    if (a.role && strcmp(sub, "add"))
        return cli_usage(usage, "--role is for add (use `demine user role DB NAME ROLE`)");
    if (a.json && strcmp(sub, "list") && strcmp(sub, "lockouts"))
        return cli_usage(usage, "--json is for list and lockouts");
    if (!strcmp(sub, "add"))
        return run_add(&a);
    if (!strcmp(sub, "passwd"))
        return run_passwd(&a);
    if (!strcmp(sub, "role"))
        return run_role(&a);
    if (!strcmp(sub, "disable") || !strcmp(sub, "enable"))
        return run_disable(&a, !strcmp(sub, "disable"));
    if (!strcmp(sub, "list"))
        return run_list(&a);
    if (!strcmp(sub, "roles"))
        return run_roles(&a);
    if (!strcmp(sub, "lockouts"))
        return run_lockouts(&a);
    if (!strcmp(sub, "unlock"))
        return run_unlock(&a);
    return cli_usage(usage,
                     "unknown subcommand '%s': add, passwd, role, disable, enable, list, "
                     "lockouts, unlock or roles",
                     sub);
}
