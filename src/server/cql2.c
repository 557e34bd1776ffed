#include "server/cql2.h"

#include "core/date.h"
#include "core/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the tree ---- */

typedef enum nkind { N_AND, N_OR, N_NOT, N_TRUE, N_FALSE, N_CMP, N_NULL, N_INTERSECTS } nkind;
typedef enum cmpop { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE } cmpop;
typedef enum prop { P_FIELD, P_CODE, P_STATE, P_VERSION, P_GEOMETRY } prop;
typedef enum lkind { L_STR, L_NUM, L_BOOL, L_TIME } lkind;

typedef struct node {
    nkind kind;
    int first, next; /* first child (AND, OR, NOT) and next sibling; -1 = none */
    /* N_CMP, N_NULL */
    prop prop;
    int field; /* P_FIELD: index in kind->fields */
    cmpop op;
    bool negate; /* N_NULL: IS NOT NULL */
    lkind lit;
    char *str;       /* L_STR, owned */
    double num;      /* L_NUM */
    bool num_is_int; /* L_NUM written as a whole number that fits in int64 */
    long long inum;
    bool b;      /* L_BOOL */
    long days;   /* L_TIME: days since 1970-01-01 */
    double secs; /* L_TIME: seconds into the day */
    /* N_INTERSECTS */
    int geom;      /* index in geoms/preps */
    double env[4]; /* the literal's envelope */
} node;

struct dm_cql2 {
    const dm_kind *kind;
    dm_geo *geo;
    node *nodes;
    int nnodes, cap;
    int root;
    GEOSGeometry **geoms;
    const GEOSPreparedGeometry **preps;
    int ngeoms, gcap;
};

/* Queryables that are not fields of the kind. */
static const char *const state_values[] = {"draft", "submitted", "approved", "rejected", NULL};
static const dm_field field_code = {"code", DM_FT_TEXT, NULL, 0, 0, 0, NULL};
static const dm_field field_state = {"state", DM_FT_ENUM, state_values, 0, 0, 0, NULL};
static const dm_field field_version = {"version", DM_FT_INT, NULL, 0, 0, 0, NULL};

/* ---- tokens ---- */

typedef enum ttype {
    T_END,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_EQ,
    T_NE,
    T_LT,
    T_GT,
    T_LE,
    T_GE,
    T_IDENT,      /* name or keyword */
    T_QIDENT,     /* "name" */
    T_STRING,     /* 'text' */
    T_NUMBER,     /* 12, -1.5, .5, 1e3 */
    T_BAD,        /* a character that starts no token, or a number run into letters */
    T_OPEN_STRING /* ' or " without its closing quote */
} ttype;

typedef struct tok {
    ttype type;
    size_t start, end; /* byte offsets in the text; quotes included */
} tok;

