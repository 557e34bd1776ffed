/* Fit of a minefield record to the mines clearance has found, and the
 * prediction of the mines not yet found (minefield.h; the method is
 * described in docs/ARCHITECTURE.md, "Fit and prediction").
 *
 * Model: found = t + A * recorded, A = [[a1, a2], [-a2, a1]] (a similarity:
 * scale s = |a|, clockwise rotation atan2(a2, a1)), plus per-row offsets for
 * rows that were moved, plus jitter. The priors are those of the error model
 * of minefield_scenario.h: rotation near 0 (or near -declination for
 * magnetic records, +declination for grid records that carry one, and
 * rarely 180 degrees: every bearing reciprocal), scale near 1 (or near the
 * pace length / its inverse), translation of tens to hundreds of metres.
 * The jitter is estimated from the fit's residuals (dm_mf_predict_ex);
 * docs/ARCHITECTURE.md lists every constant and where it comes from. */
#include "analysis/minefield.h"

#include "core/rng.h"
#include "core/sorted.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

/* 95% radius of an isotropic 2-D Gaussian, in sigmas: sqrt(-2 ln 0.05) */
#define K95 2.4477
/* scoring: a found item is clutter (anywhere in the cleared ground: the
 * found items' hull with a spacing around it) with this probability at
 * first; then with the share of items a first fit leaves unmatched, the
 * first figure counting as this many items (fit_nuisance) */
#define P_CLUTTER 0.2
#define CLUTTER_PRIOR_N 4.0
/* the jitter assumed at first (m, per axis; a typical figure for mines
 * laid by hand): in the evidence, as the prior of each fit's own
 * estimate, and as the least radius of a prediction (its 95% radius);
 * quick scores and row checks, made before a fit is refined, use sqrt(2)
 * times the jitter (the item's jitter and as much again for the unrefined
 * fit's error: problem.score_sigma) */
#define JITTER0 0.35
/* temperature of the posterior over distinct fits (calibrated: the scores
 * are not exact log-likelihoods) */
#define SCORE_TEMP 3.0
#define CONF_POW 2.5
#define ALT_SHARE 0.7 /* of the doubt, the share of the other fits tried */
/* nats per recorded mine in cleared ground unfound in a row with mines
 * found, and at most per row (unfound_cost) */
#define MISS_COST_LAID 4.0
#define MISS_CAP_LAID 12.0
/* an unrecorded row (extra_row) */
#define EXTRA_COST -8.0 /* log(0.25), the side, the offset's prior against its fit */
#define EXTRA_MIN 3     /* items on it, at least */
#define EXTRA_ALONG 6.5 /* m (record frame): how far it may be shifted along */
#define EXTRA_NEAR 0.55 /* row gaps beyond the outer row, at least */
#define EXTRA_FAR 1.65  /* and at most */
#define NDIR 72         /* directions tried for the clearance front */
#define MAX_HYP 192
#define NEXPLORE 5     /* other rotations/scales whose lattice moves are tried */
#define EXPLORE_TOP 8  /* lattice moves refined per pass */
#define MAX_CAND 24    /* rotation/scale candidates */
#define MAX_ICP 16     /* hypotheses refined */
#define SUBSET 24      /* found items that vote for translations */
#define REFINE_TOP 8   /* other fits refined with moved rows */
#define MOVED_COST 6.0 /* nats per moved row */
#define POOL_KEEP 2    /* starts per rotation/scale candidate refined, at most */
#define NANCHOR 3      /* matched items moved onto other recorded mines in explore */
#define NFAR 6         /* starts from seeds away from the centre */
#define FAR_MIN_FOUND 20
#define NSEED 3         /* found items tried as each recorded mine */
#define PAIR_PARTNERS 4 /* found items paired with the seed */
#define PAIR_MAX_FOUND 40
#define PAIR_HYP 8 /* hypotheses from pairs */
/* up to this many found items the search is the full one: the score's
 * evidence term (score_of), free matches (match()), more seeds, starts
 * and alternatives explored; above, the cheaper forms (so many items pin
 * the fit anyway), which keep 2,000 mines with 500 found under 100 ms */
#define FULL_MAX_FOUND 150
#define FULL_MAX_MINES 800
/* match(): an item that loses its nearest mine takes the nearest free one
 * within this share of the spacing */
#define FREE_GATE 0.8
/* a fit with at most this many matched items is not trusted over the
 * record as written (predict_fitted) */
#define FALLBACK_MATCHED 2
/* the test of a fit against clutter alone (null_test): this many sets of
 * clutter drawn; the fit stands when it beats them all, so that a fit of
 * clutter stands by chance 1 time in NULL_SIMS + 1 (chosen on the tuning
 * seeds: 4 draws rejected more fits of a few real mines among clutter,
 * and no more fits of clutter) */
#define NULL_SIMS 3
/* along-row drift: estimated from rows with at least this many matched
 * mines spread over two spacings or more */
#define DRIFT_MIN 4
/* the jitter estimated from a fit's residuals (refit, fit_nuisance): the
 * jitter assumed counts as this many residuals (per axis: 3 mines), so
 * that a few matched items move the estimate little; the residuals are
 * times this for those the gate cuts off; at most this many refits */
#define JITTER_PRIOR_AXES 6.0
#define JITTER_TRUNC 1.15
#define JITTER_PASSES 2
/* the stretch of a paced row (sd of its length's error, a share): the
 * least the along-row drift takes (drift_estimate). A pace count over
 * tens of metres is good to a few per cent; this is the low end, so that
 * a row's stretch the residuals show is never overruled. */
#define PACE_SD 0.02

typedef struct pt {
    double x, y;
} pt;

/* ---------------------------------------------------------------- grid */

typedef struct grid {
    double x0, y0, cell;
    long nx, ny;
    size_t *start; /* nx*ny + 1 */
    size_t *idx;
    const pt *p;
    size_t n;
} grid;

static void grid_free(grid *g)
{
    free(g->start);
    free(g->idx);
    memset(g, 0, sizeof *g);
}

static long clampl(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

static int grid_build(grid *g, const pt *p, size_t n, double cell)
{
    memset(g, 0, sizeof *g);
    g->p = p;
    g->n = n;
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        minx = fmin(minx, p[i].x);
        maxx = fmax(maxx, p[i].x);
        miny = fmin(miny, p[i].y);
        maxy = fmax(maxy, p[i].y);
    }
    if (!n) {
        minx = miny = maxx = maxy = 0;
    }
    if (!(cell > 0))
        cell = 1.0;
    double w = maxx - minx, h = maxy - miny;
    double maxcells = 4.0 * (double)n + 16.0;
    while ((w / cell + 1) * (h / cell + 1) > maxcells)
        cell *= 1.5;
    g->cell = cell;
    g->x0 = minx;
    g->y0 = miny;
    g->nx = (long)(w / cell) + 1;
    g->ny = (long)(h / cell) + 1;
    size_t nc = (size_t)(g->nx * g->ny);
    g->start = calloc(nc + 1, sizeof *g->start);
    g->idx = malloc((n ? n : 1) * sizeof *g->idx);
    if (!g->start || !g->idx) {
        grid_free(g);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        long cx = clampl((long)((p[i].x - minx) / cell), 0, g->nx - 1);
        long cy = clampl((long)((p[i].y - miny) / cell), 0, g->ny - 1);
        g->start[cy * g->nx + cx + 1]++;
    }
    for (size_t c = 0; c < nc; c++)
        g->start[c + 1] += g->start[c];
    size_t *fill = calloc(nc ? nc : 1, sizeof *fill);
    if (!fill) {
        grid_free(g);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        long cx = clampl((long)((p[i].x - minx) / cell), 0, g->nx - 1);
        long cy = clampl((long)((p[i].y - miny) / cell), 0, g->ny - 1);
        size_t c = (size_t)(cy * g->nx + cx);
        g->idx[g->start[c] + fill[c]++] = i;
    }
    free(fill);
    return 0;
}

/* The cells (ranges inclusive, clamped to the grid) that a disc of radius
 * r (m) around (x, y) may touch; false when the disc lies wholly off the
 * grid. */
typedef struct cell_window {
    long x0, x1, y0, y1;
} cell_window;

static bool grid_window(const grid *g, double x, double y, double r, cell_window *w)
{
    double fx = (x - g->x0) / g->cell, fy = (y - g->y0) / g->cell, rc = r / g->cell;
    w->x0 = clampl((long)floor(fx - rc), 0, g->nx - 1);
    w->x1 = clampl((long)floor(fx + rc), 0, g->nx - 1);
    w->y0 = clampl((long)floor(fy - rc), 0, g->ny - 1);
    w->y1 = clampl((long)floor(fy + rc), 0, g->ny - 1);
    return !(fx + rc < 0 || fy + rc < 0 || fx - rc > (double)g->nx || fy - rc > (double)g->ny);
}

/* The points in the cells a disc may touch (grid_window), one by one: cell
 * by cell, rows of cells from the lowest, each cell's points in the grid's
 * order. */
typedef struct grid_walk {
    const grid *g;
    cell_window w;
    long cx, cy;
    size_t k, end;
} grid_walk;

/* Starts a walk over the cells of the disc of radius r (m) around (x, y);
 * false when the disc lies wholly off the grid (the walk then covers the
 * clamped cells nearest to it, as grid_window says). */
static bool walk_start(grid_walk *it, const grid *g, double x, double y, double r)
{
    bool on = grid_window(g, x, y, r, &it->w);
    it->g = g;
    it->cy = it->w.y0;
    it->cx = it->w.x0 - 1;
    it->k = it->end = 0;
    return on;
}

/* The next point's index in *i; false when the walk is done. */
static bool walk_next(grid_walk *it, size_t *i)
{
    while (it->k == it->end) {
        if (++it->cx > it->w.x1) {
            it->cx = it->w.x0;
            if (++it->cy > it->w.y1)
                return false;
        }
        size_t c = (size_t)(it->cy * it->g->nx + it->cx);
        it->k = it->g->start[c];
        it->end = it->g->start[c + 1];
    }
    *i = it->g->idx[it->k++];
    return true;
}

/* Nearest point within rmax of (x, y) whose index passes skip (NULL: all),
 * or -1. */
static long grid_nearest(const grid *g, double x, double y, double rmax, const bool *skip,
                         double *dist)
{
    if (!g->n || !(rmax > 0) || !isfinite(x) || !isfinite(y))
        return -1;
    grid_walk it;
    if (!walk_start(&it, g, x, y, rmax))
        return -1;
    long best = -1;
    double bd = rmax * rmax;
    for (size_t i; walk_next(&it, &i);) {
        if (skip && skip[i])
            continue;
        double dx = g->p[i].x - x, dy = g->p[i].y - y, d = dx * dx + dy * dy;
        if (d <= bd) {
            bd = d;
            best = (long)i;
        }
    }
    if (dist)
        *dist = sqrt(bd);
    return best;
}

/* ------------------------------------------------------------ transform */

typedef struct xform {
    double a1, a2, tx, ty;
} xform;

/* the linear part alone (rotation and scale): a vector, not a point */
static void xf_linear(const xform *t, double x, double y, double *ox, double *oy)
{
    *ox = t->a1 * x + t->a2 * y;
    *oy = -t->a2 * x + t->a1 * y;
}

static void xf_apply(const xform *t, double x, double y, double *ox, double *oy)
{
    xf_linear(t, x, y, ox, oy);
    *ox += t->tx;
    *oy += t->ty;
}

static void xf_inverse(const xform *t, double x, double y, double *ox, double *oy)
{
    double s2 = t->a1 * t->a1 + t->a2 * t->a2;
    double u = x - t->tx, v = y - t->ty;
    *ox = (t->a1 * u - t->a2 * v) / s2;
    *oy = (t->a2 * u + t->a1 * v) / s2;
}

static double xf_scale(const xform *t) { return hypot(t->a1, t->a2); }
static double xf_rot(const xform *t) { return atan2(t->a2, t->a1) / DEG; }

static xform xf_make(double rot_deg, double scale, double tx, double ty)
{
    xform t = {scale * cos(rot_deg * DEG), scale * sin(rot_deg * DEG), tx, ty};
    return t;
}

static double wrap180(double a)
{
    a = fmod(a + 180.0, 360.0);
    if (a < 0)
        a += 360.0;
    return a - 180.0;
}

/* -------------------------------------------------------- linear algebra */

/* in-place Cholesky of the n x n matrix a (row-major, lower factor; the
 * upper triangle is left as it was); false if not positive definite */
static bool chol_lower(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * n + k] * a[j * n + k];
        if (!(s > 1e-300))
            return false;
        s = sqrt(s);
        a[j * n + j] = s;
        for (size_t i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / s;
        }
    }
    return true;
}

/* solves L y = b in place */
static void chol_forward(const double *l, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double v = b[i];
        for (size_t k = 0; k < i; k++)
            v -= l[i * n + k] * b[k];
        b[i] = v / l[i * n + i];
    }
}

/* solves L' x = b in place */
static void chol_back(const double *l, size_t n, double *b)
{
    for (size_t i = n; i-- > 0;) {
        double v = b[i];
        for (size_t k = i + 1; k < n; k++)
            v -= l[k * n + i] * b[k];
        b[i] = v / l[i * n + i];
    }
}

/* Inverts a symmetric positive definite 4x4 matrix by Cholesky; returns
 * log det or NAN when not positive definite. */
static double spd_inverse4(const double a[16], double inv[16])
{
    double l[16];
    memcpy(l, a, sizeof l);
    if (!chol_lower(l, 4))
        return NAN;
    double logdet = 0.0;
    for (int i = 0; i < 4; i++)
        logdet += 2.0 * log(l[i * 4 + i]);
    /* inverse of L (column j: L y = e_j), then inv = L^-T L^-1 */
    double li[16] = {0};
    for (int j = 0; j < 4; j++) {
        double col[4] = {0};
        col[j] = 1.0;
        chol_forward(l, 4, col);
        for (int i = 0; i < 4; i++)
            li[i * 4 + j] = col[i];
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int k = 0; k < 4; k++)
                s += li[k * 4 + i] * li[k * 4 + j];
            inv[i * 4 + j] = s;
        }
    return logdet;
}

/* ---------------------------------------------------------------- priors */

typedef struct comp {
    double mu[4];    /* prior mean of (a1, a2, tx, ty) */
    double prec[16]; /* prior precision */
    double logdet_prec;
    double logw;
    double rot0, s0, srot, ss, st;
} comp;

typedef struct priors {
    comp c[48];
    int n;
    double rot_modes[2], rot_w[2];
    int n_rot;
    double recip_w; /* the reciprocal mode: rot_modes[0] + 180 degrees */
    double s_modes[2], s_w[2];
    int n_s;
} priors;

static const double ROT_SD[2] = {3.0, 10.0}, ROT_SDW[2] = {0.75, 0.25};
/* the translation (m): the generator's three, and a wrong reference point
 * (a grid reference a digit off is 1 km or more away): a few records in a
 * hundred, kilometres off */
static const double T_SD[] = {15.0, 80.0, 250.0, 2000.0}, T_W[] = {0.4, 0.4, 0.18, 0.02};
enum { NT_COMP = sizeof T_SD / sizeof *T_SD };
/* prior weight of a record whose bearings are all reciprocal (taken from
 * the field back to the reference point): a few in a hundred (issue 16's
 * independently made records had a few) */
#define RECIP_W 0.05
#define SCALE_SD 0.04
/* a metre record that gives no pace length may still have been paced: the
 * pace length of that mode is the usual one (the drill pace of 75 cm, or
 * 30 inches: 0.76 m), with the spread of the other scale modes */
#define PACE_TYPICAL_M 0.75

static void priors_init(priors *p, const dm_mf_record *rec, double recip_w)
{
    memset(p, 0, sizeof *p);
    p->rot_modes[0] = 0.0;
    p->rot_w[0] = 1.0;
    p->n_rot = 1;
    /* magnetic bearings whose declination should not have been added (they
     * were grid): -declination; grid bearings given with a declination may
     * really have been magnetic: +declination */
    if (rec && fabs(rec->declination_deg) > 0.5 && fabs(rec->declination_deg) < 90.0) {
        p->rot_modes[1] =
            rec->bearing_ref == DM_MF_MAGNETIC ? -rec->declination_deg : rec->declination_deg;
        p->rot_w[0] = 0.8;
        p->rot_w[1] = 0.2;
        p->n_rot = 2;
    }
    p->s_modes[0] = 1.0;
    p->s_w[0] = 1.0;
    p->n_s = 1;
    if (rec && rec->pace_m > 0.3 && rec->pace_m < 3.0 && fabs(rec->pace_m - 1.0) > 0.05) {
        p->s_modes[1] = rec->unit == DM_MF_PACES ? 1.0 / rec->pace_m : rec->pace_m;
        p->s_w[0] = 0.85;
        p->s_w[1] = 0.15;
        p->n_s = 2;
    } else if (rec && rec->unit == DM_MF_METRES && !(rec->pace_m > 0)) {
        p->s_modes[1] = PACE_TYPICAL_M;
        p->s_w[0] = 0.85;
        p->s_w[1] = 0.15;
        p->n_s = 2;
    }
    p->recip_w = recip_w;
    for (int r = 0; r < p->n_rot + (recip_w > 0); r++)
        for (int rw = 0; rw < 2; rw++)
            for (int s = 0; s < p->n_s; s++)
                for (int tw = 0; tw < NT_COMP; tw++) {
                    comp *c = &p->c[p->n++];
                    /* r == n_rot: every bearing reciprocal */
                    double w = r < p->n_rot ? p->rot_w[r] * (1.0 - p->recip_w) : p->recip_w;
                    c->rot0 = r < p->n_rot ? p->rot_modes[r] : wrap180(p->rot_modes[0] + 180.0);
                    c->s0 = p->s_modes[s];
                    c->srot = ROT_SD[rw];
                    c->ss = SCALE_SD;
                    c->st = T_SD[tw];
                    c->logw = log(w * ROT_SDW[rw] * p->s_w[s] * T_W[tw]);
                    double e1x = cos(c->rot0 * DEG), e1y = sin(c->rot0 * DEG);
                    double v1 = 1.0 / pow(c->s0 * c->ss, 2);
                    double v2 = 1.0 / pow(c->s0 * c->srot * DEG, 2);
                    c->mu[0] = c->s0 * e1x;
                    c->mu[1] = c->s0 * e1y;
                    c->prec[0] = v1 * e1x * e1x + v2 * e1y * e1y;
                    c->prec[1] = c->prec[4] = (v1 - v2) * e1x * e1y;
                    c->prec[5] = v1 * e1y * e1y + v2 * e1x * e1x;
                    c->prec[10] = c->prec[15] = 1.0 / (c->st * c->st);
                    c->logdet_prec = log(v1) + log(v2) + 2.0 * log(c->prec[10]);
                }
}

static double lognorm(double x, double sd) { return -0.5 * x * x / (sd * sd) - log(sd); }

/* log prior density of a transform (rotation in degrees, scale, t in m) */
static double log_prior(const priors *p, const xform *t)
{
    double rot = xf_rot(t), s = xf_scale(t), tr = hypot(t->tx, t->ty);
    double pr = 0.0, ps = 0.0, pt_ = 0.0;
    for (int r = 0; r < p->n_rot + (p->recip_w > 0); r++)
        for (int w = 0; w < 2; w++) {
            double m = r < p->n_rot ? p->rot_modes[r] : p->rot_modes[0] + 180.0;
            double rw = r < p->n_rot ? p->rot_w[r] * (1.0 - p->recip_w) : p->recip_w;
            pr += rw * ROT_SDW[w] * exp(lognorm(wrap180(rot - m), ROT_SD[w]));
        }
    for (int k = 0; k < p->n_s; k++)
        ps += p->s_w[k] * exp(lognorm(s / p->s_modes[k] - 1.0, SCALE_SD));
    for (int w = 0; w < NT_COMP; w++)
        pt_ += T_W[w] * exp(lognorm(tr, T_SD[w]) - log(T_SD[w]));
    return log(pr + 1e-300) + log(ps + 1e-300) + log(pt_ + 1e-300);
}

/* Sufficient statistics of matched pairs: H = sum J^T J, b = sum J^T f,
 * c = sum |f|^2 with J = [[mx, my, 1, 0], [my, -mx, 0, 1]]. */
typedef struct stats {
    double h[16], b[4], c;
    size_t n;
} stats;

static void stats_add(stats *s, double mx, double my, double fx, double fy)
{
    double j0[4] = {mx, my, 1, 0}, j1[4] = {my, -mx, 0, 1};
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 4; k++)
            s->h[i * 4 + k] += j0[i] * j0[k] + j1[i] * j1[k];
        s->b[i] += j0[i] * fx + j1[i] * fy;
    }
    s->c += fx * fx + fy * fy;
    s->n++;
}

typedef struct solution {
    xform t;
    double cov[16]; /* posterior covariance of (a1, a2, tx, ty) */
    double logz;
    int comp;
} solution;

/* MAP fit under every prior component; keeps the one of highest evidence. */
static void solve(const priors *p, const stats *s, double sigma, solution *best)
{
    double is2 = 1.0 / (sigma * sigma);
    best->logz = -INFINITY;
    best->comp = -1;
    for (int k = 0; k < p->n; k++) {
        const comp *c = &p->c[k];
        double nm[16], rhs[4], inv[16], x[4];
        for (int i = 0; i < 16; i++)
            nm[i] = s->h[i] * is2 + c->prec[i];
        for (int i = 0; i < 4; i++) {
            rhs[i] = s->b[i] * is2;
            for (int j = 0; j < 4; j++)
                rhs[i] += c->prec[i * 4 + j] * c->mu[j];
        }
        double ld = spd_inverse4(nm, inv);
        if (isnan(ld))
            continue;
        for (int i = 0; i < 4; i++) {
            x[i] = 0;
            for (int j = 0; j < 4; j++)
                x[i] += inv[i * 4 + j] * rhs[j];
        }
        double xhx = 0, xb = 0, pp = 0;
        for (int i = 0; i < 4; i++) {
            xb += x[i] * s->b[i];
            for (int j = 0; j < 4; j++) {
                xhx += x[i] * s->h[i * 4 + j] * x[j];
                pp += (x[i] - c->mu[i]) * c->prec[i * 4 + j] * (x[j] - c->mu[j]);
            }
        }
        double chi = (s->c - 2 * xb + xhx) * is2;
        double logz = -0.5 * (chi + pp) + 0.5 * c->logdet_prec - 0.5 * ld + c->logw;
        if (logz > best->logz) {
            best->logz = logz;
            best->comp = k;
            best->t = (xform){x[0], x[1], x[2], x[3]};
            memcpy(best->cov, inv, sizeof inv);
        }
    }
}

