/* Minefield record layout, fit and prediction (analysis/minefield_fit.c,
 * minefield_layout.c) and the scenario generator. Records are built in
 * memory: no JSON parser needed. */
#include "analysis/minefield.h"
#include "analysis/minefield_scenario.h"
#include "harness.h"

#include <stdint.h>

static dm_mf_leg legs_a[1] = {{90.0, 40.0}};
static dm_mf_leg legs_b[2] = {{0.0, 10.0}, {90.0, 10.0}};

/* one straight row of 5 mines east from (0, 100), one bent row of 5 mines
 * (north then east) and one scattered mine */
static void simple_record(dm_mf_record *rec, dm_mf_row rows[2], dm_mf_scattered *sc)
{
    memset(rec, 0, sizeof *rec);
    memset(rows, 0, 2 * sizeof *rows);
    memset(sc, 0, sizeof *sc);
    snprintf(rec->id, sizeof rec->id, "MR-T");
    rec->bearing_ref = DM_MF_GRID;
    rec->unit = DM_MF_METRES;
    rec->pace_m = 0.75;
    snprintf(rows[0].id, sizeof rows[0].id, "A");
    rows[0].count = 5;
    rows[0].start = (dm_mf_leg){0.0, 100.0};
    rows[0].legs = legs_a;
    rows[0].n_legs = 1;
    snprintf(rows[1].id, sizeof rows[1].id, "B");
    rows[1].count = 5;
    rows[1].start = (dm_mf_leg){180.0, 50.0};
    rows[1].legs = legs_b;
    rows[1].n_legs = 2;
    snprintf(sc->id, sizeof sc->id, "S1");
    sc->at = (dm_mf_leg){270.0, 20.0};
    rec->rows = rows;
    rec->n_rows = 2;
    rec->mines = sc;
    rec->n_mines = 1;
}

TEST(layout_geometry)
{
    dm_mf_record rec;
    dm_mf_row rows[2];
    dm_mf_scattered sc;
    simple_record(&rec, rows, &sc);
    dm_mf_layout lay;
    dm_error err;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    CHECK_EQ_INT(lay.n_mines, 11);
    CHECK_EQ_INT(lay.n_rows, 2);
    /* row A: (0,100) .. (40,100) every 10 m */
    CHECK(fabs(lay.mines[0].x) < 1e-9 && fabs(lay.mines[0].y - 100.0) < 1e-9);
    CHECK(fabs(lay.mines[4].x - 40.0) < 1e-9 && fabs(lay.mines[4].y - 100.0) < 1e-9);
    CHECK(fabs(lay.mines[2].x - 20.0) < 1e-9);
    CHECK_EQ_INT(lay.mines[4].row, 0);
    CHECK_EQ_INT(lay.mines[4].index, 5);
    /* row B: start (0,-50), turning point (0,-40), end (10,-40): 20 m, 5 m apart;
     * the third mine sits on the turning point */
    CHECK(fabs(lay.mines[5].y + 50.0) < 1e-9);
    CHECK(fabs(lay.mines[7].x) < 1e-9 && fabs(lay.mines[7].y + 40.0) < 1e-9);
    CHECK(fabs(lay.mines[8].x - 5.0) < 1e-9 && fabs(lay.mines[8].y + 40.0) < 1e-9);
    CHECK(fabs(lay.mines[9].x - 10.0) < 1e-9);
    CHECK_EQ_INT(lay.row_first[1] - lay.row_first[0], 2);
    CHECK_EQ_INT(lay.row_first[2] - lay.row_first[1], 3);
    CHECK(fabs(lay.verts[2 * lay.row_first[1] + 3] + 40.0) < 1e-9);
    /* scattered: 20 m west */
    CHECK(fabs(lay.mines[10].x + 20.0) < 1e-9 && fabs(lay.mines[10].y) < 1e-9);
    CHECK_EQ_INT(lay.mines[10].row, -1);
    CHECK_EQ_INT(lay.mines[10].index, 1);
    dm_mf_layout_free(&lay);

    /* spacing instead of count: every 15 m of 40, the last no further */
    rows[0].count = 0;
    rows[0].spacing = 15.0;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    CHECK_EQ_INT(lay.n_mines, 3 + 5 + 1);
    CHECK(fabs(lay.mines[2].x - 30.0) < 1e-9);
    dm_mf_layout_free(&lay);

    /* paces and magnetic bearings with declination */
    rows[0].count = 5;
    rows[0].spacing = 0;
    rec.unit = DM_MF_PACES;
    rec.pace_m = 0.8;
    rec.bearing_ref = DM_MF_MAGNETIC;
    rec.declination_deg = 10.0;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    double b = 10.0 * M_PI / 180.0;
    CHECK(fabs(lay.mines[0].x - 80.0 * sin(b)) < 1e-9);
    CHECK(fabs(lay.mines[0].y - 80.0 * cos(b)) < 1e-9);
    double len = hypot(lay.mines[4].x - lay.mines[0].x, lay.mines[4].y - lay.mines[0].y);
    CHECK(fabs(len - 32.0) < 1e-9);
    dm_mf_layout_free(&lay);

    /* bad numbers */
    rows[0].start.distance = NAN;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "rows[0]") != NULL);
    CHECK_EQ_INT(lay.n_mines, 0);
    CHECK_EQ_INT(dm_mf_layout_compute(NULL, &lay, &err), DM_EINVAL);
}

