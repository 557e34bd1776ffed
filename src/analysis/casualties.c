/* Casualty statistics: see casualties.h for the definitions.
 *
 * The records are reduced to compact facts: one per accident (date as
 * yyyymmdd, dictionary indices of its admin area, settlement and activity,
 * device, demining, approved) and one per victim (its accident's index and
 * small codes for status, sex, age class, group and draft), the victims
 * sorted by accident so that the distinct incidents behind a figure can be
 * counted in one pass. These facts are kept in the store as a summary tied
 * to the stamp of the accidents and victims tables (dm_store_stamp); the
 * next query streams the summary instead of reading a million records, and
 * any change to either table, by demine or another program, makes it stale.
 */
#include "analysis/casualties.h"

#include "core/date.h"
#include "core/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_ACC UINT32_MAX

enum { DICT_ADMIN, DICT_SETTLEMENT, DICT_ACTIVITY, NDICT };

/* An accident, reduced to what the figures need. */
typedef struct acc_fact {
    int32_t date;         /* yyyymmdd, 0 = unknown */
    uint32_t dict[NDICT]; /* admin, settlement, activity: dictionary index + 1, 0 = unknown */
    uint8_t device;       /* index in the device_category list + 1, 0 = unknown */
    uint8_t demining;     /* 1 yes, 2 no, 0 unknown */
    uint8_t approved;     /* 1 when approved */
    uint8_t pad;
} acc_fact;

/* A victim, reduced: status, sex, age class, group and draft in `bits`. */
typedef struct vic_fact {
    uint32_t acc; /* accident index, NO_ACC = no accident on record */
    uint16_t bits;
    uint16_t pad;
} vic_fact;

#define V_STATUS(b) ((b)&3u)         /* 1 killed, 2 injured, 0 unknown */
#define V_SEX(b) (((b) >> 2) & 3u)   /* 1 f, 2 m, 0 unknown */
#define V_AGE(b) (((b) >> 4) & 3u)   /* 1 child, 2 adult, 0 unknown */
#define V_GROUP(b) (((b) >> 6) & 3u) /* 1 civilian, 2 deminer, 3 military, 0 unknown */
#define V_DRAFT(b) (((b) >> 8) & 1u) /* the victim is not approved */

/* Everything read from the records (or the summary). */
typedef struct facts {
    acc_fact *acc;
    size_t nacc, capacc;
    vic_fact *vic;
    size_t nvic, capvic;
    dm_strmap dict[NDICT];
    dm_strmap acc_codes;               /* accident codes by index (from records only) */
    char (*victim_codes)[DM_CODE_MAX]; /* list mode: code of vic[i] */
} facts;

static const char *const dim_names[DM_CAS_NDIMS] = {
    "total",     "year",  "month",    "admin",  "settlement", "sex",
    "age-group", "group", "activity", "device", "status",     "demining"};

dm_status dm_cas_min_cell_parse(const char *s, int *out, dm_error *err)
{
    char *end;
    long n = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || n < 1 || n > 1000)
        return dm_error_set(err, DM_EINVAL,
                            "--min-cell '%.40s' is not a whole number from 1 to 1000 (the "
                            "smallest number of casualties a figure may show; 1 shows all)",
                            s ? s : "");
    *out = (int)n;
    return DM_OK;
}

const char *dm_cas_dim_name(dm_cas_dim d) { return d < DM_CAS_NDIMS ? dim_names[d] : "?"; }

static dm_status parse_dim(const char *s, size_t len, dm_cas_dim *out, dm_error *err)
{
    for (int d = DM_CAS_YEAR; d < DM_CAS_NDIMS; d++)
        if (strlen(dim_names[d]) == len && !strncmp(s, dim_names[d], len)) {
            *out = (dm_cas_dim)d;
            return DM_OK;
        }
    if (len == 9 && !strncmp(s, "age_group", len)) {
        *out = DM_CAS_AGE_GROUP;
        return DM_OK;
    }
    return dm_error_set(err, DM_EINVAL,
                        "--by '%.*s' is not a dimension: year, month, admin, settlement, sex, "
                        "age-group, group, activity, device, status or demining, or two of them "
                        "crossed (year,sex)",
                        (int)(len > 64 ? 64 : len), s);
}

dm_status dm_cas_by_parse(const char *s, dm_cas_dim by[2], dm_error *err)
{
    by[0] = by[1] = DM_CAS_NONE;
    const char *comma = strchr(s, ',');
    dm_status st = parse_dim(s, comma ? (size_t)(comma - s) : strlen(s), &by[0], err);
    if (!st && comma) {
        if (strchr(comma + 1, ','))
            return dm_error_set(err, DM_EINVAL, "--by takes at most two dimensions, not '%s'", s);
        st = parse_dim(comma + 1, strlen(comma + 1), &by[1], err);
        if (!st && by[1] == by[0])
            return dm_error_set(err, DM_EINVAL, "--by names %s twice", dim_names[by[0]]);
    }
    return st;
}

/* ---- reading the records ---- */

static int32_t date_number(const char *s)
{
    dm_date d;
    dm_error ignored;
    if (!s || dm_date_parse(s, &d, &ignored))
        return 0;
    return d.year * 10000 + d.month * 100 + d.day;
}

/* A list value's index + 1; 0 for none, another value or "unknown". */
static uint8_t enum_index(const dm_field *f, const char *v)
{
    int i = dm_field_value_index(f, v);
    return i >= 0 && strcmp(v, "unknown") ? (uint8_t)(i + 1) : 0;
}

static const char *enum_name(const dm_field *f, uint8_t idx, char *out, size_t outsz)
{
    if (!idx)
        return "unknown";
    const char *v = f->values[idx - 1];
    snprintf(out, outsz, "%.*s", (int)strcspn(v, "|"), v);
    return out;
}

static const dm_field *device_field(void)
{
    return &dm_kind_accidents.fields[dm_kind_field_index(&dm_kind_accidents, "device_category")];
}

static unsigned device_count(void)
{
    unsigned n = 0;
    while (device_field()->values[n])
        n++;
    return n;
}

typedef struct load_ctx {
    facts *fx;
    bool include_drafts, list;
    dm_store *store;
    dm_status st;
    dm_error *err;
} load_ctx;

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 1024;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static int scan_accident(const char *code, const char *state, const char *const *v, void *vctx)
{
    load_ctx *c = vctx;
    facts *fx = c->fx;
    long idx;
    int added;
    if (dm_strmap_intern(&fx->acc_codes, code, &idx, &added) ||
        !grow((void **)&fx->acc, &fx->capacc, fx->nacc, sizeof *fx->acc)) {
        c->st = dm_error_set(c->err, DM_ENOMEM, "out of memory reading accidents");
        return 1;
    }
    acc_fact *a = &fx->acc[fx->nacc++];
    memset(a, 0, sizeof *a);
    a->date = date_number(v[0]);
    a->device = enum_index(device_field(), v[1]);
    a->demining = v[2] ? (strcmp(v[2], "0") ? 1 : 2) : 0;
    for (int d = 0; d < NDICT; d++) {
        if (!v[3 + d] || !*v[3 + d])
            continue;
        long di;
        if (dm_strmap_intern(&fx->dict[d], v[3 + d], &di, &added)) {
            c->st = dm_error_set(c->err, DM_ENOMEM, "out of memory reading accidents");
            return 1;
        }
        a->dict[d] = (uint32_t)di + 1;
    }
    a->approved = !strcmp(state, "approved");
    return 0;
}