/* ------------------------------------------------------------ the problem */

typedef struct hull {
    pt *v; /* counter-clockwise */
    size_t n;
} hull;

/* Ground known to be cleared, rasterised (even-odd rule) in local metres. */
typedef struct mask {
    double x0, y0, cell;
    long nx, ny;
    unsigned char *m; /* NULL: none given */
} mask;

static bool mask_in(const mask *k, double x, double y)
{
    if (!k->m)
        return false;
    double fx = (x - k->x0) / k->cell, fy = (y - k->y0) / k->cell;
    if (!(fx >= 0 && fy >= 0 && fx < (double)k->nx && fy < (double)k->ny))
        return false;
    return k->m[(long)fy * k->nx + (long)fx] != 0;
}

#define MASK_MAX_CELLS 4000000L
/* Rasterises the rings (cell centres inside by the even-odd rule): cells of
 * 0.25 m, or larger so that there are at most MASK_MAX_CELLS. */
static int mask_build(mask *k, const double *xy, const size_t *ring_end, size_t nring)
{
    memset(k, 0, sizeof *k);
    size_t nv = nring ? ring_end[nring - 1] : 0;
    if (nv < 3)
        return 0;
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t v = 0; v < nv; v++) {
        minx = fmin(minx, xy[2 * v]);
        maxx = fmax(maxx, xy[2 * v]);
        miny = fmin(miny, xy[2 * v + 1]);
        maxy = fmax(maxy, xy[2 * v + 1]);
    }
    double w = maxx - minx, h = maxy - miny, cell = 0.25;
    if (!(w > 0 && h > 0))
        return 0;
    if (w * h / (cell * cell) > (double)MASK_MAX_CELLS)
        cell = sqrt(w * h / (double)MASK_MAX_CELLS);
    k->x0 = minx;
    k->y0 = miny;
    k->cell = cell;
    k->nx = (long)ceil(w / cell) + 1;
    k->ny = (long)ceil(h / cell) + 1;
    k->m = calloc((size_t)(k->nx * k->ny), 1);
    double *xs = malloc((nv + 1) * sizeof *xs);
    if (!k->m || !xs) {
        free(k->m);
        free(xs);
        k->m = NULL;
        return -1;
    }
    for (long row = 0; row < k->ny; row++) {
        double y = k->y0 + ((double)row + 0.5) * cell;
        size_t nx = 0, start = 0;
        for (size_t r = 0; r < nring; r++) {
            size_t end = ring_end[r];
            for (size_t v = start; v < end; v++) {
                size_t u = v + 1 < end ? v + 1 : start;
                double ya = xy[2 * v + 1], yb = xy[2 * u + 1];
                if ((ya > y) == (yb > y))
                    continue;
                double xa = xy[2 * v], xb = xy[2 * u];
                xs[nx++] = xa + (y - ya) * (xb - xa) / (yb - ya);
            }
            start = end;
        }
        qsort(xs, nx, sizeof *xs, dm_cmp_double);
        for (size_t q = 0; q + 1 < nx; q += 2) {
            long c0 = (long)ceil((xs[q] - k->x0) / cell - 0.5);
            long c1 = (long)floor((xs[q + 1] - k->x0) / cell - 0.5);
            for (long c = c0 < 0 ? 0 : c0; c <= c1 && c < k->nx; c++)
                k->m[row * k->nx + c] = 1;
        }
    }
    free(xs);
    return 0;
}

typedef struct problem {
    const dm_mf_record *rec;
    dm_mf_layout lay;
    pt *rp; /* record mines, local metres as written */
    size_t nr;
    grid rg;
    const pt *fp; /* found items */
    size_t nf;
    grid fg;
    priors pri;
    double step_m; /* median spacing of the record's rows, metres */
    size_t nrows;
    int *row_of; /* per record mine: row, or nrows for scattered mines */
    /* clearance fronts: per direction, record mines sorted by projection */
    double *proj; /* NDIR * nr, sorted ascending per direction */
    int *proj_row;
    double *row_proj; /* per direction, per row: sorted projections (offsets below) */
    size_t *row_off;  /* (nrows+1) offsets into each direction's block */
    int *depth;       /* per record mine: min rank over directions */
    double *fdist;    /* per found item: distance from the seed item, m */
    size_t seed;      /* the found item nearest the centroid of them all */
    double r0;        /* distance of the SUBSET-th nearest item from the seed */
    double rmax;      /* of the farthest */
    double ux, uy;    /* direction of the record's longest leg (record frame) */
    double nlo, nhi;  /* range of the row mines' offsets across it */
    bool *nbr;        /* per found item: another one about a spacing away */
    /* the outer rows (lowest and highest offset across), the first mine of
     * each in rp, their mine counts, and the rows' spacing across (m) */
    int outer_row[2];
    size_t outer_first[2], outer_n[2];
    double row_gap;
    long *xscr; /* scratch for score(): nf entries */
    long *xwho; /* scratch for extra_row(): nr entries each */
    double *xdd;
    hull fhull; /* of the found items (cleared ground), clutter by category too */
    /* which found items may be which recorded mines (by category and model;
     * NULL: any): compat[ftype[f] * n_rtype + rtype[i]] */
    const unsigned char *compat;
    const int *ftype, *rtype;
    int n_rtype;
    /* jitter (m, per axis) the fit assumes: in the evidence, in the quick
     * scores, and as the prior of each fit's own estimate; JITTER0 unless
     * the residuals of a first fit say it is larger (dm_mf_predict_ex) */
    double ev_sigma, score_sigma;
    /* clutter: the chance that a found item is clutter, and the area it
     * may be anywhere in (m²): see P_CLUTTER */
    double p_clutter, clutter_area;
    double best_score; /* predict_fitted: the chosen fit's score */
    double best_gain;  /* and its log-likelihood ratio against every found
                        * item clutter (nats; -inf: no fit) */
    mask cleared;      /* ground known to be cleared (none: the found items' hull) */
    bool has_start;    /* a start given (dm_mf_predict_opts.start) */
    xform start;
    size_t *ccount; /* scratch for cleared_cost(): nrows + 1 entries */
    bool *cmatched;
} problem;

/* the full search (FULL_MAX_FOUND) */
static bool full_search(const problem *pb)
{
    return pb->nf <= FULL_MAX_FOUND || pb->nr <= FULL_MAX_MINES;
}

/* whether found item f may be recorded mine i */
static inline bool may_be(const problem *pb, size_t f, size_t i)
{
    return !pb->compat || pb->compat[pb->ftype[f] * pb->n_rtype + pb->rtype[i]];
}

/* log density of a found item as a mine at distance 0 from its recorded
 * place (jitter sigma, m) and as clutter (per m²) */
static double l_mine(const problem *pb, double sigma)
{
    return log((1.0 - pb->p_clutter) / (2.0 * M_PI * sigma * sigma));
}
static double l_clutter(const problem *pb) { return log(pb->p_clutter / pb->clutter_area); }

static void problem_free(problem *pb)
{
    dm_mf_layout_free(&pb->lay);
    free(pb->rp);
    grid_free(&pb->rg);
    grid_free(&pb->fg);
    free(pb->row_of);
    free(pb->proj);
    free(pb->proj_row);
    free(pb->row_proj);
    free(pb->row_off);
    free(pb->depth);
    free(pb->fdist);
    free(pb->nbr);
    free(pb->xscr);
    free(pb->xwho);
    free(pb->xdd);
    free(pb->fhull.v);
    free(pb->cleared.m);
    free(pb->ccount);
    free(pb->cmatched);
}

typedef struct keyed {
    double key;
    size_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    double x = ((const keyed *)a)->key, y = ((const keyed *)b)->key;
    return (x > y) - (x < y);
}

/* Sorted projections of the record's mines on NDIR directions, per row
 * too, and each mine's depth (its smallest rank over the directions). */
static int fronts_prepare(problem *pb)
{
    size_t nr = pb->nr, nrw = pb->nrows + 1;
    pb->proj = malloc(NDIR * (nr ? nr : 1) * sizeof *pb->proj);
    pb->row_proj = malloc(NDIR * (nr ? nr : 1) * sizeof *pb->row_proj);
    pb->row_off = calloc(nrw + 1, sizeof *pb->row_off);
    pb->depth = malloc((nr ? nr : 1) * sizeof *pb->depth);
    keyed *k = malloc((nr ? nr : 1) * sizeof *k);
    if (!pb->proj || !pb->row_proj || !pb->row_off || !pb->depth || !k) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < nr; i++) {
        pb->depth[i] = (int)nr;
        pb->row_off[pb->row_of[i] + 1]++;
    }
    for (size_t r = 0; r < nrw; r++)
        pb->row_off[r + 1] += pb->row_off[r];
    for (size_t i = 0; i < nr; i++)
        k[i].i = i;
    for (int d = 0; d < NDIR; d++) {
        double a = 2.0 * M_PI * d / NDIR, ux = cos(a), uy = sin(a);
        for (size_t i = 0; i < nr; i++)
            k[i].key = ux * pb->rp[k[i].i].x + uy * pb->rp[k[i].i].y;
        if (d == 0) {
            qsort(k, nr, sizeof *k, cmp_keyed);
        } else {
            /* nearly sorted already (the previous direction's order) */
            size_t moves = 0;
            for (size_t i = 1; i < nr && moves <= 32 * nr; i++) {
                keyed v = k[i];
                size_t j = i;
                while (j > 0 && k[j - 1].key > v.key) {
                    k[j] = k[j - 1];
                    j--;
                    moves++;
                }
                k[j] = v;
            }
            if (moves > 32 * nr)
                qsort(k, nr, sizeof *k, cmp_keyed);
        }
        double *pr = pb->proj + (size_t)d * nr, *rw = pb->row_proj + (size_t)d * nr;
        size_t *fill = calloc(nrw, sizeof *fill);
        if (!fill) {
            free(k);
            return -1;
        }
        for (size_t j = 0; j < nr; j++) {
            pr[j] = k[j].key;
            int row = pb->row_of[k[j].i];
            rw[pb->row_off[row] + fill[row]++] = k[j].key;
            if ((int)j < pb->depth[k[j].i])
                pb->depth[k[j].i] = (int)j;
        }
        free(fill);
    }
    free(k);
    return 0;
}

