/* Casualty statistics, the incident locator and the string map.
 *
 * The statistics are checked against a plain recount in the test: random
 * accidents and victims are stored, and every figure is counted again here
 * by looping over what was stored, the slow and obvious way. */
#include "analysis/casualties.h"
#include "analysis/incidents.h"
#include "core/strmap.h"
#include "fixture.h"
#include "harness.h"

#include <stdint.h>

TEST(strmap_interns_and_finds)
{
    dm_strmap m;
    dm_strmap_init(&m);
    CHECK_EQ_INT(dm_strmap_find(&m, "a"), -1);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        long idx;
        int added;
        CHECK(dm_strmap_intern(&m, key, &idx, &added) == DM_OK);
        CHECK_EQ_INT(idx, i);
        CHECK_EQ_INT(added, 1);
    }
    long idx;
    int added;
    CHECK(dm_strmap_intern(&m, "k1234", &idx, &added) == DM_OK);
    CHECK_EQ_INT(idx, 1234);
    CHECK_EQ_INT(added, 0);
    CHECK_EQ_INT(dm_strmap_find(&m, "k4999"), 4999);
    CHECK_EQ_INT(dm_strmap_find(&m, "k5000"), -1);
    CHECK_STR(m.keys[42], "k42");
    dm_strmap_free(&m);
}

TEST(by_parses_dimensions)
{
    dm_cas_dim by[2];
    dm_error err;
    CHECK(dm_cas_by_parse("year", by, &err) == DM_OK && by[0] == DM_CAS_YEAR &&
          by[1] == DM_CAS_NONE);
    CHECK(dm_cas_by_parse("age-group,sex", by, &err) == DM_OK && by[0] == DM_CAS_AGE_GROUP &&
          by[1] == DM_CAS_SEX);
    CHECK(dm_cas_by_parse("yearly", by, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "yearly") != NULL);
    CHECK(dm_cas_by_parse("year,year", by, &err) == DM_EINVAL);
    CHECK(dm_cas_by_parse("year,sex,group", by, &err) == DM_EINVAL);
    CHECK(dm_cas_by_parse("", by, &err) == DM_EINVAL);
}

/* ---- a random registry and its recount ---- */

#define NACC 300
#define NVIC 900

typedef struct truth_acc {
    char code[DM_CODE_MAX];
    char date[11]; /* "" unknown */
    char admin[8];
    const char *state;
} truth_acc;

typedef struct truth_vic {
    int acc; /* -1: names no accident */
    const char *status, *sex, *group, *age_group;
    int age; /* -1 unknown */
    const char *state;
} truth_vic;

static truth_acc accs[NACC];
static truth_vic vics[NVIC];

static uint64_t rng = 88172645463325252u;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *pick(const char *const *v, unsigned n) { return v[rnd(n)]; }

