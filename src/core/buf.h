/* dm_buf: a growable byte buffer with a hard size cap.
 *
 * The buffer owns its memory; dm_buf_free() releases it. data is always
 * NUL-terminated (when non-NULL) so it can be used as a C string. Appending
 * past `cap` bytes fails with DM_ENOMEM instead of growing without bound.
 *
 * Failures are sticky: after one, every append does nothing and returns the
 * same status, kept in `status`. A writer can chain appends and check once.
 */
#ifndef DM_CORE_BUF_H
#define DM_CORE_BUF_H

#include "core/error.h"

#include <stddef.h>

typedef struct dm_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;       /* 0 means DM_BUF_DEFAULT_CAP */
    dm_status status; /* first failure, sticky */
} dm_buf;

#define DM_BUF_DEFAULT_CAP ((size_t)1 << 30) /* 1 GiB */

void dm_buf_init(dm_buf *b, size_t cap);
void dm_buf_free(dm_buf *b);
void dm_buf_reset(dm_buf *b); /* len = 0 and no failure; keeps memory */

dm_status dm_buf_append(dm_buf *b, const void *data, size_t len);
dm_status dm_buf_puts(dm_buf *b, const char *s);
dm_status dm_buf_printf(dm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string literal, quotes included. */
dm_status dm_buf_json_string(dm_buf *b, const char *s);

/* Appends s as a JSON string literal, or null when s is NULL or "". */
dm_status dm_buf_json_string_or_null(dm_buf *b, const char *s);

/* Appends a number as JSON: finite doubles with up to 17 significant digits
 * ("%.17g" trimmed to the shortest exact form), non-finite as null. */
dm_status dm_buf_json_number(dm_buf *b, double v);

/* Hands the memory to the caller (free() it); the buffer is left empty. */
char *dm_buf_steal(dm_buf *b);

#endif
