"""Vector tiles of a running `demine serve` read back by GDAL's MVT driver
and compared with the records the items endpoint gives for the same place.

For each tile: the tile holds exactly the records whose geometry meets the
tile and its margin (the same codes as /items?bbox= for that box), each
once: as its own feature, or listed in the "codes" of a dot that stands for
the small areas in one cell of 24 tile units with the same properties; each
decoded geometry lies within the grid's tolerance of the record's own (points
sent for areas too small to draw lie on or next to their area, and the
areas a dot lists within a cell of it; polygons are never drawn further
than a grid step from their record, and drawn whole but for a grid step
along their edges).

usage: tile_check.py URL WORKDIR
Prints "ok NAME" or "FAIL NAME (why)" per check (tests/e2e/server.sh counts
them).
"""
import json
import math
import os
import sys
import urllib.parse
import urllib.request

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
URL, WORK = sys.argv[1], sys.argv[2]
EXTENT, MARGIN, GRID, DOT = 4096, 64, 4, 24  # tile units, as the server's mvt.h says
WORLD = 2 * math.pi * 6378137.0  # Web Mercator's width, m

WGS84 = osr.SpatialReference()
WGS84.ImportFromEPSG(4326)
WGS84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
MERC = osr.SpatialReference()
MERC.ImportFromEPSG(3857)
MERC.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
TO_MERC = osr.CoordinateTransformation(WGS84, MERC)


def report(name, good, why=""):
    print(f"ok   {name}" if good else f"FAIL {name} ({why})", flush=True)


def tile_of(z, lon, lat):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def bounds(z, x, y, margin):
    """lon/lat box of tile z/x/y grown by margin tile units."""
    n, m = 2**z, margin / EXTENT
    lat = lambda yf: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yf))))
    c = lambda v: min(1.0, max(0.0, v))
    return (c((x - m) / n) * 360 - 180, lat(c((y + 1 + m) / n)),
            c((x + 1 + m) / n) * 360 - 180, lat(c((y - m) / n)))


def fetch_tile(coll, z, x, y, query=""):
    path = os.path.join(WORK, "tiles", coll, str(z), str(x))
    os.makedirs(path, exist_ok=True)
    name = os.path.join(path, f"{y}.pbf")
    url = f"{URL}/collections/{coll}/tiles/WebMercatorQuad/{z}/{y}/{x}{query}"
    with urllib.request.urlopen(url) as r, open(name, "wb") as f:
        ctype = r.headers.get("Content-Type")
        f.write(r.read())
    feats = []
    if os.path.getsize(name):
        # z/x/y from the path; features in the margin kept (CLIP=NO)
        ds = gdal.OpenEx(name, gdal.OF_VECTOR, open_options=["CLIP=NO"])
        lyr = ds.GetLayerByName(coll)
        listed = lyr.GetLayerDefn().GetFieldIndex("codes") >= 0
        for f in lyr:
            codes = json.loads(f.GetField("codes")) if listed and f.IsFieldSet("codes") else None
            props = {k: f.GetField(k) for k in f.keys() if k != "codes"}
            feats.append((f.GetField("code"), codes, f.GetGeometryRef().Clone(), props))
    return ctype, feats


def items(coll, box, extra=None):
    q = {"bbox": ",".join(f"{v:.9f}" for v in box), "limit": "10000"}
    q.update(extra or {})
    with urllib.request.urlopen(f"{URL}/collections/{coll}/items?{urllib.parse.urlencode(q)}") as r:
        d = json.load(r)
    assert d["numberMatched"] == d["numberReturned"], "more than one page"
    return {f["properties"]["code"]: f for f in d["features"]}


def merc(geojson):
    g = ogr.CreateGeometryFromJson(json.dumps(geojson))
    g.Transform(TO_MERC)
    return g


def box_merc(box):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for lon, lat in ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3]),
                     (box[0], box[1])):
        ring.AddPoint_2D(lon, lat)
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    poly.Transform(TO_MERC)
    return poly


