/* Minefield records: the strict v1 parser and its messages, the local
 * frame, the record as drawn (layout, footprint, GeoJSON) and the
 * prediction's GeoJSON. */
#include "analysis/minefield.h"
#include "harness.h"

#include <json-c/json.h>

#define DATA DM_SOURCE_DIR "/tests/data/minefield/"

/* A record with grid bearings in metres: extra top-level members, then
 * rows (the text inside the array). */
static char *rec_text(const char *extra, const char *rows)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": "
             "18.4, \"lat\": 43.85}, \"bearing_ref\": \"grid\", \"unit\": \"m\"%s, \"rows\": "
             "[%s]}",
             extra, rows);
    return buf;
}

#define ROW_A                                                                                      \
    "{\"id\": \"A\", \"count\": 11, \"start\": {\"bearing_deg\": 0, \"distance\": 0}, \"legs\": "  \
    "[{\"bearing_deg\": 90, \"distance\": 100}]}"

/* Parses text; returns the status and leaves the message in err. */
static dm_status parse(const char *text, dm_error *err)
{
    dm_mf_record rec;
    dm_error_clear(err);
    dm_status st = dm_mf_record_parse(text, strlen(text), &rec, err);
    if (!st)
        dm_mf_record_free(&rec);
    else
        CHECK(rec.rows == NULL && rec.mines == NULL && rec.n_rows == 0);
    return st;
}

/* The first problem of text must be exactly `want`. */
#define BAD(text, want)                                                                            \
    do {                                                                                           \
        dm_error e_;                                                                               \
        CHECK_EQ_INT(parse((text), &e_), DM_EINVAL);                                               \
        CHECK_STR(e_.msg, (want));                                                                 \
    } while (0)

TEST(parse_good_file)
{
    dm_mf_record rec;
    dm_error err = {DM_OK, ""};
    CHECK_EQ_INT(dm_mf_record_load(DATA "good.json", &rec, &err), DM_OK);
    CHECK_STR(rec.id, "MR-0001");
    CHECK_STR(rec.laid, "1993-05-01");
    CHECK_NEAR(rec.ref_lon, 18.4, 1e-12);
    CHECK_NEAR(rec.ref_lat, 43.85, 1e-12);
    CHECK_EQ_INT(rec.bearing_ref, DM_MF_GRID);
    CHECK_EQ_INT(rec.unit, DM_MF_METRES);
    CHECK_EQ_INT(rec.n_rows, 2);
    CHECK_STR(rec.rows[0].id, "A");
    CHECK_STR(rec.rows[0].category, "AP");
    CHECK_STR(rec.rows[0].model, "PMN-2");
    CHECK_EQ_INT(rec.rows[0].count, 11);
    CHECK_NEAR(rec.rows[1].spacing, 5, 1e-12);
    CHECK_EQ_INT(rec.rows[1].count, 0);
    CHECK_EQ_INT(rec.rows[1].n_legs, 2);
    CHECK_NEAR(rec.rows[1].legs[1].bearing_deg, 45, 1e-12);
    CHECK_NEAR(rec.rows[1].start.distance, 70, 1e-12);
    CHECK_EQ_INT(rec.n_mines, 1);
    CHECK_STR(rec.mines[0].id, "S1");
    CHECK_STR(rec.mines[0].category, "AT");
    CHECK_NEAR(rec.mines[0].at.bearing_deg, 180, 1e-12);
    CHECK_NEAR(dm_mf_row_length_m(&rec, 1), 80, 1e-12);
    dm_mf_record_free(&rec);
    CHECK(rec.rows == NULL && rec.n_rows == 0);
}

