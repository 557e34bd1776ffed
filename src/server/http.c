/* The HTTP side of the server: libmicrohttpd for the connections, and a
 * pool of request workers for the answers.
 *
 * One libmicrohttpd thread (epoll) reads and writes every connection; it
 * checks each request's head (head.c), answers the cheap requests itself
 * (/health and the UI's files) and hands every other request to the
 * worker pool, suspending its connection until a worker has the answer.
 * The pool has a queue per class of request (anonymous reads, reads by a
 * logged-in user, writes: logins, imports, edits); a worker takes the next
 * request of the class after the last one it served, and no class may hold
 * every worker, so one class cannot starve the others (four anonymous
 * clients asking for expensive tiles leave a worker for everyone else, and
 * never delay /health). A queue that is full is answered 503 with
 * Retry-After. Each worker opens its own store connection on its first
 * request.
 *
 * Connections are watched (a watcher thread, once a second): one must send
 * a whole request head within --head-timeout seconds of opening or of its
 * last answer, and a body at no less than DM_MIN_BODY_RATE bytes a second
 * after a grace period; one that does not is shut down (slow-loris). At
 * most --max-connections-per-client connections per client address. */
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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIN_BODY_RATE 1024 /* bytes a second a body must arrive at ... */
#define BODY_GRACE_S 10    /* ... after this many seconds */
#define SEND_GRACE_S 30    /* an answer must be taken within this, plus ... */
#define MIN_SEND_RATE 4096 /* ... its size at this many bytes a second */
#define QUEUE_MAX 256      /* requests waiting per class */

/* What a connection is doing, for the watcher. */
enum conn_phase { CONN_HEAD, CONN_BODY, CONN_BUSY, CONN_SEND, CONN_SHUT };

/* One TCP connection (libmicrohttpd's socket context), in the server's
 * list while it is open. Its fields are the watcher's, under conn_lock. */
typedef struct conn {
    struct conn *prev, *next;
    int fd;
    enum conn_phase phase;
    struct timespec since; /* when the phase began */
    size_t bytes;          /* body bytes received, or answer bytes to send */
} conn;

/* The classes of request the pool keeps apart. */
enum req_class { CLASS_ANON, CLASS_USER, CLASS_WRITE, NCLASSES };

static const char *const class_names[NCLASSES] = {"anonymous reads", "reads", "writes"};

/* The state of one request across libmicrohttpd's calls, and a job of the
 * pool while it waits there. */
typedef struct req_state {
    char *uri; /* the raw URI, with its query */
    struct timespec start;
    size_t body_len;
    bool body_too_big;
    bool started; /* the first call (headers only) has been seen */
    dm_buf body;  /* the request body, up to max_body */
    conn *c;      /* the connection (NULL if not known) */
    /* for the pool: the request as taken on libmicrohttpd's thread (the
       strings are the connection's, valid until the request completes) */
    struct req_state *next_job;
    struct MHD_Connection *con;
    enum req_class cls;
    const char *method, *url, *accept, *host, *content_type, *if_match, *authz;
    char client[64]; /* the client's address (dm_client_address) */
    bool done;       /* the worker's answer is in resp */
    dm_response resp;
} req_state;

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    req_state *head[NCLASSES], *tail[NCLASSES];
    int waiting[NCLASSES], running[NCLASSES], cap;
    int next_class; /* round robin */
    bool stopping;
    pthread_t *threads;
    int nthreads;
} pool;

typedef struct server {
    const dm_server_opts *o;
    pthread_key_t store_key;
    pthread_mutex_t log_lock;
    dm_authz_public pub;
    dm_answer_cache *answers; /* NULL when o->cache_bytes is 0 */
    pool pool;
    pthread_mutex_t conn_lock; /* the connections list */
    conn *conns;
    pthread_t watcher;
    atomic_int watching;
    char csp_extra[300]; /* the basemap's origin, for the UI's policy */
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
    r->disposition[0] = 0;
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

static void now(struct timespec *t) { clock_gettime(CLOCK_MONOTONIC, t); }

static double seconds_since(const struct timespec *t)
{
    struct timespec n;
    now(&n);
    return (double)(n.tv_sec - t->tv_sec) + (double)(n.tv_nsec - t->tv_nsec) / 1e9;
}

/* The connection's phase, for the watcher. */
static void conn_set(server *s, conn *c, enum conn_phase phase, size_t bytes)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->conn_lock);
    if (c->phase != CONN_SHUT) {
        c->phase = phase;
        c->bytes = bytes;
        now(&c->since);
    }
    pthread_mutex_unlock(&s->conn_lock);
}

