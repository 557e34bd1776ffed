/* sortby: the order of an items answer (OGC API - Features - Part 5,
 * sorting): a comma-separated list of sort keys, each a property name with
 * an optional direction, "+" ascending (the default) or "-" descending:
 *
 *   sortby = key { "," key }
 *   key    = [ "+" | "-" | " " ] name      a " " is a "+" that a query string
 *                                         decoded ('+' is a space there)
 *
 * The names a caller may sort on are given (names[0..nnames)): what the
 * collection's features carry and the caller may read. Refused with
 * DM_EINVAL and a message saying which key and why: an empty key, a name
 * not among names, a name given twice, more than DM_SORTBY_MAX keys, a text
 * over DM_SORTBY_MAX_LEN bytes. *out is only written on success.
 * Pure and thread-safe; nothing to free.
 */
#ifndef DM_SERVER_SORTBY_H
#define DM_SERVER_SORTBY_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

#define DM_SORTBY_MAX 8
#define DM_SORTBY_MAX_LEN 512

typedef struct dm_sortby {
    size_t n;                  /* keys, 1..DM_SORTBY_MAX */
    size_t key[DM_SORTBY_MAX]; /* index into the names given */
    bool desc[DM_SORTBY_MAX];  /* true: descending */
} dm_sortby;

dm_status dm_sortby_parse(const char *text, const char *const *names, size_t nnames, dm_sortby *out,
                          dm_error *err);

#endif
