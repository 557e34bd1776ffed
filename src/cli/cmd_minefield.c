#include "analysis/minefield.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "io/minefield_import.h"
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "demine minefield check RECORD.json [--json] [--margin M]\n"
    "       demine minefield render RECORD.json [--out FILE.geojson] [--margin M]\n"
    "       demine minefield predict --record RECORD.json [--found FILE] [--layer NAME]\n"
    "                                [--cleared FILE] [--out FILE.geojson] [--json]\n"
    "       demine minefield predict --found FILE [--layer NAME] [--out FILE.geojson] [--json]\n"
    "       demine minefield predict DATABASE CODE [--within M] [--out FILE.geojson] [--json]";

static void help(void)
{
    printf("usage: %s\n\n"
           "Minefield records (JSON, \"type\": \"MinefieldRecord\", \"version\": 1): the laying\n"
           "party's reference point, rows of mines as bearings and distances, and scattered\n"
           "mines.\n\n"
           "check: validates the record and names every problem with its field, row and leg\n"
           "  (rows[1] (B) legs[0].distance: -5 is negative); for a valid record prints its\n"
           "  rows, mines, row length (m) and footprint area (geodesic m², rows and scattered\n"
           "  mines buffered by --margin metres, default 10). --json: the same with stable keys.\n"
           "  Exit status: 0 valid, 3 problems found, 1 the file cannot be read, 2 usage.\n"
           "render: the record as drawn, a GeoJSON FeatureCollection (lon/lat, WGS 84): the\n"
           "  reference point, one Point per mine (kind mine, row, index, category, model), one\n"
           "  LineString per row and the footprint Polygon. To FILE or standard output.\n"
           "predict: fits the record to the mines found so far (translation, rotation, scale)\n"
           "  and predicts the mines not yet found: a GeoJSON FeatureCollection of Points\n"
           "  (row, index, radius_m = 95%% radius) with the fit as the top-level member \"fit\"\n"
           "  (dx_m, dy_m, rotation_deg, scale, rmse_m, matched, confidence).\n"
           "  --found FILE: the found items, points in any vector format GDAL reads (first\n"
           "  layer, or --layer NAME), with fields category and model if known. An item whose\n"
           "  category is not AP or AT (UXO, scrap, ...), or differs from its row's category\n"
           "  or model in the record, is clutter: never a recorded mine. Without --record the\n"
           "  rows are detected among the found mines alone; the local frame then has its\n"
           "  origin at the first found point.\n"
           "  --cleared FILE: ground known to be cleared (polygons, first layer): a fit pays\n"
           "  for every recorded mine it leaves unfound there, and none is predicted there;\n"
           "  without it, the hull of the found items. It must come within 110 m of the\n"
           "  record's mines or the found items.\n"
           "  DATABASE CODE: the stored record CODE (imported with `demine import DATABASE\n"
           "  minefield-records RECORD.json`) and, as found items, the approved EO items\n"
           "  inside its footprint buffered by --within metres (default 100); as cleared\n"
           "  ground, the approved land releases (cleared, reduced, cancelled) that meet it.\n"
           "  --json prints the fit and counts (with --out).\n"
           "Exit status: 0 done, 1 error (nothing written), 2 usage.\n",
           usage);
}

/* Reads a whole file (at most DM_MF_MAX_INPUT bytes and a bit, for the
 * parser to say it is too large). */
static bool read_file(const char *path, dm_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "demine: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    dm_buf_init(b, (size_t)DM_MF_MAX_INPUT + 8192);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !b->status)
        dm_buf_append(b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        fprintf(stderr, "demine: cannot read %s\n", path);
        dm_buf_free(b);
        return false;
    }
    if (!b->data)
        dm_buf_puts(b, "");
    return true;
}

/* Writes b to path (through path.part, renamed) or to stdout when NULL. */
static bool write_output(const char *path, const dm_buf *b)
{
    if (!path)
        return cli_write_stdout(b->data);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "demine: cannot write %s: %s\n", tmp, strerror(errno));
        return false;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "demine: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    return ok;
}

static bool parse_metres(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    double m = strtod(v, &end);
    if (*end || !(m >= lo) || m > hi || (lo == 0 && opt[2] == 'm' && m == 0)) {
        cli_usage(usage, "%s needs a distance in metres (%s%g to %g), not '%s'", opt,
                  opt[2] == 'm' ? "more than " : "", lo, hi, v);
        return false;
    }
    *out = m;
    return true;
}

