#include "server/qs.h"

#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes s[0..len) for a message: printable ASCII as it is, other bytes (and
 * the quote and backslash) as \xNN, cut after 40 bytes with "...". */
static void show(char *out, size_t outsz, const char *s, size_t len)
{
    size_t used = 0;
    size_t n = len > 40 ? 40 : len;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 5 < outsz; i++) {
        unsigned char c = (unsigned char)s[i];
        int w = (c >= 0x20 && c < 0x7F && c != '\'' && c != '\\')
                    ? snprintf(out + used, outsz - used, "%c", c)
                    : snprintf(out + used, outsz - used, "\\x%02X", c);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (len > n && used + 4 < outsz)
        snprintf(out + used, outsz - used, "...");
}

int dm_qs_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef enum { DEC_OK, DEC_ESCAPE, DEC_NUL, DEC_UTF8 } dec_result;

/* Decodes s[0..len) into out (at most len bytes and a NUL); *outlen is the
 * decoded length. On DEC_ESCAPE, *bad is the offset of the bad '%'. */
static dec_result decode(const char *s, size_t len, bool plus, char *out, size_t *outlen,
                         size_t *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 1 < len ? dm_qs_hex_digit((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < len ? dm_qs_hex_digit((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *bad = i;
                return DEC_ESCAPE;
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == '\0')
            return DEC_NUL;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    *outlen = o;
    return dm_utf8_valid(out, o, NULL) ? DEC_OK : DEC_UTF8;
}

void dm_qs_free(dm_qs *qs)
{
    if (!qs)
        return;
    free(qs->mem);
    qs->mem = NULL;
    qs->n = 0;
}

dm_status dm_qs_parse(const char *query, size_t len, dm_qs *out, dm_error *err)
{
    out->n = 0;
    out->mem = NULL;
    if (len > DM_QS_MAX_LEN)
        return dm_error_set(err, DM_EINVAL,
                            "the query string is %zu bytes long; at most %d bytes are accepted",
                            len, DM_QS_MAX_LEN);
    if (len == 0)
        return DM_OK;
    /* decoded text is never longer than its source; each name and value
     * needs its NUL */
    char *mem = malloc(len + 2 * DM_QS_MAX_PARAMS + 1);
    if (!mem)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    size_t used = 0;
    const char *end = query + len;
    const char *p = query;
    char shown[200];
    dm_status st = DM_OK;
    while (p <= end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        size_t plen = (size_t)(stop - p);
        if (plen > 0) {
            if (out->n == DM_QS_MAX_PARAMS) {
                st = dm_error_set(err, DM_EINVAL, "the query string has more than %d parameters",
                                  DM_QS_MAX_PARAMS);
                goto fail;
            }
            const char *eq = memchr(p, '=', plen);
            size_t nlen = eq ? (size_t)(eq - p) : plen;
            const char *v = eq ? eq + 1 : stop;
            size_t vlen = (size_t)(stop - v);

            dm_qs_param *prm = &out->params[out->n];
            char *name = mem + used;
            size_t bad = 0, dlen = 0;
            dec_result r = decode(p, nlen, false, name, &dlen, &bad);
            if (r != DEC_OK) {
                show(shown, sizeof shown, p, nlen);
                if (r == DEC_ESCAPE)
                    st = dm_error_set(err, DM_EINVAL,
                                      "query parameter '%s': the name has '%%' without two hex "
                                      "digits after it (write %%25 for a percent sign)",
                                      shown);
                else if (r == DEC_NUL)
                    st = dm_error_set(err, DM_EINVAL,
                                      "query parameter '%s': the name contains a NUL byte", shown);
                else
                    st = dm_error_set(err, DM_EINVAL,
                                      "query parameter '%s': the name is not UTF-8 once decoded",
                                      shown);
                goto fail;
            }
            prm->name = name;
            prm->name_len = dlen;
            used += dlen + 1;

            char *value = mem + used;
            r = decode(v, vlen, true, value, &dlen, &bad);
            if (r != DEC_OK) {
                show(shown, sizeof shown, name, prm->name_len);
                char where[64];
                show(where, sizeof where, v + bad, vlen - bad > 3 ? 3 : vlen - bad);
                if (r == DEC_ESCAPE)
                    st = dm_error_set(err, DM_EINVAL,
                                      "query parameter '%s': '%s' is not a percent-escape (a "
                                      "'%%' needs two hex digits after it; write %%25 for a "
                                      "percent sign)",
                                      shown, where);
                else if (r == DEC_NUL)
                    st = dm_error_set(err, DM_EINVAL,
                                      "query parameter '%s': the value contains a NUL byte (%%00)",
                                      shown);
                else
                    st = dm_error_set(err, DM_EINVAL,
                                      "query parameter '%s': the value is not UTF-8 once decoded",
                                      shown);
                goto fail;
            }
            prm->value = value;
            prm->value_len = dlen;
            used += dlen + 1;
            out->n++;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    out->mem = mem;
    return DM_OK;
fail:
    free(mem);
    out->n = 0;
    return st;
}

const char *dm_qs_get(const dm_qs *qs, const char *name)
{
    for (size_t i = 0; i < qs->n; i++)
        if (!strcmp(qs->params[i].name, name))
            return qs->params[i].value;
    return NULL;
}

size_t dm_qs_count(const dm_qs *qs, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < qs->n; i++)
        if (!strcmp(qs->params[i].name, name))
            k++;
    return k;
}

const char *dm_qs_repeated(const dm_qs *qs)
{
    for (size_t i = 0; i < qs->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(qs->params[i].name, qs->params[j].name))
                return qs->params[j].name;
    return NULL;
}

size_t dm_qs_size(const dm_qs *qs) { return qs->n; }

const dm_qs_param *dm_qs_at(const dm_qs *qs, size_t i) { return i < qs->n ? &qs->params[i] : NULL; }

dm_status dm_qs_encode_value(dm_buf *out, const char *value, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char chunk[256];
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (k + 3 > sizeof chunk) {
            dm_buf_append(out, chunk, k);
            k = 0;
        }
        if (unreserved) {
            chunk[k++] = (char)c;
        } else {
            chunk[k++] = '%';
            chunk[k++] = hex[c >> 4];
            chunk[k++] = hex[c & 15];
        }
    }
    return dm_buf_append(out, chunk, k);
}