/* libmicrohttpd's notice of a connection opened or closed: the list the
 * watcher walks. An entry leaves the list before its socket is closed. */
static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn *c = calloc(1, sizeof *c);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!c || !ci) {
            free(c);
            *socket_context = NULL;
            return;
        }
        c->fd = ci->connect_fd;
        c->phase = CONN_HEAD;
        now(&c->since);
        pthread_mutex_lock(&s->conn_lock);
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        pthread_mutex_unlock(&s->conn_lock);
        *socket_context = c;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn *c = *socket_context;
        pthread_mutex_lock(&s->conn_lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            s->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&s->conn_lock);
        free(c);
        *socket_context = NULL;
    }
}

/* The watcher: once a second, shuts down the connections that are too slow
 * sending a head or a body, or taking an answer. shutdown() (not close())
 * ends the connection; libmicrohttpd sees it end and closes it itself. */
static void *watch(void *arg)
{
    server *s = arg;
    int head_s = s->o->head_timeout_s > 0 ? s->o->head_timeout_s : 15;
    while (s->watching) {
        usleep(250 * 1000);
        pthread_mutex_lock(&s->conn_lock);
        int shut = 0;
        for (conn *c = s->conns; c; c = c->next) {
            double t = seconds_since(&c->since);
            bool slow = false;
            if (c->phase == CONN_HEAD)
                slow = t > head_s;
            else if (c->phase == CONN_BODY)
                slow = t > BODY_GRACE_S && (double)c->bytes < (t - BODY_GRACE_S) * MIN_BODY_RATE;
            else if (c->phase == CONN_SEND)
                slow = t > SEND_GRACE_S + (double)c->bytes / MIN_SEND_RATE;
            if (slow) {
                shutdown(c->fd, SHUT_RDWR);
                c->phase = CONN_SHUT;
                shut++;
            }
        }
        pthread_mutex_unlock(&s->conn_lock);
        if (shut && s->o->log) {
            char at[DM_TIME_ISO_LEN];
            dm_time_now_iso(at);
            pthread_mutex_lock(&s->log_lock);
            fprintf(s->o->log, "%s closed %d connection%s too slow sending a request\n", at, shut,
                    shut == 1 ? "" : "s");
            fflush(s->o->log);
            pthread_mutex_unlock(&s->log_lock);
        }
    }
    return NULL;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    req_state *rs = calloc(1, sizeof *rs);
    if (rs) {
        rs->uri = strdup(uri ? uri : "");
        dm_buf_init(&rs->body, 0);
        dm_buf_init(&rs->resp.body, 0);
        now(&rs->start);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        rs->c = ci ? ci->socket_context : NULL;
    }
    return rs;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)con;
    (void)toe;
    server *s = cls;
    req_state *rs = *con_cls;
    if (rs) {
        conn_set(s, rs->c, CONN_HEAD, 0); /* waiting for the next request */
        free(rs->uri);
        dm_buf_free(&rs->body);
        dm_buf_free(&rs->resp.body);
        free(rs);
    }
    *con_cls = NULL;
}

static void log_request(server *s, const char *method, const char *uri, int status, size_t bytes,
                        const struct timespec *start)
{
    if (!s->o->log)
        return;
    double ms = seconds_since(start) * 1e3;
    char at[DM_TIME_ISO_LEN];
    dm_time_now_iso(at);
    pthread_mutex_lock(&s->log_lock);
    fprintf(s->o->log, "%s %s %s %d %zu %.1fms\n", at, method, uri, status, bytes, ms);
    fflush(s->o->log);
    pthread_mutex_unlock(&s->log_lock);
}

