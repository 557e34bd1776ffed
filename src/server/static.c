/* The browser UI's static files. Nothing is served until the UI is built. */
#include "server/internal.h"

bool dm_ui_handle(const dm_request *q, dm_response *r)
{
    (void)q;
    (void)r;
    return false;
}
