/* Synthetic demo records, clearly labelled: every record made here has
 * origin "synthetic demo data" and attributes {"synthetic": true}. Used by
 * `demine demo`, `demine generate`, the benchmarks and tests; never mixed
 * into real data files.
 */
#ifndef DM_IO_SYNTHETIC_H
#define DM_IO_SYNTHETIC_H

#include "core/error.h"
#include "store/store.h"

#include <stdint.h>

typedef struct dm_synthetic_counts {
    int64_t organisations, releases, items;
} dm_synthetic_counts;

/* Adds organisations, land releases (cancelled, reduced and cleared parts of
 * existing hazards, dated 2015-2025, each naming its hazard in hazard_code)
 * and EO items found in the cleared parts.
 * Deterministic for a given seed. Runs in one transaction. */
dm_status dm_synthetic_generate(dm_store *store, uint64_t seed, int nreleases, const char *who,
                                dm_synthetic_counts *out, dm_error *err);

/* The synthetic activity history: one completed activity for each synthetic
 * release (those of dm_synthetic_generate, which name their hazard), on the
 * release's polygon, ending on the release's date, with its organisation and
 * hazard_code, labelled like every synthetic record. The model:
 * - a cancelled release comes from a non-technical survey (type NTS, no
 *   asset) of 1-5 days;
 * - a reduced release from a technical survey (TS), a cleared one from a
 *   clearance; the asset is manual (50%), mechanical (20%) or MDD (30%);
 * - the team's productivity p (m² per team-day) is lognormal, its median
 *   manual 250, mechanical 3000, MDD 700 for clearance and three times that
 *   for technical survey, σ of log p DM_SYNTHETIC_PROD_SIGMA; the activity
 *   lasts round(area / p) days (at least 1): start_date = date − days + 1;
 * - a TS or clearance costs its days times a team-day's cost (USD: manual
 *   1,500, mechanical 6,000, MDD 2,000; synthetic) times a lognormal factor
 *   of σ(log) DM_SYNTHETIC_COST_SIGMA, drawn from a stream of its own (the
 *   assets and days are those of the model without costs).
 * So the true average productivity, Σ area / Σ days over many activities, is
 * dm_synthetic_true_rate() (median·e^(−σ²/2)). Deterministic for a seed.
 * *added is the number of activities added (all in one transaction). */
dm_status dm_synthetic_activities(dm_store *store, uint64_t seed, const char *who, int64_t *added,
                                  dm_error *err);

#define DM_SYNTHETIC_PROD_SIGMA 0.5
#define DM_SYNTHETIC_COST_SIGMA 0.2

/* asset: 0 manual, 1 mechanical, 2 MDD; op: 0 technical survey, 1 clearance */
double dm_synthetic_true_rate(int asset, int op);

/* Draws one activity of the model for an area: its asset and its days. */
void dm_synthetic_activity_draw(uint64_t *state, int op, double area_m2, int *asset, double *days);

/* What dm_synthetic_casualties added. */
typedef struct dm_synthetic_casualty_counts {
    int64_t accidents, victims;
    int64_t killed, injured, children;
    int64_t in_hazards;          /* accidents placed inside a hazardous area */
    int64_t with_admin;          /* accidents given an admin_code */
    int64_t submitted;           /* accidents (with their victims) left submitted */
    int64_t first_ref, last_ref; /* their incident_refs: SYN-<first_ref> .. SYN-<last_ref> */
} dm_synthetic_casualty_counts;

/* Adds exactly `nvictims` synthetic victims with their accidents (incidents),
 * all in one transaction, every record labelled (origin "synthetic demo
 * data", attributes {"synthetic": true}) and with synthetic personal data
 * ("Synthetic Person 123-1", "Synthetic street 4, Synthetic village 17"), so
 * that statistics, drafts and the protection of personal data can be tried
 * on realistic volumes without real victims. Deterministic for a seed (and
 * the store's hazards, admin areas and settlements); `who` goes to the
 * change log. nvictims must be 1 .. 100,000,000.
 *
 * The model (rough shapes of Landmine Monitor figures for BiH, not data):
 * - Incident dates 1996-01-01 .. 2025-12-31; the yearly rate falls
 *   exponentially from the first post-war year (weight e^-(y-1996)/5 plus a
 *   floor of 1%), more in spring and autumn (field work, wood) than winter.
 * - Positions in Bosnia and Herzegovina. When the store has hazardous
 *   areas, 90% of incidents are placed on a random hazard (a random point
 *   of its envelope, accepted when inside the polygon; 30% of them then
 *   moved 30-300 m in a random direction, "near" it), the rest anywhere in
 *   the country. With admin areas in the store every incident is inside
 *   one (a point that is not, say moved across the border, is placed
 *   again); without them "anywhere" is inside a coarse outline of BiH.
 * - hazard_code is the hazard containing the point (empty outside every
 *   hazard); admin_code the finest-level admin area containing it (empty
 *   without admin areas); settlement_code the nearest settlement (empty
 *   without settlements).
 * - Device: AP mine 55%, AT mine 12%, UXO 17%, cluster submunition 7%,
 *   IED 2%, other 2%, "unknown" 5%; device_model a plausible model of the
 *   category (PMA-2, PROM-1, PMN-2, TMA-3, KB-1 ...) or empty (20%).
 * - Activity: farming 24%, collecting wood 20%, travelling 12%, herding 7%,
 *   demining 6%, military 5%, playing 4%, unknown (empty) 22%; demining = 1
 *   for demining accidents, else 0.
 * - Victims per incident: 1 (72%), 2 (17%), 3 (7%), 4 (4%); the last
 *   incident is cut so that the total is exactly nvictims.
 * - Victim status: killed ~30% (45% for AT mines), injured ~68%, unknown
 *   (empty) 2%; injuries text for the injured ("lower limb amputation" ...).
 * - Group: deminer in demining accidents, military in military ones, else
 *   civilian 95%, military 2%, unknown (empty) 3%.
 * - Sex: m ~80%, f ~15%, unknown (empty) ~5% (deminers, soldiers: m).
 * - Age: unknown (empty) 8%, half of those with an age_group; else a child
 *   (3-17) with a chance that depends on the activity (90% when playing,
 *   none for deminers and soldiers: ~15% of all victims), or an adult
 *   18-80 skewed young.
 * - State: 1% of incidents, with their victims, are "submitted" (waiting for
 *   review), so that figures with and without drafts differ; the rest are
 *   approved.
 * - incident_ref SYN-000123, numbered on from the highest SYN- reference
 *   already in the store; codes IN-xxxx and VI-xxxx come from the store.
 */
dm_status dm_synthetic_casualties(dm_store *store, uint64_t seed, int64_t nvictims, const char *who,
                                  dm_synthetic_casualty_counts *out, dm_error *err);

#endif
