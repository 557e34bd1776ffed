#include "report/outfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

dm_status dm_outfile_begin(const char *dest, bool overwrite, char *tmp, size_t tmpsz, dm_error *err)
{
    tmp[0] = '\0';
    if (!dest || !*dest)
        return dm_error_set(err, DM_EINVAL, "no output file given");
    size_t len = strlen(dest);
    if (len + 16 > tmpsz || dest[len - 1] == '/')
        return dm_error_set(err, DM_EINVAL, "%s: not a file name", dest);
    struct stat sb;
    if (stat(dest, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return dm_error_set(err, DM_EINVAL, "%s is a folder, not a file", dest);
        if (!overwrite)
            return dm_error_set(err, DM_ECONFLICT, "%s exists: choose another name or use --force",
                                dest);
    }
    const char *slash = strrchr(dest, '/');
    const char *base = slash ? slash + 1 : dest;
    snprintf(tmp, tmpsz, "%.*s.%s.XXXXXX", (int)(base - dest), dest, base);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        tmp[0] = '\0';
        char dir[DM_OUTFILE_PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - dest) : 1, slash ? dest : ".");
        return dm_error_set(err, e == EROFS || e == EACCES ? DM_EREADONLY : DM_EIO,
                            "cannot write %s: %s %s", dest, dir[0] ? dir : "/",
                            e == ENOENT ? "is not a folder that exists" : strerror(e));
    }
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    close(fd);
    return DM_OK;
}

dm_status dm_outfile_commit(const char *tmp, const char *dest, dm_error *err)
{
    int fd = open(tmp, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    if (rename(tmp, dest) != 0) {
        int e = errno;
        unlink(tmp);
        return dm_error_set(err, DM_EIO, "cannot move %s into place: %s", dest, strerror(e));
    }
    return DM_OK;
}

void dm_outfile_abort(const char *tmp)
{
    if (tmp && *tmp)
        unlink(tmp);
}

void dm_outfile_ext(const char *path, char ext[16])
{
    ext[0] = '\0';
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return;
    size_t i = 0;
    for (dot++; *dot && i < 15; dot++)
        ext[i++] = (char)tolower((unsigned char)*dot);
    ext[i] = '\0';
}