static unsigned age_class(const char *age, const char *age_group)
{
    if (age && *age) {
        char *end;
        long y = strtol(age, &end, 10);
        if (!*end && y >= 0)
            return y < 18 ? 1 : 2;
    }
    if (age_group && !strcmp(age_group, "child"))
        return 1;
    if (age_group && !strcmp(age_group, "adult"))
        return 2;
    return 0;
}

static unsigned code_of(const char *v, const char *const *names)
{
    for (unsigned i = 0; v && names[i]; i++)
        if (!strcmp(v, names[i]))
            return i + 1;
    return 0;
}

static int scan_victim(const char *code, const char *state, const char *const *v, void *vctx)
{
    static const char *const status[] = {"killed", "injured", NULL};
    static const char *const sex[] = {"f", "m", NULL};
    static const char *const group[] = {"civilian", "deminer", "military", NULL};
    load_ctx *c = vctx;
    facts *fx = c->fx;
    vic_fact f = {NO_ACC, 0, 0};
    long ai = v[0] ? dm_strmap_find(&fx->acc_codes, v[0]) : -1;
    if (ai >= 0) {
        if (!fx->acc[ai].approved && !c->include_drafts)
            return 0; /* its incident is not official yet */
        f.acc = (uint32_t)ai;
    } else if (v[0] && *v[0]) {
        /* not among the accidents read: a rejected one is left out with its
           victims; one that does not exist leaves the incident unknown */
        dm_record rec;
        dm_record_init(&rec, &dm_kind_accidents);
        dm_error e;
        dm_status gst = dm_store_get(c->store, &dm_kind_accidents, v[0], &rec, &e);
        dm_record_clear(&rec, dm_store_geo(c->store));
        if (gst == DM_OK)
            return 0;
        if (gst != DM_ENOTFOUND) {
            c->st = dm_error_set(c->err, gst, "victim %s: %s", code, e.msg);
            return 1;
        }
    }
    f.bits =
        (uint16_t)(code_of(v[1], status) | code_of(v[2], sex) << 2 | age_class(v[3], v[4]) << 4 |
                   code_of(v[5], group) << 6 | (unsigned)(strcmp(state, "approved") != 0) << 8);
    if (!grow((void **)&fx->vic, &fx->capvic, fx->nvic, sizeof *fx->vic) ||
        (c->list && fx->nvic % 1024 == 0 &&
         !(fx->victim_codes =
               realloc(fx->victim_codes, (fx->nvic + 1024) * sizeof *fx->victim_codes)))) {
        c->st = dm_error_set(c->err, DM_ENOMEM, "out of memory reading victims");
        return 1;
    }
    if (c->list)
        snprintf(fx->victim_codes[fx->nvic], DM_CODE_MAX, "%s", code);
    fx->vic[fx->nvic++] = f;
    return 0;
}

static void facts_free(facts *fx)
{
    free(fx->acc);
    free(fx->vic);
    free(fx->victim_codes);
    for (int d = 0; d < NDICT; d++)
        dm_strmap_free(&fx->dict[d]);
    dm_strmap_free(&fx->acc_codes);
    memset(fx, 0, sizeof *fx);
}

/* Orders the victims by accident (stable; those without one last), their
 * codes with them. */
static dm_status sort_by_accident(facts *fx, dm_error *err)
{
    size_t n = fx->nvic;
    size_t *start = calloc(fx->nacc + 2, sizeof *start);
    vic_fact *v = malloc((n ? n : 1) * sizeof *v);
    char(*codes)[DM_CODE_MAX] = fx->victim_codes ? malloc((n ? n : 1) * sizeof *codes) : NULL;
    if (!start || !v || (fx->victim_codes && !codes)) {
        free(start);
        free(v);
        free(codes);
        return dm_error_set(err, DM_ENOMEM, "out of memory sorting %zu victims", n);
    }
    /* bucket fx->nacc holds the victims without an accident */
    for (size_t i = 0; i < n; i++)
        start[(fx->vic[i].acc == NO_ACC ? fx->nacc : fx->vic[i].acc) + 1]++;
    for (size_t a = 0; a <= fx->nacc; a++)
        start[a + 1] += start[a];
    for (size_t i = 0; i < n; i++) {
        size_t to = start[fx->vic[i].acc == NO_ACC ? fx->nacc : fx->vic[i].acc]++;
        v[to] = fx->vic[i];
        if (codes)
            memcpy(codes[to], fx->victim_codes[i], DM_CODE_MAX);
    }
    free(start);
    free(fx->vic);
    fx->vic = v;
    fx->capvic = n;
    if (codes) {
        free(fx->victim_codes);
        fx->victim_codes = codes;
    }
    return DM_OK;
}

static dm_status load_records(dm_store *store, bool include_drafts, bool list, facts *fx,
                              dm_error *err)
{
    load_ctx c;
    memset(&c, 0, sizeof c);
    c.fx = fx;
    c.include_drafts = include_drafts;
    c.list = list;
    c.store = store;
    c.err = err;
    static const char *const afields[] = {"date",       "device_category", "demining",
                                          "admin_code", "settlement_code", "activity"};
    static const char *const vfields[] = {"accident_code", "status",    "sex",
                                          "age",           "age_group", "group"};
    /* every accident that is not rejected: a victim's incident may be a
       draft, which only counts with include_drafts */
    dm_status st =
        dm_store_scan(store, &dm_kind_accidents, afields, 6, true, scan_accident, &c, err);
    if (!st)
        st = c.st;
    if (!st)
        st = dm_store_scan(store, &dm_kind_victims, vfields, 6, include_drafts, scan_victim, &c,
                           err);
    if (!st)
        st = c.st;
    if (!st)
        st = sort_by_accident(fx, err);
    return st;
}

/* ---- the stored summary ----
 * magic, sizes of the two facts, counts, the three dictionaries (count, then
 * length + bytes per key), the accident facts, the victim facts. Native
 * byte order: the magic and sizes tell a summary another build wrote. */

static const char cache_magic[8] = "DMCAS2\n";

static void put_u64(dm_buf *b, uint64_t v) { dm_buf_append(b, &v, sizeof v); }