TEST(record_as_written)
{
    dm_mf_record rec;
    dm_mf_row rows[2];
    dm_mf_scattered sc;
    simple_record(&rec, rows, &sc);
    dm_mf_prediction_set ps;
    dm_error err;
    CHECK_EQ_INT(dm_mf_predict(&rec, NULL, 0, &ps, &err), DM_OK);
    CHECK_EQ_INT(ps.n, 11);
    CHECK(ps.fit.confidence == 0.0);
    CHECK(ps.fit.scale == 1.0);
    CHECK_EQ_INT(ps.fit.matched, 0);
    /* typical record errors are tens to hundreds of metres */
    for (size_t i = 0; i < ps.n; i++)
        CHECK(ps.items[i].radius_m > 20.0 && ps.items[i].radius_m < 2000.0);
    CHECK(fabs(ps.items[0].y - 100.0) < 1e-9);
    CHECK_EQ_INT(ps.items[10].row, -1);
    dm_mf_prediction_set_free(&ps);
}

/* A generated scenario with 30% of the field cleared (noise-free or not,
 * of family fam) and demine's prediction from its found items: both the
 * caller's to free. */
static void predict_scenario(uint64_t seed, bool noise_free, dm_mf_family fam, dm_mf_scenario *sc,
                             dm_mf_prediction_set *ps)
{
    dm_mf_scenario_opts o = {0.3, 0, noise_free, fam};
    dm_error err;
    CHECK_EQ_INT(dm_mf_scenario_generate(seed, &o, sc, &err), DM_OK);
    CHECK_EQ_INT(dm_mf_predict(&sc->rec, sc->found_xy, sc->n_found, ps, &err), DM_OK);
}

/* the noise-free scenario: jitter 0, no clutter, nothing moved or missing */
TEST(exact_recovery)
{
    int good = 0, n = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        dm_mf_scenario sc;
        dm_mf_prediction_set ps;
        predict_scenario(seed, true, DM_MF_FAM_BASE, &sc, &ps);
        n++;
        double worst = 0;
        for (size_t i = 0; i < ps.n; i++) {
            /* the same mine in the truth */
            for (size_t t = 0; t < sc.n_truth; t++)
                if (sc.truth[t].row == ps.items[i].row && sc.truth[t].index == ps.items[i].index)
                    worst = fmax(
                        worst, hypot(ps.items[i].x - sc.truth[t].x, ps.items[i].y - sc.truth[t].y));
        }
        if (worst < 0.05 && fabs(ps.fit.rotation_deg - sc.rotation_deg) < 0.01 &&
            fabs(ps.fit.scale - sc.scale) < 1e-4 && ps.fit.matched == sc.n_found)
            good++;
        dm_mf_prediction_set_free(&ps);
        dm_mf_scenario_free(&sc);
    }
    /* a regular field can be ambiguous by one spacing when no row end is
     * found; most are recovered exactly */
    CHECK(good >= 8);
    if (good < 8)
        fprintf(stderr, "  exact recovery in %d of %d\n", good, n);
}

/* A hand-made field: 4 rows of 30, 28, 26 and 24 mines 4 m apart, 12 m
 * between rows, turned 5 degrees, scaled 0.97, shifted (37, -52) m; the
 * first 8 mines of every row found, plus clutter. (Rows of one length
 * would make the field symmetric: the found mines could as well be the
 * last 8 of every row, cleared from the other end.) */
static void grid_record(dm_mf_record *rec, dm_mf_row rows[4], dm_mf_leg legs[4])
{
    memset(rec, 0, sizeof *rec);
    rec->bearing_ref = DM_MF_GRID;
    rec->unit = DM_MF_METRES;
    rec->pace_m = 0.75;
    for (int r = 0; r < 4; r++) {
        memset(&rows[r], 0, sizeof rows[r]);
        snprintf(rows[r].id, sizeof rows[r].id, "%c", 'A' + r);
        rows[r].count = 30 - 2 * r;
        double sx = 50.0, sy = 80.0 + 12.0 * r;
        rows[r].start = (dm_mf_leg){atan2(sx, sy) * 180.0 / M_PI, hypot(sx, sy)};
        legs[r] = (dm_mf_leg){90.0, 4.0 * (29 - 2 * r)};
        rows[r].legs = &legs[r];
        rows[r].n_legs = 1;
    }
    rec->rows = rows;
    rec->n_rows = 4;
}

static void apply(double x, double y, double *ox, double *oy)
{
    double th = 5.0 * M_PI / 180.0, s = 0.97;
    *ox = 37.0 + s * (cos(th) * x + sin(th) * y);
    *oy = -52.0 + s * (-sin(th) * x + cos(th) * y);
}

/* grid_record, its layout (freed by the caller), and its mines that
 * keep(mine) moved by apply() as found items (at most 40); rec points into
 * rows and legs, so a grid_case is not copied */
typedef struct grid_case {
    dm_mf_record rec;
    dm_mf_row rows[4];
    dm_mf_leg legs[4];
    dm_mf_layout lay;
    double found[2 * 40];
    size_t nf;
} grid_case;

