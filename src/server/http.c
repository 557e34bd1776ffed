/* The HTTP side of the server: libmicrohttpd with a thread pool, one store
 * connection per worker thread, the raw query string of each request parsed
 * by qs.c, request logs, and problem details for everything that goes
 * wrong before a handler runs. */
#include "server/internal.h"

#include "core/date.h"
#include "server/answers.h"
#include "server/auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* The state of one request across libmicrohttpd's calls. */
typedef struct req_state {
    char *uri; /* the raw URI, with its query */
    struct timespec start;
    size_t body_len;
    bool body_too_big;
    bool started; /* the first call (headers only) has been seen */
    dm_buf body;  /* the request body, up to max_body */
} req_state;

typedef struct server {
    const dm_server_opts *o;
    pthread_key_t store_key;
    pthread_mutex_t log_lock;
    dm_authz_public pub;
    dm_answer_cache *answers; /* NULL when o->cache_bytes is 0 */
} server;

void dm_respond_problem(dm_response *r, int status, const char *title, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    r->status = status;
    r->content_type = "application/problem+json";
    r->etag[0] = 0;
    dm_buf_free(&r->body);
    dm_buf_init(&r->body, 0);
    dm_buf_printf(&r->body, "{\"type\": \"about:blank\", \"status\": %d, \"title\": ", status);
    dm_buf_json_string(&r->body, title);
    dm_buf_puts(&r->body, ", \"detail\": ");
    dm_buf_json_string(&r->body, detail);
    dm_buf_puts(&r->body, "}\n");
}

static void close_store(void *p) { dm_store_close(p); }

/* This worker's store connection, opened on its first request. */
static dm_store *worker_store(server *s, dm_error *err)
{
    dm_store *st = pthread_getspecific(s->store_key);
    if (st)
        return st;
    if (dm_store_open(s->o->location, DM_STORE_READ, &st, err))
        return NULL;
    pthread_setspecific(s->store_key, st);
    return st;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    req_state *rs = calloc(1, sizeof *rs);
    if (rs) {
        rs->uri = strdup(uri ? uri : "");
        dm_buf_init(&rs->body, 0);
        clock_gettime(CLOCK_MONOTONIC, &rs->start);
    }
    return rs;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    req_state *rs = *con_cls;
    if (rs) {
        free(rs->uri);
        dm_buf_free(&rs->body);
        free(rs);
    }
    *con_cls = NULL;
}

