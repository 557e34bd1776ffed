// The map's layers: one per OGC API collection, drawn in this order (first
// is lowest). Colours are chosen for contrast on a light background in
// bright light, and to stay apart for the common colour-vision deficiencies
// (orange/red for hazards, blue/teal/green for the release methods, purple
// and black for points).

export const COLORS = {
  SHA: '#f08a00',
  CHA: '#c8102e',
  cancelled: '#5ab4ac',
  reduced: '#2166ac',
  cleared: '#1a7a2e',
  eo: '#6a1b9a',
  accident: '#111111',
  settlement: '#5d4037',
  admin: '#3b3b3b',
  highlight: '#00b7ff',
  pending: '#ff00aa',
  mine: '#8e24aa', // an editor's own records, submitted
  rejected: '#6d6d6d', // ... and rejected
};

export const LAYERS = [
  {
    id: 'admin-areas',
    kind: 'polygon',
    date: null,
    org: false,
    visible: true,
    fill: ['rgba(255,255,255,0.55)'],
    line: COLORS.admin,
    lineWidth: 1.2,
    swatch: { fill: '#ffffff', line: COLORS.admin },
  },
  {
    id: 'hazards',
    kind: 'polygon',
    tiled: true,
    date: 'date_recorded',
    org: true,
    visible: true,
    fill: ['match', ['get', 'status'], 'CHA', COLORS.CHA, COLORS.SHA],
    fillOpacity: ['interpolate', ['linear'], ['zoom'], 7, 0.9, 13, 0.55],
    line: ['match', ['get', 'status'], 'CHA', '#7a0019', '#b45f00'],
    lineWidth: ['interpolate', ['linear'], ['zoom'], 7, 0.4, 12, 1.2, 15, 2],
    legend: [
      ['SHA', COLORS.SHA],
      ['CHA', COLORS.CHA],
    ],
  },
  {
    id: 'releases',
    kind: 'polygon',
    tiled: true,
    date: 'date',
    org: true,
    visible: true,
    fill: [
      'match',
      ['get', 'method'],
      'cleared',
      COLORS.cleared,
      'reduced',
      COLORS.reduced,
      COLORS.cancelled,
    ],
    fillOpacity: 0.7,
    line: ['match', ['get', 'method'], 'cleared', '#0b3d17', 'reduced', '#0d2f5e', '#1f5f5a'],
    lineWidth: ['interpolate', ['linear'], ['zoom'], 7, 0.3, 12, 1, 15, 1.6],
    legend: [
      ['cancelled', COLORS.cancelled],
      ['reduced', COLORS.reduced],
      ['cleared', COLORS.cleared],
    ],
  },
  {
    id: 'settlements',
    kind: 'point',
    date: null,
    org: false,
    visible: true,
    color: COLORS.settlement,
    radius: 5,
    // larger dots for larger places (population, people)
    radiusBy: ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'population'], 0]], 0, 0.5, 30, 0.8, 300, 1.6],
  },
  { id: 'eo-items', kind: 'point', tiled: true, date: 'date', org: true, visible: true, color: COLORS.eo, radius: 4.5 },
  // under the hazards and small below zoom UNDER_ZOOM: at a country's scale
  // thousands of accident dots would cover the hazards
  { id: 'accidents', kind: 'point', tiled: true, date: 'date', org: false, visible: true, color: COLORS.accident, radius: 4.5, under: 'hazards-fill' },
];

export const UNDER_ZOOM = 10;

export function layerById(id) {
  return LAYERS.find((l) => l.id === id);
}

