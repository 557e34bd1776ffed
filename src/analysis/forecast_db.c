/* A forecast of a database's remaining area: the steps from the store to
 * the figures, and their JSON, shared by `demine forecast`, `demine
 * settlement plan` and the server's /plan/ answers (forecast_area.h). */
#include "analysis/forecast.h"
#include "analysis/forecast_area.h"

#include <math.h>
#include <string.h>

dm_status dm_fa_q_json(dm_buf *b, const char *key, const dm_fa_q *q)
{
    dm_buf_printf(b, ",\"%s\":{\"p10\":", key);
    dm_buf_json_number(b, q->p10);
    dm_buf_puts(b, ",\"p50\":");
    dm_buf_json_number(b, q->p50);
    dm_buf_puts(b, ",\"p90\":");
    dm_buf_json_number(b, q->p90);
    return dm_buf_puts(b, "}");
}

dm_status dm_fa_done_json(dm_buf *b, const dm_fa_outlook *o)
{
    dm_buf_printf(b, ",\"completion_date\":{\"p10\":\"%s\",\"p50\":\"%s\",\"p90\":\"%s\"}",
                  o->done[0], o->done[1], o->done[2]);
    if (isnan(o->cost.p50))
        return dm_buf_puts(b, ",\"cost_usd\":null");
    return dm_fa_q_json(b, "cost_usd", &o->cost);
}

dm_status dm_fa_assumptions_json(dm_buf *b, const dm_fa_model *m)
{
    dm_buf_puts(b, ",\"assumptions\":[");
    for (int i = 0; i < m->nassumptions; i++) {
        if (i)
            dm_buf_puts(b, ",");
        dm_buf_json_string(b, m->assumptions[i]);
    }
    return dm_buf_puts(b, "]");
}

void dm_fa_outlook_of(const dm_fa_model *m, int from, double area_m2, dm_fa_outlook *o)
{
    o->area_m2 = area_m2;
    dm_fa_days(m, area_m2, &o->days);
    dm_fa_cost(m, area_m2, &o->cost);
    double d[3] = {o->days.p10, o->days.p50, o->days.p90};
    for (int k = 0; k < 3; k++)
        dm_fc_day_format(from + (int)ceil(d[k]), o->done[k]);
}

dm_status dm_fa_basis_compute(dm_store *store, const dm_fa_request *rq, dm_fa_basis *b,
                              dm_error *err)
{
    memset(b, 0, sizeof *b);
    dm_fa_defaults_read_as(rq->figures, rq->figures_name, &b->defaults);
    dm_status st = dm_fa_history_read(store, rq->include_drafts, &b->history, err);
    if (!st)
        st = dm_fa_model_run(&b->history, &b->defaults, &rq->teams, rq->runs, rq->seed, &b->model,
                             err);
    if (st)
        dm_fa_history_free(&b->history);
    return st;
}

void dm_fa_basis_free(dm_fa_basis *b)
{
    dm_fa_model_free(&b->model);
    dm_fa_history_free(&b->history);
}

dm_status dm_fa_forecast_compute(dm_store *store, const dm_fa_request *rq, dm_fa_forecast *f,
                                 dm_error *err)
{
    memset(f, 0, sizeof *f);
    f->rq = *rq;
    dm_lr_opts lo = {.by = rq->by_admin ? DM_LR_BY_ADMIN : DM_LR_TOTAL,
                     .include_drafts = rq->include_drafts};
    dm_status st = dm_fa_basis_compute(store, rq, &f->basis, err);
    if (st)
        return st;
    st = dm_landrelease_compute(store, &lo, &f->lr, err);
    if (st) {
        dm_fa_basis_free(&f->basis);
        return st;
    }
    dm_fa_outlook_of(&f->basis.model, rq->from, f->lr.total.remaining_area_m2, &f->total);
    /* the remaining area outside every admin polygon (borders, gaps) */
    f->outside_m2 = f->lr.total.remaining_area_m2;
    for (size_t i = 0; i < f->lr.ngroups; i++)
        if (isfinite(f->lr.groups[i].remaining_area_m2))
            f->outside_m2 -= f->lr.groups[i].remaining_area_m2;
    return DM_OK;
}

