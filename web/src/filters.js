// The filter every view follows: admin area, date range, organisation and
// status. The map turns it into item request parameters (datetime=,
// organisation=, status=/method= and a CQL2 S_INTERSECTS filter on the admin
// area's boundary); the dashboard into /stats/* parameters.

import { get } from './api.js';
import { compactWkt } from './geom.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

export const filter = {
  admin: '', // admin area code
  adminName: '',
  adminGeometry: null,
  from: '', // YYYY-MM-DD
  to: '',
  org: '',
  status: '', // '', SHA, CHA, released, cancelled, reduced, cleared
};

const listeners = new Set();
export function onFilterChange(fn) {
  listeners.add(fn);
}
function changed() {
  for (const fn of listeners) fn(filter);
}

export function filterKey() {
  return JSON.stringify([filter.admin, filter.from, filter.to, filter.org, filter.status]);
}

const METHODS = ['cancelled', 'reduced', 'cleared'];

// False when the status filter hides layer id entirely.
export function layerShown(id) {
  if (!filter.status) return true;
  if (id === 'hazards') return filter.status === 'SHA' || filter.status === 'CHA';
  if (id === 'releases') return filter.status === 'released' || METHODS.includes(filter.status);
  return id === 'admin-areas' || id === 'settlements';
}

// The query parameters of an items request on layer l (see layers.js).
export function itemParams(l) {
  const p = {};
  if (l.date && (filter.from || filter.to)) p.datetime = `${filter.from || '..'}/${filter.to || '..'}`;
  if (l.org && filter.org) p.organisation = filter.org;
  if (l.id === 'hazards' && (filter.status === 'SHA' || filter.status === 'CHA')) p.status = filter.status;
  if (l.id === 'releases' && METHODS.includes(filter.status)) p.method = filter.status;
  if (filter.adminGeometry && l.id !== 'admin-areas')
    p.filter = `S_INTERSECTS(geometry, ${compactWkt(filter.adminGeometry)})`;
  if (l.id === 'admin-areas' && filter.admin) p.filter = `code = '${filter.admin.replace(/'/g, "''")}'`;
  return p;
}

let adminOptions = []; // [{code, name}]
let adminFromLayer = false;
const orgs = new Set();

// Admin areas for the select: from the admin-areas layer when this user may
// read it (every area), else from the published figures that name areas
// (cheap ones: EO items and casualties by admin area).
export async function loadOptions() {
  if (adminFromLayer) return;
  const seen = new Map();
  for (const path of ['/stats/items?by=admin', '/stats/casualties?by=admin']) {
    try {
      for (const g of (await get(path)).groups) if (g.key) seen.set(g.key, g.name || g.key);
    } catch {
      /* not published to this user */
    }
  }
  if (adminFromLayer) return;
  adminOptions = [...seen].map(([code, name]) => ({ code, name })).sort((a, b) => a.name.localeCompare(b.name));
  renderSelects();
}

// Called with the features of each layer the map loads: admin areas and
// the organisations named in what is on the map fill the selects.
export function optionsFromLayer(id, features) {
  let more = false;
  if (id === 'admin-areas' && !filter.admin && features.length) {
    adminFromLayer = true;
    adminOptions = features.map((f) => ({ code: f.properties.code, name: f.properties.name || f.properties.code })).sort((a, b) => a.name.localeCompare(b.name));
    more = true;
  }
  for (const f of features) {
    const o = f.properties.organisation;
    if (o && !orgs.has(o)) {
      orgs.add(o);
      more = true;
    }
  }
  if (more) renderSelects();
}

let root;

function select(id, label, options, value, onchange) {
  const sel = h(
    'select',
    { id, name: id, onchange: (e) => onchange(e.target.value) },
    h('option', { value: '' }, t('filter.all')),
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
  return h('label', { class: 'field', for: id }, h('span', { class: 'label' }, label), sel);
}

function renderSelects() {
  if (!root) return;
  const box = root.querySelector('.filter-selects');
  clear(box);
  box.append(
    select(
      'filter-admin',
      t('filter.admin'),
      adminOptions.map((a) => [a.code, a.name]),
      filter.admin,
      setAdmin,
    ),
    select(
      'filter-org',
      t('filter.organisation'),
      [...orgs].sort().map((o) => [o, o]),
      filter.org,
      (v) => {
        filter.org = v;
        changed();
      },
    ),
    select(
      'filter-status',
      t('filter.status'),
      [
        ['SHA', t('status.SHA')],
        ['CHA', t('status.CHA')],
        ['released', t('status.released')],
        ['cancelled', t('status.cancelled')],
        ['reduced', t('status.reduced')],
        ['cleared', t('status.cleared')],
      ],
      filter.status,
      (v) => {
        filter.status = v;
        changed();
      },
    ),
  );
}

async function setAdmin(code) {
  filter.admin = code;
  // (a name already given stays when the list is not loaded yet)
  filter.adminName = adminOptions.find((a) => a.code === code)?.name || (code ? filter.adminName : '');
  filter.adminGeometry = null;
  if (code) {
    try {
      const f = await get(`/collections/admin-areas/items/${encodeURIComponent(code)}`, {
        accept: 'application/geo+json',
      });
      filter.adminGeometry = f.geometry;
    } catch {
      // admin areas need a login: the figures follow, the map cannot
      filter.adminGeometry = null;
    }
  }
  renderSelects();
  changed();
}

export function setFilter(values) {
  Object.assign(filter, values);
  // the date fields show what was set (a records URL, a dashboard link)
  for (const [id, key] of [['filter-from', 'from'], ['filter-to', 'to']]) {
    const el = root?.querySelector(`#${id}`);
    if (el) el.value = filter[key];
  }
  if ('admin' in values) return setAdmin(values.admin);
  renderSelects();
  changed();
}

export function renderFilters(container) {
  root = container;
  const dateInput = (id, key) =>
    h('input', {
      type: 'date',
      id,
      name: id,
      value: filter[key],
      onchange: (e) => {
        filter[key] = e.target.value;
        changed();
      },
    });
  clear(container).append(
    h('h2', { class: 'panel-title' }, t('filter.title')),
    h('div', { class: 'filter-selects' }),
    h(
      'div',
      { class: 'field-row' },
      h('label', { class: 'field', for: 'filter-from' }, h('span', { class: 'label' }, t('filter.from')), dateInput('filter-from', 'from')),
      h('label', { class: 'field', for: 'filter-to' }, h('span', { class: 'label' }, t('filter.to')), dateInput('filter-to', 'to')),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-quiet',
        id: 'filter-clear',
        onclick: () => {
          Object.assign(filter, { admin: '', adminName: '', adminGeometry: null, from: '', to: '', org: '', status: '' });
          renderFilters(container);
          changed();
        },
      },
      t('filter.clear'),
    ),
  );
  renderSelects();
}
