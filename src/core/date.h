/* Calendar dates as demine reads and writes them.
 *
 * Accepted input: ISO 8601 "YYYY-MM-DD" (a trailing time "THH:MM[:SS][Z|±HH:MM]"
 * is allowed and dropped) and "DD.MM.YYYY". Everything else is rejected with a
 * message saying which formats are accepted. Years 1000..9999 only.
 */
#ifndef DM_CORE_DATE_H
#define DM_CORE_DATE_H

#include "core/error.h"

#include <stdbool.h>

typedef struct dm_date {
    int year, month, day;
} dm_date;

/* Parses s into *out. DM_EINVAL with a message on a bad date. */
dm_status dm_date_parse(const char *s, dm_date *out, dm_error *err);

/* Writes "YYYY-MM-DD" (11 bytes with NUL) into out. */
void dm_date_format(dm_date d, char out[11]);

/* Today's date in UTC. */
dm_date dm_date_today(void);

#define DM_TIME_ISO_LEN 25 /* "YYYY-MM-DDTHH:MM:SS.SSSZ" and the NUL */

/* Current UTC time as "YYYY-MM-DDTHH:MM:SS.SSSZ" (the GeoPackage DATETIME
 * form) into out. */
void dm_time_now_iso(char out[DM_TIME_ISO_LEN]);

/* Days in a month (leap years handled). */
int dm_date_days_in_month(int year, int month);

/* -1, 0 or 1. */
int dm_date_compare(dm_date a, dm_date b);

#endif