void dm_fa_forecast_free(dm_fa_forecast *f)
{
    dm_fa_basis_free(&f->basis);
    dm_landrelease_free(&f->lr);
    memset(f, 0, sizeof *f);
}

static void json_citation(dm_buf *b, const dm_fa_figure *f, const char *file)
{
    dm_buf_puts(b, "{\"quantity\":");
    dm_buf_json_string(b, f->quantity);
    dm_buf_puts(b, ",\"value_low\":");
    dm_buf_json_number(b, f->low);
    dm_buf_puts(b, ",\"value_high\":");
    dm_buf_json_number(b, f->high);
    dm_buf_puts(b, ",\"unit\":");
    dm_buf_json_string(b, f->unit);
    dm_buf_puts(b, ",\"source_url\":");
    dm_buf_json_string(b, f->url);
    dm_buf_puts(b, ",\"file\":");
    dm_buf_json_string(b, file);
    dm_buf_puts(b, "}");
}

static const char *src_name(int s)
{
    return s == DM_FA_SRC_DATABASE       ? "database"
           : s == DM_FA_SRC_DEFAULT      ? "default"
           : s == DM_FA_SRC_AS_CLEARANCE ? "as clearance"
                                         : "none";
}

static void json_outlook(dm_buf *b, const dm_fa_outlook *o)
{
    dm_buf_puts(b, "\"remaining_area_m2\":");
    dm_buf_json_number(b, o->area_m2);
    dm_fa_q_json(b, "days", &o->days);
    dm_fa_done_json(b, o);
}

static void json_group(dm_buf *b, const dm_fa_model *m, int from, bool first, const char *key,
                       const char *name, double area)
{
    dm_fa_outlook o;
    dm_fa_outlook_of(m, from, area, &o);
    dm_buf_printf(b, "%s{\"key\":", first ? "" : ",");
    dm_buf_json_string(b, key);
    dm_buf_puts(b, ",\"name\":");
    dm_buf_json_string(b, name);
    dm_buf_puts(b, ",");
    json_outlook(b, &o);
    dm_buf_puts(b, "}");
}

static void json_productivity(dm_buf *b, const dm_fa_forecast *f, const char *file)
{
    const dm_fa_model *m = &f->basis.model;
    int k = 0;
    for (int a = 0; a < DM_FA_NASSETS; a++)
        for (int o = DM_FA_NOPS - 1; o >= 0; o--) {
            const dm_fa_prod *p = &m->prod[a][o];
            dm_buf_printf(b,
                          "%s{\"asset\":\"%s\",\"operation\":\"%s\",\"teams\":%d,"
                          "\"source\":\"%s\",\"activities\":%d,\"mean_m2_per_team_day\":",
                          k++ ? "," : "", dm_fa_asset_names[a], dm_fa_op_names[o], f->rq.teams.n[a],
                          src_name(p->source), p->n);
            dm_buf_json_number(b, p->source ? p->mean : NAN);
            if (p->source == DM_FA_SRC_DATABASE) {
                dm_buf_puts(b, ",\"activity_p10\":");
                dm_buf_json_number(b, p->p10);
                dm_buf_puts(b, ",\"activity_p90\":");
                dm_buf_json_number(b, p->p90);
            } else if (p->source != DM_FA_SRC_NONE) {
                dm_buf_puts(b, ",\"low\":");
                dm_buf_json_number(b, p->low);
                dm_buf_puts(b, ",\"high\":");
                dm_buf_json_number(b, p->high);
                if (a == DM_FA_MANUAL)
                    dm_buf_printf(b, ",\"deminers_per_team\":%d", DM_FA_MANUAL_TEAM_DEMINERS);
                dm_buf_puts(b, ",\"citation\":");
                json_citation(b, &f->basis.defaults.prod[a], file);
            }
            dm_buf_puts(b, "}");
        }
}

