/* What the server's parts share: a request as the handlers see it and the
 * response they fill. Private to src/server. */
#ifndef DM_SERVER_INTERNAL_H
#define DM_SERVER_INTERNAL_H

#include "core/buf.h"
#include "server/authz.h"
#include "server/qs.h"
#include "server/server.h"
#include "store/store.h"

#include <stdbool.h>
#include <time.h>

typedef struct dm_answer_cache dm_answer_cache; /* answers.h */

typedef struct dm_request {
    const char *method; /* "GET", "HEAD", ... */
    const char *path;   /* "/collections/hazards/items" (no query) */
    const dm_qs *qs;    /* the parsed query */
    const char *accept; /* the Accept header, or NULL */
    char base[300];     /* "http://host:port", for links */
    dm_store *store;    /* this worker's connection */
    const dm_server_opts *opts;
    dm_role role;                /* anonymous unless a valid bearer token came */
    char user[DM_USER_NAME_MAX]; /* "" when anonymous */
    const dm_authz_public *pub;  /* the collections anyone may read */
    const char *body;            /* the request body ("" when none), body_len bytes */
    size_t body_len;
    const char *content_type; /* the Content-Type header, or NULL */
    const char *if_match;     /* the If-Match header, or NULL */
    struct timespec deadline; /* CLOCK_MONOTONIC time by which to answer */
    const char *uri;          /* the raw path and query, as sent (NULL: path) */
    dm_answer_cache *answers; /* whole answers kept while the data stands, or NULL */
    char client[64];          /* the client's IP address as text ("" when unknown) */
} dm_request;

typedef struct dm_response {
    int status;               /* HTTP status */
    const char *content_type; /* static string */
    dm_buf body;
    char etag[64];             /* "" = none */
    char location[512];        /* Location header (a created record's URL); "" = none */
    char disposition[160];     /* Content-Disposition header ("attachment; filename=...");
                                  "" = none */
    const char *cache_control; /* static string; NULL = "no-store" */
    char csp[1024];            /* Content-Security-Policy of an HTML page; "" = the
                                  default for data ("default-src 'none'") */
    bool close;                /* close the connection after this answer */
    int retry_after;           /* Retry-After header, seconds; 0 = none */
} dm_response;

/* The limits of a request's head (checked by dm_http_check_head; the
 * connection's memory, DM_HTTP_CONNECTION_MEMORY, holds a head a little
 * over them, so that a head too large is answered by these checks). */
#define DM_HTTP_MAX_URI 8192    /* bytes of the request target */
#define DM_HTTP_MAX_HEAD 32768  /* bytes of target and header fields */
#define DM_HTTP_MAX_HEADERS 100 /* header fields */
#define DM_HTTP_CONNECTION_MEMORY (128u << 10)

typedef struct dm_http_header {
    const char *name, *value;
} dm_http_header;

/* A request's head as libmicrohttpd parsed it; nothing is owned. */
typedef struct dm_http_head {
    const char *method;  /* "GET" ... */
    const char *version; /* "HTTP/1.1" */
    const char *uri;     /* the raw target, with its query */
    const dm_http_header *headers;
    size_t nheaders;
} dm_http_head;

/* The head's checks (head.c): the target's length (414) and the head's
 * size (431); a path that encodes a control byte (400: "/a%00.js" is not
 * "/a"); header names that are not tokens ("Transfer-Encoding :");
 * HTTP/1.1 without exactly one Host; Content-Length that is not one
 * number, or two different ones; Content-Length with Transfer-Encoding,
 * and any Transfer-Encoding but one "chunked" (RFC 9112 6.3). False with r
 * filled (a problem) and *close_after set when the head is refused: the
 * connection is closed after the answer, since where the request ends is
 * not known. */
bool dm_http_check_head(const dm_http_head *h, dm_response *r, bool *close_after);

/* Makes r an RFC 9457 problem (application/problem+json): status, a short
 * title and a detail a client can act on. Never a stack trace or SQL. */
void dm_respond_problem(dm_response *r, int status, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 400 (r filled, false) for a parameter given twice or not in `allowed`
 * (NULL-terminated); with a kind, its non-personal field names are allowed
 * too (property filters). */
bool dm_server_check_params(const dm_request *q, dm_response *r, const char *const *allowed,
                            const dm_kind *k);

/* dm_server_check_params, then f: 400 unless absent or f=json (answers
 * that are JSON only). */
bool dm_server_json_params(const dm_request *q, dm_response *r, const char *const *allowed);

/* The date parameter `name` as YYYY-MM-DD into out ("" when absent); 400
 * (r filled, false) when it is not a date. */
bool dm_server_date_param(const dm_request *q, dm_response *r, const char *name, char out[11]);

/* The whole number parameter `name` into *out (unchanged when absent); 400
 * (r filled, false) when it is not one from lo to hi. */
bool dm_server_long_param(const dm_request *q, dm_response *r, const char *name, long lo, long hi,
                          long *out);

/* True when the caller (q->user) wrote any part of rec since it was last
 * approved, as the change log says (writes.c): it is theirs to see while not
 * approved, rejected ones included. */
bool dm_server_wrote(const dm_request *q, const dm_kind *k, const dm_record *rec);

/* GET /search (search.c): false when q->path is not /search (r untouched). */
bool dm_search_handle(const dm_request *q, dm_response *r);

/* The JSON API for statistics (stats.c): false when q->path is not one of
 * its paths (r untouched). */
bool dm_stats_handle(const dm_request *q, dm_response *r);

/* The smallest group of casualties q's caller may see (analysis/
 * casualties.h): 0 (exact) for roles with read_personal, else the server's
 * --min-cell (default 3). */
int dm_server_min_cell(const dm_request *q);

/* Without the right to personal data, casualty date limits are whole years
 * (since YYYY-01-01, until YYYY-12-31; "" = none): else 400 (r filled,
 * false), so that no two answers differ by a few days' casualties. */
bool dm_server_whole_years(dm_response *r, const char *since, const char *until);

#define DM_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Makes r's body (status 200, content_type) the file that write(path, ctx,
 * err) writes at `path`, a new file named answer.EXT in a private temporary
 * folder (TMPDIR, else /tmp) that is removed afterwards whatever happens.
 * The writer's failure is returned (r untouched). */
