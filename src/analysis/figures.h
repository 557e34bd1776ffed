/* What every set of figures shares: the list of records behind a figure, and
 * the JSON pieces of a group (key, name, record codes). */
#ifndef DM_ANALYSIS_FIGURES_H
#define DM_ANALYSIS_FIGURES_H

#include "core/buf.h"
#include "store/record.h"

#include <stddef.h>

/* A group's key: an admin code, "2021", "2021-03", an organisation's name,
 * "unknown"... (bytes with the NUL). */
#define DM_GROUP_KEY_MAX 256

/* A list of record codes (the records behind a figure). Owned by its parent;
 * dm_code_list_free() releases it. */
typedef struct dm_code_list {
    char (*codes)[DM_CODE_MAX];
    size_t n, cap;
} dm_code_list;

/* Adds a code (copied). DM_ENOMEM on failure. */
dm_status dm_code_list_add(dm_code_list *l, const char *code);
void dm_code_list_free(dm_code_list *l);

/* Appends `{"key": KEY, "name": NAME, ` (failures are sticky in b). */
void dm_json_group_open(dm_buf *b, const char *key, const char *name);

/* Appends `, "FIELD": ["CODE", ...]`. */
void dm_json_codes(dm_buf *b, const char *field, const dm_code_list *l);

#endif