typedef struct problems {
    dm_buf *b;
    bool json;
    const char *path;
    size_t n;
} problems;

static void on_problem(const char *msg, void *ctx)
{
    problems *p = ctx;
    if (p->json) {
        dm_buf_puts(p->b, p->n ? "," : "");
        dm_buf_json_string(p->b, msg);
    } else {
        dm_buf_printf(p->b, "%s: %s\n", p->path, msg);
    }
    p->n++;
}

/* a record field accepted but not applied as written */
static void warn_stderr(const char *msg, void *ctx)
{
    fprintf(stderr, "%s: warning: %s\n", (const char *)ctx, msg);
}

static int check(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    double margin = DM_MF_DEFAULT_MARGIN_M;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--margin") && i + 1 < argc) {
            if (!parse_metres("--margin", argv[++i], 0, 10000, &margin))
                return EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
        else if (!path)
            path = argv[i];
        else
            return cli_usage(usage, "too many arguments: %s", argv[i]);
    }
    if (!path)
        return cli_usage(usage, "minefield check needs a RECORD.json");
    dm_buf text;
    if (!read_file(path, &text))
        return EXIT_ERROR;
    dm_buf out;
    dm_buf_init(&out, 0);
    if (json) {
        dm_buf_puts(&out, "{\"file\":");
        dm_buf_json_string(&out, path);
        dm_buf_puts(&out, ",\"problems\":[");
    }
    problems pr = {&out, json, path, 0};
    size_t total = 0;
    dm_mf_record rec;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_mf_record_parse_all(text.data, text.len, &rec, on_problem, &pr, &total, &err);
    dm_buf_free(&text);
    int rc = EXIT_DONE;
    if (st == DM_EINVAL) {
        if (json)
            dm_buf_printf(&out, "],\"valid\":false,\"problem_count\":%zu}\n", total);
        else
            dm_buf_printf(&out, "%s: %zu problem%s%s\n", path, total, total == 1 ? "" : "s",
                          total > pr.n ? " (the first 100 shown)" : "");
        rc = EXIT_PARTIAL;
    } else if (st) {
        dm_buf_free(&out);
        return cli_fail(&err);
    } else {
        dm_geo *geo = NULL;
        dm_mf_summary s;
        dm_mf_layout lay = {0};
        st = dm_geo_new(&geo, &err);
        if (!st)
            st = dm_mf_summarise(geo, &rec, margin, &s, &err);
        if (!st)
            st = dm_mf_layout_compute(&rec, &lay, &err);
        dm_geo_free(geo);
        if (st) {
            dm_mf_record_free(&rec);
            dm_buf_free(&out);
            return cli_fail(&err);
        }
        if (json) {
            dm_buf_puts(&out, "],\"warnings\":[");
            pr.n = 0;
            dm_mf_record_warnings(&rec, on_problem, &pr);
            dm_buf_puts(&out, "],\"valid\":true,\"id\":");
            dm_buf_json_string(&out, rec.id);
            dm_buf_printf(&out,
                          ",\"rows\":%zu,\"mines\":%zu,\"scattered\":%zu,\"length_m\":", s.rows,
                          s.mines, s.scattered);
            dm_buf_json_number(&out, round(s.length_m * 1000) / 1000);
            dm_buf_puts(&out, ",\"footprint_area_m2\":");
            dm_buf_json_number(&out, round(s.footprint_area_m2 * 10) / 10);
            dm_buf_puts(&out, ",\"margin_m\":");
            dm_buf_json_number(&out, s.margin_m);
            dm_buf_puts(&out, ",\"by_row\":[");
        } else {
            dm_buf_printf(&out,
                          "%s: valid minefield record%s%s: %zu row%s, %zu mine%s (%zu "
                          "scattered)\n",
                          path, rec.id[0] ? " " : "", rec.id, s.rows, s.rows == 1 ? "" : "s",
                          s.mines, s.mines == 1 ? "" : "s", s.scattered);
            dm_mf_record_warnings(&rec, warn_stderr, (void *)path);
        }
        for (size_t r = 0; r < rec.n_rows; r++) {
            size_t nm = 0;
            for (size_t i = 0; i < lay.n_mines; i++)
                nm += lay.mines[i].row == (int)r;
            double len = dm_mf_row_length_m(&rec, r);
            if (json) {
                dm_buf_puts(&out, r ? ",{\"id\":" : "{\"id\":");
                dm_buf_json_string(&out, rec.rows[r].id);
                dm_buf_printf(&out, ",\"mines\":%zu,\"length_m\":", nm);
                dm_buf_json_number(&out, round(len * 1000) / 1000);
                dm_buf_puts(&out, "}");
            } else {
                dm_buf_printf(&out, "  row %-10s %6zu mines %12.1f m\n", rec.rows[r].id, nm, len);
            }
        }
        if (json)
            dm_buf_puts(&out, "]}\n");
        else
            dm_buf_printf(&out,
                          "  rows' length %.1f m; footprint %.1f m² (rows and scattered mines "
                          "with a %g m margin)\n",
                          s.length_m, s.footprint_area_m2, s.margin_m);
        dm_mf_layout_free(&lay);
        dm_mf_record_free(&rec);
    }
    bool ok = !out.status && cli_write_stdout(out.data);
    dm_buf_free(&out);
    return ok ? rc : EXIT_ERROR;
}

