/* Priority on hand-made stores whose answers are worked out here: pairs of
 * identical hazards that differ in one thing, and the values of each factor
 * from the formula in analysis/priority.h. */
#include "analysis/priority.h"
#include "fixture.h"
#include "harness.h"

#ifndef DM_SOURCE_DIR
#define DM_SOURCE_DIR "."
#endif
#define FIGURES DM_SOURCE_DIR "/data/aze/productivity_and_cost.csv"

#define Y0 44.000
#define Y1 44.001 /* boxes about 80 m x 111 m */

static dm_store *s;

static void add(const dm_kind *k, const char *code, const char *wkt, const char *f1, const char *v1,
                const char *f2, const char *v2, const char *state)
{
    dm_record r;
    dm_record_init(&r, k);
    if (code)
        dm_record_set_code(&r, code, NULL);
    if (f1)
        dm_record_set(&r, f1, v1, NULL);
    if (f2)
        dm_record_set(&r, f2, v2, NULL);
    snprintf(r.state, sizeof r.state, "%s", state ? state : "approved");
    if (wkt)
        r.geom = k->geom == DM_GEOM_POLYGON ? fx_multi(s, wkt) : fx_wkt(s, wkt);
    dm_error err;
    if (dm_store_begin(s, &err) || dm_store_insert(s, &r, "tester", &err) ||
        dm_store_commit(s, &err))
        fprintf(stderr, "insert %s: %s\n", code ? code : "", err.msg);
    dm_record_clear(&r, dm_store_geo(s));
}

static void hazard(const char *code, double x0, const char *status)
{
    add(&dm_kind_hazards, code, fx_box(x0, x0 + 0.001, Y0, Y1), "status", status, NULL, NULL, NULL);
}

/* A point m metres east of (lon, lat). */
static const char *east_of(double lon, double lat, double m)
{
    static char buf[2][96];
    static int k;
    k = !k;
    double kx = dm_geo_distance_m(lon, lat, lon + 0.001, lat) / 0.001;
    snprintf(buf[k], sizeof buf[k], "POINT(%.9f %.9f)", lon + m / kx, lat);
    return buf[k];
}

static const dm_priority_item *find(const dm_priority *p, const char *code, size_t *rank)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->items[i].code, code)) {
            if (rank)
                *rank = i + 1;
            return &p->items[i];
        }
    return NULL;
}

static bool run(dm_priority *p, const dm_priority_weights *w_in)
{
    dm_priority_weights w;
    if (w_in)
        w = *w_in;
    else
        dm_priority_weights_default(&w);
    dm_error err;
    if (dm_priority_compute(s, &w, NULL, "2025-06-01", true, p, &err)) {
        fprintf(stderr, "priority: %s\n", err.msg);
        return false;
    }
    return true;
}

