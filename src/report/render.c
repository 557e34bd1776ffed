#include "report/render.h"

#include "geo/geo.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PNG_SCALE 2.0

static void rgb(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
                         (c & 255) / 255.0);
}

dm_status dm_doc_open(dm_doc *d, const char *path, dm_doc_format f, double w, double h,
                      const dm_i18n *t, dm_error *err)
{
    memset(d, 0, sizeof *d);
    d->format = f;
    d->w = w;
    d->h = h;
    d->margin = 42;
    d->t = t;
    d->path = path;
    if (f == DM_DOC_PDF)
        d->surface = cairo_pdf_surface_create(path, w, h);
    else if (f == DM_DOC_SVG)
        d->surface = cairo_svg_surface_create(path, w, h);
    else
        d->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(w * PNG_SCALE),
                                                (int)(h * PNG_SCALE));
    if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
        dm_status st = dm_error_set(err, DM_EIO, "cannot start %s: %s", path,
                                    cairo_status_to_string(cairo_surface_status(d->surface)));
        cairo_surface_destroy(d->surface);
        d->surface = NULL;
        return st;
    }
    if (f == DM_DOC_PDF)
        cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "demine");
    d->cr = cairo_create(d->surface);
    if (f == DM_DOC_PNG)
        cairo_scale(d->cr, PNG_SCALE, PNG_SCALE);
    /* white page */
    cairo_set_source_rgb(d->cr, 1, 1, 1);
    cairo_paint(d->cr);
    d->pages = 1;
    d->y = d->margin;
    return DM_OK;
}

static PangoLayout *layout(cairo_t *cr, const char *text, double size, int style, double width)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, DM_FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (style & DM_TXT_BOLD)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    if (style & DM_TXT_ITALIC)
        pango_font_description_set_style(fd, PANGO_STYLE_ITALIC);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    if (style & DM_TXT_RIGHT)
        pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    else if (style & DM_TXT_CENTER)
        pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double text_cr(cairo_t *cr, double x, double y, double width, const char *text, double size,
                      int style, uint32_t colour)
{
    PangoLayout *l = layout(cr, text, size, style, width);
    int pw, ph;
    pango_layout_get_size(l, &pw, &ph);
    cairo_save(cr);
    rgb(cr, colour);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    cairo_restore(cr);
    g_object_unref(l);
    return (double)ph / PANGO_SCALE;
}

/* Width of text on one line, pt. */
static double text_width(cairo_t *cr, const char *text, double size, int style)
{
    PangoLayout *l = layout(cr, text, size, style, 0);
    int pw, ph;
    pango_layout_get_size(l, &pw, &ph);
    g_object_unref(l);
    return (double)pw / PANGO_SCALE;
}

double dm_doc_text_at(dm_doc *d, double x, double y, double width, const char *text, double size,
                      int style, uint32_t colour)
{
    return text_cr(d->cr, x, y, width, text, size, style, colour);
}

static void footer(dm_doc *d)
{
    char n[32];
    snprintf(n, sizeof n, "%d", d->pages);
    double tw = d->w - 2 * d->margin;
    text_cr(d->cr, d->margin, d->h - d->margin + 12, tw - 40, d->footer, 7, 0, 0x666666);
    text_cr(d->cr, d->margin, d->h - d->margin + 12, tw, n, 7, DM_TXT_RIGHT, 0x666666);
}

void dm_doc_page(dm_doc *d)
{
    footer(d);
    cairo_show_page(d->cr);
    cairo_set_source_rgb(d->cr, 1, 1, 1);
    cairo_paint(d->cr);
    d->pages++;
    d->y = d->margin;
}

void dm_doc_need(dm_doc *d, double need)
{
    if (d->y + need > d->h - d->margin)
        dm_doc_page(d);
}

void dm_doc_para(dm_doc *d, const char *text, double size, int style, uint32_t colour)
{
    double tw = d->w - 2 * d->margin;
    PangoLayout *l = layout(d->cr, text, size, style, tw);
    int pw, ph;
    pango_layout_get_size(l, &pw, &ph);
    g_object_unref(l);
    dm_doc_need(d, (double)ph / PANGO_SCALE);
    d->y += dm_doc_text_at(d, d->margin, d->y, tw, text, size, style, colour) + size * 0.35;
}