static void log_request(server *s, const char *method, const char *uri, int status, size_t bytes,
                        const struct timespec *start)
{
    if (!s->o->log)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms =
        (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
    char at[DM_TIME_ISO_LEN];
    dm_time_now_iso(at);
    pthread_mutex_lock(&s->log_lock);
    fprintf(s->o->log, "%s %s %s %d %zu %.1fms\n", at, method, uri, status, bytes, ms);
    fflush(s->o->log);
    pthread_mutex_unlock(&s->log_lock);
}

static enum MHD_Result send_response(struct MHD_Connection *con, dm_response *r, bool head)
{
    size_t len = r->body.len;
    struct MHD_Response *resp;
    if (head || !len) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        /* the response takes the buffer */
        resp = MHD_create_response_from_buffer(len, r->body.data, MHD_RESPMEM_MUST_FREE);
        dm_buf_init(&r->body, 0);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->etag[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"demine\"");
    char retry[24];
    if (r->retry_after > 0 && snprintf(retry, sizeof retry, "%d", r->retry_after) > 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

bool dm_request_late(const dm_request *q)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > q->deadline.tv_sec ||
           (now.tv_sec == q->deadline.tv_sec && now.tv_nsec > q->deadline.tv_nsec);
}

void dm_respond_late(const dm_request *q, dm_response *r)
{
    dm_respond_problem(r, 503, "Took too long",
                       "the answer would take longer than %d ms: ask for less (a smaller bbox, "
                       "a filter, a lower limit)",
                       q->opts->request_ms > 0 ? q->opts->request_ms : 30000);
}

void dm_respond_denied(const dm_request *q, dm_response *r, const char *reason)
{
    if (q->role == DM_ROLE_ANONYMOUS)
        dm_respond_problem(r, 401, "Login needed", "%s; log in with POST /auth/token", reason);
    else
        dm_respond_problem(r, 403, "Forbidden", "%s", reason);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *con, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    req_state *rs = *con_cls;
    if (!rs)
        return MHD_NO; /* out of memory at the start */
    /* the first call brings the headers only: answering then would make
       libmicrohttpd close the connection (the body may be still to come) */
    if (!rs->started) {
        rs->started = true;
        return MHD_YES;
    }
    /* a body arrives in pieces: keep it up to max_body */
    if (*upload_data_size) {
        rs->body_len += *upload_data_size;
        if (rs->body_len > (s->o->max_body ? s->o->max_body : 8u << 20))
            rs->body_too_big = true;
        else
            dm_buf_append(&rs->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    dm_response r = {.status = 200, .content_type = "application/json"};
    dm_buf_init(&r.body, 0);
    dm_request q;
    memset(&q, 0, sizeof q);
    q.method = method;
    q.path = url;
    q.opts = s->o;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    dm_client_address(ci ? ci->client_addr : NULL, q.client);
    long ms = s->o->request_ms > 0 ? s->o->request_ms : 30000;
    q.deadline.tv_sec = rs->start.tv_sec + ms / 1000;
    q.deadline.tv_nsec = rs->start.tv_nsec + (ms % 1000) * 1000000L;
    if (q.deadline.tv_nsec >= 1000000000L) {
        q.deadline.tv_sec++;
        q.deadline.tv_nsec -= 1000000000L;
    }
    q.accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    bool host_ok = host && *host && strlen(host) < 200 && !strpbrk(host, "\"<>\\ /\r\n");
    snprintf(q.base, sizeof q.base, "http://%s", host_ok ? host : "localhost");
    const char *query = strchr(rs->uri, '?');
    dm_qs qs;
    memset(&qs, 0, sizeof qs);
    dm_error err;
    dm_error_clear(&err);
    bool head = !strcmp(method, "HEAD");
    if (rs->body_too_big) {
        dm_respond_problem(&r, 413, "Request body too large",
                           "the largest body accepted is %zu bytes",
                           s->o->max_body ? s->o->max_body : (size_t)8 << 20);
    } else if (strcmp(method, "GET") && !head && strcmp(method, "POST") && strcmp(method, "PUT") &&
               strcmp(method, "PATCH") && strcmp(method, "DELETE")) {
        dm_respond_problem(&r, 405, "Method not allowed", "%s is not served here", method);
    } else if (query && dm_qs_parse(query + 1, strlen(query + 1), &qs, &err)) {
        dm_respond_problem(&r, 400, "Bad query string", "%s", err.msg);
    } else if (!(q.store = worker_store(s, &err))) {
        dm_respond_problem(&r, 503, "Database unavailable", "the database cannot be opened");
    } else {
        q.qs = &qs;
        q.pub = &s->pub;
        q.body = rs->body.data ? rs->body.data : "";
        q.body_len = rs->body.len;
        q.content_type =
            MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        q.if_match = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
        q.uri = rs->uri;
        q.answers = s->answers;
        const char *authz =
            MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!strcmp(url, "/auth/token"))
            dm_login_handle(&q, authz, &r);
        else if (!dm_auth_request(&q, authz, &r))
            ; /* refused: r says why */
        else if (!dm_ui_handle(&q, &r))
            dm_ogcapi_handle(&q, &r);
    }
    dm_qs_free(&qs);
    if (r.body.status) /* the body could not be built whole */
        dm_respond_problem(&r, 500, "Internal error", "the response could not be built");
    size_t bytes = r.body.len;
    enum MHD_Result ret = send_response(con, &r, head);
    log_request(s, method, rs->uri, r.status, bytes, &rs->start);
    dm_buf_free(&r.body);
    return ret;
}

dm_status dm_server_run(const dm_server_opts *o, volatile sig_atomic_t *stop, dm_error *err)
{
    if (o->port < 1 || o->port > 65535)
        return dm_error_set(err, DM_EINVAL, "port %d is not 1-65535", o->port);
    /* the database must open before the server says it is up */
    dm_store *probe;
    dm_status st = dm_store_open(o->location, DM_STORE_READ, &probe, err);
    if (st)
        return st;
    dm_store_close(probe);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)o->port);
    if (inet_pton(AF_INET, o->bind ? o->bind : "127.0.0.1", &addr.sin_addr) != 1)
        return dm_error_set(err, DM_EINVAL, "--bind %s is not an IPv4 address", o->bind);
    server s;
    memset(&s, 0, sizeof s);
    s.o = o;
    if (pthread_key_create(&s.store_key, close_store))
        return dm_error_set(err, DM_ENOMEM, "cannot set up the workers");
    pthread_mutex_init(&s.log_lock, NULL);
    dm_authz_public_default(&s.pub);
    s.answers = dm_answer_cache_new(o->cache_bytes);
    if (o->public_collections && (st = dm_authz_public_parse(&s.pub, o->public_collections, err))) {
        pthread_key_delete(s.store_key);
        return st;
    }
    if ((st = dm_auth_init(err))) {
        pthread_key_delete(s.store_key);
        return st;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = o->threads > 0 ? (unsigned)o->threads : (unsigned)(cores > 0 ? cores : 2);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO, (uint16_t)o->port, NULL,
        NULL, answer, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(o->max_connections > 0 ? o->max_connections : 256),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s > 0 ? o->timeout_s : 30),
        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, &s, MHD_OPTION_NOTIFY_COMPLETED, completed, &s,
        MHD_OPTION_END);
    if (!d) {
        pthread_key_delete(s.store_key);
        pthread_mutex_destroy(&s.log_lock);
        return dm_error_set(
            err, DM_EIO, "cannot listen on %s:%d: %s", o->bind ? o->bind : "127.0.0.1", o->port,
            errno ? strerror(errno) : "the address is in use or not this machine's");
    }
    if (o->log) {
        fprintf(o->log, "demine serving %s on http://%s:%d/ with %u workers\n", o->location,
                o->bind ? o->bind : "127.0.0.1", o->port, threads);
        fflush(o->log);
    }
    while (!*stop)
        usleep(100 * 1000);
    /* no new connections; those under way finish, then the workers end
       (each closing its store) */
    MHD_quiesce_daemon(d);
    MHD_stop_daemon(d);
    if (s.answers && o->log) {
        uint64_t hits, misses;
        size_t bytes;
        dm_answer_cache_stats(s.answers, &hits, &misses, &bytes);
        fprintf(o->log, "answer cache: %llu answered from it, %llu made, %zu bytes held\n",
                (unsigned long long)hits, (unsigned long long)misses, bytes);
    }
    dm_answer_cache_free(s.answers);
    pthread_key_delete(s.store_key);
    pthread_mutex_destroy(&s.log_lock);
    return DM_OK;
}
