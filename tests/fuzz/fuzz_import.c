/* fuzz_import: an arbitrary file imported the way the server imports an
 * upload, into a fresh database.
 *
 * Per input: the format is decided from the bytes (dm_upload_sniff: GeoJSON,
 * GeoPackage, CSV, KML, GPX or XLSX, anything else refused with a message
 * naming the formats); the input is written as in.EXT (the format's
 * extension, or in.geojson when refused) in a new temporary folder, a new
 * demine database is made (dm_store_create), then
 *   dm_import hazards in.EXT --set status=SHA, upload=true   (who "fuzz")
 * and the invariants of import.h:
 *   - a refused input is refused by dm_import too (DM_EFORMAT), an OGR VRT
 *     always is;
 *   - DM_OK:  imported + rejected == rows; the store holds exactly `imported`
 *             hazards (drafts included); the rejects file exists iff
 *             rejected > 0 and has a header plus one line per reject;
 *   - error:  the store holds no hazards at all (nothing half-written), the
 *             result says nothing was imported, no rejects file is left;
 *   - either way: no "<rejects>.part" is left behind, the database reopens
 *     with the same count and dm_store_check_integrity reports no error
 *     (spatial index, change log, states).
 * Everything is removed after each input.
 *
 * GDAL is kept quiet, and only the drivers of the text formats an upload
 * may be in stay registered (GeoJSON, CSV, KML, GPX), so that the fuzzer
 * explores demine's sniffing and import rather than every format GDAL can
 * read; a GeoPackage input still goes through dm_upload_check_gpkg. Set
 * DM_FUZZ_ALL_DRIVERS=1 to keep all of them.
 */
#include "io/gdal_util.h"
#include "io/import.h"
#include "io/upload.h"
#include "core/utf8.h"
#include "store/store.h"