TEST(settlement_near_outranks_far)
{
    s = fx_new_store();
    hazard("HA-NEAR", 18.000, "SHA");
    hazard("HA-FAR", 18.500, "SHA");
    /* 300 m east of the near one's east edge, 2000 people */
    add(&dm_kind_settlements, "3190000", east_of(18.001, 44.0005, 300), "name", "Selo",
        "population", "2000", NULL);
    /* a place of unknown population 1000 m east of the far one: counts as 500 */
    add(&dm_kind_settlements, "3190001", east_of(18.501, 44.0005, 1000), "name", "Zaselak", NULL,
        NULL, NULL);
    dm_priority p;
    CHECK(run(&p, NULL));
    size_t rn = 0, rf = 0;
    const dm_priority_item *near = find(&p, "HA-NEAR", &rn), *far = find(&p, "HA-FAR", &rf);
    CHECK(near && far);
    if (near && far) {
        CHECK(rn < rf);
        CHECK(near->score > far->score);
        /* (2000 / 1000)^0.5 x (1 - 300 / 5000) */
        CHECK_NEAR(near->f[DM_PF_SETTLEMENTS].value, sqrt(2.0) * (1 - 300.0 / 5000), 1e-3);
        CHECK_NEAR(far->f[DM_PF_SETTLEMENTS].value, sqrt(0.5) * (1 - 1000.0 / 5000), 1e-3);
        CHECK_EQ_INT(near->f[DM_PF_SETTLEMENTS].nrefs, 1);
        if (near->f[DM_PF_SETTLEMENTS].nrefs) {
            CHECK_STR(near->f[DM_PF_SETTLEMENTS].refs[0].code, "3190000");
            CHECK_NEAR(near->f[DM_PF_SETTLEMENTS].refs[0].distance_m, 300, 1e-3);
        }
        /* score = 1 x settlements / (1 + w_effort x hectares) (no effort basis given) */
        CHECK_NEAR(near->score,
                   near->f[DM_PF_SETTLEMENTS].value /
                       (1 + near->f[DM_PF_EFFORT].weight * near->area_m2 / 10000),
                   1e-9);
    }
    /* a linear population term (power 1): 2000 / 1000 x (1 - 300 / 5000) */
    dm_priority_free(&p);
    dm_priority_weights w;
    dm_priority_weights_default(&w);
    w.settlement_population_power = 1;
    CHECK(run(&p, &w));
    near = find(&p, "HA-NEAR", NULL);
    CHECK(near && fabs(near->f[DM_PF_SETTLEMENTS].value - 2.0 * (1 - 300.0 / 5000)) < 1e-3);
    dm_priority_free(&p);
    /* beyond 5000 m: nothing */
    dm_priority_weights_default(&w);
    w.settlement_distance_m = 250;
    CHECK(run(&p, &w));
    near = find(&p, "HA-NEAR", NULL);
    CHECK(near && near->f[DM_PF_SETTLEMENTS].value == 0 && near->f[DM_PF_SETTLEMENTS].nrefs == 0);
    dm_priority_free(&p);
    fx_done(s);
}

TEST(recent_casualties_outrank_old)
{
    s = fx_new_store();
    hazard("HA-RECENT", 18.000, "SHA");
    hazard("HA-OLD", 18.500, "SHA");
    hazard("HA-NONE", 19.000, "SHA");
    /* inside the first, a year before the as-of date, two victims */
    add(&dm_kind_accidents, "IN-1", "POINT(18.0005 44.0005)", "date", "2024-06-01", NULL, NULL,
        NULL);
    add(&dm_kind_victims, NULL, NULL, "accident_code", "IN-1", "status", "killed", NULL);
    add(&dm_kind_victims, NULL, NULL, "accident_code", "IN-1", "status", "injured", NULL);
    /* a rejected victim does not count */
    add(&dm_kind_victims, NULL, NULL, "accident_code", "IN-1", "status", "injured", "rejected");
    /* 500 m east of the second, 21 years before, two victims */
    add(&dm_kind_accidents, "IN-2", east_of(18.501, 44.0005, 500), "date", "2004-06-01", NULL, NULL,
        NULL);
    add(&dm_kind_victims, NULL, NULL, "accident_code", "IN-2", "status", "killed", NULL);
    add(&dm_kind_victims, NULL, NULL, "accident_code", "IN-2", "status", "killed", NULL);
    /* 1200 m east of the third: too far (1000 m) */
    add(&dm_kind_accidents, "IN-3", east_of(19.001, 44.0005, 1200), "date", "2024-06-01", NULL,
        NULL, NULL);
    dm_priority p;
    CHECK(run(&p, NULL));
    size_t rr = 0, ro = 0, rn = 0;
    const dm_priority_item *recent = find(&p, "HA-RECENT", &rr), *old = find(&p, "HA-OLD", &ro),
                           *none = find(&p, "HA-NONE", &rn);
    CHECK(recent && old && none);
    if (recent && old && none) {
        CHECK(rr < ro && ro < rn);
        CHECK_NEAR(recent->f[DM_PF_CASUALTIES].value, 2 * pow(0.5, 365 / 365.25 / 5), 1e-9);
        CHECK_NEAR(old->f[DM_PF_CASUALTIES].value, 2 * pow(0.5, 7670 / 365.25 / 5), 1e-9);
        CHECK(none->f[DM_PF_CASUALTIES].value == 0);
        CHECK_EQ_INT(old->f[DM_PF_CASUALTIES].nrefs, 1);
        if (old->f[DM_PF_CASUALTIES].nrefs)
            CHECK_NEAR(old->f[DM_PF_CASUALTIES].refs[0].distance_m, 500, 1e-3);
        if (recent->f[DM_PF_CASUALTIES].nrefs)
            CHECK(recent->f[DM_PF_CASUALTIES].refs[0].distance_m == 0);
    }
    dm_priority_free(&p);
    fx_done(s);
}

