// The map: MapLibre GL JS with no outside style, tiles or fonts (a plain
// background and the admin areas as the base; a raster basemap only when the
// server was started with --basemap). The large layers (hazards, releases,
// EO items, accidents: layers.js `tiled`) are vector tiles from the server
// (/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}, with the filter's
// parameters), so that only what the view needs is fetched, already cut,
// snapped and binary; their "in view" counts are asked of the items endpoint
// (numberMatched for the view's bbox). The small layers (admin areas,
// settlements) are GeoJSON sources filled from /collections/{id}/items?bbox=
// page by page through the `next` links: their features also fill the
// filter's lists.

import maplibregl from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-csp-worker.js?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { allFeatures, get, session, can } from './api.js';
import { LAYERS, COLORS, styleLayers, styleIds, layerById, labelLayers } from './layers.js';
import { BASEMAP_COLORS, BASEMAP_LAYERS, COUNTRY_LABELS, worldFeatures, adminLabels, countryLabels } from './basemap.js';
import { filterKey as shownFilterKey, itemParams as shownItemParams, layerShown, filter } from './filters.js';
import { h, clear } from './dom.js';
import { t, tOr, fmtNumber } from './i18n.js';
import { bounds } from './geom.js';

const DEFAULT_BOUNDS = [15.7, 42.5, 19.7, 45.3];
const PAGE = 10000; // the server's largest page
// The properties each layer's features carry on the map: the code (a click
// opens the record), what the style reads, the organisation (the filter's
// list) and the name (admin areas for the filter's list).
const MAP_PROPERTIES = {
  hazards: 'code,status,organisation',
  releases: 'code,method,organisation',
  'eo-items': 'code,organisation',
  accidents: 'code',
  settlements: 'code,name,population',
  'admin-areas': 'code,name',
};
const EMPTY = { type: 'FeatureCollection', features: [] };

export let map;
let readyNow;
// resolves with the map once its style has loaded
export const mapLoaded = new Promise((resolve) => (readyNow = resolve));
let readable = new Set(); // collections this user may read
const state = {}; // per layer: {controller, key, covered, matched, status}
const enabled = {}; // per layer: the user's toggle
let onSelect = () => {};
let panel;

// first paint: ms from the navigation's start until the map was first drawn
// with the hazards' tiles in view loaded; hazardsLoaded: the hazardous areas
// (distinct codes) in those tiles; tiles: the hazards' tiles loaded then;
// frames: the map's frames drawn until then; marks: when each step happened;
// earlyWorker: the map's worker is the one index.html started
export const metrics = { firstPaintMs: null, hazardsLoaded: 0, tiles: 0, frames: 0, marks: {}, earlyWorker: false };
window.demine = metrics;

for (const l of LAYERS) enabled[l.id] = l.visible;
let extent = null; // of what this user may read
const buffered = {}; // data that arrived before the map was ready

function pad(b, f = 0.1) {
  const px = (b[2] - b[0]) * f;
  const py = (b[3] - b[1]) * f;
  return [Math.max(-180, b[0] - px), Math.max(-90, b[1] - py), Math.min(180, b[2] + px), Math.min(90, b[3] + py)];
}

// Reads /collections (what this user may read and its extent) and starts
// loading the shown layers for that extent before the map is even created,
// so that the data and the map's start-up overlap.
async function readCollections() {
  try {
    const c = await get('/collections');
    readable = new Set(c.collections.map((x) => x.id));
    const ext = c.collections
      .filter((x) => x.id === 'hazards' || x.id === 'admin-areas')
      .map((x) => x.extent?.spatial?.bbox?.[0])
      .filter(Boolean);
    extent = ext.length ? ext.reduce((a, e) => [Math.min(a[0], e[0]), Math.min(a[1], e[1]), Math.max(a[2], e[2]), Math.max(a[3], e[3])]) : null;
  } catch {
    readable = new Set(['hazards']);
  }
}

// the offline basemap's countries (a bundled file), read once the hazards
// are first painted (or at once when this user may not read them)
let world = null;
let paintedNow;
const firstPainted = new Promise((resolve) => (paintedNow = resolve));
export async function prefetch() {
  metrics.marks.scriptRun = Math.round(performance.now());
  world = firstPainted.then(worldFeatures).catch((e) => (console.warn(e.message), null));
  await readCollections();
  metrics.marks.collections = Math.round(performance.now());
  const want = pad(extent || DEFAULT_BOUNDS, 0.25);
  for (const l of LAYERS) if (!l.tiled && shown(l)) load(l, filterKey(), want);
  return extent;
}