static dm_status serialise(const facts *fx, dm_buf *b)
{
    dm_buf_append(b, cache_magic, sizeof cache_magic);
    put_u64(b, sizeof(acc_fact));
    put_u64(b, sizeof(vic_fact));
    put_u64(b, fx->nacc);
    put_u64(b, fx->nvic);
    for (int d = 0; d < NDICT; d++) {
        put_u64(b, fx->dict[d].n);
        for (size_t i = 0; i < fx->dict[d].n; i++) {
            uint64_t len = strlen(fx->dict[d].keys[i]);
            put_u64(b, len);
            dm_buf_append(b, fx->dict[d].keys[i], len);
        }
    }
    dm_buf_append(b, fx->acc, fx->nacc * sizeof *fx->acc);
    dm_buf_append(b, fx->vic, fx->nvic * sizeof *fx->vic);
    return b->status;
}

/* Reads a summary in pieces. */
typedef struct summary {
    dm_cache_reader *r;
    uint64_t size, at;
    bool bad;
} summary;

/* Reads len bytes at `at`, leaving the reading position where it was. */
static bool sread_at(struct summary *s, void *buf, size_t len, uint64_t at)
{
    dm_error ignored;
    if (s->bad || at > s->size || len > s->size - at || dm_cache_read(s->r, buf, len, at, &ignored))
        return false;
    return true;
}

static void sread(summary *s, void *buf, size_t len)
{
    dm_error ignored;
    if (s->bad || len > s->size - s->at || dm_cache_read(s->r, buf, len, s->at, &ignored)) {
        s->bad = true;
        memset(buf, 0, len);
        return;
    }
    s->at += len;
}

static uint64_t sread_u64(summary *s)
{
    uint64_t v = 0;
    sread(s, &v, sizeof v);
    return v;
}

/* Reads the summary's header and dictionaries into fx (fx->nacc is the
 * number of accident facts, which start at s->at on return) and leaves s at
 * the victim facts (*nvic of them). False when it is not a
 * summary this build can read (then nothing is kept). */
static bool read_summary_head(summary *s, facts *fx, uint64_t *nvic, uint64_t *acc_offset)
{
    char magic[sizeof cache_magic];
    sread(s, magic, sizeof magic);
    if (s->bad || memcmp(magic, cache_magic, sizeof magic) || sread_u64(s) != sizeof(acc_fact) ||
        sread_u64(s) != sizeof(vic_fact))
        return false;
    uint64_t nacc = sread_u64(s);
    *nvic = sread_u64(s);
    if (s->bad || nacc >= NO_ACC || nacc > s->size / sizeof(acc_fact) ||
        *nvic > s->size / sizeof(vic_fact))
        return false;
    char key[4097];
    for (int d = 0; d < NDICT && !s->bad; d++) {
        uint64_t nd = sread_u64(s);
        if (nd > s->size)
            return false;
        for (uint64_t i = 0; i < nd && !s->bad; i++) {
            uint64_t kl = sread_u64(s);
            if (kl >= sizeof key)
                return false;
            sread(s, key, kl);
            key[kl] = 0;
            long idx;
            int added;
            if (s->bad || dm_strmap_intern(&fx->dict[d], key, &idx, &added) || !added)
                return false;
        }
    }
    if (s->bad || s->size - s->at != nacc * sizeof(acc_fact) + *nvic * sizeof(vic_fact))
        return false;
    /* the accident facts are read as the victims need them; the reading
       position moves on to the victims */
    fx->nacc = nacc;
    *acc_offset = s->at;
    s->at += nacc * sizeof(acc_fact);
    return !s->bad;
}

/* ---- counting ---- */

/* The value of dimension d for a victim: a number that sorts like the key,
 * 0 for unknown. */
static uint32_t dim_value(dm_cas_dim d, const acc_fact *a, unsigned bits)
{
    switch (d) {
    case DM_CAS_YEAR: return a ? (uint32_t)(a->date / 10000) : 0;
    case DM_CAS_MONTH: return a ? (uint32_t)(a->date / 100) : 0;
    case DM_CAS_ADMIN: return a ? a->dict[DICT_ADMIN] : 0;
    case DM_CAS_SETTLEMENT: return a ? a->dict[DICT_SETTLEMENT] : 0;
    case DM_CAS_ACTIVITY: return a ? a->dict[DICT_ACTIVITY] : 0;
    case DM_CAS_DEVICE: return a ? a->device : 0;
    case DM_CAS_DEMINING: return a ? a->demining : 0;
    case DM_CAS_SEX: return V_SEX(bits);
    case DM_CAS_AGE_GROUP: return V_AGE(bits);
    case DM_CAS_GROUP: return V_GROUP(bits);
    case DM_CAS_STATUS: return V_STATUS(bits);
    case DM_CAS_NONE:
    case DM_CAS_NDIMS: break;
    }
    return 0;
}

static int dict_of(dm_cas_dim d)
{
    return d == DM_CAS_ADMIN        ? DICT_ADMIN
           : d == DM_CAS_SETTLEMENT ? DICT_SETTLEMENT
                                    : DICT_ACTIVITY;
}

static bool is_dict(dm_cas_dim d)
{
    return d == DM_CAS_ADMIN || d == DM_CAS_SETTLEMENT || d == DM_CAS_ACTIVITY;
}

static void key_text(dm_cas_dim d, uint32_t v, const facts *fx, char *out, size_t outsz)
{
    static const char *const sex[] = {"unknown", "f", "m"};
    static const char *const age[] = {"unknown", "child", "adult"};
    static const char *const grp[] = {"unknown", "civilian", "deminer", "military"};
    static const char *const status[] = {"unknown", "killed", "injured"};
    static const char *const yesno[] = {"unknown", "yes", "no"};
    char tmp[64];
    if (!v && d != DM_CAS_NONE) {
        snprintf(out, outsz, "unknown");
        return;
    }
    switch (d) {
    case DM_CAS_YEAR: snprintf(out, outsz, "%04u", v); break;
    case DM_CAS_MONTH: snprintf(out, outsz, "%04u-%02u", v / 100, v % 100); break;
    case DM_CAS_ADMIN:
    case DM_CAS_SETTLEMENT:
    case DM_CAS_ACTIVITY: snprintf(out, outsz, "%s", fx->dict[dict_of(d)].keys[v - 1]); break;
    case DM_CAS_SEX: snprintf(out, outsz, "%s", sex[v]); break;
    case DM_CAS_AGE_GROUP: snprintf(out, outsz, "%s", age[v]); break;
    case DM_CAS_GROUP: snprintf(out, outsz, "%s", grp[v]); break;
    case DM_CAS_STATUS: snprintf(out, outsz, "%s", status[v]); break;
    case DM_CAS_DEMINING: snprintf(out, outsz, "%s", yesno[v]); break;
    case DM_CAS_DEVICE:
        snprintf(out, outsz, "%s", enum_name(device_field(), (uint8_t)v, tmp, sizeof tmp));
        break;
    case DM_CAS_NONE:
    case DM_CAS_NDIMS: out[0] = 0; break;
    }
}