static bool is_ident_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static bool is_ident_part(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The token at or after byte i. */
static tok lex(const char *s, size_t len, size_t i)
{
    while (i < len && is_space((unsigned char)s[i]))
        i++;
    tok t = {T_END, i, i};
    if (i >= len)
        return t;
    unsigned char c = (unsigned char)s[i];
    size_t j = i + 1;
    switch (c) {
    case '(': t.type = T_LPAREN; break;
    case ')': t.type = T_RPAREN; break;
    case ',': t.type = T_COMMA; break;
    case '=': t.type = T_EQ; break;
    case '<':
        if (j < len && s[j] == '>') {
            t.type = T_NE;
            j++;
        } else if (j < len && s[j] == '=') {
            t.type = T_LE;
            j++;
        } else {
            t.type = T_LT;
        }
        break;
    case '>':
        if (j < len && s[j] == '=') {
            t.type = T_GE;
            j++;
        } else {
            t.type = T_GT;
        }
        break;
    case '\'':
        t.type = T_OPEN_STRING;
        while (j < len) {
            if (s[j] == '\'') {
                if (j + 1 < len && s[j + 1] == '\'') {
                    j += 2;
                    continue;
                }
                t.type = T_STRING;
                j++;
                break;
            }
            j++;
        }
        break;
    case '"':
        t.type = T_OPEN_STRING;
        while (j < len && s[j] != '"')
            j++;
        if (j < len) {
            t.type = T_QIDENT;
            j++;
        }
        break;
    default:
        if (is_digit(c) || c == '.' || c == '+' || c == '-') {
            size_t k = i;
            if (c == '+' || c == '-')
                k++;
            size_t digits = 0;
            while (k < len && is_digit((unsigned char)s[k]))
                k++, digits++;
            if (k < len && s[k] == '.') {
                k++;
                while (k < len && is_digit((unsigned char)s[k]))
                    k++, digits++;
            }
            if (digits == 0) {
                t.type = T_BAD; /* a lone sign or dot */
                break;
            }
            if (k < len && (s[k] == 'e' || s[k] == 'E')) {
                size_t e = k + 1;
                if (e < len && (s[e] == '+' || s[e] == '-'))
                    e++;
                if (e < len && is_digit((unsigned char)s[e])) {
                    while (e < len && is_digit((unsigned char)s[e]))
                        e++;
                    k = e;
                }
            }
            t.type = T_NUMBER;
            j = k;
            /* "12abc", "1.2.3": one bad token rather than two good ones */
            if (j < len && is_ident_part((unsigned char)s[j])) {
                while (j < len && is_ident_part((unsigned char)s[j]))
                    j++;
                t.type = T_BAD;
            }
        } else if (is_ident_start(c)) {
            t.type = T_IDENT;
            while (j < len && is_ident_part((unsigned char)s[j]))
                j++;
        } else {
            t.type = T_BAD;
        }
        break;
    }
    t.end = j;
    return t;
}

/* ---- keywords ---- */

typedef enum kw {
    K_NONE,
    K_AND,
    K_OR,
    K_NOT,
    K_IS,
    K_NULL,
    K_TRUE,
    K_FALSE,
    K_DATE,
    K_TIMESTAMP,
    K_S_INTERSECTS,
    K_BBOX,
    K_POINT,
    K_LINESTRING,
    K_POLYGON,
    K_MULTIPOINT,
    K_MULTILINESTRING,
    K_MULTIPOLYGON,
    K_GEOMETRYCOLLECTION,
    K_Z,
    K_LIKE,
    K_BETWEEN,
    K_IN
} kw;

static const struct {
    const char *name;
    kw k;
} keywords[] = {
    {"AND", K_AND},
    {"OR", K_OR},
    {"NOT", K_NOT},
    {"IS", K_IS},
    {"NULL", K_NULL},
    {"TRUE", K_TRUE},
    {"FALSE", K_FALSE},
    {"DATE", K_DATE},
    {"TIMESTAMP", K_TIMESTAMP},
    {"S_INTERSECTS", K_S_INTERSECTS},
    {"BBOX", K_BBOX},
    {"POINT", K_POINT},
    {"LINESTRING", K_LINESTRING},
    {"POLYGON", K_POLYGON},
    {"MULTIPOINT", K_MULTIPOINT},
    {"MULTILINESTRING", K_MULTILINESTRING},
    {"MULTIPOLYGON", K_MULTIPOLYGON},
    {"GEOMETRYCOLLECTION", K_GEOMETRYCOLLECTION},
    {"Z", K_Z},
    {"LIKE", K_LIKE},
    {"BETWEEN", K_BETWEEN},
    {"IN", K_IN},
};

/* ---- the parser ---- */

typedef struct parser {
    const char *s;
    size_t len;
    tok cur;
    const dm_kind *kind;
    dm_geo *geo;
    dm_cql2 *f;
    dm_error *err;
    int depth;
    bool failed;
    dm_status status; /* of the first failure */
} parser;

/* An operand of a comparison: a property or a literal. */
typedef struct operand {
    bool is_prop;
    size_t at; /* byte offset, for messages */
    prop prop;
    int field;
    const dm_field *def; /* the property's field (code, state, version too) */
    lkind lit;
    char *str;
    double num;
    bool num_is_int;
    long long inum;
    bool b;
    long days;
    double secs;
} operand;

static size_t char_pos(const parser *p, size_t off)
{
    size_t n = 1;
    for (size_t i = 0; i < off && i < p->len; i++)
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static int fail_at(parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(parser *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    char msg[DM_ERROR_MSG_MAX - 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dm_error_set(p->err, DM_EINVAL, "position %zu: %s", char_pos(p, off), msg);
    p->failed = true;
    p->status = DM_EINVAL;
    return -1;
}

static int oom(parser *p)
{
    if (!p->failed)
        dm_error_set(p->err, DM_ENOMEM, "out of memory");
    p->failed = true;
    p->status = DM_ENOMEM;
    return -1;
}

static kw keyword(const parser *p, const tok *t)
{
    if (t->type != T_IDENT)
        return K_NONE;
    size_t n = t->end - t->start;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i].name) == n && !strncasecmp(keywords[i].name, p->s + t->start, n))
            return keywords[i].k;
    return K_NONE;
}

static bool is_geometry_keyword(kw k)
{
    return k == K_BBOX || (k >= K_POINT && k <= K_GEOMETRYCOLLECTION);
}

/* A geometry keyword followed by "(" or "Z": the start of a geometry. */
static bool geometry_ahead(const parser *p, kw k, const tok *next)
{
    return is_geometry_keyword(k) &&
           (next->type == T_LPAREN || (k != K_BBOX && keyword(p, next) == K_Z));
}

/* "')'", "'status'", "the string 'SHA'", "the end of the filter"; control
 * characters as \xNN */
static const char *describe(const parser *p, const tok *t, char *out, size_t outsz)
{
    if (t->type == T_END) {
        snprintf(out, outsz, "the end of the filter");
        return out;
    }
    size_t n = t->end - t->start;
    size_t cut = n > 40 ? 40 : n;
    while (cut < n && cut > 0 && ((unsigned char)p->s[t->start + cut] & 0xC0) == 0x80)
        cut--; /* not inside a UTF-8 sequence */
    bool str = t->type == T_STRING || t->type == T_OPEN_STRING;
    size_t used = (size_t)snprintf(out, outsz, "%s", str ? "the string " : "'");
    for (size_t i = 0; i < cut && used + 8 < outsz; i++) {
        unsigned char c = (unsigned char)p->s[t->start + i];
        int w = c < 0x20 || c == 0x7F ? snprintf(out + used, outsz - used, "\\x%02X", c)
                                      : snprintf(out + used, outsz - used, "%c", c);
        used += w > 0 ? (size_t)w : 0;
    }
    snprintf(out + used, outsz - used, "%s%s", cut < n ? "..." : "", str ? "" : "'");
    return out;
}

static int fail_expected(parser *p, const char *what)
{
    char found[128];
    return fail_at(p, p->cur.start, "expected %s, found %s", what,
                   describe(p, &p->cur, found, sizeof found));
}

static tok peek2(const parser *p) { return lex(p->s, p->len, p->cur.end); }

static bool advance(parser *p)
{
    p->cur = lex(p->s, p->len, p->cur.end);
    if (p->cur.type == T_OPEN_STRING) {
        fail_at(p, p->cur.start, "%s is not closed",
                p->s[p->cur.start] == '\'' ? "this string" : "this quoted property name");
        return false;
    }
    return true;
}

static bool expect(parser *p, ttype type, const char *what)
{
    if (p->cur.type != type) {
        fail_expected(p, what);
        return false;
    }
    return advance(p);
}

static int new_node(parser *p, nkind kind, size_t at)
{
    dm_cql2 *f = p->f;
    if (f->nnodes >= DM_CQL2_MAX_NODES)
        return fail_at(p, at, "the filter is too long: more than %d terms", DM_CQL2_MAX_NODES);
    if (f->nnodes == f->cap) {
        int cap = f->cap ? f->cap * 2 : 16;
        node *n = realloc(f->nodes, sizeof *n * (size_t)cap);
        if (!n) {
            oom(p);
            return -1;
        }
        f->nodes = n;
        f->cap = cap;
    }
    node *n = &f->nodes[f->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->first = n->next = -1;
    n->field = -1;
    n->geom = -1;
    return f->nnodes++;
}

static bool enter(parser *p, size_t at)
{
    if (++p->depth > DM_CQL2_MAX_DEPTH) {
        fail_at(p, at, "the filter is nested more than %d deep", DM_CQL2_MAX_DEPTH);
        return false;
    }
    return true;
}

/* ---- literals ---- */

static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" at s (exactly 10 characters checked by the caller's length):
 * a real calendar date. */
static bool full_date(const char *s, long *days)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !is_digit((unsigned char)s[i]))
            return false;
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > dm_date_days_in_month(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

/* "HH:MM:SS[.fff]Z" */
static bool utc_time(const char *s, size_t n, double *secs)
{
    if (n < 9 || s[2] != ':' || s[5] != ':')
        return false;
    for (int i = 0; i < 8; i++)
        if (i != 2 && i != 5 && !is_digit((unsigned char)s[i]))
            return false;
    int hh = (s[0] - '0') * 10 + (s[1] - '0'), mm = (s[3] - '0') * 10 + (s[4] - '0'),
        ss = (s[6] - '0') * 10 + (s[7] - '0');
    if (hh > 23 || mm > 59 || ss > 60)
        return false;
    size_t i = 8;
    double frac = 0, scale = 0.1;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit((unsigned char)s[i]))
            return false;
        while (i < n && is_digit((unsigned char)s[i])) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
    }
    if (i + 1 != n || (s[i] != 'Z' && s[i] != 'z'))
        return false;
    *secs = hh * 3600.0 + mm * 60.0 + ss + frac;
    return true;
}

/* Decodes the current T_STRING token ('' -> ') into a malloc'd string. */
static char *string_value(parser *p, const tok *t)
{
    const char *s = p->s + t->start + 1;
    size_t n = t->end - t->start - 2;
    char *out = malloc(n + 1);
    if (!out) {
        oom(p);
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        out[o++] = s[i];
        if (s[i] == '\'')
            i++; /* the second quote of '' */
    }
    out[o] = '\0';
    return out;
}