TEST(cha_outranks_sha_and_small_outranks_large)
{
    s = fx_new_store();
    hazard("HA-SHA", 18.000, "SHA");
    hazard("HA-CHA", 18.500, "CHA");
    /* a CHA four times as large */
    add(&dm_kind_hazards, "HA-BIG", fx_box(19.0, 19.002, Y0, Y0 + 0.002), "status", "CHA", NULL,
        NULL, NULL);
    /* closed and draft hazards are not ranked */
    add(&dm_kind_hazards, "HA-CLOSED", fx_box(19.5, 19.501, Y0, Y1), "status", "CHA", "lifecycle",
        "closed", NULL);
    add(&dm_kind_hazards, "HA-DRAFT", fx_box(19.6, 19.601, Y0, Y1), "status", "CHA", NULL, NULL,
        "draft");
    dm_priority p;
    CHECK(run(&p, NULL));
    CHECK_EQ_INT(p.n, 3);
    CHECK(!find(&p, "HA-CLOSED", NULL) && !find(&p, "HA-DRAFT", NULL));
    size_t rs = 0, rc = 0, rb = 0;
    const dm_priority_item *sha = find(&p, "HA-SHA", &rs), *cha = find(&p, "HA-CHA", &rc),
                           *big = find(&p, "HA-BIG", &rb);
    CHECK(sha && cha && big);
    if (sha && cha && big) {
        CHECK(rc < rb && rb < rs);
        CHECK(cha->f[DM_PF_EVIDENCE].value == 1 && sha->f[DM_PF_EVIDENCE].value == 0);
        double ha = cha->area_m2 / 10000;
        CHECK_NEAR(cha->score, 5 / (1 + cha->f[DM_PF_EFFORT].weight * ha), 1e-12);
        CHECK_NEAR(big->area_m2, 4 * cha->area_m2, 1e-3);
        CHECK_NEAR(cha->f[DM_PF_EFFORT].value, ha, 1e-12);
    }
    dm_priority_free(&p);
    fx_done(s);
}

