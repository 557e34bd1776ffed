/* fuzz_sortby: dm_sortby_parse on arbitrary bytes (copied into a
 * NUL-terminated string, cut at the first NUL as a query value would be).
 *
 * Checks: a failure is DM_EINVAL with a message and leaves *out as it was; a
 * success has 1..DM_SORTBY_MAX keys, each an index into the names, no name
 * twice, and writing the keys back as "+name"/"-name" joined by commas and
 * parsing that again gives the same keys and directions.
 */
#include "server/sortby.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"code", "date", "status", "area_m2", "accident_date", "a"};
#define NNAMES (sizeof names / sizeof names[0])

__attribute__((noreturn)) static void fail(const char *why, const char *text)
{
    fprintf(stderr, "fuzz_sortby: %s; input: \"%s\"\n", why, text);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    dm_sortby s, untouched;
    memset(&s, 0x5a, sizeof s);
    untouched = s;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_sortby_parse(text, names, NNAMES, &s, &err);
    if (st != DM_OK) {
        if (st != DM_EINVAL || err.code != st || !err.msg[0] ||
            !memchr(err.msg, '\0', sizeof err.msg))
            fail("a failure without DM_EINVAL and a message", text);
        if (memcmp(&s, &untouched, sizeof s))
            fail("a failure wrote the answer", text);
        free(text);
        return 0;
    }
    if (s.n < 1 || s.n > DM_SORTBY_MAX || strlen(text) > DM_SORTBY_MAX_LEN)
        fail("accepted more than the limits", text);
    char again[DM_SORTBY_MAX * 20] = "";
    for (size_t i = 0; i < s.n; i++) {
        if (s.key[i] >= NNAMES)
            fail("a key outside the names", text);
        for (size_t j = 0; j < i; j++)
            if (s.key[j] == s.key[i])
                fail("a name accepted twice", text);
        strcat(again, i ? "," : "");
        strcat(again, s.desc[i] ? "-" : "+");
        strcat(again, names[s.key[i]]);
    }
    dm_sortby t;
    if (dm_sortby_parse(again, names, NNAMES, &t, &err) || t.n != s.n)
        fail("the keys written back do not parse the same", text);
    for (size_t i = 0; i < s.n; i++)
        if (t.key[i] != s.key[i] || t.desc[i] != s.desc[i])
            fail("a key changed when written back", text);
    free(text);
    return 0;
}
