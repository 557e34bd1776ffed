// Geometry helpers: WKT for CQL2 filters, bounds, parsing pasted coordinates.

import { t } from './i18n.js';

function num(v) {
  return String(Math.round(v * 1e6) / 1e6);
}
function ring(r) {
  return `(${r.map((c) => `${num(c[0])} ${num(c[1])}`).join(', ')})`;
}

export function toWkt(g) {
  switch (g.type) {
    case 'Point':
      return `POINT(${num(g.coordinates[0])} ${num(g.coordinates[1])})`;
    case 'Polygon':
      return `POLYGON(${g.coordinates.map(ring).join(', ')})`;
    case 'MultiPolygon':
      return `MULTIPOLYGON(${g.coordinates.map((p) => `(${p.map(ring).join(', ')})`).join(', ')})`;
    default:
      throw new Error(t('geometry.noWkt', { type: g.type }));
  }
}

// Douglas-Peucker on one ring (keeps it closed, at least 4 points).
function simplifyRing(pts, tol) {
  if (pts.length <= 5) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let best = -1;
    let dmax = 0;
    const [ax, ay] = pts[a];
    const [bx, by] = pts[b];
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = pts[i];
      let d;
      if (!len2) d = Math.hypot(px - ax, py - ay);
      else {
        const tt = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
        d = Math.hypot(px - (ax + tt * dx), py - (ay + tt * dy));
      }
      if (d > dmax) {
        dmax = d;
        best = i;
      }
    }
    if (best >= 0 && dmax > tol) {
      keep[best] = 1;
      stack.push([a, best], [best, b]);
    }
  }
  const out = pts.filter((_, i) => keep[i]);
  return out.length >= 4 ? out : pts;
}

export function simplify(g, tol) {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r) => simplifyRing(r, tol)) };
  if (g.type === 'MultiPolygon')
    return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map((r) => simplifyRing(r, tol))) };
  return g;
}

// WKT of g no longer than maxLen characters: simplified (outwards error of
// at most the tolerance, about 10 m at first) only when it has to be.
export function compactWkt(g, maxLen = 6000) {
  let w = toWkt(g);
  for (let tol = 0.0001; w.length > maxLen && tol < 1; tol *= 2) w = toWkt(simplify(g, tol));
  return w;
}

export function eachCoord(g, fn) {
  const walk = (c) => (typeof c[0] === 'number' ? fn(c) : c.forEach(walk));
  if (g.type === 'GeometryCollection') g.geometries.forEach((x) => eachCoord(x, fn));
  else walk(g.coordinates);
}

export function bounds(g) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  eachCoord(g, ([x, y]) => {
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
  });
  return b;
}

// Pasted text: a GeoJSON geometry or Feature, or "lon lat" / "lon,lat" pairs
// one per line (a polygon ring, closed here when it is not; one pair is a
// point). Throws an Error saying what is wrong.
export function parseCoordinates(text, want) {
  const s = text.trim();
  if (!s) throw new Error(t('geometry.empty'));
  if (s.startsWith('{')) {
    const o = JSON.parse(s);
    const g = o.type === 'Feature' ? o.geometry : o;
    if (!g || !g.type || !g.coordinates) throw new Error(t('geometry.notGeoJson'));
    return g;
  }
  const pts = s
    .split(/[\n;]+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      const p = l.split(/[\s,]+/).map(Number);
      if (p.length < 2 || p.some((v) => !Number.isFinite(v)))
        throw new Error(t('geometry.badLine', { n: i + 1 }));
      if (Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90) throw new Error(t('geometry.outOfRange', { n: i + 1 }));
      return [p[0], p[1]];
    });
  if (want === 'point' || pts.length === 1) {
    if (pts.length !== 1) throw new Error(t('geometry.onePoint'));
    return { type: 'Point', coordinates: pts[0] };
  }
  if (pts.length < 3) throw new Error(t('geometry.fewPoints'));
  const [f, l] = [pts[0], pts[pts.length - 1]];
  if (f[0] !== l[0] || f[1] !== l[1]) pts.push([...f]);
  return { type: 'Polygon', coordinates: [pts] };
}

// A circle of radius metres around [lon, lat] as a polygon of n sides (on
// the sphere of the mean Earth radius: within 0.5% of the geodesic radius,
// enough to draw a buffer).
export function circle([lon, lat], metres, n = 72) {
  const R = 6371008.8;
  const d = metres / R;
  const la = (lat * Math.PI) / 180;
  const lo = (lon * Math.PI) / 180;
  const ring = [];
  for (let i = 0; i <= n; i++) {
    const b = (2 * Math.PI * (i % n)) / n;
    const la2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(b));
    const lo2 = lo + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(la2));
    ring.push([(lo2 * 180) / Math.PI, (la2 * 180) / Math.PI]);
  }
  return { type: 'Polygon', coordinates: [ring] };
}