TEST(items_and_infrastructure)
{
    s = fx_new_store();
    hazard("HA-1", 18.000, "SHA");
    add(&dm_kind_eo_items, "EO-1", "POINT(18.0002 44.0002)", "category", "AP", "quantity", "3",
        NULL);
    add(&dm_kind_eo_items, "EO-2", "POINT(18.0008 44.0008)", "category", "AT", NULL, NULL, NULL);
    add(&dm_kind_eo_items, "EO-3", east_of(18.001, 44.0005, 20), "category", "AT", NULL, NULL,
        NULL);
    /* a road 200 m east (north-south), a school 600 m east (too far) */
    char road[200];
    double kx = dm_geo_distance_m(18.001, 44.0005, 18.002, 44.0005) / 0.001;
    snprintf(road, sizeof road, "LINESTRING(%.9f 43.99, %.9f 44.01)", 18.001 + 200 / kx,
             18.001 + 200 / kx);
    add(&dm_kind_infrastructure, "IF-ROAD", road, "type", "road", NULL, NULL, NULL);
    add(&dm_kind_infrastructure, "IF-SCHOOL", east_of(18.001, 44.0005, 600), "type", "school", NULL,
        NULL, NULL);
    /* a field (a polygon: measured by GEOS) 100 m west, a canal 50 m south
       (a line of several parts), no type (other) inside */
    char field[300], canal[300];
    double w = 18.0 - 100 / kx;
    snprintf(field, sizeof field,
             "POLYGON((%.9f 44.0, %.9f 44.0, %.9f 44.001, %.9f 44.001, %.9f 44.0))", w - 0.001, w,
             w, w - 0.001, w - 0.001);
    add(&dm_kind_infrastructure, "IF-FIELD", field, "type", "farmland", NULL, NULL, NULL);
    double ky = dm_geo_distance_m(18.0005, 44.0, 18.0005, 44.001) / 0.001;
    snprintf(canal, sizeof canal, "MULTILINESTRING((17.99 %.9f, 18.01 %.9f))", 44.0 - 50 / ky,
             44.0 - 50 / ky);
    add(&dm_kind_infrastructure, "IF-CANAL", canal, "type", "canal", NULL, NULL, NULL);
    add(&dm_kind_infrastructure, "IF-PIPE", "LINESTRING(18.0002 44.0002, 18.0003 44.0003)", NULL,
        NULL, NULL, NULL, NULL);
    dm_priority p;
    CHECK(run(&p, NULL));
    const dm_priority_item *it = find(&p, "HA-1", NULL);
    CHECK(it);
    if (it) {
        CHECK(it->f[DM_PF_ITEMS].value == 4); /* 3 + 1, the one outside left out */
        CHECK_EQ_INT(it->f[DM_PF_ITEMS].nrefs, 2);
        /* road 2 + farmland 1 + canal 1.5 + other 1 x (1 + the pipe's km inside) */
        double cx = dm_geo_distance_m(18.0, 44.0005, 18.001, 44.0005) / 0.001;
        double cy = dm_geo_distance_m(18.0005, 44.0, 18.0005, 44.001) / 0.001;
        double pipe_km = hypot(0.0001 * cx, 0.0001 * cy) / 1000;
        CHECK_NEAR(it->f[DM_PF_INFRASTRUCTURE].value, 5.5 + pipe_km, 1e-5);
        CHECK_EQ_INT(it->f[DM_PF_INFRASTRUCTURE].nrefs, 4);
        static const char *const want[] = {"IF-ROAD", "IF-FIELD", "IF-CANAL", "IF-PIPE"};
        static const double dist[] = {200, 100, 50, 0};
        for (size_t i = 0; i < it->f[DM_PF_INFRASTRUCTURE].nrefs && i < 4; i++) {
            CHECK_STR(it->f[DM_PF_INFRASTRUCTURE].refs[i].code, want[i]);
            CHECK(fabs(it->f[DM_PF_INFRASTRUCTURE].refs[i].distance_m - dist[i]) <=
                  1e-3 * dist[i] + 1e-9);
        }
        CHECK_NEAR(it->benefit, 0.5 * 4 + 2 * it->f[DM_PF_INFRASTRUCTURE].value, 1e-12);
    }
    dm_priority_free(&p);
    fx_done(s);
}

/* What a hazard blocks: a road through it counts its km inside, farmland
 * its hectares inside, on top of the type's weight. */
