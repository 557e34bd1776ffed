/* The checks every request head passes before a handler sees it
 * (internal.h, dm_http_check_head). libmicrohttpd has parsed the head;
 * these are the rules it leaves to the application, chosen so that a proxy
 * in front of demine and demine itself can never disagree about where a
 * request ends (RFC 9112 section 6.3) or what it names. */
#include "server/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 section 5.6.2: tchar. */
static bool token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!token_char((unsigned char)*s))
            return false;
    return true;
}

/* A Content-Length value: digits only, no sign, no spaces, under 2^53. */
static bool content_length(const char *v, unsigned long long *out)
{
    if (!*v || strlen(v) > 15)
        return false;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    *out = strtoull(v, NULL, 10);
    return true;
}

/* False when the raw path (up to '?' or the end) encodes a control byte
 * (%00-%1F, %7F) or holds a raw one: "/ui/index.html%00.js" must not be
 * read as "/ui/index.html". */
static bool clean_path(const char *uri)
{
    for (const char *p = uri; *p && *p != '?'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == '%') {
            int hi = dm_qs_hex_digit((unsigned char)p[1]),
                lo = hi < 0 ? -1 : dm_qs_hex_digit((unsigned char)p[2]);
            if (hi < 0 || lo < 0)
                return false;
            int v = hi * 16 + lo;
            if (v < 0x20 || v == 0x7f)
                return false;
            p += 2;
        }
    }
    return true;
}

static void refuse(dm_response *r, bool *close_after, int status, const char *title,
                   const char *detail)
{
    dm_respond_problem(r, status, title, "%s", detail);
    *close_after = true;
}

bool dm_http_check_head(const dm_http_head *h, dm_response *r, bool *close_after)
{
    *close_after = false;
    size_t uri_len = strlen(h->uri ? h->uri : "");
    if (uri_len > DM_HTTP_MAX_URI) {
        char d[160];
        snprintf(d, sizeof d, "the request target is %zu bytes; at most %d are read", uri_len,
                 DM_HTTP_MAX_URI);
        refuse(r, close_after, 414, "URI too long", d);
        return false;
    }
    size_t head_bytes = uri_len;
    for (size_t i = 0; i < h->nheaders; i++)
        head_bytes += strlen(h->headers[i].name) + strlen(h->headers[i].value) + 4;
    if (head_bytes > DM_HTTP_MAX_HEAD || h->nheaders > DM_HTTP_MAX_HEADERS) {
        char d[200];
        snprintf(d, sizeof d,
                 "the request's head is %zu bytes in %zu fields; at most %d bytes and %d fields "
                 "are read",
                 head_bytes, h->nheaders, DM_HTTP_MAX_HEAD, DM_HTTP_MAX_HEADERS);
        refuse(r, close_after, 431, "Request header fields too large", d);
        return false;
    }
    if (!h->uri || h->uri[0] != '/' || !clean_path(h->uri)) {
        refuse(r, close_after, 400, "Bad request target",
               "the path must start with / and hold no control characters, raw or "
               "percent-encoded (%00-%1F, %7F)");
        return false;
    }
    bool http11 = h->version && !strcmp(h->version, "HTTP/1.1");
    int hosts = 0, lengths = 0, encodings = 0;
    unsigned long long length = 0;
    const char *encoding = NULL;
    for (size_t i = 0; i < h->nheaders; i++) {
        const char *n = h->headers[i].name, *v = h->headers[i].value;
        if (!is_token(n)) {
            char d[200];
            snprintf(d, sizeof d,
                     "header field %zu has a name that is not a token (RFC 9110 5.1: no spaces "
                     "before the colon, no control characters)",
                     i + 1);
            refuse(r, close_after, 400, "Bad header", d);
            return false;
        }
        for (const char *p = v; *p; p++)
            if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
                char d[200];
                snprintf(d, sizeof d, "header %.60s holds a control character", n);
                refuse(r, close_after, 400, "Bad header", d);
                return false;
            }
        if (!strcasecmp(n, "Host")) {
            hosts++;
        } else if (!strcasecmp(n, "Content-Length")) {
            unsigned long long cl;
            if (!content_length(v, &cl)) {
                refuse(r, close_after, 400, "Bad Content-Length",
                       "Content-Length must be one decimal number");
                return false;
            }
            if (lengths++ && cl != length) {
                refuse(r, close_after, 400, "Bad Content-Length",
                       "two different Content-Length headers: the request's end is unknown");
                return false;
            }
            length = cl;
        } else if (!strcasecmp(n, "Transfer-Encoding")) {
            encodings++;
            encoding = v;
        }
    }
    if (http11 && hosts != 1) {
        refuse(r, close_after, 400, "Bad Host",
               hosts ? "more than one Host header" : "an HTTP/1.1 request needs a Host header");
        return false;
    }
    if (encodings && lengths) {
        refuse(r, close_after, 400, "Ambiguous length",
               "Content-Length and Transfer-Encoding together: the request's end is ambiguous "
               "(RFC 9112 6.3), the connection is closed");
        return false;
    }
    if (encodings > 1 || (encoding && strcasecmp(encoding, "chunked"))) {
        refuse(r, close_after, 400, "Bad Transfer-Encoding",
               "only one Transfer-Encoding: chunked is understood");
        return false;
    }
    return true;
}