static void fill_store(dm_store *s)
{
    static const char *const states[] = {"approved",  "approved", "approved",
                                         "submitted", "rejected", "draft"};
    static const char *const status[] = {"killed", "injured", "injured", NULL};
    static const char *const sex[] = {"f", "m", "m", "u", NULL};
    static const char *const group[] = {"civilian", "deminer", "military", "unknown", NULL};
    static const char *const agegroup[] = {"child", "adult", NULL};
    dm_error err;
    CHECK(dm_store_begin(s, &err) == DM_OK);
    for (int i = 0; i < NACC; i++) {
        dm_record r;
        dm_record_init(&r, &dm_kind_accidents);
        truth_acc *a = &accs[i];
        a->date[0] = 0;
        if (rnd(10)) {
            snprintf(a->date, sizeof a->date, "%04u-%02u-%02u", 2015 + rnd(8), 1 + rnd(12),
                     1 + rnd(28));
            dm_record_set(&r, "date", a->date, &err);
        }
        a->admin[0] = 0;
        if (rnd(5)) {
            snprintf(a->admin, sizeof a->admin, "AD-%u", 1 + rnd(4));
            dm_record_set(&r, "admin_code", a->admin, &err);
        }
        a->state = pick(states, 6);
        snprintf(r.state, sizeof r.state, "%s", a->state);
        r.geom = fx_wkt(s, "POINT (18 44)");
        CHECK(dm_store_insert(s, &r, "tester", &err) == DM_OK);
        snprintf(a->code, sizeof a->code, "%s", r.code);
        dm_record_clear(&r, dm_store_geo(s));
    }
    for (int i = 0; i < NVIC; i++) {
        dm_record r;
        dm_record_init(&r, &dm_kind_victims);
        truth_vic *v = &vics[i];
        v->acc = rnd(40) ? (int)rnd(NACC) : -1;
        dm_record_set(&r, "accident_code", v->acc >= 0 ? accs[v->acc].code : "IN-9999", &err);
        v->status = pick(status, 4);
        v->sex = pick(sex, 5);
        v->group = pick(group, 5);
        v->age = rnd(4) ? (int)rnd(60) : -1;
        v->age_group = v->age < 0 ? pick(agegroup, 3) : NULL;
        char age[8];
        snprintf(age, sizeof age, "%d", v->age);
        if (v->status)
            dm_record_set(&r, "status", v->status, &err);
        if (v->sex)
            dm_record_set(&r, "sex", v->sex, &err);
        if (v->group)
            dm_record_set(&r, "group", v->group, &err);
        if (v->age >= 0)
            dm_record_set(&r, "age", age, &err);
        if (v->age_group)
            dm_record_set(&r, "age_group", v->age_group, &err);
        v->state = pick(states, 6);
        snprintf(r.state, sizeof r.state, "%s", v->state);
        CHECK(dm_store_insert(s, &r, "tester", &err) == DM_OK);
        dm_record_clear(&r, dm_store_geo(s));
    }
    CHECK(dm_store_commit(s, &err) == DM_OK);
}

static bool counts(const truth_vic *v, bool drafts)
{
    if (!strcmp(v->state, "rejected") || (!drafts && strcmp(v->state, "approved")))
        return false;
    if (v->acc < 0)
        return true;
    const char *as = accs[v->acc].state;
    return strcmp(as, "rejected") && (drafts || !strcmp(as, "approved"));
}

/* The recount of one figure: victims passing `keep`. */
typedef struct recount {
    long casualties, killed, injured, unknown_status, children, adults, unknown_age, female, male,
        unknown_sex, civilian, deminer, military, unknown_group, drafts, incidents;
} recount;

static void recount_add(recount *r, const truth_vic *v)
{
    r->casualties++;
    r->killed += v->status && !strcmp(v->status, "killed");
    r->injured += v->status && !strcmp(v->status, "injured");
    r->unknown_status += !v->status;
    bool child = v->age >= 0 ? v->age < 18 : v->age_group && !strcmp(v->age_group, "child");
    bool adult = v->age >= 0 ? v->age >= 18 : v->age_group && !strcmp(v->age_group, "adult");
    r->children += child;
    r->adults += adult;
    r->unknown_age += !child && !adult;
    r->female += v->sex && !strcmp(v->sex, "f");
    r->male += v->sex && !strcmp(v->sex, "m");
    r->unknown_sex += !v->sex || !strcmp(v->sex, "u");
    r->civilian += v->group && !strcmp(v->group, "civilian");
    r->deminer += v->group && !strcmp(v->group, "deminer");
    r->military += v->group && !strcmp(v->group, "military");
    r->unknown_group += !v->group || !strcmp(v->group, "unknown");
    r->drafts +=
        strcmp(v->state, "approved") || (v->acc >= 0 && strcmp(accs[v->acc].state, "approved"));
}