static int render(int argc, char **argv)
{
    const char *path = NULL, *out_path = NULL;
    double margin = DM_MF_DEFAULT_MARGIN_M;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out_path = argv[++i];
        else if (!strcmp(argv[i], "--margin") && i + 1 < argc) {
            if (!parse_metres("--margin", argv[++i], 0, 10000, &margin))
                return EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
        else if (!path)
            path = argv[i];
        else
            return cli_usage(usage, "too many arguments: %s", argv[i]);
    }
    if (!path)
        return cli_usage(usage, "minefield render needs a RECORD.json");
    dm_error err;
    dm_error_clear(&err);
    dm_mf_record rec;
    if (dm_mf_record_load(path, &rec, &err))
        return cli_fail(&err);
    dm_geo *geo = NULL;
    dm_buf out;
    dm_buf_init(&out, 0);
    dm_status st = dm_geo_new(&geo, &err);
    if (!st)
        st = dm_mf_render_geojson(geo, &rec, margin, &out, &err);
    dm_geo_free(geo);
    dm_mf_record_free(&rec);
    int rc = st ? cli_fail(&err) : write_output(out_path, &out) ? EXIT_DONE : EXIT_ERROR;
    dm_buf_free(&out);
    return rc;
}

static void fit_json(dm_buf *b, const dm_mf_prediction_set *set, size_t n_found)
{
    const dm_mf_fit *f = &set->fit;
    dm_buf_printf(b,
                  "{\"predicted\":%zu,\"found\":%zu,\"not_mines\":%zu,\"fit\":{\"dx_m\":", set->n,
                  n_found, set->not_mines);
    dm_buf_json_number(b, f->dx_m);
    dm_buf_puts(b, ",\"dy_m\":");
    dm_buf_json_number(b, f->dy_m);
    dm_buf_puts(b, ",\"rotation_deg\":");
    dm_buf_json_number(b, f->rotation_deg);
    dm_buf_puts(b, ",\"scale\":");
    dm_buf_json_number(b, f->scale);
    dm_buf_puts(b, ",\"rmse_m\":");
    dm_buf_json_number(b, f->rmse_m);
    dm_buf_printf(b, ",\"matched\":%zu,\"confidence\":", f->matched);
    dm_buf_json_number(b, f->confidence);
    dm_mf_alts_json(b, f);
    dm_buf_puts(b, "}}\n");
}

/* Whether the rings (local metres) come within d metres of any of the
 * points (inside, or an edge that near). */
static bool rings_near(const dm_mf_rings *r, const double *pts, size_t n, double d)
{
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t v = 0; v < r->n_vertices; v++) {
        minx = fmin(minx, r->xy[2 * v]);
        maxx = fmax(maxx, r->xy[2 * v]);
        miny = fmin(miny, r->xy[2 * v + 1]);
        maxy = fmax(maxy, r->xy[2 * v + 1]);
    }
    for (size_t i = 0; i < n; i++) {
        double x = pts[2 * i], y = pts[2 * i + 1];
        if (x < minx - d || x > maxx + d || y < miny - d || y > maxy + d)
            continue;
        bool in = false;
        size_t start = 0;
        for (size_t j = 0; j < r->n_rings; j++) {
            size_t end = r->ring_end[j];
            for (size_t v = start; v < end; v++) {
                size_t u = v + 1 < end ? v + 1 : start;
                double ax = r->xy[2 * v], ay = r->xy[2 * v + 1];
                double bx = r->xy[2 * u], by = r->xy[2 * u + 1];
                if ((ay > y) != (by > y) && x < ax + (y - ay) * (bx - ax) / (by - ay))
                    in = !in;
                double ex = bx - ax, ey = by - ay, l2 = ex * ex + ey * ey;
                double t = l2 > 0 ? ((x - ax) * ex + (y - ay) * ey) / l2 : 0;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                if (hypot(ax + t * ex - x, ay + t * ey - y) <= d)
                    return true;
            }
            start = end;
        }
        if (in)
            return true;
    }
    return false;
}

