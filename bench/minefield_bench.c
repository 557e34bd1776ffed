/* Benchmark of the minefield record fit (dm_mf_predict) on seeded scenarios
 * of the generator in analysis/minefield_scenario.h, against three
 * baselines computed here: the record as written, a least-squares
 * similarity fit told which recorded mine each found mine is, and the true
 * transform (the ceiling, limited by jitter and by moved or missing rows).
 *
 * Usage: minefield_bench [--cases N] [--seed S] [--markdown] [--verbose]
 *        minefield_bench --families [--cases N] [--seed S] [--markdown] [--verbose]
 *        minefield_bench --family NAME [...]: that family only (same seeds)
 *
 * --families: every family of minefield_scenario.h (the base scenarios and
 * those that push one error beyond the error model), N cases per family
 * and bucket (0-10%, 10-40%; seeds S + 100003 family + 1000003 bucket +
 * case, so the base family's are those of the default run), one row per
 * family and bucket: recall within 2 m of the four methods, demine's
 * radius coverage and confidently wrong, its run time (median and
 * slowest), and the recall of the best of the fits demine lists (its own
 * and the alternatives it gives with their weights: what a user shown the
 * alternatives could reach by choosing the right one) and the recall of
 * demine given the true transform as one more start (what the score makes
 * of the right answer, the search aside); then, over all families at
 * 10-40%, the share of the gap from the known-correspondence
 * fit to the true transform that demine closes.
 *
 * Per bucket of found fraction (none, 0-10%, 10-40%) and method:
 * - recall: share of the remaining (laid, not found) mines with a
 *   prediction within 2 m, averaged over cases;
 * - precision: share of predictions within 2 m of a remaining mine,
 *   averaged over cases with predictions;
 * - coverage: share of predictions of a recorded mine that is laid and not
 *   found whose true position lies within radius_m (pooled);
 * - confidently wrong: cases with confidence >= 0.5 and precision < 0.5;
 * - run time per case (CPU time of the calling thread, so that other load
 *   on the machine does not count), median and 95th percentile. */
#include "analysis/minefield.h"
#include "analysis/minefield_scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { M_WRITTEN, M_LS, M_DEMINE, M_TRUE, NMETH };
static const char *const meth_name[NMETH] = {"record as written", "known-correspondence LS",
                                             "demine", "true transform"};
enum { NBUCKET = 3 };
static const char *const bucket_name[NBUCKET] = {"none", "0-10%", "10-40%"};

typedef struct acc {
    double recall, precision;
    double recall_listed; /* demine: the best of its fit and listed alternatives */
    double recall_start;  /* demine given the true transform as one more start */
    int n, n_prec;
    long cov_in, cov_n;
    int conf_wrong, conf_n;
    double *ms;
} acc;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID,
                  &ts); /* CPU time: other load on the machine does not count */
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(double *v, int n, double q)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int k = (int)floor(q * (n - 1) + 0.5);
    return v[k];
}

/* index in the layout of the mine with this row/index, or -1 */
static long find_mine(const dm_mf_layout *lay, int row, int index)
{
    for (size_t i = 0; i < lay->n_mines; i++)
        if (lay->mines[i].row == row && lay->mines[i].index == index)
            return (long)i;
    return -1;
}

