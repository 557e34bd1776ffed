/* fuzz_field: dm_field_normalise for every field of every kind.
 *
 * The input (up to its first NUL) is the text value. Checks, per field:
 *   - a failure is DM_EINVAL (or DM_ENOMEM) with a message, and *out is NULL;
 *   - a success with *out == NULL only for blank input;
 *   - a canonical value has no leading/trailing blanks and is a fixed point:
 *     normalising it again succeeds and gives the same string;
 *   - enum values come out as one of the field's canonical spellings, booleans
 *     as 0/1, dates as YYYY-MM-DD.
 */
#include "core/kind.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const dm_kind *k, const dm_field *f, const char *why, const char *in,
                 const char *out)
{
    fprintf(stderr, "fuzz_field: %s.%s: %s\n  input:  \"", k->name, f->name, why);
    for (const unsigned char *p = (const unsigned char *)in; *p; p++)
        fprintf(stderr, *p >= 0x20 && *p < 0x7F && *p != '"' ? "%c" : "\\x%02x", *p);
    fprintf(stderr, "\"\n  output: \"%s\"\n", out ? out : "(null)");
    abort();
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

static int is_canonical_enum(const dm_field *f, const char *v)
{
    for (size_t i = 0; f->values[i]; i++) {
        const char *bar = strchr(f->values[i], '|');
        size_t len = bar ? (size_t)(bar - f->values[i]) : strlen(f->values[i]);
        if (strlen(v) == len && !memcmp(v, f->values[i], len))
            return 1;
    }
    return 0;
}

static void check_field(const dm_kind *k, const dm_field *f, const char *in)
{
    dm_error err;
    dm_error_clear(&err);
    char *out = (char *)1;
    dm_status st = dm_field_normalise(f, in, &out, &err);
    if (st != DM_OK) {
        if (out)
            fail(k, f, "failure leaves *out set", in, NULL);
        if ((st != DM_EINVAL && st != DM_ENOMEM) || err.code != st || !err.msg[0])
            fail(k, f, "failure without DM_EINVAL and a message", in, NULL);
        return;
    }
    if (!out) {
        if (!is_blank(in))
            fail(k, f, "non-blank input normalised to unknown (NULL)", in, NULL);
        return;
    }
    if (!*out || isspace((unsigned char)out[0]) ||
        isspace((unsigned char)out[strlen(out) - 1]))
        fail(k, f, "canonical value is empty or not trimmed", in, out);
    switch (f->type) {
    case DM_FT_ENUM:
        if (!is_canonical_enum(f, out))
            fail(k, f, "enum value is not a canonical spelling", in, out);
        break;
    case DM_FT_BOOL:
        if (strcmp(out, "0") && strcmp(out, "1"))
            fail(k, f, "boolean is not 0/1", in, out);
        break;
    case DM_FT_DATE:
        if (strlen(out) != 10 || out[4] != '-' || out[7] != '-')
            fail(k, f, "date is not YYYY-MM-DD", in, out);
        break;
    default:
        break;
    }

    char *again = (char *)1;
    dm_error_clear(&err);
    st = dm_field_normalise(f, out, &again, &err);
    if (st != DM_OK) {
        fprintf(stderr, "fuzz_field: second pass error: %s\n", err.msg);
        fail(k, f, "the canonical value is rejected when normalised again", in, out);
    }
    if (!again || strcmp(again, out)) {
        fprintf(stderr, "fuzz_field: second pass gave \"%s\"\n", again ? again : "(null)");
        fail(k, f, "normalising is not idempotent", in, out);
    }
    free(again);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    for (size_t i = 0; i < dm_kind_count(); i++) {
        const dm_kind *k = dm_kind_at(i);
        for (size_t j = 0; j < k->nfields; j++)
            check_field(k, &k->fields[j], in);
    }
    free(in);
    return 0;
}
