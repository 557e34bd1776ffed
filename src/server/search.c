/* GET /search?q=TEXT&limit=N: the records and places whose code or name
 * holds TEXT, for the UI's search box.
 *
 * Searched: every collection with a geometry (a result opens on the map)
 * that the caller may read (authz.h), by its code and its name (accidents
 * by their incident reference too); personal fields never. Approved records
 * only, and for those who write or approve a kind (dm_server_sees_drafts)
 * its drafts and submitted records too, as the items endpoint gives them.
 * Letters are compared without case (Unicode's simple lower case, as the C
 * library's C.UTF-8 locale has it: "čap" finds "Čapljina").
 *
 * Ranked: the code or name equal to TEXT first, then those starting with it,
 * then the rest; places (admin areas, settlements) before records of the
 * same rank, then by name. Answer: {"q", "results": [{collection, code,
 * name, state, match}], "numberMatched"}, at most `limit` results (1 to
 * DM_SEARCH_LIMIT_MAX, default 10): the best kept while the records are
 * read, so memory stays bounded whatever matches.
 */
#include "server/internal.h"

#include "core/utf8.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#define DM_SEARCH_LIMIT_MAX 50
#define DM_SEARCH_Q_MAX 100 /* bytes of q */
#define TEXT_MAX 256        /* characters of a code or name compared */

static locale_t fold_locale;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;
static void fold_init(void) { fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); }

/* s (UTF-8) in lower case into out (cap wide characters, terminated), cut
 * at cap - 1 characters; false when s is not UTF-8 or the locale is
 * missing. */
static bool fold(const char *s, wchar_t *out, size_t cap)
{
    pthread_once(&fold_once, fold_init);
    if (!fold_locale)
        return false;
    locale_t old = uselocale(fold_locale);
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = 0, left = strlen(s);
    bool ok = true;
    while (left && n + 1 < cap) {
        wchar_t c;
        size_t used = mbrtowc(&c, s, left, &st);
        if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
            ok = false;
            break;
        }
        out[n++] = (wchar_t)towlower((wint_t)c);
        s += used;
        left -= used;
    }
    out[n] = 0;
    uselocale(old);
    return ok;
}

typedef struct hit {
    const dm_kind *kind;
    int rank;  /* 0 equal, 1 starts with, 2 holds */
    int place; /* 0 an admin area or settlement, 1 a record */
    char code[DM_CODE_MAX];
    bool has_name;
    char name[200]; /* cut at a character boundary when longer */
    char state[16];
    const char *match; /* "code", "name" or "incident_ref" */
} hit;

typedef struct search_ctx {
    const dm_request *q;
    const dm_kind *kind;
    const char *fields[2];
    size_t nfields;
    const wchar_t *want;
    size_t want_len;
    hit hits[DM_SEARCH_LIMIT_MAX]; /* the best so far, in no order */
    size_t n, limit;
    long matched;
    long seen;
    bool late;
} search_ctx;

/* The rank of text as a match of want, or -1. */
static int rank_of(const search_ctx *c, const char *text)
{
    wchar_t t[TEXT_MAX];
    if (!text || !fold(text, t, TEXT_MAX))
        return -1;
    const wchar_t *at = wcsstr(t, c->want);
    if (!at)
        return -1;
    if (at == t)
        return wcslen(t) == c->want_len ? 0 : 1;
    return 2;
}

static int hit_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (x->place != y->place)
        return x->place - y->place;
    int s = strcmp(x->has_name ? x->name : x->code, y->has_name ? y->name : y->code);
    return s ? s : strcmp(x->code, y->code);
}

static int search_row(const char *code, const char *state, const char *const *values, void *ctx)
{
    search_ctx *c = ctx;
    if ((++c->seen & 1023) == 0 && dm_request_late(c->q)) {
        c->late = true;
        return 1;
    }
    int best = rank_of(c, code);
    const char *match = "code";
    for (size_t i = 0; i < c->nfields; i++) {
        int r = rank_of(c, values[i]);
        if (r >= 0 && (best < 0 || r < best)) {
            best = r;
            match = c->fields[i];
        }
    }
    if (best < 0)
        return 0;
    c->matched++;
    hit h = {.kind = c->kind, .rank = best, .match = match};
    h.place = c->kind == &dm_kind_admin_areas || c->kind == &dm_kind_settlements ? 0 : 1;
    snprintf(h.code, sizeof h.code, "%s", code);
    h.has_name = c->nfields && values[0];
    if (h.has_name)
        dm_utf8_copy(h.name, sizeof h.name, values[0]);
    snprintf(h.state, sizeof h.state, "%s", state);
    if (c->n < c->limit) {
        c->hits[c->n++] = h;
        return 0;
    }
    size_t worst = 0; /* the best `limit` are kept: the worst gives way */
    for (size_t i = 1; i < c->n; i++)
        if (hit_cmp(&c->hits[i], &c->hits[worst]) > 0)
            worst = i;
    if (hit_cmp(&h, &c->hits[worst]) < 0)
        c->hits[worst] = h;
    return 0;
}

