/* Synthetic minefields with a documented error model (minefield_scenario.h). */
#include "analysis/minefield_scenario.h"

#include "core/rng.h"
#include "core/sorted.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

static double range(uint64_t *s, double a, double b) { return a + (b - a) * dm_rng_unit(s); }
static int irange(uint64_t *s, int a, int b) { return a + (int)(dm_rng_unit(s) * (b - a + 1)); }

static double gauss(uint64_t *s)
{
    double u = dm_rng_unit(s), v = dm_rng_unit(s);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double wrap360(double b)
{
    b = fmod(b, 360.0);
    return b < 0 ? b + 360.0 : b;
}

/* bearing (degrees, grid) and distance (m) from a vector */
static void polar(double x, double y, double *b, double *d)
{
    *d = hypot(x, y);
    *b = wrap360(atan2(x, y) / DEG);
}

const char *dm_mf_family_name(dm_mf_family f)
{
    static const char *const names[DM_MF_FAM_COUNT] = {
        "base",          "jitter0.6",  "jitter1.0",  "jitter1.5",  "drift",        "scale8-15%",
        "offset0.5-3km", "reciprocal", "decl-twice", "paces-as-m", "clutter-only", "clusters"};
    return (int)f >= 0 && f < DM_MF_FAM_COUNT ? names[f] : NULL;
}

static void record_free(dm_mf_record *rec)
{
    for (size_t r = 0; r < rec->n_rows; r++)
        free(rec->rows[r].legs);
    free(rec->rows);
    free(rec->mines);
    memset(rec, 0, sizeof *rec);
}

void dm_mf_scenario_free(dm_mf_scenario *sc)
{
    if (!sc)
        return;
    record_free(&sc->rec);
    free(sc->truth);
    free(sc->found_xy);
    free(sc->found_truth);
    free(sc->row_laid);
    free(sc->row_shift);
    memset(sc, 0, sizeof *sc);
}

void dm_mf_scenario_transform(const dm_mf_scenario *sc, double x, double y, double *tx, double *ty)
{
    double c = cos(sc->rotation_deg * DEG), s = sin(sc->rotation_deg * DEG);
    *tx = sc->dx_m + sc->scale * (c * x + s * y);
    *ty = sc->dy_m + sc->scale * (-s * x + c * y);
}

/* A record leg from a grid vector in metres: whole degrees as the record
 * writes them (magnetic bearings without the declination), whole units. */
static dm_mf_leg make_leg(const dm_mf_record *rec, double x, double y)
{
    double b, d;
    polar(x, y, &b, &d);
    if (rec->bearing_ref == DM_MF_MAGNETIC)
        b -= rec->declination_deg;
    dm_mf_leg leg = {wrap360(round(b)), 0.0};
    double unit = rec->unit == DM_MF_PACES ? rec->pace_m : 1.0;
    leg.distance = round(d / unit);
    if (leg.distance < 1.0)
        leg.distance = 1.0;
    return leg;
}

/* The clusters family's record: clusters of scattered mines along strips
 * (the field's centre 30-250 m from the reference point). */
static dm_status build_clusters(uint64_t *rng, dm_mf_record *rec, double *row_dx, double *row_dy,
                                double *row_gap, dm_error *err)
{
    int nstrip = irange(rng, 2, 4), nclus = irange(rng, 4, 8);
    double gap = range(rng, 15.0, 25.0), step = range(rng, 8.0, 15.0);
    double dir = range(rng, 0.0, 360.0) * DEG;
    double ax = sin(dir), ay = cos(dir), cx = ay, cy = -ax;
    double cb = range(rng, 0.0, 360.0) * DEG, cd = range(rng, 30.0, 250.0);
    double fx = cd * sin(cb), fy = cd * cos(cb);
    *row_dx = cx;
    *row_dy = cy;
    *row_gap = gap;
    size_t cap = (size_t)(nstrip * nclus * 6);
    rec->mines = calloc(cap, sizeof *rec->mines);
    if (!rec->mines)
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    size_t n = 0;
    for (int s = 0; s < nstrip; s++)
        for (int c = 0; c < nclus; c++) {
            double off = (s - (nstrip - 1) / 2.0) * gap, along = (c - (nclus - 1) / 2.0) * step;
            along += range(rng, -0.2, 0.2) * step;
            double x0 = fx + off * cx + along * ax, y0 = fy + off * cy + along * ay;
            int k = irange(rng, 3, 5);
            for (int j = 0; j <= k && n < cap; j++) {
                dm_mf_scattered *m = &rec->mines[n];
                snprintf(m->id, sizeof m->id, "C%d-%d", s * nclus + c + 1, j);
                snprintf(m->category, sizeof m->category, "%s", j ? "AP" : "AT");
                snprintf(m->model, sizeof m->model, "%s", j ? "PMN-2" : "TM-62");
                double a = range(rng, 0, 2 * M_PI), r = j ? range(rng, 1.5, 3.0) : 0.0;
                m->at = make_leg(rec, x0 + r * sin(a), y0 + r * cos(a));
                n++;
            }
        }
    rec->n_mines = n;
    return DM_OK;
}

static dm_status build_record(uint64_t *rng, const dm_mf_scenario_opts *o, dm_mf_record *rec,
                              double *row_dx, double *row_dy, double *row_gap, uint64_t *frng,
                              dm_error *err)
{
    snprintf(rec->id, sizeof rec->id, "MR-SYN-%04d", irange(rng, 0, 9999));
    snprintf(rec->laid, sizeof rec->laid, "199%d-0%d-1%d", irange(rng, 1, 5), irange(rng, 1, 9),
             irange(rng, 0, 9));
    rec->ref_lon = range(rng, 16.0, 19.5);
    rec->ref_lat = range(rng, 43.0, 45.0);
    if (dm_rng_unit(rng) < 0.6) {
        rec->bearing_ref = DM_MF_MAGNETIC;
        rec->declination_deg = range(rng, 2.0, 15.0) * (dm_rng_unit(rng) < 0.5 ? -1.0 : 1.0);
        rec->declination_deg = round(rec->declination_deg * 10.0) / 10.0;
    } else {
        rec->bearing_ref = DM_MF_GRID;
        rec->declination_deg = 0.0;
    }
    rec->pace_m = round(range(rng, 0.70, 0.80) * 100.0) / 100.0;
    rec->unit = dm_rng_unit(rng) < 0.5 ? DM_MF_PACES : DM_MF_METRES;
    if (o->family == DM_MF_FAM_DECL_TWICE) {
        rec->bearing_ref = DM_MF_MAGNETIC;
        rec->declination_deg = range(frng, 2.0, 15.0) * (dm_rng_unit(frng) < 0.5 ? -1.0 : 1.0);
        rec->declination_deg = round(rec->declination_deg * 10.0) / 10.0;
    }
    if (o->family == DM_MF_FAM_PACES_AS_M)
        rec->unit = DM_MF_METRES;
    if (o->family == DM_MF_FAM_CLUSTERS)
        return build_clusters(rng, rec, row_dx, row_dy, row_gap, err);
    double unit = rec->unit == DM_MF_PACES ? rec->pace_m : 1.0;

    int nrows = irange(rng, 3, 8);
    double gap = range(rng, 8.0, 25.0);
    double spacing = range(rng, 2.0, 6.0);
    int per_row = irange(rng, 15, 60);
    if (o->n_mines > 0) {
        nrows = o->n_mines >= 400 ? 10 + o->n_mines / 400 : 3 + o->n_mines / 100;
        per_row = (o->n_mines + nrows - 1) / nrows;
    }
    double dir = range(rng, 0.0, 360.0) * DEG; /* along the rows */
    double ax = sin(dir), ay = cos(dir);       /* along */
    double cx = ay, cy = -ax;                  /* across (to the right) */
    double len = spacing * (per_row - 1);
    double cb = range(rng, 0.0, 360.0) * DEG, cd = range(rng, 30.0, 250.0);
    double fx = cd * sin(cb), fy = cd * cos(cb); /* field centre */
    *row_dx = cx;
    *row_dy = cy;
    *row_gap = gap;

    rec->rows = calloc((size_t)nrows, sizeof *rec->rows);
    if (!rec->rows)
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    rec->n_rows = (size_t)nrows;
    for (int r = 0; r < nrows; r++) {
        dm_mf_row *row = &rec->rows[r];
        snprintf(row->id, sizeof row->id, "%c", 'A' + r % 26);
        snprintf(row->category, sizeof row->category, "%s", dm_rng_unit(rng) < 0.7 ? "AP" : "AT");
        snprintf(row->model, sizeof row->model, "%s", row->category[1] == 'P' ? "PMN-2" : "TM-62");
        double off = (r - (nrows - 1) / 2.0) * gap;
        double stagger = range(rng, -1.5, 1.5) * spacing;
        double sx = fx + off * cx - 0.5 * len * ax + stagger * ax;
        double sy = fy + off * cy - 0.5 * len * ay + stagger * ay;
        row->start = make_leg(rec, sx, sy);
        int n = per_row + (o->n_mines > 0 ? 0 : irange(rng, -3, 3));
        if (n < 3)
            n = 3;
        double rlen = spacing * (n - 1);
        bool turn = dm_rng_unit(rng) < 1.0 / 3.0;
        row->n_legs = turn ? 2 : 1;
        row->legs = calloc(row->n_legs, sizeof *row->legs);
        if (!row->legs)
            return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
        if (turn) {
            double frac = range(rng, 0.3, 0.7);
            double bend = range(rng, 10.0, 30.0) * (dm_rng_unit(rng) < 0.5 ? -1 : 1) * DEG;
            row->legs[0] = make_leg(rec, ax * rlen * frac, ay * rlen * frac);
            double bx = sin(dir + bend), by = cos(dir + bend);
            row->legs[1] = make_leg(rec, bx * rlen * (1 - frac), by * rlen * (1 - frac));
        } else {
            row->legs[0] = make_leg(rec, ax * rlen, ay * rlen);
        }
        if (dm_rng_unit(rng) < 0.25) {
            row->count = 0;
            row->spacing = round(spacing / unit * 2.0) / 2.0;
            if (row->spacing < 1.0)
                row->spacing = 1.0;
        } else {
            row->count = n;
        }
    }
    if (o->n_mines == 0 && dm_rng_unit(rng) < 1.0 / 3.0) {
        int ns = irange(rng, 1, 3);
        rec->mines = calloc((size_t)ns, sizeof *rec->mines);
        if (!rec->mines)
            return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
        rec->n_mines = (size_t)ns;
        for (int k = 0; k < ns; k++) {
            dm_mf_scattered *m = &rec->mines[k];
            snprintf(m->id, sizeof m->id, "S%d", k + 1);
            snprintf(m->category, sizeof m->category, "AT");
            snprintf(m->model, sizeof m->model, "TM-62");
            double along = range(rng, -0.6, 0.6) * len;
            double across = range(rng, -0.5, 0.5) * gap * nrows;
            m->at = make_leg(rec, fx + along * ax + across * cx, fy + along * ay + across * cy);
        }
    }
    return DM_OK;
}

static void draw_transform(uint64_t *rng, dm_mf_scenario *sc, dm_mf_family fam, uint64_t *frng)
{
    const dm_mf_record *rec = &sc->rec;
    double e = gauss(rng) * (dm_rng_unit(rng) < 0.75 ? 3.0 : 10.0);
    if (rec->bearing_ref == DM_MF_GRID && dm_rng_unit(rng) < 0.2)
        e += range(rng, 2.0, 12.0) * (dm_rng_unit(rng) < 0.5 ? -1 : 1);
    if (e > 20.0)
        e = 20.0;
    if (e < -20.0)
        e = -20.0;
    double mode = 0.0;
    if (rec->bearing_ref == DM_MF_MAGNETIC && dm_rng_unit(rng) < 0.2)
        mode = -rec->declination_deg;
    sc->rotation_deg = mode + e;
    double smode = 1.0;
    double u = dm_rng_unit(rng);
    if (rec->unit == DM_MF_METRES && u < 0.15)
        smode = rec->pace_m;
    else if (rec->unit == DM_MF_PACES && u < 0.15)
        smode = 1.0 / rec->pace_m;
    sc->scale = smode * (1.0 + 0.04 * gauss(rng));
    double v = dm_rng_unit(rng);
    double st = v < 0.4 ? 15.0 : v < 0.8 ? 80.0 : 250.0;
    sc->dx_m = st * gauss(rng);
    sc->dy_m = st * gauss(rng);
    switch (fam) {
    case DM_MF_FAM_SCALE:
        sc->scale = 1.0 + range(frng, 0.08, 0.15) * (dm_rng_unit(frng) < 0.5 ? -1.0 : 1.0);
        break;
    case DM_MF_FAM_OFFSET: {
        double d = range(frng, 500.0, 3000.0), b = range(frng, 0, 2 * M_PI);
        sc->dx_m = d * sin(b);
        sc->dy_m = d * cos(b);
        break;
    }
    case DM_MF_FAM_RECIPROCAL: sc->rotation_deg = e + 180.0; break;
    case DM_MF_FAM_DECL_TWICE: sc->rotation_deg = -rec->declination_deg + e; break;
    case DM_MF_FAM_PACES_AS_M: sc->scale = rec->pace_m * (1.0 + 0.04 * gauss(frng)); break;
    default: break;
    }
}

dm_status dm_mf_scenario_generate(uint64_t seed, const dm_mf_scenario_opts *opts,
                                  dm_mf_scenario *out, dm_error *err)
{
    if (!out)
        return dm_error_set(err, DM_EINVAL, "scenario: no output given");
    memset(out, 0, sizeof *out);
    dm_mf_scenario_opts o = {0.2, 0, false, DM_MF_FAM_BASE};
    if (opts)
        o = *opts;
    if (!(o.found_fraction >= 0.0 && o.found_fraction <= 1.0))
        return dm_error_set(err, DM_EINVAL, "scenario: found_fraction must be within 0-1");
    if (o.n_mines < 0 || o.n_mines > 100000)
        return dm_error_set(err, DM_EINVAL, "scenario: n_mines must be within 0-100000");
    if ((int)o.family < 0 || o.family >= DM_MF_FAM_COUNT)
        return dm_error_set(err, DM_EINVAL, "scenario: no such family");
    uint64_t rng = seed ^ 0x6D696E656669656Cull;
    dm_splitmix64(&rng);
    /* the family's own draws: a second stream, so that the base draws stay
     * those of the base family */
    uint64_t frng = (seed * 0x9E3779B97F4A7C15ull) ^ (0xFA3117ull + (uint64_t)o.family);
    dm_splitmix64(&frng);

    double cx, cy, gap;
    dm_status st = build_record(&rng, &o, &out->rec, &cx, &cy, &gap, &frng, err);
    dm_mf_layout lay = {0};
    if (!st)
        st = dm_mf_layout_compute(&out->rec, &lay, err);
    if (st) {
        dm_mf_scenario_free(out);
        return st;
    }
    draw_transform(&rng, out, o.family, &frng);
    if (o.family == DM_MF_FAM_PACES_AS_M && dm_rng_unit(&frng) < 0.5)
        out->rec.pace_m = 0.0; /* not given */
    size_t nrows = out->rec.n_rows;
    out->jitter_m = o.noise_free ? 0.0 : range(&rng, 0.15, 0.5);
    if (o.family == DM_MF_FAM_JITTER06 || o.family == DM_MF_FAM_JITTER10 ||
        o.family == DM_MF_FAM_JITTER15)
        out->jitter_m = o.family == DM_MF_FAM_JITTER06   ? 0.6
                        : o.family == DM_MF_FAM_JITTER10 ? 1.0
                                                         : 1.5;
    /* along-row drift: per row a stretch and a random walk along it */
    double *stretch = calloc(nrows + 1, sizeof *stretch), *walk = calloc(nrows + 1, sizeof *walk);
    if (!stretch || !walk) {
        free(stretch);
        free(walk);
        dm_mf_layout_free(&lay);
        dm_mf_scenario_free(out);
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    }
    if (o.family == DM_MF_FAM_DRIFT)
        for (size_t r = 0; r < nrows; r++)
            stretch[r] = 0.05 * gauss(&frng);
    out->row_laid = calloc(nrows + 1, sizeof *out->row_laid);
    out->row_shift = calloc(2 * nrows + 2, sizeof *out->row_shift);
    /* room for the record's mines and one unrecorded row as long as the longest */
    size_t longest = 0;
    for (size_t r = 0; r < nrows; r++) {
        size_t n = 0;
        for (size_t i = 0; i < lay.n_mines; i++)
            n += lay.mines[i].row == (int)r;
        if (n > longest)
            longest = n;
    }
    out->truth = calloc(lay.n_mines + longest + 1, sizeof *out->truth);
    if (!out->row_laid || !out->row_shift || !out->truth) {
        dm_mf_layout_free(&lay);
        dm_mf_scenario_free(out);
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    }
    size_t nlaid = 0;
    for (size_t r = 0; r < nrows; r++) {
        out->row_laid[r] = o.noise_free || dm_rng_unit(&rng) >= 0.08;
        nlaid += out->row_laid[r];
        if (!o.noise_free && dm_rng_unit(&rng) < 0.05) {
            double b = range(&rng, 0, 2 * M_PI), d = range(&rng, 2.0, 10.0);
            out->row_shift[2 * r] = d * sin(b);
            out->row_shift[2 * r + 1] = d * cos(b);
        }
    }
    for (size_t r = 0; r < nrows && nlaid < 2; r++)
        if (!out->row_laid[r]) {
            out->row_laid[r] = true;
            nlaid++;
        }
    size_t nt = 0;
    size_t first = 0; /* the first mine of the current row */
    for (size_t i = 0; i < lay.n_mines; i++) {
        const dm_mf_mine *m = &lay.mines[i];
        if (i == 0 || m->row != lay.mines[i - 1].row) {
            first = i;
            if (m->row >= 0)
                walk[m->row] = 0.0;
        }
        double mx = m->x, my = m->y;
        if (o.family == DM_MF_FAM_DRIFT && m->row >= 0 && i > first) {
            double vx = m->x - lay.mines[first].x, vy = m->y - lay.mines[first].y;
            double d = hypot(vx, vy);
            walk[m->row] += 0.3 * gauss(&frng);
            if (d > 0) {
                mx += stretch[m->row] * vx + walk[m->row] * vx / d;
                my += stretch[m->row] * vy + walk[m->row] * vy / d;
            }
        }
        if (m->row >= 0 && !out->row_laid[m->row])
            continue;
        dm_mf_true_mine *t = &out->truth[nt++];
        dm_mf_scenario_transform(out, mx, my, &t->x, &t->y);
        if (m->row >= 0) {
            t->x += out->row_shift[2 * m->row];
            t->y += out->row_shift[2 * m->row + 1];
        }
        t->x += out->jitter_m * gauss(&rng);
        t->y += out->jitter_m * gauss(&rng);
        t->row = m->row;
        t->index = m->index;
    }
    if (!o.noise_free && dm_rng_unit(&rng) < 0.25 && nrows > 0) {
        /* an unrecorded row beyond the last one, parallel to it */
        int last = (int)nrows - 1;
        /* record frame, before scale/rotation: 0.6-1.6 row gaps beyond the
         * last row, shifted along it by up to two mine spacings */
        double g = gap * range(&rng, 0.6, 1.6), along = range(&rng, -2.0, 2.0) * 3.0;
        double ox = cx * g - cy * along, oy = cy * g + cx * along;
        for (size_t i = 0; i < lay.n_mines; i++) {
            const dm_mf_mine *m = &lay.mines[i];
            if (m->row != last)
                continue;
            dm_mf_true_mine *t = &out->truth[nt++];
            dm_mf_scenario_transform(out, m->x + ox, m->y + oy, &t->x, &t->y);
            t->x += out->jitter_m * gauss(&rng);
            t->y += out->jitter_m * gauss(&rng);
            t->row = -2;
            t->index = m->index;
        }
    }
    out->n_truth = nt;
    dm_mf_layout_free(&lay);
    free(stretch);
    free(walk);

    /* clearance from one edge */
    double ub = range(&rng, 0, 2 * M_PI);
    out->clear_ux = sin(ub);
    out->clear_uy = cos(ub);
    double *proj = malloc((nt ? nt : 1) * sizeof *proj);
    if (!proj) {
        dm_mf_scenario_free(out);
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    }
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < nt; i++) {
        proj[i] = out->clear_ux * out->truth[i].x + out->clear_uy * out->truth[i].y;
        minx = fmin(minx, out->truth[i].x);
        maxx = fmax(maxx, out->truth[i].x);
        miny = fmin(miny, out->truth[i].y);
        maxy = fmax(maxy, out->truth[i].y);
    }
    /* the k-th smallest projection, by sorting a copy */
    size_t k = (size_t)floor(o.found_fraction * (double)nt + 0.5);
    if (o.found_fraction > 0 && k == 0)
        k = 1;
    if (k > nt)
        k = nt;
    double *sorted = malloc((nt ? nt : 1) * sizeof *sorted);
    if (!sorted) {
        free(proj);
        dm_mf_scenario_free(out);
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    }
    memcpy(sorted, proj, nt * sizeof *sorted);
    qsort(sorted, nt, sizeof *sorted, dm_cmp_double);
    if (k == 0)
        out->clear_c = (nt ? sorted[0] : 0.0) - 1.0;
    else if (k < nt)
        out->clear_c = 0.5 * (sorted[k - 1] + sorted[k]);
    else
        out->clear_c = sorted[nt - 1] + 1.0;
    free(sorted);
    size_t nfound = 0;
    for (size_t i = 0; i < nt; i++) {
        out->truth[i].found = proj[i] <= out->clear_c;
        nfound += out->truth[i].found;
    }
    free(proj);
    size_t nclutter = 0;
    if (!o.noise_free && nfound > 0)
        nclutter = (size_t)irange(&rng, 0, 3 + (int)(0.3 * (double)nfound));
    if (o.family == DM_MF_FAM_CLUTTER_ONLY) {
        /* nothing found: the mines on the cleared side stay in the ground */
        for (size_t i = 0; i < nt; i++)
            out->truth[i].found = false;
        nfound = 0;
        nclutter = o.found_fraction > 0 ? (size_t)irange(&frng, 3, 15) : 0;
    }
    out->found_xy = malloc(2 * (nfound + nclutter + 1) * sizeof *out->found_xy);
    out->found_truth = malloc((nfound + nclutter + 1) * sizeof *out->found_truth);
    if (!out->found_xy || !out->found_truth) {
        dm_mf_scenario_free(out);
        return dm_error_set(err, DM_ENOMEM, "scenario: out of memory");
    }
    size_t nf = 0;
    for (size_t i = 0; i < nt; i++)
        if (out->truth[i].found) {
            out->found_xy[2 * nf] = out->truth[i].x;
            out->found_xy[2 * nf + 1] = out->truth[i].y;
            out->found_truth[nf++] = (int)i;
        }
    minx -= 10;
    miny -= 10;
    maxx += 10;
    maxy += 10;
    for (size_t c = 0, tries = 0; c < nclutter && tries < 100000; tries++) {
        double x = range(&rng, minx, maxx), y = range(&rng, miny, maxy);
        if (out->clear_ux * x + out->clear_uy * y > out->clear_c)
            continue;
        out->found_xy[2 * nf] = x;
        out->found_xy[2 * nf + 1] = y;
        out->found_truth[nf++] = -1;
        c++;
    }
    out->n_found = nf;
    for (size_t i = nf; i > 1; i--) { /* shuffle */
        size_t j = (size_t)(dm_rng_unit(&rng) * (double)i);
        if (j >= i)
            j = i - 1;
        double tx = out->found_xy[2 * (i - 1)], ty = out->found_xy[2 * (i - 1) + 1];
        int tt = out->found_truth[i - 1];
        out->found_xy[2 * (i - 1)] = out->found_xy[2 * j];
        out->found_xy[2 * (i - 1) + 1] = out->found_xy[2 * j + 1];
        out->found_truth[i - 1] = out->found_truth[j];
        out->found_xy[2 * j] = tx;
        out->found_xy[2 * j + 1] = ty;
        out->found_truth[j] = tt;
    }
    return DM_OK;
}
