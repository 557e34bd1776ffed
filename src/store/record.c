#include "store/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dm_record_init(dm_record *rec, const dm_kind *kind)
{
    memset(rec, 0, sizeof *rec);
    rec->kind = kind;
    strcpy(rec->state, "approved");
}

void dm_record_clear(dm_record *rec, dm_geo *geo)
{
    const dm_kind *kind = rec->kind;
    for (size_t i = 0; i < DM_MAX_FIELDS; i++)
        free(rec->values[i]);
    if (rec->geom)
        dm_geo_destroy(geo, rec->geom);
    free(rec->attributes);
    free(rec->origin);
    free(rec->state_reason);
    dm_record_init(rec, kind);
}

dm_status dm_record_set(dm_record *rec, const char *name, const char *text, dm_error *err)
{
    int i = dm_kind_field_index(rec->kind, name);
    if (i < 0)
        return dm_error_set(err, DM_ENOTFOUND, "%s have no field '%s'", rec->kind->name, name);
    char *v = NULL;
    dm_status st = dm_field_normalise(&rec->kind->fields[i], text, &v, err);
    if (st)
        return st;
    free(rec->values[i]);
    rec->values[i] = v;
    return DM_OK;
}

dm_status dm_record_set_code(dm_record *rec, const char *code, dm_error *err)
{
    if (!code || !*code) {
        rec->code[0] = 0;
        return DM_OK;
    }
    dm_status st = dm_code_check(code, err);
    if (st)
        return st;
    snprintf(rec->code, sizeof rec->code, "%s", code);
    return DM_OK;
}

const char *dm_record_get(const dm_record *rec, const char *name)
{
    int i = dm_kind_field_index(rec->kind, name);
    return i < 0 ? NULL : rec->values[i];
}

dm_status dm_record_check_complete(const dm_record *rec, dm_error *err)
{
    const dm_kind *k = rec->kind;
    for (size_t i = 0; i < k->nfields; i++)
        if ((k->fields[i].flags & DM_FIELD_REQUIRED) && !rec->values[i])
            return dm_error_set(err, DM_EINVAL,
                                "%s is required for %s: map a column to it (--map %s=COLUMN) or "
                                "give a value (--set %s=VALUE)",
                                k->fields[i].name, k->name, k->fields[i].name, k->fields[i].name);
    if (k->geom_required && !rec->geom)
        return dm_error_set(err, DM_EINVAL, "no geometry (null): %s need one", k->name);
    return DM_OK;
}

bool dm_record_state_valid(const char *state)
{
    return !strcmp(state, "draft") || !strcmp(state, "submitted") || !strcmp(state, "approved") ||
           !strcmp(state, "rejected");
}
