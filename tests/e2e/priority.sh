# End-to-end test of `demine priority` on the demo database (real BiH
# hazards, incidents and GeoNames settlements plus the synthetic casualties
# and EO items): every open approved hazard ranked exactly once, scores in
# order, each factor's records exist and lie within its distance, the
# settlements factor worked out again here from the exported geometries by
# another route (a local ellipsoidal frame at each settlement, every
# hazard-settlement pair), --json parses, and bad weights files are refused
# naming the key.
# usage: priority.sh path/to/demine
DEMINE=$1
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "FAIL sqlite3 is needed"; exit 1; }

DB="$T/demo.gpkg"
expect_exit "demo builds the demo database" 0 "$DEMINE" demo --out "$DB" --data "$ROOT/data"
check "the demo has the 272 GeoNames settlements of BiH" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM settlements WHERE state = 'approved'")" -eq 272
check "settlements are keyed by their GeoNames id" \
    test "$(sqlite3 "$DB" "SELECT name || ' ' || population FROM settlements WHERE code = '3191281'")" = "Sarajevo 696731"

start=$(date +%s.%N)
expect_exit "priority --json --list" 0 "$DEMINE" priority "$DB" --json --list --as-of 2025-06-01
end=$(date +%s.%N)
echo "     priority --json --list on the demo: $(echo "$end - $start" | bc) s"
cp "$T/out" "$T/p.json"
check "--json parses" "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/p.json"

sqlite3 "$DB" "SELECT code FROM hazards WHERE state = 'approved' AND (lifecycle IS NULL OR lifecycle = 'open') AND geom IS NOT NULL ORDER BY code" >"$T/open.txt"
json "$T/p.json" "'\n'.join(sorted(h['code'] for h in d['hazards']))" >"$T/ranked.txt"
check "every open approved hazard is ranked exactly once ($(wc -l <"$T/open.txt"))" \
    cmp -s "$T/open.txt" "$T/ranked.txt"
check "the hazards are ranked at all" test "$(wc -l <"$T/open.txt")" -gt 1000

check "ranks are 1..n and scores never rise; each score is its benefit per cost" "$PY" - "$T/p.json" <<'EOF'
import json, sys, math
d = json.load(open(sys.argv[1]))
hs, w = d["hazards"], d["weights"]
# effort in team-days: the demo's learned mix over its learned productivity
ef = d["effort"]
assert ef["unit"] == "team-days", ef
mix, rate = ef["mix"], ef["m2_per_team_day"]
assert math.isclose(sum(mix.values()), 1, rel_tol=1e-9)
assert "learned from the releases" in ef["basis"] and "6 of 6" in ef["basis"], ef["basis"]
e = {"per_m2": mix["reduced"] / rate["technical survey"] + mix["cleared"] / rate["clearance"]}
assert math.isclose(ef["team_days_per_ha"], e["per_m2"] * 1e4, rel_tol=1e-12)
assert [h["rank"] for h in hs] == list(range(1, len(hs) + 1))
assert all(a["score"] >= b["score"] for a, b in zip(hs, hs[1:]))
for h in hs:
    f = h["factors"]
    assert set(f) == {"casualties", "settlements", "infrastructure", "evidence", "items", "effort"}
    for k, v in f.items():
        assert v["weight"] == w[k], k
        assert math.isclose(v["contribution"], v["value"] * v["weight"], rel_tol=1e-9, abs_tol=1e-12)
    benefit = sum(v["contribution"] for k, v in f.items() if k != "effort")
    assert math.isclose(h["benefit"], benefit, rel_tol=1e-9, abs_tol=1e-12), h["code"]
    team_days = h["area_m2"] * e["per_m2"]
    assert math.isclose(f["effort"]["value"], team_days, rel_tol=1e-9)
    assert math.isclose(h["score"], benefit / (1 + w["effort"] * team_days), rel_tol=1e-9, abs_tol=1e-12)
    assert f["evidence"]["value"] == (1 if h["status"] == "CHA" else 0)
EOF

