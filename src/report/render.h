/* Drawing for the reports (internal to src/report): pages with Pango text,
 * tables, stacked bar charts and maps on cairo.
 *
 * Units: page coordinates in PostScript points (1/72 inch, A4 = 595 x 842),
 * font sizes in points, colours as 0xRRGGBB. Geometry is lon/lat degrees
 * (EPSG:4326); maps draw it on an equirectangular projection scaled by the
 * cosine of the middle latitude, so that a map of a country keeps its shape.
 * Text is always laid out by Pango with the DejaVu Sans family (Latin,
 * Cyrillic and the Azerbaijani letters ə ğ ı İ ö ş ü ç), so every glyph the
 * translations use is embedded in a PDF.
 *
 * Memory: a dm_doc owns its cairo surface and context until
 * dm_doc_close(); everything else here draws and keeps nothing.
 */
#ifndef DM_REPORT_RENDER_H
#define DM_REPORT_RENDER_H

#include "core/error.h"
#include "report/i18n.h"
#include "store/store.h"

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_FONT "DejaVu Sans"

enum { DM_TXT_BOLD = 1, DM_TXT_ITALIC = 2, DM_TXT_RIGHT = 4, DM_TXT_CENTER = 8 };

typedef enum dm_doc_format { DM_DOC_PDF, DM_DOC_SVG, DM_DOC_PNG } dm_doc_format;

typedef struct dm_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    dm_doc_format format;
    double w, h;   /* page size, pt */
    double margin; /* pt */
    double y;      /* where the flow continues on this page, pt from the top */
    int pages;     /* pages started */
    const dm_i18n *t;
    char footer[300]; /* printed at the foot of every page with its number */
    const char *path; /* the file cairo writes (a temporary name) */
} dm_doc;

/* Starts a document of w x h points at path (PNG: w x h pixels at 72 dpi
 * times scale 2, for a sharp image). */
dm_status dm_doc_open(dm_doc *d, const char *path, dm_doc_format f, double w, double h,
                      const dm_i18n *t, dm_error *err);

/* Ends the current page (footer and page number) and starts the next one. */
void dm_doc_page(dm_doc *d);

/* Starts a new page unless `need` points are left above the bottom margin. */
void dm_doc_need(dm_doc *d, double need);

/* Lays out text in a box `width` wide at (x, y); returns its height. */
double dm_doc_text_at(dm_doc *d, double x, double y, double width, const char *text, double size,
                      int style, uint32_t rgb);

/* Flow: a paragraph across the text width at d->y, moving d->y below it. */
void dm_doc_para(dm_doc *d, const char *text, double size, int style, uint32_t rgb);
void dm_doc_heading(dm_doc *d, const char *text);

/* Flow: a table of nrows x ncols cells (row-major, NULL = empty), the first
 * row a header; widths are fractions of the text width; the columns whose
 * bit is set in `left` (bit c for column c) are left-aligned, the others
 * (numbers) right-aligned. A table that does not fit continues on the next
 * page with its header again. */
void dm_doc_table(dm_doc *d, size_t ncols, const double *widths, const char *const *cells,
                  size_t nrows, double size, unsigned left);

/* Finishes the document (the last page's footer; PNG written). */
dm_status dm_doc_close(dm_doc *d, dm_error *err);

/* A stacked bar chart in the box (x, y, w, h): nbars bars labelled labels[i]
 * (every k-th label is drawn when they would not fit), nseries stacked
 * series values[s * nbars + i] (counts), names[s] in a legend, colours[s];
 * a y axis with a few round ticks written by the locale of t (whole
 * numbers only when counts). A bar whose suppressed[i] is set (suppressed
 * may be NULL) is a figure not shown: no bar, the mark of "fig.suppressed"
 * at its foot, never an empty bar read as 0. */
void dm_chart_bars(cairo_t *cr, double x, double y, double w, double h, const dm_i18n *t,
                   const char *title, size_t nbars, const char *const *labels, size_t nseries,
                   const double *values, const char *const *names, const uint32_t *colours,
                   bool counts, const bool *suppressed);

/* A point to mark on a map. */
typedef struct dm_map_point {
    double lon, lat;
} dm_map_point;

/* A map of the database in the box: admin areas as thin outlines, hazards
 * (approved; with include_drafts the others too) filled, points as dots,
 * and a scale bar. The extent is that of the admin areas and hazards (or of
 * bbox when given: minlon, minlat, maxlon, maxlat). */
dm_status dm_map_draw(cairo_t *cr, double x, double y, double w, double h, dm_store *store,
                      bool include_drafts, const double *bbox, const dm_map_point *pts, size_t npts,
                      const dm_i18n *t, dm_error *err);

/* Projection of a map: lon/lat to page points. */
typedef struct dm_map_proj {
    double x, y, w, h;        /* box on the page */
    double lon0, lat0, k, kx; /* west, north edge; pt per degree of latitude; cos(lat) */
    double minlon, minlat, maxlon, maxlat;
} dm_map_proj;

/* Fits bbox into the box, keeping the shape, with a small margin. */
void dm_map_fit(dm_map_proj *p, double x, double y, double w, double h, const double bbox[4]);
void dm_map_xy(const dm_map_proj *p, double lon, double lat, double *px, double *py);

/* Adds the outline of a (multi)polygon, line or point as cairo paths. */
void dm_map_path(cairo_t *cr, const dm_map_proj *p, GEOSContextHandle_t h, const GEOSGeometry *g);

/* A scale bar at (x, y) (its left end, on the baseline) of a round length
 * at most max_w points long. */
void dm_map_scale_bar(cairo_t *cr, const dm_map_proj *p, double x, double y, double max_w,
                      const dm_i18n *t);

#endif
