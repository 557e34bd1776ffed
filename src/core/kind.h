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
    DM_FIELD_REQUIRED = 1u << 0, /* a record without it is rejected */
    DM_FIELD_PERSONAL = 1u << 1  /* personal data: never printed or exported without the right */
};

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
 * canonical form, trimmed of blanks: enum values get their canonical spelling,
 * dates become YYYY-MM-DD, booleans 0/1, numbers are checked for range.
 * NULL, empty or all-blank input means "unknown": DM_OK with *out = NULL.
 * *out is malloc'd; the caller frees it. On a bad value returns DM_EINVAL
 * with a message naming the field and listing what is allowed. */
dm_status dm_field_normalise(const dm_field *f, const char *in, char **out, dm_error *err);

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