/* The policy of the UI's pages: its own scripts (and the inline ones whose
 * hashes the page carries, r->csp), styles inline (the map sets them),
 * images, tiles and data from this server (and the basemap's origin). */
static void page_policy(const server *s, dm_response *r, char *out, size_t outsz)
{
    snprintf(out, outsz,
             "default-src 'self'; script-src 'self'%s%s; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: blob:%s; connect-src 'self'%s; worker-src 'self' blob:; "
             "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'",
             r->csp[0] ? " " : "", r->csp, s->csp_extra, s->csp_extra);
}

/* Sends r (a HEAD gets the same headers, Content-Length included, and no
 * body: libmicrohttpd leaves it out). */
static enum MHD_Result send_response(server *s, struct MHD_Connection *con, req_state *rs,
                                     dm_response *r)
{
    size_t len = r->body.len;
    struct MHD_Response *resp;
    if (!len) {
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
    if (r->disposition[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"demine\"");
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (r->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_add_response_header(resp, "Cache-Control",
                            r->cache_control ? r->cache_control : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    /* a worker's policy is its script's: the map's worker fetches tiles */
    if (!strncmp(r->content_type, "text/html", 9) ||
        !strncmp(r->content_type, "text/javascript", 15)) {
        char policy[2048];
        page_policy(s, r, policy, sizeof policy);
        MHD_add_response_header(resp, "Content-Security-Policy", policy);
    } else {
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    }
    conn_set(s, rs ? rs->c : NULL, CONN_SEND, len);
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

bool dm_server_allowed(const dm_request *q, dm_response *r, dm_action action)
{
    char reason[DM_AUTHZ_REASON_MAX];
    if (dm_authz_allowed(q->role, action, NULL, q->pub, reason))
        return true;
    dm_respond_denied(q, r, reason);
    return false;
}

/* Counts a body's bytes for the watcher (the phase and its start stay). */
static void conn_bytes(server *s, conn *c, size_t bytes)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->conn_lock);
    c->bytes = bytes;
    pthread_mutex_unlock(&s->conn_lock);
}

/* Answers rs's request into r: on a worker of the pool, or on
 * libmicrohttpd's thread for the cheap ones (which need no login). */
static void handle(server *s, req_state *rs, dm_response *r)
{
    dm_request q;
    memset(&q, 0, sizeof q);
    q.method = rs->method;
    q.path = rs->url;
    q.opts = s->o;
    memcpy(q.client, rs->client, sizeof q.client);
    long ms = s->o->request_ms > 0 ? s->o->request_ms : 30000;
    q.deadline.tv_sec = rs->start.tv_sec + ms / 1000;
    q.deadline.tv_nsec = rs->start.tv_nsec + (ms % 1000) * 1000000L;
    if (q.deadline.tv_nsec >= 1000000000L) {
        q.deadline.tv_sec++;
        q.deadline.tv_nsec -= 1000000000L;
    }
    if (dm_request_late(&q)) { /* it waited in the queue past its time */
        dm_respond_problem(r, 503, "Took too long",
                           "the answer would take longer than %ld ms: the request waited %.0f ms "
                           "for a worker; try again, or ask for less",
                           ms, seconds_since(&rs->start) * 1e3);
        r->retry_after = 1;
        return;
    }
    q.accept = rs->accept;
    const char *host = rs->host;
    bool host_ok = host && *host && strlen(host) < 200 && !strpbrk(host, "\"<>\\ /\r\n");
    snprintf(q.base, sizeof q.base, "http://%s", host_ok ? host : "localhost");
    const char *query = strchr(rs->uri, '?');
    dm_qs qs;
    memset(&qs, 0, sizeof qs);
    dm_error err;
    dm_error_clear(&err);
    const char *method = rs->method;
    if (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST") &&
        strcmp(method, "PUT") && strcmp(method, "PATCH") && strcmp(method, "DELETE")) {
        dm_respond_problem(r, 405, "Method not allowed", "%s is not served here", method);
    } else if (query && dm_qs_parse(query + 1, strlen(query + 1), &qs, &err)) {
        dm_respond_problem(r, 400, "Bad query string", "%s", err.msg);
    } else if (!(q.store = worker_store(s, &err))) {
        dm_respond_problem(r, 503, "Database unavailable", "the database cannot be opened");
    } else {
        q.qs = &qs;
        q.pub = &s->pub;
        q.body = rs->body.data ? rs->body.data : "";
        q.body_len = rs->body.len;
        q.content_type = rs->content_type;
        q.if_match = rs->if_match;
        q.uri = rs->uri;
        q.answers = s->answers;
        if (!strcmp(rs->url, "/auth/token"))
            dm_login_handle(&q, rs->authz, r);
        else if (!dm_auth_request(&q, rs->authz, r))
            ; /* refused: r says why */
        else if (!dm_ui_handle(&q, r))
            dm_ogcapi_handle(&q, r);
    }
    dm_qs_free(&qs);
    if (r->body.status) /* the body could not be built whole */
        dm_respond_problem(r, 500, "Internal error", "the response could not be built");
}

/* The pool's workers: each takes the next request of the class after the
 * last one served whose running requests are under the cap. */
static void *work(void *arg)
{
    server *s = arg;
    pool *p = &s->pool;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        req_state *job = NULL;
        int cls = 0;
        for (int k = 0; k < NCLASSES && !job; k++) {
            cls = (p->next_class + k) % NCLASSES;
            if (p->head[cls] && p->running[cls] < p->cap) {
                job = p->head[cls];
                p->head[cls] = job->next_job;
                if (!p->head[cls])
                    p->tail[cls] = NULL;
                p->waiting[cls]--;
                p->running[cls]++;
                p->next_class = (cls + 1) % NCLASSES;
            }
        }
        if (!job) {
            bool empty = true;
            for (int c = 0; c < NCLASSES; c++)
                empty = empty && !p->head[c];
            if (p->stopping && empty)
                break;
            pthread_cond_wait(&p->work, &p->lock);
            continue;
        }
        pthread_mutex_unlock(&p->lock);
        handle(s, job, &job->resp);
        job->done = true;
        /* libmicrohttpd's thread calls answer() again, which sends it */
        MHD_resume_connection(job->con);
        pthread_mutex_lock(&p->lock);
        p->running[cls]--;
        pthread_cond_broadcast(&p->work);
    }
    pthread_mutex_unlock(&p->lock);
    /* this worker's store */
    dm_store *st = pthread_getspecific(s->store_key);
    if (st) {
        dm_store_close(st);
        pthread_setspecific(s->store_key, NULL);
    }
    return NULL;
}

/* Hands rs to the pool, its connection suspended meanwhile; false when its
 * class's queue is full or the server is stopping. */
static bool dispatch(server *s, req_state *rs)
{
    pool *p = &s->pool;
    pthread_mutex_lock(&p->lock);
    bool room = !p->stopping && p->waiting[rs->cls] < QUEUE_MAX;
    if (room) {
        MHD_suspend_connection(rs->con);
        rs->next_job = NULL;
        if (p->tail[rs->cls])
            p->tail[rs->cls]->next_job = rs;
        else
            p->head[rs->cls] = rs;
        p->tail[rs->cls] = rs;
        p->waiting[rs->cls]++;
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->lock);
    return room;
}

typedef struct head_fields {
    dm_http_header h[DM_HTTP_MAX_HEADERS + 1];
    size_t n;
} head_fields;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    head_fields *f = cls;
    if (f->n < sizeof f->h / sizeof f->h[0]) {
        f->h[f->n].name = key ? key : "";
        f->h[f->n].value = value ? value : "";
    }
    f->n++;
    return MHD_YES;
}

/* Requests answered on libmicrohttpd's thread: cheap, the same for every
 * caller, no store write. */
static bool cheap(const char *method, const char *url)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return false;
    return !strcmp(url, "/health") || !strcmp(url, "/ui") || !strncmp(url, "/ui/", 4);
}

