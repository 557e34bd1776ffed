/* Settlement plan on a hand-made store: a settlement at (18, 44) and boxes
 * placed in metres east and north of it, so that which hazards are listed,
 * their distances and remaining areas are worked out here. */
#include "analysis/settlement_plan.h"
#include "fixture.h"
#include "harness.h"

#include <math.h>

#define LON 18.0
#define LAT 44.0

static dm_store *s;
static double kx, ky; /* metres per degree at (LON, LAT) */

static void add(const dm_kind *k, const char *code, const char *wkt, const char *f1, const char *v1,
                const char *f2, const char *v2, const char *state)
{
    dm_record r;
    dm_record_init(&r, k);
    dm_record_set_code(&r, code, NULL);
    if (f1)
        dm_record_set(&r, f1, v1, NULL);
    if (f2)
        dm_record_set(&r, f2, v2, NULL);
    snprintf(r.state, sizeof r.state, "%s", state ? state : "approved");
    r.geom = k->geom == DM_GEOM_POLYGON ? fx_multi(s, wkt) : fx_wkt(s, wkt);
    dm_error err;
    if (dm_store_begin(s, &err) || dm_store_insert(s, &r, "tester", &err) ||
        dm_store_commit(s, &err))
        fprintf(stderr, "insert %s: %s\n", code, err.msg);
    dm_record_clear(&r, dm_store_geo(s));
}

/* A box from e0 to e1 metres east and n0 to n1 metres north of the settlement. */
static const char *box(double e0, double e1, double n0, double n1)
{
    return fx_box(LON + e0 / kx, LON + e1 / kx, LAT + n0 / ky, LAT + n1 / ky);
}

static const dm_sp_hazard *find(const dm_settlement_plan *p, const char *code)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->hazards[i].code, code))
            return &p->hazards[i];
    return NULL;
}

static void setup(void)
{
    s = fx_new_store();
    kx = dm_geo_distance_m(LON - 0.0005, LAT, LON + 0.0005, LAT) / 0.001;
    ky = dm_geo_distance_m(LON, LAT - 0.0005, LON, LAT + 0.0005) / 0.001;
    char pt[96];
    snprintf(pt, sizeof pt, "POINT(%.9f %.9f)", LON, LAT);
    add(&dm_kind_settlements, "1001", pt, "name", "Donje Selo", "population", "1200", NULL);
    snprintf(pt, sizeof pt, "POINT(%.9f %.9f)", LON + 0.5, LAT);
    add(&dm_kind_settlements, "1002", pt, "name", "Gornje Selo", "population", "300", NULL);
    add(&dm_kind_settlements, "1003", pt, "name", "gornje selo", NULL, NULL, NULL);
    /* 500 m east, 100 m x 100 m; its west half released */
    add(&dm_kind_hazards, "HA-IN", box(500, 600, -50, 50), "status", "CHA", NULL, NULL, NULL);
    add(&dm_kind_releases, "LR-HALF", box(490, 550, -60, 60), "method", "cleared", "hazard_code",
        "HA-IN", NULL);
    /* a draft release on the rest: not taken away */
    add(&dm_kind_releases, "LR-DRAFT", box(550, 610, -60, 60), "method", "cleared", NULL, NULL,
        "draft");
    /* around the settlement: 0 m */
    add(&dm_kind_hazards, "HA-AROUND", box(-20, 20, -20, 20), "status", "SHA", NULL, NULL, NULL);
    add(&dm_kind_hazards, "HA-OUT", box(1500, 1600, -50, 50), "status", "SHA", NULL, NULL, NULL);
    add(&dm_kind_hazards, "HA-CLOSED", box(300, 400, -50, 50), "status", "SHA", "lifecycle",
        "closed", NULL);
    add(&dm_kind_hazards, "HA-DRAFT", box(300, 400, 100, 200), "status", "SHA", NULL, NULL,
        "draft");
    /* near the road north, 50 m east of it, 1500 and 3500 m out */
    add(&dm_kind_hazards, "HA-ROAD", box(50, 150, 1500, 1600), "status", "SHA", NULL, NULL, NULL);
    add(&dm_kind_hazards, "HA-ROADFAR", box(50, 150, 3500, 3600), "status", "SHA", NULL, NULL,
        NULL);
    /* west, 1500 m out, 300 m from the road */
    add(&dm_kind_hazards, "HA-WEST", box(-400, -300, 1500, 1600), "status", "SHA", NULL, NULL,
        NULL);
}

static void road(void)
{
    char line[200];
    snprintf(line, sizeof line, "LINESTRING(%.9f %.9f, %.9f %.9f)", LON, LAT, LON, LAT + 4000 / ky);
    add(&dm_kind_infrastructure, "IN-R1", line, "type", "road", NULL, NULL, NULL);
    /* a power line the same way: not a road */
    snprintf(line, sizeof line, "LINESTRING(%.9f %.9f, %.9f %.9f)", LON - 400 / kx, LAT,
             LON - 400 / kx, LAT + 4000 / ky);
    add(&dm_kind_infrastructure, "IN-P1", line, "type", "power_line", NULL, NULL, NULL);
}

