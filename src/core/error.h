/* Status codes and the error struct every public demine function fills.
 *
 * Every public function returns a dm_status (DM_OK == 0) and, on failure,
 * writes a message a user can act on into a caller-owned dm_error
 * ("row 17: polygon ring not closed"). The error struct holds no heap memory:
 * nothing to free. A NULL dm_error pointer is allowed and means "don't tell me".
 */
#ifndef DM_CORE_ERROR_H
#define DM_CORE_ERROR_H

#include <stddef.h>

typedef enum dm_status {
    DM_OK = 0,
    DM_EINVAL,    /* bad input from the caller or the data */
    DM_ENOMEM,    /* out of memory */
    DM_EIO,       /* file could not be read or written */
    DM_EFULL,     /* disk or database full */
    DM_EREADONLY, /* file or database is read-only */
    DM_EFORMAT,   /* file is not in the expected format */
    DM_ENOTFOUND, /* no such record, table or file */
    DM_ECONFLICT, /* duplicate id or stale version */
    DM_ESTORE,    /* the store failed for another reason */
    DM_EGEOM,     /* geometry engine failure */
    DM_EINTERNAL  /* a bug: please report */
} dm_status;

#define DM_ERROR_MSG_MAX 1024

typedef struct dm_error {
    dm_status code;
    char msg[DM_ERROR_MSG_MAX];
} dm_error;

/* Resets err to "no error". */
void dm_error_clear(dm_error *err);

/* Sets err->code and formats the message (printf style); returns code so that
 * callers can write `return dm_error_set(err, DM_EINVAL, "...")`. */
dm_status dm_error_set(dm_error *err, dm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in err (keeps the code). */
void dm_error_prefix(dm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short stable name of a status ("invalid input", "disk full" ...). Static. */
const char *dm_status_name(dm_status code);

#endif
