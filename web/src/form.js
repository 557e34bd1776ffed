// Forms for editors: create or change a record of a collection. The fields,
// their types, lists of values and ranges come from the collection's
// queryables (JSON Schema, /collections/{id}/queryables), so the form checks
// what the library checks (src/core/kind.c); the server checks again and its
// problem details are shown as they come. Geometries are drawn on the map
// (terra-draw) or pasted (GeoJSON, or "lon lat" per line); victims have no
// geometry, and their personal fields (name, address: not in the queryables)
// are offered only to roles that read personal data. A change to an existing
// record is a PATCH with a JSON merge patch of the changed properties when
// the geometry stays, a PUT of the whole feature when it changes; both carry
// the ETag of the version read (If-Match).

import { request, get, can, queryables } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, fmtValue } from './i18n.js';
import { map, refresh, showOverlay, showSelected, zoomTo, layerTitle } from './map.js';
import { openPanel, closePanel, fieldLabel, showRecord } from './detail.js';
import { parseCoordinates } from './geom.js';
import { labelPoint } from './basemap.js';

// ---- the admin area filled from the geometry ----
// The admin area (of the finest level) holding a point inside the drawn
// polygon's largest part (its centroid when that is inside), or the point;
// null when none does or admin areas cannot be read.
async function adminAt(geometry) {
  const p = geometry.type === 'Point' ? geometry.coordinates : labelPoint(geometry);
  if (!p) return null;
  const params = new URLSearchParams({ filter: `S_INTERSECTS(geometry, POINT(${p[0].toFixed(7)} ${p[1].toFixed(7)}))`, properties: 'code,name,level', limit: '50' });
  try {
    const d = await get(`/collections/admin-areas/items?${params}`, { accept: 'application/geo+json' });
    const best = d.features.map((f) => f.properties).sort((a, b) => (b.level ?? 0) - (a.level ?? 0))[0];
    return best || null;
  } catch {
    return null;
  }
}
// Fills the form's admin_code from geometry g unless the user typed another
// value there (a value filled here is replaced by the next geometry's).
async function fillAdmin(form, g, state) {
  const el = form.elements.admin_code;
  if (!el || !g) return;
  const area = await adminAt(g);
  const hint = form.querySelector('#f-admin_code-hint');
  if (!area || (el.value && el.value !== state.filled)) return;
  el.value = area.code;
  state.filled = area.code;
  if (hint) hint.textContent = t('find.adminFilled', { name: area.name || area.code });
  el.dispatchEvent(new Event('change', { bubbles: true }));
}
// ---- end of the admin area filled from the geometry ----

// What kind.c says and the queryables do not (yet) carry: required fields
// and ranges. A schema's own "required", "minimum" and "maximum" win.
const REQUIRED = { hazards: ['status'], releases: ['method'], 'eo-items': ['category'], 'admin-areas': ['name'], settlements: ['name'] };
const RANGES = {
  depth_m: [0, 20],
  quantity: [1, 1000000],
  age: [0, 110],
  level: [0, 9],
  population: [0, 100000000],
  person_days: [0, 1e7],
  cost: [0, 1e12],
};
export const EDITABLE = ['hazards', 'releases', 'eo-items', 'accidents', 'victims', 'settlements'];
const POINT_KINDS = new Set(['eo-items', 'accidents', 'settlements', 'minefield-records']);
const NO_GEOMETRY = new Set(['victims', 'organisations']);
// fields the queryables leave out (personal data), shown to roles that read it
const PERSONAL = { victims: ['name', 'address'] };
// kinds only roles that read personal data may write
const PERSONAL_KINDS = new Set(['victims']);
export function mayWrite(collection) {
  return can('write') && (!PERSONAL_KINDS.has(collection) || can('read_personal'));
}

const schema = queryables;

let draw;
let drawRequest = 0; // the latest startDraw; stopDraw cancels one loading
function stopDraw() {
  drawRequest++;
  document.body.classList.remove('drawing');
  if (draw) {
    try {
      draw.stop();
    } catch {
      /* already stopped */
    }
    draw = null;
  }
}