static int grid_found(grid_case *g, bool (*keep)(const dm_mf_mine *))
{
    dm_error err;
    grid_record(&g->rec, g->rows, g->legs);
    g->nf = 0;
    if (dm_mf_layout_compute(&g->rec, &g->lay, &err))
        return -1;
    for (size_t i = 0; i < g->lay.n_mines && g->nf < 40; i++)
        if (keep(&g->lay.mines[i])) {
            apply(g->lay.mines[i].x, g->lay.mines[i].y, &g->found[2 * g->nf],
                  &g->found[2 * g->nf + 1]);
            g->nf++;
        }
    return 0;
}

TEST(clutter_and_found_not_predicted)
{
    dm_mf_record rec;
    dm_mf_row rows[4];
    dm_mf_leg legs[4];
    grid_record(&rec, rows, legs);
    dm_mf_layout lay;
    dm_error err;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    double found[2 * 60];
    size_t nf = 0;
    uint64_t z = 12345;
    for (size_t i = 0; i < lay.n_mines; i++)
        if (lay.mines[i].index <= 8) {
            apply(lay.mines[i].x, lay.mines[i].y, &found[2 * nf], &found[2 * nf + 1]);
            /* a little jitter, deterministic */
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            found[2 * nf] += ((double)(z >> 40) / 16777216.0 - 0.5) * 0.4;
            found[2 * nf + 1] += ((double)((z >> 16) & 0xFFFFFF) / 16777216.0 - 0.5) * 0.4;
            nf++;
        }
    /* 10 clutter items in the cleared strip */
    for (int k = 0; k < 10; k++) {
        z = z * 6364136223846793005ull + 1442695040888963407ull;
        double x = 50.0 + 28.0 * (double)(z >> 40) / 16777216.0;
        double y = 78.0 + 40.0 * (double)((z >> 16) & 0xFFFFFF) / 16777216.0;
        apply(x, y, &found[2 * nf], &found[2 * nf + 1]);
        nf++;
    }
    dm_mf_prediction_set ps;
    CHECK_EQ_INT(dm_mf_predict(&rec, found, nf, &ps, &err), DM_OK);
    CHECK(fabs(ps.fit.rotation_deg - 5.0) < 0.5);
    CHECK(fabs(ps.fit.scale - 0.97) < 0.01);
    CHECK(ps.fit.matched >= 30);
    CHECK(ps.fit.confidence > 0.3);
    size_t from_record = 0, within = 0;
    for (size_t i = 0; i < ps.n; i++) {
        if (ps.items[i].from_found_rows)
            continue;
        from_record++;
        CHECK(ps.items[i].index > 8); /* found mines are not predicted again */
        CHECK(ps.items[i].row >= 0 && ps.items[i].row < 4);
        long k = -1;
        for (size_t j = 0; j < lay.n_mines; j++)
            if (lay.mines[j].row == ps.items[i].row && lay.mines[j].index == ps.items[i].index)
                k = (long)j;
        CHECK(k >= 0);
        if (k < 0)
            continue;
        double tx, ty;
        apply(lay.mines[k].x, lay.mines[k].y, &tx, &ty);
        within += hypot(tx - ps.items[i].x, ty - ps.items[i].y) <= ps.items[i].radius_m;
    }
    CHECK_EQ_INT(from_record, 22 + 20 + 18 + 16);
    CHECK(within >= from_record * 9 / 10);
    dm_mf_prediction_set_free(&ps);
    dm_mf_layout_free(&lay);
}

TEST(rows_from_found)
{
    /* one straight row of 8 found mines 3 m apart, bearing 60 degrees, and
     * scattered clutter: no record */
    double found[2 * 12];
    size_t nf = 0;
    double b = 60.0 * M_PI / 180.0;
    for (int k = 0; k < 8; k++) {
        found[2 * nf] = 100.0 + 3.0 * k * sin(b) + (k % 2 ? 0.1 : -0.1);
        found[2 * nf + 1] = 200.0 + 3.0 * k * cos(b);
        nf++;
    }
    /* clutter on the cleared side, behind the row's start */
    double clutter[8] = {92, 190, 85, 205, 95, 185, 80, 195};
    for (int k = 0; k < 4; k++) {
        found[2 * nf] = clutter[2 * k];
        found[2 * nf + 1] = clutter[2 * k + 1];
        nf++;
    }
    dm_mf_prediction_set ps;
    dm_error err;
    CHECK_EQ_INT(dm_mf_predict(NULL, found, nf, &ps, &err), DM_OK);
    CHECK(ps.n >= 4);
    size_t on_line = 0;
    for (size_t i = 0; i < ps.n; i++) {
        CHECK(ps.items[i].from_found_rows);
        CHECK_EQ_INT(ps.items[i].row, -2);
        CHECK(ps.items[i].index >= 1);
        /* on the row's line, at a multiple of 3 m from its first mine */
        double dx = ps.items[i].x - 100.0, dy = ps.items[i].y - 200.0;
        double along = dx * sin(b) + dy * cos(b), across = -dx * cos(b) + dy * sin(b);
        double k = along / 3.0;
        if (fabs(across) < 0.5 && fabs(k - round(k)) < 0.1 && (k < -0.5 || k > 7.5))
            on_line++;
        CHECK(ps.items[i].radius_m > 0.5 && ps.items[i].radius_m < 20.0);
    }
    CHECK_EQ_INT(on_line, ps.n);
    dm_mf_prediction_set_free(&ps);
}

/* About 95% of true positions within the radius, over seeded scenarios
 * where the fit holds (confidence >= 0.5), and the record as written. */