static void check_counts(const dm_cas_counts *c, const recount *r, const char *what)
{
    if (c->casualties != r->casualties || c->killed != r->killed || c->injured != r->injured ||
        c->unknown_status != r->unknown_status || c->children != r->children ||
        c->adults != r->adults || c->unknown_age != r->unknown_age || c->female != r->female ||
        c->male != r->male || c->unknown_sex != r->unknown_sex || c->civilian != r->civilian ||
        c->deminer != r->deminer || c->military != r->military ||
        c->unknown_group != r->unknown_group || c->drafts != r->drafts ||
        c->incidents != r->incidents) {
        fprintf(stderr,
                "  %s: got casualties %lld killed %lld injured %lld children %lld female %lld "
                "incidents %lld drafts %lld; recount %ld %ld %ld %ld %ld %ld %ld\n",
                what, (long long)c->casualties, (long long)c->killed, (long long)c->injured,
                (long long)c->children, (long long)c->female, (long long)c->incidents,
                (long long)c->drafts, r->casualties, r->killed, r->injured, r->children, r->female,
                r->incidents, r->drafts);
        t_failed_checks++;
    }
}

/* Recount of the victims whose year is `year` (0: all, -1: unknown year),
 * dated within [since, until] when given. */
static recount recount_year(int year, bool drafts, const char *since, const char *until)
{
    recount r;
    memset(&r, 0, sizeof r);
    static bool seen[NACC];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < NVIC; i++) {
        const truth_vic *v = &vics[i];
        if (!counts(v, drafts))
            continue;
        const char *date = v->acc >= 0 ? accs[v->acc].date : "";
        if ((since || until) && !date[0])
            continue;
        if (since && strcmp(date, since) < 0)
            continue;
        if (until && strcmp(date, until) > 0)
            continue;
        int y = date[0] ? atoi(date) : -1;
        if (year && y != year)
            continue;
        recount_add(&r, v);
        if (v->acc >= 0 && !seen[v->acc]) {
            seen[v->acc] = true;
            r.incidents++;
        }
    }
    return r;
}

static void check_by_year(dm_store *s, bool drafts, const char *since, const char *until,
                          bool no_cache)
{
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    o.by[0] = DM_CAS_YEAR;
    o.include_drafts = drafts;
    o.no_cache = no_cache;
    if (since)
        snprintf(o.since, sizeof o.since, "%s", since);
    if (until)
        snprintf(o.until, sizeof o.until, "%s", until);
    dm_casualties c;
    dm_error err;
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_OK);
    recount total = recount_year(0, drafts, since, until);
    check_counts(&c.total, &total, "total");
    long sum = 0;
    for (size_t g = 0; g < c.ngroups; g++) {
        int year = strcmp(c.groups[g].key, "unknown") ? atoi(c.groups[g].key) : -1;
        recount r = recount_year(year, drafts, since, until);
        check_counts(&c.groups[g].c, &r, c.groups[g].key);
        sum += c.groups[g].c.casualties;
        if (g + 1 < c.ngroups && strcmp(c.groups[g + 1].key, "unknown"))
            CHECK(strcmp(c.groups[g].key, c.groups[g + 1].key) < 0);
    }
    CHECK_EQ_INT(sum, total.casualties);
    dm_casualties_free(&c);
}

TEST(figures_equal_a_plain_recount)
{
    dm_store *s = fx_new_store();
    CHECK(s != NULL);
    if (!s)
        return;
    fill_store(s);
    for (int cached = 0; cached < 2; cached++) {
        check_by_year(s, false, NULL, NULL, !cached);
        check_by_year(s, true, NULL, NULL, !cached);
        check_by_year(s, false, "2017-01-01", "2019-12-31", !cached);
        check_by_year(s, true, "2018-06-15", NULL, !cached);
        check_by_year(s, false, NULL, "2016-02-29", !cached);
    }
    fx_done(s);
}