let mapReady = false; // the map's 'load' has come: its sources take data
function setSourceData(id, fc) {
  const src = mapReady && map.getSource(id);
  if (src) src.setData(fc);
  else buffered[id] = fc;
}

function shown(l) {
  if (planMode) return readable.has(l.id) && (PLAN_LAYERS.has(l.id) || (l.id === 'settlements' && planSettlements));
  return enabled[l.id] && readable.has(l.id) && layerShown(l.id);
}

// The planning view draws every hazard whatever the map's filter (the
// ranking is of all of them): no filter's parameters then.
const NO_FILTER_KEY = JSON.stringify(['', '', '', '', '']);
function filterKey() {
  return planMode ? NO_FILTER_KEY : shownFilterKey();
}
function itemParams(l) {
  return planMode ? {} : shownItemParams(l);
}

// The tile URL template of a tiled layer for the filter as it is now.
function tileUrl(l) {
  const params = new URLSearchParams(itemParams(l));
  if (MAP_PROPERTIES[l.id]) params.set('properties', MAP_PROPERTIES[l.id]);
  const qs = params.toString();
  return `${location.origin}/collections/${l.id}/tiles/WebMercatorQuad/{z}/{y}/{x}${qs ? `?${qs}` : ''}`;
}

// Tiles ask with the login's token, as every other request does.
function withToken(url) {
  if (session.token && url.startsWith(location.origin)) return { url, headers: { Authorization: `Bearer ${session.token}` } };
  return { url };
}

// tiles are parsed in one web worker: each worker compiles MapLibre's code
// anew, which costs more at start-up than a second one saves
maplibregl.setWorkerUrl(workerUrl);
maplibregl.setWorkerCount(1);
startWorker();

// The worker is started before the map is made: by index.html's inline
// script, while this script still loads, when it could (the main thread is
// then free to start it, and its code compiles on another core); else now.
// MapLibre's pool makes its workers with `new Worker(url)`: for the time of
// prewarm(), that gives the worker already started for the same file.
function startWorker() {
  const early = window.demineEarly?.worker;
  const file = (url) => new URL(String(url), location.href).href;
  const ours = file(workerUrl);
  if (!early || file(early.url) !== ours) return maplibregl.prewarm();
  const Native = window.Worker;
  let given = false;
  window.Worker = function Worker(url, options) {
    if (!given && file(url) === ours) {
      given = true;
      return early.worker;
    }
    return new Native(url, options);
  };
  try {
    maplibregl.prewarm();
  } finally {
    window.Worker = Native;
  }
  if (!given) early.worker.terminate(); // the pool had its workers already
  metrics.earlyWorker = given;
}

// A layer hidden until its source is given data: a shown GeoJSON source has
// its (empty) tiles made in the map's one worker ahead of the hazards' tiles.
function hiddenLayer(sl) {
  return { ...sl, layout: { ...sl.layout, visibility: 'none' } };
}

