/* fuzz_priority_weights: dm_priority_weights_parse on arbitrary bytes (not
 * NUL-terminated, so that a read past the end is caught).
 *
 * Checks: a failure is DM_EINVAL (or DM_ENOMEM) with a message and leaves
 * the default weights; a success gives weights that are all finite and 0 or
 * more, with a half-life above 0; writing them as JSON and parsing that
 * again gives the same weights bit for bit.
 */
#include "analysis/priority.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn)) static void fail(const char *why, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_priority_weights: %s; input: \"", why);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7F && data[i] != '"' ? "%c" : "\\x%02x",
                data[i]);
    fprintf(stderr, "\"\n");
    abort();
}

static bool sane(const dm_priority_weights *w)
{
    const double *v = (const double *)w;
    for (size_t i = 0; i < sizeof *w / sizeof(double); i++)
        if (!isfinite(v[i]) || v[i] < 0)
            return false;
    return w->casualty_half_life_years > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    dm_priority_weights w, d;
    dm_priority_weights_default(&d);
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_priority_weights_parse(text, size, &w, &err);
    free(text);
    if (st != DM_OK) {
        if ((st != DM_EINVAL && st != DM_ENOMEM) || err.code != st || !err.msg[0] ||
            !memchr(err.msg, '\0', sizeof err.msg))
            fail("a failure without DM_EINVAL and a message", data, size);
        if (memcmp(&w, &d, sizeof w))
            fail("a failure left weights other than the defaults", data, size);
        return 0;
    }
    if (!sane(&w))
        fail("accepted a weight that is negative or not finite", data, size);
    dm_buf b;
    dm_buf_init(&b, 0);
    if (dm_priority_weights_json(&w, &b) || !b.data)
        fail("the weights cannot be written", data, size);
    dm_priority_weights again;
    if (dm_priority_weights_parse(b.data, b.len, &again, &err) != DM_OK)
        fail("the weights written do not parse", data, size);
    if (memcmp(&w, &again, sizeof w))
        fail("the weights changed through JSON", data, size);
    dm_buf_free(&b);
    return 0;
}
