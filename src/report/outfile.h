/* Output files that appear whole or not at all.
 *
 * dm_outfile_begin makes an empty temporary file next to the destination
 * (same folder, so that the final rename stays on one file system) and
 * gives its path; the writer fills it; dm_outfile_commit renames it into
 * place, dm_outfile_abort removes it. Nothing else is ever written under
 * the destination's name, so a failed or interrupted run leaves no partial
 * file behind.
 */
#ifndef DM_REPORT_OUTFILE_H
#define DM_REPORT_OUTFILE_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

#define DM_OUTFILE_PATH_MAX 4096

/* Creates "<dir>/.<name>.XXXXXX" (mode 0644 under the umask) and writes its
 * path into tmp (tmpsz bytes). Unless overwrite, an existing dest is
 * DM_ECONFLICT. A folder that does not exist or cannot be written is
 * DM_EIO (DM_EREADONLY for a read-only one) with a message naming it. */
dm_status dm_outfile_begin(const char *dest, bool overwrite, char *tmp, size_t tmpsz,
                           dm_error *err);

/* Renames tmp to dest (fsync first). On failure tmp is removed. */
dm_status dm_outfile_commit(const char *tmp, const char *dest, dm_error *err);

/* Removes tmp (nothing when tmp is "" or NULL). */
void dm_outfile_abort(const char *tmp);

/* The lowercase extension of path without the dot ("pdf"), "" when none;
 * at most 15 bytes are kept. */
void dm_outfile_ext(const char *path, char ext[16]);

#endif
