"""The request list of bench/server.sh, and the check made before timing.

usage: python3 check.py urls GPKG TABLE N SEED OUTDIR
    writes OUTDIR/bboxes.txt: N bboxes (seeded), each centred on a hazard
    picked at random (its envelope's centre, from the GeoPackage R-tree),
    0.02 to 0.30 degrees wide and high, 4 decimals: the pages a user panning
    a map over the hazards asks for.

usage: python3 check.py check OUTDIR NAME=BASEURL=PATHFILE ...
    the first NAME is the reference (demine). Fetches every path of each
    server once, in list order, and checks that each answer is HTTP 200 and
    a GeoJSON FeatureCollection of Features with geometries, with as many
    features as the reference's; where the reference returned every match
    (numberMatched <= limit), also that the set of hazard codes is the same.
    Saves the reference's bytes as OUTDIR/static/items/<bbox>.json (what
    nginx serves) and, for a server named static, checks that it returns
    those bytes exactly. Prints one line per server and each mismatch, and
    writes OUTDIR/check.json. Exit status 1 when any answer is invalid or
    differs.
"""
import json
import os
import random
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request

LIMIT = 100


def make_urls(gpkg, table, n, seed, outdir):
    db = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    boxes = db.execute(
        f'SELECT minx, maxx, miny, maxy FROM "rtree_{table}_geom" ORDER BY id').fetchall()
    rng = random.Random(seed)
    with open(os.path.join(outdir, "bboxes.txt"), "w") as f:
        for _ in range(n):
            minx, maxx, miny, maxy = rng.choice(boxes)
            cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
            w, h = rng.uniform(0.01, 0.15), rng.uniform(0.01, 0.15)
            f.write(f"{cx - w:.4f},{cy - h:.4f},{cx + w:.4f},{cy + h:.4f}\n")


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        return 0, str(e).encode()


def parse(status, body):
    """-> (features, numberMatched or None, error or None)"""
    if status != 200:
        return None, None, f"HTTP {status}: {body[:200]!r}"
    try:
        d = json.loads(body)
    except ValueError as e:
        return None, None, f"not JSON: {e}"
    if not isinstance(d, dict) or d.get("type") != "FeatureCollection":
        return None, None, "not a FeatureCollection"
    feats = d.get("features")
    if not isinstance(feats, list):
        return None, None, "no features array"
    for ft in feats:
        g = ft.get("geometry") if isinstance(ft, dict) else None
        if not isinstance(ft, dict) or ft.get("type") != "Feature" or not isinstance(g, dict) \
                or "type" not in g or "coordinates" not in g:
            return None, None, "a feature that is not a GeoJSON Feature with a geometry"
    return feats, d.get("numberMatched"), None


def shape(g):
    """A geometry's parts, rings of each part and positions, as text; a
    Polygon is a MultiPolygon of one part (servers write one or the other)."""
    t, c = g.get("type"), g.get("coordinates")
    if t == "Polygon":
        t, c = "MultiPolygon", [c]
    if t == "MultiPolygon":
        rings = [len(p) for p in c]
        pos = sum(len(r) for p in c for r in p)
        return f"{len(c)} polygons, rings {rings}, {pos} positions"
    return f"{t}: {json.dumps(c)[:60]}"


def shapes(feats):
    return {str((f.get("properties") or {}).get("code")): shape(f["geometry"]) for f in feats}


def codes(feats):
    return sorted(str((f.get("properties") or {}).get("code")) for f in feats)


def check(outdir, specs):
    servers = []
    for s in specs:
        name, base, pathfile = s.split("=", 2)
        with open(pathfile) as f:
            servers.append((name, base, [p for p in f.read().splitlines() if p]))
    with open(os.path.join(outdir, "bboxes.txt")) as f:
        bboxes = [b for b in f.read().splitlines() if b]
    static_dir = os.path.join(outdir, "static", "items")
    os.makedirs(static_dir, exist_ok=True)

    ref_name = servers[0][0]
    ref = []  # per request: (count, matched, codes, bytes)
    ref_shapes = {}  # hazard code -> shape of demine's geometry
    report = {"requests": len(bboxes), "servers": {}}
    bad = 0
    for si, (name, base, paths) in enumerate(servers):
        if len(paths) != len(bboxes):
            sys.exit(f"check: {name} has {len(paths)} paths for {len(bboxes)} bboxes")
        invalid, count_diff, code_diff, nbytes, nfeat = 0, 0, 0, 0, 0
        other_shape, shape_example = set(), None
        examples = []
        for i, path in enumerate(paths):
            status, body = fetch(base + path)
            feats, matched, err = parse(status, body)
            nbytes += len(body)
            if err:
                invalid += 1
                if len(examples) < 5:
                    examples.append(f"{name} {path}: {err}")
                if si == 0:
                    ref.append(None)
                continue
            nfeat += len(feats)
            if si == 0:
                ref.append((len(feats), matched, codes(feats), body))
                ref_shapes.update(shapes(feats))
                with open(os.path.join(static_dir, bboxes[i] + ".json"), "wb") as f:
                    f.write(body)
                continue
            r = ref[i]
            if r is None:
                continue
            for code, sh in shapes(feats).items():
                if code in ref_shapes and sh != ref_shapes[code]:
                    other_shape.add(code)
                    if shape_example is None:
                        shape_example = f"{code}: {sh} here, {ref_shapes[code]} from {ref_name}"
            if name == "static" and body != r[3]:
                invalid += 1
                if len(examples) < 5:
                    examples.append(f"{name} {path}: not the bytes {ref_name} returned")
            if len(feats) != r[0]:
                count_diff += 1
                if len(examples) < 5:
                    examples.append(f"{name} {path}: {len(feats)} features, "
                                    f"{ref_name} {r[0]} (numberMatched {r[1]})")
            elif r[1] is not None and r[1] <= LIMIT and codes(feats) != r[2]:
                code_diff += 1
                if len(examples) < 5:
                    a, b = set(codes(feats)), set(r[2])
                    examples.append(f"{name} {path}: other hazards: only here {sorted(a - b)[:5]}, "
                                    f"only in {ref_name} {sorted(b - a)[:5]}")
        n = len(paths)
        info = {"invalid": invalid, "count_mismatch": count_diff, "code_mismatch": code_diff,
                "features": nfeat, "mean_bytes": round(nbytes / n) if n else 0,
                "examples": examples, "other_shape": len(other_shape),
                "shape_example": shape_example}
        if si == 0:
            counts = [r[0] for r in ref if r]
            info.update({"empty": sum(1 for c in counts if c == 0),
                         "full": sum(1 for c in counts if c == LIMIT),
                         "min": min(counts, default=0), "max": max(counts, default=0)})
        report["servers"][name] = info
        bad += invalid + count_diff + code_diff
        print(f"check: {name}: {n} requests, {invalid} invalid, {count_diff} with another "
              f"feature count, {code_diff} with other hazards; {nfeat} features, "
              f"{info['mean_bytes']} bytes a response on average", file=sys.stderr)
        for e in examples:
            print(f"check:   MISMATCH {e}", file=sys.stderr)
        if other_shape:
            print(f"check:   {name}: {len(other_shape)} hazards with geometries of another shape "
                  f"(polygons, rings, positions) than {ref_name}'s, e.g. {shape_example}", file=sys.stderr)
    with open(os.path.join(outdir, "check.json"), "w") as f:
        json.dump(report, f, indent=1)
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "urls":
        make_urls(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3:])
    sys.exit(__doc__)


sys.exit(main())