// The drawing library is loaded when first used: not part of the map's
// first paint.
async function startDraw(kind, geometry, onGeometry) {
  stopDraw();
  const mine = ++drawRequest;
  const [{ TerraDraw, TerraDrawPolygonMode, TerraDrawPointMode, ValidateNotSelfIntersecting }, { TerraDrawMapLibreGLAdapter }] = await Promise.all([
    import('terra-draw'),
    import('terra-draw-maplibre-gl-adapter'),
  ]);
  if (mine !== drawRequest) return; // stopped, or started again, meanwhile
  draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawPolygonMode({
        editable: true,
        validation: (feature, { updateType }) => (updateType === 'finish' || updateType === 'commit' ? ValidateNotSelfIntersecting(feature) : { valid: true }),
        styles: { fillColor: '#ff00aa', fillOpacity: 0.25, outlineColor: '#ff00aa', outlineWidth: 3, closingPointColor: '#ffffff', closingPointOutlineColor: '#ff00aa' },
      }),
      new TerraDrawPointMode({ editable: true, styles: { pointColor: '#ff00aa', pointWidth: 8, pointOutlineColor: '#ffffff', pointOutlineWidth: 2 } }),
    ],
  });
  draw.start();
  document.body.classList.add('drawing');
  const mode = kind === 'point' ? 'point' : 'polygon';
  draw.setMode(mode);
  if (geometry && (geometry.type === 'Polygon' || geometry.type === 'Point')) {
    draw.addFeatures([{ type: 'Feature', geometry, properties: { mode } }]);
  }
  const emit = () => {
    const feats = draw.getSnapshot().filter((f) => f.geometry.type === (mode === 'point' ? 'Point' : 'Polygon'));
    const last = feats[feats.length - 1];
    if (!last) return;
    // one geometry per record: keep the last one drawn
    const old = feats.slice(0, -1).map((f) => f.id);
    if (old.length) draw.removeFeatures(old);
    onGeometry(last.geometry);
  };
  draw.on('finish', emit);
  draw.on('change', (ids, type) => {
    if (type === 'update') emit();
  });
}

