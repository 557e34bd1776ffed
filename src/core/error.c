#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dm_error_clear(dm_error *err)
{
    if (!err)
        return;
    err->code = DM_OK;
    err->msg[0] = '\0';
}

dm_status dm_error_set(dm_error *err, dm_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void dm_error_prefix(dm_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[DM_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

const char *dm_status_name(dm_status code)
{
    switch (code) {
    case DM_OK: return "ok";
    case DM_EINVAL: return "invalid input";
    case DM_ENOMEM: return "out of memory";
    case DM_EIO: return "input/output error";
    case DM_EFULL: return "disk full";
    case DM_EREADONLY: return "read-only";
    case DM_EFORMAT: return "wrong format";
    case DM_ENOTFOUND: return "not found";
    case DM_ECONFLICT: return "conflict";
    case DM_ESTORE: return "store error";
    case DM_EGEOM: return "geometry error";
    case DM_EINTERNAL: return "internal error";
    }
    return "unknown error";
}