TEST(infrastructure_inside_counts_its_length_and_area)
{
    s = fx_new_store();
    hazard("HA-CROSSED", 18.000, "SHA");
    hazard("HA-BESIDE", 18.500, "SHA");
    /* a road north-south through the middle of the first: 0.001 degrees of
       latitude inside; one the same 100 m east of the second */
    add(&dm_kind_infrastructure, "IF-R1", "LINESTRING(18.0005 43.99, 18.0005 44.01)", "type",
        "road", NULL, NULL, NULL);
    char road[200];
    double kx = dm_geo_distance_m(18.501, 44.0005, 18.502, 44.0005) / 0.001;
    snprintf(road, sizeof road, "LINESTRING(%.9f 43.99, %.9f 44.01)", 18.501 + 100 / kx,
             18.501 + 100 / kx);
    add(&dm_kind_infrastructure, "IF-R2", road, "type", "road", NULL, NULL, NULL);
    /* a road that goes in and out of a third one: 0.0005 degrees of
       longitude in, 0.0006 of latitude inside, 0.0005 out */
    hazard("HA-ZIGZAG", 19.000, "SHA");
    add(&dm_kind_infrastructure, "IF-Z",
        "LINESTRING(18.999 44.0002, 19.0005 44.0002, 19.0005 44.0008, 18.999 44.0008)", "type",
        "road", NULL, NULL, NULL);
    /* farmland over the western half of the first */
    add(&dm_kind_infrastructure, "IF-F1", fx_box(17.99, 18.0005, 43.99, 44.01), "type", "farmland",
        NULL, NULL, NULL);
    dm_priority p;
    CHECK(run(&p, NULL));
    size_t rc = 0, rb = 0;
    const dm_priority_item *c = find(&p, "HA-CROSSED", &rc), *b = find(&p, "HA-BESIDE", &rb);
    CHECK(c && b);
    if (c && b) {
        CHECK(rc < rb);
        double cx = dm_geo_distance_m(18.0, 44.0005, 18.001, 44.0005) / 0.001;
        double cy = dm_geo_distance_m(18.0005, 44.0, 18.0005, 44.001) / 0.001;
        double road_km = 0.001 * cy / 1000, field_ha = 0.0005 * cx * 0.001 * cy / 10000;
        /* road 2 x (1 + km) + farmland 1 x (1 + ha) */
        CHECK_NEAR(c->f[DM_PF_INFRASTRUCTURE].value, 2 * (1 + road_km) + (1 + field_ha), 1e-6);
        CHECK_NEAR(b->f[DM_PF_INFRASTRUCTURE].value, 2, 1e-12);
        const dm_priority_item *z = find(&p, "HA-ZIGZAG", NULL);
        double zx = dm_geo_distance_m(19.0, 44.0005, 19.001, 44.0005) / 0.001;
        double zy = dm_geo_distance_m(19.0005, 44.0, 19.0005, 44.001) / 0.001;
        CHECK(z && fabs(z->f[DM_PF_INFRASTRUCTURE].value -
                        2 * (1 + (0.001 * zx + 0.0006 * zy) / 1000)) < 1e-6);
        CHECK_EQ_INT(c->f[DM_PF_INFRASTRUCTURE].nrefs, 2);
        for (size_t i = 0; i < c->f[DM_PF_INFRASTRUCTURE].nrefs; i++) {
            const dm_priority_ref *r = &c->f[DM_PF_INFRASTRUCTURE].refs[i];
            CHECK(r->distance_m == 0);
            CHECK_NEAR(r->amount, !strcmp(r->code, "IF-R1") ? 2 * (1 + road_km) : 1 + field_ha,
                       1e-6);
        }
    }
    dm_priority_free(&p);
    fx_done(s);
}

/* Effort in team-days: with no activities in the store, the published
 * figures for manual=12, mechanical=3, mdd=4 (manual 10 deminers x 10-50
 * m2, mechanical 4000-5000 m2 and a dog team 800-900 m2 per day: the
 * middle of each) and the Landmine Monitor 2023 mix; without the figures,
 * hectares and why. */
TEST(effort_in_team_days)
{
    s = fx_new_store();
    hazard("HA-1", 18.000, "CHA");
    dm_priority_effort e;
    dm_priority_effort_read(s, FIGURES, NULL, &e);
    CHECK(e.team_days);
    double rate = (12 * 300.0 + 3 * 4500.0 + 4 * 850.0) / 19;
    CHECK_NEAR(e.m2_per_team_day[DM_FA_CLEARANCE], rate, 1e-9);
    CHECK_NEAR(e.m2_per_team_day[DM_FA_TS], rate, 1e-9); /* survey as clearance */
    double reduced = 121.11 / 497.34, cleared = 219.31 / 497.34;
    CHECK_NEAR(e.mix[DM_FA_REDUCED], reduced, 1e-4);
    CHECK_NEAR(e.mix[DM_FA_CLEARED], cleared, 1e-4);
    CHECK_NEAR(e.team_days_per_m2, (reduced + cleared) / rate, 1e-9);
    CHECK(strstr(e.basis, "Landmine Monitor") != NULL);
    dm_priority_weights w;
    dm_priority_weights_default(&w);
    dm_priority p;
    dm_error err;
    CHECK(dm_priority_compute(s, &w, &e, "2025-06-01", false, &p, &err) == DM_OK);
    const dm_priority_item *it = find(&p, "HA-1", NULL);
    CHECK(it);
    if (it) {
        CHECK_NEAR(it->f[DM_PF_EFFORT].value, it->area_m2 * (reduced + cleared) / rate, 1e-3);
        CHECK_NEAR(it->score, 5 / (1 + 0.005 * it->f[DM_PF_EFFORT].value), 1e-9);
    }
    dm_buf b;
    dm_buf_init(&b, 0);
    dm_priority_json(&p, &w, false, 0, 0, &b);
    CHECK(b.data && strstr(b.data, "\"effort\": {\"unit\": \"team-days\""));
    dm_buf_free(&b);
    dm_priority_free(&p);
    /* no figures file and no activities: hectares, and why */
    dm_priority_effort_read(s, DM_SOURCE_DIR "/no/such/figures.csv", NULL, &e);
    CHECK(!e.team_days);
    CHECK(strstr(e.basis, "hectares") == e.basis);
    fx_done(s);
}

