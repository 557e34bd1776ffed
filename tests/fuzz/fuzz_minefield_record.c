/* fuzz_minefield_record: dm_mf_record_parse on arbitrary text, then the
 * layout and the footprint of what it accepts.
 *
 * Checks: parsing never crashes, leaks or reads past the text; a failure
 * sets an error message and leaves the record empty; parse_all agrees with
 * parse and reports at least one problem exactly when parsing fails; an
 * accepted record keeps within the documented limits (bearings 0-360,
 * distances, counts, spacing no longer than its row, unique ids) and its
 * layout has as many mines as the record puts down, all finite.
 */
#include "analysis/minefield.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_minefield_record: %s\n", why);
    abort();
}

static void count_problem(const char *msg, void *ctx)
{
    if (!msg || !*msg)
        fail("an empty problem message");
    (*(size_t *)ctx)++;
}

static void check_leg(const dm_mf_leg *l, bool zero_ok)
{
    if (!(l->bearing_deg >= 0 && l->bearing_deg <= 360))
        fail("accepted a bearing outside 0-360");
    if (!(l->distance >= 0 && l->distance <= DM_MF_MAX_DISTANCE) || (!zero_ok && l->distance == 0))
        fail("accepted a bad distance");
}

static dm_geo *geo;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dm_mf_record rec;
    dm_error err;
    dm_error_clear(&err);
    dm_status st = dm_mf_record_parse((const char *)data, size, &rec, &err);
    size_t problems = 0, total = 0;
    dm_mf_record rec2;
    dm_status st2 = dm_mf_record_parse_all((const char *)data, size, &rec2, count_problem,
                                           &problems, &total, NULL);
    if ((st == DM_OK) != (st2 == DM_OK))
        fail("parse and parse_all disagree");
    if ((st2 == DM_OK) != (problems == 0) || problems != (total < 100 ? total : 100))
        fail("parse_all's problems do not match its result");
    if (st2 == DM_OK)
        dm_mf_record_free(&rec2);
    if (st != DM_OK) {
        if (err.code != st || !err.msg[0] || !memchr(err.msg, '\0', sizeof err.msg))
            fail("failure without a proper error message");
        if (rec.rows || rec.mines || rec.n_rows || rec.n_mines)
            fail("failure left a record behind");
        return 0;
    }
    if (rec.n_rows + rec.n_mines == 0)
        fail("accepted a record without rows or mines");
    if (!(rec.ref_lat >= -DM_MF_MAX_ABS_LAT && rec.ref_lat <= DM_MF_MAX_ABS_LAT) ||
        !(rec.ref_lon >= -180 && rec.ref_lon <= 180))
        fail("accepted a bad reference point");
    if (rec.unit == DM_MF_PACES && !(rec.pace_m > 0 && rec.pace_m <= DM_MF_MAX_PACE_M))
        fail("accepted a bad pace");
    double expect = (double)rec.n_mines;
    for (size_t r = 0; r < rec.n_rows; r++) {
        const dm_mf_row *row = &rec.rows[r];
        if (!row->id[0] || row->n_legs == 0 || (row->count > 0) == (row->spacing > 0))
            fail("accepted a row without id, legs, or one of count and spacing");
        check_leg(&row->start, true);
        double len = 0;
        for (size_t k = 0; k < row->n_legs; k++) {
            check_leg(&row->legs[k], false);
            len += row->legs[k].distance;
        }
        if (row->spacing > len * (1 + 1e-9))
            fail("accepted a spacing longer than its row");
        for (size_t j = 0; j < r; j++)
            if (!strcmp(row->id, rec.rows[j].id))
                fail("accepted duplicate row ids");
        expect += row->count > 0 ? row->count : floor(len / row->spacing + 1e-9) + 1;
    }
    for (size_t m = 0; m < rec.n_mines; m++)
        check_leg(&rec.mines[m].at, true);
    if (expect > DM_MF_MAX_MINES)
        fail("accepted more mines than the limit");

    size_t nw = dm_mf_record_warnings(&rec, NULL, NULL);
    if (nw != (size_t)(rec.unit == DM_MF_METRES && rec.pace_m > 0) +
                  (size_t)(rec.bearing_ref == DM_MF_GRID && rec.declination_deg != 0))
        fail("warnings that do not match the record");
    dm_mf_layout lay;
    if (dm_mf_layout_compute(&rec, &lay, &err) != DM_OK)
        fail("no layout for an accepted record");
    /* a found item's category and model from the start of the input */
    char cat[40] = "", model[40] = "";
    size_t k = size < sizeof cat - 1 ? size : sizeof cat - 1;
    memcpy(cat, data, k);
    cat[k] = 0;
    if (size > k)
        snprintf(model, sizeof model, "%.*s", (int)(size - k < 39 ? size - k : 39),
                 (const char *)data + k);
    char canon[64];
    dm_mf_item_class kc = dm_mf_item_category(cat, canon, sizeof canon);
    if (kc < DM_MF_ITEM_NOT_MINE || kc > DM_MF_ITEM_MINE || !memchr(canon, 0, sizeof canon))
        fail("a category class out of range");
    dm_mf_found_info info = {cat, model};
    for (size_t i = 0; i < lay.n_mines && i < 4; i++)
        (void)dm_mf_item_may_be(&rec, &lay.mines[i], &info);
    for (size_t i = 0; i < lay.n_mines; i++)
        if (!isfinite(lay.mines[i].x) || !isfinite(lay.mines[i].y))
            fail("a mine that is not finite");
    if (!geo && dm_geo_new(&geo, NULL))
        fail("no geometry context");
    GEOSGeometry *fp = NULL;
    if (dm_mf_footprint(geo, &rec, &lay, DM_MF_DEFAULT_MARGIN_M, &fp, &err) != DM_OK)
        fail("no footprint for an accepted record");
    GEOSGeom_destroy_r(dm_geo_handle(geo), fp);
    dm_mf_layout_free(&lay);
    dm_mf_record_free(&rec);
    return 0;
}
