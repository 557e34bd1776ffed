/* dm_record: one record of any kind, as it travels between import, the store,
 * analysis and export.
 *
 * Values are held as canonical text (see dm_field_normalise), one slot per
 * field of the kind, NULL meaning unknown. The record owns all its memory:
 * values, attributes, origin and geom; dm_record_clear() frees it and leaves
 * the record empty and reusable.
 */
#ifndef DM_STORE_RECORD_H
#define DM_STORE_RECORD_H

#include "core/error.h"
#include "core/kind.h"
#include "geo/geo.h"

#include <stdint.h>

#define DM_CODE_MAX 32
#define DM_STATE_MAX 16

typedef struct dm_record {
    const dm_kind *kind;
    int64_t fid;                 /* store key; 0 until stored */
    char code[DM_CODE_MAX];      /* stable id "HA-0001"; "" = let the store assign */
    char *values[DM_MAX_FIELDS]; /* canonical text per kind->fields[i]; NULL = unknown */
    GEOSGeometry *geom;          /* NULL when none */
    bool geom_damaged;           /* stored geometry could not be read (see dm_query) */
    char *attributes;            /* JSON object of the source's unmapped fields, or NULL */
    char *origin;                /* where it came from: "suspected_areas.geojson row 17" */
    char state[DM_STATE_MAX];    /* draft | submitted | approved | rejected */
    char *state_reason;          /* why rejected, or NULL */
    int64_t version;             /* 1 on insert, +1 on each change */
    char updated_at[32];         /* ISO 8601 UTC of the last change */
    char updated_by[64];
    bool code_within_numbering; /* for dm_store_insert: a code of the kind's numbered
                                   form (HA-0042) may not be past the next number the
                                   store would give (a client's chosen code) */
} dm_record;

/* Sets up an empty record of `kind`. */
void dm_record_init(dm_record *rec, const dm_kind *kind);

/* Frees everything the record holds (geometry with geo's handle) and
 * re-initialises it for the same kind. */
void dm_record_clear(dm_record *rec, dm_geo *geo);

/* Validates and sets field `name` from text (takes a copy). Unknown field
 * names are DM_ENOTFOUND; bad values DM_EINVAL, message names the field. */
dm_status dm_record_set(dm_record *rec, const char *name, const char *text, dm_error *err);

/* Sets rec->code from a code chosen outside the store (a file, a client),
 * after dm_code_check (core/kind.h): DM_EINVAL naming what is wrong; the
 * code is unchanged then. NULL or "" clears it (the store numbers it). */
dm_status dm_record_set_code(dm_record *rec, const char *code, dm_error *err);

/* Value of field `name` or NULL (unknown or no such field). Owned by rec. */
const char *dm_record_get(const dm_record *rec, const char *name);

/* Checks what a complete record needs: required fields, geometry when the
 * kind requires one. */
dm_status dm_record_check_complete(const dm_record *rec, dm_error *err);

/* True for the record states demine knows. */
bool dm_record_state_valid(const char *state);

#endif
