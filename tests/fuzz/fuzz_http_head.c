/* fuzz_http_head: the server's checks of a request head (src/server/head.c,
 * dm_http_check_head) on arbitrary heads, without sockets.
 *
 * The input is read as a head: the first line "METHOD TARGET VERSION", then
 * one header field per line, its name up to the first ':' kept as it is
 * (spaces too, as a hostile client sends them). Invariants:
 *   - a refused head is answered 400, 414 or 431 as problem JSON carrying
 *     that status, and the connection is to be closed;
 *   - an accepted head has a target of at most DM_HTTP_MAX_URI bytes that
 *     starts with '/' and whose path has no control byte, raw or
 *     percent-encoded; only token header names; for HTTP/1.1 exactly one
 *     Host; never both Content-Length and Transfer-Encoding; Content-Length
 *     values that are digits and all the same; Transfer-Encoding only
 *     "chunked".
 */
#include "server/internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS (DM_HTTP_MAX_HEADERS + 8)

static void die(const char *what)
{
    fprintf(stderr, "fuzz_http_head: %s\n", what);
    abort();
}

static bool path_clean(const char *uri)
{
    for (const char *p = uri; *p && *p != '?'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            char h[3] = {p[1], p[2], 0};
            long v = strtol(h, NULL, 16);
            if (v < 0x20 || v == 0x7f)
                return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (strlen(text) != size) { /* a NUL: libmicrohttpd never hands one over */
        free(text);
        return 0;
    }
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    if (!line) {
        free(text);
        return 0;
    }
    char *method = line, *uri = strchr(line, ' '), *version = NULL;
    if (uri) {
        *uri++ = 0;
        version = strchr(uri, ' ');
        if (version)
            *version++ = 0;
    }
    dm_http_header h[MAX_FIELDS];
    size_t n = 0;
    for (char *l = strtok_r(NULL, "\n", &save); l && n < MAX_FIELDS;
         l = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(l, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        h[n].name = l;
        h[n].value = v;
        n++;
    }
    dm_http_head head = {method, version, uri, h, n};
    dm_response r = {.status = 200, .content_type = "application/json"};
    dm_buf_init(&r.body, 0);
    bool close_after = false;
    bool ok = dm_http_check_head(&head, &r, &close_after);
    if (!ok) {
        if (r.status != 400 && r.status != 414 && r.status != 431)
            die("a refused head answered with another status");
        if (!close_after)
            die("a refused head leaves the connection open");
        char want[32];
        snprintf(want, sizeof want, "\"status\": %d", r.status);
        if (strcmp(r.content_type, "application/problem+json") || !r.body.data ||
            !strstr(r.body.data, want))
            die("a refusal that is not problem JSON with its status");
    } else {
        if (!uri || uri[0] != '/' || strlen(uri) > DM_HTTP_MAX_URI || !path_clean(uri))
            die("a bad target accepted");
        int hosts = 0, cls = 0, tes = 0;
        const char *cl = NULL;
        for (size_t i = 0; i < n; i++) {
            for (const char *p = h[i].name; *p; p++)
                if (*p == ' ' || *p == '\t' || (unsigned char)*p < 0x21 || *p == '(' || *p == ')' ||
                    *p == ',' || *p == '/' || *p == ':' || *p == ';' || *p == '=' || *p == '"')
                    die("a header name that is not a token accepted");
            if (!strcasecmp(h[i].name, "Host"))
                hosts++;
            if (!strcasecmp(h[i].name, "Content-Length")) {
                if (cl && strtoull(cl, NULL, 10) != strtoull(h[i].value, NULL, 10))
                    die("two different Content-Lengths accepted");
                if (!*h[i].value || strspn(h[i].value, "0123456789") != strlen(h[i].value))
                    die("a Content-Length that is not a number accepted");
                cl = h[i].value;
                cls++;
            }
            if (!strcasecmp(h[i].name, "Transfer-Encoding")) {
                tes++;
                if (strcasecmp(h[i].value, "chunked"))
                    die("a Transfer-Encoding other than chunked accepted");
            }
        }
        if (version && !strcmp(version, "HTTP/1.1") && hosts != 1)
            die("HTTP/1.1 without exactly one Host accepted");
        if (cls && tes)
            die("Content-Length with Transfer-Encoding accepted");
        if (tes > 1)
            die("two Transfer-Encodings accepted");
    }
    dm_buf_free(&r.body);
    free(text);
    return 0;
}
