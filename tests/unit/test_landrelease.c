/* Land release on hand-made boxes whose answers are worked out here by a
 * different route: areas of the boxes that each figure must equal. */
#include "analysis/landrelease.h"
#include "fixture.h"
#include "harness.h"

#include <math.h>

#define Y0 44.00
#define Y1 44.02

static dm_store *s;

static double box_area(double x0, double x1)
{
    GEOSGeometry *g = fx_wkt(s, fx_box(x0, x1, Y0, Y1));
    double a = dm_geo_area_m2(dm_store_geo(s), g);
    dm_geo_destroy(dm_store_geo(s), g);
    return a;
}

static void add(const dm_kind *k, const char *wkt, const char *f1, const char *v1, const char *f2,
                const char *v2, const char *state)
{
    dm_record r;
    dm_record_init(&r, k);
    if (f1)
        dm_record_set(&r, f1, v1, NULL);
    if (f2)
        dm_record_set(&r, f2, v2, NULL);
    snprintf(r.state, sizeof r.state, "%s", state);
    r.geom = fx_multi(s, wkt);
    dm_error err;
    if (dm_store_insert(s, &r, "tester", &err))
        fprintf(stderr, "insert: %s\n", err.msg);
    dm_record_clear(&r, dm_store_geo(s));
}

static void setup(void)
{
    s = fx_new_store();
    dm_store_begin(s, NULL);
    /* two overlapping hazards: union 17.00..17.03 */
    add(&dm_kind_hazards, fx_box(17.00, 17.02, Y0, Y1), "status", "SHA", NULL, NULL, "approved");
    add(&dm_kind_hazards, fx_box(17.01, 17.03, Y0, Y1), "status", "CHA", NULL, NULL, "approved");
    /* a draft hazard far away */
    add(&dm_kind_hazards, fx_box(18.00, 18.01, Y0, Y1), "status", "SHA", NULL, NULL, "submitted");
    add(&dm_kind_releases, fx_box(17.00, 17.01, Y0, Y1), "method", "cleared", "date", "2020-05-01",
        "approved");
    add(&dm_kind_releases, fx_box(17.005, 17.015, Y0, Y1), "method", "reduced", "date",
        "2019-03-01", "approved");
    /* half outside the hazards */
    add(&dm_kind_releases, fx_box(17.025, 17.04, Y0, Y1), "method", "cancelled", "date",
        "2021-01-01", "approved");
    add(&dm_kind_admin_areas, fx_box(16.9, 17.02, 43.9, 44.1), "name", "West", "level", "3",
        "approved");
    add(&dm_kind_admin_areas, fx_box(17.02, 17.2, 43.9, 44.1), "name", "East", "level", "3",
        "approved");
    dm_store_commit(s, NULL);
}

TEST(totals_follow_the_definitions)
{
    dm_lr_opts o = {0};
    dm_landrelease lr;
    CHECK(dm_landrelease_compute(s, &o, &lr, NULL) == DM_OK);
    CHECK_NEAR(lr.total.hazard_area_m2, box_area(17.00, 17.03), 1e-6);
    CHECK_NEAR(lr.total.released.cleared, box_area(17.00, 17.01), 1e-6);
    CHECK_NEAR(lr.total.released.reduced, box_area(17.01, 17.015), 1e-6);
    /* released land counts whether or not a hazard still covers it */
    CHECK_NEAR(lr.total.released.cancelled, box_area(17.025, 17.04), 1e-6);
    CHECK_NEAR(lr.total.remaining_area_m2, box_area(17.015, 17.025), 1e-6);
    CHECK_NEAR(lr.total.recorded_area_m2, box_area(17.00, 17.04), 1e-6);
    CHECK_NEAR(lr.total.released_inside_hazards_m2,
               box_area(17.00, 17.015) + box_area(17.025, 17.03), 1e-6);
    CHECK_EQ_INT(lr.total.hazard_count, 2);
    CHECK_EQ_INT(lr.total.releases.n, 3);
    dm_landrelease_free(&lr);
}

TEST(drafts_count_only_when_asked)
{
    dm_lr_opts o = {.include_drafts = true};
    dm_landrelease lr;
    CHECK(dm_landrelease_compute(s, &o, &lr, NULL) == DM_OK);
    CHECK_EQ_INT(lr.total.hazard_count, 3);
    CHECK_NEAR(lr.total.hazard_area_m2, box_area(17.00, 17.03) + box_area(18.00, 18.01), 1e-6);
    dm_landrelease_free(&lr);
}

