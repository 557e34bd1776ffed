/* The sortby parameter (sortby.h). */
#include "server/sortby.h"

#include <string.h>

dm_status dm_sortby_parse(const char *text, const char *const *names, size_t nnames, dm_sortby *out,
                          dm_error *err)
{
    size_t len = strlen(text);
    if (len > DM_SORTBY_MAX_LEN)
        return dm_error_set(err, DM_EINVAL, "sortby is too long (over %d bytes)",
                            DM_SORTBY_MAX_LEN);
    dm_sortby s = {0};
    const char *p = text;
    for (size_t nth = 1;; nth++) {
        size_t klen = strcspn(p, ",");
        bool desc = false;
        const char *name = p;
        size_t nlen = klen;
        if (nlen && (*name == '+' || *name == '-' || *name == ' ')) {
            desc = *name == '-';
            name++;
            nlen--;
        }
        if (!nlen)
            return dm_error_set(
                err, DM_EINVAL,
                "sortby: key %zu is empty (use +name or -name, separated by commas)", nth);
        size_t found = nnames;
        for (size_t i = 0; i < nnames && found == nnames; i++)
            if (strlen(names[i]) == nlen && !memcmp(names[i], name, nlen))
                found = i;
        if (found == nnames) {
            char list[600];
            size_t used = 0;
            list[0] = 0;
            for (size_t i = 0; i < nnames && used + strlen(names[i]) + 3 < sizeof list; i++) {
                memcpy(list + used, i ? ", " : "", i ? 2 : 0);
                used += i ? 2 : 0;
                memcpy(list + used, names[i], strlen(names[i]) + 1);
                used += strlen(names[i]);
            }
            return dm_error_set(
                err, DM_EINVAL,
                "sortby: key %zu (%.*s) is not a property to sort on; these are: %s", nth,
                (int)(nlen > 100 ? 100 : nlen), name, list);
        }
        for (size_t i = 0; i < s.n; i++)
            if (s.key[i] == found)
                return dm_error_set(err, DM_EINVAL, "sortby: %s is given more than once",
                                    names[found]);
        if (s.n == DM_SORTBY_MAX)
            return dm_error_set(err, DM_EINVAL, "sortby: at most %d keys", DM_SORTBY_MAX);
        s.key[s.n] = found;
        s.desc[s.n++] = desc;
        p += klen;
        if (!*p)
            break;
        p++; /* the comma */
    }
    *out = s;
    return DM_OK;
}