/* Parses the T_NUMBER token t. */
static bool number_value(parser *p, const tok *t, double *num, bool *is_int, long long *inum)
{
    size_t n = t->end - t->start;
    char buf[80];
    if (n >= sizeof buf) {
        fail_at(p, t->start, "this number is too long (more than %zu characters)", sizeof buf - 1);
        return false;
    }
    memcpy(buf, p->s + t->start, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (*end || !isfinite(x)) {
        fail_at(p, t->start, "the number %s is out of range", buf);
        return false;
    }
    *num = x;
    *is_int = false;
    if (!strpbrk(buf, ".eE")) {
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (!*end && errno == 0) {
            *is_int = true;
            *inum = v;
        }
    }
    return true;
}

/* The queryable called name[0..n), or false. */
static bool find_property(const dm_kind *kind, const char *name, size_t n, operand *o)
{
    for (size_t i = 0; i < kind->nfields; i++)
        if (strlen(kind->fields[i].name) == n && !memcmp(kind->fields[i].name, name, n)) {
            o->prop = P_FIELD;
            o->field = (int)i;
            o->def = &kind->fields[i];
            return true;
        }
    static const struct {
        const char *name;
        prop prop;
        const dm_field *def;
    } extra[] = {{"code", P_CODE, &field_code},
                 {"state", P_STATE, &field_state},
                 {"version", P_VERSION, &field_version},
                 {"geometry", P_GEOMETRY, NULL}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        if (extra[i].prop == P_GEOMETRY && kind->geom == DM_GEOM_NONE)
            continue;
        if (strlen(extra[i].name) == n && !memcmp(extra[i].name, name, n)) {
            o->prop = extra[i].prop;
            o->field = -1;
            o->def = extra[i].def;
            return true;
        }
    }
    return false;
}

void dm_cql2_queryables(const dm_kind *kind, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < kind->nfields + 4 && used < outsz; i++) {
        const char *name = i < kind->nfields ? kind->fields[i].name
                                             : (const char *[]){"code", "state", "version",
                                                                "geometry"}[i - kind->nfields];
        if (i == kind->nfields + 3 && kind->geom == DM_GEOM_NONE)
            break;
        /* personal fields are never filtered on (refused for every role), so
           they are not named to anyone */
        if (i < kind->nfields && (kind->fields[i].flags & DM_FIELD_PERSONAL))
            continue;
        int w = snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* The current token as a property (T_IDENT or T_QIDENT); advances. */
static bool parse_property(parser *p, operand *o)
{
    tok t = p->cur;
    const char *name = p->s + t.start;
    size_t n = t.end - t.start;
    if (t.type == T_QIDENT) {
        name++;
        n -= 2;
    }
    o->is_prop = true;
    o->at = t.start;
    if (!find_property(p->kind, name, n, o)) {
        char q[DM_ERROR_MSG_MAX / 2];
        dm_cql2_queryables(p->kind, q, sizeof q);
        fail_at(p, t.start, "unknown property '%.*s'; the queryables of %s are: %s",
                (int)(n > 60 ? 60 : n), name, p->kind->name, q);
        return false;
    }
    return advance(p);
}

static int unsupported_function(parser *p, kw k)
{
    const tok t = p->cur;
    int n = (int)(t.end - t.start);
    const char *name = p->s + t.start;
    if (n > 2 && (name[0] == 'S' || name[0] == 's') && name[1] == '_')
        return fail_at(p, t.start,
                       "%.*s is not supported: the only spatial function is S_INTERSECTS", n, name);
    if (n > 2 && (name[0] == 'T' || name[0] == 't') && name[1] == '_')
        return fail_at(p, t.start,
                       "%.*s is not supported: there are no temporal functions; compare dates "
                       "with =, <>, <, >, <=, >=",
                       n, name);
    if (is_geometry_keyword(k))
        return fail_at(p, t.start,
                       "a geometry (%.*s) can only be an argument of S_INTERSECTS, as in "
                       "S_INTERSECTS(geometry, %.*s(...))",
                       n, name, n, name);
    return fail_at(p, t.start,
                   "%.*s(...) is not supported: there are no functions besides S_INTERSECTS, "
                   "DATE and TIMESTAMP",
                   n > 60 ? 60 : n, name);
}

/* DATE('...') or TIMESTAMP('...'), the keyword being the current token. */
static bool parse_instant(parser *p, kw k, operand *o)
{
    o->at = p->cur.start;
    o->lit = L_TIME;
    if (!advance(p) || !expect(p, T_LPAREN, "'('"))
        return false;
    tok t = p->cur;
    if (t.type != T_STRING) {
        fail_expected(p, k == K_DATE ? "a date in quotes ('YYYY-MM-DD')"
                                     : "a time in quotes ('YYYY-MM-DDTHH:MM:SSZ')");
        return false;
    }
    const char *s = p->s + t.start + 1;
    size_t n = t.end - t.start - 2;
    bool ok;
    o->secs = 0;
    if (k == K_DATE)
        ok = n == 10 && full_date(s, &o->days);
    else
        ok = n >= 20 && full_date(s, &o->days) && (s[10] == 'T' || s[10] == 't') &&
             utc_time(s + 11, n - 11, &o->secs);
    if (!ok) {
        char found[128];
        fail_at(p, t.start, "%s %s is not a %s", k == K_DATE ? "DATE" : "TIMESTAMP",
                describe(p, &t, found, sizeof found),
                k == K_DATE ? "calendar date written YYYY-MM-DD"
                            : "UTC time written YYYY-MM-DDTHH:MM:SSZ (seconds may have "
                              "decimals)");
        return false;
    }
    if (!advance(p))
        return false;
    return expect(p, T_RPAREN, "')'");
}

/* A property or a literal. */
static bool parse_operand(parser *p, operand *o)
{
    memset(o, 0, sizeof *o);
    o->field = -1;
    o->at = p->cur.start;
    tok t = p->cur;
    switch (t.type) {
    case T_STRING:
        o->lit = L_STR;
        o->str = string_value(p, &t);
        return o->str && advance(p);
    case T_NUMBER:
        o->lit = L_NUM;
        return number_value(p, &t, &o->num, &o->num_is_int, &o->inum) && advance(p);
    case T_QIDENT: return parse_property(p, o);
    case T_IDENT: {
        kw k = keyword(p, &t);
        tok next = peek2(p);
        if (k == K_TRUE || k == K_FALSE) {
            o->lit = L_BOOL;
            o->b = k == K_TRUE;
            return advance(p);
        }
        if (next.type == T_LPAREN || geometry_ahead(p, k, &next)) {
            if (k == K_DATE || k == K_TIMESTAMP)
                return parse_instant(p, k, o);
            unsupported_function(p, k);
            return false;
        }
        if (k == K_NULL) {
            fail_at(p, t.start,
                    "NULL is not a value: write 'property IS NULL' or 'property IS "
                    "NOT NULL'");
            return false;
        }
        if (k == K_AND || k == K_OR || k == K_NOT || k == K_IS) {
            fail_expected(p, "a property name or a literal");
            return false;
        }
        return parse_property(p, o);
    }
    default: fail_expected(p, "a property name or a literal"); return false;
    }
}

static const char *lit_name(lkind k)
{
    switch (k) {
    case L_STR: return "a string";
    case L_NUM: return "a number";
    case L_BOOL: return "a boolean";
    case L_TIME: return "a date or time";
    }
    return "a literal";
}

/* Checks literal l against property pr and converts it to the property's
 * form; fills node n. */
static bool typed_literal(parser *p, const operand *pr, operand *l, cmpop op, size_t op_at, node *n)
{
    if (pr->prop == P_GEOMETRY) {
        fail_at(p, pr->at,
                "geometry can only be used in S_INTERSECTS(geometry, ...) or with IS [NOT] NULL");
        return false;
    }
    const dm_field *def = pr->def;
    const char *want = NULL;
    switch (def->type) {
    case DM_FT_TEXT:
        if (l->lit != L_STR)
            want = "a string in single quotes";
        break;
    case DM_FT_ENUM:
        if (l->lit != L_STR) {
            want = "a string in single quotes";
            break;
        } else {
            char *canon = NULL;
            dm_error e;
            dm_error_clear(&e);
            if (dm_field_normalise(def, l->str, &canon, &e) != DM_OK || !canon) {
                free(canon);
                if (e.code == DM_ENOMEM) {
                    oom(p);
                    return false;
                }
                if (!e.msg[0])
                    dm_error_set(&e, DM_EINVAL, "%s '' is not one of its values", def->name);
                fail_at(p, l->at, "%s", e.msg);
                return false;
            }
            free(l->str);
            l->str = canon;
        }
        break;
    case DM_FT_INT:
    case DM_FT_REAL:
        if (l->lit != L_NUM)
            want = "a number";
        break;
    case DM_FT_BOOL:
        if (l->lit != L_BOOL) {
            want = "TRUE or FALSE";
            break;
        }
        if (op != OP_EQ && op != OP_NE) {
            fail_at(p, op_at, "%s is a boolean: compare it with = or <> only", def->name);
            return false;
        }
        break;
    case DM_FT_DATE:
        if (l->lit == L_STR) {
            dm_date d;
            dm_error e;
            dm_error_clear(&e);
            if (dm_date_parse(l->str, &d, &e) != DM_OK) {
                fail_at(p, l->at, "%s is a date: %s (or write DATE('YYYY-MM-DD'))", def->name,
                        e.msg);
                return false;
            }
            free(l->str);
            l->str = NULL;
            l->lit = L_TIME;
            l->days = days_from_civil(d.year, d.month, d.day);
            l->secs = 0;
        } else if (l->lit != L_TIME) {
            want = "DATE('YYYY-MM-DD')";
        }
        break;
    }
    if (want) {
        fail_at(p, l->at, "%s is %s: expected %s, found %s", def->name,
                def->type == DM_FT_TEXT   ? "text"
                : def->type == DM_FT_ENUM ? "a list of values"
                : def->type == DM_FT_BOOL ? "a boolean"
                : def->type == DM_FT_DATE ? "a date"
                                          : "a number",
                want, lit_name(l->lit));
        return false;
    }
    n->prop = pr->prop;
    n->field = pr->field;
    n->op = op;
    n->lit = l->lit;
    n->str = l->str;
    l->str = NULL;
    n->num = l->num;
    n->num_is_int = l->num_is_int;
    n->inum = l->inum;
    n->b = l->b;
    n->days = l->days;
    n->secs = l->secs;
    return true;
}

static cmpop mirror(cmpop op)
{
    switch (op) {
    case OP_LT: return OP_GT;
    case OP_GT: return OP_LT;
    case OP_LE: return OP_GE;
    case OP_GE: return OP_LE;
    default: return op;
    }
}

/* operand ( compop operand | IS [NOT] NULL ) */
static int parse_predicate(parser *p)
{
    operand a, b;
    memset(&b, 0, sizeof b);
    if (!parse_operand(p, &a)) {
        free(a.str);
        return -1;
    }
    int id = -1;
    kw k = keyword(p, &p->cur);
    if (k == K_IS) {
        if (!a.is_prop) {
            fail_at(p, a.at, "IS NULL needs a property on its left, found %s", lit_name(a.lit));
            goto done;
        }
        if (!advance(p))
            goto done;
        bool negate = false;
        if (keyword(p, &p->cur) == K_NOT) {
            negate = true;
            if (!advance(p))
                goto done;
        }
        if (keyword(p, &p->cur) != K_NULL) {
            fail_expected(p, negate ? "NULL" : "NULL or NOT NULL");
            goto done;
        }
        if (!advance(p))
            goto done;
        id = new_node(p, N_NULL, a.at);
        if (id < 0)
            goto done;
        p->f->nodes[id].prop = a.prop;
        p->f->nodes[id].field = a.field;
        p->f->nodes[id].negate = negate;
        goto done;
    }
    cmpop op;
    switch (p->cur.type) {
    case T_EQ: op = OP_EQ; break;
    case T_NE: op = OP_NE; break;
    case T_LT: op = OP_LT; break;
    case T_GT: op = OP_GT; break;
    case T_LE: op = OP_LE; break;
    case T_GE: op = OP_GE; break;
    default: {
        tok nx = peek2(p);
        kw k2 = k == K_NOT ? keyword(p, &nx) : k;
        if (k2 == K_LIKE || k2 == K_BETWEEN || k2 == K_IN)
            fail_at(p, p->cur.start,
                    "LIKE, BETWEEN and IN are not supported: compare with =, <>, <, >, <=, >= "
                    "and combine with AND, OR");
        else
            fail_expected(p, a.is_prop ? "a comparison operator (=, <>, <, >, <=, >=) or IS"
                                       : "a comparison operator (=, <>, <, >, <=, >=)");
        goto done;
    }
    }
    size_t op_at = p->cur.start;
    if (!advance(p) || !parse_operand(p, &b))
        goto done;
    if (a.is_prop == b.is_prop) {
        fail_at(p, b.at,
                a.is_prop ? "comparing two properties is not supported: compare a property with "
                            "a literal"
                          : "comparing two literals is not supported: compare a property with a "
                            "literal");
        goto done;
    }
    id = new_node(p, N_CMP, a.at);
    if (id < 0)
        goto done;
    if (!(a.is_prop ? typed_literal(p, &a, &b, op, op_at, &p->f->nodes[id])
                    : typed_literal(p, &b, &a, mirror(op), op_at, &p->f->nodes[id])))
        id = -1; /* the node stays in the pool and is freed with it */
done:
    free(a.str);
    free(b.str);
    return p->failed ? -1 : id;
}

/* ---- geometry literals ---- */

typedef struct coords {
    double *xy;
    size_t n, cap;
} coords;

static bool coords_push(parser *p, coords *c, double x, double y)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        double *xy = realloc(c->xy, sizeof *xy * 2 * cap);
        if (!xy) {
            oom(p);
            return false;
        }
        c->xy = xy;
        c->cap = cap;
    }
    c->xy[2 * c->n] = x;
    c->xy[2 * c->n + 1] = y;
    c->n++;
    return true;
}