TEST(crossed_groups_add_up_and_list_their_records)
{
    dm_store *s = fx_new_store();
    CHECK(s != NULL);
    if (!s)
        return;
    fill_store(s);
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    o.by[0] = DM_CAS_ADMIN;
    o.by[1] = DM_CAS_SEX;
    o.list = true;
    dm_casualties c;
    dm_error err;
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_OK);
    int64_t sum = 0;
    size_t listed = 0;
    for (size_t g = 0; g < c.ngroups; g++) {
        sum += c.groups[g].c.casualties;
        CHECK_EQ_INT(c.groups[g].victims.n, c.groups[g].c.casualties);
        CHECK_EQ_INT(c.groups[g].incidents.n, c.groups[g].c.incidents);
        listed += c.groups[g].victims.n;
        /* the key is the two keys joined */
        char joined[600];
        snprintf(joined, sizeof joined, "%s|%s", c.groups[g].keys[0], c.groups[g].keys[1]);
        CHECK_STR(c.groups[g].key, joined);
    }
    CHECK_EQ_INT(sum, c.total.casualties);
    CHECK_EQ_INT(listed, c.victims.n);
    /* by sex alone: female + male + unknown = casualties */
    CHECK_EQ_INT(c.total.female + c.total.male + c.total.unknown_sex, c.total.casualties);
    CHECK_EQ_INT(c.total.killed + c.total.injured + c.total.unknown_status, c.total.casualties);
    CHECK_EQ_INT(c.total.children + c.total.adults + c.total.unknown_age, c.total.casualties);
    dm_casualties_free(&c);
    fx_done(s);
}

TEST(a_change_makes_the_stored_summary_stale)
{
    dm_store *s = fx_new_store();
    CHECK(s != NULL);
    if (!s)
        return;
    fill_store(s);
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    dm_casualties a, b, c;
    dm_error err;
    CHECK(dm_casualties_compute(s, &o, &a, &err) == DM_OK);
    CHECK(dm_casualties_compute(s, &o, &b, &err) == DM_OK);
    CHECK(b.from_cache);
    CHECK_EQ_INT(b.total.casualties, a.total.casualties);
    CHECK_EQ_INT(b.total.incidents, a.total.incidents);
    /* one more approved victim of an approved accident */
    int acc = -1;
    for (int i = 0; i < NACC && acc < 0; i++)
        if (!strcmp(accs[i].state, "approved"))
            acc = i;
    dm_record r;
    dm_record_init(&r, &dm_kind_victims);
    dm_record_set(&r, "accident_code", accs[acc].code, &err);
    dm_record_set(&r, "status", "killed", &err);
    CHECK(dm_store_begin(s, &err) == DM_OK);
    CHECK(dm_store_insert(s, &r, "tester", &err) == DM_OK);
    CHECK(dm_store_commit(s, &err) == DM_OK);
    dm_record_clear(&r, dm_store_geo(s));
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_OK);
    CHECK(!c.from_cache);
    CHECK_EQ_INT(c.total.casualties, a.total.casualties + 1);
    CHECK_EQ_INT(c.total.killed, a.total.killed + 1);
    dm_casualties_free(&a);
    dm_casualties_free(&b);
    dm_casualties_free(&c);
    fx_done(s);
}

TEST(bad_limits_are_refused)
{
    dm_store *s = fx_new_store();
    CHECK(s != NULL);
    if (!s)
        return;
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    snprintf(o.since, sizeof o.since, "2021-02-30");
    dm_casualties c;
    dm_error err;
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "--since") != NULL);
    snprintf(o.since, sizeof o.since, "2021-03-01");
    snprintf(o.until, sizeof o.until, "2021-02-01");
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_EINVAL);
    /* an empty registry: zeros, no groups */
    memset(&o, 0, sizeof o);
    o.by[0] = DM_CAS_MONTH;
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_OK);
    CHECK_EQ_INT(c.total.casualties, 0);
    CHECK_EQ_INT(c.ngroups, 0);
    dm_casualties_free(&c);
    fx_done(s);
}

/* ---- small cells ---- */

/* A hand-made answer by=(A, B) from a table of counts (0 = no group). */
static void make_table(dm_casualties *c, dm_cas_dim a, dm_cas_dim b, const char *const *ka,
                       size_t na, const char *const *kb, size_t nb, const int *counts)
{
    memset(c, 0, sizeof *c);
    c->opts.by[0] = a;
    c->opts.by[1] = b;
    c->groups = calloc(na * nb, sizeof *c->groups);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            int n = counts[i * nb + j];
            c->total.casualties += n;
            if (!n)
                continue;
            dm_cas_group *g = &c->groups[c->ngroups++];
            snprintf(g->keys[0], sizeof g->keys[0], "%s", ka[i]);
            snprintf(g->keys[1], sizeof g->keys[1], "%s", b ? kb[j] : "");
            snprintf(g->key, sizeof g->key, "%s%s%s", ka[i], b ? "|" : "", b ? kb[j] : "");
            g->c.casualties = n;
        }
}