bool dm_search_handle(const dm_request *q, dm_response *r)
{
    if (strcmp(q->path, "/search"))
        return false;
    static const char *const allowed[] = {"f", "q", "limit", NULL};
    if (!dm_server_json_params(q, r, allowed))
        return true;
    long limit = 10;
    if (!dm_server_long_param(q, r, "limit", 1, DM_SEARCH_LIMIT_MAX, &limit))
        return true;
    const char *text = dm_qs_get(q->qs, "q");
    size_t len = text ? strlen(text) : 0;
    while (len && (text[0] == ' ' || text[0] == '\t')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (!len) {
        dm_respond_problem(r, 400, "Bad q", "q: the text to search for is missing");
        return true;
    }
    if (len > DM_SEARCH_Q_MAX) {
        dm_respond_problem(r, 400, "Bad q", "q is %zu bytes long: at most %d", len,
                           DM_SEARCH_Q_MAX);
        return true;
    }
    char trimmed[DM_SEARCH_Q_MAX + 1];
    memcpy(trimmed, text, len);
    trimmed[len] = 0;
    size_t bad;
    wchar_t want[DM_SEARCH_Q_MAX + 1];
    if (!dm_utf8_valid(trimmed, len, &bad) || !fold(trimmed, want, DM_SEARCH_Q_MAX + 1)) {
        dm_respond_problem(r, 400, "Bad q", "q is not UTF-8 text");
        return true;
    }

    search_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        dm_respond_problem(r, 500, "Internal error", "out of memory");
        return true;
    }
    *c = (search_ctx){.q = q, .want = want, .want_len = wcslen(want), .limit = (size_t)limit};
    dm_error err;
    bool failed = false;
    for (size_t i = 0; i < dm_kind_count() && !failed && !c->late; i++) {
        const dm_kind *k = dm_kind_at(i);
        if (!k->table || k->geom == DM_GEOM_NONE ||
            !dm_authz_allowed(q->role, DM_ACT_READ, k, q->pub, NULL))
            continue;
        c->kind = k;
        c->nfields = 0;
        static const char *const names[] = {"name", "incident_ref"};
        for (size_t j = 0; j < 2; j++) {
            int fi = dm_kind_field_index(k, names[j]);
            if (fi >= 0 && !(k->fields[fi].flags & DM_FIELD_PERSONAL))
                c->fields[c->nfields++] = names[j];
        }
        failed = dm_store_scan(q->store, k, c->fields, c->nfields, dm_server_sees_drafts(q, k),
                               search_row, c, &err) != DM_OK;
    }
    if (failed || c->late) {
        if (c->late)
            dm_respond_problem(r, 503, "Too slow", "the search took too long: try a longer text");
        else
            dm_respond_problem(r, 500, "Internal error", "the records could not be searched");
        free(c);
        return true;
    }
    qsort(c->hits, c->n, sizeof *c->hits, hit_cmp);
    dm_buf *b = &r->body;
    dm_buf_puts(b, "{\"q\": ");
    dm_buf_json_string(b, trimmed);
    dm_buf_printf(b, ", \"numberMatched\": %ld, \"results\": [", c->matched);
    for (size_t i = 0; i < c->n; i++) {
        const hit *h = &c->hits[i];
        dm_buf_puts(b, i ? ",\n  {" : "\n  {");
        dm_buf_puts(b, "\"collection\": ");
        dm_buf_json_string(b, h->kind->name);
        dm_buf_puts(b, ", \"code\": ");
        dm_buf_json_string(b, h->code);
        dm_buf_puts(b, ", \"name\": ");
        dm_buf_json_string_or_null(b, h->has_name ? h->name : NULL);
        dm_buf_puts(b, ", \"state\": ");
        dm_buf_json_string(b, h->state);
        dm_buf_printf(b, ", \"match\": \"%s\"}", h->match);
    }
    free(c);
    dm_buf_puts(b, "\n]}\n");
    return true;
}