def check_tile(coll, z, lon, lat, geometry=True, query="", extra=None):
    x, y = tile_of(z, lon, lat)
    name = f"{coll} tile {z}/{y}/{x}{' ' + query if query else ''}"
    ctype, feats = fetch_tile(coll, z, x, y, query)
    report(f"{name}: served as {ctype}", ctype == "application/vnd.mapbox-vector-tile", ctype)
    box = bounds(z, x, y, MARGIN)
    wanted = items(coll, box, extra)
    want = {c: f["geometry"] for c, f in wanted.items()}
    got, dots = {}, []
    for code, codes, g, props in feats:  # a multi-part feature at most per record
        got.setdefault(code, []).append(g)
        if codes:
            dots.append((code, codes, g, props))
            for c in codes[1:]:
                got.setdefault(c, []).append(None)
    report(f"{name}: GDAL reads {len(feats)} features", len(feats) > 0, "empty")
    report(f"{name}: every record in one feature", all(len(v) == 1 for v in got.values()),
           [c for c, v in got.items() if len(v) > 1][:5])
    report(f"{name}: the same records as items?bbox= for the tile and its margin "
           f"({len(want)})", set(got) == set(want),
           f"only in the tile {sorted(set(got) - set(want))[:5]}, "
           f"only in items {sorted(set(want) - set(got))[:5]}")
    # a dot listing several areas: its own code first; each listed area has
    # the dot's properties and lies within a cell (diagonal) of the dot
    cell = DOT * math.sqrt(2) * WORLD / 2**z / EXTENT + GRID * WORLD / 2**z / EXTENT
    wrong = []
    for code, codes, g, props in dots:
        if codes[0] != code or ogr.GT_Flatten(g.GetGeometryType()) != ogr.wkbPoint:
            wrong.append((code, "not its own point first"))
            continue
        for c in codes:
            f = wanted.get(c)
            if not f:
                continue
            if any(str(f["properties"].get(k)) != str(v) for k, v in props.items()
                   if k != "code" and v is not None):
                wrong.append((c, "other properties"))
            elif merc(f["geometry"]).Distance(g) > cell:
                wrong.append((c, round(merc(f["geometry"]).Distance(g), 1)))
    if query or dots:
        report(f"{name}: {len(dots)} dots stand for {sum(len(d[1]) for d in dots)} small areas "
               f"with the same properties within {cell:.0f} m", not wrong, wrong[:5])
    if not geometry:
        return got
    tol = GRID * WORLD / 2**z / EXTENT  # one grid step, m
    clip = box_merc(box)
    outside, lost, bad_point, polys, big, points = [], [], [], 0, 0, 0
    for code, (g,) in ((c, v) for c, v in got.items() if c in want and len(v) == 1 and v[0]):
        orig = merc(want[code])
        kind = ogr.GT_Flatten(g.GetGeometryType())
        if kind in (ogr.wkbPoint, ogr.wkbMultiPoint):
            points += 1
            if orig.Distance(g) > tol:
                bad_point.append((code, round(orig.Distance(g), 1)))
            continue
        polys += 1
        part = orig.Intersection(clip)
        # nothing drawn further than a grid step from the record
        if not g.Within(part.Buffer(tol)):
            outside.append(code)
        # and all of it drawn but a grid step along its edges (snapping
        # moves an edge by less than a grid step, and thins what is
        # narrower than that to a line, or nothing)
        inner = part.Buffer(-tol)
        if inner and not inner.IsEmpty():
            big += 1
            if inner.Difference(g).GetArea() > 0.001 * inner.GetArea():
                lost.append(code)
    report(f"{name}: {polys} polygons, none drawn further than {tol:.1f} m from its record",
           not outside, outside[:5])
    report(f"{name}: {big} areas drawn whole but their edges (a grid step)", not lost, lost[:5])
    report(f"{name}: {points} areas too small to draw sent as points on them",
           not bad_point, bad_point[:5])
    return got


# a country's scale: every record there, codes only (thousands of features);
# with the map's properties, small areas in one place are sent as one dot
check_tile("hazards", 7, 17.8, 44.2, geometry=False)
check_tile("hazards", 7, 17.8, 44.2, geometry=False, query="?properties=code,status,organisation")
# a region's scale, geometry too
got = check_tile("hazards", 9, 18.4, 43.85)
# a town's and a village's scale, at the largest of those areas
with urllib.request.urlopen(f"{URL}/collections/hazards/items?" + urllib.parse.urlencode(
        {"bbox": ",".join(map(str, bounds(9, *tile_of(9, 18.4, 43.85), 0))), "limit": "10000"})) as r:
    areas = [ogr.CreateGeometryFromJson(json.dumps(f["geometry"])) for f in json.load(r)["features"]]
c = max(areas, key=lambda g: g.GetArea()).PointOnSurface()
for z in (12, 14):
    got = check_tile("hazards", z, c.GetX(), c.GetY())
    report(f"at zoom {z} the hazardous areas are polygons",
           sum(1 for v in got.values() if ogr.GT_Flatten(v[0].GetGeometryType()) in
               (ogr.wkbPolygon, ogr.wkbMultiPolygon)) > len(got) / 2, "mostly points")
# the items filters apply to tiles
cql = "S_INTERSECTS(geometry, POLYGON((18 43.5, 18.6 43.5, 18.6 44, 18 44, 18 43.5)))"
check_tile("hazards", 9, 18.4, 43.85, geometry=False,
           query="?" + urllib.parse.urlencode({"filter": cql}), extra={"filter": cql})