static bool hidden(const dm_casualties *c, const char *key)
{
    for (size_t i = 0; i < c->ngroups; i++)
        if (!strcmp(c->groups[i].key, key))
            return c->groups[i].suppressed;
    return false;
}

TEST(small_cells_are_suppressed_with_a_partner)
{
    dm_error err;
    dm_casualties c;
    /* one dimension: 1 is hidden, and the smallest other group (5) with it,
       or 1 = total - the rest; 9 and 12 stay; the total stays */
    static const char *const adm[] = {"A", "B", "C", "D"};
    static const int one[] = {1, 9, 5, 12};
    make_table(&c, DM_CAS_ADMIN, DM_CAS_NONE, adm, 4, NULL, 1, one);
    CHECK(dm_casualties_protect(&c, 3, &err) == DM_OK);
    CHECK(hidden(&c, "A") && hidden(&c, "C") && !hidden(&c, "B") && !hidden(&c, "D"));
    CHECK_EQ_INT(c.nsuppressed, 2);
    CHECK(!c.total_suppressed);
    dm_casualties_free(&c);
    /* two groups of 1: together 2 < 3 and one each, so a third goes too */
    static const int ones[] = {1, 1, 7, 4};
    make_table(&c, DM_CAS_ADMIN, DM_CAS_NONE, adm, 4, NULL, 1, ones);
    CHECK(dm_casualties_protect(&c, 3, &err) == DM_OK);
    CHECK(hidden(&c, "A") && hidden(&c, "B") && hidden(&c, "D") && !hidden(&c, "C"));
    dm_casualties_free(&c);
    /* min_cell 1: nothing */
    make_table(&c, DM_CAS_ADMIN, DM_CAS_NONE, adm, 4, NULL, 1, ones);
    CHECK(dm_casualties_protect(&c, 1, &err) == DM_OK);
    CHECK_EQ_INT(c.nsuppressed, 0);
    dm_casualties_free(&c);
    /* a total of 2 is itself a small cell */
    static const int tiny[] = {2, 0, 0, 0};
    make_table(&c, DM_CAS_ADMIN, DM_CAS_NONE, adm, 4, NULL, 1, tiny);
    CHECK(dm_casualties_protect(&c, 3, &err) == DM_OK);
    CHECK(c.total_suppressed && hidden(&c, "A"));
    dm_buf b;
    dm_buf_init(&b, 0);
    CHECK(dm_casualties_json(&c, &b) == DM_OK);
    CHECK(strstr(b.data, "\"min_cell\": 3, \"suppressed\": true") != NULL);
    CHECK(strstr(b.data, "\"suppressed\": true, \"casualties\": null") != NULL);
    dm_buf_free(&b);
    dm_casualties_free(&c);
    /* two dimensions, month by admin: every row, column and month-of-a-year
       column with a hidden group has at least two, not all ones, at least 3 */
    static const char *const months[] = {"2020-01", "2020-02", "2021-01", "2021-02"};
    static const char *const adm3[] = {"A", "B", "C"};
    static const int cross[] = {
        1, 6, 8, /* 2020-01 */
        4, 7, 9, /* 2020-02 */
        5, 2, 6, /* 2021-01 */
        9, 8, 3, /* 2021-02 */
    };
    make_table(&c, DM_CAS_MONTH, DM_CAS_ADMIN, months, 4, adm3, 3, cross);
    CHECK(dm_casualties_protect(&c, 3, &err) == DM_OK);
    for (size_t i = 0; i < c.ngroups; i++)
        CHECK(c.groups[i].suppressed || c.groups[i].c.casualties >= 3);
    /* the lines: rows (a month), columns (an admin area), columns within a year */
    for (int kind = 0; kind < 3; kind++)
        for (size_t l = 0; l < 4; l++) {
            int k = 0, sum = 0, shown = 0;
            for (size_t i = 0; i < c.ngroups; i++) {
                const dm_cas_group *g = &c.groups[i];
                bool in = kind == 0   ? !strcmp(g->keys[0], months[l])
                          : kind == 1 ? l < 3 && !strcmp(g->keys[1], adm3[l])
                                      : l < 3 && !strcmp(g->keys[1], adm3[l]) &&
                                            !strncmp(g->keys[0], "2020", 4);
                if (!in)
                    continue;
                if (g->suppressed)
                    k++, sum += (int)g->c.casualties;
                else
                    shown++;
            }
            if (k && shown)
                CHECK(k >= 2 && sum >= 3 && sum > k);
        }
    CHECK(hidden(&c, "2020-01|A") && hidden(&c, "2021-01|B"));
    /* A in 2020 is 1 + 4: 2020-02|A goes with 2020-01|A */
    CHECK(hidden(&c, "2020-02|A"));
    dm_casualties_free(&c);
}

