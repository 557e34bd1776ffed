/* fuzz_utf8: dm_utf8_valid against two independent reference checks.
 *
 * Reference A decodes by bit pattern (lead byte gives the length, the code
 * point is assembled, then overlongs, surrogates and > U+10FFFF are refused).
 * Reference B is the byte-range table of well-formed sequences (Unicode
 * Standard, Table 3-7). Both report the offset of the first byte of the first
 * ill-formed sequence, as dm_utf8_valid documents. Any disagreement aborts.
 */
#include "core/utf8.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Reference A: decode by bit pattern. */
static bool ref_decode(const unsigned char *s, size_t len, size_t *bad)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp, min;
        if ((c & 0x80) == 0) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            goto bad; /* continuation byte or 0xF8..0xFF as a lead */
        }
        if (n > len - i)
            goto bad;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += n;
    }
    return true;
bad:
    *bad = i;
    return false;
}

/* Reference B: Table 3-7, well-formed UTF-8 byte sequences. */
static const struct {
    unsigned char lo[4], hi[4];
    int n;
} table37[] = {
    {{0x00}, {0x7F}, 1},
    {{0xC2, 0x80}, {0xDF, 0xBF}, 2},
    {{0xE0, 0xA0, 0x80}, {0xE0, 0xBF, 0xBF}, 3},
    {{0xE1, 0x80, 0x80}, {0xEC, 0xBF, 0xBF}, 3},
    {{0xED, 0x80, 0x80}, {0xED, 0x9F, 0xBF}, 3},
    {{0xEE, 0x80, 0x80}, {0xEF, 0xBF, 0xBF}, 3},
    {{0xF0, 0x90, 0x80, 0x80}, {0xF0, 0xBF, 0xBF, 0xBF}, 4},
    {{0xF1, 0x80, 0x80, 0x80}, {0xF3, 0xBF, 0xBF, 0xBF}, 4},
    {{0xF4, 0x80, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF}, 4},
};

static bool ref_table(const unsigned char *s, size_t len, size_t *bad)
{
    size_t i = 0;
    while (i < len) {
        int match = 0;
        for (size_t r = 0; r < sizeof table37 / sizeof table37[0] && !match; r++) {
            int n = table37[r].n;
            if ((size_t)n > len - i)
                continue;
            int k = 0;
            while (k < n && s[i + k] >= table37[r].lo[k] && s[i + k] <= table37[r].hi[k])
                k++;
            if (k == n)
                match = n;
        }
        if (!match) {
            *bad = i;
            return false;
        }
        i += (size_t)match;
    }
    return true;
}

static void dump(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size && i < 64; i++)
        fprintf(stderr, "%02x", data[i]);
    fprintf(stderr, "%s\n", size > 64 ? "..." : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t bad_a = 0, bad_b = 0, bad_dm = (size_t)-1;
    bool a = ref_decode(data, size, &bad_a);
    bool b = ref_table(data, size, &bad_b);
    if (a != b || (!a && bad_a != bad_b)) {
        fprintf(stderr, "fuzz_utf8: the two reference checks disagree (a=%d@%zu b=%d@%zu): ", a,
                bad_a, b, bad_b);
        dump(data, size);
        abort();
    }
    bool dm = dm_utf8_valid((const char *)data, size, &bad_dm);
    if (dm != a) {
        fprintf(stderr, "fuzz_utf8: dm_utf8_valid says %s, reference says %s (first bad byte %zu): ",
                dm ? "valid" : "invalid", a ? "valid" : "invalid", bad_a);
        dump(data, size);
        abort();
    }
    if (!dm && bad_dm != bad_a) {
        fprintf(stderr, "fuzz_utf8: dm_utf8_valid reports bad offset %zu, reference %zu: ", bad_dm,
                bad_a);
        dump(data, size);
        abort();
    }
    if (dm_utf8_valid((const char *)data, size, NULL) != dm) {
        fprintf(stderr, "fuzz_utf8: result changes with bad_offset == NULL: ");
        dump(data, size);
        abort();
    }
    /* Everything before the first bad sequence is valid on its own. */
    if (!dm && !dm_utf8_valid((const char *)data, bad_dm, NULL)) {
        fprintf(stderr, "fuzz_utf8: the valid prefix [0,%zu) is reported invalid: ", bad_dm);
        dump(data, size);
        abort();
    }
    return 0;
}