"$DEMINE" forecast "$DB" --json --runs 1 >"$T/f.json" 2>/dev/null
check "effort's mix and productivity are the forecast's (its default teams, each asset by its teams)" "$PY" - "$T/p.json" "$T/f.json" <<'EOF'
import json, sys, math
ef, f = json.load(open(sys.argv[1]))["effort"], json.load(open(sys.argv[2]))
for k in ("cancelled", "reduced", "cleared"):
    assert math.isclose(ef["mix"][k], f["release_mix"][k]["share"], rel_tol=1e-12), k
for op in ("technical survey", "clearance"):
    rows = [p for p in f["productivity"] if p["operation"] == op]
    want = sum(p["teams"] * p["mean_m2_per_team_day"] for p in rows) / sum(p["teams"] for p in rows)
    assert math.isclose(ef["m2_per_team_day"][op], want, rel_tol=1e-12), (op, ef, want)
EOF

# every record named exists (approved) and lies within its factor's distance
for t in accidents settlements infrastructure eo_items; do
    sqlite3 "$DB" "SELECT code FROM $t WHERE state = 'approved'" >"$T/codes_$t.txt"
done
check "each factor's records exist, are approved and lie within its distance" "$PY" - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
d = json.load(open(t + "/p.json"))
w = d["weights"]
codes = {k: set(open(f"{t}/codes_{k}.txt").read().split()) for k in ("accidents", "settlements", "infrastructure", "eo_items")}
table = {"casualties": "accidents", "settlements": "settlements", "infrastructure": "infrastructure", "items": "eo_items"}
limit = {"casualties": w["casualty_distance_m"], "settlements": w["settlement_distance_m"],
         "infrastructure": w["infrastructure_distance_m"], "items": 0}
n = 0
for h in d["hazards"]:
    for k, tb in table.items():
        f = h["factors"][k]
        assert abs(sum(r["amount"] for r in f["records"]) - f["value"]) <= 1e-9 * max(1, f["value"]), (h["code"], k)
        for r in f["records"]:
            assert r["code"] in codes[tb], (h["code"], k, r["code"])
            assert 0 <= r["distance_m"] <= limit[k], (h["code"], k, r)
            n += 1
assert n > 1000, n
print(f"     {n} records checked", file=sys.stderr)
EOF

"$DEMINE" export "$DB" hazards "$T/h.geojson" >/dev/null 2>&1
"$DEMINE" export "$DB" settlements "$T/s.geojson" >/dev/null 2>&1
check "the settlements factor, worked out again: the same settlements at the same distances" "$PY" - "$T" <<'EOF'
import json, sys, math
t = sys.argv[1]
d = json.load(open(t + "/p.json"))
D = d["weights"]["settlement_distance_m"]
unknown = d["weights"]["settlement_unknown_population"]
power = d["weights"]["settlement_population_power"]
assert power == 0.5, power
A, E2 = 6378137.0, 0.00669437999014
def frame(lat):  # metres per degree (meridional and prime vertical radii)
    s = math.sin(math.radians(lat))
    n = A / math.sqrt(1 - E2 * s * s)
    m = A * (1 - E2) / (1 - E2 * s * s) ** 1.5
    return math.radians(1) * n * math.cos(math.radians(lat)), math.radians(1) * m