TEST(small_cells_list_no_records)
{
    dm_store *s = fx_new_store();
    CHECK(s != NULL);
    if (!s)
        return;
    fill_store(s);
    dm_cas_opts o;
    memset(&o, 0, sizeof o);
    o.by[0] = DM_CAS_ADMIN;
    o.by[1] = DM_CAS_SEX;
    o.list = true;
    dm_casualties c, e;
    dm_error err;
    CHECK(dm_casualties_compute(s, &o, &e, &err) == DM_OK);
    /* a threshold just above the smallest group */
    int64_t least = INT64_MAX;
    for (size_t g = 0; g < e.ngroups; g++)
        if (e.groups[g].c.casualties < least)
            least = e.groups[g].c.casualties;
    int min_cell = (int)least + 1;
    o.min_cell = min_cell;
    CHECK(dm_casualties_compute(s, &o, &c, &err) == DM_OK);
    CHECK_EQ_INT(c.total.casualties, e.total.casualties);
    CHECK_EQ_INT(c.ngroups, e.ngroups);
    size_t small = 0;
    for (size_t g = 0; g < c.ngroups; g++) {
        small += e.groups[g].c.casualties < min_cell;
        if (c.groups[g].suppressed) {
            CHECK_EQ_INT(c.groups[g].victims.n, 0);
            CHECK_EQ_INT(c.groups[g].incidents.n, 0);
        } else {
            CHECK(c.groups[g].c.casualties >= min_cell);
            CHECK_EQ_INT(c.groups[g].victims.n, e.groups[g].victims.n);
        }
    }
    CHECK(small > 0);
    CHECK(c.nsuppressed >= small);
    int n;
    CHECK(dm_cas_min_cell_parse("5", &n, &err) == DM_OK && n == 5);
    CHECK(dm_cas_min_cell_parse("0", &n, &err) == DM_EINVAL);
    CHECK(dm_cas_min_cell_parse("3x", &n, &err) == DM_EINVAL);
    dm_casualties_free(&c);
    dm_casualties_free(&e);
    fx_done(s);
}

/* ---- the locator ---- */

static void insert_geom(dm_store *s, const dm_kind *k, const char *wkt, const char *name)
{
    dm_record r;
    dm_record_init(&r, k);
    dm_error err;
    if (name)
        dm_record_set(&r, "name", name, &err);
    if (k == &dm_kind_hazards)
        dm_record_set(&r, "status", "CHA", &err);
    GEOSGeometry *g = fx_wkt(s, wkt);
    if (k->geom == DM_GEOM_POLYGON) {
        r.geom = dm_geo_polygonal(dm_store_geo(s), g);
        dm_geo_destroy(dm_store_geo(s), g);
    } else {
        r.geom = g;
    }
    CHECK(dm_store_insert(s, &r, "tester", &err) == DM_OK);
    dm_record_clear(&r, dm_store_geo(s));
}

