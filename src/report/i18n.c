#include "report/i18n.h"

#include "core/utf8.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const required[] = {
#define K(k) k,
#include "report/i18n_keys.def"
#undef K
};

const char *const *dm_i18n_keys(size_t *n)
{
    *n = sizeof required / sizeof required[0];
    return required;
}

typedef struct entry {
    char *key, *text;
} entry;

struct dm_i18n {
    char lang[8];
    entry *e;
    size_t n;
    char decimal[8], group[8], date[64];
    char missing[DM_I18N_KEY_MAX + 3];
};

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static bool key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > DM_I18N_KEY_MAX)
        return false;
    for (; *k; k++)
        if (!((isascii((unsigned char)*k) && isalnum((unsigned char)*k)) || *k == '.' ||
              *k == '_' || *k == '-'))
            return false;
    return true;
}

void dm_i18n_free(dm_i18n *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].text);
    }
    free(t->e);
    free(t);
}

static const char *lookup(const dm_i18n *t, const char *key)
{
    entry probe = {(char *)key, NULL};
    const entry *e = t->n ? bsearch(&probe, t->e, t->n, sizeof *t->e, entry_cmp) : NULL;
    return e ? e->text : NULL;
}

/* Number of code points in s. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

dm_status dm_i18n_parse(const char *text, size_t len, dm_i18n **out, dm_error *err)
{
    *out = NULL;
    if (len > (1u << 20))
        return dm_error_set(err, DM_EFORMAT, "a translation file is at most 1 MiB");
    size_t bad;
    if (!dm_utf8_valid(text, len, &bad))
        return dm_error_set(err, DM_EFORMAT, "not UTF-8 at byte %zu", bad);
    json_tokener *tok = json_tokener_new_ex(8);
    if (!tok)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = tok->char_offset;
    json_tokener_free(tok);
    if (!root || je != json_tokener_success) {
        json_object_put(root);
        return dm_error_set(err, DM_EFORMAT, "not JSON (byte %zu): %s", end,
                            json_tokener_error_desc(
                                je == json_tokener_success ? json_tokener_error_parse_eof : je));
    }
    for (size_t i = end; i < len; i++)
        if (!isspace((unsigned char)text[i])) {
            json_object_put(root);
            return dm_error_set(err, DM_EFORMAT, "text after the JSON object (byte %zu)", i);
        }
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return dm_error_set(err, DM_EFORMAT, "a translation file is one JSON object of texts");
    }
    dm_i18n *t = calloc(1, sizeof *t);
    size_t cap = (size_t)json_object_object_length(root);
    if (t)
        t->e = calloc(cap ? cap : 1, sizeof *t->e);
    if (!t || !t->e) {
        dm_i18n_free(t);
        json_object_put(root);
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    }
    dm_status st = DM_OK;
    json_object_object_foreach(root, key, val)
    {
        if (!key_ok(key)) {
            st = dm_error_set(err, DM_EFORMAT,
                              "bad key \"%.64s\": 1-64 ASCII letters, digits, '.', '_', '-'", key);
            break;
        }
        if (!json_object_is_type(val, json_type_string)) {
            st = dm_error_set(err, DM_EFORMAT, "%s: the value is not a text", key);
            break;
        }
        const char *s = json_object_get_string(val);
        size_t sl = (size_t)json_object_get_string_len(val);
        if (sl != strlen(s) || sl > DM_I18N_TEXT_MAX) {
            st = dm_error_set(err, DM_EFORMAT, "%s: a text of at most %d bytes without NUL", key,
                              DM_I18N_TEXT_MAX);
            break;
        }
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if ((*p < 0x20 && *p != '\n') || *p == 0x7F) {
                st = dm_error_set(err, DM_EFORMAT, "%s: a control character in the text", key);
                break;
            }
        if (st)
            break;
        if (lookup(t, key)) /* json-c keeps one of a repeated key: only its last */
            continue;
        entry *e = &t->e[t->n];
        e->key = strdup(key);
        e->text = strdup(s);
        if (!e->key || !e->text) {
            free(e->key);
            free(e->text);
            st = dm_error_set(err, DM_ENOMEM, "out of memory");
            break;
        }
        t->n++;
        qsort(t->e, t->n, sizeof *t->e, entry_cmp);
    }
    json_object_put(root);
    if (!st) {
        const char *d = lookup(t, "locale.decimal"), *g = lookup(t, "locale.group"),
                   *dt = lookup(t, "locale.date");
        if (d && (chars(d) != 1 || strlen(d) >= sizeof t->decimal || isdigit((unsigned char)*d)))
            st = dm_error_set(err, DM_EFORMAT, "locale.decimal: one character, not a digit");
        else if (g && (chars(g) > 1 || strlen(g) >= sizeof t->group || isdigit((unsigned char)*g) ||
                       (d && *g && !strcmp(g, d))))
            st = dm_error_set(err, DM_EFORMAT,
                              "locale.group: one character or none, not a digit nor the "
                              "decimal mark");
        else if (dt && (strlen(dt) >= sizeof t->date || !strstr(dt, "YYYY") ||
                        (!strstr(dt, "MM") && !strstr(dt, "MMMM")) || !strchr(dt, 'D')))
            st = dm_error_set(err, DM_EFORMAT,
                              "locale.date: a pattern with YYYY, MM or MMMM and DD or D");
        if (!st) {
            snprintf(t->decimal, sizeof t->decimal, "%s", d ? d : ".");
            snprintf(t->group, sizeof t->group, "%s", g ? g : ",");
            snprintf(t->date, sizeof t->date, "%s", dt ? dt : "YYYY-MM-DD");
        }
    }
    if (st) {
        dm_i18n_free(t);
        return st;
    }
    *out = t;
    return DM_OK;
}