TEST(grouping_by_admin_clips_every_figure)
{
    dm_lr_opts o = {.by = DM_LR_BY_ADMIN};
    dm_landrelease lr;
    CHECK(dm_landrelease_compute(s, &o, &lr, NULL) == DM_OK);
    CHECK_EQ_INT(lr.ngroups, 2);
    CHECK_EQ_INT(lr.admin_level, 3);
    const dm_lr_figures *w = &lr.groups[0], *e = &lr.groups[1];
    CHECK_STR(w->name, "West");
    CHECK_NEAR(w->hazard_area_m2, box_area(17.00, 17.02), 1e-6);
    CHECK_NEAR(w->released.cleared, box_area(17.00, 17.01), 1e-6);
    CHECK_NEAR(w->released.reduced, box_area(17.01, 17.015), 1e-6);
    CHECK_NEAR(w->released.cancelled, 0, 1e-9);
    CHECK_NEAR(w->remaining_area_m2, box_area(17.015, 17.02), 1e-6);
    CHECK_EQ_INT(w->hazard_count, 2);
    CHECK_NEAR(e->hazard_area_m2, box_area(17.02, 17.03), 1e-6);
    CHECK_NEAR(e->released.cancelled, box_area(17.025, 17.04), 1e-6);
    CHECK_NEAR(e->remaining_area_m2, box_area(17.02, 17.025), 1e-6);
    CHECK_NEAR(e->recorded_area_m2, box_area(17.02, 17.04), 1e-6);
    CHECK_NEAR(e->released_inside_hazards_m2, box_area(17.025, 17.03), 1e-6);
    CHECK_NEAR(w->released_inside_hazards_m2, box_area(17.00, 17.015), 1e-6);
    /* HA-0001 only touches East at 17.02: it does not count there */
    CHECK_EQ_INT(e->hazard_count, 1);
    dm_landrelease_free(&lr);
}

TEST(grouping_by_year_counts_each_m2_once_and_tracks_what_remains)
{
    dm_lr_opts o = {.by = DM_LR_BY_YEAR};
    dm_landrelease lr;
    CHECK(dm_landrelease_compute(s, &o, &lr, NULL) == DM_OK);
    CHECK_EQ_INT(lr.ngroups, 3);
    CHECK_STR(lr.groups[0].key, "2019");
    CHECK_NEAR(lr.groups[0].released.reduced, box_area(17.01, 17.015), 1e-6);
    CHECK_NEAR(lr.groups[1].released.cleared, box_area(17.00, 17.01), 1e-6);
    CHECK_NEAR(lr.groups[2].released.cancelled, box_area(17.025, 17.04), 1e-6);
    CHECK_NEAR(lr.groups[2].released_inside_hazards_m2, box_area(17.025, 17.03), 1e-6);
    /* 2020's clearance took 17.005..17.01 from 2019's reduction (cleared first) */
    CHECK_NEAR(lr.groups[1].released_inside_hazards_m2, box_area(17.00, 17.01), 1e-6);
    CHECK_NEAR(lr.groups[0].recorded_area_m2, lr.total.recorded_area_m2, 1e-9);
    /* end of 2019: H minus the reduced strip 17.005..17.015 */
    CHECK_NEAR(lr.groups[0].remaining_area_m2, box_area(17.00, 17.005) + box_area(17.015, 17.03),
               1e-6);
    CHECK_NEAR(lr.groups[1].remaining_area_m2, box_area(17.015, 17.03), 1e-6);
    CHECK_NEAR(lr.groups[2].remaining_area_m2, lr.total.remaining_area_m2, 1e-9);
    dm_landrelease_free(&lr);
}

TEST(json_has_the_stable_keys)
{
    dm_lr_opts o = {.by = DM_LR_BY_ORGANISATION};
    dm_landrelease lr;
    CHECK(dm_landrelease_compute(s, &o, &lr, NULL) == DM_OK);
    dm_buf b;
    dm_buf_init(&b, 0);
    CHECK(dm_landrelease_json(&lr, true, &b) == DM_OK);
    CHECK(strstr(b.data, "\"hazard_area_m2\"") && strstr(b.data, "\"released_area_m2\": {") &&
          strstr(b.data, "\"cancelled\"") && strstr(b.data, "\"remaining_area_m2\"") &&
          strstr(b.data, "\"hazard_count\"") && strstr(b.data, "\"groups\"") &&
          strstr(b.data, "\"recorded_area_m2\"") &&
          strstr(b.data, "\"released_inside_hazards_m2\""));
    /* releases have no organisation: one "unknown" group without hazard area */
    CHECK(strstr(b.data,
                 "{\"key\": \"unknown\", \"name\": \"unknown\", \"hazard_area_m2\": null") != NULL);
    CHECK(strstr(b.data, "\"recorded_area_m2\": null") != NULL);
    dm_buf_free(&b);
    dm_landrelease_free(&lr);
}