export async function createMap(container, layerPanel, { basemap, onFeature, bounds: initial }) {
  onSelect = onFeature;
  panel = layerPanel;
  renderPanel();
  const style = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': basemap ? '#e9e6df' : BASEMAP_COLORS.water } }],
  };
  // the bundled countries under everything (filled once they are read);
  // a raster basemap (--basemap) instead when the server names one
  if (!basemap) {
    style.sources.world = { type: 'geojson', data: EMPTY, tolerance: 0.8 };
    style.layers.push(...BASEMAP_LAYERS.map(hiddenLayer));
    style.sources['world-labels'] = { type: 'geojson', data: EMPTY };
  }
  style.sources['admin-labels'] = { type: 'geojson', data: EMPTY };
  if (basemap) {
    style.sources.basemap = { type: 'raster', tiles: [basemap], tileSize: 256 };
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-saturation': -0.6 } });
  }
  // every source and layer is in the style the map starts with: the first
  // tiles are asked for as soon as the style is read, while the map is
  // still setting itself up
  for (const l of LAYERS) {
    if (l.tiled) {
      // cut, snapped and encoded by the server; deeper than maxzoom the
      // deepest tiles are drawn larger
      tileUrls[l.id] = tileUrl(l);
      style.sources[l.id] = { type: 'vector', tiles: [tileUrls[l.id]], minzoom: 0, maxzoom: 16, promoteId: { [l.id]: 'code' } };
      state[l.id] = { key: filterKey(), status: 'loading' };
    } else {
      // a coarser simplification and a smaller tile buffer than the
      // defaults: less work in the worker and on the GPU
      style.sources[l.id] = { type: 'geojson', data: buffered[l.id] || EMPTY, promoteId: 'code', tolerance: 0.6, buffer: 64 };
      delete buffered[l.id];
    }
    // hidden from the start when not shown: no tiles are asked for then
    for (const { before, ...sl } of styleLayers(l)) {
      const at = before ? style.layers.findIndex((x) => x.id === before) : -1;
      style.layers.splice(at < 0 ? style.layers.length : at, 0, { ...sl, layout: { ...(sl.layout || {}), visibility: shown(l) && !(planMode && l.id === 'hazards') ? 'visible' : 'none' } });
    }
    if (l.id === 'hazards') for (const sl of PLAN_STYLE) style.layers.push({ ...sl, layout: { visibility: planMode && shown(l) ? 'visible' : 'none' } });
    if (l.id === 'admin-areas') for (const sl of PLAN_ADMIN_STYLE) style.layers.push({ ...sl, layout: { visibility: planMode && planAdmin && shown(l) ? 'visible' : 'none' } });
  }
  // the selected record and geometries being reviewed or drawn: hidden until
  // first given data (a shown layer has its source's tiles made in the
  // worker, empty or not, ahead of the hazards' tiles)
  style.sources.selected = { type: 'geojson', data: EMPTY };
  style.sources.overlay = { type: 'geojson', data: EMPTY };
  const hidden = [];
  hidden.push(
    { id: 'selected-line', type: 'line', source: 'selected', paint: { 'line-color': COLORS.highlight, 'line-width': 4 }, filter: ['!=', ['geometry-type'], 'Point'] },
    {
      id: 'selected-point',
      type: 'circle',
      source: 'selected',
      paint: { 'circle-radius': 10, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': COLORS.highlight, 'circle-stroke-width': 4 },
      filter: ['==', ['geometry-type'], 'Point'],
    },
    {
      id: 'overlay-fill',
      type: 'fill',
      source: 'overlay',
      paint: { 'fill-color': ['coalesce', ['get', 'color'], COLORS.pending], 'fill-opacity': ['coalesce', ['get', 'opacity'], 0.25] },
      filter: ['!=', ['geometry-type'], 'Point'],
    },
    {
      id: 'overlay-line',
      type: 'line',
      source: 'overlay',
      paint: { 'line-color': ['coalesce', ['get', 'color'], COLORS.pending], 'line-width': 3, 'line-dasharray': [2, 1] },
      filter: ['!=', ['geometry-type'], 'Point'],
    },
    {
      id: 'overlay-point',
      type: 'circle',
      source: 'overlay',
      paint: { 'circle-radius': 8, 'circle-color': ['coalesce', ['get', 'color'], COLORS.pending], 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
      filter: ['==', ['geometry-type'], 'Point'],
    },
  );
  style.sources.mine = { type: 'geojson', data: EMPTY, promoteId: 'code' };
  style.layers.push(...MINE_STYLE.map(hiddenLayer));
  for (const sl of hidden) style.layers.push({ ...sl, layout: { visibility: 'none' } });
  // names above everything: countries', then the database's places
  if (!basemap) style.layers.push(hiddenLayer(COUNTRY_LABELS));
  for (const l of LAYERS) for (const sl of labelLayers(l)) style.layers.push({ ...sl, layout: { ...sl.layout, visibility: shown(l) && !planMode ? 'visible' : 'none' } });
  map = new maplibregl.Map({
    container,
    style,
    bounds: initial || DEFAULT_BOUNDS,
    fitBoundsOptions: { padding: 20 },
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxZoom: 19,
    fadeDuration: 0, // no labels to fade in: no frames drawn for it
    transformRequest: withToken,
    // the titles of MapLibre's own controls, in the interface's language
    locale: {
      'Map.Title': t('map.title'),
      'NavigationControl.ZoomIn': t('map.zoomIn'),
      'NavigationControl.ZoomOut': t('map.zoomOut'),
      'NavigationControl.ResetBearing': t('map.resetNorth'),
      'AttributionControl.ToggleAttribution': t('map.toggleAttribution'),
      'ScaleControl.Meters': t('map.scaleM'),
      'ScaleControl.Kilometers': t('map.scaleKm'),
      'Popup.Close': t('map.close'),
    },
  });
  map.touchZoomRotate.disableRotation();
  metrics.map = map; // for the browser tests
  watchFirstPaint();
  // tiles that arrived: counted, and their values for the filter's lists
  // once the map is idle
  const arrived = new Set();
  map.on('sourcedata', (e) => {
    if (!e.tile || !layerById(e.sourceId)?.tiled) return;
    if (e.sourceId === 'hazards' && metrics.firstPaintMs === null) {
      metrics.marks.firstTile ??= Math.round(performance.now());
      hazardTiles.add(e.tile.tileID?.key ?? e.tile);
      if (map.isSourceLoaded('hazards')) metrics.marks.allTiles ??= Math.round(performance.now());
    }
    arrived.add(e.sourceId);
  });
  map.on('idle', () => {
    for (const id of arrived) {
      const feats = map.querySourceFeatures(id, { sourceLayer: id });
      for (const fn of loadListeners) fn(id, feats);
    }
    arrived.clear();
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  if (basemap) map.addControl(new maplibregl.AttributionControl({ customAttribution: t('map.basemapAttribution') }));
  metrics.marks.mapCreated = Math.round(performance.now());
  await new Promise((resolve) => map.on('load', resolve));
  metrics.marks.mapLoaded = Math.round(performance.now());
  mapReady = true;
  // the countries after the first paint: the map's one worker cuts the
  // hazards' tiles first
  firstPainted.then(() => world).then((fc) => {
    if (!fc) return;
    map.getSource('world')?.setData(fc);
    map.getSource('world-labels')?.setData(countryLabels(fc));
    for (const sl of [...BASEMAP_LAYERS, COUNTRY_LABELS]) map.setLayoutProperty(sl.id, 'visibility', 'visible');
  });
  // data that arrived while the map was starting
  for (const [id, fc] of Object.entries(buffered)) map.getSource(id)?.setData(fc);
  for (const id of Object.keys(buffered)) delete buffered[id];
  for (const id of [...LAYERS.flatMap((l) => styleIds(l)), ...PLAN_STYLE.map((sl) => sl.id), ...PLAN_ADMIN_STYLE.map((sl) => sl.id)]) {
    map.on('mouseenter', id, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', id, () => (map.getCanvas().style.cursor = ''));
  }

  // a click opens the topmost record under it (admin areas only when
  // nothing else is there); a few pixels of tolerance for fingers
  const clickable = [...LAYERS.flatMap((l) => styleIds(l)), ...MINE_STYLE.map((sl) => sl.id)];
  map.on('click', (e) => {
    if (document.body.classList.contains('drawing')) return;
    const r = 6;
    const box = [
      [e.point.x - r, e.point.y - r],
      [e.point.x + r, e.point.y + r],
    ];
    if (planMode) {
      // the planning view decides: its hazards first, then settlements
      const ids = [...PLAN_STYLE.map((sl) => sl.id), 'settlements-point', ...PLAN_ADMIN_STYLE.map((sl) => sl.id)].filter((id) => map.getLayer(id));
      planClick?.(map.queryRenderedFeatures(box, { layers: ids }).map((x) => ({ source: x.source, code: x.properties.code, codes: tileCodes(x) })));
      return;
    }
    const hits = map.queryRenderedFeatures(box, { layers: clickable.filter((id) => map.getLayer(id)) });
    const f = hits.find((x) => x.source !== 'admin-areas') || hits[0];
    if (f?.source === 'mine') onSelect(f.properties.collection, f.properties.code);
    else if (f) onSelect(f.source, f.properties.code, { here: tileCodes(f) });
  });
  map.on('moveend', () => refresh());
  renderPanel();
  refresh();
  loadMine();
  readyNow(map);
  return map;
}

const hazardTiles = new Set(); // loaded before the first paint

// The records a tile's feature stands for: its code, or for a dot of small
// areas in one place, the codes it lists (the server's "codes").
function tileCodes(f) {
  try {
    if (f.properties.codes) return JSON.parse(f.properties.codes);
  } catch {
    /* not a list: the feature's own code */
  }
  return [f.properties.code];
}

// The first time the map is idle with the hazards' tiles loaded.
function watchFirstPaint() {
  const frame = () => {
    metrics.marks.firstFrame ??= Math.round(performance.now());
    metrics.frames++;
  };
  map.on('render', frame);
  map.on('dataloading', (e) => {
    if (e.sourceId === 'hazards') metrics.marks.tilesAsked ??= Math.round(performance.now());
  });
  const check = () => {
    if (!readable.has('hazards')) paintedNow(); // no hazards to wait for
    if (!readable.has('hazards') || !map.isSourceLoaded('hazards')) return;
    map.off('idle', check);
    map.off('render', frame);
    const codes = new Set(map.querySourceFeatures('hazards', { sourceLayer: 'hazards' }).flatMap(tileCodes));
    metrics.hazardsLoaded = codes.size;
    metrics.tiles = hazardTiles.size;
    metrics.firstPaintMs = Math.round(performance.now());
    document.body.dataset.firstPaint = String(metrics.firstPaintMs);
    paintedNow();
  };
  map.on('idle', check);
}

// Called when the login changes: other collections may be readable now.
export async function sessionChanged() {
  for (const l of LAYERS) {
    state[l.id]?.controller?.abort();
    delete state[l.id];
  }
  await readCollections();
  for (const l of LAYERS) if (!readable.has(l.id) && !l.tiled) map.getSource(l.id).setData(EMPTY);
  loadMine();
  renderPanel();
  refresh(true);
}

export function isReadable(id) {
  return readable.has(id);
}

function viewBbox() {
  const b = map.getBounds();
  const w = b.getWest();
  const s = b.getSouth();
  const e = b.getEast();
  const n = b.getNorth();
  const px = (e - w) * 0.25;
  const py = (n - s) * 0.25;
  return [Math.max(-180, w - px), Math.max(-90, s - py), Math.min(180, e + px), Math.min(90, n + py)];
}

function covers(outer, inner) {
  return outer && outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

// Loads what the view needs: every shown layer whose loaded area does not
// cover the view, or whose filter changed. force: load again whatever.
const tileUrls = {}; // per tiled layer: the template its source has
export function refresh(force = false) {
  if (!map || !mapReady) return;
  const key = filterKey();
  const b = map.getBounds();
  const view = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  for (const l of LAYERS) {
    const on = shown(l);
    // the planning view draws the hazards with layers of its own
    const drawn = on && !(planMode && l.id === 'hazards');
    for (const id of styleIds(l)) map.setLayoutProperty(id, 'visibility', drawn ? 'visible' : 'none');
    for (const sl of labelLayers(l)) map.setLayoutProperty(sl.id, 'visibility', on && !planMode ? 'visible' : 'none');
    if (l.id === 'hazards') for (const sl of PLAN_STYLE) map.setLayoutProperty(sl.id, 'visibility', on && planMode ? 'visible' : 'none');
    if (l.id === 'admin-areas') for (const sl of PLAN_ADMIN_STYLE) map.setLayoutProperty(sl.id, 'visibility', on && planMode && planAdmin ? 'visible' : 'none');
    if (!on) continue;
    if (l.tiled) {
      // new tiles for a new filter or a change made here (the same URL
      // again reloads them: setTiles, so only when it differs or is forced)
      const url = tileUrl(l);
      if (force || tileUrls[l.id] !== url) map.getSource(l.id).setTiles([url]);
      tileUrls[l.id] = url;
      count(l, key, view);
      continue;
    }
    const st = state[l.id];
    if (!force && st && st.key === key && (st.status === 'loading' ? covers(st.want, view) : covers(st.covered, view))) continue;
    load(l, key);
  }
}

// How many records of a tiled layer the view holds: numberMatched of the
// items endpoint for the view's bbox and the filter (one record returned).
async function count(l, key, view) {
  const old = state[l.id];
  if (old?.controller) old.controller.abort();
  const st = { controller: new AbortController(), key, want: view, covered: null, matched: null, status: 'loading' };
  state[l.id] = st;
  updateCount(l.id);
  try {
    const params = new URLSearchParams({ ...itemParams(l), bbox: view.map((v) => v.toFixed(5)).join(','), limit: '1', properties: 'code' });
    const data = await get(`/collections/${l.id}/items?${params}`, { signal: st.controller.signal, accept: 'application/geo+json' });
    if (state[l.id] !== st) return;
    st.matched = data.numberMatched ?? data.features.length;
    st.status = 'done';
  } catch (e) {
    if (e.name === 'AbortError' || state[l.id] !== st) return;
    st.status = 'error';
    st.error = e.message;
  }
  updateCount(l.id);
}

async function load(l, key, bbox) {
  const old = state[l.id];
  if (old?.controller) old.controller.abort();
  const want = bbox || viewBbox();
  const st = { controller: new AbortController(), key, want, covered: null, matched: null, status: 'loading' };
  state[l.id] = st;
  updateCount(l.id);
  const t0 = performance.now();
  try {
    const params = { ...itemParams(l), bbox: want.map((v) => v.toFixed(5)).join(',') };
    // only what the map draws and the filters list (a record's panel reads
    // the whole record): a third less to fetch and parse
    if (MAP_PROPERTIES[l.id]) params.properties = MAP_PROPERTIES[l.id];
    const { features, matched } = await allFeatures(l.id, params, {
      signal: st.controller.signal,
      pageSize: PAGE,
      onPage: (feats) => setSourceData(l.id, { type: 'FeatureCollection', features: feats }),
    });
    if (state[l.id] !== st) return;
    st.covered = want;
    st.matched = matched;
    st.status = 'done';
    st.ms = performance.now() - t0;
    if (!features.length) setSourceData(l.id, EMPTY);
    if (l.id === 'admin-areas') setSourceData('admin-labels', adminLabels(features));
    for (const fn of loadListeners) fn(l.id, features);
  } catch (e) {
    if (e.name === 'AbortError') return;
    if (state[l.id] === st) {
      st.status = 'error';
      st.error = e.message;
    }
  }
  updateCount(l.id);
}

const loadListeners = new Set();
// fn(layerId, features) after each layer has loaded (filter options use it)
export function onLayerLoaded(fn) {
  loadListeners.add(fn);
}

export function setEnabled(id, on) {
  enabled[id] = on;
  refresh();
  renderPanel();
}

function updateCount(id) {
  const el = panel?.querySelector(`[data-count="${id}"]`);
  if (!el) return;
  const st = state[id];
  el.classList.remove('loading', 'error');
  if (!readable.has(id)) el.textContent = t('map.loginNeeded');
  else if (!enabled[id] || !layerShown(id)) el.textContent = '';
  else if (!st || st.status === 'loading') {
    el.textContent = t('map.loading');
    el.classList.add('loading');
  } else if (st.status === 'error') {
    el.textContent = t('map.error');
    el.title = st.error;
    el.classList.add('error');
  } else el.textContent = t('map.inView', { n: fmtNumber(st.matched) });
}

export function renderPanel() {
  if (!panel) return;
  clear(panel).append(
    h('div', { class: 'panel-title-row' }, h('h2', { class: 'panel-title' }, t('map.layers')), h('span', { class: 'panel-title muted' }, t('map.inViewHead'))),
    h(
      'ul',
      { class: 'layer-list' },
      LAYERS.slice()
        .reverse()
        .map((l) => {
          const can = readable.has(l.id);
          const id = `layer-${l.id}`;
          const legend = l.legend
            ? h('span', { class: 'legend' }, l.legend.map(([k, c]) => h('span', { class: 'legend-item' }, h('i', { class: 'sw', style: `background:${c}` }), t(`status.${k}`))))
            : h('i', {
                class: `sw ${l.kind === 'point' ? 'dot' : ''}`,
                style: l.kind === 'point' ? `background:${l.color}` : `background:${l.swatch?.fill || '#fff'};border-color:${l.swatch?.line || '#333'}`,
              });
          return h(
            'li',
            { class: `layer ${can ? '' : 'locked'}` },
            h('input', {
              type: 'checkbox',
              id,
              checked: enabled[l.id] && can,
              disabled: !can,
              dataset: { layer: l.id },
              onchange: (e) => setEnabled(l.id, e.target.checked),
            }),
            h('label', { for: id }, h('span', { class: 'layer-name' }, t(`collections.${l.id}`)), legend),
            h('span', { class: 'count', dataset: { count: l.id } }),
          );
        }),
    ),
  );
  for (const l of LAYERS) updateCount(l.id);
  panel.append(mineLegend());
}

// ---- an editor's own records not approved: submitted and rejected ----
// (state=mine of each collection they write), drawn above the approved ones
// with dashed outlines, so that what they sent stays in sight until decided.
const MINE_KINDS = ['hazards', 'releases', 'eo-items', 'accidents'];
const MINE_COLOR = ['match', ['get', 'state'], 'rejected', COLORS.rejected, COLORS.mine];
const MINE_STYLE = [
  { id: 'mine-fill', type: 'fill', source: 'mine', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'fill-color': MINE_COLOR, 'fill-opacity': 0.18 } },
  { id: 'mine-line', type: 'line', source: 'mine', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': MINE_COLOR, 'line-width': 2.5, 'line-dasharray': [2, 1.5] } },
  { id: 'mine-point', type: 'circle', source: 'mine', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 6, 'circle-color': '#ffffff', 'circle-stroke-color': MINE_COLOR, 'circle-stroke-width': 3 } },
];
let mine = []; // the features shown, each with its collection
let mineAsked = 0;
export async function loadMine() {
  if (!mapReady) return;
  const asked = ++mineAsked;
  const kinds = can('write') ? MINE_KINDS.filter((c) => readable.has(c)) : [];
  const lists = await Promise.all(
    kinds.map((c) =>
      allFeatures(c, { state: 'mine', properties: 'code,state,name' }, { pageSize: 1000 })
        .then(({ features }) => features.map((f) => ({ ...f, properties: { ...f.properties, collection: c } })))
        .catch(() => []),
    ),
  );
  if (asked !== mineAsked) return;
  mine = lists.flat();
  map.getSource('mine').setData({ type: 'FeatureCollection', features: mine });
  for (const sl of MINE_STYLE) map.setLayoutProperty(sl.id, 'visibility', mine.length ? 'visible' : 'none');
  renderPanel();
}
document.addEventListener('demine:changed', () => loadMine());

function mineLegend() {
  if (!mine.length) return '';
  const n = (s) => mine.filter((f) => f.properties.state === s).length;
  const item = (state, color) => n(state) > 0 && h('span', { class: 'legend-item', dataset: { state } }, h('i', { class: 'sw mine', style: `border-color:${color}` }), `${t(`state.${state}`)} ${fmtNumber(n(state))}`);
  return h('div', { class: 'mine-legend', id: 'mine-legend' }, h('span', { class: 'layer-name' }, t('find.mine')), h('span', { class: 'legend' }, item('draft', COLORS.mine), item('submitted', COLORS.mine), item('rejected', COLORS.rejected)));
}

// Gives a source of the map's own (selected, overlay) its data, and shows its
// layers the first time.
function setOwnData(source, features) {
  if (!mapReady) return;
  map.getSource(source).setData({ type: 'FeatureCollection', features });
  for (const l of map.getStyle().layers)
    if (l.source === source && map.getLayoutProperty(l.id, 'visibility') === 'none') map.setLayoutProperty(l.id, 'visibility', 'visible');
}

export function showSelected(feature) {
  setOwnData('selected', feature ? [feature] : []);
}

export function showOverlay(features) {
  setOwnData('overlay', features || []);
}

export function zoomTo(geometry) {
  if (!geometry) return;
  const b = bounds(geometry);
  if (geometry.type === 'Point') map.easeTo({ center: geometry.coordinates, zoom: Math.max(map.getZoom(), 14) });
  else map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, maxZoom: 16 });
}

// Where the map looks (kept across a reload when the language changes).
export function mapView() {
  return map ? { center: map.getCenter().toArray(), zoom: map.getZoom() } : null;
}
export function setMapView(v) {
  if (map && v?.center) map.jumpTo({ center: v.center, zoom: v.zoom });
}
// Shows the box [w, s, e, n] (degrees) whole.
export function fitBox(b) {
  map?.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 14 });
}

