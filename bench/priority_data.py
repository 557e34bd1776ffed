"""Seeded synthetic data for bench/priority.sh: hazards, settlements and
infrastructure as GeoJSON, uniformly over BiH's extent (16-19.5 E, 43-45 N).

usage: python3 priority_data.py OUT_DIR HAZARDS SETTLEMENTS INFRA
"""
import json
import random
import sys

out, nh, ns, ni = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(1)


def write(name, feats):
    with open(f"{out}/{name}.geojson", "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f)


def pos():
    return rng.uniform(16, 19.5), rng.uniform(43, 45)


hazards = []
for i in range(nh):
    x, y = pos()
    d = rng.uniform(0.0005, 0.004)
    hazards.append({"type": "Feature", "properties": {"status": rng.choice(["SHA", "CHA"])},
                    "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}})
write("hazards", hazards)
write("settlements", [{"type": "Feature", "properties": {"name": f"S{i}", "population": rng.randint(0, 5000)},
                       "geometry": {"type": "Point", "coordinates": list(pos())}} for i in range(ns)])
types = ["road", "power_line", "canal", "school", "farmland"]
infra = []
for i in range(ni):
    x, y = pos()
    infra.append({"type": "Feature", "properties": {"type": rng.choice(types)},
                  "geometry": {"type": "LineString", "coordinates": [[x, y], [x + rng.uniform(-0.005, 0.005), y + rng.uniform(-0.005, 0.005)]]}})
write("infrastructure", infra)