TEST(radius_coverage)
{
    long in = 0, total = 0, in0 = 0, total0 = 0;
    for (uint64_t seed = 100; seed < 200; seed++) {
        dm_mf_scenario sc;
        dm_mf_scenario_opts o = {0.1 + 0.003 * (double)(seed - 100), 0, false, DM_MF_FAM_BASE};
        dm_error err;
        CHECK_EQ_INT(dm_mf_scenario_generate(seed, &o, &sc, &err), DM_OK);
        dm_mf_prediction_set ps, p0;
        CHECK_EQ_INT(dm_mf_predict(&sc.rec, sc.found_xy, sc.n_found, &ps, &err), DM_OK);
        CHECK_EQ_INT(dm_mf_predict(&sc.rec, NULL, 0, &p0, &err), DM_OK);
        for (int w = 0; w < 2; w++) {
            const dm_mf_prediction_set *s = w ? &p0 : &ps;
            if (!w && ps.fit.confidence < 0.5)
                continue;
            for (size_t i = 0; i < s->n; i++) {
                if (s->items[i].from_found_rows)
                    continue;
                for (size_t t = 0; t < sc.n_truth; t++)
                    if (!sc.truth[t].found && sc.truth[t].row == s->items[i].row &&
                        sc.truth[t].index == s->items[i].index) {
                        bool inside = hypot(s->items[i].x - sc.truth[t].x,
                                            s->items[i].y - sc.truth[t].y) <= s->items[i].radius_m;
                        if (w) {
                            in0 += inside;
                            total0++;
                        } else {
                            in += inside;
                            total++;
                        }
                        break;
                    }
            }
        }
        dm_mf_prediction_set_free(&ps);
        dm_mf_prediction_set_free(&p0);
        dm_mf_scenario_free(&sc);
    }
    double cov = total ? (double)in / (double)total : 0, cov0 = (double)in0 / (double)total0;
    printf("  coverage: fitted %.3f (%ld), as written %.3f (%ld)\n", cov, total, cov0, total0);
    CHECK(total > 1000);
    CHECK(cov >= 0.85 && cov <= 0.995);
    CHECK(cov0 >= 0.85 && cov0 <= 0.995);
}