static bool parse_coord_number(parser *p, double *v)
{
    bool is_int;
    long long iv;
    if (p->cur.type != T_NUMBER) {
        fail_expected(p, "a coordinate (a number)");
        return false;
    }
    return number_value(p, &p->cur, v, &is_int, &iv) && advance(p);
}

/* x y [z] */
static bool parse_point(parser *p, bool has_z, coords *c)
{
    double x, y, z;
    if (!parse_coord_number(p, &x) || !parse_coord_number(p, &y))
        return false;
    if (has_z || p->cur.type == T_NUMBER)
        if (!parse_coord_number(p, &z))
            return false;
    return coords_push(p, c, x, y);
}

/* ( x y, x y, ... ) */
static bool parse_point_list(parser *p, bool has_z, coords *c)
{
    if (!expect(p, T_LPAREN, "'('"))
        return false;
    for (;;) {
        if (!parse_point(p, has_z, c))
            return false;
        if (p->cur.type != T_COMMA)
            break;
        if (!advance(p))
            return false;
    }
    return expect(p, T_RPAREN, "',' or ')'");
}

static GEOSGeometry *geos_failed(parser *p, size_t at)
{
    if (!p->failed) {
        const char *why = dm_geo_last_error(p->geo);
        fail_at(p, at, "the geometry could not be made: %s", why[0] ? why : "GEOS failed");
    }
    return NULL;
}