void dm_doc_heading(dm_doc *d, const char *text)
{
    dm_doc_need(d, 60); /* a heading never ends a page */
    d->y += 6;
    dm_doc_para(d, text, 12, DM_TXT_BOLD, 0x1f3b57);
    cairo_save(d->cr);
    rgb(d->cr, 0x1f3b57);
    cairo_set_line_width(d->cr, 0.6);
    cairo_move_to(d->cr, d->margin, d->y - 2);
    cairo_line_to(d->cr, d->w - d->margin, d->y - 2);
    cairo_stroke(d->cr);
    cairo_restore(d->cr);
    d->y += 3;
}

void dm_doc_table(dm_doc *d, size_t ncols, const double *widths, const char *const *cells,
                  size_t nrows, double size, unsigned left)
{
    double tw = d->w - 2 * d->margin, pad = 3;
    double *cw = calloc(ncols ? ncols : 1, sizeof *cw);
    if (!cw)
        return;
    for (size_t c = 0; c < ncols; c++)
        cw[c] = widths[c] * tw;
    for (size_t r = 0; r < nrows; r++) {
        /* row height: the tallest cell */
        double rh = 0;
        for (size_t c = 0; c < ncols; c++) {
            PangoLayout *l = layout(d->cr, cells[r * ncols + c], size, r == 0 ? DM_TXT_BOLD : 0,
                                    cw[c] - 2 * pad);
            int pw, ph;
            pango_layout_get_size(l, &pw, &ph);
            g_object_unref(l);
            if ((double)ph / PANGO_SCALE > rh)
                rh = (double)ph / PANGO_SCALE;
        }
        rh += 2 * pad;
        if (r > 0 && d->y + rh > d->h - d->margin) {
            dm_doc_page(d);
            r = r - 1; /* the header again, then this row */
            size_t hr = 0;
            double hh = 0;
            for (size_t c = 0; c < ncols; c++) {
                PangoLayout *l = layout(d->cr, cells[c], size, DM_TXT_BOLD, cw[c] - 2 * pad);
                int pw, ph;
                pango_layout_get_size(l, &pw, &ph);
                g_object_unref(l);
                if ((double)ph / PANGO_SCALE > hh)
                    hh = (double)ph / PANGO_SCALE;
            }
            (void)hr;
            hh += 2 * pad;
            cairo_save(d->cr);
            rgb(d->cr, 0xdde6ee);
            cairo_rectangle(d->cr, d->margin, d->y, tw, hh);
            cairo_fill(d->cr);
            cairo_restore(d->cr);
            double x = d->margin;
            for (size_t c = 0; c < ncols; c++) {
                text_cr(d->cr, x + pad, d->y + pad, cw[c] - 2 * pad, cells[c], size,
                        DM_TXT_BOLD | (left & (1u << c) ? 0 : DM_TXT_RIGHT), 0x000000);
                x += cw[c];
            }
            d->y += hh;
            continue;
        }
        cairo_save(d->cr);
        if (r == 0)
            rgb(d->cr, 0xdde6ee);
        else
            rgb(d->cr, r % 2 ? 0xffffff : 0xf4f6f8);
        cairo_rectangle(d->cr, d->margin, d->y, tw, rh);
        cairo_fill(d->cr);
        cairo_restore(d->cr);
        double x = d->margin;
        for (size_t c = 0; c < ncols; c++) {
            text_cr(d->cr, x + pad, d->y + pad, cw[c] - 2 * pad, cells[r * ncols + c], size,
                    (r == 0 ? DM_TXT_BOLD : 0) | (left & (1u << c) ? 0 : DM_TXT_RIGHT), 0x000000);
            x += cw[c];
        }
        d->y += rh;
    }
    d->y += 6;
    free(cw);
}

dm_status dm_doc_close(dm_doc *d, dm_error *err)
{
    dm_status st = DM_OK;
    if (!d->cr)
        return DM_OK;
    if (d->format == DM_DOC_PDF && d->footer[0])
        footer(d);
    if (d->format == DM_DOC_PNG) {
        cairo_surface_flush(d->surface);
        cairo_status_t cs = cairo_surface_write_to_png(d->surface, d->path);
        if (cs != CAIRO_STATUS_SUCCESS)
            st =
                dm_error_set(err, DM_EIO, "cannot write the image: %s", cairo_status_to_string(cs));
    } else
        cairo_show_page(d->cr);
    cairo_destroy(d->cr);
    d->cr = NULL;
    cairo_surface_finish(d->surface);
    cairo_status_t cs = cairo_surface_status(d->surface);
    if (!st && cs != CAIRO_STATUS_SUCCESS)
        st = dm_error_set(err, DM_EIO, "cannot write the document: %s", cairo_status_to_string(cs));
    cairo_surface_destroy(d->surface);
    d->surface = NULL;
    return st;
}