static enum MHD_Result answer_now(server *s, struct MHD_Connection *con, req_state *rs,
                                  const char *method, dm_response *r)
{
    size_t bytes = r->body.len;
    int status = r->status;
    enum MHD_Result ret = send_response(s, con, rs, r);
    log_request(s, method, rs->uri, status, bytes, &rs->start);
    return ret;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *con, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    server *s = cls;
    req_state *rs = *con_cls;
    if (!rs)
        return MHD_NO; /* out of memory at the start */
    dm_response *r = &rs->resp;
    /* the first call brings the head only: it is checked now, and answered
       now only when refused (libmicrohttpd then closes the connection,
       since the body may be still to come) */
    if (!rs->started) {
        rs->started = true;
        head_fields f = {.n = 0};
        MHD_get_connection_values(con, MHD_HEADER_KIND, collect, &f);
        dm_http_head h = {method, version, rs->uri, f.h,
                          f.n < sizeof f.h / sizeof f.h[0] ? f.n : sizeof f.h / sizeof f.h[0]};
        if (f.n > DM_HTTP_MAX_HEADERS)
            h.nheaders = f.n; /* too many: refused by the count */
        bool close_after;
        r->content_type = "application/json";
        if (!dm_http_check_head(&h, r, &close_after)) {
            r->close = close_after;
            return answer_now(s, con, rs, method, r);
        }
        conn_set(s, rs->c, CONN_BODY, 0);
        return MHD_YES;
    }
    /* a body arrives in pieces: keep it up to max_body */
    if (*upload_data_size) {
        rs->body_len += *upload_data_size;
        if (rs->body_len > (s->o->max_body ? s->o->max_body : 8u << 20))
            rs->body_too_big = true;
        else
            dm_buf_append(&rs->body, upload_data, *upload_data_size);
        conn_bytes(s, rs->c, rs->body_len);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rs->done) /* a worker's answer */
        return answer_now(s, con, rs, method, r);
    conn_set(s, rs->c, CONN_BUSY, 0);
    r->status = 200;
    r->content_type = "application/json";
    if (rs->body_too_big) {
        dm_respond_problem(r, 413, "Request body too large",
                           "the largest body accepted is %zu bytes",
                           s->o->max_body ? s->o->max_body : (size_t)8 << 20);
        return answer_now(s, con, rs, method, r);
    }
    rs->con = con;
    rs->method = method;
    rs->url = url;
    rs->accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    rs->host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    rs->content_type =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    rs->if_match = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
    rs->authz = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    dm_client_address(ci ? ci->client_addr : NULL, rs->client);
    if (cheap(method, url)) {
        rs->authz = NULL; /* the same for everyone */
        handle(s, rs, r);
        return answer_now(s, con, rs, method, r);
    }
    rs->cls = strcmp(method, "GET") && strcmp(method, "HEAD") ? CLASS_WRITE
              : rs->authz                                     ? CLASS_USER
                                                              : CLASS_ANON;
    if (dispatch(s, rs))
        return MHD_YES;
    dm_respond_problem(r, 503, "Busy", "too many %s are waiting: try again in a second",
                       class_names[rs->cls]);
    r->retry_after = 1;
    return answer_now(s, con, rs, method, r);
}

