/* dm_qs: the query string of an HTTP request ("bbox=1,2,3,4&limit=10").
 *
 * dm_qs_parse splits the query on '&', each piece on its first '=', and
 * percent-decodes names and values ('+' is a space in values; in names it
 * stays '+'). Empty pieces ("a=1&&b=2") are skipped; a piece without '=' is
 * a parameter with an empty value. The query is the text after '?': a
 * leading '?' is not stripped. Parameters are kept in their order, and one
 * given twice is kept twice (dm_qs_count, dm_qs_repeated), so that the server
 * can answer 400 to a repeated parameter instead of silently taking one.
 *
 * Refused with DM_EINVAL and a message naming the parameter: a '%' not
 * followed by two hex digits, a NUL byte (raw or %00), a name or value that is
 * not UTF-8 after decoding; more than DM_QS_MAX_PARAMS parameters or more
 * than DM_QS_MAX_LEN bytes of query.
 *
 * A dm_qs owns copies of every name and value (dm_qs_free). Names and values
 * are NUL-terminated UTF-8 without NUL bytes inside.
 */
#ifndef DM_SERVER_QS_H
#define DM_SERVER_QS_H

#include "core/buf.h"
#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

#define DM_QS_MAX_PARAMS 64
#define DM_QS_MAX_LEN 8192

typedef struct dm_qs_param {
    const char *name; /* decoded, owned by the dm_qs */
    const char *value;
    size_t name_len, value_len; /* strlen of each */
} dm_qs_param;

typedef struct dm_qs {
    size_t n; /* parameters, in query order */
    dm_qs_param params[DM_QS_MAX_PARAMS];
    char *mem; /* one block holding every decoded name and value */
} dm_qs;

/* Parses query[0..len) into *out (which need not be initialised). On error
 * *out is left empty (n == 0) and needs no dm_qs_free, though calling it is
 * harmless. */
dm_status dm_qs_parse(const char *query, size_t len, dm_qs *out, dm_error *err);

/* Frees what the dm_qs holds and leaves it empty. NULL allowed. */
void dm_qs_free(dm_qs *qs);

/* The value of the first parameter called `name` (exact, case-sensitive
 * match), or NULL when there is none. Owned by qs. */
const char *dm_qs_get(const dm_qs *qs, const char *name);

/* How many times `name` is given (0 when absent). */
size_t dm_qs_count(const dm_qs *qs, const char *name);

/* The name of the first parameter given more than once, or NULL when every
 * name is given once. Owned by qs. */
const char *dm_qs_repeated(const dm_qs *qs);

/* Number of parameters, and the i-th one in query order (NULL past the end);
 * for (size_t i = 0; i < dm_qs_size(qs); i++) { const dm_qs_param *p = ... } */
size_t dm_qs_size(const dm_qs *qs);
const dm_qs_param *dm_qs_at(const dm_qs *qs, size_t i);

/* Appends value[0..len) to out percent-encoded: every byte but the RFC 3986
 * unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX (upper-case hex), so
 * that a `next` link built from parsed parameters gives back every byte of
 * each when parsed again. Works for names too. Returns out's status. */
dm_status dm_qs_encode_value(dm_buf *out, const char *value, size_t len);

/* The value of a hex digit (0-9 a-f A-F), or -1. */
int dm_qs_hex_digit(unsigned char c);

#endif
