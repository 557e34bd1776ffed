#include "core/kind.h"

#include "core/date.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Enum spellings: canonical first, then accepted aliases. */
static const char *const hazard_status[] = {"SHA|suspected", "CHA|confirmed", NULL};
static const char *const hazard_lifecycle[] = {"open", "closed",
                                               "handed_over|handed over|handedover", NULL};
static const char *const release_method[] = {"cancelled|cancellation|cancel|canceled|NTS",
                                             "reduced|reduction|reduce|TS",
                                             "cleared|clearance|clear", NULL};
static const char *const activity_type[] = {"NTS|non-technical survey",
                                            "TS|technical survey",
                                            "clearance",
                                            "BAC|battle area clearance",
                                            "EOD|EOD spot task",
                                            "EORE",
                                            "marking",
                                            "QA|QA/QC|QC",
                                            NULL};
static const char *const activity_asset[] = {"manual", "mechanical", "dog|dogs|MDD", "mixed", NULL};
static const char *const activity_status[] = {"planned", "ongoing", "completed|complete|done",
                                              "suspended", NULL};
/* EO categories, shared by items found and devices in accidents */
#define EO_CATEGORIES                                                                              \
    "AP|AP mine|APM|antipersonnel", "AT|AT mine|ATM|antitank", "UXO", "AXO",                       \
        "cluster|submunition|cluster submunition|CM", "IED", "SAA", "other"
static const char *const eo_category[] = {EO_CATEGORIES, NULL};
static const char *const device_category[] = {EO_CATEGORIES, "unknown", NULL};
static const char *const eo_disposal[] = {"destroyed|destroyed in situ|destroyed_in_situ",
                                          "removed", "rendered_safe|rendered safe",
                                          "not_disposed|pending", NULL};
static const char *const victim_status[] = {"killed|dead|k", "injured|wounded|i", NULL};
static const char *const victim_sex[] = {"f|female|woman|girl", "m|male|man|boy", "u|unknown",
                                         NULL};
static const char *const victim_age_group[] = {"child|children", "adult", NULL};
static const char *const victim_group[] = {"civilian", "deminer", "military", "unknown", NULL};
static const char *const org_type[] = {"operator",   "ngo|NGO", "commercial", "military",
                                       "government", "other",   NULL};
static const char *const infra_type[] = {"road",
                                         "power_line|power line",
                                         "canal",
                                         "cemetery",
                                         "water_point|water point",
                                         "farmland",
                                         "school",
                                         "health",
                                         "other",
                                         NULL};

#define TEXT(n)                                                                                    \
    {                                                                                              \
        n, DM_FT_TEXT, NULL, 0, 0, 0, NULL                                                         \
    }
#define DATE(n)                                                                                    \
    {                                                                                              \
        n, DM_FT_DATE, NULL, 0, 0, 0, NULL                                                         \
    }
#define ENUM(n, v)                                                                                 \
    {                                                                                              \
        n, DM_FT_ENUM, v, 0, 0, 0, NULL                                                            \
    }
#define ENUM_REQ(n, v)                                                                             \
    {                                                                                              \
        n, DM_FT_ENUM, v, DM_FIELD_REQUIRED, 0, 0, NULL                                            \
    }
#define REAL(n, lo, hi, u)                                                                         \
    {                                                                                              \
        n, DM_FT_REAL, NULL, 0, lo, hi, u                                                          \
    }
#define INT(n, lo, hi)                                                                             \
    {                                                                                              \
        n, DM_FT_INT, NULL, 0, lo, hi, NULL                                                        \
    }
#define PERSONAL(n)                                                                                \
    {                                                                                              \
        n, DM_FT_TEXT, NULL, DM_FIELD_PERSONAL, 0, 0, NULL                                         \
    }
#define FREE_TEXT(n)                                                                               \
    {                                                                                              \
        n, DM_FT_TEXT, NULL, DM_FIELD_FREE_TEXT, 0, 0, NULL                                        \
    }

