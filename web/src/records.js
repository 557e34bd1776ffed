// The records view: a table of one kind of record at #/records/{kind}, with
// the shared filter in its URL (admin, since, until, organisation, status;
// any other property of the kind as a property filter, e.g.
// accident_code=IN-0123) and its order (sortby=+name,-date). The server
// sorts and pages the whole filtered set (sortby, offset, numberMatched);
// the columns shown are chosen and remembered; export writes every page of
// what is shown (the chosen columns, in the order shown) as CSV or GeoJSON,
// or asks the server for the same as XLSX.

import { get, allFeatures, queryables, can, session } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, fmtNumber, fmtValue } from './i18n.js';
import { fieldLabel, stateBadge } from './detail.js';
import { layerTitle } from './map.js';
import { filter, setFilter, itemParams } from './filters.js';

const PAGE = 50;
// kinds drawn as polygons: they have an area (area_m2 from the server)
const POLYGONS = new Set(['hazards', 'releases', 'activities', 'admin-areas']);
// the filter's own statuses (hazard status, release method)
const SHARED_STATUS = new Set(['SHA', 'CHA', 'released', 'cancelled', 'reduced', 'cleared']);
// the URL's filter parameters (the rest are property filters)
const URL_FILTERS = ['admin', 'since', 'until', 'organisation', 'status', 'sortby'];
const KINDS = ['hazards', 'releases', 'eo-items', 'accidents', 'victims', 'activities', 'admin-areas', 'settlements', 'organisations', 'infrastructure'];

const DEFAULT_COLUMNS = {
  hazards: ['name', 'status', 'lifecycle', 'organisation', 'date_recorded', 'area_m2', 'area_ha'],
  releases: ['method', 'date', 'organisation', 'hazard_code', 'area_m2', 'area_ha'],
  'eo-items': ['category', 'model', 'quantity', 'date', 'disposal', 'organisation'],
  accidents: ['date', 'device_category', 'activity', 'demining', 'admin_code'],
  victims: ['name', 'accident_code', 'accident_date', 'accident_admin_code', 'status', 'sex', 'age', 'age_group', 'group'],
  settlements: ['name', 'population', 'admin_code'],
  'admin-areas': ['name', 'level', 'area_m2', 'area_ha'],
  organisations: ['name', 'type', 'country'],
};
// XLSX from the server (GET /collections/{kind}/items?f=xlsx), one answer
// of at most MAX_LIMIT records (the server's largest page)
const XLSX = true;
const MAX_LIMIT = 10000;
const META = new Set(['code', 'state', 'version', 'geometry']);

let box;
let openOnMap = () => {};
let current = null; // {kind, query, columns, offset, sortby}
let asked = 0; // the latest page asked for: older answers are dropped

export function initRecords(el, onOpen) {
  box = el;
  openOnMap = onOpen;
}

function recordsHash(kind, q) {
  const s = q.toString();
  return `#/records/${kind}${s ? `?${s}` : ''}`;
}

