// The offline basemap: the world's land and country borders from Natural
// Earth (1:50m, the world-atlas package's TopoJSON, bundled with the UI as
// an asset of its own: no outside request), drawn under everything; and the
// label points of the database's admin areas (one per area, inside its
// largest polygon, so that an area cut into tiles is named once).

import countriesUrl from 'world-atlas/countries-50m.json?url';
import { feature, mesh } from 'topojson-client';

export const BASEMAP_COLORS = { water: '#cfdde6', land: '#f2efe8', border: '#8f8a80' };

// The style layers of the basemap (source "world"), lowest first.
export const BASEMAP_LAYERS = [
  { id: 'world-land', type: 'fill', source: 'world', filter: ['has', 'name'], paint: { 'fill-color': BASEMAP_COLORS.land, 'fill-antialias': false } },
  { id: 'world-border', type: 'line', source: 'world', filter: ['!', ['has', 'name']], paint: { 'line-color': BASEMAP_COLORS.border, 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.6, 8, 1.6], 'line-dasharray': [3, 1.5] } },
];

// The countries as one FeatureCollection: each country's polygons and the
// borders between countries (drawn once each).
export async function worldFeatures() {
  const res = await fetch(countriesUrl);
  if (!res.ok) throw new Error(`basemap: HTTP ${res.status}`);
  const topo = await res.json();
  const countries = feature(topo, topo.objects.countries).features;
  const borders = mesh(topo, topo.objects.countries, (a, b) => a !== b);
  return { type: 'FeatureCollection', features: [...countries, { type: 'Feature', properties: {}, geometry: borders }] };
}

// The countries' names, at their label points (source "world-labels"),
// up to a region's scale.
export const COUNTRY_LABELS = {
  id: 'world-label',
  type: 'symbol',
  source: 'world-labels',
  maxzoom: 9,
  layout: { 'text-field': ['get', 'name'], 'text-font': ['sans-serif'], 'text-size': 13, 'text-transform': 'uppercase', 'text-letter-spacing': 0.15, 'text-max-width': 7 },
  paint: { 'text-color': '#8a857c', 'text-halo-color': BASEMAP_COLORS.land, 'text-halo-width': 1.2 },
};

// The area (planar, in squared degrees: only to compare) and centroid of a ring.
function ringCentroid(ring) {
  let a = 0;
  let x = 0;
  let y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    x += (ring[j][0] + ring[i][0]) * f;
    y += (ring[j][1] + ring[i][1]) * f;
  }
  return a ? { area: Math.abs(a / 2), c: [x / (3 * a), y / (3 * a)] } : { area: 0, c: ring[0] };
}

// Whether point p lies inside ring (even-odd rule).
function inRing(p, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// A point inside a polygon's largest part for its label: the part's
// centroid when it falls inside, else the middle of the widest span of the
// outer ring on the centroid's latitude.
export function labelPoint(geometry) {
  const polys = geometry?.type === 'Polygon' ? [geometry.coordinates] : geometry?.type === 'MultiPolygon' ? geometry.coordinates : [];
  let best = null;
  for (const p of polys) {
    const c = ringCentroid(p[0]);
    if (!best || c.area > best.area) best = { ...c, ring: p[0] };
  }
  if (!best) return null;
  if (inRing(best.c, best.ring)) return best.c;
  const y = best.c[1];
  const xs = [];
  for (let i = 0, j = best.ring.length - 1; i < best.ring.length; j = i++) {
    const [xi, yi] = best.ring[i];
    const [xj, yj] = best.ring[j];
    if (yi > y !== yj > y) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi);
  }
  xs.sort((a, b) => a - b);
  let span = null;
  for (let i = 0; i + 1 < xs.length; i += 2) if (!span || xs[i + 1] - xs[i] > span[1] - span[0]) span = [xs[i], xs[i + 1]];
  return span ? [(span[0] + span[1]) / 2, y] : best.ring[0];
}

export function countryLabels(fc) {
  return adminLabels(fc.features.filter((f) => f.properties.name));
}

// The label points of admin areas' features ({code, name} each).
export function adminLabels(features) {
  const out = [];
  for (const f of features) {
    const p = labelPoint(f.geometry);
    if (p) out.push({ type: 'Feature', properties: { code: f.properties.code, name: f.properties.name || f.properties.code }, geometry: { type: 'Point', coordinates: p } });
  }
  return { type: 'FeatureCollection', features: out };
}
