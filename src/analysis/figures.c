#include "analysis/figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dm_status dm_code_list_add(dm_code_list *l, const char *code)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = realloc(l->codes, cap * sizeof *l->codes);
        if (!p)
            return DM_ENOMEM;
        l->codes = p;
        l->cap = cap;
    }
    snprintf(l->codes[l->n++], DM_CODE_MAX, "%s", code);
    return DM_OK;
}

void dm_code_list_free(dm_code_list *l)
{
    free(l->codes);
    memset(l, 0, sizeof *l);
}

void dm_json_group_open(dm_buf *b, const char *key, const char *name)
{
    dm_buf_puts(b, "{\"key\": ");
    dm_buf_json_string(b, key);
    dm_buf_puts(b, ", \"name\": ");
    dm_buf_json_string(b, name);
    dm_buf_puts(b, ", ");
}

void dm_json_codes(dm_buf *b, const char *field, const dm_code_list *l)
{
    dm_buf_printf(b, ", \"%s\": [", field);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            dm_buf_puts(b, ", ");
        dm_buf_json_string(b, l->codes[i]);
    }
    dm_buf_puts(b, "]");
}