TEST(parse_paces_magnetic)
{
    dm_mf_record rec;
    dm_error err = {DM_OK, ""};
    CHECK_EQ_INT(dm_mf_record_load(DATA "paces.json", &rec, &err), DM_OK);
    CHECK_STR(rec.id, "Record 17/B (1994)");
    CHECK_STR(rec.laid, "1994-03-12"); /* DD.MM.YYYY made ISO */
    CHECK_EQ_INT(rec.bearing_ref, DM_MF_MAGNETIC);
    CHECK_NEAR(rec.declination_deg, 4.5, 1e-12);
    CHECK_EQ_INT(rec.unit, DM_MF_PACES);
    CHECK_NEAR(rec.pace_m, 0.75, 1e-12);
    CHECK_NEAR(dm_mf_unit_m(&rec), 0.75, 1e-12);
    CHECK_NEAR(dm_mf_row_length_m(&rec, 0), 60, 1e-12);
    dm_mf_record_free(&rec);

    CHECK_EQ_INT(dm_mf_record_load(DATA "scattered_only.json", &rec, &err), DM_OK);
    CHECK_EQ_INT(rec.n_rows, 0);
    CHECK_EQ_INT(rec.n_mines, 2);
    CHECK_STR(rec.mines[1].category, "AP"); /* "AP mine" is an alias */
    CHECK_STR(rec.id, "");
    dm_mf_record_free(&rec);

    CHECK_EQ_INT(dm_mf_record_load(DATA "nonexistent.json", &rec, &err), DM_EIO);
    CHECK(strstr(err.msg, "nonexistent.json") != NULL);
    CHECK_EQ_INT(dm_mf_record_load(DATA "bad_negative.json", &rec, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "bad_negative.json: rows[1] (B) legs[0].distance: -5 is negative") ==
          err.msg + strlen(err.msg) -
              strlen("bad_negative.json: rows[1] (B) legs[0].distance: "
                     "-5 is negative"));
}

TEST(parse_zero_start_and_spacing_equal_row)
{
    dm_error err = {DM_OK, ""};
    /* a row may start at the reference point; spacing as long as the row */
    CHECK_EQ_INT(parse(rec_text("", "{\"id\": \"A\", \"spacing\": 100, \"start\": "
                                    "{\"bearing_deg\": 0, \"distance\": 0}, \"legs\": "
                                    "[{\"bearing_deg\": 360, \"distance\": 100}]}"),
                       &err),
                 DM_OK);
    CHECK_EQ_INT(parse(rec_text(", \"id\": \"MR-7\", \"laid\": \"2001-02-03\"", ROW_A), &err),
                 DM_OK);
}

TEST(bad_json)
{
    BAD("", "the record is empty");
    BAD("  \n ", "the record is empty");
    BAD("{\"type\": \"MinefieldRecord\",",
        "not valid JSON: the text ends before the record does (line 1, column 28)");
    BAD("{\"type\": \"MinefieldRecord\",\n \"version\" 1}",
        "not valid JSON at line 2, column 12: object property name separator ':' expected");
    BAD("{\"type\": \"MinefieldRecord\"} x", "not valid JSON at line 1, column 29: text after the "
                                             "record");
    BAD("[1, 2]", "the record must be a JSON object {\"type\": \"MinefieldRecord\", ...}, not an "
                  "array");
}

TEST(bad_type_version)
{
    BAD("{\"version\": 1}", "type: missing; a minefield record has \"type\": \"MinefieldRecord\"");
    BAD("{\"type\": \"FeatureCollection\", \"features\": []}",
        "type: \"FeatureCollection\" is not \"MinefieldRecord\"");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 2}",
        "version: 2 is not a version this demine reads (1)");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": \"1\"}",
        "version: \"1\" is not a version this demine reads (1)");
    BAD("{\"type\": \"MinefieldRecord\"}", "version: missing; this demine reads version 1");
}

TEST(bad_reference_point)
{
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"bearing_ref\": \"grid\", \"unit\": "
        "\"m\", \"rows\": [" ROW_A "]}",
        "reference_point: missing; give {\"lon\": ..., \"lat\": ...} in degrees (WGS 84)");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 181, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "reference_point.lon: 181 is outside -180..180 degrees");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": -90.5}, \"bearing_ref\": \"grid\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "reference_point.lat: -90.5 is outside -90..90 degrees");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18}, "
        "\"bearing_ref\": \"grid\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "reference_point.lat: missing");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": \"18\", "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "reference_point.lon: \"18\" is text; expected a number");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": [18, 43], "
        "\"bearing_ref\": \"grid\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "reference_point: [18,43] is an array; expected an object {\"lon\": ..., \"lat\": ...}");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 88}, \"bearing_ref\": \"grid\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "reference_point.lat: 88 is too near a pole for the record's local frame (at most 85 "
        "degrees north or south)");
}