/* The basemap's origin (scheme://host[:port]) for the UI's policy. */
static void basemap_origin(const char *url, char *out, size_t outsz)
{
    out[0] = 0;
    if (!url || !*url)
        return;
    const char *host = strstr(url, "://");
    if (!host)
        return;
    size_t n = (size_t)(host + 3 - url) + strcspn(host + 3, "/?#");
    for (size_t i = 0; i < n; i++)
        if (strchr(" ;,'\"\r\n", url[i]))
            return;
    snprintf(out, outsz, " %.*s", (int)n, url);
}

/* Stops the pool once its queues are empty; the answers go out meanwhile. */
static void pool_stop(server *s)
{
    pool *p = &s->pool;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    p->threads = NULL;
    p->nthreads = 0;
}

static dm_status pool_start(server *s, int n, dm_error *err)
{
    pool *p = &s->pool;
    p->threads = calloc((size_t)n, sizeof *p->threads);
    if (!p->threads)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    p->cap = n > 1 ? n - 1 : 1;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&p->threads[i], NULL, work, s)) {
            pool_stop(s);
            return dm_error_set(err, DM_ENOMEM, "cannot start the request workers");
        }
        p->nthreads++;
    }
    return DM_OK;
}

/* The connections the process may hold: the open-file limit raised to its
 * hard limit, less room for the stores and files. */