// The MapLibre style layers of one collection (ids "<id>-fill", "<id>-line",
// "<id>-point"). A tiled polygon layer also has "<id>-dot": the areas the
// server sent as points because they are smaller than the dot (3 px) at that
// zoom, so that none disappears at a country's scale.
export function styleLayers(l) {
  const src = l.tiled ? { source: l.id, 'source-layer': l.id } : { source: l.id };
  if (l.kind === 'polygon') {
    const layers = [
      {
        id: `${l.id}-fill`,
        type: 'fill',
        ...src,
        ...(l.tiled ? { filter: ['!=', ['geometry-type'], 'Point'] } : {}),
        paint: { 'fill-color': l.fill.length === 1 ? l.fill[0] : l.fill, 'fill-opacity': l.fillOpacity ?? 1, 'fill-antialias': false },
      },
      {
        id: `${l.id}-line`,
        type: 'line',
        ...src,
        // outlines from zoom 8, fading in as polygons grow: at a country's
        // scale they would hide the fill colours (and cost the first paint)
        minzoom: l.id === 'admin-areas' ? 0 : 8,
        paint: {
          'line-color': l.line,
          'line-width': l.lineWidth,
          'line-opacity': l.id === 'admin-areas' ? 1 : ['interpolate', ['linear'], ['zoom'], 8, 0.15, 11, 1],
        },
      },
    ];
    if (l.tiled)
      layers.push({
        id: `${l.id}-dot`,
        type: 'circle',
        ...src,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': l.fill.length === 1 ? l.fill[0] : l.fill, 'circle-radius': 1.5 },
      });
    return layers;
  }
  const radius = (f) => (l.radiusBy ? ['*', f, l.radiusBy] : f);
  const point = {
    id: `${l.id}-point`,
    type: 'circle',
    ...src,
    paint: {
      'circle-color': l.color,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, radius(l.radius * 0.7), 12, radius(l.radius * 1.6)],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.2,
    },
  };
  if (!l.under) return [point];
  // "<id>-under": small dots under l.under up to UNDER_ZOOM, "<id>-point" above it from there
  return [
    { id: `${l.id}-under`, type: 'circle', ...src, maxzoom: UNDER_ZOOM, before: l.under, paint: { 'circle-color': l.color, 'circle-opacity': 0.75, 'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 1.4, UNDER_ZOOM, 2.5] } },
    { ...point, minzoom: UNDER_ZOOM },
  ];
}

// The names drawn on the map (not clickable): admin areas' names at their
// label points (source "admin-labels", basemap.js) and settlements' names,
// larger and shown sooner for larger places. Text is drawn by the browser
// from its own fonts (no glyphs URL in the style): nothing is fetched.
export const LABEL_FONT = ['sans-serif'];
export function labelLayers(l) {
  const named = (least) => ['case', ['>=', ['coalesce', ['get', 'population'], 0], least], ['get', 'name'], ''];
  const halo = { 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.4 };
  if (l.id === 'admin-areas')
    return [
      {
        id: 'admin-areas-label',
        type: 'symbol',
        source: 'admin-labels',
        minzoom: 6.5,
        layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': ['interpolate', ['linear'], ['zoom'], 7, 10, 11, 13], 'text-transform': 'uppercase', 'text-letter-spacing': 0.08, 'text-max-width': 8, 'text-padding': 4 },
        paint: { 'text-color': '#4a4a4a', ...halo },
      },
    ];
  if (l.id === 'settlements')
    return [
      {
        id: 'settlements-label',
        type: 'symbol',
        source: 'settlements',
        layout: {
          // the towns first: a place is named from a zoom that falls with its population
          'text-field': ['step', ['zoom'], named(100000), 7, named(30000), 8, named(5000), 9.5, named(1000), 11, named(0)],
          'text-font': LABEL_FONT,
          'text-size': ['interpolate', ['linear'], ['sqrt', ['coalesce', ['get', 'population'], 0]], 0, 10, 100, 12, 300, 15],
          'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'population'], 0]],
          'text-variable-anchor': ['top', 'bottom', 'left', 'right'],
          'text-radial-offset': 0.6,
          'text-padding': 3,
        },
        paint: { 'text-color': '#3e2723', ...halo },
      },
    ];
  return [];
}

export function styleIds(l) {
  return styleLayers(l).map((s) => s.id);
}
