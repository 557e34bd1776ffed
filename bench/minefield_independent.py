"""Minefield prediction on records made independently of the project's own
scenario generator (analysis/minefield_scenario.c), through the command line
as a user runs it.

Each scenario is a minefield record (DESIGN.md "Minefield record v1") and the
items clearance has found so far, written to files; `demine minefield predict
--record R --found F --out P` predicts the rest, and its predictions are
scored against the mines really laid. Nothing here shares code or constants
with the C generator, and no change to the method was decided on it: it is a
held-out check.

What the records get wrong (drawn per scenario; figures chosen from what
laying parties' records are known to get wrong, not from the method's priors):
- the reference point: off by 1-30 m (70%), 30-300 m (20%) or 0.5-3 km (10%:
  a wrong grid reference);
- the bearings: a compass error of N(0, 2) degrees for the whole record; a
  magnetic record whose declination was applied twice or not at all (15%,
  declination 4-9 degrees); every bearing reciprocal (4%); and each row laid
  off its written bearing by N(0, 1) degrees (a row's own sighting);
- the distances: N(1, 3%) (70%), a pace/metre mix-up (20%: paces of 0.70-0.85 m
  written as metres, or metres as paces), N(1, 8%) (10%); and each leg paced
  off by N(0, 2%);
- the rows: a row never laid (8% each), a row moved by 2-8 m (5% each), one
  more row than written, parallel to an outer one (10% of records);
- each mine off its place by N(0, s) per axis, s of 0.4-1.2 m per record;
- clutter: scrap and other ordnance in the cleared ground, 0-50% as many as
  the mines found plus 0-3, half of it with a category (SCRAP, UXO), half
  without; found mines carry their category 60% of the time;
- harmless fields: a metre record that gives a pace length, a grid record
  that gives a declination;
- clearance from one edge, in a random direction, to 2-10% or 10-40% of the
  mines laid.

Measures, per bucket of found fraction: recall (share of the remaining laid
mines, unwritten rows included, with a prediction within 2 m), radius coverage
(share of the remaining laid recorded mines inside their prediction's
radius_m), confidently wrong (confidence >= 0.5 and fewer than half the
predictions within 2 m of a remaining mine); and the same recall for the
record as written, a least-squares similarity fit told which recorded mine
each found mine is, and the true transform (without the rows' and mines' own
errors).

usage: python3 bench/minefield_independent.py DEMINE [--cases N] [--seed S]
           [--markdown FILE]
(bench/minefield.sh runs it with the defaults, 200 scenarios per bucket, and
writes its tables into bench/README.md)
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time

A_WGS, F_WGS = 6378137.0, 1.0 / 298.257223563


def frame(lat0):
    """metres per degree of longitude and latitude at lat0 (the record
    format's tangent plane: WGS84 prime-vertical and meridional radii)"""
    e2 = F_WGS * (2.0 - F_WGS)
    s = math.sin(math.radians(lat0))
    w = math.sqrt(1.0 - e2 * s * s)
    n = A_WGS / w
    m = A_WGS * (1.0 - e2) / (w * w * w)
    return n * math.cos(math.radians(lat0)) * math.pi / 180.0, m * math.pi / 180.0


def step(x, y, bearing_deg, dist):
    b = math.radians(bearing_deg)
    return x + dist * math.sin(b), y + dist * math.cos(b)


def polyline_points(v, n):
    """n points evenly spaced along the polyline v, first and last at its ends"""
    seg = [math.dist(v[i], v[i + 1]) for i in range(len(v) - 1)]
    total = sum(seg)
    out = []
    for k in range(n):
        s = total * k / (n - 1) if n > 1 else 0.0
        i = 0
        while i < len(seg) - 1 and s > seg[i]:
            s -= seg[i]
            i += 1
        u = s / seg[i] if seg[i] > 0 else 0.0
        out.append((v[i][0] + u * (v[i + 1][0] - v[i][0]), v[i][1] + u * (v[i + 1][1] - v[i][1])))
    return out


def sim_apply(t, p):
    a1, a2, tx, ty = t
    return (tx + a1 * p[0] + a2 * p[1], ty - a2 * p[0] + a1 * p[1])


def sim_make(rot_cw_deg, scale, tx, ty):
    r = math.radians(rot_cw_deg)
    return (scale * math.cos(r), scale * math.sin(r), tx, ty)


def sim_fit(src, dst):
    """least-squares similarity dst = t + A src (A = [[a1, a2], [-a2, a1]])"""
    n = len(src)
    mx = sum(p[0] for p in src) / n
    my = sum(p[1] for p in src) / n
    fx = sum(p[0] for p in dst) / n
    fy = sum(p[1] for p in dst) / n
    sxx = sa = sb = 0.0
    for (x, y), (u, v) in zip(src, dst):
        x, y, u, v = x - mx, y - my, u - fx, v - fy
        sxx += x * x + y * y
        sa += x * u + y * v
        sb += y * u - x * v
    if sxx <= 0:
        return None
    a1, a2 = sa / sxx, sb / sxx
    return (a1, a2, fx - (a1 * mx + a2 * my), fy - (-a2 * mx + a1 * my))


def make_scenario(rng, bucket):
    """(record dict, found items [(x, y, props)], truth, the truth not found,
    written positions by (row id, index), keys of the recorded mines found,
    true transform, the errors drawn): positions in local metres of the
    written reference point"""
    lat0 = rng.uniform(39.0, 45.0)
    lon0 = rng.uniform(17.0, 48.0)
    magnetic = rng.random() < 0.4
    decl = round(rng.uniform(4.0, 9.0) * rng.choice((-1, 1)), 2)
    # units and the scale error
    u = rng.random()
    unit, pace_m, scale = "m", None, rng.gauss(1.0, 0.03)
    tags = set()
    if u < 0.20:
        pace = rng.uniform(0.70, 0.85)
        tags.add("pace/metre mix-up")
        if rng.random() < 0.5:  # paced, written as metres
            scale = pace * rng.gauss(1.0, 0.02)
            if rng.random() < 0.5:
                pace_m = round(pace, 2)  # the form's pace length, given anyway
        else:  # measured in metres, written as paces
            unit, pace_m = "paces", round(pace, 2)
            scale = 1.0 / pace * rng.gauss(1.0, 0.02)
    elif u < 0.30:
        scale = rng.gauss(1.0, 0.08)
        tags.add("scale sd 8%")
    elif rng.random() < 0.15:
        pace_m = round(rng.uniform(0.70, 0.85), 2)  # harmless: a metre record with a pace
    k = pace_m if unit == "paces" else 1.0  # metres per written unit, as the record means it
    # rotation error
    rot = rng.gauss(0.0, 2.0)
    if magnetic and rng.random() < 0.15:
        rot += decl * rng.choice((-1, 1))  # applied twice, or not at all
        tags.add("declination mistaken")
    if rng.random() < 0.04:
        rot += 180.0
        tags.add("reciprocal")
    # reference point error
    r = rng.random()
    off = rng.uniform(1, 30) if r < 0.7 else rng.uniform(30, 300) if r < 0.9 else rng.uniform(500, 3000)
    if off >= 500:
        tags.add("offset 0.5-3 km")
    ob = rng.uniform(0, 2 * math.pi)
    t_true = sim_make(rot, scale, off * math.sin(ob), off * math.cos(ob))

    # the field as written: parallel rows, possibly with one turn
    nrows = rng.randint(2, 8)
    gap = rng.uniform(5.0, 20.0)
    spacing = rng.uniform(1.5, 5.0)
    heading = rng.uniform(0, 360)
    turn = rng.uniform(-40, 40) if rng.random() < 0.3 else 0.0
    start_b = rng.uniform(0, 360)
    start_d = rng.uniform(20, 150)
    x0, y0 = step(0.0, 0.0, start_b, start_d)
    rows = []
    written = {}  # (row id, index) -> local metres as written
    legs_true = {}
    cats = [("AP", "PMA-2"), ("AP", "PMN-2"), ("AT", "TM-62M"), ("AP", "PROM-1")]
    for ri in range(nrows):
        rid = chr(ord("A") + ri)
        sx, sy = step(x0, y0, heading + 90.0, ri * gap)
        sx, sy = step(sx, sy, heading, rng.uniform(-1.5, 1.5) * spacing)
        n = rng.randint(8, 40)
        length = spacing * (n - 1)
        if turn:
            l1 = length * rng.uniform(0.4, 0.7)
            legs = [(heading, l1), (heading + turn, length - l1)]
        else:
            legs = [(heading, length)]
        cat, model = rng.choice(cats[:2]) if rng.random() < 0.8 else cats[2]
        # the record: bearings and distances in its own unit and reference
        sb_ = math.degrees(math.atan2(sx, sy)) % 360.0
        sd_ = math.hypot(sx, sy)
        wb = (lambda b: (b - decl) % 360.0) if magnetic else (lambda b: b % 360.0)
        row = {"id": rid, "category": cat, "model": model, "count": n,
               "start": {"bearing_deg": round(wb(sb_), 3), "distance": round(sd_ / k, 3)},
               "legs": [{"bearing_deg": round(wb(b), 3), "distance": round(d / k, 3)} for b, d in legs]}
        rows.append(row)
        # the written positions, as the record reads
        v = [step(0, 0, wb(sb_) + (decl if magnetic else 0.0), round(sd_ / k, 3) * k)]
        for b, d in legs:
            v.append(step(v[-1][0], v[-1][1], wb(b) + (decl if magnetic else 0.0), round(d / k, 3) * k))
        for i, p in enumerate(polyline_points(v, n)):
            written[(rid, i + 1)] = p
        # as laid: each row's own bearing and each leg's pacing off
        db = rng.gauss(0.0, 1.0)
        vt = [v[0]]
        for (b, d) in legs:
            vt.append(step(vt[-1][0], vt[-1][1], b + db, d * rng.gauss(1.0, 0.02)))
        legs_true[rid] = (polyline_points(vt, n), cat, model)
    rec = {"type": "MinefieldRecord", "version": 1, "id": "IND", "laid": "1994-04-01",
           "reference_point": {"lon": round(lon0, 7), "lat": round(lat0, 7)},
           "bearing_ref": "magnetic" if magnetic else "grid",
           "declination_deg": decl if magnetic or rng.random() < 0.2 else 0.0,
           "unit": unit, "rows": rows}
    if pace_m:
        rec["pace_m"] = pace_m

    # the truth: the true transform of the laid rows, row moves, jitter
    jit = rng.uniform(0.4, 1.2)
    truth = []  # (x, y, key or None, category, model)
    laid_rows = [rw["id"] for rw in rows if rng.random() >= 0.08] or [rows[0]["id"]]
    for rid in laid_rows:
        pts, cat, model = legs_true[rid]
        mv = (0.0, 0.0)
        if rng.random() < 0.05:
            d, b = rng.uniform(2, 8), rng.uniform(0, 2 * math.pi)
            mv = (d * math.sin(b), d * math.cos(b))
            tags.add("row moved")
        for i, p in enumerate(pts):
            q = sim_apply(t_true, p)
            truth.append((q[0] + mv[0] + rng.gauss(0, jit), q[1] + mv[1] + rng.gauss(0, jit),
                          (rid, i + 1), cat, model))
    if len(laid_rows) < len(rows):
        tags.add("row not laid")
    if rng.random() < 0.10:  # one row more than written, beyond an outer one
        tags.add("unwritten row")
        rid = rows[0]["id"] if rng.random() < 0.5 else rows[-1]["id"]
        side = -1.0 if rid == rows[0]["id"] else 1.0
        pts, cat, model = legs_true[rid]
        d = rng.uniform(0.6, 1.5) * gap
        sh = rng.uniform(-5, 5)
        for p in pts:
            px, py = step(p[0], p[1], heading + 90.0 * side, d)
            px, py = step(px, py, heading, sh)
            q = sim_apply(t_true, (px, py))
            truth.append((q[0] + rng.gauss(0, jit), q[1] + rng.gauss(0, jit), None, cat, model))

    # clearance from one edge
    cb = rng.uniform(0, 2 * math.pi)
    ux, uy = math.sin(cb), math.cos(cb)
    proj = sorted(ux * t[0] + uy * t[1] for t in truth)
    lo, hi = (0.02, 0.10) if bucket == 1 else (0.10, 0.40)
    frac = rng.uniform(lo, hi)
    nfound = max(1, int(round(frac * len(truth))))
    cut = (proj[nfound - 1] + proj[nfound]) / 2 if nfound < len(proj) else proj[-1] + 1
    found, found_keys, remaining = [], set(), []
    for t in truth:
        if ux * t[0] + uy * t[1] < cut:
            props = {}
            if rng.random() < 0.6:
                props["category"] = t[3]
                if rng.random() < 0.5:
                    props["model"] = t[4]
            found.append((t[0], t[1], props))
            if t[2]:
                found_keys.add(t[2])
        else:
            remaining.append(t)
    # clutter in the cleared ground of the field's box grown by 10 m
    xs, ys = [t[0] for t in truth], [t[1] for t in truth]
    box = (min(xs) - 10, max(xs) + 10, min(ys) - 10, max(ys) + 10)
    nmines = len(found)
    nclutter = int(rng.uniform(0, 0.5) * nmines) + rng.randint(0, 3)
    tries = 0
    while nclutter > 0 and tries < 10000:
        tries += 1
        x, y = rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])
        if ux * x + uy * y >= cut:
            continue
        props = {"category": rng.choice(("SCRAP", "UXO"))} if rng.random() < 0.5 else {}
        found.append((x, y, props))
        nclutter -= 1
    rng.shuffle(found)
    if jit >= 0.9:
        tags.add("jitter 0.9-1.2 m")
    return rec, found, truth, remaining, written, found_keys, t_true, tags