static void add_victim(dm_cas_counts *c, unsigned bits, bool draft)
{
    unsigned status = V_STATUS(bits), sex = V_SEX(bits), age = V_AGE(bits), grp = V_GROUP(bits);
    c->casualties++;
    c->killed += status == 1;
    c->injured += status == 2;
    c->unknown_status += status == 0;
    c->children += age == 1;
    c->adults += age == 2;
    c->unknown_age += age == 0;
    c->female += sex == 1;
    c->male += sex == 2;
    c->unknown_sex += sex == 0;
    c->civilian += grp == 1;
    c->deminer += grp == 2;
    c->military += grp == 3;
    c->unknown_group += grp == 0;
    c->drafts += draft;
}

/* A map from a group's two dimension values to its index. */
typedef struct group_map {
    uint64_t *keys;
    uint32_t *vals; /* group index + 1, 0 = empty */
    size_t nslots, n;
} group_map;

static size_t gm_slot(const group_map *m, uint64_t key)
{
    /* splitmix64's finaliser: every bit of the key moves the low bits */
    uint64_t h = key;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
    h ^= h >> 31;
    size_t mask = m->nslots - 1, i = (size_t)h & mask;
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

static dm_status gm_grow(group_map *m)
{
    group_map g = {0};
    g.nslots = m->nslots ? m->nslots * 2 : 256;
    g.keys = calloc(g.nslots, sizeof *g.keys);
    g.vals = calloc(g.nslots, sizeof *g.vals);
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return DM_ENOMEM;
    }
    for (size_t i = 0; i < m->nslots; i++)
        if (m->vals[i]) {
            size_t s = gm_slot(&g, m->keys[i]);
            g.keys[s] = m->keys[i];
            g.vals[s] = m->vals[i];
        }
    g.n = m->n;
    free(m->keys);
    free(m->vals);
    *m = g;
    return DM_OK;
}

/* Adds key to a set kept in a group_map; true when it was not there. */
static dm_status set_add(group_map *m, uint64_t key, bool *added)
{
    *added = false;
    if ((m->n + 1) * 2 > m->nslots && gm_grow(m))
        return DM_ENOMEM;
    size_t s = gm_slot(m, key);
    if (m->vals[s])
        return DM_OK;
    m->keys[s] = key;
    m->vals[s] = 1;
    m->n++;
    *added = true;
    return DM_OK;
}

/* The working state of one computation. */
typedef struct counter {
    const dm_cas_opts *o;
    const facts *fx;
    dm_casualties *out;
    group_map gm;
    uint32_t (*gvals)[2]; /* each group's dimension values */
    size_t capg;
    int32_t since, until;
    bool limited, grouped;
    /* the run of victims of one accident being counted */
    uint32_t run_acc;
    bool run_counted;
    uint32_t *run_groups;
    size_t nrun, caprun;
    size_t next_victim; /* index of the next victim (its code in list mode) */
    /* the accident facts: all in fx->acc, or a window over a summary that
       moves forward as the victims (in accident order) need */
    struct summary *sum;
    uint64_t acc_offset; /* where the accident facts start in the summary */
    acc_fact *window;
    uint32_t win_start, win_n;
    unsigned ndevice;  /* device categories known */
    uint64_t last_key; /* the group found last */
    uint32_t last_group;
    group_map settlements; /* (figure, settlement) pairs seen */
} counter;

static dm_status group_of(counter *c, const acc_fact *a, unsigned bits, uint32_t *gi)
{
    uint32_t v0 = dim_value(c->o->by[0], a, bits), v1 = dim_value(c->o->by[1], a, bits);
    uint64_t key = ((uint64_t)v0 << 32) | v1;
    if (c->gm.n && key == c->last_key) { /* neighbours often share a group */
        *gi = c->last_group;
        return DM_OK;
    }
    if ((c->gm.n + 1) * 2 > c->gm.nslots && gm_grow(&c->gm))
        return DM_ENOMEM;
    size_t s = gm_slot(&c->gm, key);
    c->last_key = key;
    if (c->gm.vals[s]) {
        *gi = c->last_group = c->gm.vals[s] - 1;
        return DM_OK;
    }
    dm_casualties *out = c->out;
    if (out->ngroups == c->capg) {
        size_t cap = c->capg ? c->capg * 2 : 64;
        dm_cas_group *g = realloc(out->groups, cap * sizeof *g);
        if (!g)
            return DM_ENOMEM;
        out->groups = g;
        uint32_t(*gv)[2] = realloc(c->gvals, cap * sizeof *gv);
        if (!gv)
            return DM_ENOMEM;
        c->gvals = gv;
        c->capg = cap;
    }
    dm_cas_group *g = &out->groups[out->ngroups];
    memset(g, 0, sizeof *g);
    c->gvals[out->ngroups][0] = v0;
    c->gvals[out->ngroups][1] = v1;
    c->gm.keys[s] = key;
    c->gm.vals[s] = (uint32_t)++out->ngroups;
    c->gm.n++;
    *gi = c->last_group = c->gm.vals[s] - 1;
    return DM_OK;
}

static bool sread_at(struct summary *s, void *buf, size_t len, uint64_t at);

/* The facts of accident i: NULL when there is no such accident. */
static const acc_fact *accident_at(counter *c, uint32_t i)
{
    if (i >= c->fx->nacc)
        return NULL;
    if (!c->sum)
        return &c->fx->acc[i];
    if (i < c->win_start)
        return NULL; /* the victims are not in accident order: damaged */
    if (i >= c->win_start + c->win_n) {
        enum { WINDOW = 8192 };
        if (!c->window && !(c->window = malloc(WINDOW * sizeof *c->window)))
            return NULL;
        uint32_t n = c->fx->nacc - i < WINDOW ? (uint32_t)(c->fx->nacc - i) : WINDOW;
        if (!sread_at(c->sum, c->window, n * sizeof *c->window,
                      c->acc_offset + (uint64_t)i * sizeof *c->window))
            return NULL;
        /* a damaged summary must not index past a dictionary */
        for (uint32_t k = 0; k < n; k++) {
            const acc_fact *a = &c->window[k];
            if (a->dict[0] > c->fx->dict[0].n || a->dict[1] > c->fx->dict[1].n ||
                a->dict[2] > c->fx->dict[2].n || a->device > c->ndevice || a->demining > 2)
                return NULL;
        }
        c->win_start = i;
        c->win_n = n;
    }
    return &c->window[i - c->win_start];
}

/* Counts a piece of the victims (in accident order). DM_EFORMAT when a
 * fact names an accident that is not there (a damaged summary). */