/* ---- charts ---- */

/* A round step for about `want` ticks up to max. */
static double nice_step(double max, int want)
{
    double raw = max / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

void dm_chart_bars(cairo_t *cr, double x, double y, double w, double h, const dm_i18n *t,
                   const char *title, size_t nbars, const char *const *labels, size_t nseries,
                   const double *values, const char *const *names, const uint32_t *colours,
                   bool counts, const bool *suppressed)
{
    double th = title && *title ? text_cr(cr, x, y, w, title, 9, DM_TXT_BOLD, 0x000000) + 4 : 0;
    /* legend */
    double lx = x, ly = y + th;
    for (size_t s = 0; s < nseries; s++) {
        double nw = text_width(cr, names[s], 7.5, 0);
        if (lx > x && lx + 10 + nw > x + w) { /* the next line of the legend */
            lx = x;
            ly += 11;
        }
        rgb(cr, colours[s]);
        cairo_rectangle(cr, lx, ly + 2, 7, 7);
        cairo_fill(cr);
        text_cr(cr, lx + 10, ly, 0, names[s], 7.5, 0, 0x000000);
        lx += 10 + nw + 12;
    }
    double top = ly + 16, left = x + 36, bottom = y + h - 22, right = x + w - 4;
    double max = 0;
    for (size_t i = 0; i < nbars; i++) {
        double sum = 0;
        for (size_t s = 0; s < nseries; s++)
            sum += values[s * nbars + i];
        if (sum > max)
            max = sum;
    }
    double step = nice_step(max > 0 ? max : 1, 4);
    if (counts && step < 1)
        step = 1;
    double top_v = ceil((max > 0 ? max : 1) / step) * step;
    cairo_set_line_width(cr, 0.4);
    char buf[64];
    for (double v = 0; v <= top_v + step / 2; v += step) {
        double py = bottom - (bottom - top) * v / top_v;
        rgb(cr, 0xcccccc);
        cairo_move_to(cr, left, py);
        cairo_line_to(cr, right, py);
        cairo_stroke(cr);
        dm_i18n_num(t, v, step < 1 ? (int)ceil(-log10(step) - 1e-9) : 0, buf, sizeof buf);
        text_cr(cr, x, py - 5, left - x - 3, buf, 7, DM_TXT_RIGHT, 0x444444);
    }
    double slot = nbars ? (right - left) / (double)nbars : 0, bw = slot * 0.75;
    /* labels: as many as fit */
    double lw = 0;
    for (size_t i = 0; i < nbars; i++) {
        double tw = text_width(cr, labels[i], 7, 0);
        if (tw > lw)
            lw = tw;
    }
    size_t every = slot > 0 ? (size_t)ceil((lw + 4) / slot) : 1;
    if (every < 1)
        every = 1;
    for (size_t i = 0; i < nbars; i++) {
        double bx = left + slot * (double)i + (slot - bw) / 2, acc = 0;
        for (size_t s = 0; s < nseries; s++) {
            double v = values[s * nbars + i];
            if (v <= 0)
                continue;
            double y0 = bottom - (bottom - top) * acc / top_v;
            double y1 = bottom - (bottom - top) * (acc + v) / top_v;
            rgb(cr, colours[s]);
            cairo_rectangle(cr, bx, y1, bw, y0 - y1);
            cairo_fill(cr);
            acc += v;
        }
        if (suppressed && suppressed[i]) /* not a zero: a figure not shown */
            text_cr(cr, left + slot * (double)i, bottom - 10, slot,
                    dm_i18n_get(t, "fig.suppressed"), 7, DM_TXT_CENTER | DM_TXT_BOLD, 0x8c1d18);
        if ((nbars - 1 - i) % every == 0)
            text_cr(cr, left + slot * (double)i + slot / 2 - lw / 2 - 2, bottom + 3, lw + 4,
                    labels[i], 7, DM_TXT_CENTER, 0x444444);
    }
    rgb(cr, 0x000000);
    cairo_set_line_width(cr, 0.6);
    cairo_move_to(cr, left, bottom);
    cairo_line_to(cr, right, bottom);
    cairo_stroke(cr);
}

/* ---- maps ---- */

void dm_map_fit(dm_map_proj *p, double x, double y, double w, double h, const double bbox[4])
{
    memset(p, 0, sizeof *p);
    p->x = x;
    p->y = y;
    p->w = w;
    p->h = h;
    double minlon = bbox[0], minlat = bbox[1], maxlon = bbox[2], maxlat = bbox[3];
    if (!(maxlon > minlon))
        maxlon = minlon + 0.01, minlon -= 0.01;
    if (!(maxlat > minlat))
        maxlat = minlat + 0.01, minlat -= 0.01;
    double dlon = maxlon - minlon, dlat = maxlat - minlat;
    minlon -= dlon * 0.03, maxlon += dlon * 0.03, minlat -= dlat * 0.03, maxlat += dlat * 0.03;
    p->kx = cos((minlat + maxlat) / 2 * M_PI / 180);
    double k = fmin(w / ((maxlon - minlon) * p->kx), h / (maxlat - minlat));
    p->k = k;
    /* centre */
    double cx = (minlon + maxlon) / 2, cy = (minlat + maxlat) / 2;
    p->lon0 = cx - w / 2 / (k * p->kx);
    p->lat0 = cy + h / 2 / k;
    p->minlon = p->lon0;
    p->maxlon = cx + w / 2 / (k * p->kx);
    p->maxlat = p->lat0;
    p->minlat = cy - h / 2 / k;
}

void dm_map_xy(const dm_map_proj *p, double lon, double lat, double *px, double *py)
{
    *px = p->x + (lon - p->lon0) * p->k * p->kx;
    *py = p->y + (p->lat0 - lat) * p->k;
}

/* A ring as the page can show it: a vertex closer than RING_STEP_PT to the
 * last one kept is left out (0.2 pt is 0.07 mm, below a 300 dpi printer's
 * dot), which on a country's map drops most vertices of most hazards and
 * with them most of the PDF's size and writing time. A ring that shrinks to
 * under three vertices so is drawn as its box on the page, at least
 * RING_STEP_PT wide, so that a small hazard stays a visible speck.
 *
 * Polygon rings are turned so that outer rings run one way on the page and
 * holes the other: under cairo's non-zero winding rule the holes then show,
 * whatever direction the data gave them. */
#define RING_STEP_PT 0.2

typedef struct page_pt {
    double x, y;
} page_pt;

static void ring_path(cairo_t *cr, const dm_map_proj *p, GEOSContextHandle_t h,
                      const GEOSGeometry *ring, bool close, bool hole)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n == 0)
        return;
    page_pt stack[256], *pt = n <= 256 ? stack : malloc(n * sizeof *pt);
    if (!pt)
        return;
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    unsigned int kept = 0;
    for (unsigned int i = 0; i < n; i++) {
        double lon, lat, px, py;
        GEOSCoordSeq_getXY_r(h, cs, i, &lon, &lat);
        dm_map_xy(p, lon, lat, &px, &py);
        if (i == 0) {
            x0 = x1 = px, y0 = y1 = py;
        } else {
            x0 = fmin(x0, px), x1 = fmax(x1, px), y0 = fmin(y0, py), y1 = fmax(y1, py);
        }
        double step = kept ? hypot(px - pt[kept - 1].x, py - pt[kept - 1].y) : INFINITY;
        /* the last vertex is kept (a line's end) unless it is the one before */
        if (step < (i + 1 < n ? RING_STEP_PT : 1e-9))
            continue;
        pt[kept++] = (page_pt){px, py};
    }
    if (close && kept < 3) {
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
        double hw = fmax(x1 - x0, RING_STEP_PT) / 2, hh = fmax(y1 - y0, RING_STEP_PT) / 2;
        /* a negative width runs the box the other way round, for a hole */
        double w = hole ? -2 * hw : 2 * hw;
        cairo_rectangle(cr, cx - w / 2, cy - hh, w, 2 * hh);
    } else {
        bool reverse = false;
        if (close) {
            double area2 = 0; /* twice the signed area on the page */
            for (unsigned int i = 0; i < kept; i++) {
                const page_pt *a = &pt[i], *b = &pt[(i + 1) % kept];
                area2 += a->x * b->y - b->x * a->y;
            }
            /* cairo_rectangle's direction (positive here) for outer rings */
            reverse = hole ? area2 > 0 : area2 < 0;
        }
        for (unsigned int k = 0; k < kept; k++) {
            const page_pt *q = &pt[reverse ? kept - 1 - k : k];
            if (k == 0)
                cairo_move_to(cr, q->x, q->y);
            else
                cairo_line_to(cr, q->x, q->y);
        }
        if (close && kept)
            cairo_close_path(cr);
    }
    if (pt != stack)
        free(pt);
}