static unsigned connection_limit(const dm_server_opts *o)
{
    struct rlimit rl;
    unsigned want = o->max_connections > 0 ? (unsigned)o->max_connections : 1024;
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < want + 256) {
            rl.rlim_cur = rl.rlim_max < want + 256 ? rl.rlim_max : want + 256;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + 128)
            want = rl.rlim_cur > 192 ? (unsigned)rl.rlim_cur - 128 : 64;
    }
    return want;
}

static void server_free(server *s)
{
    dm_answer_cache_free(s->answers);
    pthread_key_delete(s->store_key);
    pthread_mutex_destroy(&s->log_lock);
    pthread_mutex_destroy(&s->conn_lock);
    pthread_mutex_destroy(&s->pool.lock);
    pthread_cond_destroy(&s->pool.work);
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
    pthread_mutex_init(&s.conn_lock, NULL);
    pthread_mutex_init(&s.pool.lock, NULL);
    pthread_cond_init(&s.pool.work, NULL);
    dm_authz_public_default(&s.pub);
    basemap_origin(o->basemap, s.csp_extra, sizeof s.csp_extra);
    s.answers = dm_answer_cache_new(o->cache_bytes);
    if ((o->public_collections &&
         (st = dm_authz_public_parse(&s.pub, o->public_collections, err))) ||
        (st = dm_auth_init(err))) {
        server_free(&s);
        return st;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = o->threads > 0 ? o->threads : (int)(cores > 0 ? cores : 2) + 1;
    if (threads < 2)
        threads = 2;
    if ((st = pool_start(&s, threads, err))) {
        server_free(&s);
        return st;
    }
    /* 0 for libmicrohttpd is no limit: behind a proxy, every client is the
       proxy */
    unsigned per_client = o->max_per_client < 0    ? 0
                          : o->max_per_client == 0 ? 32
                                                   : (unsigned)o->max_per_client;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME,
        (uint16_t)o->port, NULL, NULL, answer, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit(o), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        per_client, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s > 0 ? o->timeout_s : 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)DM_HTTP_CONNECTION_MEMORY,
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_URI_LOG_CALLBACK, uri_logger, &s,
        MHD_OPTION_NOTIFY_COMPLETED, completed, &s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s,
        MHD_OPTION_END);
    if (!d) {
        int e = errno;
        pool_stop(&s);
        server_free(&s);
        return dm_error_set(err, DM_EIO, "cannot listen on %s:%d: %s",
                            o->bind ? o->bind : "127.0.0.1", o->port,
                            e ? strerror(e) : "the address is in use or not this machine's");
    }
    s.watching = 1;
    bool watcher = !pthread_create(&s.watcher, NULL, watch, &s);
    if (o->log) {
        fprintf(o->log, "demine serving %s on http://%s:%d/ with %d request workers\n", o->location,
                o->bind ? o->bind : "127.0.0.1", o->port, threads);
        fflush(o->log);
    }
    while (!*stop)
        usleep(100 * 1000);
    /* no new connections; the requests under way and waiting are answered,
       then the workers end (each closing its store) */
    MHD_quiesce_daemon(d);
    pool_stop(&s);
    s.watching = 0;
    if (watcher)
        pthread_join(s.watcher, NULL);
    MHD_stop_daemon(d);
    if (s.answers && o->log) {
        uint64_t hits, misses;
        size_t bytes;
        dm_answer_cache_stats(s.answers, &hits, &misses, &bytes);
        fprintf(o->log, "answer cache: %llu answered from it, %llu made, %zu bytes held\n",
                (unsigned long long)hits, (unsigned long long)misses, bytes);
    }
    server_free(&s);
    return DM_OK;
}