static const dm_field hazard_fields[] = {
    TEXT("name"),
    ENUM_REQ("status", hazard_status),
    ENUM("lifecycle", hazard_lifecycle),
    TEXT("eo_categories"),
    TEXT("organisation"),
    DATE("date_recorded"),
    TEXT("admin_code"),
    FREE_TEXT("description"),
};
static const dm_field release_fields[] = {
    ENUM_REQ("method", release_method), DATE("date"),        TEXT("organisation"),
    REAL("depth_m", 0, 20, "m"),        TEXT("hazard_code"), TEXT("activity_code"),
};
static const dm_field activity_fields[] = {
    ENUM("type", activity_type),
    TEXT("organisation"),
    ENUM("asset", activity_asset),
    DATE("start_date"),
    DATE("end_date"),
    ENUM("status", activity_status),
    REAL("person_days", 0, 1e7, "person-days"),
    REAL("cost", 0, 1e12, NULL),
    TEXT("currency"),
    TEXT("hazard_code"),
};
static const dm_field eo_item_fields[] = {
    ENUM_REQ("category", eo_category),
    TEXT("model"),
    INT("quantity", 1, 1000000),
    DATE("date"),
    REAL("depth_m", 0, 20, "m"),
    TEXT("condition"),
    ENUM("disposal", eo_disposal),
    TEXT("organisation"),
    TEXT("activity_code"),
    TEXT("hazard_code"),
};
static const dm_field accident_fields[] = {
    TEXT("incident_ref"),
    DATE("date"),
    ENUM("device_category", device_category),
    TEXT("device_model"),
    TEXT("activity"),
    {"demining", DM_FT_BOOL, NULL, 0, 0, 0, NULL},
    TEXT("hazard_code"),
    TEXT("admin_code"),
    TEXT("settlement_code"),
    FREE_TEXT("source"),
    FREE_TEXT("description"),
};
static const dm_field victim_fields[] = {
    TEXT("accident_code"),
    TEXT("incident_ref"),
    ENUM("status", victim_status),
    ENUM("sex", victim_sex),
    INT("age", 0, 110),
    ENUM("age_group", victim_age_group),
    ENUM("group", victim_group),
    FREE_TEXT("injuries"),
    PERSONAL("name"),
    {"address", DM_FT_TEXT, NULL, DM_FIELD_PERSONAL | DM_FIELD_FREE_TEXT, 0, 0, NULL},
};
/* One row per victim with the columns of its incident (DESIGN.md, casualty
 * rows): the accident fields, then the victim fields. */
static const dm_field casualty_row_fields[] = {
    {"incident_ref", DM_FT_TEXT, NULL, DM_FIELD_REQUIRED, 0, 0, NULL},
    DATE("date"),
    ENUM("device_category", device_category),
    TEXT("device_model"),
    TEXT("activity"),
    {"demining", DM_FT_BOOL, NULL, 0, 0, 0, NULL},
    TEXT("hazard_code"),
    TEXT("admin_code"),
    TEXT("settlement_code"),
    FREE_TEXT("source"),
    FREE_TEXT("description"),
    ENUM("status", victim_status),
    ENUM("sex", victim_sex),
    INT("age", 0, 110),
    ENUM("age_group", victim_age_group),
    ENUM("group", victim_group),
    FREE_TEXT("injuries"),
    PERSONAL("name"),
    {"address", DM_FT_TEXT, NULL, DM_FIELD_PERSONAL | DM_FIELD_FREE_TEXT, 0, 0, NULL},
};
static const dm_field organisation_fields[] = {
    {"name", DM_FT_TEXT, NULL, DM_FIELD_REQUIRED, 0, 0, NULL},
    ENUM("type", org_type),
    TEXT("country"),
};
static const dm_field admin_area_fields[] = {
    {"name", DM_FT_TEXT, NULL, DM_FIELD_REQUIRED, 0, 0, NULL},
    INT("level", 0, 9),
    TEXT("parent_code"),
};
static const dm_field settlement_fields[] = {
    {"name", DM_FT_TEXT, NULL, DM_FIELD_REQUIRED, 0, 0, NULL},
    INT("population", 0, 100000000),
    TEXT("admin_code"),
};
static const dm_field infrastructure_fields[] = {
    TEXT("name"),
    ENUM("type", infra_type),
    TEXT("admin_code"),
};
static const dm_field minefield_record_fields[] = {
    DATE("laid"),
    {"record_json", DM_FT_TEXT, NULL, DM_FIELD_DOCUMENT, 0, 0, NULL},
    TEXT("hazard_code"),
};

#define KIND(var, nm, tbl, pfx, ttl, g, greq, flds)                                                \
    const dm_kind var = {nm, tbl, pfx, ttl, g, greq, flds, COUNT(flds)}

KIND(dm_kind_hazards, "hazards", "hazards", "HA", "Hazardous areas", DM_GEOM_POLYGON, true,
     hazard_fields);
KIND(dm_kind_releases, "releases", "releases", "LR", "Land releases", DM_GEOM_POLYGON, true,
     release_fields);