static void ls_solve(const double h[16], const double b[4], double x[4], double inv[16])
{
    /* Gauss-Jordan on a 4x4 */
    double a[4][8];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            a[i][j] = j < 4 ? h[i * 4 + j] : (j - 4 == i);
    for (int c = 0; c < 4; c++) {
        int p = c;
        for (int r = c + 1; r < 4; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        for (int j = 0; j < 8; j++) {
            double t = a[c][j];
            a[c][j] = a[p][j];
            a[p][j] = t;
        }
        double d = a[c][c];
        if (fabs(d) < 1e-12)
            d = 1e-12;
        for (int j = 0; j < 8; j++)
            a[c][j] /= d;
        for (int r = 0; r < 4; r++)
            if (r != c) {
                double f = a[r][c];
                for (int j = 0; j < 8; j++)
                    a[r][j] -= f * a[c][j];
            }
    }
    for (int i = 0; i < 4; i++) {
        x[i] = 0;
        for (int j = 0; j < 4; j++) {
            inv[i * 4 + j] = a[i][4 + j];
            x[i] += a[i][4 + j] * b[j];
        }
    }
}

/* The least-squares similarity fit with known correspondences. */
static int predict_ls(const dm_mf_scenario *sc, const dm_mf_layout *lay, dm_mf_prediction_set *out)
{
    size_t n = 0;
    char *known = calloc(lay->n_mines + 1, 1);
    double h[16] = {0}, b[4] = {0}, ss = 0;
    double sx = 0, sy = 0, smx = 0, smy = 0;
    long *pair = malloc((sc->n_found + 1) * sizeof *pair);
    for (size_t f = 0; f < sc->n_found; f++) {
        pair[f] = -1;
        int t = sc->found_truth[f];
        if (t < 0 || sc->truth[t].row < -1)
            continue;
        long i = find_mine(lay, sc->truth[t].row, sc->truth[t].index);
        if (i < 0)
            continue;
        pair[f] = i;
        known[i] = 1;
        double mx = lay->mines[i].x, my = lay->mines[i].y;
        double fx = sc->found_xy[2 * f], fy = sc->found_xy[2 * f + 1];
        double j0[4] = {mx, my, 1, 0}, j1[4] = {my, -mx, 0, 1};
        for (int a = 0; a < 4; a++) {
            for (int c = 0; c < 4; c++)
                h[a * 4 + c] += j0[a] * j0[c] + j1[a] * j1[c];
            b[a] += j0[a] * fx + j1[a] * fy;
        }
        sx += fx;
        sy += fy;
        smx += mx;
        smy += my;
        n++;
    }
    double x[4] = {1, 0, 0, 0}, inv[16] = {0};
    double sigma = 0.5;
    if (n >= 2) {
        ls_solve(h, b, x, inv);
        if (n >= 3) {
            for (size_t f = 0; f < sc->n_found; f++) {
                if (pair[f] < 0)
                    continue;
                double mx = lay->mines[pair[f]].x, my = lay->mines[pair[f]].y;
                double px = x[0] * mx + x[1] * my + x[2], py = -x[1] * mx + x[0] * my + x[3];
                ss += pow(px - sc->found_xy[2 * f], 2) + pow(py - sc->found_xy[2 * f + 1], 2);
            }
            sigma = fmax(0.1, sqrt(ss / (2.0 * (double)n - 4.0 + 1e-9)));
        }
    } else if (n == 1) {
        x[2] = sx - smx;
        x[3] = sy - smy;
        inv[10] = inv[15] = 1.0;
    }
    out->items = calloc(lay->n_mines + 1, sizeof *out->items);
    out->n = 0;
    for (size_t i = 0; i < lay->n_mines; i++) {
        if (known[i])
            continue;
        double mx = lay->mines[i].x, my = lay->mines[i].y;
        dm_mf_prediction *p = &out->items[out->n++];
        p->x = x[0] * mx + x[1] * my + x[2];
        p->y = -x[1] * mx + x[0] * my + x[3];
        p->row = lay->mines[i].row;
        p->index = lay->mines[i].index;
        double j0[4] = {mx, my, 1, 0}, j1[4] = {my, -mx, 0, 1}, ca = 0, cb = 0, cd = 0;
        for (int a = 0; a < 4; a++)
            for (int c = 0; c < 4; c++) {
                ca += j0[a] * inv[a * 4 + c] * j0[c];
                cb += j0[a] * inv[a * 4 + c] * j1[c];
                cd += j1[a] * inv[a * 4 + c] * j1[c];
            }
        ca = sigma * sigma * (1 + ca);
        cd = sigma * sigma * (1 + cd);
        cb *= sigma * sigma;
        double lm = 0.5 * (ca + cd) + sqrt(0.25 * (ca - cd) * (ca - cd) + cb * cb);
        p->radius_m = n == 0 ? 200.0 : 2.4477 * sqrt(lm);
    }
    out->fit.matched = n;
    out->fit.confidence = 0;
    free(known);
    free(pair);
    return 0;
}

static int predict_true(const dm_mf_scenario *sc, const dm_mf_layout *lay,
                        dm_mf_prediction_set *out)
{
    char *known = calloc(lay->n_mines + 1, 1);
    for (size_t t = 0; t < sc->n_truth; t++)
        if (sc->truth[t].found && sc->truth[t].row >= -1) {
            long i = find_mine(lay, sc->truth[t].row, sc->truth[t].index);
            if (i >= 0)
                known[i] = 1;
        }
    out->items = calloc(lay->n_mines + 1, sizeof *out->items);
    out->n = 0;
    for (size_t i = 0; i < lay->n_mines; i++) {
        if (known[i])
            continue;
        dm_mf_prediction *p = &out->items[out->n++];
        dm_mf_scenario_transform(sc, lay->mines[i].x, lay->mines[i].y, &p->x, &p->y);
        p->row = lay->mines[i].row;
        p->index = lay->mines[i].index;
        p->radius_m = fmax(2.4477 * sc->jitter_m, 0.1);
    }
    free(known);
    return 0;
}

typedef struct metrics {
    double recall, precision;
    int has_prec;
    long cov_in, cov_n;
} metrics;

static metrics evaluate(const dm_mf_scenario *sc, const dm_mf_prediction_set *ps)
{
    metrics m = {0, 0, 0, 0, 0};
    size_t nrem = 0, hit = 0, good = 0;
    for (size_t t = 0; t < sc->n_truth; t++) {
        if (sc->truth[t].found)
            continue;
        nrem++;
        for (size_t i = 0; i < ps->n; i++)
            if (hypot(ps->items[i].x - sc->truth[t].x, ps->items[i].y - sc->truth[t].y) <= 2.0) {
                hit++;
                break;
            }
    }
    for (size_t i = 0; i < ps->n; i++) {
        const dm_mf_prediction *p = &ps->items[i];
        for (size_t t = 0; t < sc->n_truth; t++)
            if (!sc->truth[t].found && hypot(p->x - sc->truth[t].x, p->y - sc->truth[t].y) <= 2.0) {
                good++;
                break;
            }
        if (p->from_found_rows || p->row < -1)
            continue;
        for (size_t t = 0; t < sc->n_truth; t++)
            if (sc->truth[t].row == p->row && sc->truth[t].index == p->index) {
                if (!sc->truth[t].found) {
                    m.cov_n++;
                    m.cov_in += hypot(p->x - sc->truth[t].x, p->y - sc->truth[t].y) <= p->radius_m;
                }
                break;
            }
    }
    m.recall = nrem ? (double)hit / (double)nrem : 1.0;
    m.has_prec = ps->n > 0;
    m.precision = ps->n ? (double)good / (double)ps->n : 0.0;
    return m;
}

/* recall within 2 m of every recorded mine placed by an alternative fit
 * (found = t + A recorded, A clockwise rotation and scale, as dm_mf_fit) */
static double alt_recall(const dm_mf_scenario *sc, const dm_mf_layout *lay, const dm_mf_alt *a)
{
    double c = a->scale * cos(a->rotation_deg * M_PI / 180.0);
    double s = a->scale * sin(a->rotation_deg * M_PI / 180.0);
    size_t nrem = 0, hit = 0;
    for (size_t t = 0; t < sc->n_truth; t++) {
        if (sc->truth[t].found)
            continue;
        nrem++;
        for (size_t i = 0; i < lay->n_mines; i++) {
            double x = lay->mines[i].x, y = lay->mines[i].y;
            double px = c * x + s * y + a->dx_m, py = -s * x + c * y + a->dy_m;
            if (hypot(px - sc->truth[t].x, py - sc->truth[t].y) <= 2.0) {
                hit++;
                break;
            }
        }
    }
    return nrem ? (double)hit / (double)nrem : 1.0;
}

static double bucket_fraction(int b, uint64_t seed)
{
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + 0x1234567ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    double u = ((double)(z >> 11) + 0.5) / 9007199254740992.0;
    return b == 0 ? 0.0 : b == 1 ? 0.10 * u : 0.10 + 0.30 * u;
}

/* --cleared: demine is told the cleared ground, the cleared side of the
 * scenario's front within the field's bounding box grown by 20 m */
static int use_cleared = 0;
/* --families: demine is run a second time with the true transform as one
 * more start (dm_mf_predict_opts.start), its recall a column of its own */
static int with_start = 0;

/* the box clipped to ux*x + uy*y <= c: at most 5 vertices into xy */
static size_t cleared_polygon(const dm_mf_scenario *sc, double *xy)
{
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t t = 0; t < sc->n_truth; t++) {
        minx = fmin(minx, sc->truth[t].x);
        maxx = fmax(maxx, sc->truth[t].x);
        miny = fmin(miny, sc->truth[t].y);
        maxy = fmax(maxy, sc->truth[t].y);
    }
    double box[8] = {minx - 20, miny - 20, maxx + 20, miny - 20,
                     maxx + 20, maxy + 20, minx - 20, maxy + 20};
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        double ax = box[2 * k], ay = box[2 * k + 1];
        double bx = box[2 * ((k + 1) % 4)], by = box[2 * ((k + 1) % 4) + 1];
        double da = sc->clear_ux * ax + sc->clear_uy * ay - sc->clear_c;
        double db = sc->clear_ux * bx + sc->clear_uy * by - sc->clear_c;
        if (da <= 0) {
            xy[2 * n] = ax;
            xy[2 * n + 1] = ay;
            n++;
        }
        if ((da < 0) != (db < 0) && da != db) {
            double u = da / (da - db);
            xy[2 * n] = ax + u * (bx - ax);
            xy[2 * n + 1] = ay + u * (by - ay);
            n++;
        }
    }
    return n;
}

