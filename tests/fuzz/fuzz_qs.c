/* fuzz_qs: dm_qs_parse on arbitrary bytes (not NUL-terminated, so that a
 * read past the end is caught).
 *
 * Checks: a failure is DM_EINVAL with a message and leaves the dm_qs empty; a
 * success holds at most DM_QS_MAX_PARAMS parameters whose names and values
 * are NUL-terminated UTF-8 of their stated lengths; dm_qs_get gives the first
 * value of a name, dm_qs_count how many times it is given, dm_qs_repeated a
 * name given twice exactly when one is; encoding every name and value with
 * dm_qs_encode_value writes only unreserved characters and %XX escapes, and
 * parsing "name=value&..." again gives the same parameters byte for byte (or,
 * when the encoded query is longer than DM_QS_MAX_LEN, the length error).
 */
#include "core/utf8.h"
#include "server/qs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn)) static void fail(const char *why, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_qs: %s; input: \"", why);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7F && data[i] != '"' ? "%c" : "\\x%02x",
                data[i]);
    fprintf(stderr, "\"\n");
    abort();
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size ? size : 1);
    if (!q)
        return 0;
    memcpy(q, data, size);
    dm_qs qs;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_qs_parse(q, size, &qs, &err);
    free(q);
    if (st != DM_OK) {
        if (st != DM_EINVAL || err.code != st || !err.msg[0] ||
            !memchr(err.msg, '\0', sizeof err.msg))
            fail("a failure without DM_EINVAL and a message", data, size);
        if (qs.n != 0 || qs.mem)
            fail("a failure left parameters behind", data, size);
        dm_qs_free(&qs);
        return 0;
    }
    size_t n = dm_qs_size(&qs);
    if (n > DM_QS_MAX_PARAMS || size > DM_QS_MAX_LEN)
        fail("accepted more than the limits", data, size);
    bool any_repeat = false;
    for (size_t i = 0; i < n; i++) {
        const dm_qs_param *p = dm_qs_at(&qs, i);
        if (!p || strlen(p->name) != p->name_len || strlen(p->value) != p->value_len)
            fail("a name or value whose length is wrong or that holds a NUL", data, size);
        if (!dm_utf8_valid(p->name, p->name_len, NULL) ||
            !dm_utf8_valid(p->value, p->value_len, NULL))
            fail("a name or value that is not UTF-8", data, size);
        size_t first = i;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(dm_qs_at(&qs, j)->name, p->name)) {
                first = j;
                break;
            }
        if (dm_qs_get(&qs, p->name) != dm_qs_at(&qs, first)->value)
            fail("dm_qs_get does not give the first value of a name", data, size);
        size_t count = dm_qs_count(&qs, p->name);
        if (count < 1 || (first < i && count < 2))
            fail("dm_qs_count is wrong", data, size);
        any_repeat |= count > 1;
    }
    if (dm_qs_at(&qs, n) != NULL)
        fail("dm_qs_at past the end is not NULL", data, size);
    const char *rep = dm_qs_repeated(&qs);
    if ((rep != NULL) != any_repeat || (rep && dm_qs_count(&qs, rep) < 2))
        fail("dm_qs_repeated disagrees with dm_qs_count", data, size);

    /* encode and parse again */
    dm_buf b;
    dm_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        const dm_qs_param *p = dm_qs_at(&qs, i);
        if (i)
            dm_buf_puts(&b, "&");
        dm_qs_encode_value(&b, p->name, p->name_len);
        dm_buf_puts(&b, "=");
        dm_qs_encode_value(&b, p->value, p->value_len);
    }
    if (dm_buf_puts(&b, "") != DM_OK)
        fail("encoding failed", data, size);
    for (size_t i = 0; i < b.len; i++) {
        unsigned char c = (unsigned char)b.data[i];
        if (c == '%') {
            static const char hex[] = "0123456789ABCDEF";
            if (i + 2 >= b.len || !memchr(hex, b.data[i + 1], 16) ||
                !memchr(hex, b.data[i + 2], 16))
                fail("a bad escape in the encoding", data, size);
            i += 2;
        } else if (!unreserved(c) && c != '=' && c != '&') {
            fail("a reserved character left unencoded", data, size);
        }
    }
    dm_qs again;
    st = dm_qs_parse(b.data, b.len, &again, &err);
    if (b.len > DM_QS_MAX_LEN) {
        if (st != DM_EINVAL)
            fail("an encoded query over the length limit was accepted", data, size);
    } else {
        if (st != DM_OK)
            fail("the encoded query does not parse", data, size);
        if (dm_qs_size(&again) != n)
            fail("the encoded query has another number of parameters", data, size);
        for (size_t i = 0; i < n; i++) {
            const dm_qs_param *p = dm_qs_at(&qs, i), *r = dm_qs_at(&again, i);
            if (p->name_len != r->name_len || memcmp(p->name, r->name, p->name_len) ||
                p->value_len != r->value_len || memcmp(p->value, r->value, p->value_len))
                fail("a parameter changed through encoding", data, size);
        }
        dm_qs_free(&again);
    }
    dm_buf_free(&b);
    dm_qs_free(&qs);
    return 0;
}