static GEOSCoordSequence *make_seq(parser *p, const coords *c)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)c->n, 2);
    if (!seq)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (!GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, c->xy[2 * i], c->xy[2 * i + 1])) {
            GEOSCoordSeq_destroy_r(h, seq);
            return NULL;
        }
    return seq;
}

static GEOSGeometry *make_line(parser *p, const coords *c, bool ring, size_t at)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    if (ring) {
        if (c->n < 4) {
            fail_at(p, at, "a polygon ring needs at least 4 points, found %zu", c->n);
            return NULL;
        }
        if (c->xy[0] != c->xy[2 * (c->n - 1)] || c->xy[1] != c->xy[2 * (c->n - 1) + 1]) {
            fail_at(p, at, "this polygon ring is not closed: its last point must be its first");
            return NULL;
        }
    } else if (c->n < 2) {
        fail_at(p, at, "a line needs at least 2 points");
        return NULL;
    }
    GEOSCoordSequence *seq = make_seq(p, c);
    if (!seq)
        return geos_failed(p, at);
    GEOSGeometry *g =
        ring ? GEOSGeom_createLinearRing_r(h, seq) : GEOSGeom_createLineString_r(h, seq);
    return g ? g : geos_failed(p, at); /* GEOS took seq either way */
}

/* ( (ring), (ring), ... ) */
static GEOSGeometry *parse_polygon_text(parser *p, bool has_z)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    size_t at = p->cur.start;
    if (!expect(p, T_LPAREN, "'('"))
        return NULL;
    GEOSGeometry **rings = NULL;
    size_t nrings = 0, cap = 0;
    coords c = {0};
    GEOSGeometry *poly = NULL;
    for (;;) {
        size_t ring_at = p->cur.start;
        c.n = 0;
        if (!parse_point_list(p, has_z, &c))
            goto done;
        if (nrings == cap) {
            cap = cap ? cap * 2 : 4;
            GEOSGeometry **r = realloc(rings, sizeof *r * cap);
            if (!r) {
                oom(p);
                goto done;
            }
            rings = r;
        }
        rings[nrings] = make_line(p, &c, true, ring_at);
        if (!rings[nrings])
            goto done;
        nrings++;
        if (p->cur.type != T_COMMA)
            break;
        if (!advance(p))
            goto done;
    }
    if (!expect(p, T_RPAREN, "',' or ')'"))
        goto done;
    poly = GEOSGeom_createPolygon_r(h, rings[0], nrings > 1 ? rings + 1 : NULL,
                                    (unsigned)(nrings - 1));
    if (poly)
        nrings = 0; /* owned by the polygon now */
    else
        geos_failed(p, at);
done:
    for (size_t i = 0; i < nrings; i++)
        GEOSGeom_destroy_r(h, rings[i]);
    free(rings);
    free(c.xy);
    return poly;
}

static GEOSGeometry *parse_geometry(parser *p);

typedef struct parts {
    GEOSGeometry **g;
    size_t n, cap;
} parts;

static bool parts_push(parser *p, parts *ps, GEOSGeometry *g)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 4;
        GEOSGeometry **a = realloc(ps->g, sizeof *a * cap);
        if (!a) {
            GEOSGeom_destroy_r(dm_geo_handle(p->geo), g);
            oom(p);
            return false;
        }
        ps->g = a;
        ps->cap = cap;
    }
    ps->g[ps->n++] = g;
    return true;
}

static GEOSGeometry *make_point(parser *p, double x, double y, size_t at)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    GEOSGeometry *g = GEOSGeom_createPointFromXY_r(h, x, y);
    return g ? g : geos_failed(p, at);
}

/* A multi-geometry or collection: "(" part { "," part } ")". */
static GEOSGeometry *parse_multi(parser *p, kw k, bool has_z, size_t at)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    parts ps = {0};
    coords c = {0};
    GEOSGeometry *out = NULL;
    if (!expect(p, T_LPAREN, "'('"))
        goto done;
    for (;;) {
        GEOSGeometry *g = NULL;
        size_t part_at = p->cur.start;
        if (k == K_MULTIPOINT) {
            /* MULTIPOINT((1 2), (3 4)) or MULTIPOINT(1 2, 3 4) */
            c.n = 0;
            bool paren = p->cur.type == T_LPAREN;
            if (paren && !advance(p))
                goto done;
            if (!parse_point(p, has_z, &c))
                goto done;
            if (paren && !expect(p, T_RPAREN, "')'"))
                goto done;
            g = make_point(p, c.xy[0], c.xy[1], part_at);
        } else if (k == K_MULTILINESTRING) {
            c.n = 0;
            if (!parse_point_list(p, has_z, &c))
                goto done;
            g = make_line(p, &c, false, part_at);
        } else if (k == K_MULTIPOLYGON) {
            g = parse_polygon_text(p, has_z);
        } else {
            g = parse_geometry(p);
        }
        if (!g || !parts_push(p, &ps, g))
            goto done;
        if (p->cur.type != T_COMMA)
            break;
        if (!advance(p))
            goto done;
    }
    if (!expect(p, T_RPAREN, "',' or ')'"))
        goto done;
    int type = k == K_MULTIPOINT        ? GEOS_MULTIPOINT
               : k == K_MULTILINESTRING ? GEOS_MULTILINESTRING
               : k == K_MULTIPOLYGON    ? GEOS_MULTIPOLYGON
                                        : GEOS_GEOMETRYCOLLECTION;
    out = GEOSGeom_createCollection_r(h, type, ps.g, (unsigned)ps.n);
    if (out)
        ps.n = 0; /* owned by the collection */
    else
        geos_failed(p, at);
done:
    for (size_t i = 0; i < ps.n; i++)
        GEOSGeom_destroy_r(h, ps.g[i]);
    free(ps.g);
    free(c.xy);
    return out;
}

static GEOSGeometry *make_box(parser *p, double x0, double y0, double x1, double y1, size_t at)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    if (x0 == x1 && y0 == y1)
        return make_point(p, x0, y0, at);
    coords c = {0};
    bool ok = x0 == x1 || y0 == y1 ? coords_push(p, &c, x0, y0) && coords_push(p, &c, x1, y1)
                                   : coords_push(p, &c, x0, y0) && coords_push(p, &c, x1, y0) &&
                                         coords_push(p, &c, x1, y1) && coords_push(p, &c, x0, y1) &&
                                         coords_push(p, &c, x0, y0);
    GEOSGeometry *g = NULL;
    if (ok && c.n == 2) {
        g = make_line(p, &c, false, at);
    } else if (ok) {
        GEOSGeometry *ring = make_line(p, &c, true, at);
        g = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
        if (ring && !g) {
            GEOSGeom_destroy_r(h, ring);
            geos_failed(p, at);
        }
    }
    free(c.xy);
    return g;
}

