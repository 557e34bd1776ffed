/* Helpers shared by the fuzz targets that import files into a database
 * (fuzz_import, fuzz_casualties). Nothing here allocates. */
#ifndef DM_FUZZ_FILES_H
#define DM_FUZZ_FILES_H

/* Removes every file in dir, then dir itself (the folder holds no
 * subfolders). */
void fz_remove_dir(const char *dir);

/* 1 when path exists. */
int fz_exists(const char *path);

/* 1 when s (NUL-terminated) is one JSON object and nothing else, by the
 * letter of RFC 8259 (no trailing commas, no control bytes in strings,
 * nesting up to 64): the attributes column must always be that. */
int fz_json_object_ok(const char *s);

#endif