function input(name, prop, value, required) {
  const id = `f-${name}`;
  const common = { id, name, required: required || null, 'aria-describedby': `${id}-err` };
  let el;
  if (prop.enum) {
    el = h('select', common, h('option', { value: '' }, required ? t('form.choose') : '–'), prop.enum.map((v) => h('option', { value: v, selected: v === value }, fmtValue(v, name))));
  } else if (prop.type === 'boolean') {
    el = h(
      'select',
      common,
      h('option', { value: '' }, '–'),
      h('option', { value: 'true', selected: value === true }, t('common.yes')),
      h('option', { value: 'false', selected: value === false }, t('common.no')),
    );
  } else if (prop.format === 'date') {
    el = h('input', { ...common, type: 'date', value: value || '' });
  } else if (prop.type === 'integer' || prop.type === 'number') {
    const [lo, hi] = [prop.minimum ?? RANGES[name]?.[0], prop.maximum ?? RANGES[name]?.[1]];
    el = h('input', { ...common, type: 'number', inputmode: 'decimal', step: prop.type === 'integer' ? '1' : 'any', min: lo, max: hi, value: value ?? '' });
  } else {
    el = h(['description', 'injuries', 'address'].includes(name) ? 'textarea' : 'input', { ...common, type: 'text', value: value ?? '', rows: 3, autocomplete: 'off' });
    if (el.tagName === 'TEXTAREA') el.value = value ?? '';
  }
  return h(
    'label',
    { class: 'field', for: id },
    h('span', { class: 'label' }, fieldLabel(name), required && h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    el,
    name === 'admin_code' && h('span', { class: 'field-hint muted small', id: `${id}-hint`, 'aria-live': 'polite' }),
    h('span', { class: 'field-error', id: `${id}-err`, role: 'alert' }),
  );
}

// Checks one value as kind.c does; returns an error text or ''.
export function checkValue(name, prop, raw, required) {
  const v = raw.trim();
  if (!v) return required ? t('form.required') : '';
  if (prop.enum && !prop.enum.includes(v)) return t('form.notInList', { values: prop.enum.join(', ') });
  if (prop.type === 'integer' || prop.type === 'number') {
    const n = Number(v);
    if (!Number.isFinite(n)) return t('form.notNumber');
    if (prop.type === 'integer' && !Number.isInteger(n)) return t('form.notWhole');
    const [lo, hi] = [prop.minimum ?? RANGES[name]?.[0], prop.maximum ?? RANGES[name]?.[1]];
    if (lo != null && hi != null && (n < lo || n > hi)) return t('form.outOfRange', { lo, hi });
  }
  if (prop.format === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return t('form.notDate');
  return '';
}

function valueOf(prop, raw) {
  const v = raw.trim();
  if (!v) return null;
  if (prop.type === 'integer' || prop.type === 'number') return Number(v);
  if (prop.type === 'boolean') return v === 'true';
  return v;
}

// Opens the form: a new record of `collection` (with the values of
// `preset`), or a change to `feature` (with its ETag, sent as If-Match).
export async function openForm({ collection, feature, etag, preset }) {
  let s;
  try {
    s = await schema(collection);
  } catch (e) {
    toast(e.message, 'error');
    return;
  }
  const editing = Boolean(feature);
  const props = feature?.properties || preset || {};
  const kind = POINT_KINDS.has(collection) ? 'point' : 'polygon';
  const hasGeometry = !NO_GEOMETRY.has(collection);
  const required = new Set(s.required || REQUIRED[collection] || []);
  const geomRequired = hasGeometry && (s.required ? s.required.includes('geometry') : true);
  const fields = { ...s.properties };
  if (can('read_personal')) for (const n of PERSONAL[collection] || []) fields[n] = fields[n] || { type: 'string', personal: true };
  const names = Object.keys(fields).filter((n) => !['code', 'state', 'version', 'geometry'].includes(n));
  const personal = names.filter((n) => fields[n].personal);
  const plain = names.filter((n) => !fields[n].personal);
  let geometry = feature?.geometry || null;
  const geomStatus = h('p', { class: 'geom-status', id: 'geom-status' });
  const geomError = h('span', { class: 'field-error', role: 'alert' });
  const setGeometry = (g, initial = false) => {
    geometry = g;
    geomStatus.textContent = g ? t(g.type === 'Point' ? 'form.geomPoint' : 'form.geomPolygon', { n: g.type === 'Point' ? 1 : g.coordinates[0].length - 1 }) : t('form.geomNone');
    geomError.textContent = '';
    showOverlay(g ? [{ type: 'Feature', geometry: g, properties: {} }] : []);
    if (!initial) fillAdmin(form, g, adminState);
  };
  const adminState = { filled: '' };
  const paste = h('textarea', { id: 'geom-paste', rows: 4, placeholder: t(kind === 'point' ? 'form.pastePointHint' : 'form.pastePolygonHint') });
  const multi = geometry && geometry.type === 'MultiPolygon' && geometry.coordinates.length > 1;
  const form = h(
    'form',
    {
      class: 'record-form',
      id: 'record-form',
      novalidate: true,
      oninput: (e) => {
        // a corrected field loses its message
        const err = e.target.id && form.querySelector(`#${CSS.escape(e.target.id)}-err`);
        if (err) err.textContent = '';
        e.target.removeAttribute('aria-invalid');
        form.querySelector('#form-error').textContent = '';
      },
      onsubmit: async (e) => {
        e.preventDefault();
        await submit();
      },
    },
    h('fieldset', {}, h('legend', {}, t('form.fields')), plain.map((n) => input(n, fields[n], props[n], required.has(n)))),
    personal.length > 0 &&
      h(
        'fieldset',
        { class: 'personal', id: 'form-personal' },
        h('legend', {}, t('form.personal')),
        h('p', { class: 'muted small' }, t('form.personalNote')),
        personal.map((n) => input(n, fields[n], props[n], required.has(n))),
      ),
    !hasGeometry && h('p', { class: 'muted small', id: 'form-no-geometry' }, t(collection === 'victims' ? 'form.noGeometryVictim' : 'form.noGeometry')),
    hasGeometry &&
    h(
      'fieldset',
      {},
      h('legend', {}, t(kind === 'point' ? 'form.position' : 'form.boundary')),
      geomStatus,
      multi && h('p', { class: 'muted' }, t('form.multiNote')),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'btn', id: 'geom-draw', onclick: () => startDraw(kind, geometry && geometry.type !== 'MultiPolygon' ? geometry : geometry?.type === 'MultiPolygon' ? { type: 'Polygon', coordinates: geometry.coordinates[0] } : null, setGeometry) }, t(kind === 'point' ? 'form.place' : 'form.draw')),
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            id: 'geom-paste-apply',
            onclick: () => {
              try {
                setGeometry(parseCoordinates(paste.value, kind));
                zoomTo(geometry);
              } catch (err) {
                geomError.textContent = t('form.badCoordinates', { why: err.message });
              }
            },
          },
          t('form.usePasted'),
        ),
      ),
      h('label', { class: 'field', for: 'geom-paste' }, h('span', { class: 'label' }, t('form.paste')), paste),
      geomError,
    ),
    h('p', { class: 'form-error', role: 'alert', id: 'form-error' }),
    h(
      'div',
      { class: 'actions sticky' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'form-submit' }, t(editing ? 'form.saveChange' : 'form.submit')),
      h('button', { type: 'button', class: 'btn btn-quiet', onclick: cancel }, t('common.cancel')),
    ),
  );
  openPanel(
    h(
      'div',
      { class: 'panel-head' },
      h('div', {}, h('div', { class: 'eyebrow' }, layerTitle(collection)), h('h2', {}, editing ? t('form.editTitle', { code: props.code }) : t('form.newTitle'))),
      h('button', { type: 'button', class: 'btn-icon close', 'aria-label': t('common.close'), onclick: cancel }, '×'),
    ),
    h('p', { class: 'muted' }, t(editing && props.state === 'approved' ? 'form.noteApproved' : 'form.noteSubmitted')),
    form,
  );
  if (hasGeometry) setGeometry(geometry, true);
  showSelected(null);

  function cancel() {
    stopDraw();
    showOverlay([]);
    closePanel();
  }

  async function submit() {
    let ok = true;
    const out = {};
    for (const n of names) {
      const el = form.elements[n];
      const err = checkValue(n, fields[n], el.value, required.has(n));
      form.querySelector(`#f-${CSS.escape(n)}-err`).textContent = err;
      el.setAttribute('aria-invalid', err ? 'true' : 'false');
      if (err) ok = false;
      out[n] = valueOf(fields[n], el.value);
    }
    if (!geometry && geomRequired) {
      geomError.textContent = t('form.geomRequired');
      ok = false;
    }
    const errBox = form.querySelector('#form-error');
    errBox.textContent = '';
    if (!ok) {
      errBox.textContent = t('form.fixErrors');
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const base = `/collections/${collection}/items`;
    let method = 'POST';
    let body = JSON.stringify({ type: 'Feature', geometry: hasGeometry ? geometry : null, properties: out });
    let type = 'application/geo+json';
    if (editing) {
      // only the properties changed: a merge patch of those; else the whole feature
      const geomChanged = hasGeometry && JSON.stringify(geometry) !== JSON.stringify(feature.geometry || null);
      const patch = {};
      for (const n of names) if (JSON.stringify(out[n] ?? null) !== JSON.stringify(props[n] ?? null)) patch[n] = out[n];
      if (!geomChanged && !Object.keys(patch).length) {
        errBox.textContent = t('form.nothingChanged');
        return;
      }
      if (geomChanged) method = 'PUT';
      else {
        method = 'PATCH';
        body = JSON.stringify({ properties: patch });
        type = 'application/merge-patch+json';
      }
    }
    const submitBtn = form.querySelector('#form-submit');
    submitBtn.disabled = true;
    try {
      const { res, data } = editing
        ? await request(`${base}/${encodeURIComponent(props.code)}`, {
            method,
            body,
            headers: { 'Content-Type': type, 'If-Match': etag || `"${props.version}"` },
          })
        : await request(base, { method: 'POST', body, headers: { 'Content-Type': type } });
      stopDraw();
      showOverlay([]);
      let code = props.code;
      if (!editing) {
        const loc = res.headers.get('Location') || '';
        code = data?.id || data?.properties?.code || decodeURIComponent(loc.split('/').pop() || '');
      }
      toast(res.status === 202 ? t('form.waits') : editing ? t('form.saved') : t('form.created', { code }), 'ok');
      document.dispatchEvent(new CustomEvent('demine:changed', { detail: { collection, code } }));
      if (hasGeometry) refresh(true);
      if (code) showRecord(collection, code, { waits: res.status === 202 });
      else closePanel();
    } catch (e) {
      submitBtn.disabled = false;
      const reload = h('button', { type: 'button', class: 'btn', id: 'form-reload', onclick: () => (cancel(), showRecord(collection, props.code)) }, t('form.reload'));
      const review = h('a', { href: '#/review', id: 'form-review-link' }, t('form.seeReview'));
      errBox.dataset.status = String(e.status || '');
      if (e.status === 412) clear(errBox).append(h('span', {}, t('form.stale')), ' ', reload);
      else if (e.status === 409 && editing) clear(errBox).append(h('span', {}, t('form.conflict')), ' ', review);
      else if (e.status === 403) errBox.textContent = t('form.forbidden', { why: e.message });
      else errBox.textContent = e.message;
      // the answer is seen where the form was sent from, however long it is
      errBox.scrollIntoView({ block: 'nearest' });
    }
  }
}

// The "New record" chooser.
export function openNew() {
  openPanel(
    h('div', { class: 'panel-head' }, h('h2', {}, t('form.newTitle')), h('button', { type: 'button', class: 'btn-icon close', 'aria-label': t('common.close'), onclick: closePanel }, '×')),
    h('p', {}, t('form.chooseKind')),
    h(
      'div',
      { class: 'choice-list' },
      EDITABLE.filter(mayWrite).map((c) => h('button', { type: 'button', class: 'btn choice', dataset: { new: c }, onclick: () => openForm({ collection: c }) }, layerTitle(c))),
    ),
  );
}