/* number of values < x in sorted a[0..n-1] */
static size_t count_below(const double *a, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ------------------------------------------------------------ cleared hull */

static double cross3(pt o, pt a, pt b)
{
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static int cmp_pt(const void *a, const void *b)
{
    const pt *p = a, *q = b;
    if (p->x != q->x)
        return (p->x > q->x) - (p->x < q->x);
    return (p->y > q->y) - (p->y < q->y);
}

static int hull_build(hull *h, const pt *p, size_t n)
{
    memset(h, 0, sizeof *h);
    pt *s = malloc((n ? n : 1) * sizeof *s);
    h->v = malloc((2 * n + 1) * sizeof *h->v);
    if (!s || !h->v) {
        free(s);
        free(h->v);
        h->v = NULL;
        return -1;
    }
    memcpy(s, p, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_pt);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        while (k >= 2 && cross3(h->v[k - 2], h->v[k - 1], s[i]) <= 0)
            k--;
        h->v[k++] = s[i];
    }
    for (size_t i = n - 1, t = k + 1; n > 1 && i-- > 0;) {
        while (k >= t && cross3(h->v[k - 2], h->v[k - 1], s[i]) <= 0)
            k--;
        h->v[k++] = s[i];
    }
    h->n = k > 1 ? k - 1 : k;
    free(s);
    return 0;
}

/* true when (x, y) is inside the hull by at least margin metres */
static bool hull_inside(const hull *h, double x, double y, double margin)
{
    if (h->n < 3)
        return false;
    for (size_t i = 0; i < h->n; i++) {
        pt a = h->v[i], b = h->v[(i + 1) % h->n];
        double len = hypot(b.x - a.x, b.y - a.y);
        if (len <= 0)
            continue;
        if (cross3(a, b, (pt){x, y}) / len < margin)
            return false;
    }
    return true;
}

/* Recorded mines a fit leaves unfound in cleared ground, tallied over the
 * record's rows: in rows with mines found, MISS_COST_LAID nats per unfound
 * mine, up to MISS_CAP_LAID a row (the callers say how scattered mines
 * count); and the unlaid rows, with unfound mines there and none found,
 * against the laid ones, with mines found. How often a recorded row was
 * never laid (or was lifted) is not assumed: its share has a uniform
 * prior, so u unlaid rows besides l laid cost the beta-binomial's log
 * Bayes factor against none unlaid, log((u + l + 1)! / (u! l! (l + 1)))
 * = log C(u + l + 1, u) nats: the first log(l + 2) (2.5 with 10 rows
 * laid), each more a little less. */
typedef struct unfound {
    double laid_nats; /* the rows with mines found */
    double unlaid;    /* rows with none found and unfound mines in cleared ground */
    double laid;      /* rows with mines found */
} unfound;

/* MISS_COST_LAID nats per unfound mine of a row with mines found, at most
 * MISS_CAP_LAID */
static double laid_row_nats(double miss) { return fmin(MISS_COST_LAID * miss, MISS_CAP_LAID); }

/* The mines a laid row leaves unfound whatever the clearance front's
 * direction: with its found mines from position lo to hi (0-based) of its
 * n, matched of them, the gaps between them and the shorter of its two
 * unfound ends (a straight front clears a row from one end). */
static double laid_row_gaps(long lo, long hi, long n, long matched)
{
    long gaps = hi - lo + 1 - matched, ends = lo < n - 1 - hi ? lo : n - 1 - hi;
    return (double)(gaps > 0 ? gaps : 0) + (double)(ends > 0 ? ends : 0);
}

static double unfound_cost(const unfound *t)
{
    double u = t->unlaid, l = t->laid, c = t->laid_nats;
    if (u > 0) /* log C(u + l + 1, u) */
        c += lgamma(u + l + 2.0) - lgamma(u + 1.0) - lgamma(l + 2.0);
    return c;
}

/* Cost (nats) of recorded mines left in ground the found mines show to be
 * cleared: for the best clearance front (a half-plane holding all matched
 * mines), as unfound_cost() charges (the scattered mines as a row with
 * mines found). */
static double miss_cost(const problem *pb, const long *match_rec, double margin_rec, const xform *t)
{
    size_t nr = pb->nr, nrw = pb->nrows + 1;
    double best = INFINITY;
    size_t *nmatched = calloc(nrw, sizeof *nmatched);
    size_t *nbelow = calloc(nrw, sizeof *nbelow);
    /* per row: the lowest and highest matched index along it. A half-plane
     * front clears a straight row from one end, so the row's found mines
     * are its first or last ones, without gaps: whatever fit leaves out
     * (gaps, and the shorter of the two unfound ends) was in cleared ground
     * for any front not exactly along the row */
    int *lo = malloc(nrw * sizeof *lo), *hi = malloc(nrw * sizeof *hi);
    pt *mp = malloc((pb->nf ? pb->nf : 1) * sizeof *mp);
    int *mrow = malloc((pb->nf ? pb->nf : 1) * sizeof *mrow);
    hull h = {0};
    size_t nm = 0;
    if (!nmatched || !nbelow || !mp || !mrow || !lo || !hi)
        goto done;
    for (size_t r = 0; r < nrw; r++) {
        lo[r] = INT32_MAX;
        hi[r] = -1;
    }
    for (size_t f = 0; f < pb->nf; f++)
        if (match_rec[f] >= 0) {
            int r = pb->row_of[match_rec[f]], ix = pb->lay.mines[match_rec[f]].index;
            lo[r] = ix < lo[r] ? ix : lo[r];
            hi[r] = ix > hi[r] ? ix : hi[r];
            nmatched[pb->row_of[match_rec[f]]]++;
            mrow[nm] = pb->row_of[match_rec[f]];
            mp[nm++] = pb->rp[match_rec[f]];
        }
    /* every found item, clutter too, lies on the cleared side: the front
     * holds them all (the vertices of their hull, in the record's frame) */
    if (!nm)
        goto done;
    h.v = malloc((pb->fhull.n + 1) * sizeof *h.v);
    if (!h.v)
        goto done;
    for (size_t k = 0; k < pb->fhull.n && t; k++) {
        double mx, my;
        xf_inverse(t, pb->fhull.v[k].x, pb->fhull.v[k].y, &mx, &my);
        h.v[h.n++] = (pt){mx, my};
    }
    for (int d = 0; d < NDIR; d++) {
        double a = 2.0 * M_PI * d / NDIR, ux = cos(a), uy = sin(a);
        double c = -INFINITY;
        for (size_t k = 0; k < h.n; k++)
            c = fmax(c, ux * h.v[k].x + uy * h.v[k].y);
        for (size_t k = 0; k < nm; k++)
            c = fmax(c, ux * mp[k].x + uy * mp[k].y);
        double lim = c - margin_rec;
        unfound tally = {0};
        memset(nbelow, 0, nrw * sizeof *nbelow);
        for (size_t k = 0; k < nm; k++)
            nbelow[mrow[k]] += ux * mp[k].x + uy * mp[k].y < lim;
        const double *rw = pb->row_proj + (size_t)d * nr;
        for (size_t r = 0; r < nrw && tally.laid_nats < best; r++) {
            size_t n = pb->row_off[r + 1] - pb->row_off[r];
            size_t below = count_below(rw + pb->row_off[r], n, lim);
            double miss = below > nbelow[r] ? (double)(below - nbelow[r]) : 0.0;
            if (r < pb->nrows && nmatched[r] && hi[r] >= lo[r]) /* indices 1-based */
                miss = fmax(miss, laid_row_gaps(lo[r] - 1, hi[r] - 1, (long)n, (long)nmatched[r]));
            /* a row with none of its mines found may never have been laid;
             * one with some found was laid, and its gaps are unlikely */
            if (nmatched[r] || r == pb->nrows) {
                tally.laid_nats += laid_row_nats(miss);
                tally.laid += nmatched[r] > 0;
            } else
                tally.unlaid += miss > 0;
        }
        double cost = unfound_cost(&tally);
        if (cost < best)
            best = cost;
    }
done:
    free(h.v);
    free(nmatched);
    free(nbelow);
    free(lo);
    free(hi);
    free(mp);
    free(mrow);
    return isfinite(best) ? best : 0.0;
}

/* ------------------------------------------------------------ matching */

typedef struct state {
    xform t;
    solution sol;
    double sigma;
    long *match_rec;   /* per found: record mine or -1 */
    double *match_d;   /* per found: distance (m, true frame) */
    long *rec_found;   /* per record mine: found item or -1 */
    bool *taken;       /* per record mine: scratch for match() */
    double *row_shift; /* per row (and scattered), x,y in metres */
    bool *row_moved;
    long *xmatch;    /* per found: on the unrecorded row, copy of this mine; or -1 */
    double xox, xoy; /* the unrecorded row's offset (record frame) */
    size_t matched;
    double score;
} state;

static void state_free(state *s)
{
    free(s->match_rec);
    free(s->match_d);
    free(s->rec_found);
    free(s->taken);
    free(s->row_shift);
    free(s->row_moved);
    free(s->xmatch);
    memset(s, 0, sizeof *s);
}

static int state_init(state *s, const problem *pb)
{
    memset(s, 0, sizeof *s);
    size_t nf = pb->nf ? pb->nf : 1, nr = pb->nr ? pb->nr : 1, nrw = pb->nrows + 1;
    s->match_rec = malloc(nf * sizeof *s->match_rec);
    s->match_d = malloc(nf * sizeof *s->match_d);
    s->rec_found = malloc(nr * sizeof *s->rec_found);
    s->taken = malloc(nr * sizeof *s->taken);
    s->row_shift = calloc(2 * nrw, sizeof *s->row_shift);
    s->row_moved = calloc(nrw, sizeof *s->row_moved);
    s->xmatch = malloc(nf * sizeof *s->xmatch);
    if (!s->match_rec || !s->match_d || !s->rec_found || !s->taken || !s->row_shift ||
        !s->row_moved || !s->xmatch) {
        state_free(s);
        return -1;
    }
    s->sigma = fmax(0.4, pb->ev_sigma);
    for (size_t f = 0; f < nf; f++)
        s->xmatch[f] = -1;
    return 0;
}

/* The recorded mine nearest the found item f (after transform, of scale
 * sc, and row shift) within gate metres, skipping those marked in skip (NULL: none),
 * or -1; *dist its distance (m, true frame). */
static long nearest_mine(const problem *pb, const state *s, size_t f, double sc, double gate,
                         double maxshift, const bool *skip, double *dist)
{
    double bx = pb->fp[f].x, by = pb->fp[f].y, mx, my;
    double bestd = gate;
    long best = -1;
    xf_inverse(&s->t, bx, by, &mx, &my);
    if (maxshift == 0.0 && !pb->compat) {
        double d;
        long i = grid_nearest(&pb->rg, mx, my, gate / sc, skip, &d);
        if (i >= 0) {
            best = i;
            bestd = d * sc;
        }
    } else {
        /* candidates without row shift, then verified with the shift: scan
         * the cells around for the best shifted match */
        grid_walk it;
        if (walk_start(&it, &pb->rg, mx, my, (gate + maxshift) / sc))
            for (size_t i; walk_next(&it, &i);) {
                if ((skip && skip[i]) || !may_be(pb, f, i))
                    continue;
                int row = pb->row_of[i];
                double px, py;
                xf_apply(&s->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
                px += s->row_shift[2 * row];
                py += s->row_shift[2 * row + 1];
                double d = hypot(px - bx, py - by);
                if (d < bestd) {
                    bestd = d;
                    best = (long)i;
                }
            }
    }
    *dist = bestd;
    return best;
}

/* Matches every found item to the nearest record mine (after transform and
 * row shift) within gate metres, one found item per record mine; an item
 * that loses its nearest mine to a nearer item then takes the nearest free
 * one within the gate (mines a spacing apart with jitter of a good part of
 * it: the neighbour is the item's own mine as often as not). */
static void match(const problem *pb, state *s, double gate, double rlim)
{
    for (size_t i = 0; i < pb->nr; i++)
        s->rec_found[i] = -1;
    s->matched = 0;
    double sc = xf_scale(&s->t), maxshift = 0;
    for (size_t r = 0; r <= pb->nrows; r++)
        maxshift = fmax(maxshift, hypot(s->row_shift[2 * r], s->row_shift[2 * r + 1]));
    for (size_t f = 0; f < pb->nf; f++) {
        s->match_rec[f] = -1;
        if (pb->fdist[f] > rlim)
            continue;
        double bestd = gate;
        long best = -1;
        if (maxshift == 0.0 && !pb->compat) { /* the common case, inline */
            double mx, my, d;
            xf_inverse(&s->t, pb->fp[f].x, pb->fp[f].y, &mx, &my);
            best = grid_nearest(&pb->rg, mx, my, gate / sc, NULL, &d);
            if (best >= 0)
                bestd = d * sc;
        } else {
            best = nearest_mine(pb, s, f, sc, gate, maxshift, NULL, &bestd);
        }
        if (best < 0)
            continue;
        long prev = s->rec_found[best];
        if (prev >= 0) {
            if (s->match_d[prev] <= bestd)
                continue;
            s->match_rec[prev] = -1;
            s->matched--;
        }
        s->rec_found[best] = (long)f;
        s->match_rec[f] = best;
        s->match_d[f] = bestd;
        s->matched++;
    }
    if (s->matched == 0 || s->matched == pb->nf || !full_search(pb))
        return;
    for (size_t i = 0; i < pb->nr; i++)
        s->taken[i] = s->rec_found[i] >= 0;
    double gate2 = fmax(gate, fmin(3.5 * s->sigma + 0.3, FREE_GATE * pb->step_m * sc));
    for (size_t f = 0; f < pb->nf; f++) {
        if (s->match_rec[f] >= 0 || pb->fdist[f] > rlim)
            continue;
        double d;
        long i = nearest_mine(pb, s, f, sc, gate2, maxshift, s->taken, &d);
        if (i < 0)
            continue;
        s->taken[i] = true;
        s->rec_found[i] = (long)f;
        s->match_rec[f] = i;
        s->match_d[f] = d;
        s->matched++;
    }
}

/* Refits the transform to the current matches (row shifts removed). */
static void refit(const problem *pb, state *s, bool update_sigma)
{
    stats st;
    memset(&st, 0, sizeof st);
    for (size_t f = 0; f < pb->nf; f++) {
        long i = s->match_rec[f];
        if (i < 0)
            continue;
        int row = pb->row_of[i];
        stats_add(&st, pb->rp[i].x, pb->rp[i].y, pb->fp[f].x - s->row_shift[2 * row],
                  pb->fp[f].y - s->row_shift[2 * row + 1]);
    }
    /* the unrecorded row's items: copies of an outer row's mines */
    for (size_t f = 0; f < pb->nf; f++) {
        long k = s->xmatch[f];
        if (k >= 0 && s->match_rec[f] < 0)
            stats_add(&st, pb->rp[k].x + s->xox, pb->rp[k].y + s->xoy, pb->fp[f].x, pb->fp[f].y);
    }
    solve(&pb->pri, &st, s->sigma, &s->sol);
    if (s->sol.comp >= 0)
        s->t = s->sol.t;
    if (update_sigma) {
        double ss = 0;
        for (size_t f = 0; f < pb->nf; f++) {
            long i = s->match_rec[f];
            if (i < 0)
                continue;
            int row = pb->row_of[i];
            double px, py;
            xf_apply(&s->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
            px += s->row_shift[2 * row];
            py += s->row_shift[2 * row + 1];
            ss += pow(px - pb->fp[f].x, 2) + pow(py - pb->fp[f].y, 2);
        }
        double nu0 = JITTER_PRIOR_AXES;
        double s2 = (ss + nu0 * pb->ev_sigma * pb->ev_sigma) / (2.0 * (double)s->matched + nu0);
        s->sigma = fmax(0.1, sqrt(s2));
    }
}

static double gate_for(const problem *pb, const state *s)
{
    double sc = xf_scale(&s->t);
    /* within half the spacing, where the nearest mine is the item's own;
     * once the residuals show jitter larger than assumed (fit_nuisance),
     * the nearest mine along the row is taken whatever the spacing, and
     * only the rows' gap bounds the gate */
    double cap = pb->ev_sigma > JITTER0 ? fmax(pb->step_m, pb->row_gap) : pb->step_m;
    double g = fmin(3.5 * s->sigma + 0.3, 0.45 * cap * sc);
    return fmax(g, 0.6);
}

/* An unrecorded row (the error model: one more row parallel to an outer
 * one, a copy of it 0.6-1.6 row gaps beyond it and shifted along it by a few
 * metres): unmatched found items beyond an outer row that fall on such a
 * copy are its mines, not clutter. */
typedef struct extra {
    int side;      /* 0: beyond the low outer row, 1: the high one; -1: none */
    double ox, oy; /* offset of the copy, record frame (m) */
    size_t n;      /* items on it */
    double sigma;  /* rms distance of its items (m, true frame) */
} extra;

/* The items (record frame, cp[0..nc)) on the copy of the outer row orow
 * (its mines rp[first..first + nrow)) moved by (ox, oy): one item per
 * mine, the nearest within tol (m, record frame). Per mine: its item in
 * who[] (-1: none) and the distance in dd[]. Returns how many mines have
 * an item. */
static size_t copy_items(const problem *pb, const pt *cp, size_t nc, int orow, size_t first,
                         size_t nrow, double ox, double oy, double tol, long *who, double *dd)
{
    size_t n = 0;
    for (size_t j = 0; j < nrow; j++)
        who[j] = -1;
    for (size_t g = 0; g < nc; g++) {
        double d;
        long k = grid_nearest(&pb->rg, cp[g].x - ox, cp[g].y - oy, tol, NULL, &d);
        if (k < 0 || pb->row_of[k] != orow || (size_t)k < first || (size_t)k - first >= nrow)
            continue;
        size_t j = (size_t)k - first;
        if (who[j] >= 0 && dd[j] <= d)
            continue;
        n += who[j] < 0;
        who[j] = (long)g;
        dd[j] = d;
    }
    return n;
}

/* Fills *ex and assign (per found item: the outer row's mine it is the copy
 * of, or -1) and returns the log-likelihood gain over calling the items
 * clutter, the cost of the row included; 0 when there is none. A copied
 * mine takes one item, as a recorded one does in match(). */
static double extra_row(const problem *pb, const state *s, extra *ex, long *assign)
{
    enum { MAXC = 256, MAXSEED = 16 };
    ex->side = -1;
    ex->n = 0;
    ex->sigma = ex->ox = ex->oy = 0;
    for (size_t f = 0; f < pb->nf; f++)
        assign[f] = -1;
    double sc = xf_scale(&s->t);
    /* beside recorded rows found too: else the record could be anywhere */
    if (!(sc > 0) || pb->nf < EXTRA_MIN || s->matched < EXTRA_MIN)
        return 0.0;
    long *who = pb->xwho;
    double *dd = pb->xdd;
    double lin = l_mine(pb, pb->score_sigma);
    double lout = l_clutter(pb);
    double tol = (1.0 + 2.0 * s->sigma) / sc, gap = pb->row_gap;
    double best_gain = 0.0;
    pt cp[MAXC];
    size_t cf[MAXC]; /* the found item of each cp */
    for (int side = 0; side < 2; side++) {
        int orow = pb->outer_row[side];
        if (orow < 0 || pb->outer_n[side] == 0)
            continue;
        double nx = side ? -pb->uy : pb->uy, ny = side ? pb->ux : -pb->ux; /* outward */
        size_t nc = 0;
        for (size_t f = 0; f < pb->nf && nc < MAXC; f++) {
            if (s->match_rec[f] >= 0)
                continue;
            double mx, my;
            xf_inverse(&s->t, pb->fp[f].x, pb->fp[f].y, &mx, &my);
            cf[nc] = f;
            cp[nc++] = (pt){mx, my};
        }
        if (nc < EXTRA_MIN)
            continue;
        size_t first = pb->outer_first[side], nrow = pb->outer_n[side];
        size_t bestn = 0;
        double bestd = INFINITY, box = 0, boy = 0;
        for (size_t q = 0; q < nc && q < MAXSEED; q++)
            for (size_t j = first; j < first + nrow; j++) {
                double ox = cp[q].x - pb->rp[j].x, oy = cp[q].y - pb->rp[j].y;
                double across = nx * ox + ny * oy, along = ny * ox - nx * oy;
                if (across < EXTRA_NEAR * gap || across > EXTRA_FAR * gap ||
                    fabs(along) > EXTRA_ALONG)
                    continue;
                size_t cnt = copy_items(pb, cp, nc, orow, first, nrow, ox, oy, tol, who, dd);
                double dsum = 0;
                for (size_t k = 0; k < nrow; k++)
                    dsum += who[k] >= 0 ? dd[k] : 0.0;
                if (cnt > bestn || (cnt == bestn && dsum < bestd)) {
                    bestn = cnt;
                    bestd = dsum;
                    box = ox;
                    boy = oy;
                }
            }
        if (bestn < EXTRA_MIN)
            continue;
        /* refine the offset on its items, then score them */
        for (int it = 0; it < 2; it++) {
            double sx = 0, sy = 0;
            size_t cnt = copy_items(pb, cp, nc, orow, first, nrow, box, boy, tol, who, dd);
            for (size_t k = 0; k < nrow; k++)
                if (who[k] >= 0) {
                    sx += cp[who[k]].x - box - pb->rp[first + k].x;
                    sy += cp[who[k]].y - boy - pb->rp[first + k].y;
                }
            if (!cnt)
                break;
            box += sx / (double)cnt;
            boy += sy / (double)cnt;
        }
        size_t cnt = copy_items(pb, cp, nc, orow, first, nrow, box, boy, tol, who, dd);
        double gain = EXTRA_COST, ss = 0;
        /* a row laid: its gaps and the shorter of its unfound ends are
         * mines left in cleared ground, as for a recorded row with mines
         * found (miss_cost) */
        size_t lo = nrow, hi = 0;
        for (size_t k = 0; k < nrow; k++)
            if (who[k] >= 0) {
                lo = k < lo ? k : lo;
                hi = k;
            }
        if (lo < nrow)
            gain -= laid_row_nats(laid_row_gaps((long)lo, (long)hi, (long)nrow, (long)cnt));
        for (size_t k = 0; k < nrow; k++) {
            if (who[k] < 0)
                continue;
            double d = dd[k] * sc;
            double li = lin - 0.5 * d * d / (pb->score_sigma * pb->score_sigma);
            gain += fmax(li, lout) + log1p(exp(-fabs(li - lout))) - lout;
            ss += d * d;
        }
        if (cnt >= EXTRA_MIN && gain > best_gain) {
            best_gain = gain;
            ex->side = side;
            ex->ox = box;
            ex->oy = boy;
            ex->n = cnt;
            ex->sigma = sqrt(ss / (double)cnt);
            for (size_t f = 0; f < pb->nf; f++)
                assign[f] = -1;
            for (size_t k = 0; k < nrow; k++)
                if (who[k] >= 0)
                    assign[cf[who[k]]] = (long)(first + k);
        }
    }
    return best_gain;
}

/* Log evidence of the matched items as mines (jitter pb->ev_sigma): the fit
 * under the prior integrated over the transform (solve()), so that a fit
 * that needs a transform pinned to an unlikely value to match one more item
 * (clutter, found mines of another row) pays for it in full, not only by
 * the prior's density at its best transform. The unmatched items are
 * clutter. */
static double match_evidence(const problem *pb, const state *s)
{
    double lout = l_clutter(pb), sum = 0.0;
    stats st;
    memset(&st, 0, sizeof st);
    for (size_t f = 0; f < pb->nf; f++) {
        long i = s->match_rec[f];
        if (i < 0) {
            sum += lout;
            continue;
        }
        int row = pb->row_of[i];
        stats_add(&st, pb->rp[i].x, pb->rp[i].y, pb->fp[f].x - s->row_shift[2 * row],
                  pb->fp[f].y - s->row_shift[2 * row + 1]);
    }
    solution sol;
    solve(&pb->pri, &st, pb->ev_sigma, &sol);
    /* heavy tail: a matched item may still be clutter, so an item far from
     * its mine costs at most what clutter costs (the mixture's density over
     * the Gaussian's, at the fit) */
    double lin = l_mine(pb, pb->ev_sigma), is2 = 0.5 / (pb->ev_sigma * pb->ev_sigma);
    for (size_t f = 0; f < pb->nf; f++)
        if (s->match_rec[f] >= 0) {
            double li = lin - s->match_d[f] * s->match_d[f] * is2;
            sum += li > lout + 30.0 ? 0.0 : log1p(exp(lout - li));
        }
    return sum + sol.logz + (double)st.n * lin;
}

/* The recorded mines a fit leaves unfound in ground known to be cleared:
 * as unfound_cost() charges (the scattered mines each on its own, with no
 * cap). */
static double cleared_cost(const problem *pb, const state *s)
{
    size_t nrw = pb->nrows + 1;
    memset(pb->ccount, 0, nrw * sizeof *pb->ccount);
    memset(pb->cmatched, 0, nrw * sizeof *pb->cmatched);
    for (size_t i = 0; i < pb->nr; i++) {
        int r = pb->row_of[i];
        if (s->rec_found[i] >= 0) {
            pb->cmatched[r] = true;
            continue;
        }
        double px, py;
        xf_apply(&s->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
        px += s->row_shift[2 * r];
        py += s->row_shift[2 * r + 1];
        pb->ccount[r] += mask_in(&pb->cleared, px, py);
    }
    unfound tally = {0};
    for (size_t r = 0; r < nrw; r++) {
        double n = (double)pb->ccount[r];
        if (r == pb->nrows) /* scattered mines, each on its own */
            tally.laid_nats += n * MISS_COST_LAID;
        else if (pb->cmatched[r]) {
            tally.laid_nats += laid_row_nats(n);
            tally.laid++;
        } else
            tally.unlaid += n > 0;
    }
    return unfound_cost(&tally);
}

/* Log score of a state: found items as mines or clutter, the prior of the
 * transform (both as the evidence up to FULL_MAX_FOUND found items; above,
 * the items at the fit and the prior's density there, which is cheaper),
 * and the recorded mines left in cleared ground. */
static double score_of(const problem *pb, const state *s, bool full)
{
    double lin = l_mine(pb, pb->score_sigma);
    double lout = l_clutter(pb);
    double sum = 0;
    if (full_search(pb)) {
        sum = match_evidence(pb, s);
    } else {
        for (size_t f = 0; f < pb->nf; f++) {
            if (s->match_rec[f] < 0) {
                sum += lout;
                continue;
            }
            double d = s->match_d[f];
            double li = lin - 0.5 * d * d / (pb->score_sigma * pb->score_sigma);
            sum += fmax(li, lout) + log1p(exp(-fabs(li - lout)));
        }
        sum += log_prior(&pb->pri, &s->t);
    }
    /* a moved row: about 1 in 20, its shift anywhere within 10 m */
    for (size_t r = 0; r <= pb->nrows; r++)
        if (s->row_moved[r])
            sum -= MOVED_COST;
    double margin = (1.0 + 2.0 * s->sigma) / xf_scale(&s->t);
    if (full)
        sum -= pb->cleared.m ? cleared_cost(pb, s) : miss_cost(pb, s->match_rec, margin, &s->t);
    return sum;
}

static double score(const problem *pb, const state *s) { return score_of(pb, s, true); }

/* The score with an unrecorded row (items on a copy of an outer row
 * beyond it), for the fits refined at the end. */
static double score_x(const problem *pb, const state *s)
{
    extra ex;
    return score_of(pb, s, true) + extra_row(pb, s, &ex, pb->xscr);
}

/* ICP from a starting transform, matching the items within rlim of the
 * seed first and growing the region. */
static void icp_from(const problem *pb, state *s, int iters, double rlim)
{
    double sc = xf_scale(&s->t);
    double gate = fmax(fmin(0.45 * pb->step_m * sc, 3.0), 0.8);
    for (int stage = 0; stage < 12; stage++) {
        bool last = rlim >= pb->rmax;
        for (int it = 0; it < iters; it++) {
            match(pb, s, gate, rlim);
            if (!s->matched)
                break;
            xform before = s->t;
            refit(pb, s, it >= 1 || stage > 0);
            gate = gate_for(pb, s);
            double moved = hypot(s->t.tx - before.tx, s->t.ty - before.ty) +
                           100.0 * hypot(s->t.a1 - before.a1, s->t.a2 - before.a2);
            if (it >= 1 && moved < 1e-3)
                break;
        }
        if (last)
            break;
        rlim *= 2.0;
    }
    match(pb, s, gate_for(pb, s), INFINITY);
}

/* ICP from a starting transform: the region grows from the seed, so that a
 * start that is right only near the seed is not pulled into a wrong fit by
 * far items. */
static void icp(const problem *pb, state *s, int iters) { icp_from(pb, s, iters, pb->r0); }

/* --------------------------------------------------------- hypotheses */

typedef struct cand {
    double rot, scale, votes;
} cand;

/* Rotation/scale candidates. Rows are straight: the directions between
 * found items a few metres to a few tens of metres apart peak at the rows'
 * direction, and each peak against each direction of the record's rows
 * gives a rotation. Scales: the prior's modes and 5% either side. */
/* whether a rotation is within 25 degrees of a prior mode (the reciprocal
 * one included) */
static bool rot_ok(const priors *p, double rot)
{
    for (int m = 0; m < p->n_rot; m++)
        if (fabs(wrap180(rot - p->rot_modes[m])) <= 25.0)
            return true;
    return p->recip_w > 0 && fabs(wrap180(rot - p->rot_modes[0] - 180.0)) <= 25.0;
}

static size_t rotscale_candidates(const problem *pb, cand *out, size_t max)
{
    double rots[16];
    size_t nrot = 0;
    if (pb->nf >= 3 && pb->lay.n_rows > 0) {
        enum { NB = 360 }; /* half-degree bins over 0-180 */
        double h[NB] = {0}, hs[NB];
        const double rmin = 3.0, rmaxd = 30.0;
        for (size_t f = 0; f < pb->nf; f++) {
            grid_walk it;
            walk_start(&it, &pb->fg, pb->fp[f].x, pb->fp[f].y, rmaxd);
            int taken = 0;
            for (size_t j; taken < 40 && walk_next(&it, &j);) {
                if (j <= f)
                    continue;
                double dx = pb->fp[j].x - pb->fp[f].x, dy = pb->fp[j].y - pb->fp[f].y;
                double d = hypot(dx, dy);
                if (d < rmin || d > rmaxd)
                    continue;
                double a = atan2(dx, dy) / DEG;
                a = fmod(a + 360.0, 180.0);
                int b = (int)(a * 2.0);
                if (b >= NB)
                    b = NB - 1;
                /* longer baselines give sharper directions */
                h[b] += fmin(d, 15.0);
                taken++;
            }
        }
        static const double ker[5] = {1, 2, 3, 2, 1};
        for (int b = 0; b < NB; b++) {
            hs[b] = 0;
            for (int k = -2; k <= 2; k++)
                hs[b] += ker[k + 2] * h[(b + k + NB) % NB];
        }
        /* record row directions (mod 180), the longest legs first */
        double rdir[8], rlen[8];
        size_t nrd = 0;
        for (size_t r = 0; r < pb->lay.n_rows; r++)
            for (size_t v = pb->lay.row_first[r]; v + 1 < pb->lay.row_first[r + 1]; v++) {
                double dx = pb->lay.verts[2 * v + 2] - pb->lay.verts[2 * v];
                double dy = pb->lay.verts[2 * v + 3] - pb->lay.verts[2 * v + 1];
                double len = hypot(dx, dy);
                if (len < 1.0)
                    continue;
                double a = fmod(atan2(dx, dy) / DEG + 360.0, 180.0);
                size_t k = 0;
                for (; k < nrd; k++) {
                    double da = fabs(fmod(a - rdir[k] + 270.0, 180.0) - 90.0);
                    if (da < 1.0) {
                        rlen[k] += len;
                        break;
                    }
                }
                if (k == nrd) {
                    if (nrd < 8) {
                        rdir[nrd] = a;
                        rlen[nrd++] = len;
                    } else {
                        size_t w = 0;
                        for (size_t q = 1; q < nrd; q++)
                            if (rlen[q] < rlen[w])
                                w = q;
                        if (len > rlen[w]) {
                            rdir[w] = a;
                            rlen[w] = len;
                        }
                    }
                }
            }
        /* two peaks of the found directions */
        for (int pass = 0; pass < 2; pass++) {
            int bi = 0;
            for (int b = 1; b < NB; b++)
                if (hs[b] > hs[bi])
                    bi = b;
            if (hs[bi] <= 0)
                break;
            /* sub-bin peak */
            double l = hs[(bi + NB - 1) % NB], c0 = hs[bi], rr = hs[(bi + 1) % NB];
            double den = l - 2 * c0 + rr;
            double off = den < 0 ? 0.5 * (l - rr) / den : 0.0;
            double fa = (bi + 0.5 + off) * 0.5;
            for (int k = -10; k <= 10; k++)
                hs[(bi + k + NB) % NB] = 0;
            /* the three longest record directions */
            size_t order[8];
            for (size_t q = 0; q < nrd; q++)
                order[q] = q;
            for (size_t q = 1; q < nrd; q++)
                for (size_t w = q; w > 0 && rlen[order[w]] > rlen[order[w - 1]]; w--) {
                    size_t tmp = order[w];
                    order[w] = order[w - 1];
                    order[w - 1] = tmp;
                }
            for (size_t qq = 0; qq < nrd && qq < 3 && nrot < 16; qq++) {
                size_t q = order[qq];
                double rot0 = fmod(fa - rdir[q] + 270.0, 180.0) - 90.0; /* [-90, 90) */
                /* the rows' directions are axial: the rotation or the
                 * reciprocal one */
                for (int rc = 0; rc < 2 && nrot < 16; rc++) {
                    double rot = rc ? wrap180(rot0 + 180.0) : rot0;
                    bool dup = false;
                    for (size_t k = 0; k < nrot; k++)
                        dup = dup || fabs(wrap180(rots[k] - rot)) < 0.5;
                    if (rot_ok(&pb->pri, rot) && !dup)
                        rots[nrot++] = rot;
                }
            }
        }
    }
    /* the prior's modes after the directions the data give */
    for (int r = 0; r < pb->pri.n_rot && nrot < 16; r++) {
        bool dup = false;
        for (size_t k = 0; k < nrot; k++)
            dup = dup || fabs(rots[k] - pb->pri.rot_modes[r]) < 0.5;
        if (!dup)
            rots[nrot++] = pb->pri.rot_modes[r];
    }
    if (pb->pri.recip_w > 0 && nrot < 16) {
        double r180 = wrap180(pb->pri.rot_modes[0] + 180.0);
        bool dup = false;
        for (size_t k = 0; k < nrot; k++)
            dup = dup || fabs(wrap180(rots[k] - r180)) < 0.5;
        if (!dup)
            rots[nrot++] = r180;
    }
    /* with many found items the directions they give are sharp: the three
     * best are enough (and their reciprocals) */
    size_t rmax = 3 + (pb->pri.recip_w > 0 && full_search(pb) ? 2 : 0);
    if (pb->nf >= 30 && nrot > rmax)
        nrot = rmax;
    /* the scale the found items show: the median distance to the nearest
     * other found item (within a row) against the record's spacing */
    double s_data = 0.0;
    if (pb->nf >= 5) {
        double *nn = malloc(pb->nf * sizeof *nn);
        size_t nnn = 0;
        for (size_t f = 0; nn && f < pb->nf; f++) {
            double best = INFINITY;
            grid_walk it;
            walk_start(&it, &pb->fg, pb->fp[f].x, pb->fp[f].y, 15.0);
            for (size_t j; walk_next(&it, &j);) {
                double d = hypot(pb->fp[j].x - pb->fp[f].x, pb->fp[j].y - pb->fp[f].y);
                if (j != f && d > 0.3 && d < best)
                    best = d;
            }
            if (best < 15.0)
                nn[nnn++] = best;
        }
        if (nn && nnn >= 4) {
            qsort(nn, nnn, sizeof *nn, dm_cmp_double);
            s_data = nn[nnn / 2] / pb->step_m;
        }
        free(nn);
        if (!(s_data >= 0.5 && s_data <= 1.7))
            s_data = 0.0;
        for (int k = 0; k < pb->pri.n_s && s_data > 0; k++)
            if (fabs(s_data / pb->pri.s_modes[k] - 1.0) < 0.03)
                s_data = 0.0; /* a mode already */
    }
    size_t n = 0;
    static const double sf[3] = {1.0, 0.95, 1.05};
    for (size_t r = 0; r < nrot; r++) {
        if (s_data > 0 && n < max)
            out[n++] = (cand){rots[r], s_data, 0};
        for (int k = 0; k < pb->pri.n_s; k++)
            for (int q = 0; q < (k == 0 ? 3 : 1) && n < max; q++)
                out[n++] = (cand){rots[r], pb->pri.s_modes[k] * sf[q], 0};
    }
    return n;
}

/* Translation candidates for a rotation/scale: the seed item (and the
 * next most central one, in case the seed is clutter) as each recorded mine
 * that could be among the first found, ranked by how many of the compact
 * subset of found items then fall on a recorded mine, and by the prior. */
static size_t translation_candidates(const problem *pb, const cand *c, xform *out, size_t max)
{
    xform base = xf_make(c->rot, c->scale, 0, 0);
    size_t sub[SUBSET], nsub = 0;
    for (size_t f = 0; f < pb->nf && nsub < SUBSET; f++)
        if (pb->fdist[f] <= pb->r0)
            sub[nsub++] = f;
    double depth_lim = 1.3 * (double)pb->nf + 3.0;
    double lin = l_mine(pb, pb->score_sigma) - l_clutter(pb);
    /* seeds: the central item and the subset items nearest to it that
     * have a neighbour about a spacing away (likely mines, not clutter) */
    size_t seeds[NSEED] = {pb->seed};
    int nseeds = 1, maxseeds = full_search(pb) ? NSEED : 2;
    for (int k = 1; k < maxseeds; k++) {
        double bd = INFINITY;
        for (int pass = 0; pass < 2 && !isfinite(bd); pass++)
            for (size_t q = 0; q < nsub; q++) {
                bool taken = false;
                for (int j = 0; j < nseeds; j++)
                    taken = taken || seeds[j] == sub[q];
                if (!taken && (pass || pb->nbr[sub[q]]) && pb->fdist[sub[q]] < bd) {
                    bd = pb->fdist[sub[q]];
                    seeds[nseeds] = sub[q];
                }
            }
        if (isfinite(bd))
            nseeds++;
    }
    keyed *rank = malloc(NSEED * (pb->nr ? pb->nr : 1) * sizeof *rank);
    xform *tr = malloc(NSEED * (pb->nr ? pb->nr : 1) * sizeof *tr);
    if (!rank || !tr) {
        free(rank);
        free(tr);
        return 0;
    }
    size_t nt = 0;
    double sc = c->scale;
    int best_votes = 0;
    double tol[SUBSET];
    for (int k = 0; k < nseeds; k++) {
        const pt *fs = &pb->fp[seeds[k]];
        /* room for the rotation and scale of the candidate to be a little off */
        for (size_t q = 0; q < nsub; q++)
            tol[q] = (1.2 + 0.06 * hypot(pb->fp[sub[q]].x - fs->x, pb->fp[sub[q]].y - fs->y)) / sc;
        if (k >= 1 && best_votes * 2 > (int)nsub && !full_search(pb))
            break; /* the first seed is a mine: no need for the second */
        for (size_t i = 0; i < pb->nr; i++) {
            if ((double)pb->depth[i] > depth_lim)
                continue;
            double px, py;
            xf_apply(&base, pb->rp[i].x, pb->rp[i].y, &px, &py);
            xform t = base;
            t.tx = fs->x - px;
            t.ty = fs->y - py;
            int votes = 0;
            bool pruned = false;
            for (size_t q = 0; q < nsub; q++) {
                const pt *f = &pb->fp[sub[q]];
                double mx, my;
                xf_inverse(&t, f->x, f->y, &mx, &my);
                if (grid_nearest(&pb->rg, mx, my, tol[q], NULL, NULL) >= 0)
                    votes++;
                /* far behind the best so far: not worth finishing */
                if (votes + (int)(nsub - q - 1) < best_votes - 4) {
                    pruned = true;
                    break;
                }
            }
            if (pruned)
                continue;
            if (votes > best_votes)
                best_votes = votes;
            rank[nt].key = -(lin * votes + log_prior(&pb->pri, &t));
            rank[nt].i = nt;
            tr[nt++] = t;
        }
    }
    qsort(rank, nt, sizeof *rank, cmp_keyed);
    size_t n = 0;
    for (size_t k = 0; k < nt && n < max; k++) {
        const xform *t = &tr[rank[k].i];
        bool near = false;
        for (size_t q = 0; q < n && !near; q++)
            near = hypot(out[q].tx - t->tx, out[q].ty - t->ty) < 1.0;
        if (!near)
            out[n++] = *t;
    }
    free(rank);
    free(tr);
    return n;
}

/* Starts from seeds away from the central one (the centre of the found
 * items may be clutter, an unrecorded row or a moved one): items with a
 * neighbour a spacing away, each as far as can be from the seeds taken,
 * voted on by the items nearest to each. The best start of each over all
 * rotation/scale candidates; at most max. */
static size_t far_candidates(const problem *pb, const cand *cands, size_t nc, xform *out,
                             size_t max)
{
    size_t n = 0;
    if (pb->nf < FAR_MIN_FOUND || !full_search(pb))
        return 0;
    double *dmin = malloc(pb->nf * sizeof *dmin);
    keyed *near = malloc(pb->nf * sizeof *near);
    if (!dmin || !near) {
        free(dmin);
        free(near);
        return 0;
    }
    for (size_t f = 0; f < pb->nf; f++)
        dmin[f] = pb->fdist[f];
    double lin = l_mine(pb, pb->score_sigma) - l_clutter(pb);
    double depth_lim = 1.3 * (double)pb->nf + 3.0;
    for (int k = 0; k < NFAR && n < max; k++) {
        size_t fs = pb->nf;
        for (size_t f = 0; f < pb->nf; f++)
            if (pb->nbr[f] && (fs == pb->nf || dmin[f] > dmin[fs]))
                fs = f;
        if (fs == pb->nf || dmin[fs] < 2.0 * pb->step_m)
            break;
        for (size_t f = 0; f < pb->nf; f++) {
            double d = hypot(pb->fp[f].x - pb->fp[fs].x, pb->fp[f].y - pb->fp[fs].y);
            dmin[f] = fmin(dmin[f], d);
            near[f].key = d;
            near[f].i = f;
        }
        qsort(near, pb->nf, sizeof *near, cmp_keyed);
        size_t nsub = pb->nf < SUBSET ? pb->nf : SUBSET;
        double bestkey = -INFINITY;
        xform bestt = {1, 0, 0, 0};
        int best_votes = 0;
        for (size_t c = 0; c < nc; c++) {
            xform base = xf_make(cands[c].rot, cands[c].scale, 0, 0);
            double sc = cands[c].scale;
            for (size_t i = 0; i < pb->nr; i++) {
                if ((double)pb->depth[i] > depth_lim)
                    continue;
                double px, py;
                xf_apply(&base, pb->rp[i].x, pb->rp[i].y, &px, &py);
                xform t = base;
                t.tx = pb->fp[fs].x - px;
                t.ty = pb->fp[fs].y - py;
                int votes = 0;
                bool pruned = false;
                for (size_t q = 0; q < nsub && !pruned; q++) {
                    const pt *f = &pb->fp[near[q].i];
                    double mx, my;
                    xf_inverse(&t, f->x, f->y, &mx, &my);
                    double tol = (1.2 + 0.06 * near[q].key) / sc;
                    votes += grid_nearest(&pb->rg, mx, my, tol, NULL, NULL) >= 0;
                    pruned = votes + (int)(nsub - q - 1) < best_votes - 4;
                }
                if (pruned)
                    continue;
                if (votes > best_votes)
                    best_votes = votes;
                double key = lin * votes + log_prior(&pb->pri, &t);
                if (key > bestkey) {
                    bestkey = key;
                    bestt = t;
                }
            }
        }
        if (isfinite(bestkey))
            out[n++] = bestt;
    }
    free(dmin);
    free(near);
    return n;
}

/* Transforms from pairs: the seed item and one of the found items nearest
 * to it as two recorded mines at about the right distance, any direction
 * (a pair across rows fixes the rotation where the rows' own direction
 * may not), within the prior's rotations and scales; ranked like
 * translation_candidates. For few found items only. */
static size_t pair_candidates(const problem *pb, xform *out, size_t max)
{
    size_t sub[SUBSET], nsub = 0;
    for (size_t f = 0; f < pb->nf && nsub < SUBSET; f++)
        if (pb->fdist[f] <= pb->r0)
            sub[nsub++] = f;
    /* partners: the PAIR_PARTNERS items nearest the seed, 2.5-40 m off */
    size_t part[PAIR_PARTNERS], npart = 0;
    for (size_t q = 0; q < nsub; q++) {
        size_t f = sub[q];
        double d = pb->fdist[f];
        if (f == pb->seed || d < 2.5 || d > 40.0)
            continue;
        size_t k = npart < PAIR_PARTNERS ? npart++ : PAIR_PARTNERS;
        while (k > 0 && pb->fdist[part[k - 1]] > d) {
            if (k < PAIR_PARTNERS)
                part[k] = part[k - 1];
            k--;
        }
        if (k < PAIR_PARTNERS)
            part[k] = f;
    }
    double smin = INFINITY, smax = 0;
    for (int k = 0; k < pb->pri.n_s; k++) {
        smin = fmin(smin, pb->pri.s_modes[k] * 0.88);
        smax = fmax(smax, pb->pri.s_modes[k] * 1.12);
    }
    double lin = l_mine(pb, pb->score_sigma) - l_clutter(pb);
    double depth_lim = 1.3 * (double)pb->nf + 3.0;
    size_t cap = 4096, nt = 0;
    keyed *rank = malloc(cap * sizeof *rank);
    xform *tr = malloc(cap * sizeof *tr);
    if (!rank || !tr) {
        free(rank);
        free(tr);
        return 0;
    }
    const pt *f1 = &pb->fp[pb->seed];
    const grid *g = &pb->rg;
    int best_votes = 0;
    for (size_t p = 0; p < npart; p++) {
        const pt *f2 = &pb->fp[part[p]];
        double vfx = f2->x - f1->x, vfy = f2->y - f1->y, df = hypot(vfx, vfy);
        double rlo = df / smax, rhi = df / smin;
        for (size_t m1 = 0; m1 < pb->nr && nt < cap; m1++) {
            if ((double)pb->depth[m1] > depth_lim)
                continue;
            grid_walk it;
            walk_start(&it, g, pb->rp[m1].x, pb->rp[m1].y, rhi);
            for (size_t m2; nt < cap && walk_next(&it, &m2);) {
                double vmx = pb->rp[m2].x - pb->rp[m1].x, vmy = pb->rp[m2].y - pb->rp[m1].y;
                double dm2 = vmx * vmx + vmy * vmy;
                if (m2 == m1 || dm2 < rlo * rlo || dm2 > rhi * rhi)
                    continue;
                xform t = {.a1 = (vfx * vmx + vfy * vmy) / dm2,
                           .a2 = (vfx * vmy - vfy * vmx) / dm2};
                double rot = xf_rot(&t), sc = xf_scale(&t);
                if (!rot_ok(&pb->pri, rot))
                    continue;
                bool ok = false;
                for (int m = 0; m < pb->pri.n_s && !ok; m++)
                    ok = fabs(sc / pb->pri.s_modes[m] - 1.0) <= 0.12;
                if (!ok)
                    continue;
                double lx, ly;
                xf_linear(&t, pb->rp[m1].x, pb->rp[m1].y, &lx, &ly);
                t.tx = f1->x - lx;
                t.ty = f1->y - ly;
                int votes = 0;
                bool pruned = false;
                for (size_t q = 0; q < nsub && !pruned; q++) {
                    const pt *f = &pb->fp[sub[q]];
                    double mx, my;
                    xf_inverse(&t, f->x, f->y, &mx, &my);
                    double tol = (0.8 + 0.03 * pb->fdist[sub[q]]) / sc;
                    votes += grid_nearest(&pb->rg, mx, my, tol, NULL, NULL) >= 0;
                    pruned = votes + (int)(nsub - q - 1) < best_votes - 2;
                }
                if (pruned || votes < 3)
                    continue;
                if (votes > best_votes)
                    best_votes = votes;
                rank[nt].key = -(lin * votes + log_prior(&pb->pri, &t));
                rank[nt].i = nt;
                tr[nt++] = t;
            }
        }
    }
    qsort(rank, nt, sizeof *rank, cmp_keyed);
    size_t n = 0;
    for (size_t k = 0; k < nt && n < max; k++) {
        const xform *t = &tr[rank[k].i];
        bool near = false;
        for (size_t q = 0; q < n && !near; q++)
            near = hypot(out[q].tx - t->tx, out[q].ty - t->ty) < 1.0 &&
                   fabs(wrap180(xf_rot(&out[q]) - xf_rot(t))) < 1.0;
        if (!near)
            out[n++] = *t;
    }
    free(rank);
    free(tr);
    return n;
}

/* Quick rank of a starting transform: found items near the seed that fall
 * on a recorded mine (1.5 m), each worth as much as in score(), plus the
 * prior. */
static double quick_score(const problem *pb, const xform *t, double lim)
{
    double lin = l_mine(pb, pb->score_sigma) - l_clutter(pb);
    double sc = xf_scale(t);
    double tol = 1.5;
    size_t n = 0;
    for (size_t f = 0; f < pb->nf; f++) {
        if (pb->fdist[f] > lim)
            continue;
        double mx, my;
        xf_inverse(t, pb->fp[f].x, pb->fp[f].y, &mx, &my);
        if (grid_nearest(&pb->rg, mx, my, tol / sc, NULL, NULL) >= 0)
            n++;
    }
    return lin * (double)n + log_prior(&pb->pri, t);
}

/* ------------------------------------------------------------ output */

static dm_status push(dm_mf_prediction_set *out, size_t *cap, const dm_mf_prediction *p,
                      dm_error *err)
{
    if (out->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        dm_mf_prediction *ni = realloc(out->items, nc * sizeof *ni);
        if (!ni)
            return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        out->items = ni;
        *cap = nc;
    }
    out->items[out->n++] = *p;
    return DM_OK;
}

void dm_mf_prediction_set_free(dm_mf_prediction_set *set)
{
    if (!set)
        return;
    free(set->items);
    memset(set, 0, sizeof *set);
}

/* 2x2 covariance of a predicted position from the transform's covariance */
static void pos_cov(const double c[16], double x, double y, double out[3])
{
    double j0[4] = {x, y, 1, 0}, j1[4] = {y, -x, 0, 1};
    double a = 0, b = 0, d = 0;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++) {
            a += j0[i] * c[i * 4 + k] * j0[k];
            b += j0[i] * c[i * 4 + k] * j1[k];
            d += j1[i] * c[i * 4 + k] * j1[k];
        }
    out[0] = a;
    out[1] = b;
    out[2] = d;
}

/* The 95% radius (m) of a position whose error variance per axis is var
 * (m²), var estimated with nu degrees of freedom: the predictive is then
 * a bivariate Student t, whose radius r has P(|X| > r) = (1 + r²/(nu
 * var))^(-nu/2); K95 * sqrt(var) as nu grows. At least the 95% radius of
 * the jitter assumed at first. */
static double radius95(double var, double nu)
{
    double r = sqrt(nu * (pow(0.05, -2.0 / nu) - 1.0) * var);
    return fmax(K95 * JITTER0, r);
}

static double lambda_max(double a, double b, double d)
{
    double m = 0.5 * (a + d), q = sqrt(fmax(0.25 * (a - d) * (a - d) + b * b, 0));
    return m + q;
}

/* 95% radius of the record as written, from the prior of the error model,
 * for a mine d metres from the reference point: quantiles by a fixed
 * Monte Carlo sample. */
/* the quantile taken: a little over 95% for what the prior leaves out
 * (moved rows, the clamp of rotations) */
#define PRIOR_Q 0.96
#define NPRIOR_D 16
#define NPRIOR_S 1500

static void prior_radii(const priors *p, double dmax, double *dtab, double *rtab)
{
    uint64_t st = 0x5EED5EEDull;
    double *e = malloc(NPRIOR_S * sizeof *e);
    for (int k = 0; k < NPRIOR_D; k++) {
        dtab[k] = dmax * pow((double)k / (NPRIOR_D - 1), 2.0);
        rtab[k] = 0;
    }
    if (!e) {
        for (int k = 0; k < NPRIOR_D; k++)
            rtab[k] = 600.0 + 0.5 * dtab[k];
        return;
    }
    for (int k = 0; k < NPRIOR_D; k++) {
        uint64_t s = st;
        for (int i = 0; i < NPRIOR_S; i++) {
            double u[6];
            for (int q = 0; q < 6; q++)
                u[q] = ((double)(dm_splitmix64(&s) >> 11) + 0.5) / 9007199254740992.0;
            double g1 = sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
            double g2 = sqrt(-2 * log(u[0])) * sin(2 * M_PI * u[1]);
            double g3 = sqrt(-2 * log(u[2])) * cos(2 * M_PI * u[3]);
            double g4 = sqrt(-2 * log(u[2])) * sin(2 * M_PI * u[3]);
            double rm = u[4] < p->rot_w[0] ? p->rot_modes[0] : p->rot_modes[p->n_rot - 1];
            double sm = u[5] < p->s_w[0] ? p->s_modes[0] : p->s_modes[p->n_s - 1];
            double frac = fmod(u[4] * 7.31, 1.0), frac2 = fmod(u[5] * 5.17, 1.0);
            double rot = rm + g1 * (frac < ROT_SDW[0] ? ROT_SD[0] : ROT_SD[1]);
            /* grid records: magnetic bearings written as grid (20%) */
            double frac3 = fmod(u[4] * 13.7, 1.0);
            if (p->n_rot == 1 && frac3 < 0.2)
                rot += (2.0 + 10.0 * frac3 / 0.2) * (frac2 < 0.5 ? -1.0 : 1.0);
            double sc = sm * (1 + SCALE_SD * g2);
            double tsd = T_SD[NT_COMP - 1], cum = 0;
            for (int w = 0; w < NT_COMP; w++) {
                cum += T_W[w];
                if (frac2 < cum) {
                    tsd = T_SD[w];
                    break;
                }
            }
            double ex = sc * sin(rot * DEG) * dtab[k] + tsd * g3;
            double ey = (sc * cos(rot * DEG) - 1.0) * dtab[k] + tsd * g4;
            e[i] = hypot(ex, ey);
        }
        qsort(e, NPRIOR_S, sizeof *e, dm_cmp_double);
        rtab[k] = e[(int)(PRIOR_Q * NPRIOR_S)];
    }
    free(e);
}

static double interp(const double *xt, const double *yt, int n, double x)
{
    if (x <= xt[0])
        return yt[0];
    for (int k = 1; k < n; k++)
        if (x <= xt[k]) {
            double w = (x - xt[k - 1]) / fmax(xt[k] - xt[k - 1], 1e-12);
            return yt[k - 1] + w * (yt[k] - yt[k - 1]);
        }
    return yt[n - 1] * x / fmax(xt[n - 1], 1e-12);
}

/* ------------------------------------------------- rows from found mines */

/* Straight rows with regular spacing among the points p[i] with use[i]
 * true; each row of at least 4 points is extended by up to 10 mines at
 * each end that lies outside the cleared hull. */
/* The items in use within 0.8 m of the line through p[i] along the unit
 * vector (ux, uy), sorted along it into t (their number returned); *lo..*hi
 * is the run through i whose gaps are near 1 or 2 times base. */
static size_t run_along(const pt *p, const bool *use, size_t n, size_t i, double ux, double uy,
                        double base, keyed *t, size_t *lo, size_t *hi)
{
    size_t m = 0;
    for (size_t l = 0; l < n; l++) {
        if (!use[l])
            continue;
        double dx = p[l].x - p[i].x, dy = p[l].y - p[i].y;
        if (fabs(-uy * dx + ux * dy) > 0.8)
            continue;
        t[m].key = ux * dx + uy * dy;
        t[m++].i = l;
    }
    qsort(t, m, sizeof *t, cmp_keyed);
    *lo = *hi = 0;
    for (size_t l = 0; l < m; l++)
        if (t[l].i == i)
            *lo = *hi = l;
    while (*lo > 0) {
        double g = (t[*lo].key - t[*lo - 1].key) / base;
        if (g < 0.8 || g > 2.2 || fabs(g - round(g)) > 0.2)
            break;
        (*lo)--;
    }
    while (*hi + 1 < m) {
        double g = (t[*hi + 1].key - t[*hi].key) / base;
        if (g < 0.8 || g > 2.2 || fabs(g - round(g)) > 0.2)
            break;
        (*hi)++;
    }
    return m;
}

static dm_status found_rows(const pt *p, size_t n, bool *use, const hull *cleared, double jitter,
                            int k0, dm_mf_prediction_set *out, size_t *cap, dm_error *err)
{
    size_t avail = 0;
    for (size_t i = 0; i < n; i++)
        avail += use[i];
    /* the search is quadratic: beyond a few thousand unmatched items (no
     * minefield has them) rows are not looked for */
    if (avail < 4 || avail > 4000)
        return DM_OK;
    keyed *t = malloc(n * sizeof *t);
    size_t *members = malloc(n * sizeof *members);
    if (!t || !members) {
        free(t);
        free(members);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    int k = k0;
    dm_status st = DM_OK;
    for (int pass = 0; pass < 50 && !st; pass++) {
        size_t best_n = 0, best_i = 0, best_j = 0;
        double best_base = 0, best_res = INFINITY;
        for (size_t i = 0; i < n; i++) {
            if (!use[i])
                continue;
            /* up to 3 nearest available neighbours within 15 m */
            size_t nb[3];
            double nd[3];
            int nn = 0;
            for (size_t j = 0; j < n; j++) {
                if (j == i || !use[j])
                    continue;
                double d = hypot(p[j].x - p[i].x, p[j].y - p[i].y);
                if (d < 1.0 || d > 15.0)
                    continue;
                int pos = nn < 3 ? nn++ : 3;
                if (pos == 3 && d >= nd[2])
                    continue;
                if (pos == 3)
                    pos = 2;
                while (pos > 0 && nd[pos - 1] > d) {
                    nd[pos] = nd[pos - 1];
                    nb[pos] = nb[pos - 1];
                    pos--;
                }
                nd[pos] = d;
                nb[pos] = j;
            }
            for (int q = 0; q < nn; q++) {
                size_t j = nb[q];
                double ux = (p[j].x - p[i].x) / nd[q], uy = (p[j].y - p[i].y) / nd[q];
                /* the run through i with gaps near multiples of the base */
                double base = nd[q];
                size_t lo, hi;
                run_along(p, use, n, i, ux, uy, base, t, &lo, &hi);
                size_t cnt = hi - lo + 1;
                double res = 0;
                for (size_t l = lo; l + 1 <= hi; l++) {
                    double g = (t[l + 1].key - t[l].key) / base;
                    res += fabs(g - round(g));
                }
                if (cnt > best_n || (cnt == best_n && res < best_res)) {
                    best_n = cnt;
                    best_res = res;
                    best_i = i;
                    best_j = j;
                    best_base = base;
                }
            }
        }
        if (best_n < 4)
            break;
        /* collect the run again, then fit the line and the spacing */
        double ux = p[best_j].x - p[best_i].x, uy = p[best_j].y - p[best_i].y;
        double ul = hypot(ux, uy);
        ux /= ul;
        uy /= ul;
        size_t lo, hi;
        run_along(p, use, n, best_i, ux, uy, best_base, t, &lo, &hi);
        size_t cnt = 0;
        for (size_t l = lo; l <= hi; l++) {
            members[cnt++] = t[l].i;
            use[t[l].i] = false;
        }
        /* centroid and principal direction */
        double cx = 0, cy = 0;
        for (size_t l = 0; l < cnt; l++) {
            cx += p[members[l]].x;
            cy += p[members[l]].y;
        }
        cx /= (double)cnt;
        cy /= (double)cnt;
        double sxx = 0, sxy = 0, syy = 0;
        for (size_t l = 0; l < cnt; l++) {
            double dx = p[members[l]].x - cx, dy = p[members[l]].y - cy;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        double ang = 0.5 * atan2(2 * sxy, sxx - syy);
        double dx_ = cos(ang), dy_ = sin(ang);
        if (dx_ * ux + dy_ * uy < 0) {
            dx_ = -dx_;
            dy_ = -dy_;
        }
        /* steps k_l and LS spacing: s_l = s0 + k_l d */
        double s0 = 0, first = INFINITY;
        double sk = 0, ss_ = 0, skk = 0, sks = 0, perp = 0;
        for (size_t l = 0; l < cnt; l++) {
            double sl = (p[members[l]].x - cx) * dx_ + (p[members[l]].y - cy) * dy_;
            first = fmin(first, sl);
        }
        for (size_t l = 0; l < cnt; l++) {
            double sl = (p[members[l]].x - cx) * dx_ + (p[members[l]].y - cy) * dy_;
            double kl = round((sl - first) / best_base);
            sk += kl;
            ss_ += sl;
            skk += kl * kl;
            sks += kl * sl;
            double pp = -(p[members[l]].x - cx) * dy_ + (p[members[l]].y - cy) * dx_;
            perp += pp * pp;
        }
        double nn_ = (double)cnt, den = nn_ * skk - sk * sk;
        double d = den > 0 ? (nn_ * sks - sk * ss_) / den : best_base;
        s0 = (ss_ - d * sk) / nn_;
        double kmin_ = INFINITY, kmax_ = -INFINITY;
        double resid = 0;
        for (size_t l = 0; l < cnt; l++) {
            double sl = (p[members[l]].x - cx) * dx_ + (p[members[l]].y - cy) * dy_;
            double kl = round((sl - first) / best_base);
            kmin_ = fmin(kmin_, kl);
            kmax_ = fmax(kmax_, kl);
            resid += pow(sl - s0 - kl * d, 2);
        }
        double sig = sqrt((perp + resid + 4 * jitter * jitter) / (2.0 * nn_ - 3.0 + 4.0));
        double var_d = den > 0 ? sig * sig * nn_ / den : 1.0;
        double kbar = sk / nn_;
        double var_ang = sig * sig / fmax(sxx + syy, 1e-6);
        int ext = (int)fmin(10.0, nn_);
        int nrow_pred = 0;
        for (int side = -1; side <= 1 && !st; side += 2) {
            for (int e = 1; e <= ext && !st; e++) {
                double kl = side < 0 ? kmin_ - e : kmax_ + e;
                double sl = s0 + kl * d;
                double x = cx + sl * dx_, y = cy + sl * dy_;
                if (hull_inside(cleared, x, y, 0.5))
                    break;
                double var = sig * sig * (1.0 + 1.0 / nn_) + (kl - kbar) * (kl - kbar) * var_d +
                             sl * sl * var_ang;
                dm_mf_prediction pr = {x, y, -(k + 2), 0, 0, true};
                pr.index = (int)kl;
                pr.radius_m = radius95(var, 2.0 * nn_ + 1.0);
                st = push(out, cap, &pr, err);
                nrow_pred++;
            }
        }
        /* indices from 1 at the row's first point (found or predicted) */
        if (nrow_pred) {
            int kfirst = (int)kmin_;
            for (size_t q = out->n - (size_t)nrow_pred; q < out->n; q++)
                kfirst = out->items[q].index < kfirst ? out->items[q].index : kfirst;
            for (size_t q = out->n - (size_t)nrow_pred; q < out->n; q++)
                out->items[q].index = out->items[q].index - kfirst + 1;
            k++;
        }
    }
    free(t);
    free(members);
    return st;
}

/* ------------------------------------------------------------ predict */

static dm_status problem_init(problem *pb, const dm_mf_record *rec, const pt *fp, size_t nf,
                              const pt *all, size_t nall, dm_error *err)
{
    memset(pb, 0, sizeof *pb);
    pb->rec = rec;
    pb->fp = fp;
    pb->nf = nf;
    pb->ev_sigma = JITTER0;
    pb->score_sigma = sqrt(2.0) * JITTER0;
    pb->p_clutter = P_CLUTTER;
    dm_status st = dm_mf_layout_compute(rec, &pb->lay, err);
    if (st)
        return st;
    pb->nr = pb->lay.n_mines;
    pb->nrows = rec->n_rows;
    pb->rp = malloc((pb->nr ? pb->nr : 1) * sizeof *pb->rp);
    pb->row_of = malloc((pb->nr ? pb->nr : 1) * sizeof *pb->row_of);
    double *gaps = malloc((pb->nr ? pb->nr : 1) * sizeof *gaps);
    if (!pb->rp || !pb->row_of || !gaps) {
        free(gaps);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    size_t ng = 0;
    for (size_t i = 0; i < pb->nr; i++) {
        const dm_mf_mine *m = &pb->lay.mines[i];
        pb->rp[i] = (pt){m->x, m->y};
        pb->row_of[i] = m->row >= 0 ? m->row : (int)pb->nrows;
        if (i > 0 && m->row >= 0 && pb->lay.mines[i - 1].row == m->row) {
            double g = hypot(m->x - pb->lay.mines[i - 1].x, m->y - pb->lay.mines[i - 1].y);
            if (g > 0.05)
                gaps[ng++] = g;
        }
    }
    qsort(gaps, ng, sizeof *gaps, dm_cmp_double);
    pb->step_m = ng ? gaps[ng / 2] : 5.0;
    free(gaps);
    if (pb->step_m < 0.5)
        pb->step_m = 0.5;
    if (pb->step_m > 50.0)
        pb->step_m = 50.0;
    priors_init(&pb->pri, rec, RECIP_W);
    pb->ux = 0.0;
    pb->uy = 1.0;
    double blen = 0.0;
    for (size_t r = 0; r < pb->lay.n_rows; r++)
        for (size_t v = pb->lay.row_first[r]; v + 1 < pb->lay.row_first[r + 1]; v++) {
            double dx = pb->lay.verts[2 * v + 2] - pb->lay.verts[2 * v];
            double dy = pb->lay.verts[2 * v + 3] - pb->lay.verts[2 * v + 1];
            double len = hypot(dx, dy);
            if (len > blen) {
                blen = len;
                pb->ux = dx / len;
                pb->uy = dy / len;
            }
        }
    pb->nlo = INFINITY;
    pb->nhi = -INFINITY;
    for (size_t i = 0; i < pb->nr; i++)
        if (pb->row_of[i] < (int)pb->nrows) {
            double off = -pb->uy * pb->rp[i].x + pb->ux * pb->rp[i].y;
            pb->nlo = fmin(pb->nlo, off);
            pb->nhi = fmax(pb->nhi, off);
        }
    pb->ccount = calloc(pb->nrows + 1, sizeof *pb->ccount);
    pb->cmatched = calloc(pb->nrows + 1, sizeof *pb->cmatched);
    if (!pb->ccount || !pb->cmatched)
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    pb->fdist = malloc((nf ? nf : 1) * sizeof *pb->fdist);
    pb->nbr = calloc(nf ? nf : 1, sizeof *pb->nbr);
    pb->xscr = malloc((nf ? nf : 1) * sizeof *pb->xscr);
    pb->xwho = malloc((pb->nr ? pb->nr : 1) * sizeof *pb->xwho);
    pb->xdd = malloc((pb->nr ? pb->nr : 1) * sizeof *pb->xdd);
    if (!pb->fdist || !pb->nbr || !pb->xscr || !pb->xwho || !pb->xdd)
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    /* the outer rows and the spacing of the rows across */
    pb->outer_row[0] = pb->outer_row[1] = -1;
    pb->row_gap = 15.0;
    if (pb->nrows > 0) {
        double *roff = calloc(pb->nrows, sizeof *roff), *sorted = calloc(pb->nrows, sizeof *sorted);
        size_t *rcnt = calloc(pb->nrows, sizeof *rcnt);
        if (!roff || !sorted || !rcnt) {
            free(roff);
            free(sorted);
            free(rcnt);
            return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        }
        for (size_t i = 0; i < pb->nr; i++) {
            int r = pb->row_of[i];
            if (r >= (int)pb->nrows)
                continue;
            roff[r] += -pb->uy * pb->rp[i].x + pb->ux * pb->rp[i].y;
            rcnt[r]++;
        }
        size_t ns = 0;
        for (size_t r = 0; r < pb->nrows; r++) {
            if (!rcnt[r])
                continue;
            roff[r] /= (double)rcnt[r];
            sorted[ns++] = roff[r];
            if (pb->outer_row[0] < 0 || roff[r] < roff[pb->outer_row[0]])
                pb->outer_row[0] = (int)r;
            if (pb->outer_row[1] < 0 || roff[r] > roff[pb->outer_row[1]])
                pb->outer_row[1] = (int)r;
        }
        qsort(sorted, ns, sizeof *sorted, dm_cmp_double);
        size_t ng2 = 0;
        for (size_t k = 0; k + 1 < ns; k++)
            if (sorted[k + 1] - sorted[k] > 1.0)
                sorted[ng2++] = sorted[k + 1] - sorted[k];
        if (ng2) {
            qsort(sorted, ng2, sizeof *sorted, dm_cmp_double);
            pb->row_gap = sorted[ng2 / 2];
        }
        for (int side = 0; side < 2; side++) {
            pb->outer_first[side] = pb->outer_n[side] = 0;
            for (size_t i = 0; i < pb->nr && pb->outer_row[side] >= 0; i++)
                if (pb->row_of[i] == pb->outer_row[side]) {
                    if (!pb->outer_n[side])
                        pb->outer_first[side] = i;
                    pb->outer_n[side]++;
                }
        }
        free(roff);
        free(sorted);
        free(rcnt);
    }
    if (nf) {
        double cx = 0, cy = 0, bd = INFINITY;
        for (size_t f = 0; f < nf; f++) {
            cx += fp[f].x / (double)nf;
            cy += fp[f].y / (double)nf;
        }
        /* the seed: the central item among those with another item about a
         * spacing away (a mine in a row; clutter seldom has one), found by
         * a sweep over the items sorted by x */
        keyed *byx = malloc(nf * sizeof *byx);
        if (!byx)
            return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        for (size_t f = 0; f < nf; f++) {
            byx[f].key = fp[f].x;
            byx[f].i = f;
        }
        qsort(byx, nf, sizeof *byx, cmp_keyed);
        double dlo = 0.35 * pb->step_m, dhi = 2.2 * pb->step_m;
        for (size_t a = 0; a < nf; a++) {
            size_t f = byx[a].i;
            for (size_t b = a + 1; b < nf && byx[b].key - byx[a].key <= dhi; b++) {
                size_t j = byx[b].i;
                double dx = fp[j].x - fp[f].x, dy = fp[j].y - fp[f].y, d2 = dx * dx + dy * dy;
                if (d2 >= dlo * dlo && d2 <= dhi * dhi)
                    pb->nbr[f] = pb->nbr[j] = true;
            }
        }
        free(byx);
        bool any_nb = false;
        for (size_t f = 0; f < nf; f++)
            any_nb = any_nb || pb->nbr[f];
        for (size_t f = 0; f < nf; f++) {
            if (any_nb && !pb->nbr[f])
                continue;
            double d = hypot(fp[f].x - cx, fp[f].y - cy);
            if (d < bd) {
                bd = d;
                pb->seed = f;
            }
        }
        for (size_t f = 0; f < nf; f++)
            pb->fdist[f] = hypot(fp[f].x - fp[pb->seed].x, fp[f].y - fp[pb->seed].y);
        double *tmp = malloc(nf * sizeof *tmp);
        if (!tmp)
            return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        memcpy(tmp, pb->fdist, nf * sizeof *tmp);
        qsort(tmp, nf, sizeof *tmp, dm_cmp_double);
        pb->r0 = fmax(tmp[nf < SUBSET ? nf - 1 : SUBSET - 1], 3.0 * pb->step_m) + 1e-9;
        pb->rmax = tmp[nf - 1];
        free(tmp);
    }
    if (hull_build(&pb->fhull, all, nall) ||
        grid_build(&pb->rg, pb->rp, pb->nr, fmax(pb->step_m, 1.0)) ||
        grid_build(&pb->fg, pb->fp, pb->nf, 5.0) || fronts_prepare(pb))
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    /* the cleared ground clutter may lie in: the found items' hull grown by
     * a spacing (area + perimeter b + pi b^2) */
    double area = 0, perim = 0, b = pb->step_m;
    for (size_t k = 0; k < pb->fhull.n; k++) {
        pt a = pb->fhull.v[k], c = pb->fhull.v[(k + 1) % pb->fhull.n];
        area += a.x * c.y - c.x * a.y;
        perim += hypot(c.x - a.x, c.y - a.y);
    }
    pb->clutter_area = 0.5 * fabs(area) + perim * b + M_PI * b * b;
    return DM_OK;
}

/* Per-row shifts of rows that were moved: found items near a row that the
 * global fit leaves unmatched, all displaced by the same vector. */
static void find_row_shifts(const problem *pb, state *s)
{
    double sc = xf_scale(&s->t);
    bool *unm = calloc(pb->nf ? pb->nf : 1, sizeof *unm);
    size_t *rowm = calloc(pb->nrows + 1, sizeof *rowm);
    if (!unm || !rowm) {
        free(unm);
        free(rowm);
        return;
    }
    for (size_t f = 0; f < pb->nf; f++) {
        unm[f] = s->match_rec[f] < 0;
        if (s->match_rec[f] >= 0)
            rowm[pb->row_of[s->match_rec[f]]]++;
    }
    /* found items that are taken cannot vote: skip[] marks them */
    bool *skip = malloc((pb->nf ? pb->nf : 1) * sizeof *skip);
    if (!skip) {
        free(unm);
        free(rowm);
        return;
    }
    for (size_t f = 0; f < pb->nf; f++)
        skip[f] = !unm[f];
    const double reach = 12.0;
    for (size_t r = 0; r < pb->nrows; r++) {
        if (s->row_moved[r])
            continue;
        size_t first = pb->lay.row_first ? 0 : 0;
        (void)first;
        /* candidate shifts: each unmatched found item near a mine of the row */
        double bestx = 0, besty = 0;
        size_t bestn = 0;
        size_t tries = 0;
        for (size_t i = 0; i < pb->nr && tries < 60; i++) {
            if (pb->row_of[i] != (int)r)
                continue;
            double px, py, d;
            xf_apply(&s->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
            long f = grid_nearest(&pb->fg, px, py, reach, skip, &d);
            if (f < 0 || d < 1.5)
                continue;
            tries++;
            double ox = pb->fp[f].x - px, oy = pb->fp[f].y - py;
            size_t cnt = 0;
            double sx = 0, sy = 0;
            for (size_t j = 0; j < pb->nr; j++) {
                if (pb->row_of[j] != (int)r)
                    continue;
                double qx, qy, e;
                xf_apply(&s->t, pb->rp[j].x, pb->rp[j].y, &qx, &qy);
                long g = grid_nearest(&pb->fg, qx + ox, qy + oy, 1.0 + s->sigma, skip, &e);
                if (g >= 0) {
                    cnt++;
                    sx += pb->fp[g].x - qx;
                    sy += pb->fp[g].y - qy;
                }
            }
            if (cnt > bestn) {
                bestn = cnt;
                bestx = sx / (double)cnt;
                besty = sy / (double)cnt;
            }
        }
        if (bestn >= 3 && bestn > rowm[r] + 1) {
            s->row_shift[2 * r] = bestx;
            s->row_shift[2 * r + 1] = besty;
            s->row_moved[r] = true;
        }
    }
    (void)sc;
    free(skip);
    free(unm);
    free(rowm);
}

/* Rows whose matched mines sit off the fit by the same vector. */
static void row_residual_shifts(const problem *pb, state *s)
{
    size_t nrw = pb->nrows;
    double *sx = calloc(2 * (nrw + 1), sizeof *sx);
    size_t *cnt = calloc(nrw + 1, sizeof *cnt);
    if (!sx || !cnt) {
        free(sx);
        free(cnt);
        return;
    }
    for (size_t f = 0; f < pb->nf; f++) {
        long i = s->match_rec[f];
        if (i < 0)
            continue;
        int r = pb->row_of[i];
        double px, py;
        xf_apply(&s->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
        sx[2 * r] += pb->fp[f].x - px;
        sx[2 * r + 1] += pb->fp[f].y - py;
        cnt[r]++;
    }
    for (size_t r = 0; r < nrw; r++) {
        if (cnt[r] < 3)
            continue;
        double mx = sx[2 * r] / (double)cnt[r], my = sx[2 * r + 1] / (double)cnt[r];
        if (hypot(mx, my) > fmax(0.8, 3.0 * s->sigma / sqrt((double)cnt[r]))) {
            s->row_shift[2 * r] = mx;
            s->row_shift[2 * r + 1] = my;
            s->row_moved[r] = true;
        } else if (!s->row_moved[r]) {
            s->row_shift[2 * r] = s->row_shift[2 * r + 1] = 0;
        }
    }
    free(sx);
    free(cnt);
}

static void state_copy(state *dst, const state *src, const problem *pb)
{
    dst->t = src->t;
    dst->sol = src->sol;
    dst->sigma = src->sigma;
    dst->matched = src->matched;
    dst->score = src->score;
    memcpy(dst->match_rec, src->match_rec, pb->nf * sizeof *dst->match_rec);
    memcpy(dst->match_d, src->match_d, pb->nf * sizeof *dst->match_d);
    memcpy(dst->rec_found, src->rec_found, pb->nr * sizeof *dst->rec_found);
    memcpy(dst->row_shift, src->row_shift, 2 * (pb->nrows + 1) * sizeof *dst->row_shift);
    memcpy(dst->row_moved, src->row_moved, (pb->nrows + 1) * sizeof *dst->row_moved);
    memcpy(dst->xmatch, src->xmatch, pb->nf * sizeof *dst->xmatch);
    dst->xox = src->xox;
    dst->xoy = src->xoy;
}

static void state_reset(state *s, const problem *pb, xform t)
{
    s->t = t;
    s->sigma = fmax(0.4, pb->ev_sigma);
    memset(s->row_shift, 0, 2 * (pb->nrows + 1) * sizeof *s->row_shift);
    memset(s->row_moved, 0, (pb->nrows + 1) * sizeof *s->row_moved);
    for (size_t f = 0; f < pb->nf; f++)
        s->xmatch[f] = -1;
    memset(&s->sol, 0, sizeof s->sol);
    s->sol.comp = -1;
}

/* The record as written, with the radii of the prior. */
static dm_status predict_as_written(const problem *pb, dm_mf_prediction_set *out, size_t *cap,
                                    dm_error *err)
{
    double dmax = 1.0;
    for (size_t i = 0; i < pb->nr; i++)
        dmax = fmax(dmax, hypot(pb->rp[i].x, pb->rp[i].y));
    double dt[NPRIOR_D], rt[NPRIOR_D];
    prior_radii(&pb->pri, dmax, dt, rt);
    for (size_t i = 0; i < pb->nr; i++) {
        const dm_mf_mine *m = &pb->lay.mines[i];
        dm_mf_prediction p = {m->x, m->y, m->row, m->index, 0, false};
        p.radius_m = interp(dt, rt, NPRIOR_D, hypot(m->x, m->y));
        dm_status st = push(out, cap, &p, err);
        if (st)
            return st;
    }
    return DM_OK;
}

/* Moves a fit by lattice steps while its score improves: the matched item
 * nearest the seed as every other recorded mine (all of them first, then
 * those within 40 m). Every fit tried is added to hscore/hfinal. */
static void refine_rows(const problem *pb, state *s);

static void explore(const problem *pb, state *bs, state *cur, double *hscore, xform *hfinal,
                    size_t *nh, bool fine, size_t nanchor)
{
    /* the periodic neighbours of the best fit: the seed item as another
     * recorded mine nearby (rows are regular, so a fit one spacing or one
     * row off matches almost as many items) */
    for (int pass = 0; pass < 8 && isfinite(bs->score) && *nh < MAX_HYP; pass++) {
        /* the anchors: the matched items nearest the seed (the seed itself
         * may be clutter; so may the nearest matched item: with few items,
         * the next ones too, those with a neighbour a spacing away first) */
        size_t anchors[NANCHOR], nanch = 0, maxanch = full_search(pb) ? nanchor : 1;
        for (int want = 1; want >= 0 && nanch < maxanch; want--)
            while (nanch < maxanch) {
                size_t a = pb->nf;
                double ad = INFINITY;
                for (size_t f = 0; f < pb->nf; f++) {
                    if (bs->match_rec[f] < 0 || (want && !pb->nbr[f]) || pb->fdist[f] >= ad)
                        continue;
                    bool taken = false;
                    for (size_t q = 0; q < nanch; q++)
                        taken = taken || anchors[q] == f;
                    if (!taken) {
                        ad = pb->fdist[f];
                        a = f;
                    }
                }
                if (a == pb->nf)
                    break;
                anchors[nanch++] = a;
            }
        if (!nanch)
            anchors[nanch++] = pb->seed;
        double sc = xf_scale(&bs->t), reach = pass == 0 ? INFINITY : 40.0 / sc;
        double bq = -INFINITY, gate = gate_for(pb, bs);
        /* ranked on all items when they are few, else on those nearby */
        double elim = full_search(pb) ? INFINITY : fmax(3.0 * pb->r0, 40.0);
        double topq[EXPLORE_TOP];
        xform topt[EXPLORE_TOP];
        size_t ntop = 0, ktop = pb->nf > 200 ? 1 : EXPLORE_TOP;
        xform bt = bs->t;
        size_t sub[SUBSET], nsub = 0;
        for (size_t f = 0; f < pb->nf && nsub < SUBSET; f++)
            if (pb->fdist[f] <= pb->r0)
                sub[nsub++] = f;
        int best_votes = 0;
        for (size_t an = 0; an < nanch; an++) {
            size_t anchor = anchors[an];
            double mx, my;
            xf_inverse(&bs->t, pb->fp[anchor].x, pb->fp[anchor].y, &mx, &my);
            long ms = bs->match_rec[anchor];
            if (ms < 0)
                ms = grid_nearest(&pb->rg, mx, my, INFINITY, NULL, NULL);
            if (ms < 0)
                continue;
            /* the first pass tries every recorded mine (a fit may be several
             * rows or tens of spacings off), the later ones those nearby */
            for (size_t i = 0; i < pb->nr; i++) {
                double dx = pb->rp[i].x - pb->rp[ms].x, dy = pb->rp[i].y - pb->rp[ms].y;
                if ((long)i == ms || fabs(dx) > reach || fabs(dy) > reach || hypot(dx, dy) > reach)
                    continue;
                if ((double)pb->depth[i] > 1.3 * (double)pb->nf + 3.0)
                    continue;
                xform t = bs->t;
                double px, py;
                xf_apply(&bs->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
                t.tx += pb->fp[anchor].x - px;
                t.ty += pb->fp[anchor].y - py;
                /* cheap first: the compact subset must mostly fall on mines */
                int votes = 0;
                bool pruned = false;
                for (size_t q = 0; q < nsub && !pruned; q++) {
                    double ux, uy;
                    xf_inverse(&t, pb->fp[sub[q]].x, pb->fp[sub[q]].y, &ux, &uy);
                    votes += grid_nearest(&pb->rg, ux, uy, gate / sc, NULL, NULL) >= 0;
                    pruned = votes + (int)(nsub - q - 1) < best_votes - 3;
                }
                if (pruned)
                    continue;
                if (votes > best_votes)
                    best_votes = votes;
                state_reset(cur, pb, t);
                cur->sigma = bs->sigma;
                /* ranked on the items near the seed (the same for all), with
                 * the cleared ground too when the items are few */
                match(pb, cur, gate, elim);
                double q = score_of(pb, cur, full_search(pb));
                /* keep the EXPLORE_TOP best (insertion into a short list) */
                size_t k = ntop < ktop ? ntop++ : ktop;
                while (k > 0 && topq[k - 1] < q) {
                    if (k < ktop) {
                        topq[k] = topq[k - 1];
                        topt[k] = topt[k - 1];
                    }
                    k--;
                }
                if (k < ktop) {
                    topq[k] = q;
                    topt[k] = t;
                }
                if (q > bq) {
                    bq = q;
                    bt = t;
                }
            }
        }
        if (!isfinite(bq))
            break;
        (void)bt;
        bool improved = false;
        for (size_t k = 0; k < ntop && *nh < MAX_HYP; k++) {
            /* rotation and scale are those of a fit already: all items at
             * once (a small region could let the prior turn the fit) */
            state_reset(cur, pb, topt[k]);
            icp_from(pb, cur, 8, INFINITY);
            if (fine)
                refine_rows(pb, cur);
            cur->score = fine ? score_x(pb, cur) : score(pb, cur);
            hscore[*nh] = cur->score;
            hfinal[(*nh)++] = cur->t;
            if (cur->score > bs->score + 1e-9) {
                state_copy(bs, cur, pb);
                improved = true;
            }
        }
        if (!improved)
            break;
    }
}

/* Fits in which the found items that a fit puts on an outer row are an
 * unrecorded row beyond it instead: the fit moved back by the row's offset
 * (record frame, on a grid over the offsets the error model allows), kept
 * when the other items then fall on recorded mines. Fills t (at most max)
 * and returns how many. */
static size_t extra_alternatives(const problem *pb, const state *s, xform *t, size_t max)
{
    size_t n = 0;
    double sc = xf_scale(&s->t), gap = pb->row_gap;
    if (!(sc > 0) || pb->nf > 300)
        return 0;
    for (int side = 0; side < 2 && n < max; side++) {
        int orow = pb->outer_row[side];
        if (orow < 0)
            continue;
        size_t ne = 0, no = 0;
        for (size_t f = 0; f < pb->nf; f++) {
            if (s->match_rec[f] >= 0 && pb->row_of[s->match_rec[f]] == orow)
                ne++;
            else
                no++;
        }
        if (ne < EXTRA_MIN || no == 0)
            continue;
        double nx = side ? -pb->uy : pb->uy, ny = side ? pb->ux : -pb->ux; /* outward */
        size_t bestc[2] = {0, 0};
        xform bestt[2];
        for (double a = EXTRA_NEAR * gap; a <= EXTRA_FAR * gap; a += 0.5) {
            for (double b = -EXTRA_ALONG; b <= EXTRA_ALONG; b += 0.5) {
                double ox = a * nx + b * ny, oy = a * ny - b * nx;
                xform c = s->t;
                double lx, ly;
                xf_linear(&s->t, ox, oy, &lx, &ly);
                c.tx -= lx;
                c.ty -= ly;
                size_t cnt = 0;
                for (size_t f = 0; f < pb->nf; f++) {
                    if (s->match_rec[f] >= 0 && pb->row_of[s->match_rec[f]] == orow)
                        continue;
                    double mx, my;
                    xf_inverse(&c, pb->fp[f].x, pb->fp[f].y, &mx, &my);
                    cnt += grid_nearest(&pb->rg, mx, my, 0.8 / sc, NULL, NULL) >= 0;
                }
                if (cnt > bestc[0]) {
                    bestc[1] = bestc[0];
                    bestt[1] = bestt[0];
                    bestc[0] = cnt;
                    bestt[0] = c;
                } else if (cnt > bestc[1]) {
                    bestc[1] = cnt;
                    bestt[1] = c;
                }
            }
        }
        for (int k = 0; k < 2 && n < max; k++)
            if (bestc[k] >= 1)
                t[n++] = bestt[k];
    }
    return n;
}

/* Moved rows, then the final fit of a state. */
static void refine_rows(const problem *pb, state *s)
{
    for (int pass = 0; pass < 3; pass++) {
        find_row_shifts(pb, s);
        row_residual_shifts(pb, s);
        extra ex;
        extra_row(pb, s, &ex, s->xmatch);
        s->xox = ex.ox;
        s->xoy = ex.oy;
        double gate = gate_for(pb, s);
        for (int it = 0; it < 4; it++) {
            match(pb, s, gate, INFINITY);
            refit(pb, s, true);
            gate = gate_for(pb, s);
        }
        match(pb, s, gate, INFINITY);
    }
}

/* Two fits are the same when they put the record's centre within 1 m,
 * counting the difference of rotation and scale at its edge. */
static bool same_fit(const xform *a, const xform *b, double cxr, double cyr, double ext)
{
    double ax, ay, bx, by;
    xf_apply(a, cxr, cyr, &ax, &ay);
    xf_apply(b, cxr, cyr, &bx, &by);
    double drot = fabs(wrap180(xf_rot(a) - xf_rot(b))) * DEG * ext;
    double dsc = fabs(xf_scale(a) - xf_scale(b)) * ext;
    return hypot(ax - bx, ay - by) + drot + dsc < 1.0;
}

/* Refines the fits in which the items that the best fit puts on an outer
 * row are an unrecorded row beyond it (extra_alternatives), keeping the
 * best. */
static void try_extra(const problem *pb, state *best, state *cur, double *hscore, xform *hfinal,
                      size_t *nh)
{
    xform xt[4];
    size_t nx = extra_alternatives(pb, best, xt, 4);
    for (size_t k = 0; k < nx; k++) {
        state_reset(cur, pb, xt[k]);
        icp_from(pb, cur, 8, INFINITY);
        refine_rows(pb, cur);
        cur->score = score_x(pb, cur);
        if (*nh < MAX_HYP) {
            hscore[*nh] = cur->score;
            hfinal[(*nh)++] = cur->t;
        }
        if (cur->score > best->score)
            state_copy(best, cur, pb);
    }
}

/* cleared ground: the given polygons, else inside the found items' hull by 1 m */
static bool in_cleared(const problem *pb, const hull *cleared, double x, double y)
{
    return pb->cleared.m ? mask_in(&pb->cleared, x, y) : hull_inside(cleared, x, y, 1.0);
}

/* ------------------------------------------------------ along-row drift */

/* A laying party pacing a row accumulates error along it. Relative to the
 * fit, the along-row residual of the mine u metres from its row's first
 * mine is modelled as a Gaussian process: a shift of the whole row
 * (variance tau_a2, m²), a stretch (tau_b2 u u': a pace length off by a
 * share b of N(0, tau_b2)) and a random walk of the paces (q min(u, u'),
 * q in m² per m), with the jitter s2 (m², per axis) as noise. The four
 * figures are estimated from the fit's residuals (drift_estimate); the
 * process then moves each prediction along its row by its conditional
 * mean and widens it along the row by its conditional variance. The
 * along-row direction of a mine is the one from its row's first mine (a
 * pace length off stretches the whole row about its start, legs and
 * turns alike); for the first mine, the row's from first to last. A row
 * with more than FULL_MAX_FOUND matched mines keeps an even share of that
 * many in the process (a bound on its cost, as for the search). */

typedef struct drift {
    double tau_a2, tau_b2, q, s2;
    size_t nrows;
    size_t *first;  /* per row: its mine of the lowest index, or SIZE_MAX */
    size_t *last;   /* and of the highest */
    size_t *off;    /* per row: first of its matched mines in u, alpha */
    size_t *loff;   /* per row: first of its Cholesky factor in chol */
    double *u;      /* matched mines' distance from their row's first, m */
    double *alpha;  /* (K + s2 I)^-1 e per row */
    double *chol;   /* lower factor of K + s2 I per row, n x n */
    double along2;  /* mean squared along-row residual of matched mines */
    double across2; /* and across */
    size_t npair;   /* neighbouring matched mines in rows */
} drift;

static void drift_free(drift *d)
{
    free(d->first);
    free(d->last);
    free(d->off);
    free(d->loff);
    free(d->u);
    free(d->alpha);
    free(d->chol);
    memset(d, 0, sizeof *d);
}

/* mine i of row r: its along-row direction (fit frame, unit) and distance
 * from the row's first mine (m) under the fit t */
static double drift_axis(const problem *pb, const drift *d, const xform *t, size_t i, int r,
                         double *dx, double *dy)
{
    size_t a = d->first[r];
    double wx, wy;
    xf_linear(t, pb->rp[i].x - pb->rp[a].x, pb->rp[i].y - pb->rp[a].y, &wx, &wy);
    double u = hypot(wx, wy);
    if (u >= 1e-9) {
        *dx = wx / u;
        *dy = wy / u;
        return u;
    }
    size_t b = d->last[r];
    xf_linear(t, pb->rp[b].x - pb->rp[a].x, pb->rp[b].y - pb->rp[a].y, &wx, &wy);
    double n = hypot(wx, wy);
    *dx = n > 1e-9 ? wx / n : 1.0;
    *dy = n > 1e-9 ? wy / n : 0.0;
    return 0.0;
}

/* the matched mines of row r that the process takes (at most
 * FULL_MAX_FOUND: drift_estimate keeps an even share of a row with more) */
static size_t drift_row_n(const drift *d, size_t r)
{
    size_t n = d->off[r + 1] - d->off[r];
    return n > FULL_MAX_FOUND ? FULL_MAX_FOUND : n;
}

static double drift_k(const drift *d, double u, double v)
{
    return d->tau_a2 + d->tau_b2 * u * v + d->q * fmin(u, v);
}

/* the process's figures from the fit's residuals, and each row's factor.
 * The jitter: the across-row residuals, shrunk to the fit's own estimate
 * sigma as JITTER_PRIOR_AXES residuals. The walk: neighbouring matched
 * mines of a row differ along it by twice the jitter plus q per metre
 * between them. The stretch: per row with DRIFT_MIN matched mines over two
 * spacings or more, the along-row residuals' slope on u, less the part of
 * its spread the jitter and the walk give. The shift: those rows'
 * intercepts at u = 0 likewise. */
static int drift_estimate(const problem *pb, const state *best, drift *d)
{
    memset(d, 0, sizeof *d);
    size_t nr = pb->nrows, nf = pb->nf ? pb->nf : 1;
    d->nrows = nr;
    d->first = malloc((nr + 1) * sizeof *d->first);
    d->last = malloc((nr + 1) * sizeof *d->last);
    d->off = calloc(nr + 2, sizeof *d->off);
    d->loff = calloc(nr + 2, sizeof *d->loff);
    d->u = malloc(nf * sizeof *d->u);
    d->alpha = malloc(nf * sizeof *d->alpha);
    keyed *ue = malloc(nf * sizeof *ue);
    double *e = malloc(nf * sizeof *e);
    if (!d->first || !d->last || !d->off || !d->loff || !d->u || !d->alpha || !ue || !e) {
        free(ue);
        free(e);
        drift_free(d);
        return -1;
    }
    for (size_t r = 0; r <= nr; r++)
        d->first[r] = d->last[r] = SIZE_MAX;
    for (size_t i = 0; i < pb->nr; i++) {
        int r = pb->row_of[i];
        if (r >= (int)nr)
            continue;
        int k = pb->lay.mines[i].index;
        if (d->first[r] == SIZE_MAX || k < pb->lay.mines[d->first[r]].index)
            d->first[r] = i;
        if (d->last[r] == SIZE_MAX || k > pb->lay.mines[d->last[r]].index)
            d->last[r] = i;
    }
    /* per row, its matched mines (u, e), sorted on u */
    size_t n_all = 0, nchol = 0;
    double sx2 = 0, sa2 = 0, sde = 0, sdu = 0;
    for (size_t r = 0; r < nr; r++) {
        d->off[r] = n_all;
        size_t n = 0;
        for (size_t f = 0; f < pb->nf; f++) {
            long i = best->match_rec[f];
            if (i < 0 || pb->row_of[i] != (int)r)
                continue;
            double dx, dy, px, py;
            double u = drift_axis(pb, d, &best->t, (size_t)i, (int)r, &dx, &dy);
            xf_apply(&best->t, pb->rp[i].x, pb->rp[i].y, &px, &py);
            double rx = pb->fp[f].x - px - best->row_shift[2 * r];
            double ry = pb->fp[f].y - py - best->row_shift[2 * r + 1];
            double ea = rx * dx + ry * dy, ex = -rx * dy + ry * dx;
            sa2 += ea * ea;
            sx2 += ex * ex;
            ue[n] = (keyed){u, n};
            e[n_all + n] = ea;
            n++;
        }
        /* sort this row's (u, e) on u */
        qsort(ue, n, sizeof *ue, cmp_keyed);
        double *tmp = d->alpha + n_all; /* scratch until the factors */
        for (size_t k = 0; k < n; k++)
            tmp[k] = e[n_all + ue[k].i];
        for (size_t k = 0; k < n; k++) {
            e[n_all + k] = tmp[k];
            d->u[n_all + k] = ue[k].key;
            if (k) {
                double de = e[n_all + k] - e[n_all + k - 1];
                sde += de * de;
                sdu += d->u[n_all + k] - d->u[n_all + k - 1];
                d->npair++;
            }
        }
        n_all += n;
    }
    d->off[nr] = n_all;
    d->along2 = n_all ? sa2 / (double)n_all : 0.0;
    d->across2 = n_all ? sx2 / (double)n_all : 0.0;
    double sig2 = best->sigma * best->sigma;
    d->s2 = (sx2 + JITTER_PRIOR_AXES * sig2) / ((double)n_all + JITTER_PRIOR_AXES);
    if (d->npair >= DRIFT_MIN && sdu > 0)
        d->q = fmax(0.0, (sde - 2.0 * d->s2 * (double)d->npair) / sdu);
    /* stretch and shift: per row, the along residuals regressed on u */
    double sb = 0, sa = 0;
    size_t nb = 0;
    for (size_t r = 0; r < nr; r++) {
        size_t o = d->off[r], n = d->off[r + 1] - o;
        if (n < DRIFT_MIN)
            continue;
        double su = 0, se = 0, suu = 0, sue = 0;
        for (size_t k = 0; k < n; k++) {
            su += d->u[o + k];
            se += e[o + k];
            suu += d->u[o + k] * d->u[o + k];
            sue += d->u[o + k] * e[o + k];
        }
        double ub = su / (double)n, vu = suu - su * su / (double)n;
        if (!(vu > 4.0 * pb->step_m * pb->step_m))
            continue;
        double b = (sue - su * se / (double)n) / vu, a = se / (double)n - b * ub;
        sb += b * b - d->s2 / vu;
        sa += a * a - d->s2 * (1.0 / (double)n + ub * ub / vu);
        nb++;
    }
    if (nb) {
        d->tau_b2 = fmax(0.0, sb / (double)nb);
        d->tau_a2 = fmax(0.0, sa / (double)nb);
    }
    /* never less than a pacer's own error: a row with too few matched
     * mines to show its stretch, or whose residuals wrap at half a
     * spacing, is still paced no better than this */
    d->tau_b2 = fmax(d->tau_b2, PACE_SD * PACE_SD);
    /* each row's factor of K + s2 I and alpha = (K + s2 I)^-1 e; a row
     * with more matched mines than FULL_MAX_FOUND keeps an even share */
    for (size_t r = 0; r < nr; r++) {
        size_t o = d->off[r], n = d->off[r + 1] - o, nk = drift_row_n(d, r);
        for (size_t k = 0; n > nk && k < nk; k++) {
            size_t j = k * n / nk;
            d->u[o + k] = d->u[o + j];
            e[o + k] = e[o + j];
        }
        d->loff[r] = nchol;
        nchol += nk * nk;
    }
    d->loff[nr] = nchol;
    d->chol = malloc((nchol ? nchol : 1) * sizeof *d->chol);
    if (!d->chol) {
        free(ue);
        free(e);
        drift_free(d);
        return -1;
    }
    for (size_t r = 0; r < nr; r++) {
        size_t o = d->off[r], n = drift_row_n(d, r);
        double *l = d->chol + d->loff[r];
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                l[i * n + j] = drift_k(d, d->u[o + i], d->u[o + j]) + (i == j ? d->s2 : 0.0);
        double *al = d->alpha + o;
        for (size_t k = 0; k < n; k++)
            al[k] = e[o + k];
        if (!chol_lower(l, n)) {
            /* not positive (cannot be with s2 > 0, but round-off): no
             * correction in this row */
            d->loff[r] = SIZE_MAX;
            continue;
        }
        chol_forward(l, n, al);
        chol_back(l, n, al);
    }
    free(ue);
    free(e);
    return 0;
}

/* the process at mine i of row r (not matched): its mean along the row
 * (m) and variance (m²), and the along-row direction */
static void drift_at(const problem *pb, const drift *d, const xform *t, size_t i, int r,
                     double *mean, double *var, double *dx, double *dy, double *kbuf)
{
    *mean = 0.0;
    *var = 0.0;
    if (r < 0 || (size_t)r >= d->nrows || d->first[r] == SIZE_MAX) {
        *dx = 1.0;
        *dy = 0.0;
        return;
    }
    double u = drift_axis(pb, d, t, i, r, dx, dy);
    *var = drift_k(d, u, u);
    size_t o = d->off[r], n = drift_row_n(d, (size_t)r);
    if (!n || d->loff[r] == SIZE_MAX)
        return;
    double m = 0, w = 0;
    for (size_t k = 0; k < n; k++) {
        kbuf[k] = drift_k(d, u, d->u[o + k]);
        m += kbuf[k] * d->alpha[o + k];
    }
    chol_forward(d->chol + d->loff[r], n, kbuf);
    for (size_t k = 0; k < n; k++)
        w += kbuf[k] * kbuf[k];
    *mean = m;
    *var = fmax(0.0, *var - w);
}

static dm_status predict_fitted(problem *pb, dm_mf_prediction_set *out, size_t *cap, hull *cleared,
                                bool *unmatched_found, dm_error *err)
{
    state cur, best;
    pb->best_gain = -INFINITY;
    if (state_init(&cur, pb) || state_init(&best, pb)) {
        state_free(&cur);
        state_free(&best);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    best.score = -INFINITY;
    cand cands[MAX_CAND];
    size_t nc = rotscale_candidates(pb, cands, MAX_CAND);
    xform hyp[MAX_HYP];
    double hscore[MAX_HYP];
    xform hfinal[MAX_HYP];
    size_t nh = 0;
    /* per candidate, translations by votes, ranked on more found items */
    /* the best POOL_KEEP starts of each rotation/scale candidate */
    size_t keep = POOL_KEEP, max_icp = MAX_ICP;
    keyed *pool = malloc(MAX_CAND * POOL_KEEP * sizeof *pool);
    xform *poolx = malloc(MAX_CAND * POOL_KEEP * sizeof *poolx);
    size_t np = 0;
    if (!pool || !poolx) {
        free(pool);
        free(poolx);
        state_free(&cur);
        state_free(&best);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    size_t per = pb->nf <= 3 ? 16 : pb->nf <= 10 ? 12 : 10;
    for (size_t c = 0; c < nc; c++) {
        xform tr[16];
        size_t got = translation_candidates(pb, &cands[c], tr, per);
        /* the best few by the quick score (the first, and the others
         * unless far behind it) */
        keyed qk[16] = {{0, 0}};
        for (size_t g = 0; g < got; g++) {
            qk[g].key = -quick_score(pb, &tr[g], 2.0 * pb->r0);
            qk[g].i = g;
        }
        qsort(qk, got, sizeof *qk, cmp_keyed);
        for (size_t g = 0; g < got && g < keep; g++) {
            if (g > 0 && !(pb->nf <= 10 || qk[g].key < qk[0].key + 30.0))
                break;
            pool[np].key = qk[g].key;
            pool[np].i = np;
            poolx[np++] = tr[qk[g].i];
        }
    }
    qsort(pool, np, sizeof *pool, cmp_keyed);
    for (size_t k = 0; k < np && nh < max_icp; k++)
        hyp[nh++] = poolx[pool[k].i];
    if (pb->nf <= PAIR_MAX_FOUND)
        nh += pair_candidates(pb, hyp + nh, PAIR_HYP);
    if (pb->has_start)
        hyp[nh++] = pb->start;
    size_t nfar0 = nh;
    nh += far_candidates(pb, cands, nc, hyp + nh, NFAR);
    free(pool);
    free(poolx);
    for (size_t h = 0; h < nh; h++) {
        state_reset(&cur, pb, hyp[h]);
        if (h >= nfar0) /* away from the central seed: all items at once */
            icp_from(pb, &cur, 8, INFINITY);
        else
            icp(pb, &cur, 8);
        cur.score = score(pb, &cur);
        hscore[h] = cur.score;
        hfinal[h] = cur.t;
        if (cur.score > best.score)
            state_copy(&best, &cur, pb);
    }
    /* the periodic neighbours of the best fit, and of the best fit with
     * another rotation or scale (it may be the right one, a lattice step
     * off) */
    if (isfinite(best.score)) {
        /* the best fits of other rotations or scales, best first */
        xform others[NEXPLORE];
        size_t nothers = 0, maxo = full_search(pb) ? NEXPLORE : 1;
        size_t nh0 = nh;
        while (nothers < maxo) {
            size_t pick = nh0;
            for (size_t h = 0; h < nh0; h++) {
                bool other = fabs(wrap180(xf_rot(&hfinal[h]) - xf_rot(&best.t))) > 1.0 ||
                             fabs(xf_scale(&hfinal[h]) / xf_scale(&best.t) - 1.0) > 0.02;
                for (size_t q = 0; q < nothers && other; q++)
                    other = fabs(wrap180(xf_rot(&hfinal[h]) - xf_rot(&others[q]))) > 1.0 ||
                            fabs(xf_scale(&hfinal[h]) / xf_scale(&others[q]) - 1.0) > 0.02;
                if (other && (pick == nh0 || hscore[h] > hscore[pick]))
                    pick = h;
            }
            if (pick == nh0)
                break;
            others[nothers++] = hfinal[pick];
        }
        explore(pb, &best, &cur, hscore, hfinal, &nh, false, NANCHOR);
        state alt;
        if (nothers && state_init(&alt, pb) == 0) {
            for (size_t q = 0; q < nothers && nh < MAX_HYP; q++) {
                state_reset(&alt, pb, others[q]);
                icp(pb, &alt, 8);
                alt.score = score(pb, &alt);
                explore(pb, &alt, &cur, hscore, hfinal, &nh, false, 1);
                if (alt.score > best.score)
                    state_copy(&best, &alt, pb);
            }
            state_free(&alt);
        }
    }
    dm_status st = DM_OK;
    if (!isfinite(best.score)) {
        /* nothing to fit: the record as written */
        state_free(&cur);
        state_free(&best);
        for (size_t f = 0; f < pb->nf; f++)
            unmatched_found[f] = true;
        return predict_as_written(pb, out, cap, err);
    }
    /* extent of the record, for telling fits apart */
    double cxr = 0, cyr = 0, ext = 0;
    for (size_t i = 0; i < pb->nr; i++) {
        cxr += pb->rp[i].x;
        cyr += pb->rp[i].y;
    }
    cxr /= (double)(pb->nr ? pb->nr : 1);
    cyr /= (double)(pb->nr ? pb->nr : 1);
    for (size_t i = 0; i < pb->nr; i++)
        ext = fmax(ext, hypot(pb->rp[i].x - cxr, pb->rp[i].y - cyr));
    /* moved rows, then the final fit; the next best distinct fits too (a
     * fit that needs a moved row scores low before the row's shift is
     * found), keeping the best */
    {
        size_t hb = nh;
        for (size_t h = 0; h < nh; h++)
            if (hb == nh || hscore[h] > hscore[hb])
                hb = h;
        xform tried[REFINE_TOP + 1];
        size_t ntried = 0;
        tried[ntried++] = best.t;
        refine_rows(pb, &best);
        best.score = score_x(pb, &best);
        if (hb < nh) {
            hscore[hb] = best.score;
            hfinal[hb] = best.t;
        }
        /* a row the best fit moves may be where the record puts it, the
         * others moved: the fit shifted by that row's shift */
        size_t nh_ref = nh;
        state base;
        if (full_search(pb) && state_init(&base, pb) == 0) {
            state_copy(&base, &best, pb);
            for (size_t r = 0; r <= pb->nrows; r++) {
                if (!base.row_moved[r])
                    continue;
                xform t = base.t;
                t.tx += base.row_shift[2 * r];
                t.ty += base.row_shift[2 * r + 1];
                state_reset(&cur, pb, t);
                icp_from(pb, &cur, 8, INFINITY);
                refine_rows(pb, &cur);
                cur.score = score_x(pb, &cur);
                if (nh < MAX_HYP) {
                    hscore[nh] = cur.score;
                    hfinal[nh++] = cur.t;
                }
                if (cur.score > best.score)
                    state_copy(&best, &cur, pb);
            }
            state_free(&base);
        }
        /* the items on an outer row may be an unrecorded row beyond it */
        try_extra(pb, &best, &cur, hscore, hfinal, &nh);
        size_t kmax = full_search(pb) ? REFINE_TOP : 0;
        keyed ordr[MAX_HYP] = {{0, 0}};
        for (size_t h = 0; h < nh; h++) {
            ordr[h].key = -hscore[h];
            ordr[h].i = h;
        }
        qsort(ordr, nh, sizeof *ordr, cmp_keyed);
        for (size_t k = 0; k < nh && ntried < kmax + 1; k++) {
            size_t h = ordr[k].i;
            if (h == hb || h >= nh_ref)
                continue;
            bool same = false;
            for (size_t q = 0; q < ntried && !same; q++)
                same = same_fit(&hfinal[h], &tried[q], cxr, cyr, ext);
            if (same)
                continue;
            tried[ntried++] = hfinal[h];
            state_reset(&cur, pb, hfinal[h]);
            icp_from(pb, &cur, 8, INFINITY);
            refine_rows(pb, &cur);
            cur.score = score_x(pb, &cur);
            if (cur.score > hscore[h]) {
                hscore[h] = cur.score;
                hfinal[h] = cur.t;
            }
            if (cur.score > best.score)
                state_copy(&best, &cur, pb);
        }
    }
    /* the items on an outer row may be an unrecorded row beyond it */
    try_extra(pb, &best, &cur, hscore, hfinal, &nh);
    /* the periodic neighbours of the final fit, each refined likewise */
    if (full_search(pb)) {
        explore(pb, &best, &cur, hscore, hfinal, &nh, true, NANCHOR);
        try_extra(pb, &best, &cur, hscore, hfinal, &nh);
    }
    /* One or two matched items do not pin the transform: any recorded mine
     * can be put on them. Then the record as written is kept unless the
     * found items say otherwise: when it puts a recorded mine on some item
     * it is refined on those (it explains what was found as well as any
     * fit that moves it); when the best fit leaves most items unmatched
     * anyway (clutter, or scrap without a category), the record is
     * predicted as written. */
    /* the fit's score (found items as mines or clutter, the prior, the
     * mines it leaves in cleared ground) against every item clutter in
     * the same ground: the best of the search's fit and the final one
     * (null_test) */
    pb->best_gain = best.score + (double)pb->nf * log(pb->clutter_area);
    if (best.matched <= FALLBACK_MATCHED) {
        state_reset(&cur, pb, xf_make(pb->pri.rot_modes[0], pb->pri.s_modes[0], 0.0, 0.0));
        match(pb, &cur, gate_for(pb, &cur), INFINITY);
        if (cur.matched >= 1) {
            refit(pb, &cur, false);
            match(pb, &cur, gate_for(pb, &cur), INFINITY);
            refit(pb, &cur, false);
            cur.score = score_x(pb, &cur);
            if (nh < MAX_HYP) {
                hscore[nh] = cur.score;
                hfinal[nh++] = cur.t;
            }
            /* the same weight as the best fit: no evidence tells them apart */
            cur.score = fmax(cur.score, best.score);
            state_copy(&best, &cur, pb);
        } else if (2.0 * (double)best.matched < (double)pb->nf) {
            state_free(&cur);
            state_free(&best);
            for (size_t f = 0; f < pb->nf; f++)
                unmatched_found[f] = true;
            return predict_as_written(pb, out, cap, err);
        }
    }
    /* posterior of the chosen hypothesis among the distinct ones */
    double bs = -INFINITY;
    for (size_t h = 0; h < nh; h++)
        bs = fmax(bs, hscore[h]);
    /* distinct alternatives, best first: a hypothesis within 1 m of one
     * already kept (at the record's centre and edge) is the same one */
    keyed ord[MAX_HYP] = {{0, 0}};
    for (size_t h = 0; h < nh; h++) {
        ord[h].key = -hscore[h];
        ord[h].i = h;
    }
    qsort(ord, nh, sizeof *ord, cmp_keyed);
    xform alt_t[MAX_HYP];
    double alt_w[MAX_HYP];
    size_t nalt = 0;
    double zsum = 0;
    for (size_t k = 0; k < nh; k++) {
        const xform *th = &hfinal[ord[k].i];
        bool same = false;
        for (size_t q = 0; q <= nalt && !same; q++)
            same = same_fit(th, q < nalt ? &alt_t[q] : &best.t, cxr, cyr, ext);
        if (same)
            continue;
        alt_t[nalt] = *th;
        alt_w[nalt] = exp((hscore[ord[k].i] - bs) / SCORE_TEMP);
        zsum += alt_w[nalt++];
    }
    double p_best = 1.0 / (1.0 + zsum);
    /* the chance that the best fit is the right one: its share among the
     * fits tried, less when few mines are matched (the ones not tried could
     * do as well); the alternatives tried share part of the rest, and the
     * remainder is "somewhere the record allows" (the prior) */
    double nmat = (double)best.matched;
    double p_right = p_best * nmat / (nmat + 1.0);
    for (size_t k = 0; k < nalt; k++)
        alt_w[k] = zsum > 0 ? alt_w[k] / zsum * (1.0 - p_right) * ALT_SHARE : 0.0;
    /* the fit's weight and the likeliest alternatives (alt_t is best first) */
    out->fit.weight = p_right;
    out->fit.n_alts = 0;
    for (size_t k = 0; k < nalt && out->fit.n_alts < DM_MF_MAX_ALTS; k++) {
        if (!(alt_w[k] >= 0.005))
            continue;
        out->fit.alts[out->fit.n_alts++] =
            (dm_mf_alt){alt_t[k].tx, alt_t[k].ty, xf_rot(&alt_t[k]), xf_scale(&alt_t[k]), alt_w[k]};
    }
    double dt[NPRIOR_D], rt[NPRIOR_D];
    bool have_prior = false;

    /* predictions */
    size_t nrw = pb->nrows + 1;
    size_t *row_match = calloc(nrw, sizeof *row_match);
    size_t *row_miss = calloc(nrw, sizeof *row_miss);
    if (!row_match || !row_miss) {
        free(row_match);
        free(row_miss);
        state_free(&cur);
        state_free(&best);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    for (size_t i = 0; i < pb->nr; i++) {
        int r = pb->row_of[i];
        if (best.rec_found[i] >= 0) {
            row_match[r]++;
            continue;
        }
        double px, py;
        xf_apply(&best.t, pb->rp[i].x, pb->rp[i].y, &px, &py);
        px += best.row_shift[2 * r];
        py += best.row_shift[2 * r + 1];
        if (in_cleared(pb, cleared, px, py))
            row_miss[r]++;
    }
    double sig = best.sigma;
    /* the jitter's degrees of freedom: its prior and two per matched item */
    double nu_sig = JITTER_PRIOR_AXES + 2.0 * (double)best.matched;
    /* along-row drift (drift_estimate); residuals larger along the rows
     * than across are drift the fit does not model (or a wrong fit): the
     * confidence falls by the ratio */
    drift dr;
    double *kbuf = malloc(FULL_MAX_FOUND * sizeof *kbuf);
    if (!kbuf || drift_estimate(pb, &best, &dr)) {
        free(kbuf);
        free(row_match);
        free(row_miss);
        state_free(&cur);
        state_free(&best);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    double along_share = 1.0;
    if (dr.npair >= DRIFT_MIN && dr.along2 > dr.across2)
        along_share = dr.across2 / dr.along2;
    double pin_sum = 0;
    size_t npred = 0;
    for (size_t i = 0; i < pb->nr && !st; i++) {
        int r = pb->row_of[i];
        if (best.rec_found[i] >= 0)
            continue;
        /* a row with mines in cleared ground and none found: never laid */
        if (r < (int)pb->nrows && row_match[r] == 0 && row_miss[r] >= 3)
            continue;
        double px, py;
        xf_apply(&best.t, pb->rp[i].x, pb->rp[i].y, &px, &py);
        px += best.row_shift[2 * r];
        py += best.row_shift[2 * r + 1];
        double dm = 0, dv = 0, gx = 1, gy = 0;
        if (r < (int)pb->nrows) {
            drift_at(pb, &dr, &best.t, i, r, &dm, &dv, &gx, &gy, kbuf);
            px += dm * gx;
            py += dm * gy;
        }
        if (in_cleared(pb, cleared, px, py))
            continue;
        double c[3];
        pos_cov(best.sol.cov, pb->rp[i].x, pb->rp[i].y, c);
        double xvar = sig * sig;
        c[0] += dv * gx * gx;
        c[1] += dv * gx * gy;
        c[2] += dv * gy * gy;
        if (best.row_moved[r])
            xvar += sig * sig / fmax((double)row_match[r], 1.0) + 0.25;
        double lm = lambda_max(c[0] + xvar, c[1], c[2] + xvar);
        const dm_mf_mine *m = &pb->lay.mines[i];
        dm_mf_prediction p = {px, py, m->row, m->index, 0, false};
        p.radius_m = radius95(lm, nu_sig);
        /* the 95% radius of the mixture with the alternative fits: grow it
         * to the nearest alternatives until they hold 95% */
        double wsum = p_right, r0_ = p.radius_m;
        while (wsum < 0.95) {
            double bd = INFINITY;
            size_t bk = nalt;
            for (size_t k = 0; k < nalt; k++) {
                if (alt_w[k] < 0)
                    continue;
                double ax, ay;
                xf_apply(&alt_t[k], pb->rp[i].x, pb->rp[i].y, &ax, &ay);
                double d = hypot(ax - px, ay - py);
                if (d < bd) {
                    bd = d;
                    bk = k;
                }
            }
            if (bk == nalt)
                break;
            wsum += alt_w[bk];
            alt_w[bk] = -alt_w[bk] - 1e-300; /* mark as used */
            p.radius_m = fmax(p.radius_m, bd + r0_);
        }
        for (size_t k = 0; k < nalt; k++)
            if (alt_w[k] < 0)
                alt_w[k] = -alt_w[k] - 1e-300;
        if (wsum < 0.95) {
            /* not even the fits tried hold 95%: the record's own error */
            if (!have_prior) {
                double dmax = 1.0;
                for (size_t q = 0; q < pb->nr; q++)
                    dmax = fmax(dmax, hypot(pb->rp[q].x, pb->rp[q].y));
                prior_radii(&pb->pri, dmax, dt, rt);
                have_prior = true;
            }
            double rp = interp(dt, rt, NPRIOR_D, hypot(pb->rp[i].x, pb->rp[i].y));
            p.radius_m = fmax(p.radius_m, rp * (0.95 - wsum) / 0.95 + (wsum / 0.95) * p.radius_m);
        }
        double var = 0.5 * (c[0] + c[2]) + xvar;
        pin_sum += 1.0 - exp(-2.0 / var);
        npred++;
        st = push(out, cap, &p, err);
    }
    /* the unrecorded row: the rest of the copy of the outer row */
    extra ex;
    extra_row(pb, &best, &ex, best.xmatch);
    if (ex.side >= 0 && !st) {
        int orow = pb->outer_row[ex.side];
        bool *got = calloc(pb->nr ? pb->nr : 1, sizeof *got);
        if (!got) {
            st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        } else {
            for (size_t f = 0; f < pb->nf; f++)
                if (best.xmatch[f] >= 0 && best.match_rec[f] < 0)
                    got[best.xmatch[f]] = true;
            size_t first = pb->outer_first[ex.side];
            for (size_t k = first; k < first + pb->outer_n[ex.side] && !st; k++) {
                if (got[k] || pb->row_of[k] != orow)
                    continue;
                double rx = pb->rp[k].x + ex.ox, ry = pb->rp[k].y + ex.oy, px, py;
                xf_apply(&best.t, rx, ry, &px, &py);
                if (in_cleared(pb, cleared, px, py))
                    continue;
                double c[3];
                pos_cov(best.sol.cov, rx, ry, c);
                double xv = sig * sig * (1.0 + 1.0 / (double)ex.n);
                double lm = lambda_max(c[0] + xv, c[1], c[2] + xv);
                dm_mf_prediction p = {px, py, -2, pb->lay.mines[k].index, 0, true};
                p.radius_m = radius95(lm, nu_sig);
                st = push(out, cap, &p, err);
            }
            free(got);
        }
    }
    for (size_t f = 0; f < pb->nf; f++)
        unmatched_found[f] = best.match_rec[f] < 0 && best.xmatch[f] < 0;

    /* the fit */
    dm_mf_fit *fit = &out->fit;
    fit->rotation_deg = xf_rot(&best.t);
    fit->scale = xf_scale(&best.t);
    fit->dx_m = best.t.tx;
    fit->dy_m = best.t.ty;
    fit->matched = best.matched;
    double ss = 0;
    for (size_t f = 0; f < pb->nf; f++)
        if (best.match_rec[f] >= 0)
            ss += best.match_d[f] * best.match_d[f];
    fit->rmse_m = best.matched ? sqrt(ss / (double)best.matched) : 0.0;
    /* confidence: the chance the hypothesis is the right one, times the
     * expected share of predictions within 2 m, lowered when few found
     * mines fit the record or the transform is implausible */
    double frac = npred ? pin_sum / (double)npred : 0.0;
    double mfrac = pb->nf ? (double)best.matched / (double)pb->nf : 0.0;
    double fit_f = fmin(1.0, fmax(0.0, (mfrac - 0.15) / 0.35));
    double plaus = 1.0;
    double drot = INFINITY;
    for (int k = 0; k < pb->pri.n_rot; k++)
        drot = fmin(drot, fabs(wrap180(fit->rotation_deg - pb->pri.rot_modes[k])));
    if (pb->pri.recip_w > 0)
        drot = fmin(drot, fabs(wrap180(fit->rotation_deg - pb->pri.rot_modes[0] - 180.0)));
    double dsc = INFINITY;
    for (int k = 0; k < pb->pri.n_s; k++)
        dsc = fmin(dsc, fabs(fit->scale / pb->pri.s_modes[k] - 1.0));
    if (drot > 20.0 || dsc > 0.15)
        plaus = 0.3;
    double conf = p_right * frac * fit_f * plaus * along_share;
    /* calibrated on the generator: raw values of 0.5-0.75 were right about
     * half the time */
    conf = pow(fmax(conf, 0.0), CONF_POW);
    fit->confidence = fmin(1.0, fmax(0.0, conf));
    pb->best_score = best.score;
    pb->best_gain = fmax(pb->best_gain, best.score + (double)pb->nf * log(pb->clutter_area));
    if (!isfinite(fit->confidence))
        fit->confidence = 0.0;
    drift_free(&dr);
    free(kbuf);
    free(row_match);
    free(row_miss);
    state_free(&cur);
    state_free(&best);
    return st;
}

/* The jitter (m, per axis) the found items show among themselves, without
 * knowing which recorded mine any of them is: two mines of one row a
 * spacing or two apart differ across the row by the jitter of both. Over
 * the pairs of found items 0.35-2.2 spacings apart along the rows'
 * direction (the fit's) and less than half the rows' gap across, the
 * across-row differences are a half-normal (mines) mixed with a uniform
 * (clutter, or mines of another row), separated by EM; the estimate is
 * shrunk to the jitter assumed as the residuals' is. 0 when no pair. */
static double pair_jitter(const problem *pb, const xform *t)
{
    double sc = xf_scale(t), ux, uy;
    xf_apply(t, pb->ux, pb->uy, &ux, &uy);
    ux = (ux - t->tx) / sc;
    uy = (uy - t->ty) / sc;
    double dlo = 0.35 * pb->step_m * sc, dhi = 2.2 * pb->step_m * sc;
    double cmax = 0.5 * pb->row_gap * sc, rad = hypot(dhi, cmax);
    size_t n = 0, cap = 0;
    double *c = NULL;
    for (size_t f = 0; f < pb->nf; f++) {
        grid_walk it;
        if (!walk_start(&it, &pb->fg, pb->fp[f].x, pb->fp[f].y, rad))
            continue;
        for (size_t j; walk_next(&it, &j);) {
            if (j <= f)
                continue;
            double dx = pb->fp[j].x - pb->fp[f].x, dy = pb->fp[j].y - pb->fp[f].y;
            double a = fabs(dx * ux + dy * uy), x = fabs(dx * uy - dy * ux);
            if (a < dlo || a > dhi || x >= cmax)
                continue;
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 64;
                double *g = realloc(c, nc * sizeof *g);
                if (!g)
                    break;
                c = g;
                cap = nc;
            }
            c[n++] = x;
        }
    }
    if (!n) {
        free(c);
        return 0.0;
    }
    /* EM: share w of mine pairs, their across-row sd s2 (both mines'
     * jitter: 2 sigma^2), the rest uniform on [0, cmax) */
    double w = 0.5, s2 = 2.0 * pb->ev_sigma * pb->ev_sigma, wn = 0;
    for (int it = 0; it < 30; it++) {
        double sw = 0, swx = 0;
        for (size_t k = 0; k < n; k++) {
            double hn = w * sqrt(2.0 / (M_PI * s2)) * exp(-0.5 * c[k] * c[k] / s2);
            double r = hn / (hn + (1.0 - w) / cmax);
            sw += r;
            swx += r * c[k] * c[k];
        }
        w = fmin(fmax(sw / (double)n, 1e-3), 1.0 - 1e-3);
        s2 = fmax(swx / fmax(sw, 1e-9), 1e-4);
        wn = sw;
    }
    free(c);
    double j2 = 0.5 * s2;
    return sqrt((wn * j2 + JITTER_PRIOR_AXES * JITTER0 * JITTER0) / (wn + JITTER_PRIOR_AXES));
}

/* predict_fitted, then again with the nuisance the first fit shows: the
 * jitter its residuals give while it is larger than assumed (the gates,
 * the evidence and the radii follow it), and the share of found items it
 * leaves unmatched as the clutter's (once, when its odds differ from those
 * assumed by more than twice; on its own up to FULL_MAX_FOUND found items) */
static dm_status fit_nuisance(problem *pb, dm_mf_prediction_set *out, size_t *cap, hull *cleared,
                              bool *um, size_t nn, dm_error *err)
{
    dm_status st = predict_fitted(pb, out, cap, cleared, um, err);
    bool clutter_done = false;
    for (int pass = 0; pass < JITTER_PASSES + 1 && !st; pass++) {
        /* the residuals' jitter (per axis), shrunk to the one assumed */
        double m2 = 2.0 * (double)out->fit.matched, rr = out->fit.rmse_m * JITTER_TRUNC;
        double sig = sqrt((0.5 * m2 * rr * rr + JITTER_PRIOR_AXES * pb->ev_sigma * pb->ev_sigma) /
                          (m2 + JITTER_PRIOR_AXES));
        /* the residuals of a fit are cut by its gates, so they say too
         * little when the jitter is larger than assumed; the jitter the
         * found items show among themselves (pair_jitter) says too much
         * where rows bend or the fit's rotation is off: when it is the
         * larger, the two are taken together (their geometric mean) */
        if (pass == 0 && full_search(pb)) {
            xform ft = xf_make(out->fit.rotation_deg, out->fit.scale, out->fit.dx_m, out->fit.dy_m);
            double pj = pair_jitter(pb, &ft);
            if (pj > sig)
                sig = sqrt(sig * pj);
        }
        /* above FULL_MAX_FOUND items, that many pin the fit: it is run
         * again only for jitter beyond the width the quick scores already
         * allow, and the pairs are not needed */
        bool jitter = pass < JITTER_PASSES && sig > 1.3 * pb->ev_sigma &&
                      (full_search(pb) || sig > pb->score_sigma);
        size_t u = 0;
        for (size_t f = 0; f < pb->nf; f++)
            u += um[f];
        double pc = ((double)u + P_CLUTTER * CLUTTER_PRIOR_N) / ((double)pb->nf + CLUTTER_PRIOR_N);
        double lodds = log(pc / (1.0 - pc)) - log(pb->p_clutter / (1.0 - pb->p_clutter));
        bool clutter = !clutter_done && fabs(lodds) > log(2.0);
        /* for the clutter alone, up to FULL_MAX_FOUND found items: above,
         * that many items pin the fit (and a jitter rerun updates it too) */
        if (!jitter && !(clutter && full_search(pb)))
            break;
        if (clutter) {
            pb->p_clutter = pc;
            clutter_done = true;
        }
        if (jitter) {
            pb->ev_sigma = sig;
            pb->score_sigma = sqrt(2.0) * sig;
        }
        dm_mf_prediction_set again;
        memset(&again, 0, sizeof again);
        size_t cap2 = 0;
        bool *um2 = malloc(nn * sizeof *um2);
        if (!um2) {
            st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
            break;
        }
        st = predict_fitted(pb, &again, &cap2, cleared, um2, err);
        if (!st) {
            again.not_mines = out->not_mines;
            dm_mf_prediction_set_free(out);
            *out = again;
            *cap = cap2;
            memcpy(um, um2, pb->nf * sizeof *um);
        } else {
            dm_mf_prediction_set_free(&again);
        }
        free(um2);
    }
    return st;
}

/* Whether the fit left in pb (fit_nuisance) explains its found items as
 * mines better than clutter could by chance, a likelihood-ratio test with
 * the null distribution drawn: as many items as pb's, uniform over the
 * ground clutter may lie in (the found items' hull grown by a spacing, as
 * pb->clutter_area), are fitted the same way (fit_nuisance: the same
 * search, the jitter and clutter rate estimated from the draw's own fit),
 * and the fit's gain over every item clutter (pb->best_gain) must beat
 * every draw's (a Monte Carlo test at 1 / (NULL_SIMS + 1); it stops at
 * the first draw that does as well). The draws are seeded by the number
 * of items: the same record and items give the same answer. *stands:
 * false when some draw does as well. */
static dm_status null_test(const problem *pb, hull *cleared, bool *stands, dm_error *err)
{
    *stands = true;
    if (!isfinite(pb->best_gain) || pb->nf == 0)
        return DM_OK;
    const hull *h = &pb->fhull;
    double b = pb->step_m, x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t k = 0; k < h->n; k++) {
        x0 = fmin(x0, h->v[k].x - b);
        y0 = fmin(y0, h->v[k].y - b);
        x1 = fmax(x1, h->v[k].x + b);
        y1 = fmax(y1, h->v[k].y + b);
    }
    if (!(x1 > x0 && y1 > y0))
        return DM_OK;
    pt *p = malloc(pb->nf * sizeof *p);
    bool *um = malloc(pb->nf * sizeof *um);
    dm_status st = DM_OK;
    if (!p || !um)
        st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    uint64_t rng = 0x6D696E656669656Cull ^ (uint64_t)pb->nf;
    int beaten = 0;
    for (int k = 0; k < NULL_SIMS && !st && !beaten; k++) {
        /* the hull grown by b (by its edges' lines: corners a little
         * wider); a hull of fewer than 3 corners: its box grown by b */
        for (size_t f = 0; f < pb->nf; f++) {
            double x, y;
            int tries = 0;
            do {
                x = x0 + (x1 - x0) * dm_rng_unit(&rng);
                y = y0 + (y1 - y0) * dm_rng_unit(&rng);
            } while (h->n >= 3 && !hull_inside(h, x, y, -b) && ++tries < 1000);
            p[f] = (pt){x, y};
        }
        problem sim;
        st = problem_init(&sim, pb->rec, p, pb->nf, p, pb->nf, err);
        if (!st) {
            sim.compat = pb->compat;
            sim.ftype = pb->ftype;
            sim.rtype = pb->rtype;
            sim.n_rtype = pb->n_rtype;
            dm_mf_prediction_set tmp;
            memset(&tmp, 0, sizeof tmp);
            size_t cap = 0;
            st = fit_nuisance(&sim, &tmp, &cap, cleared, um, pb->nf, err);
            if (!st && sim.best_gain >= pb->best_gain)
                beaten++;
            dm_mf_prediction_set_free(&tmp);
        }
        /* the types are pb's: not sim's to free */
        sim.compat = NULL;
        sim.ftype = sim.rtype = NULL;
        problem_free(&sim);
    }
    *stands = !beaten;
    free(p);
    free(um);
    return st;
}

/* The types of found items and recorded mines (distinct categories and
 * models) and which item type may be which mine type: *compat NULL when
 * every item may be every mine. ok_any[f]: item f may be some recorded
 * mine. At most MAX_TYPES types of each (else only ok_any is filled). */
#define MAX_TYPES 256
typedef struct typing {
    unsigned char *compat;
    int *ftype, *rtype;
    int n_ftype, n_rtype;
} typing;

static void typing_free(typing *ty)
{
    free(ty->compat);
    free(ty->ftype);
    free(ty->rtype);
    memset(ty, 0, sizeof *ty);
}

static bool same_text(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

static dm_status typing_build(const dm_mf_record *rec, const dm_mf_layout *lay,
                              const dm_mf_found_info *info, size_t nf, bool *ok_any, typing *ty,
                              dm_error *err)
{
    memset(ty, 0, sizeof *ty);
    size_t nr = lay->n_mines;
    int *ft = malloc((nf ? nf : 1) * sizeof *ft), *rt = malloc((nr ? nr : 1) * sizeof *rt);
    size_t *frep = malloc(MAX_TYPES * sizeof *frep), *rrep = malloc(MAX_TYPES * sizeof *rrep);
    if (!ft || !rt || !frep || !rrep) {
        free(ft);
        free(rt);
        free(frep);
        free(rrep);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    int nft = 0, nrt = 0;
    bool many = false;
    for (size_t f = 0; f < nf && !many; f++) {
        int k = 0;
        while (k < nft && !(same_text(info[f].category, info[frep[k]].category) &&
                            same_text(info[f].model, info[frep[k]].model)))
            k++;
        if (k == nft) {
            if (nft == MAX_TYPES)
                many = true;
            else
                frep[nft++] = f;
        }
        ft[f] = k;
    }
    for (size_t i = 0; i < nr && !many; i++) {
        const dm_mf_mine *m = &lay->mines[i];
        const char *c =
            m->row >= 0 ? rec->rows[m->row].category : rec->mines[m->index - 1].category;
        const char *mo = m->row >= 0 ? rec->rows[m->row].model : rec->mines[m->index - 1].model;
        int k = 0;
        for (; k < nrt; k++) {
            const dm_mf_mine *q = &lay->mines[rrep[k]];
            const char *qc =
                q->row >= 0 ? rec->rows[q->row].category : rec->mines[q->index - 1].category;
            const char *qm = q->row >= 0 ? rec->rows[q->row].model : rec->mines[q->index - 1].model;
            if (same_text(c, qc) && same_text(mo, qm))
                break;
        }
        if (k == nrt) {
            if (nrt == MAX_TYPES)
                many = true;
            else
                rrep[nrt++] = i;
        }
        rt[i] = k;
    }
    dm_status st = DM_OK;
    if (!many) {
        unsigned char *cm = malloc((size_t)(nft ? nft : 1) * (size_t)(nrt ? nrt : 1));
        if (!cm) {
            st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        } else {
            bool all = true;
            for (int a = 0; a < nft; a++)
                for (int b = 0; b < nrt; b++) {
                    cm[a * nrt + b] = dm_mf_item_may_be(rec, &lay->mines[rrep[b]], &info[frep[a]]);
                    all = all && cm[a * nrt + b];
                }
            for (size_t f = 0; f < nf; f++) {
                ok_any[f] = false;
                for (int b = 0; b < nrt && !ok_any[f]; b++)
                    ok_any[f] = cm[ft[f] * nrt + b];
            }
            if (all) {
                free(cm);
                cm = NULL;
            }
            ty->compat = cm;
        }
    } else {
        /* too many kinds to tabulate: an item is clutter only when its
         * category says it is not a mine and no record mine has that
         * category */
        for (size_t f = 0; f < nf; f++) {
            ok_any[f] = false;
            for (size_t i = 0; i < nr && !ok_any[f]; i++)
                ok_any[f] = dm_mf_item_may_be(rec, &lay->mines[i],
                                              &(dm_mf_found_info){info[f].category, NULL});
        }
    }
    free(frep);
    free(rrep);
    if (st || !ty->compat) {
        free(ft);
        free(rt);
        return st;
    }
    ty->ftype = ft;
    ty->rtype = rt;
    ty->n_ftype = nft;
    ty->n_rtype = nrt;
    return DM_OK;
}

dm_status dm_mf_predict(const dm_mf_record *rec, const double *found_xy, size_t n_found,
                        dm_mf_prediction_set *out, dm_error *err)
{
    return dm_mf_predict_ex(rec, found_xy, n_found, NULL, out, err);
}

dm_status dm_mf_predict_ex(const dm_mf_record *rec, const double *found_xy, size_t n_found,
                           const dm_mf_predict_opts *opts, dm_mf_prediction_set *out, dm_error *err)
{
    if (!out)
        return dm_error_set(err, DM_EINVAL, "minefield prediction: no output given");
    memset(out, 0, sizeof *out);
    out->fit.scale = 1.0;
    if (n_found && !found_xy)
        return dm_error_set(err, DM_EINVAL, "minefield prediction: found mines missing");
    if (n_found > 10000000)
        return dm_error_set(err, DM_EINVAL, "minefield prediction: %zu found mines is too many",
                            n_found);
    for (size_t i = 0; i < 2 * n_found; i++)
        if (!isfinite(found_xy[i]) || fabs(found_xy[i]) > 1e7)
            return dm_error_set(err, DM_EINVAL,
                                "found mine %zu: %s coordinate is not a finite number of metres "
                                "within 10,000 km of the reference point",
                                i / 2 + 1, i % 2 ? "y" : "x");
    if (opts && opts->n_cleared_rings) {
        if (!opts->cleared_xy || !opts->cleared_ring_end)
            return dm_error_set(err, DM_EINVAL, "minefield prediction: cleared ground missing");
        size_t prev = 0;
        for (size_t j = 0; j < opts->n_cleared_rings; j++) {
            if (opts->cleared_ring_end[j] < prev + 3)
                return dm_error_set(err, DM_EINVAL,
                                    "cleared ground: ring %zu has fewer than 3 vertices", j + 1);
            prev = opts->cleared_ring_end[j];
        }
        if (prev > 100000000)
            return dm_error_set(err, DM_EINVAL, "cleared ground: too many vertices");
        for (size_t v = 0; v < 2 * prev; v++)
            if (!isfinite(opts->cleared_xy[v]) || fabs(opts->cleared_xy[v]) > 1e7)
                return dm_error_set(err, DM_EINVAL,
                                    "cleared ground: vertex %zu is not a finite number of metres "
                                    "within 10,000 km of the reference point",
                                    v / 2 + 1);
    }
    if (opts && opts->start &&
        !(isfinite(opts->start[0]) && opts->start[1] > 0 && opts->start[1] < 100 &&
          isfinite(opts->start[2]) && isfinite(opts->start[3]) && fabs(opts->start[2]) < 1e7 &&
          fabs(opts->start[3]) < 1e7))
        return dm_error_set(err, DM_EINVAL,
                            "start: rotation, scale (0-100) and offsets (within 10,000 km) must be "
                            "finite numbers");
    const dm_mf_found_info *info = opts ? opts->found : NULL;
    size_t nn = n_found ? n_found : 1;
    pt *fcopy = malloc(nn * sizeof *fcopy), *fit_p = malloc(nn * sizeof *fit_p);
    bool *unmatched = malloc(nn * sizeof *unmatched), *ok_any = malloc(nn * sizeof *ok_any);
    bool *possible = malloc(nn * sizeof *possible);
    size_t *fit_idx = malloc(nn * sizeof *fit_idx);
    if (!fcopy || !fit_p || !unmatched || !ok_any || !possible || !fit_idx) {
        free(fcopy);
        free(fit_p);
        free(unmatched);
        free(ok_any);
        free(possible);
        free(fit_idx);
        return dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    }
    for (size_t i = 0; i < n_found; i++) {
        fcopy[i] = (pt){found_xy[2 * i], found_xy[2 * i + 1]};
        unmatched[i] = true;
        ok_any[i] = true;
        possible[i] =
            !info || dm_mf_item_category(info[i].category, NULL, 0) != DM_MF_ITEM_NOT_MINE;
    }
    hull cleared;
    dm_status st = DM_OK;
    if (hull_build(&cleared, fcopy, n_found))
        st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
    size_t cap = 0;
    if (rec && !st) {
        problem pb;
        typing ty;
        memset(&ty, 0, sizeof ty);
        dm_mf_layout lay;
        st = info ? dm_mf_layout_compute(rec, &lay, err) : DM_OK;
        if (info && !st) {
            st = typing_build(rec, &lay, info, n_found, ok_any, &ty, err);
            dm_mf_layout_free(&lay);
        }
        /* the items that may be recorded mines are fitted; the others are
         * clutter, and show cleared ground */
        size_t nfit = 0;
        int *ftype_fit = NULL;
        if (!st && ty.compat && !(ftype_fit = malloc(nn * sizeof *ftype_fit)))
            st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        for (size_t i = 0; i < n_found && !st; i++) {
            if (!ok_any[i]) {
                out->not_mines++;
                unmatched[i] = false;
                continue;
            }
            if (ftype_fit)
                ftype_fit[nfit] = ty.ftype[i];
            fit_idx[nfit] = i;
            fit_p[nfit++] = fcopy[i];
        }
        if (!st)
            st = problem_init(&pb, rec, fit_p, nfit, fcopy, n_found, err);
        else
            memset(&pb, 0, sizeof pb);
        if (!st && opts && opts->n_cleared_rings && opts->cleared_xy && opts->cleared_ring_end &&
            mask_build(&pb.cleared, opts->cleared_xy, opts->cleared_ring_end,
                       opts->n_cleared_rings))
            st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
        if (!st && opts && opts->start) {
            pb.has_start = true;
            pb.start = xf_make(opts->start[0], opts->start[1], opts->start[2], opts->start[3]);
        }
        if (!st && ty.compat) {
            pb.compat = ty.compat;
            pb.ftype = ftype_fit;
            pb.rtype = ty.rtype;
            pb.n_rtype = ty.n_rtype;
        }
        if (!st) {
            bool *um = malloc(nn * sizeof *um);
            if (!um)
                st = dm_error_set(err, DM_ENOMEM, "minefield prediction: out of memory");
            else if (nfit == 0 || pb.nr == 0)
                st = predict_as_written(&pb, out, &cap, err);
            else {
                st = fit_nuisance(&pb, out, &cap, &cleared, um, nn, err);
                /* a fit no better than clutter's by chance: the record as
                 * written, every item clutter. Tested when the fit leaves
                 * more than half of the items unmatched (else they are at
                 * least half mines by its own account) and up to
                 * PAIR_MAX_FOUND items (above, the draws cost several
                 * times the fit, and that many items pin it) */
                bool stands = true;
                if (!st && out->fit.matched > 0 && nfit <= PAIR_MAX_FOUND &&
                    2 * out->fit.matched < nfit)
                    st = null_test(&pb, &cleared, &stands, err);
                if (!st && !stands) {
                    size_t not_mines = out->not_mines;
                    dm_mf_prediction_set_free(out);
                    out->fit.scale = 1.0;
                    out->not_mines = not_mines;
                    cap = 0;
                    for (size_t k = 0; k < nfit; k++)
                        um[k] = true;
                    st = predict_as_written(&pb, out, &cap, err);
                }
                for (size_t k = 0; k < nfit && !st; k++)
                    unmatched[fit_idx[k]] = um[k];
            }
            free(um);
        }
        problem_free(&pb);
        free(ftype_fit);
        typing_free(&ty);
    }
    /* items whose category says they are not mines make no rows */
    for (size_t i = 0; i < n_found; i++)
        unmatched[i] = unmatched[i] && possible[i];
    /* rows found among the items left over, numbered after the
     * unrecorded row the fit found (row -2), if any; the jitter of the
     * found rows: the record fit's, or a typical 0.35 m */
    int k0 = 0;
    for (size_t i = 0; i < out->n && !st; i++)
        k0 = out->items[i].row == -2 ? 1 : k0;
    if (!st)
        st = found_rows(fcopy, n_found, unmatched, &cleared,
                        out->fit.matched ? fmax(out->fit.rmse_m, 0.2) : 0.35, k0, out, &cap, err);
    free(cleared.v);
    free(fcopy);
    free(fit_p);
    free(unmatched);
    free(ok_any);
    free(possible);
    free(fit_idx);
    if (st) {
        dm_mf_prediction_set_free(out);
        out->fit.scale = 1.0;
    }
    return st;
}