TEST(find_by_code_and_name)
{
    setup();
    dm_sp_settlement st;
    dm_error err;
    CHECK(dm_settlement_find(s, "1001", &st, &err) == DM_OK);
    CHECK_STR(st.name, "Donje Selo");
    CHECK(st.population == 1200);
    CHECK_NEAR(st.lon, LON, 1e-9);
    CHECK(dm_settlement_find(s, "donje SELO", &st, &err) == DM_OK);
    CHECK_STR(st.code, "1001");
    CHECK(dm_settlement_find(s, "Gornje Selo", &st, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "1002  Gornje Selo  population 300") != NULL);
    CHECK(strstr(err.msg, "1003  gornje selo  population unknown") != NULL);
    CHECK(dm_settlement_find(s, "Selo", &st, &err) == DM_ENOTFOUND);
    CHECK(strstr(err.msg, "'Selo'") != NULL && strstr(err.msg, "names that start") == NULL);
    CHECK(dm_settlement_find(s, "Don", &st, &err) == DM_ENOTFOUND);
    CHECK(strstr(err.msg, "Donje Selo (1001)") != NULL);
    fx_done(s);
}

TEST(buffer_distances_and_remaining)
{
    setup();
    dm_sp_settlement st;
    dm_settlement_plan p;
    dm_error err;
    CHECK(dm_settlement_find(s, "1001", &st, &err) == DM_OK);
    CHECK(dm_settlement_plan_compute(s, &st, 1000, &p, &err) == DM_OK);
    CHECK(p.n == 2 && p.roads == 0);
    const dm_sp_hazard *in = find(&p, "HA-IN"), *around = find(&p, "HA-AROUND");
    CHECK(in && around);
    if (in && around) {
        CHECK_NEAR(in->distance_m, 500, 1e-3);
        CHECK(around->distance_m == 0);
        CHECK_STR(in->status, "CHA");
        CHECK(!in->via_road);
        CHECK_NEAR(in->area_m2, 10000, 2e-3);
        CHECK_NEAR(in->remaining_m2, 5000, 2e-3); /* the draft release does not count */
        CHECK_NEAR(p.total_remaining_m2, in->remaining_m2 + around->remaining_m2, 1e-12);
        CHECK(!strcmp(p.hazards[0].code, "HA-AROUND")); /* nearest first */
    }
    CHECK(!find(&p, "HA-CLOSED") && !find(&p, "HA-DRAFT") && !find(&p, "HA-OUT"));
    dm_settlement_plan_free(&p);
    /* a wider buffer takes in HA-OUT */
    CHECK(dm_settlement_plan_compute(s, &st, 1500.5, &p, &err) == DM_OK);
    CHECK(find(&p, "HA-OUT") != NULL && find(&p, "HA-ROAD") == NULL);
    dm_settlement_plan_free(&p);
    CHECK(dm_settlement_plan_compute(s, &st, 1400, &p, &err) == DM_OK);
    CHECK(find(&p, "HA-OUT") == NULL);
    dm_settlement_plan_free(&p);
    CHECK(dm_settlement_plan_compute(s, &st, -1, &p, &err) == DM_EINVAL);
    fx_done(s);
}

TEST(across_the_road)
{
    setup();
    road();
    dm_sp_settlement st;
    dm_settlement_plan p;
    dm_error err;
    CHECK(dm_settlement_find(s, "1001", &st, &err) == DM_OK);
    CHECK(dm_settlement_plan_compute(s, &st, 1000, &p, &err) == DM_OK);
    CHECK(p.roads == 1); /* the power line is not a road */
    const dm_sp_hazard *r = find(&p, "HA-ROAD");
    CHECK(r != NULL);
    if (r) {
        CHECK(r->via_road);
        CHECK_STR(r->road, "IN-R1");
        CHECK_NEAR(r->road_distance_m, 50, 1e-3);
        CHECK_NEAR(r->distance_m, hypot(50, 1500), 1e-3);
        CHECK(!strcmp(p.hazards[p.n - 1].code, "HA-ROAD")); /* after the buffer's */
        CHECK_NEAR(p.road_remaining_m2, r->remaining_m2, 1e-12);
    }
    /* beyond 3 buffers, 300 m from the road, or off the road: not listed */
    CHECK(!find(&p, "HA-ROADFAR") && !find(&p, "HA-WEST") && !find(&p, "HA-OUT"));
    CHECK(p.n == 3);
    dm_settlement_plan_free(&p);
    /* a buffer of 1200: 3 buffers reach HA-ROADFAR */
    CHECK(dm_settlement_plan_compute(s, &st, 1200, &p, &err) == DM_OK);
    CHECK(find(&p, "HA-ROADFAR") != NULL);
    dm_settlement_plan_free(&p);
    fx_done(s);
}

RUN(T(find_by_code_and_name), T(buffer_distances_and_remaining), T(across_the_road))