TEST(bad_bearing_ref_unit_pace)
{
    char t[8192];
    snprintf(t, sizeof t, "%s", rec_text("", ROW_A));
    /* replace the values in the template */
    char *p = strstr(t, "\"grid\"");
    memcpy(p, "\"true\"", 6);
    BAD(t, "bearing_ref: \"true\" is not grid or magnetic");
    snprintf(t, sizeof t, "%s", rec_text("", ROW_A));
    p = strstr(t, "\"unit\": \"m\"");
    memmove(p + 13, p + 11, strlen(p + 11) + 1);
    memcpy(p, "\"unit\": \"yd\"", 12);
    p[12] = ' ';
    BAD(t, "unit: \"yd\" is not m or paces");

    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"paces\", \"rows\": [" ROW_A "]}",
        "pace_m: missing; unit is paces, so the metres per pace are needed");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"paces\", \"pace_m\": 0, \"rows\": "
        "[" ROW_A "]}",
        "pace_m: 0 is not positive");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"paces\", \"pace_m\": -0.7, "
        "\"rows\": [" ROW_A "]}",
        "pace_m: -0.7 is not positive");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"magnetic\", \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "declination_deg: missing; bearing_ref is magnetic, so the declination is needed "
        "(degrees, east positive; 0 if none)");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"unit\": \"m\", \"rows\": [" ROW_A "]}",
        "bearing_ref: missing");
    BAD(rec_text(", \"laid\": \"May 1993\"", ROW_A),
        "laid: \"May 1993\" is not a date (YYYY-MM-DD)");
}

TEST(bad_distances_and_bearings)
{
    BAD(rec_text("", ROW_A ", {\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                           "\"distance\": 20}, \"legs\": [{\"bearing_deg\": 90, \"distance\": "
                           "-5}]}"),
        "rows[1] (B) legs[0].distance: -5 is negative");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 20}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 0}]}"),
        "rows[0] (B) legs[0].distance: 0 makes a zero-length leg; a leg must be longer than 0");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": -1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B) start.distance: -1 is negative");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}, "
                     "{\"bearing_deg\": 6400, \"distance\": 5}]}"),
        "rows[0] (B) legs[1].bearing_deg: 6400 is outside 0-360 degrees; it looks like mils: "
        "6400 mils = 360 degrees");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 800, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B) start.bearing_deg: 800 is outside 0-360 degrees; it looks like mils: 800 "
        "mils = 45 degrees");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": -10, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B) start.bearing_deg: -10 is outside 0-360 degrees");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 7000, \"distance\": 5}]}"),
        "rows[0] (B) legs[0].bearing_deg: 7000 is outside 0-360 degrees");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": "
                     "\"5\"}]}"),
        "rows[0] (B) legs[0].distance: \"5\" is text; expected a number");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": "
                     "1e6}]}"),
        "rows[0] (B) legs[0].distance: 1000000 is more than 100000; check the unit");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"m\", \"mines\": [{\"id\": \"S1\", "
        "\"bearing_deg\": 10, \"distance\": -3}]}",
        "mines[0] (S1).distance: -3 is negative");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"m\", \"mines\": [{\"id\": \"S1\", "
        "\"bearing_deg\": 3200, \"distance\": 3}]}",
        "mines[0] (S1).bearing_deg: 3200 is outside 0-360 degrees; it looks like mils: 3200 mils "
        "= 180 degrees");
}

