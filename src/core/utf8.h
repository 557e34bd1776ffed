/* UTF-8 validation for text coming from outside. */
#ifndef DM_CORE_UTF8_H
#define DM_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). On false, *bad_offset (if given) is the byte
 * offset of the first bad sequence. */
bool dm_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Copies src into dst (dstsz bytes, NUL-terminated), cutting a too long
 * string at a character boundary, never inside a UTF-8 sequence. */
void dm_utf8_copy(char *dst, size_t dstsz, const char *src);

#endif
