/* Synthetic demo records, clearly labelled: every record made here has
 * origin "synthetic demo data" and attributes {"synthetic": true}. Used by
 * `demine demo` and tests; never mixed into real data files.
 */
#ifndef DM_IO_SYNTHETIC_H
#define DM_IO_SYNTHETIC_H

#include "core/error.h"
#include "store/store.h"

#include <stdint.h>

typedef struct dm_synthetic_counts {
    int64_t organisations, releases, items;
} dm_synthetic_counts;

/* Adds organisations, land releases (cancelled, reduced and cleared parts of
 * existing hazards, dated 2015-2025) and EO items found in the cleared parts.
 * Deterministic for a given seed. Runs in one transaction. */
dm_status dm_synthetic_generate(dm_store *store, uint64_t seed, int nreleases, const char *who,
                                dm_synthetic_counts *out, dm_error *err);

#endif
