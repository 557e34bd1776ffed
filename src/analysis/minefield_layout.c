/* Where a minefield record puts its mines, in local metres (minefield.h):
 * grid bearings (magnetic ones plus the declination), distances in metres
 * (paces times pace_m), x east = d sin(b), y north = d cos(b). */
#include "analysis/minefield.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No record has this many mines; more means a unit or spacing mistake. */
#define MAX_LAYOUT_MINES 10000000.0

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double grid_bearing(const dm_mf_record *rec, double b)
{
    return rec->bearing_ref == DM_MF_MAGNETIC ? b + rec->declination_deg : b;
}

static double metres(const dm_mf_record *rec, double d)
{
    return rec->unit == DM_MF_PACES ? d * rec->pace_m : d;
}

static void leg_vector(const dm_mf_record *rec, const dm_mf_leg *leg, double *dx, double *dy)
{
    double b = grid_bearing(rec, leg->bearing_deg) * M_PI / 180.0;
    double d = metres(rec, leg->distance);
    *dx = d * sin(b);
    *dy = d * cos(b);
}

static bool leg_ok(const dm_mf_record *rec, const dm_mf_leg *leg)
{
    double dx, dy;
    leg_vector(rec, leg, &dx, &dy);
    return isfinite(dx) && isfinite(dy) && fabs(dx) < 1e9 && fabs(dy) < 1e9;
}

void dm_mf_layout_free(dm_mf_layout *lay)
{
    if (!lay)
        return;
    free(lay->mines);
    free(lay->verts);
    free(lay->row_first);
    memset(lay, 0, sizeof *lay);
}

/* Point at arc length s along the polyline v[0..nv-1] (x,y pairs). */
static void along(const double *v, size_t nv, double s, double *x, double *y)
{
    for (size_t k = 0; k + 1 < nv; k++) {
        double ex = v[2 * k + 2] - v[2 * k], ey = v[2 * k + 3] - v[2 * k + 1];
        double len = hypot(ex, ey);
        if (s <= len || k + 2 == nv) {
            double t = len > 0 ? s / len : 0.0;
            if (t > 1.0)
                t = 1.0;
            if (t < 0.0)
                t = 0.0;
            *x = v[2 * k] + t * ex;
            *y = v[2 * k + 1] + t * ey;
            return;
        }
        s -= len;
    }
    *x = v[0];
    *y = v[1];
}

static double polyline_length(const double *v, size_t nv)
{
    double total = 0.0;
    for (size_t k = 0; k + 1 < nv; k++)
        total += hypot(v[2 * k + 2] - v[2 * k], v[2 * k + 3] - v[2 * k + 1]);
    return total;
}

