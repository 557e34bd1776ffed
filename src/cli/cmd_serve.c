#include "analysis/casualties.h"
#include "cli/cli.h"
#include "server/auth.h"
#include "server/server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "demine serve DATABASE [--bind ADDRESS] [--port N] [--threads N] [--public LIST]\n"
    "             [--request-time MS] [--cache-mb N] [--min-cell N] [--ui DIR | --no-ui]\n"
    "             [--basemap URL] [--max-connections N] [--max-connections-per-client N]\n"
    "             [--head-timeout S] [--behind-tls] [--lockout USER,ADDRESS,FIRST,MAX]\n"
    "             [--figures FILE.csv] [--quiet]";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* True when dir holds a built UI (an index.html). */
static bool ui_built(const char *dir)
{
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/index.html", dir);
    return !stat(path, &sb) && S_ISREG(sb.st_mode);
}

/* The built browser UI when --ui is not given: "ui" next to the executable
 * (an installed copy), else the source tree's web/dist (make web). */
static const char *default_ui_dir(void)
{
    static char dir[4200];
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(dir, sizeof dir, "%s/ui", exe);
            if (ui_built(dir))
                return dir;
        }
    }
#ifdef DM_DATA_DIR
    snprintf(dir, sizeof dir, "%s/../web/dist", DM_DATA_DIR);
    if (ui_built(dir))
        return dir;
#endif
    return NULL;
}

