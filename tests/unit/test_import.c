/* Import through GDAL: mapping, constants, CSV with lon/lat, dates,
 * CRS conversion, rejects, and all-or-nothing. */
#include "fixture.h"
#include "harness.h"
#include "io/import.h"
#include "io/upload.h"

#include <sqlite3.h>
#include <unistd.h>

static dm_store *s;

static void write_file(const char *name, const char *text, char *path, size_t pathsz)
{
    snprintf(path, pathsz, "%s/%s", fx_dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *get(const dm_kind *k, const char *code, const char *field)
{
    static dm_record r;
    static int init;
    if (init)
        dm_record_clear(&r, dm_store_geo(s));
    init = 1;
    dm_record_init(&r, k);
    if (dm_store_get(s, k, code, &r, NULL))
        return NULL;
    if (!strcmp(field, "attributes"))
        return r.attributes;
    if (!strcmp(field, "origin"))
        return r.origin;
    if (!strcmp(field, "state"))
        return r.state;
    static char version[24];
    if (!strcmp(field, "version")) {
        snprintf(version, sizeof version, "%lld", (long long)r.version);
        return version;
    }
    return dm_record_get(&r, field);
}

TEST(csv_with_lon_lat_columns_fields_by_name_and_dates)
{
    char path[512], rej[512];
    write_file("items.csv",
               "lon,lat,category,model,quantity,date,finder\n"
               "17.1,44.2,AP mine,PMA-2,3,07.03.2021,team 1\n"
               "17.2,44.3,UXO,,,2021-04-01,team 2\n"
               "17.3,44.4,bicycle,,,2021-04-01,team 3\n"
               "17.4,44.5,AT,TMM-1,2,03/04/2021,team 4\n",
               path, sizeof path);
    snprintf(rej, sizeof rej, "%s/items.rej.csv", fx_dir);
    dm_import_opts o = {
        .kind = &dm_kind_eo_items, .path = path, .who = "tester", .rejects_path = rej};
    dm_import_result res;
    dm_error err;
    CHECK(dm_import(s, &o, &res, &err) == DM_OK);
    CHECK_EQ_INT(res.rows, 4);
    CHECK_EQ_INT(res.imported, 2);
    CHECK_EQ_INT(res.rejected, 2);
    CHECK_STR(get(&dm_kind_eo_items, "EO-0001", "category"), "AP");
    CHECK_STR(get(&dm_kind_eo_items, "EO-0001", "date"), "2021-03-07");
    CHECK_STR(get(&dm_kind_eo_items, "EO-0001", "quantity"), "3");
    CHECK_STR(get(&dm_kind_eo_items, "EO-0001", "attributes"), "{\"finder\":\"team 1\"}");
    CHECK_STR(get(&dm_kind_eo_items, "EO-0002", "origin"), "items.csv row 2");
    const char *r = read_file(rej);
    CHECK(r && strstr(r, "3,\"category 'bicycle' is not one of: AP, AT, UXO"));
    CHECK(r && strstr(r, "4,\"date: '03/04/2021' is not a date"));
}

TEST(map_and_set_with_set_winning)
{
    char path[512], rej[512];
    write_file(
        "sites.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"NAME\":\"Bare\",\"kind\":\"CHA\",\"id\":\"H-17\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[17,44],[17.01,44],[17.01,44.01],[17,"
        "44]]]}}]}",
        path, sizeof path);
    snprintf(rej, sizeof rej, "%s/sites.rej.csv", fx_dir);
    const char *maps[] = {"name=NAME", "status=kind", "code=id"};
    const char *sets[] = {"status=SHA", "lifecycle=handed over"};
    dm_import_opts o = {.kind = &dm_kind_hazards,
                        .path = path,
                        .map = maps,
                        .nmap = 3,
                        .set = sets,
                        .nset = 2,
                        .who = "tester",
                        .rejects_path = rej,
                        .state = "submitted"};
    dm_import_result res;
    dm_error err;
    CHECK(dm_import(s, &o, &res, &err) == DM_OK);
    CHECK_EQ_INT(res.imported, 1);
    CHECK_STR(get(&dm_kind_hazards, "H-17", "name"), "Bare");
    CHECK_STR(get(&dm_kind_hazards, "H-17", "status"), "SHA");
    CHECK_STR(get(&dm_kind_hazards, "H-17", "lifecycle"), "handed_over");
    CHECK_STR(get(&dm_kind_hazards, "H-17", "state"), "submitted");
    /* the same row again is already present: nothing changes */
    CHECK(dm_import(s, &o, &res, &err) == DM_OK);
    CHECK_EQ_INT(res.present, 1);
    CHECK_EQ_INT(res.imported + res.changed + res.rejected, 0);
    CHECK_STR(get(&dm_kind_hazards, "H-17", "version"), "1");
    CHECK(res.before_found);
    /* the same code with other content is a change of H-17 (submitted: in
       place), never a second record */
    write_file(
        "sites.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"NAME\":\"Bare hill\",\"kind\":\"CHA\",\"id\":"
        "\"H-17\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[17,44],[17.01,44],[17.01,"
        "44.01],[17,44]]]}}]}",
        path, sizeof path);
    CHECK(dm_import(s, &o, &res, &err) == DM_OK);
    CHECK_EQ_INT(res.changed, 1);
    CHECK_EQ_INT(res.imported + res.present + res.rejected, 0);
    CHECK(!res.before_found);
    CHECK_STR(get(&dm_kind_hazards, "H-17", "name"), "Bare hill");
    CHECK_STR(get(&dm_kind_hazards, "H-17", "version"), "2");
    int64_t n = 0;
    CHECK(dm_store_count(s, &dm_kind_hazards, true, &n, &err) == DM_OK);
    CHECK_EQ_INT(n, 1);
}

TEST(projected_coordinates_are_converted_to_lon_lat)
{
    char path[512], rej[512];
    /* UTM 34N on the central meridian: lon 21°, lat where the meridian arc is
       4,900,000 m / 0.9996 = 44.253238° (worked out by integrating the arc) */
    write_file(
        "utm.geojson",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
        "{\"name\":\"urn:ogc:def:crs:EPSG::32634\"}},\"features\":[{\"type\":\"Feature\","
        "\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[500000,4900000]}}]}",
        path, sizeof path);
    snprintf(rej, sizeof rej, "%s/utm.rej.csv", fx_dir);
    dm_import_opts o = {
        .kind = &dm_kind_accidents, .path = path, .who = "tester", .rejects_path = rej};
    dm_import_result res;
    dm_error err;
    CHECK(dm_import(s, &o, &res, &err) == DM_OK);
    CHECK_EQ_INT(res.imported, 1);
    dm_record r;
    dm_record_init(&r, &dm_kind_accidents);
    CHECK(dm_store_get(s, &dm_kind_accidents, "IN-0001", &r, NULL) == DM_OK);
    double x = 0, y = 0;
    GEOSGeomGetX_r(dm_geo_handle(dm_store_geo(s)), r.geom, &x);
    GEOSGeomGetY_r(dm_geo_handle(dm_store_geo(s)), r.geom, &y);
    CHECK_NEAR(x, 21.0, 1e-9);
    CHECK_NEAR(y, 44.253238, 1e-7);
    dm_record_clear(&r, dm_store_geo(s));
}

TEST(an_error_midway_leaves_nothing)
{
    char path[512], rej[512];
    write_file("h.geojson",
               "{\"type\":\"FeatureCollection\",\"features\":["
               "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\","
               "\"coordinates\":[[[17,44],[17.01,44],[17.01,44.01],[17,44]]]}},"
               "{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}]}",
               path, sizeof path);
    /* the rejects file cannot be written: the import must fail whole */
    snprintf(rej, sizeof rej, "%s/no-such-folder/rej.csv", fx_dir);
    const char *sets[] = {"status=SHA"};
    dm_import_opts o = {.kind = &dm_kind_hazards,
                        .path = path,
                        .set = sets,
                        .nset = 1,
                        .who = "tester",
                        .rejects_path = rej};
    int64_t before, after;
    dm_store_count(s, &dm_kind_hazards, true, &before, NULL);
    dm_import_result res;
    dm_error err;
    CHECK(dm_import(s, &o, &res, &err) == DM_EIO);
    CHECK(strstr(err.msg, "rejects file") != NULL);
    dm_store_count(s, &dm_kind_hazards, true, &after, NULL);
    CHECK_EQ_INT(after, before);
    CHECK_EQ_INT(res.imported, 0);
}

TEST(options_are_checked_before_anything_is_opened)
{
    dm_error err;
    const char *bad_map[] = {"colour=x"};
    dm_import_opts o = {.kind = &dm_kind_hazards,
                        .path = "/nonexistent",
                        .map = bad_map,
                        .nmap = 1,
                        .rejects_path = "/tmp/x"};
    CHECK(dm_import_check_options(&o, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "have no field 'colour'") != NULL);
    const char *bad_set[] = {"method=bulldozed"};
    dm_import_opts o2 = {.kind = &dm_kind_releases,
                         .path = "/nonexistent",
                         .set = bad_set,
                         .nset = 1,
                         .rejects_path = "/tmp/x"};
    CHECK(dm_import_check_options(&o2, &err) == DM_EINVAL);
    const char *code_set[] = {"code=HA-1"};
    o2.set = code_set;
    CHECK(dm_import_check_options(&o2, &err) == DM_EINVAL);
    o2.nset = 0;
    o2.state = "approvedish";
    CHECK(dm_import_check_options(&o2, &err) == DM_EINVAL);
}

/* What an upload is comes from its bytes: the six formats, and what is
 * refused named. */
TEST(uploads_are_sniffed_from_their_bytes)
{
    static const struct {
        const char *bytes;
        size_t len;         /* 0: strlen */
        const char *format; /* NULL: refused */
        const char *says;   /* part of the refusal */
    } cases[] = {
        {"{\"type\": \"FeatureCollection\"}", 0, "GeoJSON", NULL},
        {"\xef\xbb\xbf \n{}", 0, "GeoJSON", NULL},
        {"SQLite format 3\0\x10\0", 19, "GeoPackage", NULL},
        {"PK\x03\x04....xl/workbook.xml....", 0, "XLSX", NULL},
        {"<?xml version=\"1.0\"?>\n<!-- c -->\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">", 0,
         "KML", NULL},
        {"<kml:kml xmlns:kml=\"http://www.opengis.net/kml/2.2\">", 0, "KML", NULL},
        {"<gpx version=\"1.1\">", 0, "GPX", NULL},
        {"lon,lat,category\n18,44,AP\n", 0, "CSV", NULL},
        {"\xef\xbb\xbfname;x;y\r\n", 0, "CSV", NULL},
        {"<OGRVRTDataSource><OGRVRTLayer name=\"x\"/></OGRVRTDataSource>", 0, NULL, "OGR VRT"},
        {"\xef\xbb\xbf<?xml version=\"1.0\"?><OGRVRTDataSource>", 0, NULL, "OGR VRT"},
        {"<VRTDataset rasterXSize=\"1\">", 0, NULL, "raster VRT"},
        {"<!DOCTYPE kml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><kml>", 0, NULL, "DOCTYPE"},
        {"<GMLFeatureClassList>", 0, NULL, "<GMLFeatureClassList>"},
        {"<?xml version=\"1.0\"?>", 0, NULL, "without a root"},
        {"[{\"type\": \"Feature\"}]", 0, NULL, "JSON array"},
        {"PK\x03\x04....hazards.shp....", 0, NULL, "zip archive that is not an XLSX"},
        {"\x1f\x8b\x08\0", 4, NULL, "gzip"},
        {"\0\0\x27\x0a\0\0", 6, NULL, "Shapefile"},
        {"\xff\xfel\0o\0n\0", 8, NULL, "UTF-16"},
        {"lon,lat\n\x01\x02", 0, NULL, "binary data"},
        {" \n\t", 0, NULL, "blank"},
        {"", 0, NULL, "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const dm_upload_format *fmt = NULL;
        dm_error err;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].bytes);
        dm_status st = dm_upload_sniff(cases[i].bytes, len, &fmt, &err);
        if (cases[i].format) {
            CHECK_EQ_INT(st, DM_OK);
            CHECK_STR(fmt ? fmt->name : NULL, cases[i].format);
        } else {
            CHECK_EQ_INT(st, DM_EFORMAT);
            CHECK(fmt == NULL);
            if (!strstr(err.msg, cases[i].says) || !strstr(err.msg, dm_upload_formats()))
                fprintf(stderr, "  case %zu: %s\n", i, err.msg);
            CHECK(strstr(err.msg, cases[i].says) != NULL);
            CHECK(strstr(err.msg, dm_upload_formats()) != NULL);
        }
    }
    const dm_upload_format *fmt;
    CHECK(dm_upload_sniff("{}", 2, &fmt, NULL) == DM_OK);
    CHECK(dm_upload_name_fits(fmt, "a.geojson") && dm_upload_name_fits(fmt, "A.JSON"));
    CHECK(!dm_upload_name_fits(fmt, "a.csv") && !dm_upload_name_fits(fmt, ".json") &&
          !dm_upload_name_fits(fmt, "json"));
}

static void sql_file(const char *name, const char *sql, char *path, size_t pathsz)
{
    snprintf(path, pathsz, "%s/%s", fx_dir, name);
    unlink(path);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fprintf(stderr, "  %s: %s\n", name, msg);
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* A GeoPackage upload holds no SQL that would run as it is read. */
TEST(gpkg_uploads_hold_no_sql)
{
    char path[512];
    dm_error err;
    const char *base = "CREATE TABLE t (fid INTEGER PRIMARY KEY, name TEXT, geom BLOB);"
                       "CREATE VIRTUAL TABLE \"rtree_t_geom\" USING rtree(id, minx, maxx, miny, "
                       "maxy);"
                       "CREATE TRIGGER rtree_t_geom_insert AFTER INSERT ON t BEGIN "
                       "SELECT 1; END;"
                       "CREATE INDEX t_name ON t (upper(name));";
    sql_file("ok.gpkg", base, path, sizeof path);
    CHECK_EQ_INT(dm_upload_check_gpkg(path, &err), DM_OK);

    static const struct {
        const char *sql, *says;
    } bad[] = {
        {"CREATE VIEW v AS SELECT name FROM t", "a view 'v'"},
        /* named like a demine view, but not one */
        {"CREATE VIEW hazards_approved AS SELECT upper(name) FROM t", "a view 'hazards_approved'"},
        {"CREATE VIRTUAL TABLE notes USING fts5(body)", "module fts5"},
        {"CREATE VIRTUAL TABLE IF NOT EXISTS main.[notes] USING fts4(body)", "module fts4"},
        {"CREATE VIRTUAL TABLE \"x USING rtree(\" /* USING rtree( */ USING fts5(a)", "module fts5"},
        {"CREATE VIRTUAL TABLE sneaky USING\n-- rtree\nfts5(a)", "module fts5"},
        {"ALTER TABLE t ADD COLUMN shout TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL",
         "generated column (t.shout)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char sql[2048];
        snprintf(sql, sizeof sql, "%s%s;", base, bad[i].sql);
        sql_file("bad.gpkg", sql, path, sizeof path);
        CHECK_EQ_INT(dm_upload_check_gpkg(path, &err), DM_EFORMAT);
        if (!strstr(err.msg, bad[i].says) || !strstr(err.msg, "no SQL in an upload"))
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        CHECK(strstr(err.msg, bad[i].says) != NULL);
        CHECK(strstr(err.msg, "no SQL in an upload") != NULL);
    }
    snprintf(path, sizeof path, "%s/not-there.gpkg", fx_dir);
    CHECK(dm_upload_check_gpkg(path, &err) != DM_OK);
    /* a demine database, with its approved-only views, may be uploaded */
    CHECK_EQ_INT(dm_upload_check_gpkg(fx_db, &err), DM_OK);
}

/* dm_import of an upload: the bytes decide, whatever the name says. */
TEST(an_upload_is_opened_by_its_format_alone)
{
    char path[512], rej[512];
    snprintf(rej, sizeof rej, "%s/up.rej.csv", fx_dir);
    /* a VRT dressed as GeoJSON, pointing at this very database */
    char vrt[1024];
    snprintf(vrt, sizeof vrt,
             "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>%s</SrcDataSource>"
             "<SrcLayer>hazards</SrcLayer></OGRVRTLayer></OGRVRTDataSource>\n",
             fx_db);
    write_file("vrt.geojson", vrt, path, sizeof path);
    const char *sets[] = {"status=SHA"};
    dm_import_opts o = {.kind = &dm_kind_hazards,
                        .path = path,
                        .set = sets,
                        .nset = 1,
                        .who = "tester",
                        .rejects_path = rej,
                        .upload = true};
    int64_t before, after;
    dm_store_count(s, &dm_kind_hazards, true, &before, NULL);
    dm_import_result res;
    dm_error err;
    CHECK_EQ_INT(dm_import(s, &o, &res, &err), DM_EFORMAT);
    CHECK(strstr(err.msg, "OGR VRT") != NULL);
    dm_store_count(s, &dm_kind_hazards, true, &after, NULL);
    CHECK_EQ_INT(after, before);
    /* a symbolic link is not an upload */
    char link[600];
    write_file("real.geojson",
               "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
               "\"properties\":{\"name\":\"Up\"},\"geometry\":{\"type\":\"Polygon\","
               "\"coordinates\":[[[17,44],[17.01,44],[17.01,44.01],[17,44]]]}}]}",
               path, sizeof path);
    snprintf(link, sizeof link, "%s/link.geojson", fx_dir);
    CHECK(symlink(path, link) == 0);
    o.path = link;
    CHECK_EQ_INT(dm_import(s, &o, &res, &err), DM_EFORMAT);
    /* real GeoJSON is read, by the GeoJSON driver */
    o.path = path;
    CHECK_EQ_INT(dm_import(s, &o, &res, &err), DM_OK);
    CHECK_EQ_INT(res.imported, 1);
}

/* The command line never reads the database it imports into. */
TEST(the_database_is_never_its_own_source)
{
    char path[512], other[512];
    dm_error err;
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, fx_db, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "is the database") != NULL);
    char link[600];
    snprintf(link, sizeof link, "%s/alias.gpkg", fx_dir);
    CHECK(symlink(fx_db, link) == 0);
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, link, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_import_check_not_database(link, fx_db, &err), DM_EINVAL);

    char vrt[2048];
    snprintf(vrt, sizeof vrt,
             "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>%s</SrcDataSource>"
             "</OGRVRTLayer></OGRVRTDataSource>\n",
             fx_db);
    write_file("abs.vrt", vrt, path, sizeof path);
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, path, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "abs.vrt") && strstr(err.msg, "SrcDataSource"));
    /* relative to the VRT's folder, from elsewhere */
    write_file("rel.vrt",
               "<OGRVRTDataSource><OGRVRTUnionLayer name=\"u\"><OGRVRTLayer name=\"x\">"
               "<SrcDataSource relativeToVRT=\"1\">t.gpkg</SrcDataSource></OGRVRTLayer>"
               "</OGRVRTUnionLayer></OGRVRTDataSource>\n",
               path, sizeof path);
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, path, &err), DM_EINVAL);
    /* a VRT named anything, within a VRT written inline */
    snprintf(vrt, sizeof vrt,
             "<OGRVRTDataSource><OGRVRTLayer name=\"y\"><SrcDataSource>"
             "&lt;OGRVRTDataSource&gt;&lt;OGRVRTLayer name=\"z\"&gt;&lt;SrcDataSource&gt;%s"
             "&lt;/SrcDataSource&gt;&lt;/OGRVRTLayer&gt;&lt;/OGRVRTDataSource&gt;"
             "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>\n",
             path);
    write_file("outer.txt", vrt, other, sizeof other);
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, other, &err), DM_EINVAL);
    /* a layer's SRS read from the database file */
    snprintf(vrt, sizeof vrt,
             "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>elsewhere.geojson"
             "</SrcDataSource><LayerSRS>%s</LayerSRS></OGRVRTLayer></OGRVRTDataSource>\n",
             fx_db);
    write_file("srs.vrt", vrt, path, sizeof path);
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, path, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "<LayerSRS>") != NULL);
    /* other files, and a database not made yet, are fine */
    write_file("fine.vrt",
               "<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource relativeToVRT=\"1\">"
               "h.geojson</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>\n",
               path, sizeof path);
    CHECK_EQ_INT(dm_import_check_not_database(fx_db, path, &err), DM_OK);
    snprintf(other, sizeof other, "%s/new.gpkg", fx_dir);
    CHECK_EQ_INT(dm_import_check_not_database(other, path, &err), DM_OK);
}

int main(void)
{
    s = fx_new_store();
    if (!s)
        return 1;
    static const t_case cases[] = {
        T(csv_with_lon_lat_columns_fields_by_name_and_dates),
        T(map_and_set_with_set_winning),
        T(projected_coordinates_are_converted_to_lon_lat),
        T(an_error_midway_leaves_nothing),
        T(options_are_checked_before_anything_is_opened),
        T(uploads_are_sniffed_from_their_bytes),
        T(gpkg_uploads_hold_no_sql),
        T(an_upload_is_opened_by_its_format_alone),
        T(the_database_is_never_its_own_source),
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    fx_done(s);
    return rc;
}