/* demine on the scenario's found items: told the cleared ground with
 * --cleared, and given start (or NULL) as one more start */
static int predict_demine(const dm_mf_scenario *sc, const double *start, dm_mf_prediction_set *ps,
                          dm_error *err)
{
    double cxy[16];
    size_t end = use_cleared ? cleared_polygon(sc, cxy) : 0;
    dm_mf_predict_opts o = {
        .cleared_xy = cxy, .cleared_ring_end = &end, .n_cleared_rings = end >= 3, .start = start};
    return dm_mf_predict_ex(&sc->rec, sc->found_xy, sc->n_found, &o, ps, err);
}

/* Runs the four methods on one scenario into a[NMETH]; 0 or -1 on error. */
static int run_case(uint64_t seed, const dm_mf_scenario *sc, acc *a, int bucket, int verbose)
{
    dm_mf_layout lay;
    dm_error err;
    if (dm_mf_layout_compute(&sc->rec, &lay, &err)) {
        fprintf(stderr, "layout: %s\n", err.msg);
        return -1;
    }
    for (int m = 0; m < NMETH; m++) {
        dm_mf_prediction_set ps;
        memset(&ps, 0, sizeof ps);
        double t0 = now_ms();
        int rc = 0;
        if (m == M_WRITTEN)
            rc = dm_mf_predict(&sc->rec, NULL, 0, &ps, &err);
        else if (m == M_DEMINE)
            rc = predict_demine(sc, NULL, &ps, &err);
        else if (m == M_LS)
            rc = predict_ls(sc, &lay, &ps);
        else
            rc = predict_true(sc, &lay, &ps);
        double ms = now_ms() - t0;
        if (rc) {
            fprintf(stderr, "seed %llu %s: %s\n", (unsigned long long)seed, meth_name[m], err.msg);
            dm_mf_layout_free(&lay);
            return -1;
        }
        metrics mt = evaluate(sc, &ps);
        acc *q = &a[m];
        q->ms[q->n] = ms;
        q->n++;
        q->recall += mt.recall;
        if (m == M_DEMINE) {
            double best = mt.recall;
            for (size_t k = 0; k < ps.fit.n_alts; k++)
                best = fmax(best, alt_recall(sc, &lay, &ps.fit.alts[k]));
            q->recall_listed += best;
            if (with_start) {
                double st[4] = {sc->rotation_deg, sc->scale, sc->dx_m, sc->dy_m};
                dm_mf_prediction_set p2;
                memset(&p2, 0, sizeof p2);
                if (predict_demine(sc, st, &p2, &err)) {
                    fprintf(stderr, "seed %llu demine from the truth: %s\n",
                            (unsigned long long)seed, err.msg);
                    dm_mf_prediction_set_free(&ps);
                    dm_mf_layout_free(&lay);
                    return -1;
                }
                q->recall_start += evaluate(sc, &p2).recall;
                dm_mf_prediction_set_free(&p2);
            }
        }
        if (mt.has_prec) {
            q->precision += mt.precision;
            q->n_prec++;
        }
        q->cov_in += mt.cov_in;
        q->cov_n += mt.cov_n;
        if (m == M_DEMINE || m == M_WRITTEN) {
            q->conf_n++;
            q->conf_wrong += ps.fit.confidence >= 0.5 && mt.precision < 0.5;
        }
        if (verbose && m == M_DEMINE)
            printf("b%d seed %llu nf %zu truth %zu | true rot %.2f s %.3f t %.1f %.1f | "
                   "fit rot %.2f s %.3f t %.1f %.1f m %zu rmse %.2f conf %.2f | rec %.2f "
                   "prec %.2f cov %ld/%ld\n",
                   bucket, (unsigned long long)seed, sc->n_found, sc->n_truth, sc->rotation_deg,
                   sc->scale, sc->dx_m, sc->dy_m, ps.fit.rotation_deg, ps.fit.scale, ps.fit.dx_m,
                   ps.fit.dy_m, ps.fit.matched, ps.fit.rmse_m, ps.fit.confidence, mt.recall,
                   mt.precision, mt.cov_in, mt.cov_n);
        if (verbose && m == M_LS)
            printf("b%d seed %llu LS rec %.2f prec %.2f cov %ld/%ld\n", bucket,
                   (unsigned long long)seed, mt.recall, mt.precision, mt.cov_in, mt.cov_n);
        if (m == M_LS || m == M_TRUE)
            free(ps.items);
        else
            dm_mf_prediction_set_free(&ps);
    }
    dm_mf_layout_free(&lay);
    return 0;
}

