#!/usr/bin/python3
"""Compares demine's land release figures with the PostGIS reference.

usage: compare_landrelease.py --postgis REF.json --totals DEMINE.json
                              --groups DEMINE_BY_ADMIN.json
                              [--rejects LABEL ACTUAL.csv EXPECTED.tsv NULLS] ...

REF.json is the output of tests/support/postgis_landrelease.sh; the demine
files are `stats landrelease --json` and `stats landrelease --by admin --json`.
Keys other than the compared ones are ignored.

Totals (hazard, released total and cleared, remaining, recorded, released
inside hazards) must agree within 0.1%
relative; per admin group (matched by key) the same figures within 0.1%
relative or 1 m2, whichever is larger. Hazard counts must be equal.

--rejects checks a rejects file (CSV, header `row,reason`, 1-based feature
numbers) against the rows PostGIS could not use (EXPECTED.tsv: row<TAB>why),
and that the rows with null geometry among them number exactly NULLS.

Exit status 0 when everything agrees, 1 otherwise.
"""

import argparse
import csv
import json
import math
import sys

REL_TOL = 1e-3
ABS_TOL_GROUP = 1.0
FIGURES = (
    ("hazard_area_m2", ("hazard_area_m2",)),
    ("released.total", ("released_area_m2", "total")),
    ("released.cleared", ("released_area_m2", "cleared")),
    ("remaining_area_m2", ("remaining_area_m2",)),
    ("recorded_area_m2", ("recorded_area_m2",)),
    ("released_inside", ("released_inside_hazards_m2",)),
)


class Missing(Exception):
    pass


def dig(obj, path, where):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            raise Missing(f"{where}: no \"{'.'.join(path)}\"")
        obj = obj[k]
    if isinstance(obj, bool) or not isinstance(obj, (int, float)):
        raise Missing(f"{where}: \"{'.'.join(path)}\" is not a number: {obj!r}")
    return float(obj)


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL: cannot read {what} ({path}): {e}")
        return None


class Report:
    def __init__(self):
        self.failures = []
        self.rows = []  # (badness, scope, name, figure, ref, got, tol)

    def fail(self, msg):
        self.failures.append(msg)
        print(f"FAIL: {msg}")

    def compare(self, scope, name, figure, ref, got, tol):
        diff = abs(got - ref)
        badness = diff / tol if tol > 0 else (0.0 if diff == 0 else math.inf)
        self.rows.append((badness, scope, name, figure, ref, got, tol))
        if not diff <= tol:
            self.fail(f"{scope} {name} {figure}: demine {got:.3f}, PostGIS {ref:.3f} "
                      f"(differ by {diff:.3f}, allowed {tol:.3f})")

    def table(self, n=15):
        rows = sorted(self.rows, key=lambda r: r[0], reverse=True)[:n]
        if not rows:
            return
        print(f"\nWorst {len(rows)} of {len(self.rows)} compared figures "
              "(diff/allowed: above 1 fails):")
        print(f"  {'scope':<9} {'name':<24} {'figure':<18} {'PostGIS m2':>17} "
              f"{'demine m2':>17} {'diff m2':>12} {'rel':>9} {'diff/allowed':>12}")
        for badness, scope, name, figure, ref, got, _tol in rows:
            rel = abs(got - ref) / abs(ref) if ref else (0.0 if got == ref else math.inf)
            print(f"  {scope:<9} {name[:24]:<24} {figure:<18} {ref:>17.3f} {got:>17.3f} "
                  f"{got - ref:>12.3f} {rel:>9.2e} {badness:>12.2e}")


def compare_totals(rep, ref, got, where):
    for label, path in FIGURES:
        try:
            r = dig(ref, path, "PostGIS")
            g = dig(got, path, where)
        except Missing as e:
            rep.fail(str(e))
            continue
        rep.compare("total", where, label, r, g, REL_TOL * abs(r))
    if "hazard_count" in got:
        if got["hazard_count"] != ref["hazard_count"]:
            rep.fail(f"{where} hazard_count: demine {got['hazard_count']}, "
                     f"PostGIS {ref['hazard_count']}")
    else:
        rep.fail(f"{where}: no \"hazard_count\"")


def compare_groups(rep, ref, got):
    if not isinstance(got.get("groups"), list):
        rep.fail("demine --by admin output has no \"groups\" list")
        return
    mine = {}
    for g in got["groups"]:
        if isinstance(g, dict) and "key" in g:
            mine[g["key"]] = g
    extra = sorted(set(mine) - {g["key"] for g in ref["groups"]})
    if extra:
        print(f"note: demine has groups PostGIS does not (not compared): {', '.join(map(str, extra))}")
    count_mismatch = []
    for rg in ref["groups"]:
        key = rg["key"]
        dg = mine.get(key)
        if dg is None:
            rep.fail(f"group {key} ({rg['name']}) is missing from demine's output")
            continue
        if "name" in dg and dg["name"] != rg["name"]:
            rep.fail(f"group {key}: name {dg['name']!r}, expected {rg['name']!r}")
        for label, path in FIGURES:
            try:
                r = dig(rg, path, "PostGIS")
                v = dig(dg, path, f"group {key}")
            except Missing as e:
                rep.fail(str(e))
                continue
            rep.compare("group", f"{key} {rg['name']}", label, r, v,
                        max(REL_TOL * abs(r), ABS_TOL_GROUP))
        if dg.get("hazard_count") != rg["hazard_count"]:
            count_mismatch.append(f"{key} demine {dg.get('hazard_count')} PostGIS {rg['hazard_count']}")
    if count_mismatch:
        rep.fail(f"hazard_count differs in {len(count_mismatch)} groups: "
                 + "; ".join(count_mismatch[:10]) + (" ..." if len(count_mismatch) > 10 else ""))