TEST(bad_rows)
{
    BAD(rec_text("", "{\"id\": \"B\", \"start\": {\"bearing_deg\": 0, \"distance\": 1}, "
                     "\"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B): neither count nor spacing; give one of them");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"spacing\": 2, \"start\": {\"bearing_deg\": "
                     "0, \"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B): both count and spacing; give one of them");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 0, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B).count: 0 is less than 1");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 2.5, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B).count: 2.5 is not a whole number");
    BAD(rec_text("", "{\"id\": \"B\", \"spacing\": 0, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B).spacing: 0 is not positive");
    BAD(rec_text("", "{\"id\": \"B\", \"spacing\": 150, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 60}, "
                     "{\"bearing_deg\": 0, \"distance\": 40}]}"),
        "rows[0] (B).spacing: 150 is longer than the row (100)");
    BAD(rec_text("", ROW_A ", " ROW_A), "rows[1] (A).id: \"A\" is also the id of rows[0]");
    BAD(rec_text("", "{\"count\": 3, \"start\": {\"bearing_deg\": 0, \"distance\": 1}, "
                     "\"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0].id: missing");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": []}"),
        "rows[0] (B).legs: empty; a row needs at least one leg");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}}"),
        "rows[0] (B).legs: missing; a row needs at least one leg");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"legs\": [{\"bearing_deg\": 90, "
                     "\"distance\": 5}]}"),
        "rows[0] (B).start: missing");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": \"3\", \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0] (B).count: \"3\" is text; expected a number");
    BAD(rec_text("", "{\"id\": \"B\", \"category\": \"tank\", \"count\": 3, \"start\": "
                     "{\"bearing_deg\": 0, \"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, "
                     "\"distance\": 5}]}"),
        "rows[0] (B).category: \"tank\" is not an EO category (AP, AT, UXO, AXO, cluster, IED, "
        "SAA, other)");
    BAD(rec_text("", "\"A\""), "rows[0]: \"A\" is text; expected an object");
    BAD(rec_text("", "{\"id\": 7, \"count\": 3, \"start\": {\"bearing_deg\": 0, \"distance\": 1}, "
                     "\"legs\": [{\"bearing_deg\": 90, \"distance\": 5}]}"),
        "rows[0].id: 7 is a number; expected text");
    BAD(rec_text("", "{\"id\": \"B\", \"count\": 3, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": {\"bearing_deg\": 90, \"distance\": 5}}"),
        "rows[0] (B).legs: {\"bearing_deg\":90,\"distance\":5} is an object; expected an array");
    /* one every 0.001 m over 100 m: far more mines than any record */
    BAD(rec_text("", "{\"id\": \"B\", \"spacing\": 0.001, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 1}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 200}]}"),
        "the record puts down 200001 mines; at most 100000 (check count, spacing and unit)");
}

TEST(bad_empty_and_unknown)
{
    BAD(rec_text("", ""), "rows and mines are both empty; a record needs at least one row or mine");
    BAD("{\"type\": \"MinefieldRecord\", \"version\": 1, \"reference_point\": {\"lon\": 18, "
        "\"lat\": 43}, \"bearing_ref\": \"grid\", \"unit\": \"m\"}",
        "rows and mines are both missing; a record needs at least one row or mine");
    BAD(rec_text(", \"mines\": []", ""),
        "rows and mines are both empty; a record needs at least one row or mine");
    BAD(rec_text(", \"bearing_reff\": \"grid\"", ROW_A),
        "unknown member \"bearing_reff\" (did you mean \"bearing_ref\"?)");
    BAD(rec_text(", \"notes\": \"x\"", ROW_A),
        "unknown member \"notes\"; the members are: type, version, id, laid, reference_point, "
        "bearing_ref, declination_deg, unit, pace_m, rows, mines");
    BAD(rec_text("", "{\"id\": \"A\", \"cont\": 11, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 0}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 100}]}"),
        "rows[0] (A): unknown member \"cont\" (did you mean \"count\"?) (and 1 more "
        "problem)");
    BAD(rec_text("", "{\"id\": \"A\", \"count\": 11, \"start\": {\"bearing\": 0, "
                     "\"distance\": 0}, \"legs\": [{\"bearing_deg\": 90, \"distance\": 100}]}"),
        "rows[0] (A) start: unknown member \"bearing\"; the members are: bearing_deg, distance "
        "(and 1 more "
        "problem)");
    BAD(rec_text("", "{\"id\": \"A\", \"count\": 11, \"start\": {\"bearing_deg\": 0, "
                     "\"distance\": 0}, \"legs\": [{\"bearing_deg\": 90, \"distnace\": 100}]}"),
        "rows[0] (A) legs[0]: unknown member \"distnace\" (did you mean \"distance\"?) (and 1 more "
        "problem)");
    BAD(rec_text(", \"mines\": [{\"id\": \"A\", \"bearing_deg\": 1, \"distance\": 2}]", ROW_A),
        "mines[0] (A).id: \"A\" is also the id of rows[0]");
    BAD(rec_text(", \"reference_point\": {\"lon\": 1, \"lat\": 2, \"alt\": 3}", ROW_A),
        "reference_point: unknown member \"alt\" (did you mean \"lat\"?)");
}