KIND(dm_kind_activities, "activities", "activities", "AC", "Activities", DM_GEOM_POLYGON, false,
     activity_fields);
KIND(dm_kind_eo_items, "eo-items", "eo_items", "EO", "Explosive ordnance items", DM_GEOM_POINT,
     true, eo_item_fields);
KIND(dm_kind_accidents, "accidents", "accidents", "IN", "Accidents (incidents)", DM_GEOM_POINT,
     true, accident_fields);
KIND(dm_kind_victims, "victims", "victims", "VI", "Victims", DM_GEOM_NONE, false, victim_fields);
KIND(dm_kind_organisations, "organisations", "organisations", "OR", "Organisations", DM_GEOM_NONE,
     false, organisation_fields);
KIND(dm_kind_admin_areas, "admin-areas", "admin_areas", "AD", "Admin areas", DM_GEOM_POLYGON, true,
     admin_area_fields);
KIND(dm_kind_settlements, "settlements", "settlements", "ST", "Settlements", DM_GEOM_POINT, true,
     settlement_fields);
KIND(dm_kind_infrastructure, "infrastructure", "infrastructure", "IF", "Infrastructure",
     DM_GEOM_ANY, true, infrastructure_fields);
KIND(dm_kind_minefield_records, "minefield-records", "minefield_records", "MR", "Minefield records",
     DM_GEOM_POINT, false, minefield_record_fields);

/* Not a table: rows that become accidents and victims (io/casualties.c). */
KIND(dm_kind_casualty_rows, "casualties", NULL, NULL, "Casualty rows (one per victim)",
     DM_GEOM_POINT, false, casualty_row_fields);

static const dm_kind *const all_kinds[] = {
    &dm_kind_hazards,     &dm_kind_releases,       &dm_kind_activities,        &dm_kind_eo_items,
    &dm_kind_accidents,   &dm_kind_victims,        &dm_kind_organisations,     &dm_kind_admin_areas,
    &dm_kind_settlements, &dm_kind_infrastructure, &dm_kind_minefield_records,
};

size_t dm_kind_count(void) { return COUNT(all_kinds); }

const dm_kind *dm_kind_at(size_t i) { return i < COUNT(all_kinds) ? all_kinds[i] : NULL; }

const dm_kind *dm_kind_find(const char *name)
{
    for (size_t i = 0; i < COUNT(all_kinds); i++)
        if (!strcmp(name, all_kinds[i]->name) || !strcmp(name, all_kinds[i]->table))
            return all_kinds[i];
    /* a few natural aliases */
    if (!strcmp(name, "items") || !strcmp(name, "eo"))
        return &dm_kind_eo_items;
    if (!strcmp(name, "incidents"))
        return &dm_kind_accidents;
    if (!strcmp(name, "admin") || !strcmp(name, "admin-area"))
        return &dm_kind_admin_areas;
    return NULL;
}

int dm_kind_field_index(const dm_kind *kind, const char *name)
{
    for (size_t i = 0; i < kind->nfields; i++)
        if (!strcmp(kind->fields[i].name, name))
            return (int)i;
    return -1;
}

void dm_kind_list_names(char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < COUNT(all_kinds) && used < outsz; i++) {
        int n = snprintf(out + used, outsz - used, "%s%s", i ? ", " : "", all_kinds[i]->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* True when v matches one '|'-separated spelling of alts (case-insensitive). */
static bool enum_match(const char *alts, const char *v, size_t *canon_len)
{
    const char *bar = strchr(alts, '|');
    *canon_len = bar ? (size_t)(bar - alts) : strlen(alts);
    size_t vlen = strlen(v);
    const char *p = alts;
    for (;;) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == vlen && !strncasecmp(p, v, len))
            return true;
        if (!end)
            return false;
        p = end + 1;
    }
}