void dm_map_path(cairo_t *cr, const dm_map_proj *p, GEOSContextHandle_t h, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOINT ||
        type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++)
            dm_map_path(cr, p, h, GEOSGetGeometryN_r(h, g, i));
    } else if (type == GEOS_POLYGON) {
        ring_path(cr, p, h, GEOSGetExteriorRing_r(h, g), true, false);
        int n = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < n; i++)
            ring_path(cr, p, h, GEOSGetInteriorRingN_r(h, g, i), true, true);
    } else if (type == GEOS_LINESTRING || type == GEOS_LINEARRING)
        ring_path(cr, p, h, g, false, false);
    else if (type == GEOS_POINT) {
        double lon, lat, px, py;
        if (GEOSGeomGetX_r(h, g, &lon) && GEOSGeomGetY_r(h, g, &lat)) {
            dm_map_xy(p, lon, lat, &px, &py);
            cairo_new_sub_path(cr);
            cairo_arc(cr, px, py, 1.5, 0, 2 * M_PI);
        }
    }
}

void dm_map_scale_bar(cairo_t *cr, const dm_map_proj *p, double x, double y, double max_w,
                      const dm_i18n *t)
{
    /* metres per point along the parallel at the middle latitude */
    double m_per_pt = 111320.0 / p->k;
    double max_m = max_w * m_per_pt;
    double step = pow(10, floor(log10(max_m)));
    double len = step;
    if (5 * step <= max_m)
        len = 5 * step;
    else if (2 * step <= max_m)
        len = 2 * step;
    double wpt = len / m_per_pt;
    cairo_save(cr);
    for (int i = 0; i < 4; i++) {
        rgb(cr, i % 2 ? 0xffffff : 0x000000);
        cairo_rectangle(cr, x + wpt * i / 4, y - 4, wpt / 4, 4);
        cairo_fill(cr);
    }
    rgb(cr, 0x000000);
    cairo_set_line_width(cr, 0.5);
    cairo_rectangle(cr, x, y - 4, wpt, 4);
    cairo_stroke(cr);
    cairo_restore(cr);
    char num[64], label[96];
    if (len >= 1000)
        dm_i18n_num(t, len / 1000, 0, num, sizeof num);
    else
        dm_i18n_num(t, len, 0, num, sizeof num);
    const char *args[] = {num};
    dm_i18n_fmt(t, len >= 1000 ? "unit.km" : "unit.m", label, sizeof label, 1, args);
    text_cr(cr, x + wpt + 4, y - 8, 0, label, 7, 0, 0x000000);
    text_cr(cr, x - 4, y - 8, 0, "0", 7, 0, 0x000000);
}