export function resize() {
  map?.resize();
}

export function layerTitle(id) {
  return tOr(`collections.${id}`, id);
}

export { filter };

// ---- the planning view: every hazard coloured by its rank ----
// Five classes by the rank's quantile (top 10% darkest); a hazard the
// ranking does not hold (closed, not approved) is grey. The class is a
// feature state keyed by the hazard's code (the tiles' promoted id), so
// that a new ranking recolours the tiles already loaded without asking
// for them again.
export const RANK_CLASSES = [0.1, 0.25, 0.5, 0.75, 1];
export const RANK_COLORS = ['#67000d', '#cb181d', '#f16913', '#fdae6b', '#fff0c2'];
const UNRANKED = '#a3a3a3';
const PLAN_LAYERS = new Set(['admin-areas', 'hazards']);
const rankColor = ['match', ['coalesce', ['feature-state', 'rank'], -1], ...RANK_COLORS.flatMap((c, i) => [i, c]), UNRANKED];
const PLAN_STYLE = [
  {
    id: 'plan-fill',
    type: 'fill',
    source: 'hazards',
    'source-layer': 'hazards',
    filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'fill-color': rankColor, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 7, 0.95, 13, 0.7], 'fill-antialias': false },
  },
  {
    id: 'plan-line',
    type: 'line',
    source: 'hazards',
    'source-layer': 'hazards',
    minzoom: 8,
    paint: { 'line-color': '#3d0008', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.3, 12, 1, 15, 1.6], 'line-opacity': ['interpolate', ['linear'], ['zoom'], 8, 0.3, 11, 0.9] },
  },
  {
    id: 'plan-dot',
    type: 'circle',
    source: 'hazards',
    'source-layer': 'hazards',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-color': rankColor, 'circle-radius': 2, 'circle-stroke-color': '#3d0008', 'circle-stroke-width': 0.3 },
  },
];
// The forecast's admin areas, coloured by the class of their P50 date (a
// feature state too; areas without one are not filled).
export const DONE_COLORS = ['#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
const PLAN_ADMIN_STYLE = [
  {
    id: 'plan-admin-fill',
    type: 'fill',
    source: 'admin-areas',
    paint: {
      'fill-color': ['match', ['coalesce', ['feature-state', 'done'], -1], ...DONE_COLORS.flatMap((c, i) => [i, c]), 'rgba(0,0,0,0)'],
      'fill-opacity': 0.85,
      'fill-antialias': false,
    },
  },
  { id: 'plan-admin-line', type: 'line', source: 'admin-areas', paint: { 'line-color': COLORS.admin, 'line-width': 1 } },
];
let planMode = false;
let planClick = null;
let planSettlements = false;
let planAdmin = false;

// On: the map draws admin areas and hazards by rank (settlements, and the
// admin areas by their forecast, when asked), with no filter; a click gives
// onClick the features under it ([{source, code, codes}], topmost first).
// Off: the map as the filter and toggles say.
export function setPlanMode(on, onClick = null, { settlements = false, admin = false } = {}) {
  if (planMode === on && planClick === onClick && planSettlements === settlements && planAdmin === admin) return;
  planMode = on;
  planClick = onClick;
  planSettlements = settlements;
  planAdmin = admin;
  refresh();
}

// classes: [[admin code, class]]
export function setAdminClasses(classes) {
  if (!map) return;
  map.removeFeatureState({ source: 'admin-areas' });
  for (const [code, cls] of classes) map.setFeatureState({ source: 'admin-areas', id: code }, { done: cls });
}

// The whole of what this user may read in view.
export function fitAll() {
  map?.fitBounds(extent ? [[extent[0], extent[1]], [extent[2], extent[3]]] : [[DEFAULT_BOUNDS[0], DEFAULT_BOUNDS[1]], [DEFAULT_BOUNDS[2], DEFAULT_BOUNDS[3]]], { padding: 20 });
}

// ranks: [[code, class]]: the class of every ranked hazard (the old ones
// forgotten)
export function setRankClasses(ranks) {
  if (!map) return;
  map.removeFeatureState({ source: 'hazards', sourceLayer: 'hazards' });
  for (const [code, cls] of ranks) map.setFeatureState({ source: 'hazards', sourceLayer: 'hazards', id: code }, { rank: cls });
}