/* BBOX(minx, miny, maxx, maxy) or BBOX(minx, miny, minz, maxx, maxy, maxz) */
static GEOSGeometry *parse_bbox(parser *p, size_t at)
{
    double v[6];
    int n = 0;
    if (!expect(p, T_LPAREN, "'('"))
        return NULL;
    for (;;) {
        if (!parse_coord_number(p, &v[n]))
            return NULL;
        n++;
        if (p->cur.type != T_COMMA && p->cur.type != T_RPAREN) {
            fail_expected(p, "',' or ')'");
            return NULL;
        }
        if (p->cur.type != T_COMMA || n == 6)
            break;
        if (!advance(p))
            return NULL;
    }
    if (n != 4 && n != 6) {
        fail_at(p, p->cur.start,
                "BBOX needs 4 numbers (minx, miny, maxx, maxy) or 6 (with heights), found %d", n);
        return NULL;
    }
    if (!expect(p, T_RPAREN, "')'"))
        return NULL;
    double x0 = v[0], y0 = v[1], x1 = n == 4 ? v[2] : v[3], y1 = n == 4 ? v[3] : v[4];
    if (y0 > y1) {
        fail_at(p, at, "BBOX: the southern edge %g is north of the northern edge %g", y0, y1);
        return NULL;
    }
    if (x0 <= x1)
        return make_box(p, x0, y0, x1, y1, at);
    /* west > east: the box crosses the antimeridian */
    if (x0 > 180 || x1 < -180) {
        fail_at(p, at,
                "BBOX: minx %g is greater than maxx %g, which means a box across the "
                "antimeridian, but they are not longitudes within -180..180",
                x0, x1);
        return NULL;
    }
    parts ps = {0};
    GEOSGeometry *out = NULL;
    GEOSGeometry *a = make_box(p, x0, y0, 180, y1, at);
    if (a && parts_push(p, &ps, a)) {
        GEOSGeometry *b = make_box(p, -180, y0, x1, y1, at);
        if (b && parts_push(p, &ps, b)) {
            out = GEOSGeom_createCollection_r(dm_geo_handle(p->geo), GEOS_GEOMETRYCOLLECTION, ps.g,
                                              2);
            if (out)
                ps.n = 0;
            else
                geos_failed(p, at);
        }
    }
    for (size_t i = 0; i < ps.n; i++)
        GEOSGeom_destroy_r(dm_geo_handle(p->geo), ps.g[i]);
    free(ps.g);
    return out;
}

/* A geometry literal; the current token is its keyword. */
static GEOSGeometry *parse_geometry(parser *p)
{
    size_t at = p->cur.start;
    kw k = keyword(p, &p->cur);
    if (!is_geometry_keyword(k)) {
        fail_expected(p, "a geometry (POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, "
                         "MULTIPOLYGON, GEOMETRYCOLLECTION or BBOX)");
        return NULL;
    }
    if (!enter(p, at) || !advance(p))
        return NULL;
    GEOSGeometry *g = NULL;
    if (k == K_BBOX) {
        g = parse_bbox(p, at);
        p->depth--;
        return g;
    }
    bool has_z = false;
    if (keyword(p, &p->cur) == K_Z) {
        has_z = true;
        if (!advance(p))
            return NULL;
    }
    coords c = {0};
    switch (k) {
    case K_POINT:
        if (expect(p, T_LPAREN, "'('") && parse_point(p, has_z, &c) && expect(p, T_RPAREN, "')'"))
            g = make_point(p, c.xy[0], c.xy[1], at);
        break;
    case K_LINESTRING:
        if (parse_point_list(p, has_z, &c))
            g = make_line(p, &c, false, at);
        break;
    case K_POLYGON: g = parse_polygon_text(p, has_z); break;
    case K_GEOMETRYCOLLECTION:
        if (has_z) {
            fail_at(p, at, "GEOMETRYCOLLECTION takes no Z: give it to its members");
            break;
        }
        /* fall through */
    default: g = parse_multi(p, k, has_z, at); break;
    }
    free(c.xy);
    p->depth--;
    return g;
}

/* Keeps g for the filter: checked, prepared and stored; returns its index. */
static int keep_geometry(parser *p, GEOSGeometry *g, size_t at)
{
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    dm_cql2 *f = p->f;
    char bad[256] = "";
    if (GEOSisValid_r(h, g) != 1) {
        char *why = GEOSisValidReason_r(h, g);
        snprintf(bad, sizeof bad, "%s", why ? why : "?");
        GEOSFree_r(h, why);
        GEOSGeom_destroy_r(h, g);
        return fail_at(p, at, "this geometry is not valid: %s", bad);
    }
    if (f->ngeoms == f->gcap) {
        int cap = f->gcap ? f->gcap * 2 : 4;
        GEOSGeometry **gs = realloc(f->geoms, sizeof *gs * (size_t)cap);
        if (gs)
            f->geoms = gs;
        const GEOSPreparedGeometry **ps = gs ? realloc(f->preps, sizeof *ps * (size_t)cap) : NULL;
        if (ps)
            f->preps = ps;
        if (!gs || !ps) {
            GEOSGeom_destroy_r(h, g);
            oom(p);
            return -1;
        }
        f->gcap = cap;
    }
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, g);
    if (!prep) {
        GEOSGeom_destroy_r(h, g);
        geos_failed(p, at);
        return -1;
    }
    f->geoms[f->ngeoms] = g;
    f->preps[f->ngeoms] = prep;
    return f->ngeoms++;
}