def check_rejects(rep, label, actual_csv, expected_tsv, nulls):
    expected = {}
    with open(expected_tsv, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row, why = line.rstrip("\n").split("\t", 1)
                expected[int(row)] = why
    by_why = {}
    for why in expected.values():
        by_why[why] = by_why.get(why, 0) + 1
    n_null = by_why.get("null geometry", 0)
    if n_null != nulls:
        rep.fail(f"{label}: the data has {n_null} rows with null geometry, this test expects {nulls}")
    try:
        with open(actual_csv, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        rep.fail(f"{label}: cannot read rejects file {actual_csv}: {e}")
        return
    if not rows or [c.strip() for c in rows[0][:2]] != ["row", "reason"]:
        rep.fail(f"{label}: rejects file {actual_csv} does not start with the header row,reason "
                 f"(first line: {','.join(rows[0]) if rows else '(empty file)'})")
        return
    actual = []
    for i, r in enumerate(rows[1:], start=2):
        try:
            actual.append(int(r[0]))
        except (ValueError, IndexError):
            rep.fail(f"{label}: rejects line {i}: row number is not an integer: {r!r}")
    breakdown = ", ".join(f"{n} {why}" for why, n in sorted(by_why.items()))
    print(f"{label}: {len(actual)} rejected rows; expected {len(expected)} ({breakdown})")
    if len(actual) != len(set(actual)):
        rep.fail(f"{label}: rejects file lists some rows more than once")
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    if missing:
        rep.fail(f"{label}: {len(missing)} rows not in the rejects file: "
                 + ", ".join(f"{r} ({expected[r]})" for r in missing[:10])
                 + (" ..." if len(missing) > 10 else ""))
    if extra:
        rep.fail(f"{label}: {len(extra)} rows rejected that PostGIS could use: "
                 + ", ".join(map(str, extra[:10])) + (" ..." if len(extra) > 10 else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgis", required=True)
    ap.add_argument("--totals", required=True)
    ap.add_argument("--groups", required=True)
    ap.add_argument("--rejects", nargs=4, action="append", default=[],
                    metavar=("LABEL", "ACTUAL_CSV", "EXPECTED_TSV", "NULLS"))
    a = ap.parse_args()

    rep = Report()
    ref = load_json(a.postgis, "PostGIS result")
    tot = load_json(a.totals, "demine stats landrelease --json")
    grp = load_json(a.groups, "demine stats landrelease --by admin --json")
    if ref is None or tot is None or grp is None:
        return 1

    print(f"PostGIS: hazard {ref['hazard_area_m2']:.1f} m2, released "
          f"{ref['released_area_m2']['total']:.1f} m2, remaining {ref['remaining_area_m2']:.1f} m2, "
          f"recorded {ref['recorded_area_m2']:.1f} m2, "
          f"inside hazards {ref['released_inside_hazards_m2']:.1f} m2, "
          f"{ref['hazard_count']} hazards, {len(ref['groups'])} admin groups")
    try:
        print(f"demine:  hazard {dig(tot, ('hazard_area_m2',), 'demine'):.1f} m2, released "
              f"{dig(tot, ('released_area_m2', 'total'), 'demine'):.1f} m2, remaining "
              f"{dig(tot, ('remaining_area_m2',), 'demine'):.1f} m2, recorded "
              f"{dig(tot, ('recorded_area_m2',), 'demine'):.1f} m2, inside hazards "
              f"{dig(tot, ('released_inside_hazards_m2',), 'demine'):.1f} m2, "
              f"{tot.get('hazard_count')} hazards, "
              f"{len(grp.get('groups') or [])} admin groups")
    except Missing:
        pass

    compare_totals(rep, ref, tot, "demine --json")
    if any(k in grp for k in ("hazard_area_m2", "released_area_m2", "remaining_area_m2")):
        compare_totals(rep, ref, grp, "demine --by admin --json")
    compare_groups(rep, ref, grp)
    for label, actual, expected, nulls in a.rejects:
        check_rejects(rep, label, actual, expected, int(nulls))

    rep.table()
    if rep.failures:
        print(f"\nDISAGREE: {len(rep.failures)} problem(s), first: {rep.failures[0]}")
        return 1
    print("\nAGREE: demine matches PostGIS within 0.1% (groups: 0.1% or 1 m2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
