// The records behind a figure: a table of the items of a collection with
// the parameters that make the figure, page by page (the server's `next`
// links), each row opening the record on the map.

import { get } from './api.js';
import { h, clear } from './dom.js';
import { t, fmtNumber, fmtValue } from './i18n.js';
import { fieldLabel, stateBadge } from './detail.js';
import { layerTitle } from './map.js';

const PAGE = 50;
let box;
let openOnMap = () => {};

export function initRecords(el, onOpen) {
  box = el;
  openOnMap = onOpen;
}

const COLUMNS = {
  hazards: ['name', 'status', 'lifecycle', 'organisation', 'date_recorded'],
  releases: ['method', 'date', 'organisation', 'hazard_code'],
  'eo-items': ['category', 'model', 'quantity', 'date', 'disposal', 'organisation'],
  accidents: ['date', 'device_category', 'activity', 'demining', 'admin_code'],
  settlements: ['name', 'population', 'admin_code'],
  'admin-areas': ['name', 'level'],
};

export async function showRecords({ collection, params, title }) {
  const qs = new URLSearchParams({ limit: String(PAGE), ...params });
  const cols = COLUMNS[collection] || [];
  const tbody = h('tbody');
  const status = h('p', { class: 'muted', id: 'records-status' }, t('map.loading'));
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('records.more'));
  clear(box).append(
    h(
      'div',
      { class: 'records-head' },
      h('div', {}, h('div', { class: 'eyebrow' }, layerTitle(collection)), h('h2', { id: 'records-title' }, title)),
      h('button', { type: 'button', class: 'btn-icon close', 'aria-label': t('common.close'), onclick: () => ((box.hidden = true), clear(box)) }, '×'),
    ),
    status,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data', id: 'records-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('fields.code')), cols.map((c) => h('th', { scope: 'col' }, fieldLabel(c))), h('th', { scope: 'col' }, t('fields.state')))),
        tbody,
      ),
    ),
    more,
  );
  box.hidden = false;
  box.scrollIntoView({ behavior: 'smooth', block: 'start' });
  let url = `/collections/${collection}/items?${qs}`;
  let shown = 0;
  async function page() {
    more.disabled = true;
    try {
      const d = await get(url, { accept: 'application/geo+json' });
      for (const f of d.features) {
        const p = f.properties;
        tbody.append(
          h(
            'tr',
            {},
            h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => openOnMap(collection, p.code, f.geometry) }, p.code)),
            cols.map((c) => h('td', { dataset: { value: p[c] == null ? '' : String(p[c]) } }, fmtValue(p[c], c))),
            h('td', {}, stateBadge(p.state)),
          ),
        );
      }
      shown += d.features.length;
      status.textContent = t('records.count', { shown: fmtNumber(shown), matched: fmtNumber(d.numberMatched ?? shown) });
      status.dataset.matched = String(d.numberMatched ?? shown);
      const next = (d.links || []).find((l) => l.rel === 'next');
      url = next ? new URL(next.href, location.href).pathname + new URL(next.href, location.href).search : null;
      more.hidden = !url;
    } catch (e) {
      status.textContent = e.status === 401 || e.status === 403 ? t('records.loginNeeded') : e.message;
      status.classList.add('error');
    }
    more.disabled = false;
  }
  more.onclick = page;
  await page();
}