/* S_INTERSECTS ( geometry-or-literal , geometry-or-literal ) */
static int parse_intersects(parser *p)
{
    size_t at = p->cur.start;
    if (p->kind->geom == DM_GEOM_NONE)
        return fail_at(p, at, "%s have no geometry: S_INTERSECTS cannot be used on them",
                       p->kind->name);
    if (!p->geo) {
        fail_at(p, at, "no geometry context was given to the parser (a bug in the caller)");
        p->status = DM_EINTERNAL;
        if (p->err)
            p->err->code = DM_EINTERNAL;
        return -1;
    }
    if (!advance(p) || !expect(p, T_LPAREN, "'('"))
        return -1;
    GEOSGeometry *lit = NULL;
    size_t lit_at = 0;
    int nprops = 0;
    for (int arg = 0; arg < 2; arg++) {
        size_t arg_at = p->cur.start;
        if (is_geometry_keyword(keyword(p, &p->cur))) {
            if (lit) {
                fail_at(p, arg_at,
                        "S_INTERSECTS compares the property geometry with one geometry, found "
                        "two geometries");
                break;
            }
            lit_at = arg_at;
            lit = parse_geometry(p);
            if (!lit)
                break;
        } else if (p->cur.type == T_QIDENT ||
                   (p->cur.type == T_IDENT && peek2(p).type != T_LPAREN)) {
            operand o;
            memset(&o, 0, sizeof o);
            if (!parse_property(p, &o))
                break;
            if (o.prop != P_GEOMETRY) {
                fail_at(p, arg_at,
                        "%s is not a geometry: S_INTERSECTS compares the property geometry with "
                        "a geometry",
                        o.def ? o.def->name : "?");
                break;
            }
            if (++nprops > 1) {
                fail_at(p, arg_at,
                        "S_INTERSECTS compares the property geometry with a geometry literal, "
                        "found the property twice");
                break;
            }
        } else if (p->cur.type == T_IDENT) {
            unsupported_function(p, keyword(p, &p->cur));
            break;
        } else {
            fail_expected(p, "the property geometry or a geometry (POINT(...), POLYGON(...), "
                             "BBOX(...) ...)");
            break;
        }
        if (arg == 0 && !expect(p, T_COMMA, "','"))
            break;
    }
    GEOSContextHandle_t h = dm_geo_handle(p->geo);
    if (p->failed || !expect(p, T_RPAREN, "')'") || !lit) {
        if (lit)
            GEOSGeom_destroy_r(h, lit);
        return p->failed ? -1 : fail_at(p, at, "S_INTERSECTS needs a geometry");
    }
    int gi = keep_geometry(p, lit, lit_at);
    if (gi < 0)
        return -1;
    int id = new_node(p, N_INTERSECTS, at);
    if (id < 0)
        return -1;
    node *n = &p->f->nodes[id];
    n->geom = gi;
    n->prop = P_GEOMETRY;
    const GEOSGeometry *g = p->f->geoms[gi];
    if (!GEOSGeom_getXMin_r(h, g, &n->env[0]) || !GEOSGeom_getYMin_r(h, g, &n->env[1]) ||
        !GEOSGeom_getXMax_r(h, g, &n->env[2]) || !GEOSGeom_getYMax_r(h, g, &n->env[3])) {
        geos_failed(p, at);
        return -1;
    }
    return id;
}

/* ---- boolean structure ---- */

static int parse_or(parser *p);

static bool is_cmp(ttype t) { return t >= T_EQ && t <= T_GE; }

static int parse_primary(parser *p)
{
    tok t = p->cur;
    switch (t.type) {
    case T_LPAREN: {
        if (!enter(p, t.start) || !advance(p))
            return -1;
        int id = parse_or(p);
        if (id < 0)
            return -1;
        if (p->cur.type != T_RPAREN) {
            char what[96];
            snprintf(what, sizeof what, "AND, OR or ')' to close the '(' at position %zu",
                     char_pos(p, t.start));
            return fail_expected(p, what);
        }
        if (!advance(p))
            return -1;
        p->depth--;
        return id;
    }
    case T_IDENT: {
        kw k = keyword(p, &t);
        tok nx = peek2(p);
        if (k == K_S_INTERSECTS && nx.type == T_LPAREN)
            return parse_intersects(p);
        if ((k == K_TRUE || k == K_FALSE) && !is_cmp(nx.type)) {
            int id = new_node(p, k == K_TRUE ? N_TRUE : N_FALSE, t.start);
            return id < 0 || !advance(p) ? -1 : id;
        }
        if ((nx.type == T_LPAREN && k != K_DATE && k != K_TIMESTAMP) || geometry_ahead(p, k, &nx))
            return unsupported_function(p, k);
        if (k == K_AND || k == K_OR || k == K_IS || k == K_NULL)
            return fail_expected(p, "a property name, a literal, NOT, S_INTERSECTS or '('");
        return parse_predicate(p);
    }
    case T_QIDENT:
    case T_STRING:
    case T_NUMBER: return parse_predicate(p);
    default: return fail_expected(p, "a property name, a literal, NOT, S_INTERSECTS or '('");
    }
}

static int parse_factor(parser *p)
{
    if (keyword(p, &p->cur) != K_NOT)
        return parse_primary(p);
    size_t at = p->cur.start;
    if (!enter(p, at) || !advance(p))
        return -1;
    int child = parse_factor(p);
    if (child < 0)
        return -1;
    p->depth--;
    int id = new_node(p, N_NOT, at);
    if (id < 0)
        return -1;
    p->f->nodes[id].first = child;
    return id;
}

/* first { KW first } as one n-ary node of kind nk */
static int parse_chain(parser *p, kw k, nkind nk, int (*sub)(parser *))
{
    int first = sub(p);
    if (first < 0 || keyword(p, &p->cur) != k)
        return first;
    int id = new_node(p, nk, p->cur.start);
    if (id < 0)
        return -1;
    p->f->nodes[id].first = first;
    int tail = first;
    while (keyword(p, &p->cur) == k) {
        if (!advance(p))
            return -1;
        int c = sub(p);
        if (c < 0)
            return -1;
        p->f->nodes[tail].next = c;
        tail = c;
    }
    return id;
}

static int parse_and(parser *p) { return parse_chain(p, K_AND, N_AND, parse_factor); }

static int parse_or(parser *p) { return parse_chain(p, K_OR, N_OR, parse_and); }

dm_status dm_cql2_parse(const char *text, const dm_kind *kind, dm_geo *geo, dm_cql2 **out,
                        dm_error *err)
{
    *out = NULL;
    size_t len = strnlen(text, (size_t)DM_CQL2_MAX_LEN + 1);
    if (len > DM_CQL2_MAX_LEN)
        return dm_error_set(err, DM_EINVAL, "the filter is longer than %d bytes", DM_CQL2_MAX_LEN);
    dm_cql2 *f = calloc(1, sizeof *f);
    if (!f)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    f->kind = kind;
    f->geo = geo;
    f->root = -1;
    parser p = {.s = text, .len = len, .kind = kind, .geo = geo, .f = f, .err = err};
    size_t bad;
    if (!dm_utf8_valid(text, len, &bad)) {
        fail_at(&p, bad, "the filter is not UTF-8 text");
    } else if (advance(&p)) {
        f->root = parse_or(&p);
        if (f->root >= 0 && p.cur.type != T_END)
            fail_expected(&p, "AND, OR or the end of the filter");
    }
    if (p.failed) {
        dm_cql2_free(f);
        return p.status;
    }
    *out = f;
    return DM_OK;
}

/* ---- evaluation ---- */

typedef enum tv { TV_FALSE, TV_TRUE, TV_UNKNOWN } tv;

static int sign3(double a, double b) { return a < b ? -1 : a > b ? 1 : 0; }

static tv apply(cmpop op, int c)
{
    bool r = false;
    switch (op) {
    case OP_EQ: r = c == 0; break;
    case OP_NE: r = c != 0; break;
    case OP_LT: r = c < 0; break;
    case OP_GT: r = c > 0; break;
    case OP_LE: r = c <= 0; break;
    case OP_GE: r = c >= 0; break;
    }
    return r ? TV_TRUE : TV_FALSE;
}

static const char *value_text(const dm_cql2 *f, const node *n, const dm_record *rec)
{
    switch (n->prop) {
    case P_FIELD:
        return n->field >= 0 && (size_t)n->field < f->kind->nfields ? rec->values[n->field] : NULL;
    case P_CODE: return rec->code[0] ? rec->code : NULL;
    case P_STATE: return rec->state[0] ? rec->state : NULL;
    default: return NULL;
    }
}