#include "fuzz_files.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <math.h>
#include <gdal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_root[512];

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_import: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static void keep_upload_text_drivers(void)
{
    static const char *const keep[] = {"GeoJSON", "CSV", "KML", "GPX", NULL};
    for (int i = GDALGetDriverCount() - 1; i >= 0; i--) {
        GDALDriverH d = GDALGetDriver(i);
        const char *name = GDALGetDriverShortName(d);
        int k = 0;
        while (keep[k] && strcmp(keep[k], name))
            k++;
        if (!keep[k]) {
            GDALDeregisterDriver(d);
            GDALDestroyDriver(d);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    CPLSetErrorHandler(CPLQuietErrorHandler);
    CPLSetConfigOption("CPL_DEBUG", "OFF");
    /* dm_import calls dm_gdal_init() (GDALAllRegister once); calling it here
     * first means the drivers removed below stay removed. */
    dm_gdal_init();
    const char *all = getenv("DM_FUZZ_ALL_DRIVERS");
    if (!all || strcmp(all, "1"))
        keep_upload_text_drivers();
    const char *t = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s", t && *t ? t : "/tmp");
    return 0;
}

static long count_lines(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    long n = 0;
    int c;
    while ((c = getc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

static int64_t hazards(dm_store *store, const char *when)
{
    int64_t n = -1;
    dm_error err;
    if (dm_store_count(store, &dm_kind_hazards, true, &n, &err) != DM_OK)
        die(when, err.msg);
    return n;
}

/* ---- what every stored hazard must look like ---- */

static void check_coords_in_range(GEOSContextHandle_t h, const GEOSGeometry *g, const char *code)
{
    double minx, maxx, miny, maxy;
    if (!GEOSGeom_getXMin_r(h, g, &minx) || !GEOSGeom_getXMax_r(h, g, &maxx) ||
        !GEOSGeom_getYMin_r(h, g, &miny) || !GEOSGeom_getYMax_r(h, g, &maxy))
        die("stored geometry has no envelope", code);
    if (!(minx >= -180 && maxx <= 180 && miny >= -90 && maxy <= 90)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s: envelope %g %g %g %g", code, minx, miny, maxx, maxy);
        die("stored geometry has coordinates out of range", msg);
    }
}

static void check_record(dm_store *store, const dm_record *rec)
{
    const char *code = rec->code;
    if (!code[0] || !dm_utf8_valid(code, strlen(code), NULL))
        die("stored hazard without a proper code", code);
    if (strcmp(rec->state, "approved"))
        die("stored hazard is not in state approved", code);
    for (size_t i = 0; i < rec->kind->nfields; i++) {
        const dm_field *f = &rec->kind->fields[i];
        const char *v = rec->values[i];
        if (!v)
            continue;
        char *again = NULL;
        dm_error err;
        if (dm_field_normalise(f, v, &again, &err) != DM_OK || !again || strcmp(again, v)) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s.%s = \"%.200s\"", code, f->name, v);
            die("stored value is not in canonical form", msg);
        }
        free(again);
        if (!dm_utf8_valid(v, strlen(v), NULL))
            die("stored value is not UTF-8", code);
    }
    const char *status = rec->values[dm_kind_field_index(rec->kind, "status")];
    if (!status || strcmp(status, "SHA"))
        die("--set status=SHA did not give status SHA", code);
    if (rec->attributes) {
        if (!dm_utf8_valid(rec->attributes, strlen(rec->attributes), NULL))
            die("stored attributes are not UTF-8", code);
        if (!fz_json_object_ok(rec->attributes)) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s: %.300s", code, rec->attributes);
            die("stored attributes are not a JSON object", msg);
        }
    }
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    if (!rec->geom)
        die("stored hazard has no geometry", code);
    if (GEOSGeomTypeId_r(h, rec->geom) != GEOS_MULTIPOLYGON)
        die("stored hazard geometry is not a MULTIPOLYGON", code);
    if (GEOSisEmpty_r(h, rec->geom) != 0)
        die("stored hazard geometry is empty", code);
    if (GEOSisValid_r(h, rec->geom) != 1) {
        char *why = GEOSisValidReason_r(h, rec->geom);
        char msg[400];
        snprintf(msg, sizeof msg, "%s: %s", code, why ? why : "?");
        GEOSFree_r(h, why);
        die("stored hazard geometry is not valid", msg);
    }
    check_coords_in_range(h, rec->geom, code);
}

static int64_t check_records(dm_store *store)
{
    dm_query q = {.kind = &dm_kind_hazards, .include_drafts = true, .with_geometry = true};
    dm_cursor *cur = NULL;
    dm_error err;
    if (dm_store_query(store, &q, &cur, &err) != DM_OK)
        die("cannot read the stored hazards", err.msg);
    dm_record rec;
    dm_record_init(&rec, &dm_kind_hazards);
    int64_t n = 0;
    for (;;) {
        bool has_row = false;
        if (dm_cursor_next(cur, &rec, &has_row, &err) != DM_OK)
            die("cannot read a stored hazard", err.msg);
        if (!has_row)
            break;
        n++;
        check_record(store, &rec);
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    return n;
}

typedef struct integrity {
    int errors;
    char first[700];
} integrity;

static void on_finding(const dm_finding *f, void *ctx)
{
    integrity *in = ctx;
    if (strcmp(f->severity, "error"))
        return;
    if (!in->errors++)
        snprintf(in->first, sizeof in->first, "%s: %s", f->what, f->detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[600], src[700], db[700], rejects[700], part[800];
    snprintf(dir, sizeof dir, "%s/dm_fuzz_import.XXXXXX", tmp_root);
    if (!mkdtemp(dir))
        die("cannot create a temporary folder", dir);
    /* what the bytes are, as the server decides it */
    const dm_upload_format *fmt = NULL;
    dm_error serr;
    dm_error_clear(&serr);
    dm_status sniffed = dm_upload_sniff(data, size, &fmt, &serr);
    if (sniffed != DM_OK && sniffed != DM_EFORMAT)
        die("dm_upload_sniff failed otherwise than refusing", serr.msg);
    if ((sniffed == DM_OK) != (fmt != NULL))
        die("dm_upload_sniff's status and format disagree", NULL);
    if (fmt) {
        char named[64];
        snprintf(named, sizeof named, "in%s", fmt->exts[0]);
        if (!dm_upload_name_fits(fmt, named))
            die("a format's own extension does not fit it", fmt->name);
    }
    if (!fmt && (!serr.msg[0] || !strstr(serr.msg, dm_upload_formats())))
        die("a refusal does not name the formats taken", serr.msg);
    {
        size_t i = size >= 3 && !memcmp(data, "\xef\xbb\xbf", 3) ? 3 : 0;
        while (i < size && strchr(" \t\r\n", data[i]))
            i++;
        if (fmt && size - i >= 17 && !memcmp(data + i, "<OGRVRTDataSource", 17))
            die("an OGR VRT was taken as an upload", fmt->name);
    }
    snprintf(src, sizeof src, "%s/in%s", dir, fmt ? fmt->exts[0] : ".geojson");
    snprintf(db, sizeof db, "%s/fuzz.gpkg", dir);
    snprintf(rejects, sizeof rejects, "%s/rejects.csv", dir);
    snprintf(part, sizeof part, "%s.part", rejects);

    FILE *fp = fopen(src, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
        die("cannot write the input file", src);

    dm_error err;
    dm_error_clear(&err);
    dm_store *store = NULL;
    if (dm_store_create(db, "fuzz", &store, &err) != DM_OK)
        die("dm_store_create failed", err.msg);

    static const char *const set[] = {"status=SHA"};
    dm_import_opts o;
    memset(&o, 0, sizeof o);
    o.kind = &dm_kind_hazards;
    o.path = src;
    o.set = set;
    o.nset = 1;
    o.who = "fuzz";
    o.rejects_path = rejects;
    o.upload = true;
    dm_import_result res;
    memset(&res, 0xA5, sizeof res);
    dm_status st = dm_import(store, &o, &res, &err);
    if (!fmt && st != DM_EFORMAT)
        die("dm_import took an upload dm_upload_sniff refuses", dm_status_name(st));

    int64_t stored = hazards(store, "counting hazards after the import");
    char msg[1400];
    if (st == DM_OK) {
        if (res.rows < 0 || res.imported < 0 || res.rejected < 0 ||
            res.imported + res.rejected != res.rows) {
            snprintf(msg, sizeof msg, "rows %lld != imported %lld + rejected %lld",
                     (long long)res.rows, (long long)res.imported, (long long)res.rejected);
            die("import succeeded but the rows do not add up", msg);
        }
        if (res.repaired > res.imported)
            die("more rows repaired than imported", NULL);
        if (stored != res.imported) {
            snprintf(msg, sizeof msg, "%lld stored, %lld reported imported", (long long)stored,
                     (long long)res.imported);
            die("import succeeded but the store disagrees", msg);
        }
        if (res.rejected > 0) {
            long lines = count_lines(rejects);
            if (lines != res.rejected + 1) {
                snprintf(msg, sizeof msg, "%ld lines for %lld rejects", lines,
                         (long long)res.rejected);
                die("rejects file does not list every reject", msg);
            }
        } else if (fz_exists(rejects)) {
            die("rejects file written although nothing was rejected", NULL);
        }
    } else {
        if (err.code != st || !err.msg[0])
            die("import failed without a message", dm_status_name(st));
        if (stored != 0) {
            snprintf(msg, sizeof msg, "%lld hazards stored after: %s", (long long)stored, err.msg);
            die("import failed but left records behind", msg);
        }
        if (res.imported != 0)
            die("import failed but reports imported records", err.msg);
        if (fz_exists(rejects))
            die("import failed but left a rejects file", err.msg);
    }
    if (fz_exists(part))
        die("a rejects .part file was left behind", part);

    if (check_records(store) != stored)
        die("reading the hazards gives a different number than counting them", NULL);

    integrity in = {0, ""};
    dm_error_clear(&err);
    if (dm_store_check_integrity(store, on_finding, &in, &err) != DM_OK)
        die("integrity check failed", err.msg);
    if (in.errors)
        die("integrity check finds errors after the import", in.first);
    dm_store_close(store);

    /* what is on disk after closing */
    if (dm_store_open(db, DM_STORE_READ, &store, &err) != DM_OK)
        die("the database does not reopen", err.msg);
    if (hazards(store, "counting hazards after reopening") != stored)
        die("the count changes after closing and reopening the database", NULL);
    dm_store_close(store);

    fz_remove_dir(dir);
    return 0;
}