size_t dm_i18n_missing(const dm_i18n *t, char *out, size_t outsz)
{
    size_t n = 0, used = 0;
    if (outsz)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (lookup(t, required[i]))
            continue;
        if (outsz && used < outsz) {
            int w = snprintf(out + used, outsz - used, "%s%s", n ? ", " : "", required[i]);
            used += w > 0 ? (size_t)w : 0;
        }
        n++;
    }
    return n;
}

void dm_i18n_languages(const char *dir, char *out, size_t outsz)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    char names[32][8];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 32) {
        size_t l = strlen(e->d_name);
        if (l > 13 && l < 16 && !strncmp(e->d_name, "reports.", 8) &&
            !strcmp(e->d_name + l - 5, ".json")) {
            snprintf(names[n], sizeof names[n], "%.*s", (int)(l - 13), e->d_name + 8);
            n++;
        }
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort, few names */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char tmp[8];
            memcpy(tmp, names[j], 8);
            memcpy(names[j], names[j - 1], 8);
            memcpy(names[j - 1], tmp, 8);
        }
    size_t used = 0;
    for (size_t i = 0; i < n && used < outsz; i++) {
        int w = snprintf(out + used, outsz - used, "%s%s", i ? ", " : "", names[i]);
        used += w > 0 ? (size_t)w : 0;
    }
}

dm_status dm_i18n_load(const char *dir, const char *lang, dm_i18n **out, dm_error *err)
{
    *out = NULL;
    size_t l = lang ? strlen(lang) : 0;
    bool ok = l >= 2 && l <= 3;
    for (size_t i = 0; ok && i < l; i++)
        ok = lang[i] >= 'a' && lang[i] <= 'z';
    if (!ok)
        return dm_error_set(err, DM_EINVAL,
                            "language '%.20s': a code of 2 or 3 letters (en, az, ru)",
                            lang ? lang : "");
    char path[4200];
    snprintf(path, sizeof path, "%s/reports.%s.json", dir, lang);
    FILE *f = fopen(path, "rb");
    if (!f) {
        char langs[200];
        dm_i18n_languages(dir, langs, sizeof langs);
        return dm_error_set(err, DM_ENOTFOUND, "no translation for language '%s' (%s: %s); %s%s",
                            lang, path, strerror(errno),
                            langs[0] ? "languages there are: " : "there is no translation in ",
                            langs[0] ? langs : dir);
    }
    char *buf = malloc((1u << 20) + 1);
    size_t n = buf ? fread(buf, 1, (1u << 20) + 1, f) : 0;
    bool rerr = ferror(f);
    fclose(f);
    if (!buf)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    if (rerr) {
        free(buf);
        return dm_error_set(err, DM_EIO, "cannot read %s", path);
    }
    dm_i18n *t;
    dm_status st = dm_i18n_parse(buf, n, &t, err);
    free(buf);
    if (st) {
        dm_error_prefix(err, "%s", path);
        return st;
    }
    char miss[600];
    size_t nm = dm_i18n_missing(t, miss, sizeof miss);
    if (nm) {
        dm_i18n_free(t);
        return dm_error_set(err, DM_EFORMAT, "%s lacks %zu text%s: %s", path, nm,
                            nm == 1 ? "" : "s", miss);
    }
    snprintf(t->lang, sizeof t->lang, "%s", lang);
    *out = t;
    return DM_OK;
}

const char *dm_i18n_lang(const dm_i18n *t) { return t->lang; }

const char *dm_i18n_get(const dm_i18n *t, const char *key)
{
    const char *s = lookup(t, key);
    if (s)
        return s;
    dm_i18n *m = (dm_i18n *)t; /* the gap marker lives in t */
    snprintf(m->missing, sizeof m->missing, "[%s]", key);
    return m->missing;
}

