/* The GeoPackage store: the write path, versions, change log, states,
 * reading, and what it says about files that are not demine databases. */
#include "fixture.h"
#include "harness.h"
#include "store/gpkg_internal.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

static dm_store *s;

static int64_t scalar(const char *sql)
{
    sqlite3 *db;
    sqlite3_open_v2(fx_db, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static dm_status insert_hazard(const char *code, const char *status, const char *state,
                               dm_error *err)
{
    dm_record r;
    dm_record_init(&r, &dm_kind_hazards);
    if (code)
        snprintf(r.code, sizeof r.code, "%s", code);
    dm_record_set(&r, "status", status, NULL);
    snprintf(r.state, sizeof r.state, "%s", state);
    r.geom = fx_multi(s, fx_box(17, 17.01, 44, 44.01));
    dm_status st = dm_store_insert(s, &r, "amina", err);
    dm_record_clear(&r, dm_store_geo(s));
    return st;
}

TEST(insert_assigns_codes_versions_and_logs)
{
    dm_error err;
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    CHECK(insert_hazard(NULL, "CHA", "approved", &err) == DM_OK);
    CHECK(insert_hazard("HA-0100", "CHA", "submitted", &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM hazards"), 4);
    CHECK_EQ_INT(
        scalar("SELECT count(*) FROM hazards WHERE code IN ('HA-0001','HA-0002','HA-0101')"), 3);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log WHERE who='amina' AND "
                        "action='insert' AND version=1"),
                 4);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM rtree_hazards_geom"), 4);
}

TEST(duplicate_code_is_a_conflict)
{
    dm_error err;
    dm_store_begin(s, NULL);
    CHECK(insert_hazard("HA-0001", "SHA", "approved", &err) == DM_ECONFLICT);
    CHECK(strstr(err.msg, "already exists") != NULL);
    dm_store_rollback(s);
}

TEST(rollback_leaves_nothing)
{
    dm_store_begin(s, NULL);
    CHECK(insert_hazard(NULL, "SHA", "approved", NULL) == DM_OK);
    dm_store_rollback(s);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM hazards"), 4);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM demine_change_log"), 4);
}

TEST(incomplete_records_are_refused)
{
    dm_error err;
    dm_record r;
    dm_record_init(&r, &dm_kind_hazards);
    dm_store_begin(s, NULL);
    CHECK(dm_store_insert(s, &r, "amina", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "status is required") != NULL);
    dm_record_set(&r, "status", "SHA", NULL);
    CHECK(dm_store_insert(s, &r, "amina", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "no geometry") != NULL);
    snprintf(r.state, sizeof r.state, "published");
    CHECK(dm_store_insert(s, &r, "amina", &err) == DM_EINVAL);
    dm_store_rollback(s);
    dm_record_clear(&r, dm_store_geo(s));
}

TEST(update_checks_the_version_and_bumps_it)
{
    dm_error err;
    dm_record r;
    dm_record_init(&r, &dm_kind_hazards);
    CHECK(dm_store_get(s, &dm_kind_hazards, "HA-0002", &r, &err) == DM_OK);
    CHECK_EQ_INT(r.version, 1);
    dm_record_set(&r, "name", "Canal bank", NULL);
    dm_store_begin(s, NULL);
    CHECK(dm_store_update(s, &r, 1, "amina", "patch: name", &err) == DM_OK);
    CHECK_EQ_INT(r.version, 2);
    CHECK(dm_store_update(s, &r, 1, "boris", NULL, &err) == DM_ECONFLICT);
    CHECK(strstr(err.msg, "changed by someone else") != NULL);
    dm_store_commit(s, NULL);
    CHECK_EQ_INT(scalar("SELECT version FROM hazards WHERE code='HA-0002' AND name='Canal bank'"),
                 2);
    snprintf(r.code, sizeof r.code, "HA-9999");
    dm_store_begin(s, NULL);
    CHECK(dm_store_update(s, &r, 0, "amina", NULL, &err) == DM_ENOTFOUND);
    dm_store_rollback(s);
    dm_record_clear(&r, dm_store_geo(s));
}

static int count_changes(const dm_change *c, void *ctx)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

