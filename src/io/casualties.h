/* Importing incidents and the people they hurt: the import hooks that link
 * accidents, victims and casualty rows to each other and to the map.
 *
 * - accidents: an incident_ref names one accident only (a second one, in
 *   the store or earlier in the file, is a reject); empty admin_code,
 *   settlement_code and hazard_code are filled from the position (see
 *   analysis/incidents.h for the rules and distances).
 * - victims: linked to their accident by incident_ref (accident_code is then
 *   filled) or by accident_code; a victim whose incident is not in the store
 *   is a reject, and so is one that names two different incidents.
 * - casualty rows (dm_kind_casualty_rows): one row per victim with the
 *   columns of its incident repeated. Rows with the same incident_ref make
 *   one accident; two rows that give different values for one incident
 *   column (or positions more than 0.1 m apart) are both rejected, with
 *   every row of that incident, each reason naming the two rows. An empty
 *   cell is "not stated" and takes the value of the other rows. An
 *   incident_ref already in the store links the rows to that accident, and
 *   its stored values must agree in the same way.
 * For victims and casualty rows, an age and an age group that disagree
 * (age 12, age group adult) are a reject.
 * Imported before: a victim row of an incident in the database whose values
 * (status, sex, age, age group, group, injuries, name, address) are those
 * of one of the incident's victims there is already present, unless
 * opts.again; each stored victim answers for one row only, so that two
 * identical rows (two injured men of 34) stay two victims when only one of
 * them was in the database.
 */
#ifndef DM_IO_CASUALTIES_H
#define DM_IO_CASUALTIES_H

#include "io/import.h"

typedef struct dm_casualty_import dm_casualty_import;

/* Sets the hooks of o (link/take/finish, hook_ctx) for o->kind when it is
 * accidents, victims or casualty rows; other kinds are left alone and
 * *state is NULL. Distances in metres, negative for the defaults. *state is
 * owned by the caller: dm_casualty_import_free() after dm_import. */
dm_status dm_casualty_import_hooks(dm_import_opts *o, double settlement_within_m,
                                   double hazard_within_m, dm_casualty_import **state,
                                   dm_error *err);

/* Incidents made and incidents linked to by the import (casualty rows). */
void dm_casualty_import_counts(const dm_casualty_import *state, int64_t *incidents_created,
                               int64_t *incidents_linked);

void dm_casualty_import_free(dm_casualty_import *state);

#endif