def to_geojson(points, lon0, lat0):
    kx, ky = frame(lat0)
    feats = [{"type": "Feature", "properties": p,
              "geometry": {"type": "Point", "coordinates": [lon0 + x / kx, lat0 + y / ky]}}
             for x, y, p in points]
    return {"type": "FeatureCollection", "features": feats}


def score(preds, remaining):
    """recall, precision (None without predictions) of [(x, y)] against the
    remaining mines"""
    if not remaining:
        return None, None
    hit = sum(1 for t in remaining if any(math.hypot(p[0] - t[0], p[1] - t[1]) <= 2.0 for p in preds))
    prec = None
    if preds:
        prec = sum(1 for p in preds if any(math.hypot(p[0] - t[0], p[1] - t[1]) <= 2.0
                                             for t in remaining)) / len(preds)
    return hit / len(remaining), prec


def run_case(demine, rng, bucket, tmp):
    rec, found, truth, remaining, written, found_keys, t_true, tags = make_scenario(rng, bucket)
    lon0, lat0 = rec["reference_point"]["lon"], rec["reference_point"]["lat"]
    rpath, fpath, ppath = (os.path.join(tmp, n) for n in ("r.json", "f.geojson", "p.geojson"))
    with open(rpath, "w") as f:
        json.dump(rec, f)
    with open(fpath, "w") as f:
        json.dump(to_geojson(found, lon0, lat0), f)
    t0 = time.monotonic()
    pr = subprocess.run([demine, "minefield", "predict", "--record", rpath, "--found", fpath,
                         "--out", ppath, "--json"], capture_output=True, text=True)
    ms = 1000.0 * (time.monotonic() - t0)
    res = {"ms": ms, "tags": tags}
    if pr.returncode != 0:
        res["error"] = pr.stderr.strip().splitlines()[-1] if pr.stderr.strip() else f"exit {pr.returncode}"
        return res
    out = json.load(open(ppath))
    kx, ky = frame(lat0)
    preds, by_key = [], {}
    for ft in out["features"]:
        lon, lat = ft["geometry"]["coordinates"]
        p = ((lon - lon0) * kx, (lat - lat0) * ky)
        preds.append(p)
        pp = ft["properties"]
        by_key[(str(pp.get("row")), int(pp.get("index", 0)))] = (p, pp.get("radius_m", 0.0))
    res["recall"], prec = score(preds, remaining)
    conf = out.get("fit", {}).get("confidence", 0.0) or 0.0
    res["conf_wrong"] = conf >= 0.5 and (prec is None or prec < 0.5)
    cin = cn = 0
    for t in remaining:
        if t[2] and t[2] in by_key:
            p, rad = by_key[t[2]]
            cn += 1
            cin += math.hypot(p[0] - t[0], p[1] - t[1]) <= rad
    res["cov"] = (cin, cn)
    # baselines over the recorded mines not found
    rest = [k for k in written if k not in found_keys]
    res["written"], _ = score([written[k] for k in rest], remaining)
    pairs = [(written[t[2]], (t[0], t[1])) for t in truth if t[2] in found_keys]
    ls = sim_fit([a for a, _ in pairs], [b for _, b in pairs]) if len(pairs) >= 2 else None
    res["ls"], _ = score([sim_apply(ls, written[k]) if ls else written[k] for k in rest], remaining)
    res["true"], _ = score([sim_apply(t_true, written[k]) for k in rest], remaining)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("demine")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--markdown")
    a = ap.parse_args()
    rows, by_tag, errors = [], {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for bucket, name in ((1, "2-10%"), (2, "10-40%")):
            acc = {"n": 0, "written": 0.0, "ls": 0.0, "demine": 0.0, "true": 0.0, "cin": 0, "cn": 0,
                   "cw": 0, "ms": []}
            for c in range(a.cases):
                rng = random.Random(a.seed * 1000 + bucket * 100000 + c)
                r = run_case(a.demine, rng, bucket, tmp)
                if "error" in r:
                    errors.append(f"{name} case {c}: {r['error']}")
                    continue
                if r["recall"] is None:
                    continue
                acc["n"] += 1
                for k in ("written", "ls", "true"):
                    acc[k] += r[k]
                acc["demine"] += r["recall"]
                acc["cin"] += r["cov"][0]
                acc["cn"] += r["cov"][1]
                acc["cw"] += r["conf_wrong"]
                acc["ms"].append(r["ms"])
                for tag in sorted(r["tags"]) or ["none of these"]:
                    t = by_tag.setdefault((tag, name), [0, 0.0, 0.0, 0.0])
                    t[0] += 1
                    t[1] += r["ls"]
                    t[2] += r["recall"]
                    t[3] += r["true"]
            n = max(acc["n"], 1)
            ms = sorted(acc["ms"]) or [0.0]
            rows.append((name, acc["n"], acc["written"] / n, acc["ls"] / n, acc["demine"] / n,
                         acc["true"] / n, acc["cin"] / max(acc["cn"], 1), acc["cw"] / n,
                         ms[len(ms) // 2], ms[-1]))
    lines = ["| found | cases | as written | LS (known corr.) | demine | true transform | "
             "demine coverage | confidently wrong | median ms | slowest ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f |" % r)
    lines.append("")
    lines.append(f"Refused or failed: {len(errors)} of {2 * a.cases} scenarios"
                 + (": " + "; ".join(errors[:5]) if errors else "."))
    lines.append("")
    lines.append("Recall by what the record gets wrong (a scenario counts under each of its errors):")
    lines.append("")
    lines.append("| error | found | cases | LS (known corr.) | demine | true transform |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for (tag, name), t in sorted(by_tag.items(), key=lambda kv: (kv[0][0], kv[0][1] != "2-10%")):
        lines.append("| %s | %s | %d | %.3f | %.3f | %.3f |" % (tag, name, t[0], t[1] / t[0],
                                                               t[2] / t[0], t[3] / t[0]))
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