typedef dm_status (*dm_file_writer)(const char *path, void *ctx, dm_error *err);
dm_status dm_respond_file(dm_response *r, const char *ext, const char *content_type,
                          dm_file_writer write, void *ctx, dm_error *err);

/* The reports (reports.c): /reports/monthly, /reports/factsheet,
 * /reports/hazards/{code} and /reports/chart/casualties, the documents of
 * `demine report` and `demine chart`. False when q->path is not under
 * /reports/ (r untouched). */
bool dm_reports_handle(const dm_request *q, dm_response *r);

/* The planning answers (plan.c): /plan/priority, /plan/settlements/{id} and
 * /plan/forecast, the JSON of `demine priority`, `demine settlement plan`
 * and `demine forecast` --json. False when q->path is not under /plan/ (r
 * untouched). */
bool dm_plan_handle(const dm_request *q, dm_response *r);

/* Their bounds (also in the OpenAPI document). */
#define DM_PLAN_RUNS_MAX 100000   /* Monte Carlo runs a request may ask for */
#define DM_PLAN_LIMIT_DEFAULT 100 /* ranked hazards per page */
#define DM_PLAN_LIMIT_MAX 10000   /* ... at most */
#define DM_PLAN_BUFFER_MAX 100000 /* metres around a settlement */

/* True when q has run past its deadline (the server's request time): a
 * handler that loops over many records checks it now and then and answers
 * 503 (dm_respond_late). */
bool dm_request_late(const dm_request *q);
void dm_respond_late(const dm_request *q, dm_response *r);

/* Refuses a request the caller may not make: 401 (with WWW-Authenticate)
 * when anonymous, else 403, the reason in the detail. */
void dm_respond_denied(const dm_request *q, dm_response *r, const char *reason);

/* True when q's role may take `action` on no collection in particular
 * (statistics, planning answers); else r is the refusal (as above). */
bool dm_server_allowed(const dm_request *q, dm_response *r, dm_action action);

/* True when the caller reads records that are not approved yet (editors
 * and approvers: those who write or approve records of kind k). */
bool dm_server_sees_drafts(const dm_request *q, const dm_kind *k);

/* Appends rec as a GeoJSON Feature (id = code; properties: code, the
 * kind's fields, state, version, updated_at; personal fields only
 * with_personal); false when the geometry cannot be written. */
bool dm_feature_json(dm_store *store, dm_buf *b, const dm_record *rec, bool with_personal);

/* POST /import/{kind}: a file imported as `demine import` does, the records
 * entering as submitted (imports.c). False when q is not for /import/. */
bool dm_import_handle(const dm_request *q, dm_response *r);

/* OGC API - Features Part 4 and the approval workflow (writes.c): creating,
 * replacing, updating and deleting records, approving and rejecting them,
 * the review queue, a record's history, the caller's role. False when q is
 * not one of its requests (r untouched). */
bool dm_workflow_handle(const dm_request *q, dm_response *r);

/* ---- logins (login.c) ---- */

/* The text of a client's address (IPv4 or IPv6) into out; "" when sa is
 * NULL or of another family. */
struct sockaddr;
void dm_client_address(const struct sockaddr *sa, char out[64]);

/* /auth/token: POST logs in with a form, either user=NAME&password=PW or
 * the OAuth2 password grant (RFC 6749 4.3: grant_type=password&username=
 * NAME&password=PW, errors as in its 5.2); both answer {"access_token",
 * "token_type": "Bearer", "expires_in"}. DELETE with a bearer token in
 * `authorization` (the Authorization header, or NULL) logs out. Failed
 * logins are counted (auth.h back-off): during a wait the answer is 429
 * with Retry-After and the password is not checked. */
void dm_login_handle(const dm_request *q, const char *authorization, dm_response *r);

/* Sets q->user and q->role from `authorization` (the Authorization header,
 * or NULL: anonymous, true): "Bearer TOKEN", or "Basic" user:password where
 * Basic is allowed (q->opts->behind_tls, or a bind address in 127.0.0.0/8),
 * checked as a login (back-off included) unless the same credentials were
 * verified less than DM_BASIC_TTL seconds ago and the user has not changed
 * since. False with r filled when refused: 401 (bad credentials, Basic not
 * allowed here), 429 with Retry-After (a wait), 503 (the database failed). */
bool dm_auth_request(dm_request *q, const char *authorization, dm_response *r);

#define DM_BASIC_TTL 60 /* seconds a verified Basic credential is remembered */

/* The OGC API - Features and JSON API handlers: fills r for q. */
/* Serves the browser UI's static files (static.c). Returns true when it
 * answered the request (r filled), false when the request is not for the UI. */
bool dm_ui_handle(const dm_request *q, dm_response *r);

void dm_ogcapi_handle(const dm_request *q, dm_response *r);

#endif
