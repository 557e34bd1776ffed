/* The demine server: OGC API - Features and a JSON API over one database,
 * on libmicrohttpd.
 *
 * One thread does the network side; a pool of request workers answers
 * the requests, with a queue per class of request (anonymous reads, reads
 * by logged-in users, writes) so that none starves the others; each worker
 * opens its own connection to the store on its first request (WAL lets
 * readers run while one writer writes) and closes it when the server
 * stops. dm_server_run
 * returns when *stop becomes non-zero (a signal handler sets it): the server
 * stops taking connections, lets the requests under way finish, and closes.
 */
#ifndef DM_SERVER_SERVER_H
#define DM_SERVER_SERVER_H

#include "core/error.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct dm_server_opts {
    const char *location;           /* the database */
    const char *bind;               /* address to listen on, "127.0.0.1" */
    int port;                       /* 1..65535 */
    int threads;                    /* request workers; 0 = one per core, plus one */
    int max_connections;            /* open connections; 0 = 1024 (less when the
                                       process may not open that many files) */
    int max_per_client;             /* open connections per client address; 0 = 32,
                                       -1 = no limit (behind a proxy) */
    int timeout_s;                  /* idle connection timeout, seconds; 0 = 30 */
    int head_timeout_s;             /* a request head must arrive whole within this
                                       many seconds of the connection opening or of
                                       its last answer; 0 = 15 */
    size_t max_body;                /* largest request body accepted, bytes; 0 = 8 MiB */
    int max_limit;                  /* largest page of items; 0 = 10000 */
    size_t cache_bytes;             /* answers kept while their data is unchanged
                                       (items pages and items), bytes; 0 = none */
    int request_ms;                 /* time a request may take to answer, ms;
                                       0 = 30000 (then 503) */
    FILE *log;                      /* one line per request, or NULL */
    const char *public_collections; /* "hazards,releases": what anyone may read;
                                       NULL = hazards (never victims or minefield
                                       records, see authz.h) */
    const char *ui_dir;             /* the built browser UI (web/dist), served under
                                       /ui/ and at "/" for browsers; NULL = none */
    int min_cell;                   /* casualty figures for roles without read_personal:
                                       groups of fewer casualties are suppressed
                                       (analysis/casualties.h); 0 = 3, 1 = none */
    const char *basemap;            /* a raster tile URL template for the UI's map
                                       ({z}/{x}/{y}), or NULL: no basemap, the UI
                                       fetches nothing from outside */
    bool behind_tls;                /* clients reach the server through a TLS proxy:
                                       HTTP Basic is accepted whatever the bind
                                       address (else only on 127.0.0.0/8) */
    int login_user_failures;        /* failed logins of one user name before logins
                                       wait; 0 = 5 (server/auth.h) */
    int login_address_failures;     /* ... from one client address; 0 = 20 */
    int login_first_wait;           /* the first wait, seconds; 0 = 1 */
    int login_max_wait;             /* the longest wait, seconds; 0 = 900 */
    const char *i18n_dir;           /* the reports' translation files
                                       (reports.LANG.json, report/i18n.h); NULL =
                                       data/i18n */
    const char *figures;            /* the published productivity and cost figures
                                       the /plan/ forecasts use (a CSV file), or
                                       NULL: none (the answers say why) */
} dm_server_opts;

/* Logins: POST /auth/token with a form body user=NAME&password=PASSWORD or
 * grant_type=password&username=NAME&password=PASSWORD (OAuth2) answers
 * {"access_token", "token_type": "Bearer", "expires_in"}; requests then send
 * "Authorization: Bearer TOKEN". DELETE /auth/token with the header logs
 * out. "Authorization: Basic" is accepted on every request when the server
 * is behind TLS (behind_tls) or bound to a loopback address. Failed logins
 * make later ones wait (server/auth.h). */

/* Serves until *stop is set. DM_EIO when the address cannot be bound (in
 * use, not an address of this machine), with a message saying so. */
dm_status dm_server_run(const dm_server_opts *o, volatile sig_atomic_t *stop, dm_error *err);

#endif