/* --families: see the header */
static int families(int cases, uint64_t seed0, int markdown, int verbose, const char *only)
{
    enum { NB = 2 };
    static const char *const bname[NB] = {"0-10%", "10-40%"};
    acc(*a)[NB][NMETH] = calloc(DM_MF_FAM_COUNT, sizeof *a);
    if (!a)
        return 1;
    double gap_ls = 0, gap_true = 0, gap_dm = 0, slowest = 0;
    with_start = 1;
    if (markdown) {
        printf("| family | found | cases | as written | LS (known corr.) | demine | demine, best "
               "listed fit | demine, also started at the truth | true transform | demine "
               "coverage | confidently wrong | median ms | slowest ms |\n");
        printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    }
    for (int f = 0; f < DM_MF_FAM_COUNT; f++)
        for (int b = 0; b < NB; b++) {
            if (only && strcmp(only, dm_mf_family_name((dm_mf_family)f)))
                continue;
            for (int m = 0; m < NMETH; m++)
                a[f][b][m].ms = calloc((size_t)cases, sizeof(double));
            for (int c = 0; c < cases; c++) {
                uint64_t seed =
                    seed0 + (uint64_t)f * 100003ull + (uint64_t)(b + 1) * 1000003ull + (uint64_t)c;
                dm_mf_scenario_opts o = {bucket_fraction(b + 1, seed), 0, false, (dm_mf_family)f};
                dm_mf_scenario sc;
                dm_error err;
                if (dm_mf_scenario_generate(seed, &o, &sc, &err)) {
                    fprintf(stderr, "scenario %llu: %s\n", (unsigned long long)seed, err.msg);
                    return 1;
                }
                if (verbose)
                    printf("family %s ", dm_mf_family_name((dm_mf_family)f));
                int rc = run_case(seed, &sc, a[f][b], b + 1, verbose);
                dm_mf_scenario_free(&sc);
                if (rc)
                    return 1;
            }
            acc *q = a[f][b];
            double r[NMETH];
            for (int m = 0; m < NMETH; m++)
                r[m] = q[m].recall / q[m].n;
            if (b == 1 && f != DM_MF_FAM_CLUTTER_ONLY) {
                gap_ls += r[M_LS];
                gap_true += r[M_TRUE];
                gap_dm += r[M_DEMINE];
            }
            double cov =
                q[M_DEMINE].cov_n ? (double)q[M_DEMINE].cov_in / (double)q[M_DEMINE].cov_n : NAN;
            double cw = (double)q[M_DEMINE].conf_wrong / q[M_DEMINE].conf_n;
            double slow = quantile(q[M_DEMINE].ms, q[M_DEMINE].n, 1.0);
            double med = quantile(q[M_DEMINE].ms, q[M_DEMINE].n, 0.5);
            slowest = fmax(slowest, slow);
            double listed = q[M_DEMINE].recall_listed / q[M_DEMINE].n;
            double started = q[M_DEMINE].recall_start / q[M_DEMINE].n;
            if (markdown)
                printf("| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | "
                       "%.1f | %.1f |\n",
                       dm_mf_family_name((dm_mf_family)f), bname[b], q[M_DEMINE].n, r[M_WRITTEN],
                       r[M_LS], r[M_DEMINE], listed, started, r[M_TRUE], cov, cw, med, slow);
            else
                printf("%-14s %-6s n=%d written %.3f LS %.3f demine %.3f listed %.3f started %.3f "
                       "true %.3f cov %.3f conf-wrong %.3f ms %.1f/%.1f\n",
                       dm_mf_family_name((dm_mf_family)f), bname[b], q[M_DEMINE].n, r[M_WRITTEN],
                       r[M_LS], r[M_DEMINE], listed, started, r[M_TRUE], cov, cw, med, slow);
            fflush(stdout);
            for (int m = 0; m < NMETH; m++)
                free(a[f][b][m].ms);
        }
    double closed = gap_true > gap_ls ? (gap_dm - gap_ls) / (gap_true - gap_ls) : NAN;
    printf("%sAll families but clutter-only at 10-40%% found: demine closes %.2f of the gap from "
           "the known-correspondence fit to the true transform (target 0.5); slowest case %.0f "
           "ms.\n",
           markdown ? "\n" : "", closed, slowest);
    free(a);
    return 0;
}

