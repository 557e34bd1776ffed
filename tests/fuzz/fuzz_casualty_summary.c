/* fuzz_casualty_summary: the reader of the casualty summary kept in a
 * database (analysis/casualties.c), fed arbitrary bytes.
 *
 * The summary is data on disk like any other: another program, a damaged
 * disk or an older build may have written it. Once, a database with a few
 * accidents and victims is made in a temporary folder. Per input: the input
 * is put as the summary under the current stamp (dm_store_cache_put), then
 * the figures are computed in total, by year, by admin area and sex, and
 * with date limits. Invariants:
 *   - every computation succeeds (a summary that cannot be read is set
 *     aside and the figures come from the records);
 *   - figures that did not come from the summary equal the figures from the
 *     records (--no-cache);
 *   - in any case the counts add up: killed + injured + unknown status =
 *     casualties, and the groups' casualties sum to the total.
 * ASan and UBSan catch reads past a buffer, a dictionary or a table.
 */
#include "analysis/casualties.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static dm_store *store;
static char dir[512], db[600];

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_casualty_summary: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

static void add(const dm_kind *k, const char *const *kv, const char *state, double lon,
                double lat)
{
    dm_record r;
    dm_record_init(&r, k);
    dm_error err;
    for (size_t i = 0; kv[i]; i += 2)
        if (dm_record_set(&r, kv[i], kv[i + 1], &err))
            die("setting a field", err.msg);
    snprintf(r.state, sizeof r.state, "%s", state);
    if (k->geom == DM_GEOM_POINT) {
        GEOSContextHandle_t h = dm_geo_handle(dm_store_geo(store));
        r.geom = GEOSGeom_createPointFromXY_r(h, lon, lat);
    }
    if (dm_store_insert(store, &r, "fuzz", &err))
        die("inserting", err.msg);
    dm_record_clear(&r, dm_store_geo(store));
}

static void cleanup(void)
{
    dm_store_close(store);
    dm_error ignored;
    dm_store_remove(db, &ignored);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz-summary-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir))
        die("cannot make a temporary folder", dir);
    snprintf(db, sizeof db, "%s/s.gpkg", dir);
    dm_error err;
    if (dm_store_create(db, "fuzz", &store, &err))
        die("creating a database", err.msg);
    if (dm_store_begin(store, &err))
        die("begin", err.msg);
    const char *a1[] = {"date", "2019-05-01", "admin_code", "AD-1", "activity", "farming",
                        "device_category", "AP", "demining", "0", NULL};
    const char *a2[] = {"date", "2021-03-07", "admin_code", "AD-2", "settlement_code", "ST-1",
                        "device_category", "UXO", NULL};
    const char *a3[] = {"admin_code", "AD-1", NULL};
    add(&dm_kind_accidents, a1, "approved", 18.1, 44.1);
    add(&dm_kind_accidents, a2, "approved", 18.2, 44.2);
    add(&dm_kind_accidents, a3, "submitted", 18.3, 44.3);
    const char *v1[] = {"accident_code", "IN-0001", "status", "killed", "sex", "m", "age", "34",
                        NULL};
    const char *v2[] = {"accident_code", "IN-0001", "status", "injured", "sex", "f", "age", "9",
                        "group", "civilian", NULL};
    const char *v3[] = {"accident_code", "IN-0002", "age_group", "child", "group", "deminer", NULL};
    const char *v4[] = {"accident_code", "IN-0003", "status", "injured", NULL};
    const char *v5[] = {"accident_code", "IN-0404", "sex", "u", NULL};
    add(&dm_kind_victims, v1, "approved", 0, 0);
    add(&dm_kind_victims, v2, "approved", 0, 0);
    add(&dm_kind_victims, v3, "draft", 0, 0);
    add(&dm_kind_victims, v4, "approved", 0, 0);
    add(&dm_kind_victims, v5, "approved", 0, 0);
    if (dm_store_commit(store, &err))
        die("commit", err.msg);
    atexit(cleanup);
    return 0;
}

static void same_counts(const dm_cas_counts *a, const dm_cas_counts *b, const char *what)
{
    if (memcmp(a, b, sizeof *a))
        die("figures not from the summary differ from the records'", what);
}

static void run(const dm_cas_opts *base, const char *what)
{
    dm_cas_opts o = *base, plain = *base;
    plain.no_cache = true;
    dm_casualties got, want;
    dm_error err;
    if (dm_casualties_compute(store, &o, &got, &err))
        die("computing from a damaged summary failed", err.msg);
    if (dm_casualties_compute(store, &plain, &want, &err))
        die("computing from the records failed", err.msg);
    const dm_cas_counts *t = &got.total;
    if (t->killed + t->injured + t->unknown_status != t->casualties)
        die("status counts do not add up", what);
    int64_t sum = 0;
    for (size_t i = 0; i < got.ngroups; i++)
        sum += got.groups[i].c.casualties;
    if (got.ngroups && sum != t->casualties)
        die("groups do not add up to the total", what);
    if (!got.from_cache) {
        same_counts(&got.total, &want.total, what);
        if (got.ngroups != want.ngroups)
            die("a different number of groups than from the records", what);
    }
    dm_casualties_free(&got);
    dm_casualties_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const dm_kind *const kinds[] = {&dm_kind_accidents, &dm_kind_victims};
    char stamp[DM_STAMP_MAX];
    dm_error err;
    if (dm_store_stamp(store, kinds, 2, stamp, &err) || !stamp[0])
        die("no stamp", err.msg);
    if (dm_store_cache_put(store, "casualty-facts", stamp, data, size, &err))
        die("putting the summary", err.msg);
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    run(&o, "total");
    o.by[0] = DM_CAS_YEAR;
    run(&o, "by year");
    o.by[0] = DM_CAS_ADMIN;
    o.by[1] = DM_CAS_SEX;
    run(&o, "by admin, sex");
    o.by[0] = DM_CAS_DEVICE;
    o.by[1] = DM_CAS_SETTLEMENT;
    snprintf(o.since, sizeof o.since, "2020-01-01");
    run(&o, "by device, settlement since 2020");
    memset(&o, 0, sizeof o);
    o.by[0] = DM_CAS_ACTIVITY;
    o.by[1] = DM_CAS_DEMINING;
    snprintf(o.until, sizeof o.until, "2020-12-31");
    run(&o, "by activity, demining until 2020");
    return 0;
}