function parseHash(hash) {
  const m = hash.match(/^#\/records\/([\w-]+)(?:\?(.*))?$/);
  const kind = m && KINDS.includes(m[1]) ? m[1] : 'hazards';
  return { kind, query: new URLSearchParams((m && m[2]) || '') };
}

// The shared filter as the URL says it.
function filterOf(query) {
  const st = query.get('status') || '';
  return {
    admin: query.get('admin') || '',
    from: query.get('since') || '',
    to: query.get('until') || '',
    org: query.get('organisation') || '',
    status: SHARED_STATUS.has(st) ? st : '',
  };
}

// The URL of the records view for the shared filter as it is now.
function hashOfFilter(kind, query) {
  const q = new URLSearchParams();
  if (filter.admin) q.set('admin', filter.admin);
  if (filter.from) q.set('since', filter.from);
  if (filter.to) q.set('until', filter.to);
  if (filter.org) q.set('organisation', filter.org);
  const st = query.get('status');
  if (filter.status) q.set('status', filter.status);
  else if (st && !SHARED_STATUS.has(st)) q.set('status', st);
  for (const [k, v] of query) if (!URL_FILTERS.includes(k)) q.set(k, v);
  if (query.get('sortby')) q.set('sortby', query.get('sortby'));
  return recordsHash(kind, q);
}

// The filter changed (the sidebar): the URL and the table follow.
export function recordsFilterChanged() {
  if (!current) return;
  const hash = hashOfFilter(current.kind, current.query);
  // the filter told again what it already was (an admin area's outline
  // arriving): the view shown, or being made, is already this one
  if (hash === current.hash) return;
  if (hash !== location.hash) history.replaceState(null, '', hash);
  renderRecords(location.hash);
}

// A login or logout: the columns and rows depend on the role.
export function recordsSessionChanged() {
  if (!current || current.role !== session.role) renderRecords(location.hash);
}

function remembered(kind) {
  try {
    const v = JSON.parse(localStorage.getItem(`demine.columns.${kind}`));
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

// Every column a kind has for this user, in a stable order.
function columnsOf(kind, schema) {
  const cols = Object.keys(schema?.properties || {}).filter((k) => !META.has(k));
  if (kind === 'victims') {
    cols.unshift('accident_date', 'accident_admin_code', 'accident_settlement_code');
    if (can('read_personal')) cols.unshift('name', 'address');
  }
  if (POLYGONS.has(kind)) cols.push('area_m2', 'area_ha');
  cols.push('state');
  return cols;
}

// The server's property for a column (area in ha is area_m2 shown in ha).
const serverName = (c) => (c === 'area_ha' ? 'area_m2' : c);

// The items parameters of the view: the shared filter, the URL's property
// filters, the order.
function serverParams(kind, query, schema) {
  const props = schema?.properties || {};
  const hasDate = kind === 'victims' || Object.values(props).some((p) => p.format === 'date');
  const p = itemParams({ id: kind, date: hasDate, org: 'organisation' in props });
  if (kind === 'victims' || kind === 'organisations') delete p.filter;
  if (filter.admin) {
    if (kind === 'victims') p.accident_admin_code = filter.admin;
    else if (!p.filter && 'admin_code' in props) p.admin_code = filter.admin;
  }
  const st = query.get('status');
  if (st && !SHARED_STATUS.has(st) && 'status' in props) p.status = st;
  for (const [k, v] of query) if (!URL_FILTERS.includes(k) && k in props) p[k] = v;
  if (query.get('sortby')) p.sortby = query.get('sortby');
  return p;
}

function cellText(c, p) {
  if (c === 'area_ha') return p.area_m2 == null ? '–' : fmtNumber(p.area_m2 / 10000, 2);
  if (c === 'area_m2') return p.area_m2 == null ? '–' : fmtNumber(p.area_m2);
  return fmtValue(p[c], c);
}

function columnLabel(c) {
  if (c === 'area_m2') return t('records.areaM2');
  if (c === 'area_ha') return t('records.areaHa');
  return fieldLabel(c);
}

// Called by the router for #/records/...
let rendering = 0; // the latest renderRecords: an older one stops at its next await

export async function renderRecords(hash) {
  const my = ++rendering;
  const { kind, query } = parseHash(hash);
  // the URL's filter becomes the shared filter (the map follows it too);
  // the filter's change comes back here through recordsFilterChanged
  const want = filterOf(query);
  current = { kind, query };
  if (want.admin !== filter.admin || want.from !== filter.from || want.to !== filter.to || want.org !== filter.org || want.status !== filter.status) {
    // until the filter is set (an admin area's outline is fetched first)
    clear(box).append(head(kind), h('p', { class: 'muted', id: 'records-status' }, t('map.loading')));
    setFilter(want);
    return;
  }
  Object.assign(current, { hash, role: session.role });
  let schema = null;
  try {
    schema = await queryables(kind);
  } catch (e) {
    if (my !== rendering) return;
    clear(box).append(head(kind), h('p', { class: 'error', id: 'records-status' }, e.status === 401 || e.status === 403 ? t('records.loginNeeded') : e.message));
    return;
  }
  if (my !== rendering) return;
  const all = columnsOf(kind, schema);
  let columns = (remembered(kind) || DEFAULT_COLUMNS[kind] || all.slice(0, 6)).filter((c) => all.includes(c));
  if (!columns.length) columns = all.slice(0, 6);
  current = { kind, query, hash, all, columns, schema, offset: 0, params: serverParams(kind, query, schema), role: session.role };
  draw();
  await page(0);
}

function head(kind) {
  return h(
    'div',
    { class: 'records-head' },
    h('h2', { id: 'records-title' }, layerTitle(kind)),
    h(
      'label',
      { class: 'field records-kind', for: 'records-kind' },
      h('span', { class: 'label' }, t('records.kind')),
      h(
        'select',
        { id: 'records-kind', onchange: (e) => (location.hash = hashOfFilter(e.target.value, new URLSearchParams())) },
        KINDS.map((k) => h('option', { value: k, selected: k === kind }, layerTitle(k))),
      ),
    ),
  );
}

function draw() {
  const { kind, all, columns, query } = current;
  const sortby = query.get('sortby') || '';
  const chooser = h(
    'details',
    { class: 'records-columns', id: 'records-columns' },
    h('summary', { class: 'btn' }, t('records.columns')),
    h(
      'div',
      { class: 'records-column-list' },
      all.map((c) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            value: c,
            checked: columns.includes(c),
            onchange: (e) => {
              const on = new Set([...box.querySelectorAll('#records-columns input:checked')].map((i) => i.value));
              current.columns = all.filter((x) => on.has(x));
              localStorage.setItem(`demine.columns.${kind}`, JSON.stringify(current.columns));
              const open = e.target.closest('details').open;
              draw();
              box.querySelector('#records-columns').open = open;
              page(current.offset);
            },
          }),
          ' ',
          columnLabel(c),
        ),
      ),
    ),
  );
  const sortButton = (c) => {
    const key = serverName(c);
    const dir = sortby === `+${key}` || sortby === key ? 'ascending' : sortby === `-${key}` ? 'descending' : 'none';
    return h(
      'th',
      { scope: 'col', 'aria-sort': dir, dataset: { col: c } },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          onclick: () => {
            const q = new URLSearchParams(query);
            q.set('sortby', dir === 'ascending' ? `-${key}` : `+${key}`);
            location.hash = recordsHash(kind, q);
          },
        },
        columnLabel(c),
        h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ''),
      ),
    );
  };
  const exportButton = (fmt) =>
    h('button', { type: 'button', class: 'btn', id: `records-export-${fmt}`, title: fmt === 'xlsx' ? t('records.export.xlsxNote') : null, onclick: () => exportAll(fmt) }, t(`records.export.${fmt}`));
  clear(box).append(
    head(kind),
    h(
      'div',
      { class: 'records-tools' },
      chooser,
      h('span', { class: 'spacer' }),
      h('span', { class: 'muted' }, t('records.export.title')),
      exportButton('csv'),
      exportButton('geojson'),
      XLSX && exportButton('xlsx'),
    ),
    h('p', { class: 'muted', id: 'records-status' }, t('map.loading')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data', id: 'records-table', dataset: { kind } },
        h('thead', {}, h('tr', {}, sortButton('code'), columns.map(sortButton))),
        h('tbody', { id: 'records-body' }),
      ),
    ),
    h(
      'nav',
      { class: 'records-pager', 'aria-label': t('records.pages') },
      ['first', 'prev', 'next', 'last'].map((p) => h('button', { type: 'button', class: 'btn', id: `records-${p}`, disabled: true, onclick: () => turn(p) }, t(`records.${p}`))),
    ),
  );
  box.hidden = false;
}

