#include "cli/cli.h"
#include "server/server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "demine serve DATABASE [--bind ADDRESS] [--port N] [--threads N] [--public LIST]\n"
    "             [--quiet]";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
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
    dm_server_opts o = {.bind = "127.0.0.1", .port = 8080, .log = stderr};
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
                   "or Ctrl-C stops it after the requests under way.\n",
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
        } else if (!strcmp(a, "--public") && has_next) {
            o.public_collections = argv[++i];
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