/* Several groupings from one overlay give, byte for byte, what each gives
 * on its own (the JSON with the codes behind every figure). */
TEST(groupings_computed_together_are_those_computed_alone)
{
    const dm_lr_opts o[] = {{.by = DM_LR_BY_MONTH},
                            {.by = DM_LR_BY_ADMIN},
                            {.by = DM_LR_TOTAL},
                            {.by = DM_LR_BY_ORGANISATION},
                            {.by = DM_LR_BY_YEAR}};
    const size_t n = sizeof o / sizeof o[0];
    dm_landrelease many[5];
    CHECK(dm_landrelease_compute_many(s, o, n, many, NULL) == DM_OK);
    for (size_t i = 0; i < n; i++) {
        dm_landrelease one;
        CHECK(dm_landrelease_compute(s, &o[i], &one, NULL) == DM_OK);
        dm_buf a, b;
        dm_buf_init(&a, 0);
        dm_buf_init(&b, 0);
        CHECK(dm_landrelease_json(&many[i], true, &a) == DM_OK);
        CHECK(dm_landrelease_json(&one, true, &b) == DM_OK);
        CHECK(a.len > 100 && a.len == b.len && !memcmp(a.data, b.data, a.len));
        CHECK(many[i].by == o[i].by);
        dm_buf_free(&a);
        dm_buf_free(&b);
        dm_landrelease_free(&one);
        dm_landrelease_free(&many[i]);
    }
    /* the groupings of one call take the same records */
    const dm_lr_opts mixed[] = {{.by = DM_LR_TOTAL},
                                {.by = DM_LR_BY_ADMIN, .include_drafts = true}};
    dm_error err;
    CHECK(dm_landrelease_compute_many(s, mixed, 2, many, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "same records") != NULL);
}

/* ---- a scope: period, admin area, organisation ---- */

static dm_status scoped(const char *since, const char *until, const char *admin, const char *org,
                        dm_landrelease *lr)
{
    dm_lr_opts o = {0};
    dm_error err;
    if (dm_scope_set_period(&o.scope, since, until, "since", "until", &err) ||
        dm_scope_set_where(&o.scope, admin, org, &err))
        return DM_EINVAL;
    return dm_landrelease_compute(s, &o, lr, &err);
}

TEST(a_period_counts_the_union_of_its_releases_and_what_remains_at_its_end)
{
    dm_landrelease lr;
    CHECK(scoped("2019-01-01", "2019-12-31", NULL, NULL, &lr) == DM_OK);
    /* the whole reduction of 2019, though 2020's clearance later took half */
    CHECK_NEAR(lr.total.released.reduced, box_area(17.005, 17.015), 1e-6);
    CHECK_NEAR(lr.total.released.total, box_area(17.005, 17.015), 1e-6);
    CHECK_EQ_INT(lr.total.releases.n, 1);
    CHECK_NEAR(lr.total.remaining_area_m2, box_area(17.00, 17.005) + box_area(17.015, 17.03), 1e-6);
    CHECK_NEAR(lr.total.recorded_area_m2, box_area(17.00, 17.03), 1e-6);
    CHECK_NEAR(lr.total.hazard_area_m2, box_area(17.00, 17.03), 1e-6);
    dm_landrelease_free(&lr);
    CHECK(scoped("2020-05-01", "2020-05-01", NULL, NULL, &lr) == DM_OK);
    CHECK_NEAR(lr.total.released.cleared, box_area(17.00, 17.01), 1e-6);
    CHECK_NEAR(lr.total.released.reduced, 0, 1e-9);
    CHECK_NEAR(lr.total.remaining_area_m2, box_area(17.015, 17.03), 1e-6);
    dm_landrelease_free(&lr);
    /* a period with no release: nothing released, what remained then */
    CHECK(scoped("2018-01-01", "2018-12-31", NULL, NULL, &lr) == DM_OK);
    CHECK_NEAR(lr.total.released.total, 0, 1e-9);
    CHECK_NEAR(lr.total.remaining_area_m2, box_area(17.00, 17.03), 1e-6);
    dm_landrelease_free(&lr);
}

