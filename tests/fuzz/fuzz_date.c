/* fuzz_date: dm_date_parse on arbitrary text.
 *
 * Checks: parsing never crashes or reads past the string; a failure sets an
 * error message; a success gives a real calendar date (years 1000..9999) that
 * dm_date_format writes as YYYY-MM-DD and that parses back to the same date;
 * the digits of the date in the input are the ones in the output; the result
 * does not depend on whether an error struct is passed.
 */
#include "core/date.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *why, const char *s)
{
    fprintf(stderr, "fuzz_date: %s; input: \"", why);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fprintf(stderr, *p >= 0x20 && *p < 0x7F && *p != '"' ? "%c" : "\\x%02x", *p);
    fprintf(stderr, "\"\n");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    dm_error err;
    dm_error_clear(&err);
    dm_date d = {-1, -1, -1};
    dm_status st = dm_date_parse(s, &d, &err);
    dm_date d_noerr = {-1, -1, -1};
    dm_status st_noerr = dm_date_parse(s, &d_noerr, NULL);
    if ((st == DM_OK) != (st_noerr == DM_OK))
        fail("the result changes when no dm_error is passed", s);

    if (st != DM_OK) {
        if (err.code != st || !err.msg[0] || !memchr(err.msg, '\0', sizeof err.msg))
            fail("failure without a proper error message", s);
        free(s);
        return 0;
    }
    if (dm_date_compare(d, d_noerr) != 0)
        fail("different dates with and without a dm_error", s);
    if (d.year < 1000 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 ||
        d.day > dm_date_days_in_month(d.year, d.month))
        fail("accepted a date that is not a real calendar date", s);

    char out[11];
    memset(out, 'x', sizeof out);
    dm_date_format(d, out);
    if (out[10] != '\0' || strlen(out) != 10)
        fail("dm_date_format did not write 10 characters", s);

    /* The digits must come from the input: "YYYY-MM-DD..." or "DD.MM.YYYY". */
    size_t n = strlen(s);
    if (n >= 10 && s[4] == '-' && s[7] == '-') {
        if (memcmp(s, out, 10) != 0)
            fail("formatted ISO date differs from the input's first 10 characters", s);
    } else if (n == 10 && s[2] == '.' && s[5] == '.') {
        if (memcmp(s, out + 8, 2) || memcmp(s + 3, out + 5, 2) || memcmp(s + 6, out, 4))
            fail("formatted date differs from the DD.MM.YYYY input", s);
    } else {
        fail("accepted a date in neither accepted format", s);
    }

    dm_date d2 = {-1, -1, -1};
    dm_error_clear(&err);
    if (dm_date_parse(out, &d2, &err) != DM_OK)
        fail("the formatted date does not parse again", s);
    if (dm_date_compare(d, d2) != 0)
        fail("format + parse gives a different date", s);
    free(s);
    return 0;
}