TEST(states_need_a_reason_to_reject_and_are_logged)
{
    dm_error err;
    dm_store_begin(s, NULL);
    CHECK(dm_store_set_state(s, &dm_kind_hazards, "HA-0100", "rejected", NULL, "amina", &err) ==
          DM_EINVAL);
    CHECK(dm_store_set_state(s, &dm_kind_hazards, "HA-0100", "rejected", "duplicate of HA-0001",
                             "amina", &err) == DM_OK);
    CHECK(dm_store_set_state(s, &dm_kind_hazards, "HA-0100", "approved", NULL, "amina", &err) ==
          DM_OK);
    dm_store_commit(s, NULL);
    int n = 0;
    CHECK(dm_store_history(s, &dm_kind_hazards, "HA-0100", count_changes, &n, &err) == DM_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(scalar("SELECT version FROM hazards WHERE code='HA-0100'"), 3);
}

TEST(queries_see_approved_records_unless_drafts_are_asked_for)
{
    dm_store_begin(s, NULL);
    CHECK(insert_hazard(NULL, "SHA", "submitted", NULL) == DM_OK);
    dm_store_commit(s, NULL);
    int64_t approved, all;
    dm_store_count(s, &dm_kind_hazards, false, &approved, NULL);
    dm_store_count(s, &dm_kind_hazards, true, &all, NULL);
    CHECK_EQ_INT(approved, 4);
    CHECK_EQ_INT(all, 5);
    dm_query q = {.kind = &dm_kind_hazards,
                  .with_geometry = true,
                  .has_bbox = true,
                  .bbox = {16.0, 43.0, 16.5, 43.5}};
    dm_cursor *c;
    CHECK(dm_store_query(s, &q, &c, NULL) == DM_OK);
    dm_record r;
    dm_record_init(&r, &dm_kind_hazards);
    bool has;
    CHECK(dm_cursor_next(c, &r, &has, NULL) == DM_OK);
    CHECK(!has); /* nothing in that box */
    dm_cursor_close(c);
    q.bbox[2] = 17.5;
    q.bbox[3] = 44.5;
    CHECK(dm_store_query(s, &q, &c, NULL) == DM_OK);
    int n = 0;
    while (dm_cursor_next(c, &r, &has, NULL) == DM_OK && has) {
        n++;
        CHECK(r.geom != NULL);
        CHECK_STR(r.state, "approved");
    }
    CHECK_EQ_INT(n, 4);
    dm_cursor_close(c);
    dm_record_clear(&r, dm_store_geo(s));
}

TEST(bulk_transactions_fill_the_spatial_index_at_commit)
{
    dm_error err;
    int64_t before = scalar("SELECT count(*) FROM rtree_hazards_geom");
    CHECK(dm_store_begin_bulk(s, &dm_kind_hazards, &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    dm_store_rollback(s);
    CHECK_EQ_INT(
        scalar("SELECT count(*) FROM sqlite_master WHERE name = 'rtree_hazards_geom_insert'"), 1);
    CHECK(dm_store_begin_bulk(s, &dm_kind_hazards, &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    CHECK(insert_hazard(NULL, "CHA", "approved", &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM rtree_hazards_geom"), before + 2);
    CHECK_EQ_INT(
        scalar("SELECT count(*) FROM sqlite_master WHERE name = 'rtree_hazards_geom_insert'"), 1);
    /* and a plain insert afterwards still maintains it */
    dm_store_begin(s, NULL);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    dm_store_commit(s, NULL);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM rtree_hazards_geom"), before + 3);
}

TEST(a_bulk_import_packs_a_valid_spatial_index)
{
    /* enough rows for three levels of nodes (51 entries a node) */
    dm_error err;
    CHECK(dm_store_begin_bulk(s, &dm_kind_releases, &err) == DM_OK);
    for (int i = 0; i < 3000; i++) {
        dm_record r;
        dm_record_init(&r, &dm_kind_releases);
        dm_record_set(&r, "method", "cleared", NULL);
        double x = 16 + (i % 60) * 0.05, y = 43 + (i / 60) * 0.04;
        r.geom = fx_multi(s, fx_box(x, x + 0.01, y, y + 0.01));
        CHECK(dm_store_insert(s, &r, "amina", &err) == DM_OK);
        dm_record_clear(&r, dm_store_geo(s));
    }
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT rtreecheck('rtree_releases_geom') = 'ok'"), 1);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM rtree_releases_geom"), 3000);
    /* the index finds what a scan of the boxes finds (bounds off the grid) */
    int expected = 0;
    for (int i = 0; i < 3000; i++) {
        double x = 16 + (i % 60) * 0.05, y = 43 + (i / 60) * 0.04;
        expected += x + 0.01 >= 16.505 && x <= 17.005 && y + 0.01 >= 43.505 && y <= 44.005;
    }
    CHECK(expected > 100);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM rtree_releases_geom WHERE maxx >= 16.505 AND "
                        "minx <= 17.005 AND maxy >= 43.505 AND miny <= 44.005"),
                 expected);
    /* an import that brings nothing leaves a valid, unchanged index */
    CHECK(dm_store_begin_bulk(s, &dm_kind_settlements, &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT rtreecheck('rtree_settlements_geom') = 'ok'"), 1);
    /* and a small import on top adds to it entry by entry */
    dm_store_begin_bulk(s, &dm_kind_releases, NULL);
    dm_record r;
    dm_record_init(&r, &dm_kind_releases);
    dm_record_set(&r, "method", "reduced", NULL);
    r.geom = fx_multi(s, fx_box(20, 20.01, 40, 40.01));
    CHECK(dm_store_insert(s, &r, "amina", &err) == DM_OK);
    dm_record_clear(&r, dm_store_geo(s));
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT rtreecheck('rtree_releases_geom') = 'ok'"), 1);
    CHECK_EQ_INT(scalar("SELECT count(*) FROM rtree_releases_geom WHERE minx >= 19.9"), 1);
}

static void count_finding(const dm_finding *f, void *ctx)
{
    fprintf(stderr, "    finding: %s %s\n", f->what, f->detail);
    (*(int *)ctx)++;
}

TEST(integrity_check_is_clean_then_sees_tampering)
{
    int findings = 0;
    CHECK(dm_store_check_integrity(s, count_finding, &findings, NULL) == DM_OK);
    CHECK_EQ_INT(findings, 0);
    sqlite3 *db;
    sqlite3_open(fx_db, &db);
    sqlite3_exec(db, "DELETE FROM rtree_hazards_geom WHERE id = 1", NULL, NULL, NULL);
    sqlite3_close(db);
    findings = 0;
    CHECK(dm_store_check_integrity(s, count_finding, &findings, NULL) == DM_OK);
    CHECK(findings >= 1);
}

TEST(opening_files_that_are_not_demine_databases)
{
    dm_error err;
    dm_store *o;
    char path[400];
    snprintf(path, sizeof path, "%s/letter.gpkg", fx_dir);
    FILE *f = fopen(path, "w");
    fputs("not a database at all, just some text that is long enough to be read as a header", f);
    fclose(f);
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_EFORMAT);
    CHECK(strstr(err.msg, "not a demine database") != NULL);
    snprintf(path, sizeof path, "%s/other.sqlite", fx_dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_EFORMAT);
    CHECK(strstr(err.msg, "no demine_meta") != NULL);
    snprintf(path, sizeof path, "%s/missing.gpkg", fx_dir);
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_ENOTFOUND);
    CHECK(strstr(err.msg, "demine init") != NULL);
    CHECK(dm_store_create(fx_db, "x", &o, &err) == DM_ECONFLICT);
}

TEST(read_only_store_refuses_writes)
{
    dm_error err;
    dm_store *ro;
    CHECK(dm_store_open(fx_db, DM_STORE_READ, &ro, &err) == DM_OK);
    CHECK(dm_store_begin(ro, &err) == DM_EREADONLY);
    CHECK_STR(dm_store_owner(ro), "tester");
    dm_store_close(ro);
}

/* ---- scanning, stamps, caches ---- */

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static dm_status insert_victim(dm_store *st, const char *sex, const char *age, const char *state,
                               dm_error *err)
{
    dm_record r;
    dm_record_init(&r, &dm_kind_victims);
    dm_record_set(&r, "status", "injured", NULL);
    dm_record_set(&r, "sex", sex, NULL);
    dm_record_set(&r, "age", age, NULL);
    snprintf(r.state, sizeof r.state, "%s", state);
    dm_status rc = dm_store_insert(st, &r, "amina", err);
    dm_record_clear(&r, dm_store_geo(st));
    return rc;
}

typedef struct scanned {
    int n, stop_after;
    char rows[8][96];
} scanned;

static int collect(const char *code, const char *state, const char *const *v, void *ctx)
{
    scanned *sc = ctx;
    if (sc->n < 8)
        snprintf(sc->rows[sc->n], sizeof sc->rows[0], "%s %s %s %s %s", code, state,
                 v[0] ? v[0] : "-", v[1] ? v[1] : "-", v[2] ? v[2] : "-");
    sc->n++;
    return sc->stop_after && sc->n >= sc->stop_after;
}

static int count_rows(const char *code, const char *state, const char *const *v, void *ctx)
{
    (void)v;
    (*(int *)ctx) += code[0] && state[0];
    return 0;
}

TEST(scan_reads_the_fields_asked_for_and_never_rejected_records)
{
    dm_error err;
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(insert_victim(s, "f", "34", "approved", &err) == DM_OK);  /* VI-0001 */
    CHECK(insert_victim(s, "m", NULL, "submitted", &err) == DM_OK); /* VI-0002 */
    CHECK(insert_victim(s, "m", "12", "rejected", &err) == DM_OK);  /* VI-0003 */
    CHECK(insert_victim(s, "f", "70", "draft", &err) == DM_OK);     /* VI-0004 */
    CHECK(insert_victim(s, "m", "41", "approved", &err) == DM_OK);  /* VI-0005 */
    CHECK(dm_store_commit(s, &err) == DM_OK);
    const char *const fields[] = {"sex", "age", "group"};
    scanned sc = {0};
    CHECK(dm_store_scan(s, &dm_kind_victims, fields, 3, false, collect, &sc, &err) == DM_OK);
    CHECK_EQ_INT(sc.n, 2);
    CHECK_STR(sc.rows[0], "VI-0001 approved f 34 -");
    CHECK_STR(sc.rows[1], "VI-0005 approved m 41 -");
    memset(&sc, 0, sizeof sc);
    CHECK(dm_store_scan(s, &dm_kind_victims, fields, 3, true, collect, &sc, &err) == DM_OK);
    CHECK_EQ_INT(sc.n, 4);
    CHECK_STR(sc.rows[0], "VI-0001 approved f 34 -");
    CHECK_STR(sc.rows[1], "VI-0002 submitted m - -");
    CHECK_STR(sc.rows[2], "VI-0004 draft f 70 -");
    CHECK_STR(sc.rows[3], "VI-0005 approved m 41 -");
    /* the function stops it */
    memset(&sc, 0, sizeof sc);
    sc.stop_after = 1;
    CHECK(dm_store_scan(s, &dm_kind_victims, fields, 3, true, collect, &sc, &err) == DM_OK);
    CHECK_EQ_INT(sc.n, 1);
    /* no fields at all: codes and states */
    int n = 0;
    CHECK(dm_store_scan(s, &dm_kind_victims, NULL, 0, true, count_rows, &n, NULL) == DM_OK);
    CHECK_EQ_INT(n, 4);
}

TEST(scan_names_an_unknown_field)
{
    dm_error err;
    const char *const fields[] = {"sex", "shoe_size"};
    scanned sc = {0};
    CHECK(dm_store_scan(s, &dm_kind_victims, fields, 2, true, collect, &sc, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "shoe_size") != NULL);
    CHECK(strstr(err.msg, "age_group") != NULL); /* and lists the real ones */
    CHECK_EQ_INT(sc.n, 0);
}

static int copy_first(const char *code, const char *state, const char *const *v, void *ctx)
{
    (void)code;
    (void)state;
    snprintf(ctx, 64, "%s", v[0] ? v[0] : "-");
    return 1;
}

TEST(scan_gives_numbers_as_records_do)
{
    dm_error err;
    dm_record r;
    dm_record_init(&r, &dm_kind_eo_items);
    dm_record_set(&r, "category", "AP mine", NULL);
    dm_record_set(&r, "depth_m", "0.1", NULL);
    r.geom = fx_wkt(s, "POINT(17.5 44.5)");
    dm_store_begin(s, NULL);
    CHECK(dm_store_insert(s, &r, "amina", &err) == DM_OK);
    dm_store_commit(s, NULL);
    char code[DM_CODE_MAX];
    snprintf(code, sizeof code, "%s", r.code);
    CHECK(dm_store_get(s, &dm_kind_eo_items, code, &r, &err) == DM_OK);
    const char *const fields[] = {"depth_m"};
    char got[64] = "";
    CHECK(dm_store_scan(s, &dm_kind_eo_items, fields, 1, false, copy_first, got, &err) == DM_OK);
    CHECK_STR(got, dm_record_get(&r, "depth_m"));
    dm_record_clear(&r, dm_store_geo(s));
}

TEST(drafts_mean_all_but_rejected_records_in_counts_and_queries)
{
    int64_t n = 0;
    CHECK(dm_store_count(s, &dm_kind_victims, true, &n, NULL) == DM_OK);
    CHECK_EQ_INT(n, 4);
    CHECK(dm_store_count(s, &dm_kind_victims, false, &n, NULL) == DM_OK);
    CHECK_EQ_INT(n, 2);
    dm_query q = {.kind = &dm_kind_victims, .include_drafts = true};
    dm_cursor *c;
    CHECK(dm_store_query(s, &q, &c, NULL) == DM_OK);
    dm_record r;
    dm_record_init(&r, &dm_kind_victims);
    bool has;
    int rows = 0;
    while (dm_cursor_next(c, &r, &has, NULL) == DM_OK && has) {
        rows++;
        CHECK(strcmp(r.state, "rejected") != 0);
    }
    CHECK_EQ_INT(rows, 4);
    dm_cursor_close(c);
    dm_record_clear(&r, dm_store_geo(s));
}

static const dm_kind *const acc_vic[] = {&dm_kind_accidents, &dm_kind_victims};

static void stamp_of(dm_store *st, char out[DM_STAMP_MAX])
{
    dm_error err;
    if (dm_store_stamp(st, acc_vic, 2, out, &err) != DM_OK) {
        fprintf(stderr, "    stamp: %s\n", err.msg);
        out[0] = 0;
    }
}

TEST(the_stamp_changes_with_every_write_by_any_program)
{
    dm_error err;
    char a[DM_STAMP_MAX], b[DM_STAMP_MAX];
    stamp_of(s, a);
    char want[DM_STAMP_MAX];
    snprintf(want, sizeof want, "accidents:%lld;victims:%lld",
             (long long)scalar("SELECT n FROM demine_stamp WHERE tbl = 'accidents'"),
             (long long)scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'"));
    CHECK_STR(a, want);
    CHECK(scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'") >= 5);
    /* reading changes nothing */
    int64_t n;
    dm_store_count(s, &dm_kind_victims, true, &n, NULL);
    stamp_of(s, b);
    CHECK_STR(b, a);
    /* dm_store_insert */
    dm_store_begin(s, NULL);
    CHECK(insert_victim(s, "u", "20", "approved", &err) == DM_OK); /* VI-0006 */
    dm_store_commit(s, NULL);
    stamp_of(s, b);
    CHECK(strcmp(a, b) != 0);
    /* dm_store_update */
    snprintf(a, sizeof a, "%s", b);
    dm_record r;
    dm_record_init(&r, &dm_kind_victims);
    CHECK(dm_store_get(s, &dm_kind_victims, "VI-0006", &r, &err) == DM_OK);
    dm_record_set(&r, "age", "21", NULL);
    dm_store_begin(s, NULL);
    CHECK(dm_store_update(s, &r, 0, "amina", NULL, &err) == DM_OK);
    dm_store_commit(s, NULL);
    dm_record_clear(&r, dm_store_geo(s));
    stamp_of(s, b);
    CHECK(strcmp(a, b) != 0);
    /* dm_store_set_state */
    snprintf(a, sizeof a, "%s", b);
    dm_store_begin(s, NULL);
    CHECK(dm_store_set_state(s, &dm_kind_victims, "VI-0006", "submitted", NULL, "amina", &err) ==
          DM_OK);
    dm_store_commit(s, NULL);
    stamp_of(s, b);
    CHECK(strcmp(a, b) != 0);
    /* a rolled back write leaves it */
    snprintf(a, sizeof a, "%s", b);
    dm_store_begin(s, NULL);
    CHECK(insert_victim(s, "u", "20", "approved", &err) == DM_OK);
    dm_store_rollback(s);
    stamp_of(s, b);
    CHECK_STR(b, a);
    /* another program (QGIS, GDAL, the sqlite3 shell) edits, then deletes */
    CHECK_EQ_INT(raw_exec(fx_db, "UPDATE victims SET injuries = 'leg' WHERE code = 'VI-0006'"),
                 SQLITE_OK);
    stamp_of(s, b);
    CHECK(strcmp(a, b) != 0);
    snprintf(a, sizeof a, "%s", b);
    CHECK_EQ_INT(raw_exec(fx_db, "DELETE FROM accidents WHERE code = 'nothing'"), SQLITE_OK);
    stamp_of(s, b);
    CHECK_STR(b, a); /* no row deleted: no change */
    int64_t v0 = scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'");
    CHECK_EQ_INT(raw_exec(fx_db, "INSERT INTO victims (code, state) VALUES ('VI-9000', 'draft');"
                                 " DELETE FROM victims WHERE code = 'VI-9000'"),
                 SQLITE_OK);
    stamp_of(s, b);
    /* three: the insert, the update of its version by the trigger that logs
       it (made outside demine), the delete */
    snprintf(want, sizeof want, "accidents:0;victims:%lld", (long long)(v0 + 3));
    CHECK_STR(b, want);
    /* a read-only store sees the same stamp */
    dm_store *ro;
    CHECK(dm_store_open(fx_db, DM_STORE_READ, &ro, &err) == DM_OK);
    stamp_of(ro, a);
    CHECK_STR(a, b);
    dm_store_close(ro);
    CHECK(dm_store_stamp(s, acc_vic, 0, a, &err) == DM_EINVAL);
}

static int64_t trigger_count(const char *name)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name"
             " = '%s'",
             name);
    return scalar(sql);
}

TEST(a_bulk_import_bumps_the_stamp_once_and_keeps_its_triggers)
{
    dm_error err;
    int64_t v0 = scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'");
    /* rolled back: no change, the trigger is back */
    CHECK(dm_store_begin_bulk(s, &dm_kind_victims, &err) == DM_OK);
    CHECK(insert_victim(s, "f", "30", "approved", &err) == DM_OK);
    /* other connections never see the trigger missing */
    CHECK_EQ_INT(trigger_count("demine_stamp_victims_insert"), 1);
    dm_store_rollback(s);
    CHECK_EQ_INT(scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'"), v0);
    CHECK_EQ_INT(trigger_count("demine_stamp_victims_insert"), 1);
    /* committed: one bump for all the rows */
    CHECK(dm_store_begin_bulk(s, &dm_kind_victims, &err) == DM_OK);
    for (int i = 0; i < 50; i++)
        CHECK(insert_victim(s, "f", "30", "approved", &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'"), v0 + 1);
    CHECK_EQ_INT(trigger_count("demine_stamp_victims_insert"), 1);
    /* and the trigger works again */
    dm_store_begin(s, NULL);
    CHECK(insert_victim(s, "f", "30", "approved", &err) == DM_OK);
    dm_store_commit(s, NULL);
    CHECK_EQ_INT(scalar("SELECT n FROM demine_stamp WHERE tbl = 'victims'"), v0 + 2);
    /* a table with geometry: both of its insert triggers come back */
    int64_t h0 = scalar("SELECT n FROM demine_stamp WHERE tbl = 'hazards'");
    CHECK(dm_store_begin_bulk(s, &dm_kind_hazards, &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    dm_store_rollback(s);
    CHECK_EQ_INT(trigger_count("demine_stamp_hazards_insert"), 1);
    CHECK_EQ_INT(trigger_count("rtree_hazards_geom_insert"), 1);
    CHECK_EQ_INT(scalar("SELECT n FROM demine_stamp WHERE tbl = 'hazards'"), h0);
    CHECK(dm_store_begin_bulk(s, &dm_kind_hazards, &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    CHECK(insert_hazard(NULL, "SHA", "approved", &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    CHECK_EQ_INT(scalar("SELECT n FROM demine_stamp WHERE tbl = 'hazards'"), h0 + 1);
    CHECK_EQ_INT(trigger_count("demine_stamp_hazards_insert"), 1);
    CHECK_EQ_INT(trigger_count("rtree_hazards_geom_insert"), 1);
}

typedef struct found {
    int n;
    char what[8][64];
    char detail[8][512];
} found;

static void keep_finding(const dm_finding *f, void *ctx)
{
    found *fd = ctx;
    if (fd->n < 8) {
        snprintf(fd->what[fd->n], sizeof fd->what[0], "%s", f->what);
        snprintf(fd->detail[fd->n], sizeof fd->detail[0], "%s", f->detail);
    }
    fd->n++;
}

static bool has_finding(const found *fd, const char *what, const char *in_detail)
{
    for (int i = 0; i < fd->n && i < 8; i++)
        if (!strcmp(fd->what[i], what) && strstr(fd->detail[i], in_detail))
            return true;
    return false;
}

TEST(integrity_check_sees_a_missing_stamp_trigger)
{
    found fd = {0};
    CHECK(dm_store_check_integrity(s, keep_finding, &fd, NULL) == DM_OK);
    CHECK(!has_finding(&fd, "stamp-triggers", ""));
    CHECK_EQ_INT(raw_exec(fx_db, "DROP TRIGGER demine_stamp_victims_update"), SQLITE_OK);
    memset(&fd, 0, sizeof fd);
    CHECK(dm_store_check_integrity(s, keep_finding, &fd, NULL) == DM_OK);
    CHECK(has_finding(&fd, "stamp-triggers", "victims: 1 of the 3"));
    CHECK_EQ_INT(raw_exec(fx_db, "CREATE TRIGGER demine_stamp_victims_update AFTER UPDATE ON"
                                 " victims BEGIN UPDATE demine_stamp SET n = n + 1 WHERE tbl ="
                                 " 'victims'; END"),
                 SQLITE_OK);
    memset(&fd, 0, sizeof fd);
    CHECK(dm_store_check_integrity(s, keep_finding, &fd, NULL) == DM_OK);
    CHECK(!has_finding(&fd, "stamp-triggers", ""));
}

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    for (size_t i = 0; p && i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
    return p;
}

TEST(a_cache_is_found_only_with_its_stamp)
{
    dm_error err;
    char st0[DM_STAMP_MAX];
    stamp_of(s, st0);
    CHECK(st0[0] != 0);
    size_t n = (size_t)32 << 20; /* a summary of a million records is about that big */
    unsigned char *blob = pattern(n, 7);
    CHECK(dm_store_cache_put(s, "casualty-facts", st0, blob, n, &err) == DM_OK);
    void *data = NULL;
    size_t len = 0;
    CHECK(dm_store_cache_get(s, "casualty-facts", st0, &data, &len, &err) == DM_OK);
    CHECK(data != NULL);
    CHECK_EQ_INT(len, n);
    CHECK(data && len == n && memcmp(data, blob, n) == 0);
    free(data);
    /* another stamp, another name: nothing */
    CHECK(dm_store_cache_get(s, "casualty-facts", "accidents:0;victims:0", &data, &len, &err) ==
          DM_OK);
    CHECK(data == NULL);
    CHECK_EQ_INT(len, 0);
    CHECK(dm_store_cache_get(s, "other", st0, &data, &len, &err) == DM_OK);
    CHECK(data == NULL);
    CHECK(dm_store_cache_get(s, "casualty-facts", "", &data, &len, &err) == DM_OK);
    CHECK(data == NULL);
    /* an empty entry is an entry */
    CHECK(dm_store_cache_put(s, "empty", st0, "", 0, &err) == DM_OK);
    CHECK(dm_store_cache_get(s, "empty", st0, &data, &len, &err) == DM_OK);
    CHECK(data != NULL);
    CHECK_EQ_INT(len, 0);
    free(data);
    /* a record changes: the old entry is stale for the new stamp */
    dm_store_begin(s, NULL);
    CHECK(insert_victim(s, "f", "30", "approved", &err) == DM_OK);
    dm_store_commit(s, NULL);
    char st1[DM_STAMP_MAX];
    stamp_of(s, st1);
    CHECK(dm_store_cache_get(s, "casualty-facts", st1, &data, &len, &err) == DM_OK);
    CHECK(data == NULL);
    /* a put with a stamp that is no longer true keeps nothing */
    CHECK(dm_store_cache_put(s, "casualty-facts", st0, blob, 10, &err) == DM_OK);
    CHECK(dm_store_cache_get(s, "casualty-facts", st0, &data, &len, &err) == DM_OK);
    CHECK(data != NULL && len == n); /* the first entry, untouched */
    free(data);
    CHECK(dm_store_cache_put(s, "casualty-facts", "victims:x", blob, 10, &err) == DM_OK);
    CHECK(dm_store_cache_get(s, "casualty-facts", "victims:x", &data, &len, &err) == DM_OK);
    CHECK(data == NULL);
    /* never inside a transaction */
    dm_store_begin(s, NULL);
    CHECK(dm_store_cache_put(s, "casualty-facts", st1, blob, 10, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "transaction") != NULL);
    dm_store_rollback(s);
    /* the caches are not layers of the GeoPackage */
    CHECK_EQ_INT(scalar("SELECT count(*) FROM gpkg_contents WHERE table_name LIKE 'demine_%'"
                        " AND table_name NOT IN ('demine_meta', 'demine_change_log')"),
                 0);
    free(blob);
}

TEST(a_read_only_store_keeps_a_cache_in_a_writable_file)
{
    dm_error err;
    dm_store *ro;
    CHECK(dm_store_open(fx_db, DM_STORE_READ, &ro, &err) == DM_OK);
    char st[DM_STAMP_MAX];
    stamp_of(ro, st);
    CHECK(st[0] != 0);
    unsigned char *blob = pattern(100000, 3);
    CHECK(dm_store_cache_put(ro, "ro-entry", st, blob, 100000, &err) == DM_OK);
    void *data = NULL;
    size_t len = 0;
    CHECK(dm_store_cache_get(ro, "ro-entry", st, &data, &len, &err) == DM_OK);
    CHECK(data && len == 100000 && memcmp(data, blob, len) == 0);
    free(data);
    CHECK_EQ_INT(scalar("SELECT length(data) FROM demine_cache WHERE name = 'ro-entry'"), 100000);
    dm_store_close(ro);
    /* a file it cannot write: nothing kept, no error (root writes anyway) */
    if (geteuid() != 0) {
        CHECK(chmod(fx_db, 0444) == 0);
        CHECK(dm_store_open(fx_db, DM_STORE_READ, &ro, &err) == DM_OK);
        CHECK(dm_store_cache_put(ro, "ro-denied", st, blob, 10, &err) == DM_OK);
        CHECK(dm_store_cache_get(ro, "ro-denied", st, &data, &len, &err) == DM_OK);
        CHECK(data == NULL);
        dm_store_close(ro);
        chmod(fx_db, 0644);
    }
    free(blob);
}

TEST(a_busy_database_keeps_no_cache_and_does_not_wait_long)
{
    dm_error err;
    dm_store *ro;
    CHECK(dm_store_open(fx_db, DM_STORE_READ, &ro, &err) == DM_OK);
    char st[DM_STAMP_MAX];
    stamp_of(ro, st);
    sqlite3 *other;
    CHECK(sqlite3_open_v2(fx_db, &other, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    time_t t0 = time(NULL);
    CHECK(dm_store_cache_put(ro, "busy", st, "abc", 3, &err) == DM_OK);
    CHECK(dm_store_cache_put(s, "busy", st, "abc", 3, &err) == DM_OK);
    CHECK(time(NULL) - t0 <= 2);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    void *data = (void *)1;
    size_t len = 1;
    CHECK(dm_store_cache_get(ro, "busy", st, &data, &len, &err) == DM_OK);
    CHECK(data == NULL);
    dm_store_close(ro);
}

/* Makes `path` a schema version 1 database: what demine wrote before stamps. */
static int make_v1(const char *path)
{
    dm_store *o;
    if (dm_store_create(path, "old", &o, NULL))
        return 1;
    dm_store_begin(o, NULL);
    dm_record r;
    dm_record_init(&r, &dm_kind_victims);
    dm_record_set(&r, "sex", "f", NULL);
    dm_status st = dm_store_insert(o, &r, "old", NULL);
    dm_record_clear(&r, dm_store_geo(o));
    st = st ? st : dm_store_commit(o, NULL);
    dm_store_close(o);
    if (st)
        return 1;
    char sql[16384] = "BEGIN;";
    for (size_t i = 0; i < dm_kind_count(); i++) {
        const char *t = dm_kind_at(i)->table;
        size_t used = strlen(sql);
        snprintf(sql + used, sizeof sql - used,
                 "DROP TRIGGER demine_stamp_%1$s_insert; DROP TRIGGER demine_stamp_%1$s_update;"
                 " DROP TRIGGER demine_stamp_%1$s_delete;",
                 t);
    }
    fx_strip_v6(sql, sizeof sql);
    size_t used = strlen(sql);
    snprintf(
        sql + used, sizeof sql - used,
        "DROP TABLE demine_stamp; DROP TABLE demine_cache; DROP TABLE demine_users;"
        " DROP TABLE demine_tokens; DROP TABLE demine_pending; DROP TABLE demine_login_failures;"
        " DROP TABLE demine_imports; DROP TABLE demine_import_keys;"
        " UPDATE demine_meta SET value = "
        "'1' WHERE key ="
        " 'schema_version'; COMMIT;");
    return raw_exec(path, sql) != SQLITE_OK;
}

static int64_t scalar_at(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

TEST(a_version_1_database_is_read_as_it_is_and_upgraded_for_writing)
{
    dm_error err;
    char path[400];
    snprintf(path, sizeof path, "%s/v1.gpkg", fx_dir);
    CHECK(make_v1(path) == 0);
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE "
                                 "'demine_stamp%' OR name = 'demine_cache'"),
                 0);
    /* read-only: it works, without stamps or caches, and stays version 1 */
    dm_store *o;
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_OK);
    char st[DM_STAMP_MAX] = "x";
    CHECK(dm_store_stamp(o, acc_vic, 2, st, &err) == DM_OK);
    CHECK_STR(st, "");
    void *data = (void *)1;
    size_t len = 1;
    CHECK(dm_store_cache_get(o, "casualty-facts", "victims:1", &data, &len, &err) == DM_OK);
    CHECK(data == NULL);
    CHECK(dm_store_cache_put(o, "casualty-facts", "victims:1", "abc", 3, &err) == DM_OK);
    int64_t n = 0;
    CHECK(dm_store_count(o, &dm_kind_victims, true, &n, &err) == DM_OK);
    CHECK_EQ_INT(n, 1);
    scanned sc = {0};
    const char *const fields[] = {"sex", "age", "group"};
    CHECK(dm_store_scan(o, &dm_kind_victims, fields, 3, false, collect, &sc, &err) == DM_OK);
    CHECK_STR(sc.rows[0], "VI-0001 approved f - -");
    found fd = {0};
    CHECK(dm_store_check_integrity(o, keep_finding, &fd, &err) == DM_OK);
    CHECK_EQ_INT(fd.n, 0);
    dm_store_close(o);
    CHECK_EQ_INT(scalar_at(path, "SELECT value FROM demine_meta WHERE key = 'schema_version'"), 1);
    /* for writing: upgraded in place, through versions 2, 3 (users), 4
       (changes waiting for approval), 5 (failed logins) and 6 (edits made
       outside demine logged, approved-only views) to version 7 (the import
       log) */
    CHECK(dm_store_open(path, DM_STORE_WRITE, &o, &err) == DM_OK);
    CHECK_EQ_INT(scalar_at(path, "SELECT value FROM demine_meta WHERE key = 'schema_version'"),
                 DM_GPKG_SCHEMA_VERSION);
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND"
                                 " name LIKE 'demine_outside_%'"),
                 3 * (int64_t)dm_kind_count());
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master s JOIN gpkg_contents c ON"
                                 " c.table_name = s.name WHERE s.type = 'view' AND s.name LIKE"
                                 " '%_approved'"),
                 (int64_t)dm_kind_count());
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                 " ('demine_imports', 'demine_import_keys')"),
                 2);
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                 " ('demine_users', 'demine_tokens', 'demine_pending',"
                                 " 'demine_login_failures')"),
                 4);
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND"
                                 " name LIKE 'demine_stamp_%'"),
                 3 * (int64_t)dm_kind_count());
    CHECK_EQ_INT(scalar_at(path, "SELECT count(*) FROM demine_stamp WHERE n = 0"),
                 (int64_t)dm_kind_count());
    CHECK(dm_store_stamp(o, acc_vic, 2, st, &err) == DM_OK);
    CHECK_STR(st, "accidents:0;victims:0");
    dm_store_begin(o, NULL);
    dm_record r;
    dm_record_init(&r, &dm_kind_victims);
    dm_record_set(&r, "sex", "m", NULL);
    CHECK(dm_store_insert(o, &r, "new", &err) == DM_OK);
    dm_record_clear(&r, dm_store_geo(o));
    dm_store_commit(o, NULL);
    CHECK(dm_store_stamp(o, acc_vic, 2, st, &err) == DM_OK);
    CHECK_STR(st, "accidents:0;victims:1");
    CHECK(dm_store_cache_put(o, "c", st, "abc", 3, &err) == DM_OK);
    CHECK(dm_store_cache_get(o, "c", st, &data, &len, &err) == DM_OK);
    CHECK(data && len == 3 && !memcmp(data, "abc", 3));
    free(data);
    memset(&fd, 0, sizeof fd);
    CHECK(dm_store_check_integrity(o, keep_finding, &fd, &err) == DM_OK);
    CHECK_EQ_INT(fd.n, 0);
    dm_store_close(o);
    /* and opening it again changes nothing more */
    CHECK(dm_store_open(path, DM_STORE_WRITE, &o, &err) == DM_OK);
    CHECK(dm_store_stamp(o, acc_vic, 2, st, &err) == DM_OK);
    CHECK_STR(st, "accidents:0;victims:1");
    dm_store_close(o);
    /* a version this demine does not know is refused */
    char sql[128], said[32];
    snprintf(sql, sizeof sql, "UPDATE demine_meta SET value = '%d' WHERE key = 'schema_version'",
             DM_GPKG_SCHEMA_VERSION + 1);
    snprintf(said, sizeof said, "version %d", DM_GPKG_SCHEMA_VERSION + 1);
    CHECK_EQ_INT(raw_exec(path, sql), SQLITE_OK);
    CHECK(dm_store_open(path, DM_STORE_READ, &o, &err) == DM_EFORMAT);
    CHECK(strstr(err.msg, said) != NULL);
    CHECK(dm_store_open(path, DM_STORE_WRITE, &o, &err) == DM_EFORMAT);
}

TEST(extent_comes_from_the_index_of_the_states_asked_for)
{
    char path[400];
    snprintf(path, sizeof path, "%s/extent.gpkg", fx_dir);
    dm_store *e;
    dm_error err;
    CHECK(dm_store_create(path, "tester", &e, &err) == DM_OK);
    double bb[4];
    bool has = true;
    CHECK(dm_store_extent(e, &dm_kind_hazards, false, bb, &has, &err) == DM_OK);
    CHECK(!has); /* no hazards yet */
    CHECK(dm_store_begin(e, &err) == DM_OK);
    const double boxes[][4] = {{17, 17.5, 44, 44.5}, {18, 18.2, 43, 43.1}, {10, 11, 50, 51}};
    const char *states[] = {"approved", "approved", "draft"};
    for (int i = 0; i < 3; i++) {
        dm_record r;
        dm_record_init(&r, &dm_kind_hazards);
        dm_record_set(&r, "status", "SHA", NULL);
        snprintf(r.state, sizeof r.state, "%s", states[i]);
        GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(e));
        GEOSGeometry *g =
            GEOSGeom_createRectangle_r(h, boxes[i][0], boxes[i][2], boxes[i][1], boxes[i][3]);
        r.geom = dm_geo_polygonal(dm_store_geo(e), g);
        dm_geo_destroy(dm_store_geo(e), g);
        CHECK(dm_store_insert(e, &r, "tester", &err) == DM_OK);
        dm_record_clear(&r, dm_store_geo(e));
    }
    CHECK(dm_store_commit(e, &err) == DM_OK);
    /* the index keeps 32-bit bounds, rounded outwards */
    CHECK(dm_store_extent(e, &dm_kind_hazards, false, bb, &has, &err) == DM_OK && has);
    CHECK(bb[0] <= 17 && bb[0] > 16.9999 && bb[1] <= 43 && bb[1] > 42.9999);
    CHECK(bb[2] >= 18.2 && bb[2] < 18.2001 && bb[3] >= 44.5 && bb[3] < 44.5001);
    CHECK(dm_store_extent(e, &dm_kind_hazards, true, bb, &has, &err) == DM_OK && has);
    CHECK(bb[0] <= 10 && bb[0] > 9.9999 && bb[3] >= 51 && bb[3] < 51.0001);
    CHECK(dm_store_extent(e, &dm_kind_victims, true, bb, &has, &err) == DM_OK && !has);
    dm_store_close(e);
}

TEST(date_range_is_the_first_and_last_date_of_the_states_asked_for)
{
    char path[400];
    snprintf(path, sizeof path, "%s/dates.gpkg", fx_dir);
    dm_store *e;
    dm_error err;
    CHECK(dm_store_create(path, "tester", &e, &err) == DM_OK);
    char first[11] = "x", last[11] = "x";
    CHECK(dm_store_date_range(e, &dm_kind_accidents, "date", false, first, last, &err) == DM_OK);
    CHECK_STR(first, ""); /* no accidents yet */
    CHECK_STR(last, "");
    CHECK(dm_store_begin(e, &err) == DM_OK);
    const char *dates[] = {"2003-05-01", "1998-11-30", NULL, "1990-01-01"};
    const char *states[] = {"approved", "approved", "approved", "draft"};
    for (int i = 0; i < 4; i++) {
        dm_record r;
        dm_record_init(&r, &dm_kind_accidents);
        if (dates[i])
            dm_record_set(&r, "date", dates[i], NULL);
        snprintf(r.state, sizeof r.state, "%s", states[i]);
        GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(e));
        r.geom = GEOSGeom_createPointFromXY_r(h, 18, 44);
        CHECK(dm_store_insert(e, &r, "tester", &err) == DM_OK);
        dm_record_clear(&r, dm_store_geo(e));
    }
    CHECK(dm_store_commit(e, &err) == DM_OK);
    CHECK(dm_store_date_range(e, &dm_kind_accidents, "date", false, first, last, &err) == DM_OK);
    CHECK_STR(first, "1998-11-30");
    CHECK_STR(last, "2003-05-01");
    CHECK(dm_store_date_range(e, &dm_kind_accidents, "date", true, first, last, &err) == DM_OK);
    CHECK_STR(first, "1990-01-01");
    CHECK(dm_store_date_range(e, &dm_kind_accidents, "device_model", false, first, last, &err) ==
          DM_EINVAL);
    CHECK(dm_store_date_range(e, &dm_kind_victims, "date", false, first, last, &err) == DM_EINVAL);
    dm_store_close(e);
}

