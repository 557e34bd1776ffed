/* The data model: every kind of record demine keeps, as a table.
 *
 * One static table describes each kind (hazards, releases, ...): its table
 * name, its id prefix (HA-0001), its geometry and its fields with types and
 * allowed values. The store builds its schema from it, import maps source
 * columns onto it, export writes it out, validation checks values against it.
 * Everything here is static and read-only: nothing to free.
 */
#ifndef DM_CORE_KIND_H
#define DM_CORE_KIND_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum dm_field_type {
    DM_FT_TEXT,
    DM_FT_INT,
    DM_FT_REAL,
    DM_FT_DATE, /* ISO 8601 date, stored as "YYYY-MM-DD" */
    DM_FT_ENUM, /* one of `values`, stored as the canonical spelling */
    DM_FT_BOOL  /* stored as 0/1 */
} dm_field_type;

enum {
    DM_FIELD_REQUIRED = 1u << 0,  /* a record without it is rejected */
    DM_FIELD_PERSONAL = 1u << 1,  /* personal data: never printed or exported without the right */
    DM_FIELD_FREE_TEXT = 1u << 2, /* text: up to DM_FREE_TEXT_MAX characters, lines allowed */
    DM_FIELD_DOCUMENT = 1u << 3   /* text: a document checked by its own parser (record_json) */
};

/* Text fields (dm_field_normalise): valid UTF-8, and
 *   - short fields (names, references, codes of other records): at most
 *     DM_SHORT_TEXT_MAX characters (code points), no control character at
 *     all (U+0000-U+001F, U+007F-U+009F): one line of text;
 *   - free text (DM_FIELD_FREE_TEXT: descriptions, injuries, sources,
 *     addresses): at most DM_FREE_TEXT_MAX characters, tab and line feed
 *     allowed (a CR LF line end is kept as LF), no other control character;
 *   - documents (DM_FIELD_DOCUMENT): at most DM_DOCUMENT_MAX bytes, tab, CR
 *     and LF allowed. */
#define DM_SHORT_TEXT_MAX 200
#define DM_FREE_TEXT_MAX 10000
#define DM_DOCUMENT_MAX (16u << 20)

/* A record's code: 1 to DM_CODE_LEN_MAX characters, each an ASCII letter,
 * digit, '-', '_' or '.', the first a letter or digit. Such a code is one
 * path segment of a URL as it is, one cell of any file, and one word of a
 * message. */
#define DM_CODE_LEN_MAX 31

typedef struct dm_field {
    const char *name; /* target name: --map/--set name, column name */
    dm_field_type type;
    /* DM_FT_ENUM: NULL-terminated list of "canonical|alias|alias" spellings,
     * compared case-insensitively. */
    const char *const *values;
    unsigned flags;
    double min, max;  /* DM_FT_INT/REAL: allowed range when min < max */
    const char *unit; /* "m", "m²", "person-days", NULL */
} dm_field;

typedef enum dm_geom_type {
    DM_GEOM_NONE, /* attribute table */
    DM_GEOM_POINT,
    DM_GEOM_POLYGON, /* stored as MULTIPOLYGON */
    DM_GEOM_ANY      /* infrastructure: points, lines or polygons */
} dm_geom_type;

typedef struct dm_kind {
    const char *name;   /* command-line name: "admin-areas" */
    const char *table;  /* table name: "admin_areas" */
    const char *prefix; /* id prefix: "AD" -> AD-0001 */
    const char *title;  /* human name: "Admin areas" */
    dm_geom_type geom;
    bool geom_required;
    const dm_field *fields;
    size_t nfields;
} dm_kind;

#define DM_MAX_FIELDS 24

size_t dm_kind_count(void);
const dm_kind *dm_kind_at(size_t i);

/* Finds a kind by command-line name or table name ("admin-areas" or
 * "admin_areas"); NULL when unknown. */
const dm_kind *dm_kind_find(const char *name);

/* Index of the field called name, or -1. */
int dm_kind_field_index(const dm_kind *kind, const char *name);

/* Writes the list of kind names ("hazards, releases, ...") into out. */
void dm_kind_list_names(char *out, size_t outsz);

/* Checks a text value against the field's type and sets *out to its
 * canonical form, trimmed of blanks: text is checked by dm_text_check,
 * enum values get their canonical spelling,
 * dates become YYYY-MM-DD, booleans 0/1, numbers are checked for range.
 * NULL, empty or all-blank input means "unknown": DM_OK with *out = NULL.
 * *out is malloc'd; the caller frees it. On a bad value returns DM_EINVAL
 * with a message naming the field and listing what is allowed. */
dm_status dm_field_normalise(const dm_field *f, const char *in, char **out, dm_error *err);

/* Checks a code against the rule above. DM_EINVAL with a message that
 * names the code (control characters shown as '?', cut to 40 characters)
 * and the rule. */
dm_status dm_code_check(const char *code, dm_error *err);

/* True when code has the form the store numbers records of kind with
 * (PREFIX-digits: HA-0042); *number is its number (LLONG_MAX when it has
 * too many digits). */
bool dm_kind_code_number(const dm_kind *kind, const char *code, long long *number);

/* Checks len bytes of text (no NUL inside) against the rules for text
 * field f above, without changing it. DM_EINVAL naming the field and what
 * is wrong. */
dm_status dm_text_check(const dm_field *f, const char *text, size_t len, dm_error *err);

/* Index in f->values of the canonical spelling v (exact, as stored), or -1
 * when v is not one (an alias, another value, NULL, or f is not an enum). */
int dm_field_value_index(const dm_field *f, const char *v);

/* Looks up the kinds' well-known names. */
extern const dm_kind dm_kind_hazards, dm_kind_releases, dm_kind_activities, dm_kind_eo_items,
    dm_kind_accidents, dm_kind_victims, dm_kind_organisations, dm_kind_admin_areas,
    dm_kind_settlements, dm_kind_infrastructure, dm_kind_minefield_records;

/* Casualty rows: one row per victim with its incident's columns, the way
 * casualty data is usually kept; imported as accidents and victims. Not a
 * stored kind (table and prefix are NULL) and not among dm_kind_at(). */
extern const dm_kind dm_kind_casualty_rows;

#endif