static dm_status parse(const char *text, dm_priority_weights *w, dm_error *err)
{
    dm_error_clear(err);
    return dm_priority_weights_parse(text, strlen(text), w, err);
}

TEST(weights_files)
{
    dm_priority_weights w, d;
    dm_priority_weights_default(&d);
    dm_error err;
    CHECK(parse("{\"casualties\": 20, \"casualty_half_life_years\": 2.5, "
                "\"infrastructure_types\": {\"school\": 7}}",
                &w, &err) == DM_OK);
    CHECK(w.w[DM_PF_CASUALTIES] == 20 && w.casualty_half_life_years == 2.5);
    CHECK(w.w[DM_PF_SETTLEMENTS] == d.w[DM_PF_SETTLEMENTS]);
    int school = dm_field_value_index(
        &dm_kind_infrastructure.fields[dm_kind_field_index(&dm_kind_infrastructure, "type")],
        "school");
    CHECK(school >= 0 && w.infra_type[school] == 7);
    CHECK(parse(" {} \n", &w, &err) == DM_OK);

    static const struct {
        const char *text, *named;
    } bad[] = {
        {"{\"casualty\": 1}", "'casualty'"},
        {"{\"settlements\": -1}", "'settlements'"},
        {"{\"evidence\": \"high\"}", "'evidence'"},
        {"{\"items\": null}", "'items'"},
        {"{\"effort\": [1]}", "'effort'"},
        {"{\"casualty_half_life_years\": 0}", "'casualty_half_life_years'"},
        {"{\"settlement_population_power\": 2.5}", "'settlement_population_power'"},
        {"{\"infrastructure_types\": {\"road\": -2}}", "'infrastructure_types.road'"},
        {"{\"infrastructure_types\": {\"railway\": 1}}", "'infrastructure_types.railway'"},
        {"{\"infrastructure_types\": 3}", "'infrastructure_types'"},
        {"[1, 2]", "not a JSON object"},
        {"{\"casualties\": 1", "not JSON"},
        {"{\"casualties\": 1} x", "more after"},
        {"", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w.w[DM_PF_CASUALTIES] = -5;
        dm_status st = parse(bad[i].text, &w, &err);
        CHECK(st == DM_EINVAL);
        if (!strstr(err.msg, bad[i].named))
            fprintf(stderr, "  %s: message '%s' does not name %s\n", bad[i].text, err.msg,
                    bad[i].named);
        CHECK(strstr(err.msg, bad[i].named) != NULL);
        CHECK(w.w[DM_PF_CASUALTIES] == d.w[DM_PF_CASUALTIES]); /* back to the defaults */
    }
    /* the JSON of the weights reads back as the same weights */
    dm_buf b;
    dm_buf_init(&b, 0);
    dm_priority_weights_json(&d, &b);
    CHECK(b.data && parse(b.data, &w, &err) == DM_OK && !memcmp(&w, &d, sizeof w));
    dm_buf_free(&b);
}

RUN(T(settlement_near_outranks_far), T(recent_casualties_outrank_old),
    T(cha_outranks_sha_and_small_outranks_large), T(items_and_infrastructure),
    T(infrastructure_inside_counts_its_length_and_area), T(effort_in_team_days), T(weights_files))