static void count_problem(const char *msg, void *ctx)
{
    (void)msg;
    (*(int *)ctx)++;
}

static void keep_warning(const char *msg, void *ctx)
{
    snprintf((char *)ctx, DM_ERROR_MSG_MAX, "%s", msg);
}

/* A pace length with metres and a declination with grid bearings are
 * information, not errors: kept, not applied, and named in a warning. */
TEST(harmless_fields_accepted_with_warning)
{
    dm_mf_record rec;
    dm_error err = {DM_OK, ""};
    char warn[DM_ERROR_MSG_MAX] = "";
    const char *t = rec_text(", \"pace_m\": 0.75", ROW_A);
    CHECK_EQ_INT(dm_mf_record_parse(t, strlen(t), &rec, &err), DM_OK);
    CHECK_EQ_INT(rec.unit, DM_MF_METRES);
    CHECK_NEAR(rec.pace_m, 0.75, 1e-12);
    CHECK_EQ_INT(dm_mf_record_warnings(&rec, keep_warning, warn), 1);
    CHECK_STR(warn, "pace_m: 0.75 given with unit m: distances are taken as metres; the fit also "
                    "considers that they were paced (0.75 m per pace)");
    dm_mf_layout lay;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    CHECK_NEAR(lay.mines[10].x, 100.0, 1e-9); /* metres, as written */
    dm_mf_layout_free(&lay);
    dm_mf_record_free(&rec);

    t = rec_text(", \"declination_deg\": 3", ROW_A);
    CHECK_EQ_INT(dm_mf_record_parse(t, strlen(t), &rec, &err), DM_OK);
    CHECK_EQ_INT(rec.bearing_ref, DM_MF_GRID);
    CHECK_NEAR(rec.declination_deg, 3.0, 1e-12);
    CHECK_EQ_INT(dm_mf_record_warnings(&rec, keep_warning, warn), 1);
    CHECK_STR(warn, "declination_deg: 3 given with grid bearings: bearings are taken as grid; the "
                    "fit also considers that they were magnetic (declination 3 degrees)");
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    CHECK_NEAR(lay.mines[10].x, 100.0, 1e-9); /* grid, as written */
    CHECK(fabs(lay.mines[10].y) < 1e-9);
    dm_mf_layout_free(&lay);
    dm_mf_record_free(&rec);

    t = rec_text(", \"declination_deg\": 0, \"pace_m\": 1", ROW_A);
    CHECK_EQ_INT(dm_mf_record_parse(t, strlen(t), &rec, &err), DM_OK);
    CHECK_EQ_INT(dm_mf_record_warnings(&rec, NULL, NULL), 1); /* the pace only */
    dm_mf_record_free(&rec);
}

