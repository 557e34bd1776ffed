/* The browser UI's static files: the folder built from web/ by vite
 * (opts->ui_dir, NULL = no UI), served under /ui/, and its page at "/" for
 * browsers.
 *
 *   GET /                  the UI's index.html when the Accept header prefers
 *                          text/html and no f= is given; machine clients (and
 *                          f=json, f=html) get the OGC API landing page
 *   GET /ui, /ui/          the same page
 *   GET /ui/config.json    what the UI needs to know from the server's
 *                          options: {"basemap": URL or null}
 *   GET /ui/FILE           a file of the built UI; hashed names under
 *                          /ui/assets/ may be cached for a year
 *
 * Names are checked before the file system sees them (letters, digits and
 * "._-/", no empty or dot-first segment), and the file's real path must lie
 * inside the UI folder, so no request reads outside it.
 */
#include "server/internal.h"

#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define UI_PREFIX "/ui/"
#define MAX_FILE ((size_t)32 << 20)

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".pbf", "application/x-protobuf"},
    {".map", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcasecmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

/* True when a browser asks for a page: text/html named in Accept, before
 * any JSON type (or without one). */
static bool wants_html(const char *accept)
{
    if (!accept)
        return false;
    const char *html = strstr(accept, "text/html");
    if (!html)
        return false;
    const char *json = strstr(accept, "json");
    return !json || json > html;
}

/* A safe relative name: [A-Za-z0-9._-] segments separated by '/', none
 * empty or starting with '.'. */
static bool safe_name(const char *s)
{
    if (!*s || strlen(s) > 200)
        return false;
    bool seg_start = true;
    for (; *s; s++) {
        char c = *s;
        if (c == '/') {
            if (seg_start)
                return false;
            seg_start = true;
            continue;
        }
        if (seg_start && c == '.')
            return false;
        seg_start = false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return !seg_start;
}

/* The hashes of a page's inline scripts (<script> without src), as a
 * Content-Security-Policy source list ("'sha256-...' ...") in r->csp: the
 * page's own inline code runs, nothing injected does. */
static void inline_script_hashes(dm_response *r)
{
    const char *p = r->body.data, *end = p + r->body.len;
    size_t used = 0;
    r->csp[0] = 0;
    while (p && p < end) {
        const char *tag = strstr(p, "<script");
        if (!tag)
            break;
        const char *gt = strchr(tag, '>');
        if (!gt)
            break;
        const char *close = strstr(gt, "</script>");
        if (!close)
            break;
        bool has_src = false;
        for (const char *a = tag; a < gt; a++)
            if (!strncmp(a, " src=", 5))
                has_src = true;
        if (!has_src) {
            unsigned char h[crypto_hash_sha256_BYTES];
            crypto_hash_sha256(h, (const unsigned char *)gt + 1, (size_t)(close - gt - 1));
            char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                               sodium_base64_VARIANT_ORIGINAL)];
            sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
            int w = snprintf(r->csp + used, sizeof r->csp - used, "%s'sha256-%s'", used ? " " : "",
                             b64);
            if (w > 0 && (size_t)w < sizeof r->csp - used)
                used += (size_t)w;
        }
        p = close + 9;
    }
}

/* Reads ui_dir/name into r (200), or answers 404; false when the UI folder
 * itself cannot be read (r untouched), so that "/" falls back to the OGC
 * landing page. */
static bool send_file(const dm_request *q, dm_response *r, const char *name, bool must)
{
    char dir[PATH_MAX], path[PATH_MAX + 256], real[PATH_MAX];
    if (!realpath(q->opts->ui_dir, dir))
        goto missing;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t dl = strlen(dir);
    if (!realpath(path, real) || strncmp(real, dir, dl) || real[dl] != '/')
        goto missing;
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        goto missing;
    struct stat sb;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > MAX_FILE) {
        close(fd);
        goto missing;
    }
    dm_buf_free(&r->body);
    dm_buf_init(&r->body, 0);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            dm_respond_problem(r, 500, "Internal error", "the file could not be read");
            return true;
        }
        if (!n)
            break;
        dm_buf_append(&r->body, chunk, (size_t)n);
    }
    close(fd);
    r->status = 200;
    r->content_type = content_type(name);
    r->etag[0] = 0;
    if (!strncmp(r->content_type, "text/html", 9))
        inline_script_hashes(r);
    /* vite puts a hash of the content in the names under assets/ */
    r->cache_control =
        !strncmp(name, "assets/", 7) ? "public, max-age=31536000, immutable" : "no-cache";
    return true;
missing:
    if (!must)
        return false;
    dm_respond_problem(r, 404, "Not found", "the browser UI has no file %s", name);
    return true;
}

static void config(const dm_request *q, dm_response *r)
{
    r->status = 200;
    r->content_type = "application/json";
    dm_buf_puts(&r->body, "{\"basemap\": ");
    if (q->opts->basemap && *q->opts->basemap)
        dm_buf_json_string(&r->body, q->opts->basemap);
    else
        dm_buf_puts(&r->body, "null");
    dm_buf_puts(&r->body, "}\n");
}

bool dm_ui_handle(const dm_request *q, dm_response *r)
{
    const char *p = q->path;
    bool get = !strcmp(q->method, "GET") || !strcmp(q->method, "HEAD");
    bool ui = !strcmp(p, "/ui") || !strncmp(p, UI_PREFIX, strlen(UI_PREFIX));
    if (!ui) {
        /* "/" is the UI for a browser; everything else is the API's */
        if (strcmp(p, "/") || !get || !q->opts->ui_dir || dm_qs_get(q->qs, "f") ||
            !wants_html(q->accept))
            return false;
        return send_file(q, r, "index.html", false);
    }
    if (!get) {
        dm_respond_problem(r, 405, "Method not allowed", "the UI's files are read with GET");
        return true;
    }
    if (!q->opts->ui_dir) {
        dm_respond_problem(r, 404, "Not found",
                           "this server has no browser UI: build it (make web) or give --ui DIR");
        return true;
    }
    const char *name = p + (p[3] ? strlen(UI_PREFIX) : 3);
    if (!*name)
        return send_file(q, r, "index.html", true);
    if (!strcmp(name, "config.json")) {
        config(q, r);
        return true;
    }
    if (!safe_name(name)) {
        dm_respond_problem(r, 404, "Not found", "the browser UI has no such file");
        return true;
    }
    return send_file(q, r, name, true);
}
