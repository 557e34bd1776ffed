/* EO items found and destroyed: counts of records and of items (quantity),
 * in total and grouped by category, year found or admin area (the admin area
 * of the finest level containing the item's position).
 *
 * An item record without a quantity counts as 1 item. A scope
 * (analysis/scope.h) keeps the items found in its period (by their date;
 * undated items are in no period), by its organisation, and lying in its
 * admin area (on its edge included). Official figures use approved records
 * only.
 */
#ifndef DM_ANALYSIS_ITEMS_H
#define DM_ANALYSIS_ITEMS_H

#include "analysis/landrelease.h"
#include "core/buf.h"
#include "store/store.h"

typedef enum dm_items_group_by {
    DM_ITEMS_TOTAL,
    DM_ITEMS_BY_CATEGORY,
    DM_ITEMS_BY_YEAR,
    DM_ITEMS_BY_ADMIN
} dm_items_group_by;

typedef struct dm_items_figures {
    char key[DM_GROUP_KEY_MAX];
    char name[256];
    int64_t records;   /* item records */
    int64_t quantity;  /* items found */
    int64_t destroyed; /* items with disposal "destroyed" */
    dm_code_list codes;
} dm_items_figures;

typedef struct dm_items_stats {
    dm_items_figures total;
    dm_items_figures *groups;
    size_t ngroups;
    dm_items_group_by by;
    bool include_drafts;
    dm_scope scope;       /* what the figures are limited to */
    char admin_name[256]; /* the scope's admin area name, "" without one */
} dm_items_stats;

typedef struct dm_items_opts {
    dm_items_group_by by;
    bool include_drafts;
    dm_scope scope; /* all zero: every record */
} dm_items_opts;

/* *out is owned by the caller: dm_items_free(). */
dm_status dm_items_compute(dm_store *store, const dm_items_opts *o, dm_items_stats *out,
                           dm_error *err);
void dm_items_free(dm_items_stats *s);

/* JSON keys: item_records, quantity, destroyed, scope (as land release's),
 * groups[] (key, name, same keys);
 * with list, "items": the codes behind each figure. */
dm_status dm_items_json(const dm_items_stats *s, bool list, dm_buf *out);
dm_status dm_items_text(const dm_items_stats *s, bool list, dm_buf *out);

dm_status dm_items_group_by_parse(const char *s, dm_items_group_by *out, dm_error *err);

#endif