TEST(parse_all_reports_every_problem)
{
    const char *t = rec_text(", \"pace_m\": -1", "{\"id\": \"A\", \"count\": 0, \"start\": "
                                                 "{\"bearing_deg\": 400, \"distance\": -1}, "
                                                 "\"legs\": [{\"bearing_deg\": 90, \"distance\": "
                                                 "0}]}");
    int n = 0;
    dm_mf_record rec;
    dm_error err = {DM_OK, ""};
    size_t total = 0;
    CHECK_EQ_INT(dm_mf_record_parse_all(t, strlen(t), &rec, count_problem, &n, &total, &err),
                 DM_EINVAL);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(total, 5);
    CHECK_STR(err.msg, "pace_m: -1 is not positive (and 4 more problems)");
    /* truncations of a good record never crash and are all refused */
    FILE *f = fopen(DATA "good.json", "rb");
    CHECK(f != NULL);
    char buf[4096];
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    CHECK_EQ_INT(dm_mf_record_parse(buf, len, &rec, &err), DM_OK);
    dm_mf_record_free(&rec);
    size_t refused = 0;
    for (size_t cut = 0; cut + 3 < len; cut++)
        if (dm_mf_record_parse(buf, cut, &rec, &err) == DM_EINVAL)
            refused++;
        else
            dm_mf_record_free(&rec);
    CHECK_EQ_INT(refused, len - 3);
}

TEST(frame_round_trip)
{
    dm_mf_frame f;
    dm_mf_frame_init(&f, 0, 0);
    CHECK_NEAR(f.kx, 111319.4908, 1e-8);
    CHECK_NEAR(f.ky, 110574.2758, 1e-8);
    dm_mf_frame_init(&f, 18.4, 45);
    CHECK_NEAR(f.kx, 78846.8351, 1e-8);
    CHECK_NEAR(f.ky, 111131.7774, 1e-8);
    const double pts[][2] = {{0, 0}, {150.5, -20.25}, {-1000, 2500}, {12345, -6789}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double lon, lat, x, y;
        dm_mf_frame_to_lonlat(&f, pts[i][0], pts[i][1], &lon, &lat);
        dm_mf_frame_to_local(&f, lon, lat, &x, &y);
        CHECK(fabs(x - pts[i][0]) < 1e-6 && fabs(y - pts[i][1]) < 1e-6);
    }
    /* 100 m east on the plane is 100 m geodesic to better than 1 mm */
    double lon, lat;
    dm_mf_frame_to_lonlat(&f, 100, 0, &lon, &lat);
    CHECK_NEAR(dm_geo_distance_m(18.4, 45, lon, lat), 100, 1e-5);
    dm_mf_frame_to_lonlat(&f, 0, 100, &lon, &lat);
    CHECK_NEAR(dm_geo_distance_m(18.4, 45, lon, lat), 100, 1e-5);
    /* across the antimeridian */
    dm_mf_frame_init(&f, 179.9999, 10);
    double x, y;
    dm_mf_frame_to_lonlat(&f, 100, 0, &lon, &lat);
    CHECK(lon < -179.99);
    dm_mf_frame_to_local(&f, lon, lat, &x, &y);
    CHECK(fabs(x - 100) < 1e-6 && fabs(y) < 1e-9);
}

TEST(layout_spacing_declination_paces)
{
    dm_error err = {DM_OK, ""};
    dm_mf_record rec;
    /* a 100 m row of count 11: mines 10 m apart, due east from the start */
    const char *t = rec_text("", ROW_A);
    CHECK_EQ_INT(dm_mf_record_parse(t, strlen(t), &rec, &err), DM_OK);
    dm_mf_layout lay;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    CHECK_EQ_INT(lay.n_mines, 11);
    for (size_t i = 0; i + 1 < lay.n_mines; i++) {
        CHECK(fabs(hypot(lay.mines[i + 1].x - lay.mines[i].x, lay.mines[i + 1].y - lay.mines[i].y) -
                   10) < 1e-9);
        CHECK(fabs(lay.mines[i].y) < 1e-9);
    }
    CHECK(fabs(lay.mines[10].x - 100) < 1e-9);
    dm_mf_layout_free(&lay);
    dm_mf_record_free(&rec);

    /* magnetic 355.5 + declination 4.5 = grid north; 80 paces of 0.75 m */
    CHECK_EQ_INT(dm_mf_record_load(DATA "paces.json", &rec, &err), DM_OK);
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    CHECK_EQ_INT(lay.n_mines, 5);
    CHECK(fabs(lay.mines[0].x) < 1e-9 && fabs(lay.mines[0].y) < 1e-9);
    CHECK(fabs(lay.mines[4].x) < 1e-9 && fabs(lay.mines[4].y - 60) < 1e-9);
    CHECK(fabs(lay.mines[1].y - 15) < 1e-9);
    dm_mf_layout_free(&lay);
    dm_mf_record_free(&rec);
}