static int predict(int argc, char **argv)
{
    const char *record = NULL, *found = NULL, *layer = NULL, *out_path = NULL, *cleared = NULL;
    const char *pos[2];
    int npos = 0;
    bool json = false;
    double within = 100.0;
    bool has_within = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool next = i + 1 < argc;
        if (!strcmp(a, "--record") && next)
            record = argv[++i];
        else if (!strcmp(a, "--found") && next)
            found = argv[++i];
        else if (!strcmp(a, "--layer") && next)
            layer = argv[++i];
        else if (!strcmp(a, "--cleared") && next)
            cleared = argv[++i];
        else if (!strcmp(a, "--out") && next)
            out_path = argv[++i];
        else if (!strcmp(a, "--json"))
            json = true;
        else if (!strcmp(a, "--within") && next) {
            if (!parse_metres("--within", argv[++i], 0, 100000, &within))
                return EXIT_USAGE;
            has_within = true;
        } else if (a[0] == '-' && a[1])
            return cli_usage(usage, "unknown option or missing value: %s", a);
        else if (npos < 2)
            pos[npos++] = a;
        else
            return cli_usage(usage, "too many arguments: %s", a);
    }
    bool stored = npos > 0;
    if (stored && (npos != 2 || record || found || layer))
        return cli_usage(usage, "minefield predict takes either DATABASE CODE or --record/--found "
                                "files");
    if (!stored && !record && !found)
        return cli_usage(usage, "minefield predict needs --record, --found or DATABASE CODE");
    if (cleared && !record)
        return cli_usage(usage, "--cleared goes with --record");
    if (!stored && has_within)
        return cli_usage(usage, "--within goes with DATABASE CODE");
    if (json && !out_path)
        return cli_usage(usage, "--json prints the fit; it needs --out for the GeoJSON");

    dm_error err;
    dm_error_clear(&err);
    dm_mf_record rec;
    memset(&rec, 0, sizeof rec);
    bool have_rec = false;
    double *lonlat = NULL;
    dm_mf_found_attr *attr = NULL;
    dm_mf_rings rings = {0};
    size_t n = 0;
    dm_status st = DM_OK;
    dm_mf_frame frame;
    dm_mf_prediction_set set;
    memset(&set, 0, sizeof set);
    bool predicted = false; /* a stored record: predicted as the library does */
    if (stored) {
        dm_store *store;
        st = dm_store_open(pos[0], DM_STORE_READ, &store, &err);
        if (!st) {
            st = dm_mf_stored_record(store, pos[1], &rec, &err);
            have_rec = st == DM_OK;
            if (have_rec)
                dm_mf_record_warnings(&rec, warn_stderr, (void *)pos[1]);
            if (!st)
                st = dm_mf_predict_stored(store, &rec, within, &frame, &set, &n, &err);
            predicted = st == DM_OK;
            dm_store_close(store);
        }
    } else {
        if (record) {
            st = dm_mf_record_load(record, &rec, &err);
            have_rec = st == DM_OK;
            if (have_rec)
                dm_mf_record_warnings(&rec, warn_stderr, (void *)record);
        }
        if (!st && found)
            st = dm_mf_found_read(found, layer, &lonlat, &attr, &n, &err);
        if (!st && cleared)
            st = dm_mf_cleared_read(cleared, NULL, &rings, &err);
        if (!st && !record && n == 0)
            st = dm_error_set(&err, DM_EINVAL,
                              "%s has no points: without --record, rows are detected among the "
                              "found mines",
                              found);
    }
    double *xy = NULL;
    if (!st && !predicted) {
        if (have_rec)
            dm_mf_frame_init(&frame, rec.ref_lon, rec.ref_lat);
        else
            dm_mf_frame_init(&frame, lonlat[0], lonlat[1]);
        xy = malloc((n ? n : 1) * 2 * sizeof *xy);
        if (!xy)
            st = dm_error_set(&err, DM_ENOMEM, "out of memory");
        for (size_t i = 0; xy && i < n; i++)
            dm_mf_frame_to_local(&frame, lonlat[2 * i], lonlat[2 * i + 1], &xy[2 * i],
                                 &xy[2 * i + 1]);
    }
    dm_mf_found_info *info = NULL;
    if (!st && !predicted && attr) {
        info = malloc((n ? n : 1) * sizeof *info);
        if (!info)
            st = dm_error_set(&err, DM_ENOMEM, "out of memory");
        for (size_t i = 0; info && i < n; i++)
            info[i] = (dm_mf_found_info){attr[i].category, attr[i].model};
    }
    /* cleared ground in the local frame; from a file it must come near
     * the record's mines or the found items */
    for (size_t v = 0; !st && v < rings.n_vertices; v++) {
        double x, y;
        dm_mf_frame_to_local(&frame, rings.xy[2 * v], rings.xy[2 * v + 1], &x, &y);
        rings.xy[2 * v] = x;
        rings.xy[2 * v + 1] = y;
    }
    if (!st && cleared) {
        dm_mf_layout lay;
        st = dm_mf_layout_compute(&rec, &lay, &err);
        if (!st) {
            double *mxy = malloc((lay.n_mines + 1) * 2 * sizeof *mxy);
            if (!mxy)
                st = dm_error_set(&err, DM_ENOMEM, "out of memory");
            for (size_t i = 0; mxy && i < lay.n_mines; i++) {
                mxy[2 * i] = lay.mines[i].x;
                mxy[2 * i + 1] = lay.mines[i].y;
            }
            if (mxy && !rings_near(&rings, mxy, lay.n_mines, 110.0) &&
                !rings_near(&rings, xy, n, 110.0))
                st = dm_error_set(&err, DM_EINVAL,
                                  "%s: the cleared ground does not overlap the record (nothing "
                                  "within 110 m of its mines or of the found items)",
                                  cleared);
            free(mxy);
            dm_mf_layout_free(&lay);
        }
    }
    dm_mf_predict_opts popts = {.found = info,
                                .cleared_xy = rings.xy,
                                .cleared_ring_end = rings.ring_end,
                                .n_cleared_rings = rings.n_rings};
    if (!st && !predicted)
        st = dm_mf_predict_ex(have_rec ? &rec : NULL, xy, n, &popts, &set, &err);
    dm_buf out;
    dm_buf_init(&out, 0);
    if (!st)
        st = dm_mf_prediction_geojson(have_rec ? &rec : NULL, &frame, &set, &out, &err);
    int rc = EXIT_DONE;
    if (st)
        rc = cli_fail(&err);
    else if (!write_output(out_path, &out))
        rc = EXIT_ERROR;
    else if (out_path) {
        dm_buf_reset(&out);
        if (json) {
            fit_json(&out, &set, n);
            if (out.status || !cli_write_stdout(out.data))
                rc = EXIT_ERROR;
        } else {
            const dm_mf_fit *f = &set.fit;
            fprintf(stderr,
                    "%s: %zu mines predicted from %zu found (%zu not mines by category); fit: "
                    "dx %.1f m, dy %.1f m, rotation %.1f°, scale %.3f, rmse %.1f m, %zu matched, "
                    "confidence %.2f\n",
                    out_path, set.n, n, set.not_mines, f->dx_m, f->dy_m, f->rotation_deg, f->scale,
                    f->rmse_m, f->matched, f->confidence);
        }
    }
    dm_buf_free(&out);
    dm_mf_prediction_set_free(&set);
    free(xy);
    free(lonlat);
    free(attr);
    free(info);
    dm_mf_rings_free(&rings);
    dm_mf_record_free(&rec);
    return rc;
}

int cmd_minefield(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        help();
        return EXIT_DONE;
    }
    if (argc < 2)
        return cli_usage(usage, "minefield needs what to do: check, render or predict");
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return EXIT_DONE;
        }
    if (!strcmp(argv[1], "check"))
        return check(argc - 2, argv + 2);
    if (!strcmp(argv[1], "render"))
        return render(argc - 2, argv + 2);
    if (!strcmp(argv[1], "predict"))
        return predict(argc - 2, argv + 2);
    return cli_usage(usage, "unknown minefield command '%s': check, render or predict", argv[1]);
}