dm_status dm_fa_forecast_json(const dm_fa_forecast *f, const char *database, dm_buf *b)
{
    const dm_fa_model *m = &f->basis.model;
    const dm_fa_defaults *d = &f->basis.defaults;
    const char *file = d->path;
    char fromd[11];
    dm_fc_day_format(f->rq.from, fromd);
    dm_buf_puts(b, "{");
    if (database) {
        dm_buf_puts(b, "\"database\":");
        dm_buf_json_string(b, database);
        dm_buf_puts(b, ",");
    }
    dm_buf_printf(b, "\"from\":\"%s\",\"runs\":%d,\"seed\":%llu,\"teams\":{", fromd, f->rq.runs,
                  (unsigned long long)f->rq.seed);
    for (int a = 0; a < DM_FA_NASSETS; a++)
        dm_buf_printf(b, "%s\"%s\":%d", a ? "," : "", dm_fa_asset_names[a], f->rq.teams.n[a]);
    dm_buf_puts(b, "},\"published_figures\":{\"file\":");
    dm_buf_json_string(b, file);
    dm_buf_printf(b, ",\"read\":%s", d->read ? "true" : "false");
    if (!d->read) {
        dm_buf_puts(b, ",\"why\":");
        dm_buf_json_string(b, d->why);
    }
    dm_buf_printf(b, "},\"activities_used\":%zu,\"activities_not_usable\":%zu,\"productivity\":[",
                  f->basis.history.nacts, f->basis.history.skipped);
    json_productivity(b, f, file);
    dm_buf_printf(b, "],\"release_mix\":{\"source\":\"%s\",\"hazards\":%d", src_name(m->mix_source),
                  m->mix_hazards);
    static const char *const mn[3] = {"cancelled", "reduced", "cleared"};
    for (int i = 0; i < 3; i++) {
        dm_buf_printf(b, ",\"%s\":{\"share\":", mn[i]);
        dm_buf_json_number(b, m->mix[i]);
        dm_buf_puts(b, ",\"p10\":");
        dm_buf_json_number(b, m->mix_q[i][0]);
        dm_buf_puts(b, ",\"p90\":");
        dm_buf_json_number(b, m->mix_q[i][2]);
        dm_buf_puts(b, "}");
    }
    if (m->mix_source == DM_FA_SRC_DEFAULT) {
        dm_buf_puts(b, ",\"citation\":{\"source\":\"Landmine Monitor 2023 (States Parties, "
                       "2022: cancelled 156.92, reduced 121.11, cleared 219.31 of 497.34 "
                       "km2)\",\"source_url\":");
        dm_buf_json_string(b, d->mix.found ? d->mix.url : DM_FA_DEFAULT_MIX_URL);
        dm_buf_puts(b, "}");
    }
    dm_buf_printf(b, "},\"cost\":{\"known\":%s", m->cost_known ? "true" : "false");
    if (m->cost_known) {
        dm_buf_puts(b, ",\"currency\":\"USD\",\"basis\":\"per m2 cleared\",\"citation\":");
        json_citation(b, &d->cost, file);
    } else {
        dm_buf_puts(b, ",\"why\":");
        dm_buf_json_string(b, m->cost_why);
    }
    dm_buf_puts(b, "},\"total\":{");
    json_outlook(b, &f->total);
    dm_buf_puts(b, "}");
    if (f->rq.by_admin) {
        dm_buf_printf(b, ",\"admin_level\":%d,\"groups\":[", f->lr.admin_level);
        for (size_t i = 0; i < f->lr.ngroups; i++)
            json_group(b, m, f->rq.from, i == 0, f->lr.groups[i].key, f->lr.groups[i].name,
                       f->lr.groups[i].remaining_area_m2);
        if (f->outside_m2 > 1)
            json_group(b, m, f->rq.from, f->lr.ngroups == 0, "outside", "outside every admin area",
                       f->outside_m2);
        dm_buf_puts(b, "]");
    }
    dm_fa_assumptions_json(b, m);
    return dm_buf_puts(b, "}\n");
}
