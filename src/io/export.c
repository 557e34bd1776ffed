#include "io/export.h"

#include "core/buf.h"
#include "io/gdal_util.h"
#include "report/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot + 1 : "";
}

const char *dm_export_driver_for(const char *path)
{
    const char *ext = extension(path);
    if (!strcasecmp(ext, "geojson") || !strcasecmp(ext, "json"))
        return "GeoJSON";
    if (!strcasecmp(ext, "gpkg"))
        return "GPKG";
    if (!strcasecmp(ext, "csv"))
        return "CSV";
    if (!strcasecmp(ext, "shp"))
        return "ESRI Shapefile";
    if (!strcasecmp(ext, "kml"))
        return "KML";
    if (!strcasecmp(ext, "xlsx"))
        return "XLSX";
    return NULL;
}

static bool exported(const dm_field *f, bool personal)
{
    return personal || !(f->flags & DM_FIELD_PERSONAL);
}

static bool has_personal_fields(const dm_kind *k)
{
    for (size_t i = 0; i < k->nfields; i++)
        if (k->fields[i].flags & DM_FIELD_PERSONAL)
            return true;
    return false;
}

/* The attributes (a source's unmapped columns) of a kind with personal
 * data may hold more of it: they go out only with the personal data. */
static bool attributes_exported(const dm_export_opts *o)
{
    return o->personal_data || !has_personal_fields(o->kind);
}

/* Appends text trimmed, blanks collapsed and ASCII letters lowercased, so
 * that "Ana  Petrović " and "ana petrović" are one person. */
static void normalise_into(dm_buf *b, const char *text)
{
    bool blank = false, any = false;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            blank = any;
            continue;
        }
        if (blank)
            dm_buf_append(b, " ", 1);
        blank = false;
        any = true;
        char c = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        dm_buf_append(b, &c, 1);
    }
}

/* person_id: "P-" and 16 hex digits of BLAKE2b keyed with the database's
 * secret over the normalised name and address; "" when the name is unknown. */
static void person_id(const unsigned char key[32], const dm_record *rec, char out[20])
{
    out[0] = 0;
    const char *name = dm_record_get(rec, "name");
    if (!name || !*name)
        return;
    dm_buf b;
    dm_buf_init(&b, 0);
    normalise_into(&b, name);
    dm_buf_append(&b, "\x1f", 1);
    normalise_into(&b, dm_record_get(rec, "address"));
    unsigned char h[8];
    if (!b.status &&
        crypto_generichash(h, sizeof h, (const unsigned char *)b.data, b.len, key, 32) == 0) {
        memcpy(out, "P-", 2);
        sodium_bin2hex(out + 2, 17, h, sizeof h);
    }
    dm_buf_free(&b);
}

/* CSV writes dates as YYYY/MM/DD: there they stay ISO 8601 text. */
static OGRFieldType ogr_type(const dm_field *f, bool dates_as_text)
{
    if (f->type == DM_FT_DATE && dates_as_text)
        return OFTString;
    switch (f->type) {
    case DM_FT_INT:
    case DM_FT_BOOL: return OFTInteger64;
    case DM_FT_REAL: return OFTReal;
    case DM_FT_DATE: return OFTDate;
    default: return OFTString;
    }
}

static const char *const extra_fields[] = {"state",      "version", "updated_at",
                                           "updated_by", "origin",  "attributes"};
#define NEXTRA (sizeof extra_fields / sizeof extra_fields[0])

