/* Import through GDAL: mapping, constants, CSV with lon/lat, dates,
 * CRS conversion, rejects, and all-or-nothing. */
#include "fixture.h"
#include "harness.h"
#include "io/import.h"

#include <sqlite3.h>

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
    /* the same code again: a reject, not a crash or an overwrite */
    CHECK(dm_import(s, &o, &res, &err) == DM_OK);
    CHECK_EQ_INT(res.rejected, 1);
    CHECK(strstr(read_file(rej), "H-17 already exists") != NULL);
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

int main(void)
{
    s = fx_new_store();
    if (!s)
        return 1;
    static const t_case cases[] = {
        T(csv_with_lon_lat_columns_fields_by_name_and_dates), T(map_and_set_with_set_winning),
        T(projected_coordinates_are_converted_to_lon_lat),    T(an_error_midway_leaves_nothing),
        T(options_are_checked_before_anything_is_opened),
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    fx_done(s);
    return rc;
}
