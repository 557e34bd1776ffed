#include "core/buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dm_buf_init(dm_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : DM_BUF_DEFAULT_CAP;
    b->status = DM_OK;
}

void dm_buf_free(dm_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void dm_buf_reset(dm_buf *b)
{
    b->len = 0;
    b->status = DM_OK;
    if (b->data)
        b->data[0] = '\0';
}

static dm_status reserve(dm_buf *b, size_t extra)
{
    if (b->status)
        return b->status;
    if (b->cap == 0)
        b->cap = DM_BUF_DEFAULT_CAP;
    if (extra > b->cap || b->len > b->cap - extra)
        return b->status = DM_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return DM_OK;
    size_t n = b->alloc ? b->alloc : 256;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    char *p = realloc(b->data, n);
    if (!p)
        return b->status = DM_ENOMEM;
    b->data = p;
    b->alloc = n;
    return DM_OK;
}

dm_status dm_buf_append(dm_buf *b, const void *data, size_t len)
{
    dm_status st = reserve(b, len);
    if (st)
        return st;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return DM_OK;
}

dm_status dm_buf_puts(dm_buf *b, const char *s) { return dm_buf_append(b, s, strlen(s)); }

dm_status dm_buf_printf(dm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return b->status = DM_EINVAL;
    dm_status st = reserve(b, (size_t)n);
    if (st)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return DM_OK;
}

dm_status dm_buf_json_string(dm_buf *b, const char *s)
{
    dm_status st = dm_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; !st && *p; p++) {
        switch (*p) {
        case '"': st = dm_buf_append(b, "\\\"", 2); break;
        case '\\': st = dm_buf_append(b, "\\\\", 2); break;
        case '\n': st = dm_buf_append(b, "\\n", 2); break;
        case '\r': st = dm_buf_append(b, "\\r", 2); break;
        case '\t': st = dm_buf_append(b, "\\t", 2); break;
        default:
            if (*p < 0x20)
                st = dm_buf_printf(b, "\\u%04x", *p);
            else
                st = dm_buf_append(b, p, 1);
        }
    }
    return st ? st : dm_buf_append(b, "\"", 1);
}

dm_status dm_buf_json_string_or_null(dm_buf *b, const char *s)
{
    return s && *s ? dm_buf_json_string(b, s) : dm_buf_puts(b, "null");
}

dm_status dm_buf_json_number(dm_buf *b, double v)
{
    if (!isfinite(v))
        return dm_buf_puts(b, "null");
    char tmp[40];
    /* shortest of %.15g..%.17g that reads back exactly */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    return dm_buf_puts(b, tmp);
}

char *dm_buf_steal(dm_buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->alloc = 0;
    return p;
}