static dm_status create_layer(GDALDatasetH ds, const char *driver, const dm_export_opts *o,
                              OGRLayerH *out, dm_error *err)
{
    const dm_kind *k = o->kind;
    OGRwkbGeometryType gt = k->geom == DM_GEOM_POINT     ? wkbPoint
                            : k->geom == DM_GEOM_POLYGON ? wkbMultiPolygon
                            : k->geom == DM_GEOM_NONE    ? wkbNone
                                                         : wkbUnknown;
    OGRSpatialReferenceH srs = NULL;
    if (gt != wkbNone) {
        srs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(srs, 4326);
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    char **lco = NULL;
    if (!strcmp(driver, "CSV"))
        lco = CSLSetNameValue(lco, "GEOMETRY", k->geom == DM_GEOM_POINT ? "AS_XY" : "AS_WKT");
    if (!strcmp(driver, "ESRI Shapefile"))
        lco = CSLSetNameValue(lco, "ENCODING", "UTF-8");
    if (!strcmp(driver, "GeoJSON"))
        lco = CSLSetNameValue(lco, "RFC7946", "YES");
    dm_gdal_capture_push();
    *out = GDALDatasetCreateLayer(ds, k->table, srs, gt, lco);
    dm_gdal_capture_pop();
    CSLDestroy(lco);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (!*out)
        return dm_error_set(err, DM_EIO, "cannot create the %s layer: %s", driver,
                            dm_gdal_last_error());
    OGRFieldDefnH fd = OGR_Fld_Create("code", OFTString);
    OGRErr e = OGR_L_CreateField(*out, fd, TRUE);
    OGR_Fld_Destroy(fd);
    if (e == OGRERR_NONE && has_personal_fields(k)) {
        fd = OGR_Fld_Create("person_id", OFTString);
        e = OGR_L_CreateField(*out, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    if (e == OGRERR_NONE && k->geom == DM_GEOM_POLYGON) { /* geodesic, on WGS84 */
        fd = OGR_Fld_Create("area_m2", OFTReal);
        e = OGR_L_CreateField(*out, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    for (size_t i = 0; e == OGRERR_NONE && i < k->nfields; i++) {
        if (!exported(&k->fields[i], o->personal_data))
            continue;
        fd = OGR_Fld_Create(k->fields[i].name, ogr_type(&k->fields[i], !strcmp(driver, "CSV")));
        e = OGR_L_CreateField(*out, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    for (size_t i = 0; e == OGRERR_NONE && i < NEXTRA; i++) {
        if (!strcmp(extra_fields[i], "attributes") && !attributes_exported(o))
            continue;
        fd = OGR_Fld_Create(extra_fields[i], i == 1 ? OFTInteger64 : OFTString);
        e = OGR_L_CreateField(*out, fd, TRUE);
        OGR_Fld_Destroy(fd);
    }
    if (e != OGRERR_NONE)
        return dm_error_set(err, DM_EIO, "cannot create the fields of the %s layer", driver);
    return DM_OK;
}

static dm_status write_feature(dm_store *store, OGRLayerH layer, const dm_export_opts *o,
                               const unsigned char *key, const dm_record *rec, dm_error *err)
{
    const dm_kind *k = o->kind;
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    int idx = 0;
    OGR_F_SetFieldString(f, idx++, rec->code);
    if (key) {
        char pid[20];
        person_id(key, rec, pid);
        if (pid[0])
            OGR_F_SetFieldString(f, idx, pid);
        else
            OGR_F_SetFieldNull(f, idx);
        idx++;
    }
    if (k->geom == DM_GEOM_POLYGON) {
        if (rec->geom)
            OGR_F_SetFieldDouble(f, idx, dm_geo_area_m2(dm_store_geo(store), rec->geom));
        else
            OGR_F_SetFieldNull(f, idx);
        idx++;
    }
    for (size_t i = 0; i < k->nfields; i++) {
        if (!exported(&k->fields[i], o->personal_data))
            continue;
        const char *v = rec->values[i];
        if (!v) {
            OGR_F_SetFieldNull(f, idx++);
            continue;
        }
        switch (k->fields[i].type) {
        case DM_FT_INT:
        case DM_FT_BOOL: OGR_F_SetFieldInteger64(f, idx++, strtoll(v, NULL, 10)); break;
        case DM_FT_REAL: OGR_F_SetFieldDouble(f, idx++, strtod(v, NULL)); break;
        case DM_FT_DATE: {
            if (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, idx)) == OFTString) {
                OGR_F_SetFieldString(f, idx++, v);
                break;
            }
            int y = 0, m = 0, d = 0;
            sscanf(v, "%d-%d-%d", &y, &m, &d);
            OGR_F_SetFieldDateTime(f, idx++, y, m, d, 0, 0, 0, 0);
            break;
        }
        default: OGR_F_SetFieldString(f, idx++, v);
        }
    }
    OGR_F_SetFieldString(f, idx++, rec->state);
    OGR_F_SetFieldInteger64(f, idx++, rec->version);
    OGR_F_SetFieldString(f, idx++, rec->updated_at);
    OGR_F_SetFieldString(f, idx++, rec->updated_by);
    if (rec->origin)
        OGR_F_SetFieldString(f, idx, rec->origin);
    idx++;
    if (attributes_exported(o)) {
        if (rec->attributes)
            OGR_F_SetFieldString(f, idx, rec->attributes);
        idx++;
    }
    dm_status st = DM_OK;
    if (rec->geom) {
        unsigned char *wkb;
        size_t len;
        st = dm_geo_to_wkb(dm_store_geo(store), rec->geom, &wkb, &len, err);
        if (!st) {
            OGRGeometryH g = NULL;
            if (OGR_G_CreateFromWkb(wkb, NULL, &g, (int)len) != OGRERR_NONE)
                st = dm_error_set(err, DM_EGEOM, "%s: geometry could not be converted", rec->code);
            else
                OGR_F_SetGeometryDirectly(f, g);
            free(wkb);
        }
    }
    if (!st) {
        dm_gdal_capture_push();
        OGRErr e = OGR_L_CreateFeature(layer, f);
        dm_gdal_capture_pop();
        if (e != OGRERR_NONE)
            st = dm_error_set(err, DM_EIO, "%s could not be written: %s", rec->code,
                              dm_gdal_last_error());
    }
    OGR_F_Destroy(f);
    return st;
}

/* Removes a temporary folder and what is in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[2200];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Moves every file of tmpdir into the folder of dest. Unless overwrite, no
 * file is moved when any of them (a Shapefile's .dbf, say) exists there. */
static dm_status move_into_place(const char *tmpdir, const char *dest, bool overwrite,
                                 dm_error *err)
{
    char folder[1100];
    snprintf(folder, sizeof folder, "%s", dest);
    char *slash = strrchr(folder, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(folder, sizeof folder, ".");
    dm_status st = DM_OK;
    for (int pass = overwrite ? 1 : 0; !st && pass < 2; pass++) {
        DIR *d = opendir(tmpdir);
        if (!d)
            return dm_error_set(err, DM_EIO, "cannot read %s: %s", tmpdir, strerror(errno));
        struct dirent *e;
        while (!st && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char from[2200], to[2200];
            snprintf(from, sizeof from, "%s/%s", tmpdir, e->d_name);
            snprintf(to, sizeof to, "%s/%s", folder, e->d_name);
            struct stat sb;
            if (pass == 0 && stat(to, &sb) == 0)
                st = dm_error_set(err, DM_ECONFLICT,
                                  "%s exists: choose another name or use --force", to);
            else if (pass == 1 && rename(from, to) != 0)
                st =
                    dm_error_set(err, DM_EIO, "cannot move %s into place: %s", to, strerror(errno));
        }
        closedir(d);
    }
    return st;
}

/* ---- XLSX (libxlsxwriter, not GDAL) ----
 * One sheet named after the kind: code, person_id (kinds with personal
 * data), the position (lon, lat of a point; of a polygon or a line its
 * centroid, and a polygon's geodesic area_m2: a cell holds at most 32,767
 * characters, too few for a polygon, which GeoJSON or GeoPackage carry),
 * the fields (numbers as numbers, dates as dates), then the record's state,
 * version, updated_at, updated_by, origin and attributes. */

static lxw_error xlsx_cell_text(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *v)
{
    /* a cell holds at most 32,767 characters: longer text is cut, marked */
    if (strlen(v) <= 32000)
        return worksheet_write_string(ws, r, c, v, NULL);
    char *cut = malloc(32010);
    if (!cut)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    size_t n = 32000;
    while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
        n--;
    memcpy(cut, v, n);
    memcpy(cut + n, " […]", sizeof " […]");
    lxw_error e = worksheet_write_string(ws, r, c, cut, NULL);
    free(cut);
    return e;
}

struct dm_xlsx_sheet {
    dm_store *store;
    const dm_kind *k;
    dm_sheet_columns cols;
    bool pseudonyms;
    unsigned char key[32]; /* the secret behind person_id */
    char dest[DM_OUTFILE_PATH_MAX], tmp[DM_OUTFILE_PATH_MAX];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *datef;
    lxw_row_t row;
    int64_t written;
};

/* The secret behind person_id, for kinds with personal data. */
static dm_status pseudonym_key(dm_store *store, unsigned char key[32], dm_error *err)
{
    char hex[80];
    size_t n = 0;
    dm_status kst = dm_store_meta(store, "pseudonym_key", hex, sizeof hex, err);
    if (kst == DM_ENOTFOUND)
        return dm_error_set(err, DM_EFORMAT,
                            "the database has no pseudonym key (it was made before "
                            "pseudonyms): any import into it adds one");
    if (kst)
        return kst;
    if (sodium_init() < 0 || sodium_hex2bin(key, 32, hex, strlen(hex), NULL, &n, NULL) != 0 ||
        n != 32)
        return dm_error_set(err, DM_EFORMAT, "the pseudonym key of the database is damaged");
    return DM_OK;
}

static bool col_field(const dm_xlsx_sheet *s, size_t i)
{
    return exported(&s->k->fields[i], s->cols.personal_data) &&
           (!s->cols.selected || s->cols.field[i]);
}

/* Which of the extra columns (extra_fields[i]) the sheet has. */
static bool col_extra(const dm_xlsx_sheet *s, size_t i)
{
    const dm_sheet_columns *c = &s->cols;
    switch (i) {
    case 0: return !c->selected || c->state;
    case 1: return !c->selected || c->version;
    case 2: return !c->selected || c->updated_at;
    case 5: return c->provenance && (c->personal_data || !has_personal_fields(s->k));
    default: return c->provenance;
    }
}

dm_status dm_xlsx_sheet_begin(dm_store *store, const dm_kind *k, const char *path, bool overwrite,
                              const dm_sheet_columns *cols, dm_xlsx_sheet **out, dm_error *err)
{
    *out = NULL;
    dm_xlsx_sheet *s = calloc(1, sizeof *s);
    if (!s)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    s->store = store;
    s->k = k;
    s->cols = *cols;
    s->pseudonyms = has_personal_fields(k);
    snprintf(s->dest, sizeof s->dest, "%s", path);
    dm_status st = s->pseudonyms ? pseudonym_key(store, s->key, err) : DM_OK;
    if (!st)
        st = dm_outfile_begin(path, overwrite, s->tmp, sizeof s->tmp, err);
    if (st) {
        sodium_memzero(s->key, sizeof s->key);
        free(s);
        return st;
    }
    lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    s->wb = workbook_new_opt(s->tmp, &wo);
    s->ws = s->wb ? workbook_add_worksheet(s->wb, k->name) : NULL;
    if (!s->ws) {
        if (s->wb)
            workbook_close(s->wb);
        dm_outfile_abort(s->tmp);
        sodium_memzero(s->key, sizeof s->key);
        free(s);
        return dm_error_set(err, DM_ENOMEM, "cannot start the workbook %s", path);
    }
    lxw_worksheet *ws = s->ws;
    lxw_format *bold = workbook_add_format(s->wb);
    format_set_bold(bold);
    s->datef = workbook_add_format(s->wb);
    format_set_num_format(s->datef, "yyyy-mm-dd");
    lxw_col_t c = 0;
    worksheet_write_string(ws, 0, c++, "code", bold);
    if (s->pseudonyms)
        worksheet_write_string(ws, 0, c++, "person_id", bold);
    if (k->geom != DM_GEOM_NONE) {
        worksheet_write_string(ws, 0, c++, "lon", bold);
        worksheet_write_string(ws, 0, c++, "lat", bold);
    }
    if (k->geom == DM_GEOM_POLYGON)
        worksheet_write_string(ws, 0, c++, "area_m2", bold);
    for (size_t i = 0; i < k->nfields; i++)
        if (col_field(s, i))
            worksheet_write_string(ws, 0, c++, k->fields[i].name, bold);
    for (size_t i = 0; i < NEXTRA; i++)
        if (col_extra(s, i))
            worksheet_write_string(ws, 0, c++, extra_fields[i], bold);
    worksheet_freeze_panes(ws, 1, 1);
    worksheet_set_column(ws, 0, 0, 12, NULL);
    s->row = 1;
    *out = s;
    return DM_OK;
}

dm_status dm_xlsx_sheet_add(dm_xlsx_sheet *s, const dm_record *rec, dm_error *err)
{
    const dm_kind *k = s->k;
    lxw_worksheet *ws = s->ws;
    lxw_row_t r = s->row;
    if (r >= LXW_ROW_MAX)
        return dm_error_set(err, DM_EINVAL,
                            "%s: a sheet holds at most 1,048,575 records; export to .gpkg or "
                            ".csv",
                            s->dest);
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(s->store));
    lxw_col_t c = 0;
    lxw_error e = worksheet_write_string(ws, r, c++, rec->code, NULL);
    if (s->pseudonyms) {
        char pid[20];
        person_id(s->key, rec, pid);
        if (pid[0])
            worksheet_write_string(ws, r, c, pid, NULL);
        c++;
    }
    if (k->geom != DM_GEOM_NONE) {
        double x, y;
        GEOSGeometry *ctr = NULL;
        const GEOSGeometry *p = NULL;
        if (rec->geom && !GEOSisEmpty_r(h, rec->geom)) {
            if (GEOSGeomTypeId_r(h, rec->geom) == GEOS_POINT)
                p = rec->geom;
            else
                p = ctr = GEOSGetCentroid_r(h, rec->geom);
        }
        if (p && GEOSGeomGetX_r(h, p, &x) && GEOSGeomGetY_r(h, p, &y)) {
            worksheet_write_number(ws, r, c, x, NULL);
            worksheet_write_number(ws, r, c + 1, y, NULL);
        }
        if (ctr)
            GEOSGeom_destroy_r(h, ctr);
        c += 2;
    }
    if (k->geom == DM_GEOM_POLYGON) {
        if (rec->geom)
            worksheet_write_number(ws, r, c, dm_geo_area_m2(dm_store_geo(s->store), rec->geom),
                                   NULL);
        c++;
    }
    for (size_t i = 0; !e && i < k->nfields; i++) {
        if (!col_field(s, i))
            continue;
        const char *v = rec->values[i];
        if (v) {
            switch (k->fields[i].type) {
            case DM_FT_INT:
            case DM_FT_BOOL:
            case DM_FT_REAL: e = worksheet_write_number(ws, r, c, strtod(v, NULL), NULL); break;
            case DM_FT_DATE: {
                lxw_datetime dt = {0};
                if (sscanf(v, "%d-%d-%d", &dt.year, &dt.month, &dt.day) == 3)
                    e = worksheet_write_datetime(ws, r, c, &dt, s->datef);
                else
                    e = xlsx_cell_text(ws, r, c, v);
                break;
            }
            default: e = xlsx_cell_text(ws, r, c, v);
            }
        }
        c++;
    }
    const char *extra[NEXTRA] = {rec->state,      NULL,        rec->updated_at,
                                 rec->updated_by, rec->origin, rec->attributes};
    for (size_t i = 0; !e && i < NEXTRA; i++) {
        if (!col_extra(s, i))
            continue;
        if (i == 1)
            e = worksheet_write_number(ws, r, c, (double)rec->version, NULL);
        else if (extra[i])
            e = xlsx_cell_text(ws, r, c, extra[i]);
        c++;
    }
    if (e)
        return dm_error_set(err, DM_EIO, "cannot write %s: %s", s->dest, lxw_strerror(e));
    s->row++;
    s->written++;
    return DM_OK;
}

dm_status dm_xlsx_sheet_end(dm_xlsx_sheet *s, bool keep, int64_t *written, dm_error *err)
{
    if (written)
        *written = 0;
    if (!s)
        return DM_OK;
    dm_status st = DM_OK;
    lxw_error ce = workbook_close(s->wb);
    if (keep && ce)
        st = dm_error_set(err, DM_EIO, "cannot write %s: %s", s->dest, lxw_strerror(ce));
    if (keep && !st)
        st = dm_outfile_commit(s->tmp, s->dest, err);
    else
        dm_outfile_abort(s->tmp);
    if (keep && !st && written)
        *written = s->written;
    sodium_memzero(s->key, sizeof s->key);
    free(s);
    return st;
}

static dm_status export_xlsx(dm_store *store, const dm_export_opts *o, int64_t *written,
                             dm_error *err)
{
    const dm_kind *k = o->kind;
    dm_sheet_columns cols = {.personal_data = o->personal_data, .provenance = true};
    dm_xlsx_sheet *s;
    dm_status st = dm_xlsx_sheet_begin(store, k, o->path, o->overwrite, &cols, &s, err);
    if (st)
        return st;
    dm_query q = {
        .kind = k, .include_drafts = o->include_drafts, .with_geometry = k->geom != DM_GEOM_NONE};
    dm_cursor *cur = NULL;
    st = dm_store_query(store, &q, &cur, err);
    dm_record rec;
    dm_record_init(&rec, k);
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has)
        st = dm_xlsx_sheet_add(s, &rec, err);
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    dm_status est = dm_xlsx_sheet_end(s, !st, written, st ? NULL : err);
    return st ? st : est;
}

dm_status dm_export(dm_store *store, const dm_export_opts *o, int64_t *written, dm_error *err)
{
    *written = 0;
    const char *driver = dm_export_driver_for(o->path);
    if (!driver)
        return dm_error_set(err, DM_EINVAL,
                            "%s: unknown output format; use .geojson, .gpkg, .csv, .shp, .kml or "
                            ".xlsx",
                            o->path);
    if (o->kind->geom == DM_GEOM_NONE &&
        (!strcmp(driver, "ESRI Shapefile") || !strcmp(driver, "KML")))
        return dm_error_set(err, DM_EINVAL,
                            "%s: %s have no geometry, and a %s holds places (a Shapefile would "
                            "be a lone .dbf); export them to .csv, .gpkg or .geojson",
                            o->path, o->kind->name,
                            strcmp(driver, "KML") ? "Shapefile" : "KML file");
    struct stat sb;
    if (!o->overwrite && stat(o->path, &sb) == 0)
        return dm_error_set(err, DM_ECONFLICT, "%s exists: choose another name or use --force",
                            o->path);
    if (!strcmp(driver, "XLSX"))
        return export_xlsx(store, o, written, err);
    /* the secret behind person_id, for kinds with personal data */
    unsigned char key[32];
    bool pseudonyms = has_personal_fields(o->kind);
    if (pseudonyms) {
        dm_status kst = pseudonym_key(store, key, err);
        if (kst)
            return kst;
    }
    dm_gdal_init();
    GDALDriverH drv = GDALGetDriverByName(driver);
    if (!drv)
        return dm_error_set(err, DM_EINTERNAL, "GDAL has no %s driver", driver);
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    char tmpdir[1100];
    snprintf(tmpdir, sizeof tmpdir, "%.*s.export-XXXXXX", (int)(base - o->path) + 0, o->path);
    if (base != o->path)
        snprintf(tmpdir, sizeof tmpdir, "%.*s.demine-export-XXXXXX", (int)(base - o->path),
                 o->path);
    else
        snprintf(tmpdir, sizeof tmpdir, ".demine-export-XXXXXX");
    if (!mkdtemp(tmpdir))
        return dm_error_set(err, errno == EROFS || errno == EACCES ? DM_EREADONLY : DM_EIO,
                            "cannot write next to %s: %s", o->path, strerror(errno));
    char tmp_path[2200];
    snprintf(tmp_path, sizeof tmp_path, "%s/%s", tmpdir, base);
    dm_gdal_capture_push();
    GDALDatasetH ds = GDALCreate(drv, tmp_path, 0, 0, 0, GDT_Unknown, NULL);
    dm_gdal_capture_pop();
    dm_status st = DM_OK;
    if (!ds)
        st = dm_error_set(err, DM_EIO, "cannot create %s: %s", o->path, dm_gdal_last_error());
    OGRLayerH layer = NULL;
    if (!st)
        st = create_layer(ds, driver, o, &layer, err);
    dm_query q = {.kind = o->kind, .include_drafts = o->include_drafts, .with_geometry = true};
    dm_cursor *cur = NULL;
    if (!st)
        st = dm_store_query(store, &q, &cur, err);
    bool tx = !st && GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE;
    dm_record rec;
    dm_record_init(&rec, o->kind);
    bool has;
    while (!st && !(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        st = write_feature(store, layer, o, pseudonyms ? key : NULL, &rec, err);
        if (!st)
            (*written)++;
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    if (!st && tx && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = dm_error_set(err, DM_EIO, "cannot write %s: %s", o->path, dm_gdal_last_error());
    if (ds) {
        dm_gdal_capture_push();
        GDALClose(ds);
        dm_gdal_capture_pop();
        if (!st && *dm_gdal_last_error())
            st = dm_error_set(err, DM_EIO, "cannot finish %s: %s", o->path, dm_gdal_last_error());
    }
    if (!st)
        st = move_into_place(tmpdir, o->path, o->overwrite, err);
    remove_dir(tmpdir);
    if (st)
        *written = 0;
    sodium_memzero(key, sizeof key);
    return st;
}