/* Counts the features of a GeoJSON text by properties.kind. */
static int count_kind(json_object *fc, const char *kind)
{
    json_object *features = json_object_object_get(fc, "features");
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(features); i++) {
        json_object *props =
            json_object_object_get(json_object_array_get_idx(features, i), "properties");
        if (!strcmp(json_object_get_string(json_object_object_get(props, "kind")), kind))
            n++;
    }
    return n;
}

TEST(render_geojson_and_footprint)
{
    dm_error err = {DM_OK, ""};
    dm_mf_record rec;
    dm_geo *geo;
    CHECK_EQ_INT(dm_geo_new(&geo, &err), DM_OK);
    CHECK_EQ_INT(dm_mf_record_load(DATA "good.json", &rec, &err), DM_OK);
    dm_buf b;
    dm_buf_init(&b, 0);
    CHECK_EQ_INT(dm_mf_render_geojson(geo, &rec, 10, &b, &err), DM_OK);
    json_object *fc = json_tokener_parse(b.data);
    CHECK(fc != NULL);
    if (fc) {
        CHECK_EQ_INT(count_kind(fc, "mine"), 29);
        CHECK_EQ_INT(count_kind(fc, "row"), 2);
        CHECK_EQ_INT(count_kind(fc, "footprint"), 1);
        CHECK_EQ_INT(count_kind(fc, "reference_point"), 1);
        json_object *features = json_object_object_get(fc, "features");
        /* the first mine of row A: 50 m north of the reference point */
        for (size_t i = 0; i < json_object_array_length(features); i++) {
            json_object *ft = json_object_array_get_idx(features, i);
            json_object *props = json_object_object_get(ft, "properties");
            if (strcmp(json_object_get_string(json_object_object_get(props, "kind")), "mine") ||
                strcmp(json_object_get_string(json_object_object_get(props, "row")), "A") ||
                json_object_get_int(json_object_object_get(props, "index")) != 1)
                continue;
            CHECK_STR(json_object_get_string(json_object_object_get(props, "model")), "PMN-2");
            json_object *c =
                json_object_object_get(json_object_object_get(ft, "geometry"), "coordinates");
            double lon = json_object_get_double(json_object_array_get_idx(c, 0));
            double lat = json_object_get_double(json_object_array_get_idx(c, 1));
            CHECK_NEAR(dm_geo_distance_m(18.4, 43.85, lon, lat), 50, 1e-3);
        }
        json_object_put(fc);
    }
    CHECK(strstr(b.data, "[18.4000000,43.8500000]") != NULL); /* 7 decimals */
    dm_buf_free(&b);
    dm_mf_record_free(&rec);

    /* one 100 m row with a 10 m margin: a 100 x 20 m band and two half
       discs (a 32-gon per full circle) */
    const char *t = rec_text("", ROW_A);
    CHECK_EQ_INT(dm_mf_record_parse(t, strlen(t), &rec, &err), DM_OK);
    dm_mf_summary s;
    CHECK_EQ_INT(dm_mf_summarise(geo, &rec, 10, &s, &err), DM_OK);
    CHECK_EQ_INT(s.rows, 1);
    CHECK_EQ_INT(s.mines, 11);
    CHECK_NEAR(s.length_m, 100, 1e-12);
    CHECK_NEAR(s.footprint_area_m2, 2000 + 16 * 100 * sin(2 * M_PI / 32), 2e-3);
    CHECK_EQ_INT(dm_mf_summarise(geo, &rec, 0, &s, &err), DM_EINVAL);
    dm_mf_record_free(&rec);
    dm_geo_free(geo);
}