static void enum_allowed(const char *const *values, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; values[i] && used < outsz; i++) {
        const char *bar = strchr(values[i], '|');
        int len = bar ? (int)(bar - values[i]) : (int)strlen(values[i]);
        int n = snprintf(out + used, outsz - used, "%s%.*s", i ? ", " : "", len, values[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Checks one value; writes the canonical form into out (outsz bytes). */
static dm_status normalise_short(const dm_field *f, const char *v, char *out, size_t outsz,
                                 dm_error *err)
{
    switch (f->type) {
    case DM_FT_TEXT: break; /* handled by the caller */
    case DM_FT_ENUM:
        for (size_t i = 0; f->values[i]; i++) {
            size_t canon;
            if (enum_match(f->values[i], v, &canon)) {
                snprintf(out, outsz, "%.*s", (int)canon, f->values[i]);
                return DM_OK;
            }
        }
        {
            char allowed[256];
            enum_allowed(f->values, allowed, sizeof allowed);
            return dm_error_set(err, DM_EINVAL, "%s '%.60s' is not one of: %s", f->name, v,
                                allowed);
        }
    case DM_FT_BOOL:
        if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
            !strcasecmp(v, "y")) {
            snprintf(out, outsz, "1");
            return DM_OK;
        }
        if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
            !strcasecmp(v, "n")) {
            snprintf(out, outsz, "0");
            return DM_OK;
        }
        return dm_error_set(err, DM_EINVAL,
                            "%s '%.60s' is not yes/no (use 1/0, true/false, yes/no)", f->name, v);
    case DM_FT_DATE: {
        dm_date d;
        dm_status st = dm_date_parse(v, &d, err);
        if (st) {
            dm_error_prefix(err, "%s", f->name);
            return st;
        }
        char buf[11];
        dm_date_format(d, buf);
        snprintf(out, outsz, "%s", buf);
        return DM_OK;
    }
    case DM_FT_INT: {
        errno = 0;
        char *end;
        long long x = strtoll(v, &end, 10);
        /* "12.0" from a spreadsheet is accepted as 12, "12y" is not */
        if (*end == '.' && end[1] == '0' && strspn(end + 1, "0") == strlen(end + 1))
            end += strlen(end);
        if (*end || errno)
            return dm_error_set(err, DM_EINVAL, "%s '%.60s' is not a whole number", f->name, v);
        if (f->min < f->max && ((double)x < f->min || (double)x > f->max))
            return dm_error_set(err, DM_EINVAL, "%s %lld is outside %g..%g", f->name, x, f->min,
                                f->max);
        snprintf(out, outsz, "%lld", x);
        return DM_OK;
    }
    case DM_FT_REAL: {
        errno = 0;
        char *end;
        double x = strtod(v, &end);
        if (*end || errno || !isfinite(x))
            return dm_error_set(err, DM_EINVAL, "%s '%.60s' is not a number", f->name, v);
        if (f->min < f->max && (x < f->min || x > f->max))
            return dm_error_set(err, DM_EINVAL, "%s %g is outside %g..%g%s%s", f->name, x, f->min,
                                f->max, f->unit ? " " : "", f->unit ? f->unit : "");
        snprintf(out, outsz, "%.17g", x);
        return DM_OK;
    }
    }
    return dm_error_set(err, DM_EINTERNAL, "%s: unknown field type", f->name);
}

/* code shown in a message: at most 40 characters, control characters and
 * bytes past ASCII as '?' (a message is one line of plain text) */
static void code_shown(char *out, size_t outsz, const char *code)
{
    size_t n = 0;
    for (; n < 40 && n + 1 < outsz && code[n]; n++)
        out[n] = (unsigned char)code[n] < 0x20 || (unsigned char)code[n] >= 0x7f ? '?' : code[n];
    out[n] = 0;
    if (code[n] && n + 4 < outsz)
        strcat(out, "...");
}

static bool code_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

dm_status dm_code_check(const char *code, dm_error *err)
{
    static const char rule[] = "codes are 1-31 letters (A-Z, a-z), digits, '-', '_' or '.', "
                               "starting with a letter or digit";
    char shown[48];
    if (!code || !*code)
        return dm_error_set(err, DM_EINVAL, "code is empty: %s", rule);
    code_shown(shown, sizeof shown, code);
    size_t n = strlen(code);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)code[i];
        if (code_char((char)c))
            continue;
        char what[32];
        if (c < 0x20 || c == 0x7f)
            snprintf(what, sizeof what, "a control character (0x%02X)", c);
        else if (c >= 0x80)
            snprintf(what, sizeof what, "a character past ASCII");
        else if (c == ' ')
            snprintf(what, sizeof what, "a space");
        else
            snprintf(what, sizeof what, "'%c'", c);
        return dm_error_set(err, DM_EINVAL, "code '%s' has %s: %s", shown, what, rule);
    }
    if (n > DM_CODE_LEN_MAX)
        return dm_error_set(err, DM_EINVAL, "code '%s' is %zu characters long: %s", shown, n, rule);
    if (code[0] == '-' || code[0] == '.' || code[0] == '_')
        return dm_error_set(err, DM_EINVAL, "code '%s' starts with '%c': %s", shown, code[0], rule);
    return DM_OK;
}