static dm_status count_victims(counter *c, const vic_fact *v, size_t n, dm_error *err)
{
    const facts *fx = c->fx;
    dm_casualties *out = c->out;
    const dm_cas_opts *o = c->o;
    for (size_t i = 0; i < n; i++) {
        size_t vi = c->next_victim++;
        const acc_fact *a = NULL;
        unsigned bits = v[i].bits;
        if (V_STATUS(bits) > 2 || V_SEX(bits) > 2 || V_AGE(bits) > 2 || bits >> 9)
            return dm_error_set(err, DM_EFORMAT, "the casualty summary is damaged");
        if (v[i].acc != NO_ACC && !(a = accident_at(c, v[i].acc)))
            return dm_error_set(err, DM_EFORMAT, "the casualty summary is damaged");
        if (v[i].acc != c->run_acc) {
            c->run_acc = v[i].acc;
            c->run_counted = false;
            c->nrun = 0;
        }
        if (c->limited) {
            if (!a || !a->date) {
                out->undated_excluded++;
                continue;
            }
            if ((c->since && a->date < c->since) || (c->until && a->date > c->until))
                continue;
        }
        uint32_t gi = 0;
        if (c->grouped && group_of(c, a, v[i].bits, &gi))
            return dm_error_set(err, DM_ENOMEM, "out of memory grouping victims");
        bool draft = V_DRAFT(v[i].bits) || (a && !a->approved);
        add_victim(&out->total, v[i].bits, draft);
        if (c->grouped)
            add_victim(&out->groups[gi].c, v[i].bits, draft);
        if (o->list &&
            (dm_code_list_add(&out->victims, fx->victim_codes[vi]) ||
             (c->grouped && dm_code_list_add(&out->groups[gi].victims, fx->victim_codes[vi]))))
            return dm_error_set(err, DM_ENOMEM, "out of memory listing victims");
        if (!a)
            continue;
        /* settlements: each once per figure */
        uint32_t st = a->dict[DICT_SETTLEMENT];
        bool added;
        if (st) {
            if (set_add(&c->settlements, st, &added))
                return dm_error_set(err, DM_ENOMEM, "out of memory");
            out->total.settlements += added;
            if (c->grouped) {
                if (set_add(&c->settlements, ((uint64_t)gi + 1) << 32 | st, &added))
                    return dm_error_set(err, DM_ENOMEM, "out of memory");
                out->groups[gi].c.settlements += added;
            }
        }
        /* incidents: each accident once per figure */
        if (!c->run_counted) {
            c->run_counted = true;
            out->total.incidents++;
            if (o->list && dm_code_list_add(&out->incidents, fx->acc_codes.keys[v[i].acc]))
                return dm_error_set(err, DM_ENOMEM, "out of memory listing incidents");
        }
        if (!c->grouped)
            continue;
        bool seen = false;
        for (size_t k = 0; k < c->nrun && !seen; k++)
            seen = c->run_groups[k] == gi;
        if (seen)
            continue;
        if (!grow((void **)&c->run_groups, &c->caprun, c->nrun, sizeof *c->run_groups))
            return dm_error_set(err, DM_ENOMEM, "out of memory");
        c->run_groups[c->nrun++] = gi;
        out->groups[gi].c.incidents++;
        if (o->list && dm_code_list_add(&out->groups[gi].incidents, fx->acc_codes.keys[v[i].acc]))
            return dm_error_set(err, DM_ENOMEM, "out of memory listing incidents");
    }
    return DM_OK;
}
/* Sort rank of each dictionary entry (alphabetical). */
static uint32_t *dict_ranks(const dm_strmap *m)
{
    size_t n = m->n;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order),
             *rank = malloc((n ? n : 1) * sizeof *rank);
    if (!order || !rank) {
        free(order);
        free(rank);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    /* insertion sort would be quadratic on big dictionaries: shell sort */
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++)
            for (size_t j = i; j >= gap && strcmp(m->keys[order[j - gap]], m->keys[order[j]]) > 0;
                 j -= gap) {
                uint32_t t = order[j];
                order[j] = order[j - gap];
                order[j - gap] = t;
            }
    for (size_t i = 0; i < n; i++)
        rank[order[i]] = (uint32_t)i;
    free(order);
    return rank;
}

typedef struct sort_item {
    uint64_t r0, r1;
    size_t idx;
} sort_item;

static int cmp_sort_item(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->r0 != y->r0)
        return x->r0 < y->r0 ? -1 : 1;
    if (x->r1 != y->r1)
        return x->r1 < y->r1 ? -1 : 1;
    return 0;
}

static uint64_t rank_of(dm_cas_dim d, uint32_t v, uint32_t *const ranks[NDICT])
{
    if (d == DM_CAS_NONE)
        return 0;
    if (!v)
        return UINT64_MAX; /* unknown last */
    if (is_dict(d))
        return ranks[dict_of(d)] ? ranks[dict_of(d)][v - 1] : v;
    return v;
}

/* Names of admin areas or settlements for the group keys: code -> name. */
typedef struct name_map {
    dm_strmap codes;
    char **names; /* by index in codes */
    size_t cap;
    bool oom;
} name_map;

static int scan_name(const char *code, const char *state, const char *const *v, void *ctx)
{
    (void)state;
    name_map *m = ctx;
    long idx;
    int added;
    if (dm_strmap_intern(&m->codes, code, &idx, &added) ||
        !grow((void **)&m->names, &m->cap, (size_t)idx, sizeof *m->names)) {
        m->oom = true;
        return 1;
    }
    if (added && !(m->names[idx] = strdup(v[0] ? v[0] : ""))) {
        m->oom = true;
        return 1;
    }
    return 0;
}

static void name_map_free(name_map *m)
{
    for (size_t i = 0; i < m->codes.n; i++)
        free(m->names[i]);
    free(m->names);
    dm_strmap_free(&m->codes);
}

static void group_name(const name_map *m, const char *code, char *out, size_t outsz)
{
    long idx = dm_strmap_find(&m->codes, code);
    snprintf(out, outsz, "%s", idx >= 0 ? m->names[idx] : "");
}