static int last_change(const dm_change *c, void *ctx)
{
    *(dm_change *)ctx = *c;
    return 0;
}

TEST(a_waiting_change_gets_a_new_id_whenever_it_is_proposed_or_amended)
{
    dm_error err;
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(insert_hazard("HA-0700", "SHA", "approved", &err) == DM_OK);
    dm_record r;
    dm_record_init(&r, &dm_kind_hazards);
    CHECK(dm_store_get(s, &dm_kind_hazards, "HA-0700", &r, &err) == DM_OK);
    dm_record_set(&r, "name", "First proposal", NULL);
    CHECK(dm_store_pending_put(s, &dm_kind_hazards, "HA-0700", "replace", &r, 1, "erin",
                               "patch: name", &err) == DM_OK);
    dm_pending p1, p2;
    CHECK(dm_store_pending_get(s, &dm_kind_hazards, "HA-0700", &p1, NULL, &err) == DM_OK);
    CHECK(p1.id > 0);
    /* a partial update waits as the whole record; the log says what was done */
    CHECK_STR(p1.change, "replace");
    dm_change proposed;
    CHECK(dm_store_history(s, &dm_kind_hazards, "HA-0700", last_change, &proposed, &err) == DM_OK);
    CHECK_STR(proposed.action, "propose");
    CHECK_STR(proposed.detail, "patch: name");
    /* amending names the change it amends */
    dm_record_set(&r, "name", "Amended", NULL);
    CHECK(dm_store_pending_amend(s, &dm_kind_hazards, "HA-0700", p1.id + 1000, "replace", &r,
                                 "alma", NULL, &err) == DM_ECONFLICT);
    CHECK(dm_store_pending_amend(s, &dm_kind_hazards, "HA-0700", p1.id, "replace", &r, "alma", NULL,
                                 &err) == DM_OK);
    dm_record got;
    dm_record_init(&got, &dm_kind_hazards);
    CHECK(dm_store_pending_get(s, &dm_kind_hazards, "HA-0700", &p2, &got, &err) == DM_OK);
    CHECK(p2.id > p1.id);
    CHECK_STR(p2.by, "erin"); /* who proposed it and when stay */
    CHECK_STR(p2.at, p1.at);
    CHECK_EQ_INT(p2.base_version, 1);
    CHECK_STR(dm_record_get(&got, "name"), "Amended");
    dm_change last;
    CHECK(dm_store_history(s, &dm_kind_hazards, "HA-0700", last_change, &last, &err) == DM_OK);
    CHECK_STR(last.action, "amend");
    CHECK_STR(last.who, "alma");
    CHECK_STR(last.detail, "replace"); /* no detail given: the change */
    /* withdrawn, then proposed again: never an id used before */
    CHECK(dm_store_pending_delete(s, &dm_kind_hazards, "HA-0700", "withdraw", NULL, "erin", &err) ==
          DM_OK);
    CHECK(dm_store_pending_amend(s, &dm_kind_hazards, "HA-0700", p2.id, "delete", NULL, "erin",
                                 NULL, &err) == DM_ENOTFOUND);
    CHECK(dm_store_pending_put(s, &dm_kind_hazards, "HA-0700", "delete", NULL, 1, "erin", NULL,
                               &err) == DM_OK);
    dm_pending p3;
    CHECK(dm_store_pending_get(s, &dm_kind_hazards, "HA-0700", &p3, NULL, &err) == DM_OK);
    CHECK(p3.id > p2.id);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    dm_record_clear(&r, dm_store_geo(s));
    dm_record_clear(&got, dm_store_geo(s));
}