function turn(where) {
  const { offset, matched } = current;
  const last = Math.max(0, Math.floor((matched - 1) / PAGE) * PAGE);
  page(where === 'first' ? 0 : where === 'prev' ? Math.max(0, offset - PAGE) : where === 'next' ? Math.min(last, offset + PAGE) : last);
}

function requestParams() {
  const { params, columns } = current;
  const props = new Set(['code', ...columns.map(serverName)]);
  return { ...params, properties: [...props].join(',') };
}

async function page(offset) {
  const my = ++asked;
  const { kind, columns } = current;
  const status = box.querySelector('#records-status');
  const tbody = box.querySelector('#records-body');
  const qs = new URLSearchParams({ ...requestParams(), limit: String(PAGE), offset: String(offset) });
  let d;
  try {
    d = await get(`/collections/${kind}/items?${qs}`, { accept: 'application/geo+json' });
  } catch (e) {
    if (my !== asked) return;
    status.textContent = e.status === 401 || e.status === 403 ? t('records.loginNeeded') : e.message;
    status.classList.add('error');
    return;
  }
  if (my !== asked) return;
  current.offset = offset;
  current.matched = d.numberMatched ?? d.features.length;
  clear(tbody).append(
    ...d.features.map((f, i) => {
      const p = f.properties;
      return h(
        'tr',
        { dataset: { code: p.code, row: String(offset + i + 1) } },
        h('td', { class: 'code' }, f.geometry ? h('button', { type: 'button', class: 'link', onclick: () => openOnMap(kind, p.code, f.geometry) }, p.code) : p.code),
        columns.map((c) => h('td', { class: c === 'area_m2' || c === 'area_ha' || typeof p[c] === 'number' ? 'num' : '' }, c === 'state' ? stateBadge(p.state) : cellText(c, p))),
      );
    }),
  );
  const shown = d.features.length;
  status.textContent = shown
    ? t('records.rows', { from: fmtNumber(offset + 1), to: fmtNumber(offset + shown), matched: fmtNumber(current.matched) })
    : t('records.none');
  status.classList.remove('error');
  status.dataset.matched = String(current.matched);
  status.dataset.shown = String(offset + shown);
  const atStart = offset === 0;
  const atEnd = offset + shown >= current.matched;
  box.querySelector('#records-first').disabled = atStart;
  box.querySelector('#records-prev').disabled = atStart;
  box.querySelector('#records-next').disabled = atEnd;
  box.querySelector('#records-last').disabled = atEnd;
}