int main(int argc, char **argv)
{
    int cases = 300;
    uint64_t seed0 = 1;
    int markdown = 0, verbose = 0, fam = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cases") && i + 1 < argc)
            cases = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed0 = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--markdown"))
            markdown = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--families"))
            fam = 1;
        else if (!strcmp(argv[i], "--family") && i + 1 < argc)
            fam = 1, only = argv[++i];
        else if (!strcmp(argv[i], "--cleared"))
            use_cleared = 1;
        else {
            fprintf(stderr,
                    "usage: %s [--families | --family NAME] [--cleared] [--cases N] [--seed S] "
                    "[--markdown] [--verbose]\n",
                    argv[0]);
            return 2;
        }
    }
    if (cases < 1)
        cases = 1;
    if (fam)
        return families(cases, seed0, markdown, verbose, only);
    acc a[NBUCKET][NMETH];
    memset(a, 0, sizeof a);
    for (int b = 0; b < NBUCKET; b++)
        for (int m = 0; m < NMETH; m++)
            a[b][m].ms = calloc((size_t)cases, sizeof(double));
    for (int b = 0; b < NBUCKET; b++) {
        for (int c = 0; c < cases; c++) {
            uint64_t seed = seed0 + (uint64_t)b * 1000003ull + (uint64_t)c;
            dm_mf_scenario_opts o = {bucket_fraction(b, seed), 0, false, DM_MF_FAM_BASE};
            dm_mf_scenario sc;
            dm_error err;
            if (dm_mf_scenario_generate(seed, &o, &sc, &err)) {
                fprintf(stderr, "scenario %llu: %s\n", (unsigned long long)seed, err.msg);
                return 1;
            }
            acc row[NMETH];
            for (int m = 0; m < NMETH; m++)
                row[m] = a[b][m];
            int rc = run_case(seed, &sc, row, b, verbose);
            for (int m = 0; m < NMETH; m++)
                a[b][m] = row[m];
            dm_mf_scenario_free(&sc);
            if (rc)
                return 1;
        }
    }

    /* timing: 2,000 recorded mines, 500 found */
    double big[15];
    size_t big_found = 0, big_mines = 0;
    for (int r = 0; r < 15; r++) {
        dm_mf_scenario sc;
        dm_error err;
        dm_mf_scenario_opts o = {0.25, 2000, false, DM_MF_FAM_BASE};
        if (dm_mf_scenario_generate(seed0 + 777 + (uint64_t)r, &o, &sc, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        /* exactly 500 found items: found mines first, then clutter */
        size_t nf = sc.n_found < 500 ? sc.n_found : 500;
        dm_mf_layout lay;
        dm_mf_layout_compute(&sc.rec, &lay, &err);
        big_mines = lay.n_mines;
        dm_mf_layout_free(&lay);
        dm_mf_prediction_set ps;
        double t0 = now_ms();
        if (dm_mf_predict(&sc.rec, sc.found_xy, nf, &ps, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        big[r] = now_ms() - t0;
        big_found = nf;
        dm_mf_prediction_set_free(&ps);
        dm_mf_scenario_free(&sc);
    }
    double big_med = quantile(big, 15, 0.5), big_max = quantile(big, 15, 1.0);

    if (markdown) {
        printf("| found | method | cases | recall within 2 m | precision | radius coverage | "
               "confidently wrong | median ms | p95 ms |\n");
        printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    }
    for (int b = 0; b < NBUCKET; b++)
        for (int m = 0; m < NMETH; m++) {
            acc *q = &a[b][m];
            double rec = q->recall / q->n;
            double prec = q->n_prec ? q->precision / q->n_prec : NAN;
            double cov = q->cov_n ? (double)q->cov_in / (double)q->cov_n : NAN;
            char cw[32];
            if (q->conf_n)
                snprintf(cw, sizeof cw, "%.3f", (double)q->conf_wrong / q->conf_n);
            else
                snprintf(cw, sizeof cw, "n/a");
            double med = quantile(q->ms, q->n, 0.5), p95 = quantile(q->ms, q->n, 0.95);
            if (markdown)
                printf("| %s | %s | %d | %.3f | %.3f | %.3f | %s | %.2f | %.2f |\n", bucket_name[b],
                       meth_name[m], q->n, rec, prec, cov, cw, med, p95);
            else
                printf("%-7s %-24s n=%d recall %.3f precision %.3f coverage %.3f conf-wrong %s "
                       "ms %.2f/%.2f\n",
                       bucket_name[b], meth_name[m], q->n, rec, prec, cov, cw, med, p95);
        }
    if (markdown)
        printf("\nRecord of %zu mines with %zu found items: demine fit and prediction median "
               "%.1f ms, slowest %.1f ms (15 runs).\n",
               big_mines, big_found, big_med, big_max);
    else
        printf("timing: %zu mines, %zu found: median %.1f ms, max %.1f ms\n", big_mines, big_found,
               big_med, big_max);
    for (int b = 0; b < NBUCKET; b++)
        for (int m = 0; m < NMETH; m++)
            free(a[b][m].ms);
    return 0;
}