static int cmp_number(const node *n, const char *text, bool integer, bool *known)
{
    char *end;
    if (integer && n->num_is_int) {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (!*end && end != text && errno == 0)
            return v < n->inum ? -1 : v > n->inum ? 1 : 0;
    }
    double x = strtod(text, &end);
    if (*end || end == text || isnan(x)) {
        *known = false;
        return 0;
    }
    return sign3(x, n->num);
}

static tv eval_cmp(const dm_cql2 *f, const node *n, const dm_record *rec)
{
    if (n->prop == P_VERSION) {
        if (n->num_is_int)
            return apply(n->op, rec->version < n->inum ? -1 : rec->version > n->inum ? 1 : 0);
        return apply(n->op, sign3((double)rec->version, n->num));
    }
    const char *text = value_text(f, n, rec);
    if (!text)
        return TV_UNKNOWN;
    const dm_field *def = n->prop == P_CODE    ? &field_code
                          : n->prop == P_STATE ? &field_state
                                               : &f->kind->fields[n->field];
    bool known = true;
    int c = 0;
    switch (def->type) {
    case DM_FT_TEXT:
    case DM_FT_ENUM: c = strcmp(text, n->str); break;
    case DM_FT_INT:
    case DM_FT_REAL: c = cmp_number(n, text, def->type == DM_FT_INT, &known); break;
    case DM_FT_BOOL:
        if (strcmp(text, "0") && strcmp(text, "1"))
            return TV_UNKNOWN;
        c = (text[0] == '1') != n->b;
        break;
    case DM_FT_DATE: {
        long days;
        if (!(strlen(text) == 10 && full_date(text, &days))) {
            dm_date d;
            if (dm_date_parse(text, &d, NULL) != DM_OK)
                return TV_UNKNOWN;
            days = days_from_civil(d.year, d.month, d.day);
        }
        c = days != n->days ? (days < n->days ? -1 : 1) : sign3(0, n->secs);
        break;
    }
    }
    return known ? apply(n->op, c) : TV_UNKNOWN;
}

static tv eval_node(const dm_cql2 *f, int i, const dm_record *rec, GEOSContextHandle_t h,
                    dm_geo *geo, dm_status *st, dm_error *err)
{
    const node *n = &f->nodes[i];
    switch (n->kind) {
    case N_TRUE: return TV_TRUE;
    case N_FALSE: return TV_FALSE;
    case N_NOT: {
        tv r = eval_node(f, n->first, rec, h, geo, st, err);
        return r == TV_UNKNOWN ? r : r == TV_TRUE ? TV_FALSE : TV_TRUE;
    }
    case N_AND:
    case N_OR: {
        tv stop = n->kind == N_AND ? TV_FALSE : TV_TRUE;
        tv res = n->kind == N_AND ? TV_TRUE : TV_FALSE;
        for (int c = n->first; c >= 0 && !*st; c = f->nodes[c].next) {
            tv r = eval_node(f, c, rec, h, geo, st, err);
            if (r == stop)
                return stop;
            if (r == TV_UNKNOWN)
                res = TV_UNKNOWN;
        }
        return res;
    }
    case N_NULL: {
        bool has = n->prop == P_GEOMETRY  ? rec->geom || rec->geom_damaged
                   : n->prop == P_VERSION ? true
                                          : value_text(f, n, rec) != NULL;
        return has == n->negate ? TV_TRUE : TV_FALSE;
    }
    case N_CMP: return eval_cmp(f, n, rec);
    case N_INTERSECTS: {
        if (!rec->geom)
            return TV_UNKNOWN;
        char r = GEOSPreparedIntersects_r(h, f->preps[n->geom], rec->geom);
        if (r == 2) {
            const char *why = geo ? dm_geo_last_error(geo) : "";
            *st = dm_error_set(err, DM_EGEOM, "S_INTERSECTS failed on %s: %s",
                               rec->code[0] ? rec->code : "a record", why[0] ? why : "GEOS failed");
            return TV_UNKNOWN;
        }
        return r ? TV_TRUE : TV_FALSE;
    }
    }
    return TV_UNKNOWN;
}

dm_status dm_cql2_eval(const dm_cql2 *f, const dm_record *rec, dm_geo *geo, bool *match,
                       dm_error *err)
{
    *match = false;
    if (rec->kind != f->kind)
        return dm_error_set(err, DM_EINVAL, "a filter on %s cannot be applied to %s", f->kind->name,
                            rec->kind ? rec->kind->name : "a record of no kind");
    if (!geo)
        geo = f->geo;
    GEOSContextHandle_t h = geo ? dm_geo_handle(geo) : NULL;
    dm_status st = DM_OK;
    tv r = eval_node(f, f->root, rec, h, geo, &st, err);
    if (st)
        return st;
    *match = r == TV_TRUE;
    return DM_OK;
}

/* ---- envelope, personal data, freeing ---- */

static bool node_bbox(const dm_cql2 *f, int i, double out[4])
{
    const node *n = &f->nodes[i];
    switch (n->kind) {
    case N_INTERSECTS: memcpy(out, n->env, sizeof n->env); return true;
    case N_AND: {
        bool has = false;
        double best = 0, e[4];
        for (int c = n->first; c >= 0; c = f->nodes[c].next) {
            if (!node_bbox(f, c, e))
                continue;
            double area = (e[2] - e[0]) * (e[3] - e[1]);
            if (!has || area < best) {
                memcpy(out, e, sizeof e);
                best = area;
                has = true;
            }
        }
        return has;
    }
    case N_OR: {
        double e[4];
        for (int c = n->first; c >= 0; c = f->nodes[c].next) {
            if (!node_bbox(f, c, e))
                return false;
            if (c == n->first) {
                memcpy(out, e, sizeof e);
            } else {
                out[0] = fmin(out[0], e[0]);
                out[1] = fmin(out[1], e[1]);
                out[2] = fmax(out[2], e[2]);
                out[3] = fmax(out[3], e[3]);
            }
        }
        return true;
    }
    default: return false;
    }
}

void dm_cql2_bbox(const dm_cql2 *f, double out[4], bool *has)
{
    double e[4] = {0, 0, 0, 0};
    *has = f->root >= 0 && node_bbox(f, f->root, e);
    memcpy(out, e, sizeof e);
}

bool dm_cql2_uses_personal(const dm_cql2 *f)
{
    for (int i = 0; i < f->nnodes; i++) {
        const node *n = &f->nodes[i];
        if ((n->kind == N_CMP || n->kind == N_NULL) && n->prop == P_FIELD && n->field >= 0 &&
            (f->kind->fields[n->field].flags & DM_FIELD_PERSONAL))
            return true;
    }
    return false;
}

const dm_kind *dm_cql2_kind(const dm_cql2 *f) { return f->kind; }

void dm_cql2_free(dm_cql2 *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nnodes; i++)
        free(f->nodes[i].str);
    free(f->nodes);
    if (f->ngeoms) {
        GEOSContextHandle_t h = dm_geo_handle(f->geo);
        for (int i = 0; i < f->ngeoms; i++) {
            GEOSPreparedGeom_destroy_r(h, f->preps[i]);
            GEOSGeom_destroy_r(h, f->geoms[i]);
        }
    }
    free(f->geoms);
    free(f->preps);
    free(f);
}