typedef struct env {
    double b[4];
    bool any;
} env;

static void env_add(env *e, GEOSContextHandle_t h, const GEOSGeometry *g)
{
    double x0, y0, x1, y1;
    if (!g || GEOSisEmpty_r(h, g) || !GEOSGeom_getXMin_r(h, g, &x0) ||
        !GEOSGeom_getYMin_r(h, g, &y0) || !GEOSGeom_getXMax_r(h, g, &x1) ||
        !GEOSGeom_getYMax_r(h, g, &y1))
        return;
    if (!e->any) {
        e->b[0] = x0, e->b[1] = y0, e->b[2] = x1, e->b[3] = y1, e->any = true;
        return;
    }
    e->b[0] = fmin(e->b[0], x0), e->b[1] = fmin(e->b[1], y0);
    e->b[2] = fmax(e->b[2], x1), e->b[3] = fmax(e->b[3], y1);
}

/* Draws every record of kind; fill/stroke colours (fill 0 = none). */
static dm_status draw_kind(cairo_t *cr, const dm_map_proj *p, dm_store *store, const dm_kind *k,
                           bool drafts, uint32_t fill, double alpha, uint32_t stroke, double lw,
                           env *e, dm_error *err)
{
    dm_query q = {.kind = k, .include_drafts = drafts, .with_geometry = true, .keep_damaged = true};
    if (p) {
        q.has_bbox = true;
        q.bbox[0] = p->minlon, q.bbox[1] = p->minlat, q.bbox[2] = p->maxlon, q.bbox[3] = p->maxlat;
    }
    dm_cursor *cur;
    dm_status st = dm_store_query(store, &q, &cur, err);
    if (st)
        return st;
    GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
    dm_record rec;
    dm_record_init(&rec, k);
    bool has;
    while (!(st = dm_cursor_next(cur, &rec, &has, err)) && has) {
        if (!rec.geom)
            continue;
        if (e)
            env_add(e, h, rec.geom);
        if (!p)
            continue;
        cairo_new_path(cr);
        dm_map_path(cr, p, h, rec.geom);
        if (fill) {
            cairo_set_source_rgba(cr, ((fill >> 16) & 255) / 255.0, ((fill >> 8) & 255) / 255.0,
                                  (fill & 255) / 255.0, alpha);
            cairo_fill_preserve(cr);
        }
        rgb(cr, stroke);
        cairo_set_line_width(cr, lw);
        cairo_stroke(cr);
    }
    dm_record_clear(&rec, dm_store_geo(store));
    dm_cursor_close(cur);
    return st;
}