TEST(bad_input)
{
    dm_mf_record rec;
    dm_mf_row rows[2];
    dm_mf_scattered sc;
    simple_record(&rec, rows, &sc);
    dm_mf_prediction_set ps;
    dm_error err;
    double bad[4] = {1.0, NAN, 3.0, 4.0};
    CHECK_EQ_INT(dm_mf_predict(&rec, bad, 2, &ps, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "found mine 1") != NULL);
    CHECK_EQ_INT(ps.n, 0);
    double inf[2] = {INFINITY, 0};
    CHECK_EQ_INT(dm_mf_predict(&rec, inf, 1, &ps, &err), DM_EINVAL);
    double huge[2] = {1e300, 0};
    CHECK_EQ_INT(dm_mf_predict(&rec, huge, 1, &ps, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_mf_predict(&rec, NULL, 3, &ps, &err), DM_EINVAL);
    CHECK_EQ_INT(dm_mf_predict(&rec, NULL, 0, NULL, &err), DM_EINVAL);
    /* no record and nothing found: nothing to predict */
    CHECK_EQ_INT(dm_mf_predict(NULL, NULL, 0, &ps, &err), DM_OK);
    CHECK_EQ_INT(ps.n, 0);
    dm_mf_prediction_set_free(&ps);
    /* empty record, some found */
    dm_mf_record empty;
    memset(&empty, 0, sizeof empty);
    empty.pace_m = 0.75;
    double one[2] = {5, 5};
    CHECK_EQ_INT(dm_mf_predict(&empty, one, 1, &ps, &err), DM_OK);
    dm_mf_prediction_set_free(&ps);
    /* all found at one point, and one found mine */
    double same[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_EQ_INT(dm_mf_predict(&rec, same, 4, &ps, &err), DM_OK);
    for (size_t i = 0; i < ps.n; i++)
        CHECK(isfinite(ps.items[i].x) && isfinite(ps.items[i].radius_m));
    CHECK(ps.fit.confidence >= 0 && ps.fit.confidence <= 1);
    dm_mf_prediction_set_free(&ps);
    CHECK_EQ_INT(dm_mf_predict(&rec, one, 1, &ps, &err), DM_OK);
    CHECK(ps.fit.confidence < 0.5);
    dm_mf_prediction_set_free(&ps);
    /* a record with a NaN bearing */
    rows[1].legs[0].bearing_deg = NAN;
    CHECK_EQ_INT(dm_mf_predict(&rec, one, 1, &ps, &err), DM_EINVAL);
    rows[1].legs[0].bearing_deg = 0.0;
    /* the generator rejects nonsense */
    dm_mf_scenario s;
    dm_mf_scenario_opts o = {1.5, 0, false, DM_MF_FAM_BASE};
    CHECK_EQ_INT(dm_mf_scenario_generate(1, &o, &s, &err), DM_EINVAL);
}

TEST(scenario_deterministic)
{
    dm_mf_scenario a, b;
    dm_mf_scenario_opts o = {0.2, 0, false, DM_MF_FAM_BASE};
    dm_error err;
    CHECK_EQ_INT(dm_mf_scenario_generate(42, &o, &a, &err), DM_OK);
    CHECK_EQ_INT(dm_mf_scenario_generate(42, &o, &b, &err), DM_OK);
    CHECK_EQ_INT(a.n_found, b.n_found);
    CHECK_EQ_INT(a.n_truth, b.n_truth);
    CHECK(a.n_found > 0 && !memcmp(a.found_xy, b.found_xy, 2 * a.n_found * sizeof(double)));
    CHECK(a.rotation_deg == b.rotation_deg && a.dx_m == b.dx_m);
    /* found mines lie on the cleared side */
    for (size_t f = 0; f < a.n_found; f++)
        CHECK(a.clear_ux * a.found_xy[2 * f] + a.clear_uy * a.found_xy[2 * f + 1] <=
              a.clear_c + 1e-9);
    dm_mf_scenario_free(&a);
    dm_mf_scenario_free(&b);
}

static void apply_t(double rot_deg, double s, double tx, double ty, double x, double y, double *ox,
                    double *oy)
{
    double th = rot_deg * M_PI / 180.0;
    *ox = tx + s * (cos(th) * x + sin(th) * y);
    *oy = ty + s * (-sin(th) * x + cos(th) * y);
}

/* The record's grid_record truth with the first n mines of every row found
 * (a little jitter), moved by rot/s/tx/ty; predicts and returns the share of
 * the remaining mines predicted within 1 m. */
static double harmless_case(dm_mf_record *rec, double rot, double s, double tx, double ty, int n,
                            dm_mf_prediction_set *ps)
{
    dm_mf_layout lay;
    dm_error err;
    CHECK_EQ_INT(dm_mf_layout_compute(rec, &lay, &err), DM_OK);
    double found[2 * 120];
    size_t nf = 0;
    uint64_t z = 777;
    for (size_t i = 0; i < lay.n_mines; i++)
        if (lay.mines[i].index <= n) {
            apply_t(rot, s, tx, ty, lay.mines[i].x, lay.mines[i].y, &found[2 * nf],
                    &found[2 * nf + 1]);
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            found[2 * nf] += ((double)(z >> 40) / 16777216.0 - 0.5) * 0.3;
            found[2 * nf + 1] += ((double)((z >> 16) & 0xFFFFFF) / 16777216.0 - 0.5) * 0.3;
            nf++;
        }
    CHECK_EQ_INT(dm_mf_predict(rec, found, nf, ps, &err), DM_OK);
    size_t good = 0, all = 0;
    for (size_t i = 0; i < lay.n_mines; i++) {
        if (lay.mines[i].index <= n)
            continue;
        double x, y;
        apply_t(rot, s, tx, ty, lay.mines[i].x, lay.mines[i].y, &x, &y);
        all++;
        for (size_t k = 0; k < ps->n; k++)
            if (hypot(ps->items[k].x - x, ps->items[k].y - y) < 1.0) {
                good++;
                break;
            }
    }
    dm_mf_layout_free(&lay);
    return all ? (double)good / (double)all : 0.0;
}

/* A metre record carrying a pace length whose distances were paced, and a
 * grid record carrying a declination whose bearings were magnetic: the
 * given pace length and declination are the fit's alternatives. */
TEST(harmless_fields_used)
{
    dm_mf_record rec;
    dm_mf_row rows[4];
    dm_mf_leg legs[4];
    grid_record(&rec, rows, legs);
    rec.pace_m = 0.62;
    dm_mf_prediction_set ps;
    double got = harmless_case(&rec, 1.0, 0.62, 6.0, -4.0, 3, &ps);
    CHECK(fabs(ps.fit.scale - 0.62) < 0.01);
    CHECK(got > 0.95);
    dm_mf_prediction_set_free(&ps);

    grid_record(&rec, rows, legs);
    rec.declination_deg = 27.0;
    got = harmless_case(&rec, 27.0, 1.0, -5.0, 3.0, 2, &ps);
    CHECK(fabs(ps.fit.rotation_deg - 27.0) < 1.0);
    CHECK(got > 0.95);
    dm_mf_prediction_set_free(&ps);
}

/* Found items whose category says they are not mines are clutter: with
 * only scrap and UXO found, the record stays as written; an item of another
 * category or model than its row's is never that row's mine. */
TEST(categories_clutter)
{
    dm_mf_record rec;
    dm_mf_row rows[4];
    dm_mf_leg legs[4];
    grid_record(&rec, rows, legs);
    for (int r = 0; r < 4; r++) {
        snprintf(rows[r].category, sizeof rows[r].category, "AP");
        snprintf(rows[r].model, sizeof rows[r].model, "%s", r < 2 ? "PMN-2" : "PMA-2");
    }
    dm_mf_prediction_set p0, ps;
    dm_error err;
    CHECK_EQ_INT(dm_mf_predict(&rec, NULL, 0, &p0, &err), DM_OK);
    /* 6 pieces of scrap between the rows, 60-190 m from the record */
    double scrap[12] = {61, 245, 190, 170, 240, 300, 66, 102, 170, 60, 130, 210};
    dm_mf_found_info info[6];
    for (int i = 0; i < 6; i++)
        info[i] = (dm_mf_found_info){i < 4 ? "scrap" : "UXO", NULL};
    dm_mf_predict_opts o = {.found = info};
    CHECK_EQ_INT(dm_mf_predict_ex(&rec, scrap, 6, &o, &ps, &err), DM_OK);
    CHECK_EQ_INT(ps.not_mines, 6);
    CHECK_EQ_INT(ps.fit.matched, 0);
    CHECK_EQ_INT(ps.n, p0.n);
    double worst = 0;
    for (size_t i = 0; i < ps.n && i < p0.n; i++)
        worst = fmax(worst, hypot(ps.items[i].x - p0.items[i].x, ps.items[i].y - p0.items[i].y));
    CHECK(worst < 0.01);
    dm_mf_prediction_set_free(&ps);
    dm_mf_prediction_set_free(&p0);

    /* the class of a category */
    char canon[64];
    CHECK_EQ_INT(dm_mf_item_category("AP mine", canon, sizeof canon), DM_MF_ITEM_MINE);
    CHECK_STR(canon, "AP");
    CHECK_EQ_INT(dm_mf_item_category("SCRAP", canon, sizeof canon), DM_MF_ITEM_NOT_MINE);
    CHECK_EQ_INT(dm_mf_item_category("uxo", canon, sizeof canon), DM_MF_ITEM_NOT_MINE);
    CHECK_EQ_INT(dm_mf_item_category("", canon, sizeof canon), DM_MF_ITEM_ANY);
    CHECK_EQ_INT(dm_mf_item_category(NULL, NULL, 0), DM_MF_ITEM_ANY);
    CHECK_EQ_INT(dm_mf_item_category("unknown", NULL, 0), DM_MF_ITEM_ANY);

    /* the first 8 mines of every row found (moved as in apply()): an AT
     * item and a TM-62 on mines of AP rows of PMN-2 are clutter, a
     * "PMN 2" item is a PMN-2 */
    dm_mf_layout lay;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    double found[2 * 40];
    dm_mf_found_info fi[40];
    size_t nf = 0;
    for (size_t i = 0; i < lay.n_mines && nf < 40; i++)
        if (lay.mines[i].index <= 8) {
            apply(lay.mines[i].x, lay.mines[i].y, &found[2 * nf], &found[2 * nf + 1]);
            fi[nf] = (dm_mf_found_info){"AP", lay.mines[i].row < 2 ? "PMN 2" : NULL};
            if (lay.mines[i].row == 0 && lay.mines[i].index == 3)
                fi[nf].category = "AT";
            if (lay.mines[i].row == 1 && lay.mines[i].index == 5)
                fi[nf].model = "TM-62";
            nf++;
        }
    o.found = fi;
    CHECK_EQ_INT(dm_mf_predict_ex(&rec, found, nf, &o, &ps, &err), DM_OK);
    CHECK_EQ_INT(ps.not_mines, 2);
    CHECK_EQ_INT(ps.fit.matched, nf - 2);
    CHECK(fabs(ps.fit.rotation_deg - 5.0) < 0.5);
    dm_mf_prediction_set_free(&ps);
    dm_mf_layout_free(&lay);
}

/* share of the record's mines (as written) with a prediction within d m */
static double as_written_recall(const dm_mf_record *rec, const dm_mf_prediction_set *ps, double d)
{
    dm_mf_layout lay;
    dm_error err;
    if (dm_mf_layout_compute(rec, &lay, &err))
        return 0;
    size_t hit = 0;
    for (size_t i = 0; i < lay.n_mines; i++)
        for (size_t k = 0; k < ps->n; k++)
            if (hypot(ps->items[k].x - lay.mines[i].x, ps->items[k].y - lay.mines[i].y) <= d) {
                hit++;
                break;
            }
    double r = lay.n_mines ? (double)hit / (double)lay.n_mines : 0;
    dm_mf_layout_free(&lay);
    return r;
}

/* The fit's weight and its alternatives': each in (0, 1], most likely
 * first, distinct from the fit, summing to at most 1. */
static void check_alts(const dm_mf_fit *f)
{
    double sum = f->weight;
    CHECK(f->weight >= 0 && f->weight <= 1);
    CHECK(f->n_alts <= DM_MF_MAX_ALTS);
    for (size_t k = 0; k < f->n_alts; k++) {
        const dm_mf_alt *a = &f->alts[k];
        CHECK(a->weight > 0 && a->weight <= 1);
        CHECK(k == 0 || a->weight <= f->alts[k - 1].weight + 1e-12);
        CHECK(hypot(a->dx_m - f->dx_m, a->dy_m - f->dy_m) > 1e-6 ||
              fabs(a->rotation_deg - f->rotation_deg) > 1e-6 || fabs(a->scale - f->scale) > 1e-9);
        sum += a->weight;
    }
    CHECK(sum <= 1.0 + 1e-9);
}

/* One or two matched items do not pin the transform: with the record
 * right, the prediction stays where the record puts the mines (the fit
 * used to move it by tens of metres to put the found mine at a row's end,
 * or to put a piece of scrap on a recorded mine). */
TEST(no_evidence_no_move)
{
    dm_mf_record rec;
    dm_mf_row rows[4];
    dm_mf_leg legs[4];
    grid_record(&rec, rows, legs);
    dm_mf_prediction_set ps;
    dm_error err;
    /* row A's 4th mine, row B's 8th, a little off */
    double mines[4] = {62.2, 79.9, 77.8, 92.15};
    for (size_t n = 1; n <= 2; n++) {
        CHECK_EQ_INT(dm_mf_predict(&rec, mines, n, &ps, &err), DM_OK);
        CHECK_EQ_INT(ps.fit.matched, n);
        CHECK(ps.fit.confidence < 0.05);
        CHECK(hypot(ps.fit.dx_m, ps.fit.dy_m) < 2.5);
        /* the fits that move the record are listed, with a weight that
         * says they are as likely as not */
        check_alts(&ps.fit);
        CHECK(ps.fit.n_alts >= 1);
        CHECK(ps.fit.weight < 0.75);
        double moved = 0;
        for (size_t k = 0; k < ps.fit.n_alts; k++)
            if (hypot(ps.fit.alts[k].dx_m, ps.fit.alts[k].dy_m) > 2.5)
                moved += ps.fit.alts[k].weight;
        CHECK(moved > 0.1);
        /* every mine but the found ones within 2 m of where the record puts it */
        CHECK(as_written_recall(&rec, &ps, 2.0) >= 1.0 - (double)n / 108.0 - 1e-9);
        dm_mf_prediction_set_free(&ps);
    }
    /* 6 pieces of scrap without a category */
    double scrap[12] = {61, 245, 190, 170, 240, 300, 66, 102, 170, 60, 130, 210};
    for (size_t n = 3; n <= 6; n++) {
        CHECK_EQ_INT(dm_mf_predict(&rec, scrap, n, &ps, &err), DM_OK);
        CHECK(as_written_recall(&rec, &ps, 0.01) == 1.0);
        CHECK(ps.fit.confidence == 0.0);
        check_alts(&ps.fit);
        dm_mf_prediction_set_free(&ps);
    }
}

/* Only clutter found (the generator's clutter-only family, 30% of the
 * field cleared): a fit that explains the items no better than clutter
 * could by chance is not kept, and the record is predicted exactly as
 * written (same places, same radii as with nothing found). Clutter may
 * still fit by chance now and then (the test's level is 1 in 4). */
TEST(clutter_only_as_written)
{
    int same = 0, moved = 0;
    for (uint64_t seed = 1; seed <= 24; seed++) {
        dm_mf_scenario sc;
        dm_mf_prediction_set ps, aw;
        dm_error err;
        predict_scenario(seed, false, DM_MF_FAM_CLUTTER_ONLY, &sc, &ps);
        CHECK_EQ_INT(dm_mf_predict(&sc.rec, NULL, 0, &aw, &err), DM_OK);
        /* the record's predictions come first, in the record's order */
        bool eq = ps.n >= aw.n;
        for (size_t i = 0; i < aw.n && eq; i++)
            eq = ps.items[i].x == aw.items[i].x && ps.items[i].y == aw.items[i].y &&
                 ps.items[i].radius_m == aw.items[i].radius_m;
        if (eq) {
            same++;
            CHECK_EQ_INT(ps.fit.matched, 0);
            CHECK(ps.fit.confidence == 0.0);
        }
        moved += !eq;
        dm_mf_prediction_set_free(&ps);
        dm_mf_prediction_set_free(&aw);
        dm_mf_scenario_free(&sc);
    }
    printf("clutter only: %d of 24 as written, %d fitted\n", same, moved);
    CHECK(same >= 20);
}

/* Ground known to be cleared: no mine predicted there, the fit right;
 * rings of fewer than 3 vertices or bad numbers are refused. */
static bool strip_but_hole(const dm_mf_mine *m)
{
    return m->index <= 8 && !(m->row == 0 && m->index >= 7);
}

TEST(cleared_polygons)
{
    grid_case g;
    CHECK_EQ_INT(grid_found(&g, strip_but_hole), 0);
    CHECK_EQ_INT(g.nf, 30);
    dm_error err;
    /* the strip of the first 8 mines of every row (record frame) cleared,
     * but for a hole over row A's 7th and 8th, which are not found */
    double cxy[2 * 8];
    double box[8] = {45, 75, 80, 75, 80, 121, 45, 121};
    double hole[8] = {72, 77, 81, 77, 81, 83, 72, 83};
    for (int k = 0; k < 4; k++) {
        apply(box[2 * k], box[2 * k + 1], &cxy[2 * k], &cxy[2 * k + 1]);
        apply(hole[2 * k], hole[2 * k + 1], &cxy[8 + 2 * k], &cxy[8 + 2 * k + 1]);
    }
    size_t ends[2] = {4, 8};
    dm_mf_predict_opts o = {.cleared_xy = cxy, .cleared_ring_end = ends, .n_cleared_rings = 2};
    dm_mf_prediction_set ps;
    CHECK_EQ_INT(dm_mf_predict_ex(&g.rec, g.found, g.nf, &o, &ps, &err), DM_OK);
    CHECK(fabs(ps.fit.rotation_deg - 5.0) < 0.5);
    size_t in_strip = 0, in_hole = 0, all = 0;
    for (size_t i = 0; i < ps.n; i++) {
        if (ps.items[i].from_found_rows)
            continue;
        all++;
        bool hole_mine = ps.items[i].row == 0 && ps.items[i].index >= 7 && ps.items[i].index <= 8;
        in_strip += ps.items[i].index <= 8 && !hole_mine;
        in_hole += hole_mine;
    }
    CHECK_EQ_INT(in_strip, 0);
    CHECK_EQ_INT(in_hole, 2); /* in the hole: not cleared */
    CHECK_EQ_INT(all, 108 - 30);
    dm_mf_prediction_set_free(&ps);
    size_t bad_end = 2;
    o.cleared_ring_end = &bad_end;
    o.n_cleared_rings = 1;
    CHECK_EQ_INT(dm_mf_predict_ex(&g.rec, g.found, g.nf, &o, &ps, &err), DM_EINVAL);
    CHECK(strstr(err.msg, "fewer than 3 vertices") != NULL);
    cxy[3] = NAN;
    o.cleared_ring_end = ends;
    CHECK_EQ_INT(dm_mf_predict_ex(&g.rec, g.found, g.nf, &o, &ps, &err), DM_EINVAL);
    dm_mf_layout_free(&g.lay);
}

/* along-row drift: rows paced 3% long and short in turn (about each row's
 * first mine); the fit's residuals show each row's stretch, and the
 * predictions farther along a row follow it, with radii that hold them */
TEST(drift_followed_along_rows)
{
    dm_mf_record rec;
    dm_mf_row rows[4];
    dm_mf_leg legs[4];
    grid_record(&rec, rows, legs);
    dm_mf_layout lay;
    dm_error err;
    CHECK_EQ_INT(dm_mf_layout_compute(&rec, &lay, &err), DM_OK);
    double *truex = calloc(lay.n_mines, sizeof *truex), *truey = calloc(lay.n_mines, sizeof *truey);
    double found[2 * 60];
    size_t nf = 0;
    uint64_t z = 777;
    for (size_t i = 0; i < lay.n_mines; i++) {
        const dm_mf_mine *m = &lay.mines[i];
        size_t first = i;
        while (first > 0 && lay.mines[first - 1].row == m->row)
            first--;
        double st = m->row % 2 ? -0.02 : 0.02;
        double x = m->x + st * (m->x - lay.mines[first].x),
               y = m->y + st * (m->y - lay.mines[first].y);
        apply(x, y, &truex[i], &truey[i]);
        if (m->index <= 10) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            found[2 * nf] = truex[i] + ((double)(z >> 40) / 16777216.0 - 0.5) * 0.2;
            found[2 * nf + 1] =
                truey[i] + ((double)((z >> 16) & 0xFFFFFF) / 16777216.0 - 0.5) * 0.2;
            nf++;
        }
    }
    dm_mf_prediction_set ps;
    CHECK_EQ_INT(dm_mf_predict(&rec, found, nf, &ps, &err), DM_OK);
    CHECK(ps.fit.matched >= 36);
    size_t far = 0, close = 0, held = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const dm_mf_prediction *p = &ps.items[i];
        if (p->from_found_rows || p->index < 18)
            continue;
        for (size_t k = 0; k < lay.n_mines; k++)
            if (lay.mines[k].row == p->row && lay.mines[k].index == p->index) {
                /* the fit alone puts these 1.4-2.2 m off along the row */
                double d = hypot(truex[k] - p->x, truey[k] - p->y);
                far++;
                close += d <= 1.0;
                held += d <= p->radius_m;
                break;
            }
    }
    CHECK(far >= 30);
    CHECK(close * 10 >= far * 9);
    CHECK(held * 10 >= far * 9);
    dm_mf_prediction_set_free(&ps);
    dm_mf_layout_free(&lay);
    free(truex);
    free(truey);
}