bool dm_kind_code_number(const dm_kind *kind, const char *code, long long *number)
{
    if (!kind->prefix)
        return false;
    size_t p = strlen(kind->prefix);
    if (strncmp(code, kind->prefix, p) || code[p] != '-' || !code[p + 1])
        return false;
    const char *digits = code + p + 1;
    if (strspn(digits, "0123456789") != strlen(digits))
        return false;
    errno = 0;
    long long n = strtoll(digits, NULL, 10);
    *number = errno ? LLONG_MAX : n;
    return true;
}

dm_status dm_text_check(const dm_field *f, const char *text, size_t len, dm_error *err)
{
    size_t bad;
    if (!dm_utf8_valid(text, len, &bad))
        return dm_error_set(err, DM_EINVAL, "%s is not valid UTF-8 text (byte %zu)", f->name,
                            bad + 1);
    bool doc = f->flags & DM_FIELD_DOCUMENT, free_text = f->flags & DM_FIELD_FREE_TEXT;
    if (doc) {
        if (len > DM_DOCUMENT_MAX)
            return dm_error_set(err, DM_EINVAL, "%s is %zu bytes: at most %u", f->name, len,
                                DM_DOCUMENT_MAX);
    } else {
        size_t chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)text[i] & 0xC0) != 0x80;
        size_t max = free_text ? DM_FREE_TEXT_MAX : DM_SHORT_TEXT_MAX;
        if (chars > max)
            return dm_error_set(err, DM_EINVAL, "%s is %zu characters long: at most %zu%s", f->name,
                                chars, max,
                                free_text ? "" : " (a short field; descriptions take more)");
    }
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        unsigned cp = c;
        if (c == 0xC2 && i + 1 < len && (unsigned char)text[i + 1] < 0xA0)
            cp = 0x80; /* U+0080-U+009F */
        chars += (c & 0xC0) != 0x80;
        bool control = cp < 0x20 || cp == 0x7f || cp == 0x80;
        if (!control)
            continue;
        if ((doc || free_text) && (c == '\t' || c == '\n'))
            continue;
        if ((doc || free_text) && c == '\r' && (doc || (i + 1 < len && text[i + 1] == '\n')))
            continue;
        return dm_error_set(err, DM_EINVAL, "%s has a control character (%s) at character %zu: %s",
                            f->name,
                            c == '\n'   ? "a line feed"
                            : c == '\r' ? "a carriage return"
                            : c == '\t' ? "a tab"
                                        : "an invisible one",
                            chars,
                            free_text || doc ? "free text takes tabs and line ends only"
                                             : "this field is one line of text");
    }
    return DM_OK;
}

dm_status dm_field_normalise(const dm_field *f, const char *in, char **out, dm_error *err)
{
    *out = NULL;
    if (!in)
        return DM_OK;
    while (isspace((unsigned char)*in))
        in++;
    size_t n = strlen(in);
    while (n && isspace((unsigned char)in[n - 1]))
        n--;
    if (n == 0)
        return DM_OK;
    if (f->type == DM_FT_TEXT) {
        dm_status st = dm_text_check(f, in, n, err);
        if (st)
            return st;
        char *v = strndup(in, n);
        if (!v)
            return dm_error_set(err, DM_ENOMEM, "out of memory");
        if (f->flags & DM_FIELD_FREE_TEXT) { /* CR LF -> LF */
            size_t w = 0;
            for (size_t r = 0; v[r]; r++)
                if (!(v[r] == '\r' && v[r + 1] == '\n'))
                    v[w++] = v[r];
            v[w] = 0;
        }
        *out = v;
        return DM_OK;
    }
    char v[128], canon[128];
    if (n >= sizeof v)
        return dm_error_set(err, DM_EINVAL, "%s '%.40s...' is too long for a %s", f->name, in,
                            f->type == DM_FT_DATE ? "date" : "value of this field");
    memcpy(v, in, n);
    v[n] = '\0';
    dm_status st = normalise_short(f, v, canon, sizeof canon, err);
    if (st)
        return st;
    *out = strdup(canon);
    return *out ? DM_OK : dm_error_set(err, DM_ENOMEM, "out of memory");
}

int dm_field_value_index(const dm_field *f, const char *v)
{
    if (!v || f->type != DM_FT_ENUM)
        return -1;
    for (size_t i = 0; f->values[i]; i++) {
        size_t n = strcspn(f->values[i], "|");
        if (strlen(v) == n && !strncmp(f->values[i], v, n))
            return (int)i;
    }
    return -1;
}