TEST(an_admin_area_clips_every_figure)
{
    dm_landrelease lr;
    CHECK(scoped(NULL, NULL, "AD-0002", NULL, &lr) == DM_OK);
    CHECK_STR(lr.admin_name, "East");
    CHECK_NEAR(lr.total.hazard_area_m2, box_area(17.02, 17.03), 1e-6);
    CHECK_NEAR(lr.total.released.cancelled, box_area(17.025, 17.04), 1e-6);
    CHECK_NEAR(lr.total.released.total, box_area(17.025, 17.04), 1e-6);
    CHECK_NEAR(lr.total.remaining_area_m2, box_area(17.02, 17.025), 1e-6);
    CHECK_EQ_INT(lr.total.hazard_count, 1); /* HA-0001 only touches East */
    CHECK_EQ_INT(lr.total.releases.n, 1);
    dm_landrelease_free(&lr);
    CHECK(scoped("2020-01-01", "2020-12-31", "AD-0001", NULL, &lr) == DM_OK);
    CHECK_NEAR(lr.total.released.cleared, box_area(17.00, 17.01), 1e-6);
    CHECK_NEAR(lr.total.remaining_area_m2, box_area(17.015, 17.02), 1e-6);
    CHECK_NEAR(lr.total.hazard_area_m2, box_area(17.00, 17.02), 1e-6);
    dm_landrelease_free(&lr);
    CHECK(scoped(NULL, NULL, "AD-0999", NULL, &lr) == DM_ENOTFOUND);
}

TEST(an_organisation_keeps_its_releases_and_has_no_hazard_figures)
{
    dm_landrelease lr;
    CHECK(scoped(NULL, NULL, NULL, "Nobody", &lr) == DM_OK);
    CHECK_EQ_INT(lr.total.releases.n, 0);
    CHECK_NEAR(lr.total.released.total, 0, 1e-9);
    CHECK(isnan(lr.total.remaining_area_m2) && isnan(lr.total.hazard_area_m2));
    CHECK_EQ_INT(lr.total.hazard_count, -1);
    dm_buf b;
    dm_buf_init(&b, 0);
    CHECK(dm_landrelease_json(&lr, false, &b) == DM_OK);
    CHECK(strstr(b.data, "\"organisation\": \"Nobody\"") && strstr(b.data, "\"since\": null"));
    dm_buf_free(&b);
    dm_landrelease_free(&lr);
}

TEST(a_scope_rejects_bad_limits)
{
    dm_scope sc = {0};
    dm_error err;
    CHECK(dm_scope_set_period(&sc, "2020-02-30", NULL, "--since", "--until", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "--since 2020-02-30") != NULL);
    CHECK(dm_scope_set_period(&sc, "2021-01-01", "2020-01-01", "--since", "--until", &err) ==
          DM_EINVAL);
    CHECK(strstr(err.msg, "after") != NULL);
    CHECK(!dm_scope_dated(&sc)); /* nothing changed */
    CHECK(dm_scope_set_period(&sc, "01.03.2024", "2024-03-31", "since", "until", NULL) == DM_OK);
    CHECK_STR(sc.since, "2024-03-01");
    CHECK(dm_scope_date_in(&sc, "2024-03-31") && !dm_scope_date_in(&sc, "2024-04-01") &&
          !dm_scope_date_in(&sc, NULL));
}

int main(void)
{
    setup();
    if (!s)
        return 1;
    static const t_case cases[] = {
        T(totals_follow_the_definitions),
        T(drafts_count_only_when_asked),
        T(grouping_by_admin_clips_every_figure),
        T(grouping_by_year_counts_each_m2_once_and_tracks_what_remains),
        T(json_has_the_stable_keys),
        T(groupings_computed_together_are_those_computed_alone),
        T(a_period_counts_the_union_of_its_releases_and_what_remains_at_its_end),
        T(an_admin_area_clips_every_figure),
        T(an_organisation_keeps_its_releases_and_has_no_hazard_figures),
        T(a_scope_rejects_bad_limits),
    };
    int rc = t_run(cases, sizeof cases / sizeof cases[0]);
    fx_done(s);
    return rc;
}
