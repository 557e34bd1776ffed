/* fuzz_i18n: dm_i18n_parse on arbitrary bytes (not NUL-terminated, so that
 * a read past the end is caught), then every formatter with what it read.
 *
 * Checks: a failure is DM_EFORMAT (or DM_ENOMEM) with a message and no
 * translation; a success gives a text for every key (a gap shows as
 * "[key]"), and numbers, dates, months and substitutions written with its
 * locale into buffers of 0 to 24 and of 64 bytes stay inside the
 * buffer, are NUL-terminated and are valid UTF-8 (a cut never splits a
 * character); a whole number written into a large buffer holds its digits
 * in order.
 */
#include "core/utf8.h"
#include "report/i18n.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn)) static void fail(const char *why, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_i18n: %s; input: \"", why);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7F && data[i] != '"' ? "%c" : "\\x%02x",
                data[i]);
    fprintf(stderr, "\"\n");
    abort();
}

/* out[0..sz) written as a cut, NUL-terminated, valid UTF-8 string */
static int sane(const char *out, size_t sz)
{
    if (sz == 0)
        return 1;
    size_t n = strnlen(out, sz);
    return n < sz && dm_utf8_valid(out, n, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    dm_i18n *t = (dm_i18n *)&text; /* must be reset */
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_i18n_parse(text, size, &t, &err);
    free(text);
    if (st) {
        if (st != DM_EFORMAT && st != DM_ENOMEM)
            fail("a failure that is not DM_EFORMAT", data, size);
        if (t || !err.msg[0])
            fail("a failure without a message, or with a translation", data, size);
        return 0;
    }
    if (!t)
        fail("success without a translation", data, size);
    size_t nkeys;
    const char *const *keys = dm_i18n_keys(&nkeys);
    for (size_t i = 0; i < nkeys; i++) {
        const char *s = dm_i18n_get(t, keys[i]);
        if (!s || !dm_utf8_valid(s, strlen(s), NULL))
            fail("a text that is not UTF-8", data, size);
    }
    static const double nums[] = {0, -0.0, 0.05, -1234567.891, 1e15, NAN, INFINITY};
    static const int64_t ints[] = {0, 7, -1000, 123456789, INT64_MIN, INT64_MAX};
    static const char *const dates[] = {"2025-04-15", "1999-12-31", "2025-13-01", "", "x"};
    const char *args[] = {"é", "{1}", "щ", "", "ə", "{2}", "a", "b", "c"};
    char out[65];
    for (size_t sz = 0; sz <= 64; sz = sz < 24 ? sz + 1 : 64 + (sz == 64)) {
        memset(out, 'Z', sizeof out);
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
            if (dm_i18n_int(t, ints[i], out, sz), !sane(out, sz) || out[sz] != 'Z')
                fail("dm_i18n_int left its buffer", data, size);
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
            for (int d = 0; d <= 6; d += 3)
                if (dm_i18n_num(t, nums[i], d, out, sz), !sane(out, sz) || out[sz] != 'Z')
                    fail("dm_i18n_num left its buffer", data, size);
        for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
            if (dm_i18n_date(t, dates[i], out, sz), !sane(out, sz) || out[sz] != 'Z')
                fail("dm_i18n_date left its buffer", data, size);
        if (dm_i18n_month(t, 2025, 4, out, sz), !sane(out, sz) || out[sz] != 'Z')
            fail("dm_i18n_month left its buffer", data, size);
        for (size_t i = 0; i < nkeys; i += 7)
            if (dm_i18n_fmt(t, keys[i], out, sz, 9, args), !sane(out, sz) || out[sz] != 'Z')
                fail("dm_i18n_fmt left its buffer", data, size);
    }
    /* the digits of a whole number, in order, whatever the separators */
    char big[128];
    dm_i18n_int(t, 123456789, big, sizeof big);
    char digits[32];
    size_t nd = 0;
    for (const char *p = big; *p && nd < sizeof digits - 1; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    digits[nd] = '\0';
    if (strcmp(digits, "123456789") != 0)
        fail("dm_i18n_int lost or added digits", data, size);
    dm_i18n_free(t);
    return 0;
}