def rings(g):
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return [r for p in polys for r in p]
def dist(px, py, rs):
    kx, ky = frame(py)
    inside, best = False, float("inf")
    for r in rs:
        pts = [((x - px) * kx, (y - py) * ky) for x, y in r]
        for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
            if (y1 > 0) != (y2 > 0) and 0 < x1 + (0 - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
            dx, dy = x2 - x1, y2 - y1
            u = max(0, min(1, -(x1 * dx + y1 * dy) / (dx * dx + dy * dy))) if dx or dy else 0
            best = min(best, math.hypot(x1 + u * dx, y1 + u * dy))
    return 0.0 if inside else best
haz = {f["properties"]["code"]: f["geometry"] for f in json.load(open(t + "/h.geojson"))["features"]}
stl = [(f["properties"]["code"], f["properties"]["population"], *f["geometry"]["coordinates"])
       for f in json.load(open(t + "/s.geojson"))["features"]]
pairs = worst = 0
for h in d["hazards"]:
    rs = rings(haz[h["code"]])
    xs = [x for r in rs for x, _ in r]; ys = [y for r in rs for _, y in r]
    got = {r["code"]: r for r in h["factors"]["settlements"]["records"]}
    want = {}
    for code, pop, x, y in stl:
        if x < min(xs) - 0.1 or x > max(xs) + 0.1 or y < min(ys) - 0.06 or y > max(ys) + 0.06:
            continue
        dd = dist(x, y, rs)
        if dd <= D:
            want[code] = (dd, pop)
    for code in set(got) | set(want):
        if code not in got:  # only at the very edge of the distance
            assert want[code][0] > D * 0.999, (h["code"], code, want[code])
            continue
        if code not in want:
            assert dist(*[s[2:] for s in stl if s[0] == code][0], rs) < D * 1.001, (h["code"], code)
            continue
        dd, pop = want[code]
        r = got[code]
        assert abs(r["distance_m"] - dd) <= 1 + 0.002 * dd, (h["code"], code, r["distance_m"], dd)
        p = pop if pop and pop > 0 else unknown
        assert math.isclose(r["amount"], (p / 1000) ** power * (1 - r["distance_m"] / D), rel_tol=1e-9, abs_tol=1e-12)
        worst = max(worst, abs(r["distance_m"] - dd) / max(dd, 1))
        pairs += 1
assert pairs > 100, pairs
print(f"     {pairs} hazard-settlement pairs agree (worst relative difference {worst:.2e})", file=sys.stderr)
EOF

# text and --list
expect_exit "priority (text)" 0 "$DEMINE" priority "$DB" --as-of 2025-06-01 --top 5 --list
check "the text names the formula and its weights" grep -q "score = (10 x casualties + 1 x settlements" "$T/out"
check "the text lists the records behind the first hazard" grep -q "^       settlements " "$T/out"
expect_exit "priority --help prints the default weights" 0 "$DEMINE" priority --help
check "--help names every default weight" grep -q '"casualty_half_life_years": 5' "$T/out"

# a weights file changes the ranking: without settlements and effort, only
# casualties, infrastructure, evidence and items count
printf '{"settlements": 0, "effort": 0, "casualty_half_life_years": 2}\n' >"$T/w.json"
expect_exit "priority --weights" 0 "$DEMINE" priority "$DB" --weights "$T/w.json" --json --as-of 2025-06-01
check "the weights file's weights are used" "$PY" - "$T/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["weights"]["settlements"] == 0 and d["weights"]["casualties"] == 10
assert d["weights"]["casualty_half_life_years"] == 2
for h in d["hazards"]:
    assert h["factors"]["settlements"]["contribution"] == 0
    assert h["score"] == h["benefit"]
EOF

# bad weights files: an error naming the key, nothing printed
bad() { # bad NAME JSON KEY
    printf '%s' "$2" >"$T/bad.json"
    expect_exit "weights $1 refused" 1 "$DEMINE" priority "$DB" --weights "$T/bad.json"
    check "  the message names $3" err_has "$3"
    check "  nothing on stdout" test ! -s "$T/out"
}
bad "with an unknown factor" '{"casualty": 1}' "'casualty'"
bad "with a negative weight" '{"settlements": -1}' "'settlements'"
bad "with a non-numeric weight" '{"evidence": "high"}' "'evidence'"
bad "with an unknown infrastructure type" '{"infrastructure_types": {"railway": 1}}' "'infrastructure_types.railway'"
bad "that is not JSON" '{"casualties": ' "not JSON"
expect_exit "a missing weights file" 1 "$DEMINE" priority "$DB" --weights "$T/none.json"
check "  the message names the file" err_has "none.json"
expect_exit "no database" 2 "$DEMINE" priority
expect_exit "a bad --as-of date" 1 "$DEMINE" priority "$DB" --as-of 2025-13-01
finish