static dm_status insert_org(const char *code, bool client, char *got, dm_error *err)
{
    dm_record r;
    dm_record_init(&r, &dm_kind_organisations);
    dm_record_set(&r, "name", "Demining team", NULL);
    if (code)
        snprintf(r.code, sizeof r.code, "%s", code);
    r.code_within_numbering = client;
    dm_status st = dm_store_insert(s, &r, "amina", err);
    if (got)
        snprintf(got, DM_CODE_MAX, "%s", r.code);
    dm_record_clear(&r, dm_store_geo(s));
    return st;
}

TEST(codes_follow_the_rules_and_a_client_code_does_not_move_the_numbering)
{
    dm_error err;
    char got[DM_CODE_MAX];
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(insert_org(NULL, false, got, &err) == DM_OK);
    CHECK_STR(got, "OR-0001");
    /* a client's code of the numbered form past the next number: refused */
    CHECK(insert_org("OR-99999", true, NULL, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "past the next number (OR-0002)") != NULL);
    CHECK(insert_org("OR-99999999999999999999", true, NULL, &err) == DM_EINVAL);
    /* the next number itself, or a code of another form: fine */
    CHECK(insert_org("OR-0002", true, NULL, &err) == DM_OK);
    CHECK(insert_org("OR-TUZLA-1", true, NULL, &err) == DM_OK);
    CHECK(insert_org(NULL, false, got, &err) == DM_OK);
    CHECK_STR(got, "OR-0003");
    /* codes that break the rules, whoever inserts them */
    CHECK(insert_org("a/b", false, NULL, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "'/'") != NULL);
    CHECK(insert_org(".hidden", false, NULL, &err) == DM_EINVAL);
    CHECK(insert_org("x<script>", false, NULL, &err) == DM_EINVAL);
    dm_record r;
    dm_record_init(&r, &dm_kind_organisations);
    CHECK(dm_record_set_code(&r, "OR-1\r\n", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "control character (0x0D)") != NULL);
    CHECK(strstr(err.msg, "OR-1??") != NULL);
    CHECK(dm_record_set_code(&r, "OR-123456789012345678901234567890", &err) == DM_EINVAL);
    CHECK_STR(r.code, "");
    CHECK(dm_record_set_code(&r, "OR-2024_a.1", &err) == DM_OK);
    CHECK_STR(r.code, "OR-2024_a.1");
    dm_record_clear(&r, dm_store_geo(s));
    /* an import keeps a source's code and numbers after it, as before */
    CHECK(insert_org("OR-0500", false, NULL, &err) == DM_OK);
    CHECK(insert_org(NULL, false, got, &err) == DM_OK);
    CHECK_STR(got, "OR-0501");
    dm_store_rollback(s);
}