static bool whole_number(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

int cmd_serve(int argc, char **argv)
{
    dm_server_opts o = {.bind = "127.0.0.1", .port = 8080, .log = stderr, .cache_bytes = 64u << 20};
    bool no_ui = false;
    const char *figures = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: %s\n\n"
                   "Serves DATABASE as OGC API - Features (landing page, /conformance, /api,\n"
                   "/collections, items with limit, offset, bbox, datetime and property filters)\n"
                   "on http://ADDRESS:N/ (default 127.0.0.1:8080), with a request log on\n"
                   "stderr, and the figures of `demine stats` as JSON under /stats/. Without a\n"
                   "login only the public collections are served: --public LIST (default\n"
                   "hazards; never victims or minefield records). Users (`demine user add`) log\n"
                   "in with POST /auth/token (user=NAME&password=PASSWORD) and send the token as\n"
                   "\"Authorization: Bearer TOKEN\"; their role decides what they read. SIGTERM\n"
                   "or Ctrl-C stops it after the requests under way. A request that takes\n"
                   "longer than --request-time (default 30000 ms) is answered 503. Answers to\n"
                   "item requests are kept (--cache-mb, default 64; 0: none) until the data\n"
                   "behind them changes. Anyone reads the statistics; casualty figures for\n"
                   "roles without the right to personal data (anonymous, viewer, analyst,\n"
                   "editor) leave out groups of fewer than --min-cell casualties (default 3;\n"
                   "1: none) and the groups that would give them away, and take whole years\n"
                   "as date limits. f=xlsx gives the figures as the workbook of --xlsx, and\n"
                   "an items request with f=xlsx its records as a workbook.\n\n"
                   "Reports under /reports/ are those of `demine report` and `demine chart`,\n"
                   "approved records only, dated today, with the same suppression: monthly\n"
                   "?month=YYYY-MM (viewer and up), factsheet?since=DATE (everyone),\n"
                   "hazards/CODE (roles that read minefield records) and\n"
                   "chart/casualties?by=month|year&format=svg|png|pdf (everyone), each with\n"
                   "&lang=en|az|ru (the translations in data/i18n).\n\n"
                   "Planning answers under /plan/ (priority, settlements/{code or name},\n"
                   "forecast) are those of `demine priority`, `demine settlement plan` and\n"
                   "`demine forecast --json`, for every role that reads the collections;\n"
                   "the forecasts use the published figures of --figures FILE.csv (default\n"
                   "data/aze/productivity_and_cost.csv), named by the file's name only.\n\n"
                   "A browser opening http://ADDRESS:N/ gets the map and dashboard (the UI\n"
                   "built from web/ by `make web`; --ui DIR serves another build, --no-ui\n"
                   "none; by default the folder ui next to this program, else the source\n"
                   "tree's web/dist). The UI fetches nothing from outside unless --basemap\n"
                   "gives a raster tile URL such as https://tile.example.org/{z}/{x}/{y}.png.\n\n"
                   "Limits: --threads N request workers (default one per core, plus one; no\n"
                   "class of request - anonymous reads, logged-in reads, writes - may hold\n"
                   "them all); --max-connections N open connections (default 1024);\n"
                   "--max-connections-per-client N per client address (default 32; 0: no\n"
                   "limit, for a server behind a proxy, where every client is the proxy);\n"
                   "--head-timeout S: a request's head must arrive within S seconds of the\n"
                   "connection opening or of its last answer (default 15), and a body at 1\n"
                   "KiB/s or more after 10 s, else the connection is closed.\n\n"
                   "Desktop GIS (QGIS, GDAL) may also log in with the OAuth2 password grant at\n"
                   "/auth/token, or send \"Authorization: Basic\" with every request. Basic is\n"
                   "accepted only when the server listens on a loopback address (127.0.0.0/8)\n"
                   "or --behind-tls says that clients reach it through a TLS proxy; otherwise\n"
                   "it is refused (401), as a password would cross the network readable.\n"
                   "Failed logins make later ones wait: after USER failures of one user name\n"
                   "or ADDRESS failures from one client address, each login waits FIRST\n"
                   "seconds, doubled at each further failure, at most MAX seconds (--lockout,\n"
                   "default 5,20,1,900); a login during a wait is answered 429 with\n"
                   "Retry-After. `demine user lockouts` lists the counts, `demine user unlock`\n"
                   "clears them.\n",
                   usage);
            return EXIT_DONE;
        } else if (!strcmp(a, "--bind") && has_next) {
            o.bind = argv[++i];
        } else if (!strcmp(a, "--port") && has_next) {
            if (!whole_number(argv[++i], 1, 65535, &o.port))
                return cli_usage(usage, "--port needs 1-65535, not '%s'", argv[i]);
        } else if (!strcmp(a, "--threads") && has_next) {
            if (!whole_number(argv[++i], 1, 256, &o.threads))
                return cli_usage(usage, "--threads needs 1-256, not '%s'", argv[i]);
        } else if (!strcmp(a, "--max-connections") && has_next) {
            if (!whole_number(argv[++i], 16, 100000, &o.max_connections))
                return cli_usage(usage, "--max-connections needs 16-100000, not '%s'", argv[i]);
        } else if (!strcmp(a, "--max-connections-per-client") && has_next) {
            if (!whole_number(argv[++i], 0, 100000, &o.max_per_client))
                return cli_usage(usage, "--max-connections-per-client needs 0-100000, not '%s'",
                                 argv[i]);
            if (!o.max_per_client)
                o.max_per_client = -1; /* no limit */
        } else if (!strcmp(a, "--head-timeout") && has_next) {
            if (!whole_number(argv[++i], 1, 3600, &o.head_timeout_s))
                return cli_usage(usage, "--head-timeout needs 1-3600 (s), not '%s'", argv[i]);
        } else if (!strcmp(a, "--cache-mb") && has_next) {
            int mb;
            if (!whole_number(argv[++i], 0, 65536, &mb))
                return cli_usage(usage, "--cache-mb needs 0-65536, not '%s'", argv[i]);
            o.cache_bytes = (size_t)mb << 20;
        } else if (!strcmp(a, "--request-time") && has_next) {
            if (!whole_number(argv[++i], 1, 3600000, &o.request_ms))
                return cli_usage(usage, "--request-time needs 1-3600000 (ms), not '%s'", argv[i]);
        } else if (!strcmp(a, "--min-cell") && has_next) {
            dm_error err;
            if (dm_cas_min_cell_parse(argv[++i], &o.min_cell, &err))
                return cli_usage(usage, "%s", err.msg);
        } else if (!strcmp(a, "--public") && has_next) {
            o.public_collections = argv[++i];
        } else if (!strcmp(a, "--ui") && has_next) {
            o.ui_dir = argv[++i];
            if (!ui_built(o.ui_dir))
                return cli_usage(usage, "--ui %s: no index.html there (build the UI: make web)",
                                 o.ui_dir);
        } else if (!strcmp(a, "--no-ui")) {
            no_ui = true;
        } else if (!strcmp(a, "--basemap") && has_next) {
            o.basemap = argv[++i];
            if (strncmp(o.basemap, "http://", 7) && strncmp(o.basemap, "https://", 8))
                return cli_usage(usage, "--basemap needs an http(s) URL, not '%s'", o.basemap);
        } else if (!strcmp(a, "--behind-tls")) {
            o.behind_tls = true;
        } else if (!strcmp(a, "--lockout") && has_next) {
            dm_auth_limits l;
            char extra;
            dm_error lerr;
            if (sscanf(argv[++i], "%d,%d,%d,%d%c", &l.user_failures, &l.address_failures,
                       &l.first_wait, &l.max_wait, &extra) != 4 ||
                dm_auth_limits_check(&l, &lerr))
                return cli_usage(usage,
                                 "--lockout needs USER,ADDRESS,FIRST,MAX: failures of a user name "
                                 "and of an address before logins wait (at least 1), and the "
                                 "first and longest wait in seconds (1 to 86400), not '%s'",
                                 argv[i]);
            o.login_user_failures = l.user_failures;
            o.login_address_failures = l.address_failures;
            o.login_first_wait = l.first_wait;
            o.login_max_wait = l.max_wait;
        } else if (!strcmp(a, "--figures") && has_next) {
            figures = argv[++i];
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.log = NULL;
        } else if (a[0] == '-') {
            return cli_usage(usage, "unknown option or missing value: %s", a);
        } else if (!o.location) {
            o.location = a;
        } else {
            return cli_usage(usage, "too many arguments: %s", a);
        }
    }
    if (!o.location)
        return cli_usage(usage, "serve needs a DATABASE");
    char fig[1100];
    cli_figures_path(figures, fig, sizeof fig);
    o.figures = fig;
    char i18n[4200];
    cli_i18n_dir(i18n, sizeof i18n);
    o.i18n_dir = i18n;
    if (no_ui)
        o.ui_dir = NULL;
    else if (!o.ui_dir)
        o.ui_dir = default_ui_dir();
    if (o.log && !o.ui_dir)
        fprintf(o.log, "demine: no browser UI (build it with `make web`, or --ui DIR)\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    dm_error err;
    dm_error_clear(&err);
    if (dm_server_run(&o, &stop_requested, &err))
        return cli_fail(&err);
    if (o.log)
        fprintf(o.log, "demine: stopped\n");
    return EXIT_DONE;
}