static dm_status finish_groups(dm_store *store, counter *c, dm_error *err)
{
    if (!c->grouped)
        return DM_OK;
    dm_casualties *out = c->out;
    const facts *fx = c->fx;
    uint32_t *ranks[NDICT] = {NULL, NULL, NULL};
    for (int k = 0; k < 2; k++)
        if (is_dict(c->o->by[k]) && !ranks[dict_of(c->o->by[k])] &&
            !(ranks[dict_of(c->o->by[k])] = dict_ranks(&fx->dict[dict_of(c->o->by[k])])))
            return dm_error_set(err, DM_ENOMEM, "out of memory sorting groups");
    sort_item *items = malloc((out->ngroups ? out->ngroups : 1) * sizeof *items);
    dm_cas_group *sorted = malloc((out->ngroups ? out->ngroups : 1) * sizeof *sorted);
    dm_status st = items && sorted ? DM_OK : dm_error_set(err, DM_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < out->ngroups; i++) {
        items[i].r0 = rank_of(c->o->by[0], c->gvals[i][0], ranks);
        items[i].r1 = rank_of(c->o->by[1], c->gvals[i][1], ranks);
        items[i].idx = i;
    }
    if (!st)
        qsort(items, out->ngroups, sizeof *items, cmp_sort_item);
    /* names of admin areas and settlements */
    name_map names[2];
    memset(names, 0, sizeof names);
    static const char *const name_field[] = {"name"};
    for (int k = 0; !st && k < 2; k++) {
        dm_cas_dim d = c->o->by[k];
        if (d == DM_CAS_ADMIN)
            st = dm_store_scan(store, &dm_kind_admin_areas, name_field, 1, true, scan_name,
                               &names[0], err);
        if (d == DM_CAS_SETTLEMENT)
            st = dm_store_scan(store, &dm_kind_settlements, name_field, 1, true, scan_name,
                               &names[1], err);
    }
    if (!st && (names[0].oom || names[1].oom))
        st = dm_error_set(err, DM_ENOMEM, "out of memory reading names");
    for (size_t i = 0; !st && i < out->ngroups; i++) {
        size_t gi = items[i].idx;
        dm_cas_group *g = &sorted[i];
        *g = out->groups[gi];
        g->name[0] = 0;
        for (int k = 0; k < 2; k++) {
            dm_cas_dim d = c->o->by[k];
            if (d == DM_CAS_NONE)
                continue;
            key_text(d, c->gvals[gi][k], fx, g->keys[k], sizeof g->keys[k]);
            if ((d == DM_CAS_ADMIN || d == DM_CAS_SETTLEMENT) && c->gvals[gi][k] && !g->name[0])
                group_name(&names[d == DM_CAS_ADMIN ? 0 : 1], g->keys[k], g->name, sizeof g->name);
        }
        if (c->o->by[1] != DM_CAS_NONE)
            snprintf(g->key, sizeof g->key, "%.120s|%.120s", g->keys[0], g->keys[1]);
        else
            snprintf(g->key, sizeof g->key, "%s", g->keys[0]);
    }
    if (!st) {
        free(out->groups);
        out->groups = sorted;
        sorted = NULL;
    }
    name_map_free(&names[0]);
    name_map_free(&names[1]);
    free(sorted);
    free(items);
    for (int d = 0; d < NDICT; d++)
        free(ranks[d]);
    return st;
}

static dm_status check_limit(const char *name, const char *s, dm_error *err)
{
    dm_date d;
    if (s[0] && dm_date_parse(s, &d, err)) {
        dm_error_prefix(err, "%s", name);
        return DM_EINVAL;
    }
    return DM_OK;
}

static void counter_start(counter *c, const dm_cas_opts *o, const facts *fx, dm_casualties *out)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->fx = fx;
    c->out = out;
    c->since = date_number(o->since[0] ? o->since : NULL);
    c->until = date_number(o->until[0] ? o->until : NULL);
    c->limited = o->since[0] || o->until[0];
    c->grouped = o->by[0] != DM_CAS_NONE;
    c->run_acc = NO_ACC - 1; /* no run yet (NO_ACC - 1 is never an index here) */
    c->ndevice = device_count();
}

static void counter_free(counter *c)
{
    free(c->gm.keys);
    free(c->gm.vals);
    free(c->gvals);
    free(c->run_groups);
    free(c->window);
    free(c->settlements.keys);
    free(c->settlements.vals);
}

/* Forgets what was counted (before counting again from the records). */
static void reset_out(dm_casualties *out, const dm_cas_opts *o)
{
    dm_casualties_free(out);
    memset(out, 0, sizeof *out);
    out->opts = *o;
}

/* Counts from the stored summary. *used is false when there is no current
 * summary (or it cannot be read): then nothing is counted. */
static dm_status count_from_summary(dm_store *store, const dm_cas_opts *o, const char *name,
                                    const char *stamp, dm_casualties *out, bool *used,
                                    dm_error *err)
{
    *used = false;
    summary s;
    memset(&s, 0, sizeof s);
    dm_status st = dm_store_cache_open(store, name, stamp, &s.r, &s.size, err);
    if (st || !s.r)
        return st;
    facts fx;
    memset(&fx, 0, sizeof fx);
    uint64_t nvic = 0;
    counter c;
    counter_start(&c, o, &fx, out);
    c.sum = &s;
    c.acc_offset = 0;
    uint64_t head = 0;
    bool ok = read_summary_head(&s, &fx, &nvic, &head);
    enum { CHUNK = 16384 };
    c.acc_offset = head;
    vic_fact *buf = ok ? malloc(CHUNK * sizeof *buf) : NULL;
    ok = ok && buf;
    for (uint64_t done = 0; ok && !st && done < nvic;) {
        size_t n = nvic - done < CHUNK ? (size_t)(nvic - done) : CHUNK;
        sread(&s, buf, n * sizeof *buf);
        if (s.bad)
            ok = false;
        else
            st = count_victims(&c, buf, n, err);
        done += n;
    }
    if (st == DM_EFORMAT)
        ok = false, st = DM_OK;
    if (ok && !st)
        st = finish_groups(store, &c, err);
    free(buf);
    counter_free(&c);
    facts_free(&fx);
    dm_cache_close(s.r);
    if (st || !ok)
        reset_out(out, o);
    *used = ok && !st;
    return st;
}

static dm_status compute_exact(dm_store *store, const dm_cas_opts *o, dm_casualties *out,
                               dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->opts = *o;
    dm_status st = check_limit("--since", o->since, err);
    if (!st)
        st = check_limit("--until", o->until, err);
    if (!st && o->since[0] && o->until[0] && date_number(o->since) > date_number(o->until))
        st = dm_error_set(err, DM_EINVAL, "--since %s is after --until %s", o->since, o->until);
    if (st)
        return st;
    const dm_kind *const kinds[] = {&dm_kind_accidents, &dm_kind_victims};
    const char *name = o->include_drafts ? "casualty-facts-drafts" : "casualty-facts";
    char stamp[DM_STAMP_MAX] = "";
    bool cacheable = !o->list && !o->no_cache;
    if (cacheable)
        st = dm_store_stamp(store, kinds, 2, stamp, err);
    if (!st && stamp[0]) {
        st = count_from_summary(store, o, name, stamp, out, &out->from_cache, err);
        if (st || out->from_cache)
            return st;
    }
    facts fx;
    memset(&fx, 0, sizeof fx);
    if (!st)
        st = load_records(store, o->include_drafts, o->list, &fx, err);
    if (!st && stamp[0]) {
        dm_buf b;
        dm_buf_init(&b, 0);
        dm_error ignored;
        if (!serialise(&fx, &b))
            dm_store_cache_put(store, name, stamp, b.data, b.len, &ignored);
        dm_buf_free(&b);
    }
    counter c;
    counter_start(&c, o, &fx, out);
    if (!st)
        st = count_victims(&c, fx.vic, fx.nvic, err);
    if (!st && c.grouped)
        st = finish_groups(store, &c, err);
    counter_free(&c);
    facts_free(&fx);
    if (st)
        dm_casualties_free(out);
    return st;
}