// ---- export: every page of the filtered set, the columns shown ----

function csvCell(v) {
  const s = v == null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rowValues(p) {
  return ['code', ...current.columns].map((c) => (c === 'area_ha' ? (p.area_m2 == null ? null : Math.round(p.area_m2) / 10000) : p[c]));
}

function download(name, type, data) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

async function exportAll(fmt) {
  const { kind, columns } = current;
  const btn = box.querySelector(`#records-export-${fmt}`);
  btn.disabled = true;
  const stamp = new Date().toISOString().slice(0, 10);
  try {
    if (fmt === 'xlsx') {
      if (current.matched > MAX_LIMIT) throw new Error(t('records.export.xlsxTooMany', { n: fmtNumber(MAX_LIMIT) }));
      const qs = new URLSearchParams({ ...requestParams(), limit: String(MAX_LIMIT), f: 'xlsx' });
      const res = await fetch(`/collections/${kind}/items?${qs}`, { headers: session.token ? { Authorization: `Bearer ${session.token}` } : {} });
      if (!res.ok) throw new Error((await res.json().catch(() => null))?.detail || res.statusText);
      download(`${kind}-${stamp}.xlsx`, res.headers.get('content-type'), await res.blob());
      return;
    }
    const { features } = await allFeatures(kind, requestParams());
    if (fmt === 'csv') {
      const lines = [['code', ...columns].map(csvCell).join(',')];
      for (const f of features) lines.push(rowValues(f.properties).map(csvCell).join(','));
      download(`${kind}-${stamp}.csv`, 'text/csv;charset=utf-8', `${lines.join('\r\n')}\r\n`);
    } else {
      const out = features.map((f) => ({ ...f, properties: Object.fromEntries(['code', ...columns].map((c, i) => [c, rowValues(f.properties)[i] ?? null])) }));
      download(`${kind}-${stamp}.geojson`, 'application/geo+json', JSON.stringify({ type: 'FeatureCollection', features: out }));
    }
    toast(t('records.exported', { n: fmtNumber(features.length) }), 'ok');
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    btn.disabled = false;
  }
}