TEST(locator_finds_area_settlement_and_hazard)
{
    dm_store *s = fx_new_store();
    CHECK(s != NULL);
    if (!s)
        return;
    dm_error err;
    CHECK(dm_store_begin(s, &err) == DM_OK);
    insert_geom(s, &dm_kind_admin_areas, "POLYGON ((18 44, 18.5 44, 18.5 44.5, 18 44.5, 18 44))",
                "West"); /* AD-0001 */
    insert_geom(s, &dm_kind_admin_areas, "POLYGON ((18.5 44, 19 44, 19 44.5, 18.5 44.5, 18.5 44))",
                "East");                                                  /* AD-0002 */
    insert_geom(s, &dm_kind_settlements, "POINT (18.2 44.2)", "Near");    /* ST-0001 */
    insert_geom(s, &dm_kind_settlements, "POINT (18.3 44.2)", "Farther"); /* ST-0002 */
    /* a hazard 0.001° wide: its east edge at 18.101 */
    insert_geom(s, &dm_kind_hazards,
                "POLYGON ((18.1 44.1, 18.101 44.1, 18.101 44.101, 18.1 44.101, 18.1 44.1))",
                NULL); /* HA-0001 */
    CHECK(dm_store_commit(s, &err) == DM_OK);
    dm_incident_locator *loc;
    CHECK(dm_incident_locator_new(s, 5000, 100, &loc, &err) == DM_OK);
    char a[DM_CODE_MAX], st[DM_CODE_MAX], h[DM_CODE_MAX];
    CHECK(dm_incident_locate(loc, 18.21, 44.2, a, st, h, &err) == DM_OK);
    CHECK_STR(a, "AD-0001");
    CHECK_STR(st, "ST-0001");
    CHECK_STR(h, "");
    CHECK(dm_incident_locate(loc, 18.7, 44.2, a, st, h, &err) == DM_OK);
    CHECK_STR(a, "AD-0002");
    CHECK_STR(st, ""); /* the nearest settlement is 31 km away */
    CHECK(dm_incident_locate(loc, 17.5, 44.2, a, st, h, &err) == DM_OK);
    CHECK_STR(a, "");
    /* inside the hazard */
    CHECK(dm_incident_locate(loc, 18.1005, 44.1005, a, st, h, &err) == DM_OK);
    CHECK_STR(h, "HA-0001");
    /* east of it: 0.001° of longitude at 44.1° N is about 80 m; 50 m and
       150 m from the edge */
    double m_per_deg = dm_geo_distance_m(18.101, 44.1005, 18.102, 44.1005) / 0.001;
    CHECK(dm_incident_locate(loc, 18.101 + 50 / m_per_deg, 44.1005, a, st, h, &err) == DM_OK);
    CHECK_STR(h, "HA-0001");
    CHECK(dm_incident_locate(loc, 18.101 + 150 / m_per_deg, 44.1005, a, st, h, &err) == DM_OK);
    CHECK_STR(h, "");
    /* north of it: a degree of latitude is longer than one of longitude */
    double m_per_deg_lat = dm_geo_distance_m(18.1005, 44.101, 18.1005, 44.102) / 0.001;
    CHECK(dm_incident_locate(loc, 18.1005, 44.101 + 95 / m_per_deg_lat, a, st, h, &err) == DM_OK);
    CHECK_STR(h, "HA-0001");
    CHECK(dm_incident_locate(loc, 18.1005, 44.101 + 105 / m_per_deg_lat, a, st, h, &err) == DM_OK);
    CHECK_STR(h, "");
    CHECK(dm_incident_locate(loc, 200, 44, a, st, h, &err) == DM_EINVAL);
    dm_incident_locator_free(loc);
    fx_done(s);
}

RUN({"strmap_interns_and_finds", strmap_interns_and_finds},
    {"by_parses_dimensions", by_parses_dimensions},
    {"figures_equal_a_plain_recount", figures_equal_a_plain_recount},
    {"crossed_groups_add_up_and_list_their_records", crossed_groups_add_up_and_list_their_records},
    {"a_change_makes_the_stored_summary_stale", a_change_makes_the_stored_summary_stale},
    {"bad_limits_are_refused", bad_limits_are_refused},
    {"small_cells_are_suppressed_with_a_partner", small_cells_are_suppressed_with_a_partner},
    {"small_cells_list_no_records", small_cells_list_no_records},
    {"locator_finds_area_settlement_and_hazard", locator_finds_area_settlement_and_hazard})
