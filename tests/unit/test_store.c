/* The GeoPackage store: the write path, versions, change log, states,
 * reading, and what it says about files that are not demine databases. */
#include "fixture.h"
#include "harness.h"

#include <sqlite3.h>
#include <sys/stat.h>

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
    CHECK(dm_store_update(s, &r, 1, "amina", &err) == DM_OK);
    CHECK_EQ_INT(r.version, 2);
    CHECK(dm_store_update(s, &r, 1, "boris", &err) == DM_ECONFLICT);
    CHECK(strstr(err.msg, "changed by someone else") != NULL);
    dm_store_commit(s, NULL);
    CHECK_EQ_INT(scalar("SELECT version FROM hazards WHERE code='HA-0002' AND name='Canal bank'"),
                 2);
    snprintf(r.code, sizeof r.code, "HA-9999");
    dm_store_begin(s, NULL);
    CHECK(dm_store_update(s, &r, 0, "amina", &err) == DM_ENOTFOUND);
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
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    fx_done(s);
    return rc;
}