/* A start given (dm_mf_predict_opts.start) is tried among the search's own:
 * the right one ends at the right fit, a wrong one does not outweigh what
 * the found mines say, and one that is not a transform is refused. */
static bool first_three(const dm_mf_mine *m) { return m->index <= 3; }

TEST(start_tried)
{
    grid_case g;
    CHECK_EQ_INT(grid_found(&g, first_three), 0);
    CHECK(g.nf >= 12);
    dm_error err;
    double right[4] = {5.0, 0.97, 37.0, -52.0}, wrong[4] = {90.0, 1.2, 500.0, -800.0};
    const double *starts[2] = {right, wrong};
    for (int k = 0; k < 2; k++) {
        dm_mf_predict_opts o = {.start = starts[k]};
        dm_mf_prediction_set ps;
        CHECK_EQ_INT(dm_mf_predict_ex(&g.rec, g.found, g.nf, &o, &ps, &err), DM_OK);
        CHECK(fabs(ps.fit.rotation_deg - 5.0) < 0.5);
        CHECK(fabs(ps.fit.scale - 0.97) < 0.01);
        CHECK(fabs(ps.fit.dx_m - 37.0) < 1.0 && fabs(ps.fit.dy_m + 52.0) < 1.0);
        CHECK_EQ_INT(ps.fit.matched, g.nf);
        dm_mf_prediction_set_free(&ps);
    }
    double bad[3][4] = {{5.0, 0.0, 37.0, -52.0}, {NAN, 0.97, 37.0, -52.0}, {5.0, 0.97, 1e9, 0.0}};
    for (int k = 0; k < 3; k++) {
        dm_mf_predict_opts o = {.start = bad[k]};
        dm_mf_prediction_set ps;
        CHECK_EQ_INT(dm_mf_predict_ex(&g.rec, g.found, g.nf, &o, &ps, &err), DM_EINVAL);
        CHECK(strstr(err.msg, "start") != NULL);
    }
    dm_mf_layout_free(&g.lay);
}

RUN(T(layout_geometry), T(record_as_written), T(exact_recovery), T(clutter_and_found_not_predicted),
    T(rows_from_found), T(radius_coverage), T(bad_input), T(scenario_deterministic),
    T(harmless_fields_used), T(categories_clutter), T(no_evidence_no_move), T(cleared_polygons),
    T(clutter_only_as_written), T(drift_followed_along_rows), T(start_tried))
