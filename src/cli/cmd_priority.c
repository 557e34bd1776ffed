#include "analysis/priority.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "demine priority DATABASE [--weights weights.json] [--json] [--list] [--as-of DATE] "
    "[--top N]";

static void help(void)
{
    dm_priority_weights w;
    dm_priority_weights_default(&w);
    dm_buf b;
    dm_buf_init(&b, 0);
    dm_priority_weights_json(&w, &b);
    printf(
        "usage: %s\n\n"
        "Ranks every open hazard (approved; lifecycle open or not given) by\n"
        "  score = benefit / (1 + w_effort * hectares)\n"
        "  benefit = w_casualties * casualties + w_settlements * settlements\n"
        "          + w_infrastructure * infrastructure + w_evidence * evidence + w_items * items\n"
        "the factors measured in the database (approved records):\n"
        "  casualties      accidents within casualty_distance_m: victims (at least 1 per\n"
        "                  accident) x 0.5^(age in years / casualty_half_life_years);\n"
        "                  an undated accident counts as one half-life old\n"
        "  settlements     settlements within settlement_distance_m: population / 1000\n"
        "                  x (1 - distance / settlement_distance_m); population 0 or\n"
        "                  unknown counts as settlement_unknown_population\n"
        "  infrastructure  infrastructure within infrastructure_distance_m: the weight\n"
        "                  of its type (infrastructure_types)\n"
        "  evidence        1 for a CHA, 0 for an SHA\n"
        "  items           EO items inside the hazard: their quantity\n"
        "  effort          the hazard's area in hectares (geodesic)\n"
        "Distances are geodesic metres to the hazard's edge (0 inside). The age is\n"
        "counted at --as-of (default today). --top N prints the first N only.\n\n"
        "--weights FILE: a JSON object; each key given replaces the default. An unknown\n"
        "key, a value that is not a number or a negative one is an error naming the key.\n"
        "The defaults:\n  %s\n\n"
        "--json: the ranking with each factor's value, weight and contribution; with\n"
        "--list the records behind each factor (code, distance_m, amount) too.\n"
        "--list: names the records behind each factor under each hazard.\n",
        usage, b.data ? b.data : "");
    dm_buf_free(&b);
}

static bool read_file(const char *path, char **text, size_t *len, dm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        dm_error_set(err, DM_EIO, "%s: cannot open the weights file", path);
        return false;
    }
    dm_buf b;
    dm_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= (1u << 20))
        dm_buf_append(&b, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad || dm_buf_puts(&b, "")) {
        dm_buf_free(&b);
        dm_error_set(err, DM_EIO, "%s: cannot read the weights file", path);
        return false;
    }
    *len = b.len;
    *text = dm_buf_steal(&b);
    return true;
}

static void text_out(const dm_priority *p, const dm_priority_weights *w, const char *wfile,
                     bool list, size_t top, dm_buf *b)
{
    dm_buf_printf(b,
                  "%zu open hazards ranked as of %s (weights: %s); read %lld accidents, %lld "
                  "settlements, %lld infrastructure, %lld EO items\n",
                  p->n, p->as_of, wfile ? wfile : "the defaults", (long long)p->accidents,
                  (long long)p->settlements, (long long)p->infrastructure,
                  (long long)p->items_read);
    dm_buf_printf(b,
                  "score = (%g x casualties + %g x settlements + %g x infrastructure + %g x "
                  "evidence + %g x items) / (1 + %g x hectares)\n\n",
                  w->w[DM_PF_CASUALTIES], w->w[DM_PF_SETTLEMENTS], w->w[DM_PF_INFRASTRUCTURE],
                  w->w[DM_PF_EVIDENCE], w->w[DM_PF_ITEMS], w->w[DM_PF_EFFORT]);
    dm_buf_printf(b, "%5s  %-14s %-6s %10s %10s %10s %11s %14s %8s %8s %10s\n", "rank", "code",
                  "status", "score", "benefit", "casualties", "settlements", "infrastructure",
                  "evidence", "items", "hectares");
    for (size_t i = 0; i < p->n && (!top || i < top); i++) {
        const dm_priority_item *it = &p->items[i];
        dm_buf_printf(b, "%5zu  %-14s %-6s %10.3f %10.3f %10.3f %11.3f %14.3f %8.0f %8.0f %10.2f\n",
                      i + 1, it->code, it->status, it->score, it->benefit,
                      it->f[DM_PF_CASUALTIES].value, it->f[DM_PF_SETTLEMENTS].value,
                      it->f[DM_PF_INFRASTRUCTURE].value, it->f[DM_PF_EVIDENCE].value,
                      it->f[DM_PF_ITEMS].value, it->f[DM_PF_EFFORT].value);
        if (!list)
            continue;
        for (int f = 0; f < DM_PF_COUNT; f++) {
            const dm_priority_term *t = &it->f[f];
            if (!t->nrefs)
                continue;
            dm_buf_printf(b, "       %-14s", dm_priority_factor_name((dm_priority_factor)f));
            for (size_t r = 0; r < t->nrefs; r++)
                dm_buf_printf(b, "%s%s (%.0f m, %.3g)", r ? ", " : " ", t->refs[r].code,
                              t->refs[r].distance_m, t->refs[r].amount);
            dm_buf_puts(b, "\n");
        }
    }
}

int cmd_priority(int argc, char **argv)
{
    const char *db = NULL, *wfile = NULL, *as_of = NULL;
    bool json = false, list = false;
    size_t top = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return EXIT_DONE;
        } else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--list"))
            list = true;
        else if (!strcmp(argv[i], "--weights") && i + 1 < argc)
            wfile = argv[++i];
        else if (!strcmp(argv[i], "--as-of") && i + 1 < argc)
            as_of = argv[++i];
        else if (!strcmp(argv[i], "--top") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1)
                return cli_usage(usage, "--top needs a whole number from 1, not '%s'", argv[i]);
            top = (size_t)n;
        } else if (argv[i][0] == '-')
            return cli_usage(usage, "unknown option or missing value: %s", argv[i]);
        else if (!db)
            db = argv[i];
        else
            return cli_usage(usage, "too many arguments: %s", argv[i]);
    }
    if (!db)
        return cli_usage(usage, "priority needs a DATABASE");
    dm_error err;
    dm_error_clear(&err);
    dm_priority_weights w;
    dm_priority_weights_default(&w);
    if (wfile) {
        char *text;
        size_t len;
        if (!read_file(wfile, &text, &len, &err))
            return cli_fail(&err);
        dm_status st = dm_priority_weights_parse(text, len, &w, &err);
        free(text);
        if (st) {
            dm_error_prefix(&err, "%s", wfile);
            return cli_fail(&err);
        }
    }
    dm_store *store;
    if (dm_store_open(db, DM_STORE_READ, &store, &err))
        return cli_fail(&err);
    dm_priority p;
    dm_status st = dm_priority_compute(store, &w, as_of, list, &p, &err);
    dm_store_close(store);
    if (st)
        return cli_fail(&err);
    dm_buf b;
    dm_buf_init(&b, 0);
    if (json)
        dm_priority_json(&p, &w, list, 0, top, &b);
    else
        text_out(&p, &w, wfile, list, top, &b);
    bool ok = b.data && cli_write_stdout(b.data);
    dm_buf_free(&b);
    dm_priority_free(&p);
    return ok ? EXIT_DONE : EXIT_ERROR;
}