int main(void)
{
    s = fx_new_store();
    if (!s)
        return 1;
    static const t_case cases[] = {
        T(insert_assigns_codes_versions_and_logs),
        T(duplicate_code_is_a_conflict),
        T(rollback_leaves_nothing),
        T(incomplete_records_are_refused),
        T(update_checks_the_version_and_bumps_it),
        T(states_need_a_reason_to_reject_and_are_logged),
        T(queries_see_approved_records_unless_drafts_are_asked_for),
        T(bulk_transactions_fill_the_spatial_index_at_commit),
        T(a_bulk_import_packs_a_valid_spatial_index),
        T(integrity_check_is_clean_then_sees_tampering),
        T(opening_files_that_are_not_demine_databases),
        T(read_only_store_refuses_writes),
        T(scan_reads_the_fields_asked_for_and_never_rejected_records),
        T(scan_names_an_unknown_field),
        T(scan_gives_numbers_as_records_do),
        T(drafts_mean_all_but_rejected_records_in_counts_and_queries),
        T(the_stamp_changes_with_every_write_by_any_program),
        T(a_bulk_import_bumps_the_stamp_once_and_keeps_its_triggers),
        T(integrity_check_sees_a_missing_stamp_trigger),
        T(a_cache_is_found_only_with_its_stamp),
        T(a_read_only_store_keeps_a_cache_in_a_writable_file),
        T(a_busy_database_keeps_no_cache_and_does_not_wait_long),
        T(a_version_1_database_is_read_as_it_is_and_upgraded_for_writing),
        T(extent_comes_from_the_index_of_the_states_asked_for),
        T(date_range_is_the_first_and_last_date_of_the_states_asked_for),
        T(a_waiting_change_gets_a_new_id_whenever_it_is_proposed_or_amended),
        T(codes_follow_the_rules_and_a_client_code_does_not_move_the_numbering),
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    fx_done(s);
    return rc;
}