dm_status dm_mf_layout_compute(const dm_mf_record *rec, dm_mf_layout *out, dm_error *err)
{
    if (!out)
        return dm_error_set(err, DM_EINVAL, "minefield layout: no output given");
    memset(out, 0, sizeof *out);
    if (!rec)
        return dm_error_set(err, DM_EINVAL, "minefield layout: no record given");
    if ((rec->n_rows && !rec->rows) || (rec->n_mines && !rec->mines))
        return dm_error_set(err, DM_EINVAL, "minefield layout: record has counts but no arrays");
    if (rec->bearing_ref == DM_MF_MAGNETIC && !isfinite(rec->declination_deg))
        return dm_error_set(err, DM_EINVAL, "declination_deg: not a finite number");
    if (rec->unit == DM_MF_PACES && !(isfinite(rec->pace_m) && rec->pace_m > 0))
        return dm_error_set(err, DM_EINVAL, "pace_m: must be a positive number of metres");

    /* First pass: check the numbers and count vertices and mines. */
    size_t nverts = 0;
    double nmines = (double)rec->n_mines;
    for (size_t r = 0; r < rec->n_rows; r++) {
        const dm_mf_row *row = &rec->rows[r];
        if (row->n_legs && !row->legs)
            return dm_error_set(err, DM_EINVAL, "rows[%zu] (%s): legs missing", r, row->id);
        if (!leg_ok(rec, &row->start))
            return dm_error_set(err, DM_EINVAL,
                                "rows[%zu] (%s) start: bearing or distance is not a finite number",
                                r, row->id);
        double len = 0.0;
        for (size_t k = 0; k < row->n_legs; k++) {
            if (!leg_ok(rec, &row->legs[k]))
                return dm_error_set(err, DM_EINVAL,
                                    "rows[%zu] (%s) legs[%zu]: bearing or distance is not a finite "
                                    "number",
                                    r, row->id, k);
            len += fabs(metres(rec, row->legs[k].distance));
        }
        nverts += 1 + row->n_legs;
        if (row->count < 0)
            return dm_error_set(err, DM_EINVAL, "rows[%zu] (%s) count: %d is negative", r, row->id,
                                row->count);
        if (row->count > 0) {
            nmines += row->count;
        } else if (row->spacing != 0.0) {
            double s = metres(rec, row->spacing);
            if (!(isfinite(s) && s > 0))
                return dm_error_set(err, DM_EINVAL,
                                    "rows[%zu] (%s) spacing: must be a positive distance", r,
                                    row->id);
            nmines += floor(len / s + 1e-9) + 1.0;
        }
        if (nmines > MAX_LAYOUT_MINES)
            return dm_error_set(err, DM_EINVAL,
                                "rows[%zu] (%s): more than %.0f mines in the record; check count, "
                                "spacing and unit",
                                r, row->id, MAX_LAYOUT_MINES);
    }
    for (size_t m = 0; m < rec->n_mines; m++)
        if (!leg_ok(rec, &rec->mines[m].at))
            return dm_error_set(err, DM_EINVAL,
                                "mines[%zu] (%s): bearing or distance is not a finite number", m,
                                rec->mines[m].id);

    out->n_rows = rec->n_rows;
    out->row_first = calloc(rec->n_rows + 1, sizeof *out->row_first);
    out->verts = calloc(nverts ? 2 * nverts : 1, sizeof *out->verts);
    out->mines = calloc(nmines > 0 ? (size_t)nmines : 1, sizeof *out->mines);
    if (!out->row_first || !out->verts || !out->mines) {
        dm_mf_layout_free(out);
        return dm_error_set(err, DM_ENOMEM, "minefield layout: out of memory");
    }

    size_t vi = 0, mi = 0;
    for (size_t r = 0; r < rec->n_rows; r++) {
        const dm_mf_row *row = &rec->rows[r];
        out->row_first[r] = vi;
        double *v = out->verts + 2 * vi;
        double dx, dy;
        leg_vector(rec, &row->start, &dx, &dy);
        v[0] = dx;
        v[1] = dy;
        for (size_t k = 0; k < row->n_legs; k++) {
            leg_vector(rec, &row->legs[k], &dx, &dy);
            v[2 * k + 2] = v[2 * k] + dx;
            v[2 * k + 3] = v[2 * k + 1] + dy;
        }
        size_t nv = 1 + row->n_legs;
        vi += nv;
        double len = polyline_length(v, nv);
        int n = 0;
        double step = 0.0;
        if (row->count > 0) {
            n = row->count;
            step = n > 1 ? len / (n - 1) : 0.0;
        } else if (row->spacing != 0.0) {
            step = metres(rec, row->spacing);
            n = (int)(floor(len / step + 1e-9) + 1.0);
        }
        for (int i = 0; i < n; i++) {
            dm_mf_mine *m = &out->mines[mi++];
            double s = (row->count > 0 && i == n - 1 && n > 1) ? len : step * i;
            along(v, nv, s, &m->x, &m->y);
            m->row = (int)r;
            m->index = i + 1;
        }
    }
    out->row_first[rec->n_rows] = vi;
    for (size_t k = 0; k < rec->n_mines; k++) {
        dm_mf_mine *m = &out->mines[mi++];
        leg_vector(rec, &rec->mines[k].at, &m->x, &m->y);
        m->row = -1;
        m->index = (int)k + 1;
    }
    out->n_mines = mi;
    return DM_OK;
}