/* ---- small cells (see casualties.h) ---- */

#define MAX_LINES 5 /* all, row, row by year, column, column by year */

/* The year of a month key ("2021" of "2021-03"; "unknown" stays). */
static void year_of(const char *month, char *out, size_t outsz)
{
    snprintf(out, outsz, "%.*s", strcmp(month, "unknown") ? 4 : 7, month);
}

/* The lines group g belongs to, as keys interned in `lines`; -1 unused. */
static dm_status lines_of(const dm_cas_opts *o, const dm_cas_group *g, dm_strmap *lines,
                          long out[MAX_LINES])
{
    char key[2 * DM_GROUP_KEY_MAX + 16], year[8];
    int n = 0, added;
    dm_status st = dm_strmap_intern(lines, "all", &out[n++], &added);
    bool two = o->by[1] != DM_CAS_NONE;
    for (int k = 0; !st && k < 2; k++) {
        /* k = 0: the row (first key fixed); k = 1: the column */
        dm_cas_dim other = o->by[two ? 1 - k : k];
        const char *fixed = two ? g->keys[k] : "";
        const char *moving = two ? g->keys[1 - k] : g->keys[0];
        if (two) {
            snprintf(key, sizeof key, "%c\x1f%s", k ? 'c' : 'r', fixed);
            st = dm_strmap_intern(lines, key, &out[n++], &added);
        }
        if (!st && other == DM_CAS_MONTH) {
            year_of(moving, year, sizeof year);
            snprintf(key, sizeof key, "%c\x1f%s\x1f%s", k ? 'C' : 'R', fixed, year);
            st = dm_strmap_intern(lines, key, &out[n++], &added);
        }
        if (!two)
            break;
    }
    while (n < MAX_LINES)
        out[n++] = -1;
    return st;
}

static void suppress_group(dm_casualties *c, dm_cas_group *g)
{
    if (!g->suppressed)
        c->nsuppressed++;
    g->suppressed = true;
    dm_code_list_free(&g->victims);
    dm_code_list_free(&g->incidents);
}

dm_status dm_casualties_protect(dm_casualties *c, int min_cell, dm_error *err)
{
    c->opts.min_cell = min_cell;
    if (min_cell <= 1)
        return DM_OK;
    if (c->total.casualties > 0 && c->total.casualties < min_cell) {
        c->total_suppressed = true;
        dm_code_list_free(&c->victims);
        dm_code_list_free(&c->incidents);
    }
    size_t n = c->ngroups;
    for (size_t i = 0; i < n; i++)
        if (c->groups[i].c.casualties > 0 && c->groups[i].c.casualties < min_cell)
            suppress_group(c, &c->groups[i]);
    if (!c->nsuppressed)
        return DM_OK;
    /* the lines, and their members (in group order) */
    dm_strmap lines;
    dm_strmap_init(&lines);
    long(*line)[MAX_LINES] = malloc(n * sizeof *line);
    size_t *start = NULL, *members = NULL;
    dm_status st = line ? DM_OK : DM_ENOMEM;
    for (size_t i = 0; !st && i < n; i++)
        st = lines_of(&c->opts, &c->groups[i], &lines, line[i]);
    size_t nlines = lines.n;
    if (!st) {
        start = calloc(nlines + 1, sizeof *start);
        members = malloc((n * MAX_LINES + 1) * sizeof *members);
        st = start && members ? DM_OK : DM_ENOMEM;
    }
    if (!st) {
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < MAX_LINES && line[i][k] >= 0; k++)
                start[line[i][k] + 1]++;
        for (size_t l = 0; l < nlines; l++)
            start[l + 1] += start[l];
        size_t *fill = calloc(nlines + 1, sizeof *fill);
        if (!fill)
            st = DM_ENOMEM;
        for (size_t i = 0; fill && i < n; i++)
            for (int k = 0; k < MAX_LINES && line[i][k] >= 0; k++) {
                size_t l = (size_t)line[i][k];
                members[start[l] + fill[l]++] = i;
            }
        free(fill);
    }
    /* secondary suppression until every line is safe */
    for (bool changed = true; !st && changed;) {
        changed = false;
        for (size_t l = 0; l < nlines; l++) {
            int64_t k = 0, sum = 0;
            size_t pick = n;
            for (size_t m = start[l]; m < start[l + 1]; m++) {
                const dm_cas_group *g = &c->groups[members[m]];
                if (g->suppressed)
                    k++, sum += g->c.casualties;
                else if (pick == n || g->c.casualties < c->groups[pick].c.casualties)
                    pick = members[m];
            }
            if (k && (k == 1 || sum < min_cell || sum == k) && pick < n) {
                suppress_group(c, &c->groups[pick]);
                changed = true;
            }
        }
    }
    dm_strmap_free(&lines);
    free(line);
    free(start);
    free(members);
    return st ? dm_error_set(err, st, "out of memory suppressing small cells") : DM_OK;
}

dm_status dm_casualties_compute(dm_store *store, const dm_cas_opts *o, dm_casualties *out,
                                dm_error *err)
{
    dm_status st = compute_exact(store, o, out, err);
    if (!st && o->min_cell > 1 && (st = dm_casualties_protect(out, o->min_cell, err)))
        dm_casualties_free(out);
    return st;
}

dm_status dm_casualties_refresh(dm_store *store, dm_error *err)
{
    dm_status st = DM_OK;
    for (int drafts = 0; !st && drafts < 2; drafts++) {
        dm_cas_opts o;
        memset(&o, 0, sizeof o);
        o.include_drafts = drafts;
        dm_casualties c;
        st = dm_casualties_compute(store, &o, &c, err);
        if (!st)
            dm_casualties_free(&c);
    }
    return st;
}

void dm_casualties_free(dm_casualties *c)
{
    dm_code_list_free(&c->victims);
    dm_code_list_free(&c->incidents);
    for (size_t i = 0; i < c->ngroups; i++) {
        dm_code_list_free(&c->groups[i].victims);
        dm_code_list_free(&c->groups[i].incidents);
    }
    free(c->groups);
    c->groups = NULL;
    c->ngroups = 0;
}

/* ---- output ---- */

static void json_counts(dm_buf *b, const dm_cas_counts *c)
{
    dm_buf_printf(b,
                  "\"casualties\": %lld, \"killed\": %lld, \"injured\": %lld, "
                  "\"unknown_status\": %lld, \"incidents\": %lld, \"children\": %lld, "
                  "\"adults\": %lld, \"unknown_age\": %lld, \"female\": %lld, \"male\": %lld, "
                  "\"unknown_sex\": %lld, \"civilian\": %lld, \"deminer\": %lld, "
                  "\"military\": %lld, \"unknown_group\": %lld, \"settlements\": %lld, "
                  "\"drafts\": %lld",
                  (long long)c->casualties, (long long)c->killed, (long long)c->injured,
                  (long long)c->unknown_status, (long long)c->incidents, (long long)c->children,
                  (long long)c->adults, (long long)c->unknown_age, (long long)c->female,
                  (long long)c->male, (long long)c->unknown_sex, (long long)c->civilian,
                  (long long)c->deminer, (long long)c->military, (long long)c->unknown_group,
                  (long long)c->settlements, (long long)c->drafts);
}