dm_status dm_map_draw(cairo_t *cr, double x, double y, double w, double h, dm_store *store,
                      bool include_drafts, const double *bbox, const dm_map_point *pts, size_t npts,
                      const dm_i18n *t, dm_error *err)
{
    env e = {{0, 0, 0, 0}, false};
    dm_status st = DM_OK;
    if (bbox) {
        memcpy(e.b, bbox, sizeof e.b);
        e.any = true;
    } else {
        const dm_kind *kinds[] = {&dm_kind_admin_areas, &dm_kind_hazards};
        for (int i = 0; !st && i < 2; i++) {
            double b[4];
            bool has = false;
            st = dm_store_extent(store, kinds[i], include_drafts, b, &has, err);
            if (st || !has)
                continue;
            if (!e.any) {
                memcpy(e.b, b, sizeof e.b);
                e.any = true;
                continue;
            }
            e.b[0] = fmin(e.b[0], b[0]), e.b[1] = fmin(e.b[1], b[1]);
            e.b[2] = fmax(e.b[2], b[2]), e.b[3] = fmax(e.b[3], b[3]);
        }
        for (size_t i = 0; i < npts; i++) {
            if (!e.any) {
                e.b[0] = e.b[2] = pts[i].lon, e.b[1] = e.b[3] = pts[i].lat, e.any = true;
                continue;
            }
            e.b[0] = fmin(e.b[0], pts[i].lon), e.b[1] = fmin(e.b[1], pts[i].lat);
            e.b[2] = fmax(e.b[2], pts[i].lon), e.b[3] = fmax(e.b[3], pts[i].lat);
        }
    }
    if (st)
        return st;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source_rgb(cr, 0.97, 0.98, 1.0);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke_preserve(cr);
    cairo_clip(cr);
    if (!e.any) {
        cairo_restore(cr);
        text_cr(cr, x + 8, y + h / 2, w - 16, dm_i18n_get(t, "map.empty"), 9, DM_TXT_CENTER,
                0x666666);
        return DM_OK;
    }
    dm_map_proj p;
    dm_map_fit(&p, x, y, w, h, e.b);
    st = draw_kind(cr, &p, store, &dm_kind_admin_areas, include_drafts, 0xffffff, 1.0, 0x9a9a9a,
                   0.35, NULL, err);
    if (!st)
        st = draw_kind(cr, &p, store, &dm_kind_hazards, include_drafts, 0xd7301f, 0.55, 0xb30000,
                       0.2, NULL, err);
    for (size_t i = 0; !st && i < npts; i++) {
        double px, py;
        dm_map_xy(&p, pts[i].lon, pts[i].lat, &px, &py);
        cairo_new_path(cr);
        cairo_arc(cr, px, py, 2.6, 0, 2 * M_PI);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 1, 1, 0);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    if (!st) {
        dm_map_scale_bar(cr, &p, x + 10, y + h - 10, w / 4, t);
        /* legend */
        double lx = x + w - 150, ly = y + h - 32;
        cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
        cairo_rectangle(cr, lx - 4, ly - 3, 150, 30);
        cairo_fill(cr);
        cairo_set_source_rgba(cr, 0xd7 / 255.0, 0x30 / 255.0, 0x1f / 255.0, 0.7);
        cairo_rectangle(cr, lx, ly + 1, 8, 7);
        cairo_fill(cr);
        text_cr(cr, lx + 12, ly, 134, dm_i18n_get(t, "map.legend.hazards"), 7, 0, 0x000000);
        if (npts) {
            cairo_arc(cr, lx + 4, ly + 18, 2.6, 0, 2 * M_PI);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_fill(cr);
            text_cr(cr, lx + 12, ly + 13, 134, dm_i18n_get(t, "map.legend.accidents"), 7, 0,
                    0x000000);
        }
    }
    return st;
}