/* Appends src to out at *used, cut on a character boundary. */
static void put(char *out, size_t outsz, size_t *used, const char *src, size_t len)
{
    if (*used + 1 >= outsz)
        return;
    size_t room = outsz - 1 - *used;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out + *used, src, len);
    *used += len;
    out[*used] = '\0';
}

char *dm_i18n_fmt(const dm_i18n *t, const char *key, char *out, size_t outsz, int n,
                  const char *const *args)
{
    const char *s = dm_i18n_get(t, key);
    size_t used = 0;
    if (outsz)
        out[0] = '\0';
    while (*s) {
        if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}' && s[1] - '1' < n) {
            const char *a = args[s[1] - '1'] ? args[s[1] - '1'] : "";
            put(out, outsz, &used, a, strlen(a));
            s += 3;
        } else {
            size_t l = 1;
            while (s[l] && s[l] != '{')
                l++;
            put(out, outsz, &used, s, l);
            s += l;
        }
    }
    return out;
}

/* Inserts the group separator into the digits of an unsigned decimal. */
static void grouped(const dm_i18n *t, const char *digits, char *out, size_t outsz, size_t *used)
{
    size_t nd = strlen(digits);
    for (size_t i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            put(out, outsz, used, t->group, strlen(t->group));
        put(out, outsz, used, digits + i, 1);
    }
}

char *dm_i18n_int(const dm_i18n *t, int64_t v, char *out, size_t outsz)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%llu",
             v < 0 ? (unsigned long long)(-(v + 1)) + 1ull : (unsigned long long)v);
    size_t used = 0;
    if (outsz)
        out[0] = '\0';
    if (v < 0)
        put(out, outsz, &used, "−", strlen("−"));
    grouped(t, digits, out, outsz, &used);
    return out;
}

char *dm_i18n_num(const dm_i18n *t, double v, int decimals, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    size_t used = 0;
    if (!isfinite(v)) {
        put(out, outsz, &used, "–", strlen("–"));
        return out;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char s[400];
    snprintf(s, sizeof s, "%.*f", decimals, fabs(v));
    bool neg = v < 0 && strspn(s, "0.") != strlen(s);
    char *dot = strchr(s, '.');
    if (dot)
        *dot = '\0';
    if (neg)
        put(out, outsz, &used, "−", strlen("−"));
    grouped(t, s, out, outsz, &used);
    if (dot) {
        put(out, outsz, &used, t->decimal, strlen(t->decimal));
        put(out, outsz, &used, dot + 1, strlen(dot + 1));
    }
    return out;
}

char *dm_i18n_month(const dm_i18n *t, int year, int month, char *out, size_t outsz)
{
    char key[16], y[8];
    snprintf(key, sizeof key, "month.%d", month >= 1 && month <= 12 ? month : 1);
    snprintf(y, sizeof y, "%d", year);
    const char *args[] = {dm_i18n_get(t, key), y};
    return dm_i18n_fmt(t, "format.month_year", out, outsz, 2, args);
}

char *dm_i18n_date(const dm_i18n *t, const char *iso, char *out, size_t outsz)
{
    int y, m, d;
    char tail;
    size_t used = 0;
    if (outsz)
        out[0] = '\0';
    if (!iso || strlen(iso) != 10 || sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        m < 1 || m > 12 || d < 1 || d > 31) {
        put(out, outsz, &used, iso ? iso : "", iso ? strlen(iso) : 0);
        return out;
    }
    char buf[16];
    for (const char *p = t->date; *p;) {
        if (!strncmp(p, "YYYY", 4)) {
            snprintf(buf, sizeof buf, "%04d", y);
            put(out, outsz, &used, buf, strlen(buf));
            p += 4;
        } else if (!strncmp(p, "MMMM", 4)) {
            char key[16];
            snprintf(key, sizeof key, "month.%d.of", m);
            const char *name = dm_i18n_get(t, key);
            put(out, outsz, &used, name, strlen(name));
            p += 4;
        } else if (!strncmp(p, "MM", 2)) {
            snprintf(buf, sizeof buf, "%02d", m);
            put(out, outsz, &used, buf, strlen(buf));
            p += 2;
        } else if (!strncmp(p, "DD", 2)) {
            snprintf(buf, sizeof buf, "%02d", d);
            put(out, outsz, &used, buf, strlen(buf));
            p += 2;
        } else if (*p == 'D') {
            snprintf(buf, sizeof buf, "%d", d);
            put(out, outsz, &used, buf, strlen(buf));
            p++;
        } else {
            size_t l = 1;
            while (p[l] && ((unsigned char)p[l] & 0xC0) == 0x80)
                l++;
            put(out, outsz, &used, p, l);
            p += l;
        }
    }
    return out;
}