/* The counts of a suppressed figure: every one unknown. */
static void json_null_counts(dm_buf *b)
{
    dm_buf_puts(b, "\"casualties\": null, \"killed\": null, \"injured\": null, "
                   "\"unknown_status\": null, \"incidents\": null, \"children\": null, "
                   "\"adults\": null, \"unknown_age\": null, \"female\": null, \"male\": null, "
                   "\"unknown_sex\": null, \"civilian\": null, \"deminer\": null, "
                   "\"military\": null, \"unknown_group\": null, \"settlements\": null, "
                   "\"drafts\": null");
}

static void json_date(dm_buf *b, const char *name, const char *d)
{
    dm_buf_printf(b, "\"%s\": ", name);
    if (d[0])
        dm_buf_json_string(b, d);
    else
        dm_buf_puts(b, "null");
    dm_buf_puts(b, ", ");
}

dm_status dm_casualties_json(const dm_casualties *c, dm_buf *b)
{
    const dm_cas_opts *o = &c->opts;
    dm_buf_printf(b, "{\"statistic\": \"casualties\", \"approved_only\": %s, ",
                  o->include_drafts ? "false" : "true");
    json_date(b, "since", o->since);
    json_date(b, "until", o->until);
    dm_buf_puts(b, "\"by\": [");
    for (int k = 0; k < 2 && o->by[k] != DM_CAS_NONE; k++)
        dm_buf_printf(b, "%s\"%s\"", k ? ", " : "", dim_names[o->by[k]]);
    dm_buf_printf(b, "], \"min_cell\": %d, \"suppressed\": %s, \"suppressed_groups\": %zu, ",
                  o->min_cell > 1 ? o->min_cell : 0, c->total_suppressed ? "true" : "false",
                  c->nsuppressed);
    if (c->total_suppressed)
        json_null_counts(b);
    else
        json_counts(b, &c->total);
    dm_buf_printf(b, ", \"undated_excluded\": %lld", (long long)c->undated_excluded);
    if (o->list) {
        dm_json_codes(b, "victim_codes", &c->victims);
        dm_json_codes(b, "incident_codes", &c->incidents);
    }
    dm_buf_puts(b, ", \"groups\": [");
    for (size_t i = 0; i < c->ngroups; i++) {
        const dm_cas_group *g = &c->groups[i];
        dm_buf_puts(b, i ? ",\n  " : "\n  ");
        dm_json_group_open(b, g->key, g->name);
        dm_buf_puts(b, "\"keys\": [");
        for (int k = 0; k < 2 && o->by[k] != DM_CAS_NONE; k++) {
            if (k)
                dm_buf_puts(b, ", ");
            dm_buf_json_string(b, g->keys[k]);
        }
        dm_buf_printf(b, "], \"suppressed\": %s, ", g->suppressed ? "true" : "false");
        if (g->suppressed)
            json_null_counts(b);
        else
            json_counts(b, &g->c);
        if (o->list) {
            dm_json_codes(b, "victim_codes", &g->victims);
            dm_json_codes(b, "incident_codes", &g->incidents);
        }
        dm_buf_puts(b, "}");
    }
    dm_buf_puts(b, "]}\n");
    return b->status;
}

static void text_row(dm_buf *b, const char *label, const dm_cas_counts *c)
{
    dm_buf_printf(b, "  %-30.30s %9lld %8lld %8lld %7lld %9lld %8lld %8lld %8lld %8lld\n", label,
                  (long long)c->casualties, (long long)c->killed, (long long)c->injured,
                  (long long)c->unknown_status, (long long)c->incidents, (long long)c->children,
                  (long long)c->female, (long long)c->civilian, (long long)c->deminer);
}

/* A suppressed figure's row: no count, the reason. */
static void text_suppressed(dm_buf *b, const char *label, int min_cell)
{
    dm_buf_printf(b,
                  "  %-30.30s %9s  (not shown: fewer than %d casualties, or a group that would "
                  "give one away)\n",
                  label, "-", min_cell);
}

static void text_codes(dm_buf *b, const char *label, const dm_code_list *l)
{
    dm_buf_printf(b, "    %s:", label);
    for (size_t i = 0; i < l->n; i++)
        dm_buf_printf(b, " %s", l->codes[i]);
    dm_buf_puts(b, "\n");
}

dm_status dm_casualties_text(const dm_casualties *c, dm_buf *b)
{
    const dm_cas_opts *o = &c->opts;
    dm_buf_printf(b, "Casualties (people killed or injured)%s",
                  o->include_drafts ? ", INCLUDING DRAFTS (not official)" : ", approved records");
    if (o->since[0] || o->until[0])
        dm_buf_printf(b, ", incidents %s to %s", o->since[0] ? o->since : "…",
                      o->until[0] ? o->until : "…");
    dm_buf_puts(b, "\n");
    dm_buf_printf(b, "  %-30s %9s %8s %8s %7s %9s %8s %8s %8s %8s\n", "", "casualties", "killed",
                  "injured", "unknown", "incidents", "children", "female", "civilian", "deminer");
    for (size_t i = 0; i < c->ngroups; i++) {
        const dm_cas_group *g = &c->groups[i];
        char label[300];
        snprintf(label, sizeof label, "%s%s%s", g->key, g->name[0] ? " " : "", g->name);
        if (g->suppressed) {
            text_suppressed(b, label, o->min_cell);
            continue;
        }
        text_row(b, label, &g->c);
        if (o->list) {
            text_codes(b, "victims", &g->victims);
            text_codes(b, "incidents", &g->incidents);
        }
    }
    if (c->total_suppressed)
        text_suppressed(b, "total", o->min_cell);
    else
        text_row(b, "total", &c->total);
    if (c->nsuppressed)
        dm_buf_printf(b,
                      "  %zu groups not shown: fewer than %d casualties, or one that would give "
                      "such a group away%s\n",
                      c->nsuppressed, o->min_cell,
                      c->total_suppressed ? "" : "; the total is exact");
    if (o->list && !c->total_suppressed) {
        text_codes(b, "victims", &c->victims);
        text_codes(b, "incidents", &c->incidents);
    }
    if (c->total.drafts && !c->total_suppressed)
        dm_buf_printf(b, "  %lld of these victims are in records not yet approved\n",
                      (long long)c->total.drafts);
    if (c->undated_excluded)
        dm_buf_printf(b, "  %lld victims left out: their incident date is unknown\n",
                      (long long)c->undated_excluded);
    return b->status;
}