TEST(prediction_geojson)
{
    dm_error err = {DM_OK, ""};
    dm_mf_record rec;
    CHECK_EQ_INT(dm_mf_record_load(DATA "good.json", &rec, &err), DM_OK);
    dm_mf_prediction items[] = {
        {0, 50, 0, 1, 3.25, false},
        {0, -20, -1, 1, 4, false},
        {100, 100, -2, 7, 1.5, true},
    };
    dm_mf_prediction_set set = {{1.5,
                                 -2,
                                 3.25,
                                 1.02,
                                 0.4,
                                 12,
                                 0.8,
                                 0.6,
                                 {{7.5, -2, 3.25, 1.02, 0.25}, {1.5, 3.5, 3.0, 1.0, 0.1}},
                                 2},
                                items,
                                3,
                                0};
    dm_mf_frame f;
    dm_mf_frame_init(&f, rec.ref_lon, rec.ref_lat);
    dm_buf b;
    dm_buf_init(&b, 0);
    CHECK_EQ_INT(dm_mf_prediction_geojson(&rec, &f, &set, &b, &err), DM_OK);
    json_object *fc = json_tokener_parse(b.data);
    CHECK(fc != NULL);
    if (fc) {
        json_object *fit = json_object_object_get(fc, "fit");
        CHECK_NEAR(json_object_get_double(json_object_object_get(fit, "dx_m")), 1.5, 1e-12);
        CHECK_NEAR(json_object_get_double(json_object_object_get(fit, "scale")), 1.02, 1e-12);
        CHECK_EQ_INT(json_object_get_int(json_object_object_get(fit, "matched")), 12);
        CHECK_NEAR(json_object_get_double(json_object_object_get(fit, "confidence")), 0.8, 1e-12);
        CHECK_EQ_INT(json_object_object_length(fit), 9);
        CHECK_NEAR(json_object_get_double(json_object_object_get(fit, "weight")), 0.6, 1e-12);
        json_object *alts = json_object_object_get(fit, "alternatives");
        CHECK_EQ_INT(json_object_array_length(alts), 2);
        json_object *a1 = json_object_array_get_idx(alts, 1);
        CHECK_NEAR(json_object_get_double(json_object_object_get(a1, "dy_m")), 3.5, 1e-12);
        CHECK_NEAR(json_object_get_double(json_object_object_get(a1, "rotation_deg")), 3.0, 1e-12);
        CHECK_NEAR(json_object_get_double(json_object_object_get(a1, "weight")), 0.1, 1e-12);
        CHECK_NEAR(json_object_get_double(
                       json_object_object_get(json_object_array_get_idx(alts, 0), "dx_m")),
                   7.5, 1e-12);
        json_object *features = json_object_object_get(fc, "features");
        CHECK_EQ_INT(json_object_array_length(features), 3);
        const char *rows[] = {"A", "S1", "found-row-1"};
        for (size_t i = 0; i < 3; i++) {
            json_object *p =
                json_object_object_get(json_object_array_get_idx(features, i), "properties");
            CHECK_STR(json_object_get_string(json_object_object_get(p, "row")), rows[i]);
            CHECK_EQ_INT(json_object_object_get_ex(p, "from_found_rows", NULL), i == 2);
        }
        json_object_put(fc);
    }
    dm_buf_free(&b);
    dm_mf_record_free(&rec);
}

RUN(T(parse_good_file), T(parse_paces_magnetic), T(parse_zero_start_and_spacing_equal_row),
    T(bad_json), T(bad_type_version), T(bad_reference_point), T(bad_bearing_ref_unit_pace),
    T(bad_distances_and_bearings), T(bad_rows), T(bad_empty_and_unknown),
    T(parse_all_reports_every_problem), T(harmless_fields_accepted_with_warning),
    T(frame_round_trip), T(layout_spacing_declination_paces), T(render_geojson_and_footprint),
    T(prediction_geojson))
