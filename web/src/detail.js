// The side panel of the map: one record (its properties and its history),
// with the editor's actions on it.

import { request, get, session, can, queryables } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, tOr, fmtNumber, fmtValue, fmtDateTime } from './i18n.js';
import { showSelected, zoomTo, layerTitle, refresh } from './map.js';
import { openForm, mayWrite } from './form.js';
import { noteRecordOpened, noteRecordClosed } from './find.js';

let panel;

export function initDetail(el) {
  panel = el;
}

export function closePanel() {
  if (!panel.hidden) noteRecordClosed();
  panel.hidden = true;
  clear(panel);
  showSelected(null);
  document.body.classList.remove('panel-open');
}

export function openPanel(...children) {
  clear(panel).append(...children.filter((c) => c != null && c !== false));
  panel.hidden = false;
  document.body.classList.add('panel-open');
  panel.scrollTop = 0;
}

function closeButton() {
  return h('button', { type: 'button', class: 'btn-icon close', 'aria-label': t('common.close'), onclick: closePanel }, '×');
}

export function stateBadge(state) {
  return state ? h('span', { class: `badge state-${state}` }, tOr(`state.${state}`, state)) : null;
}

export function fieldLabel(name) {
  return tOr(`fields.${name}`, name.replace(/_/g, ' '));
}

// A value as people read it (i18n.js fmtValue): a value from a field's list
// by its name in the interface's language (sex "f" is "female"), numbers
// and dates the language's way, free text as it is.
function shown(key, v, schema) {
  const list = schema?.properties?.[key]?.enum;
  return fmtValue(v, key, !schema || Boolean(list?.includes(v)));
}

// schema: the collection's queryables (for the names of listed values), or
// nothing.
export function propertyTable(props, changed, schema) {
  const skip = new Set(['code', 'state', 'version', 'updated_at']);
  return h(
    'table',
    { class: 'props' },
    h(
      'tbody',
      {},
      Object.entries(props)
        .filter(([k]) => !skip.has(k))
        .map(([k, v]) =>
          h(
            'tr',
            { class: changed?.has(k) ? 'changed' : '' },
            h('th', { scope: 'row' }, fieldLabel(k)),
            h('td', { class: v == null || v === '' ? 'empty' : '', dataset: { value: v == null ? '' : String(v) } }, v == null || v === '' ? '–' : shown(k, v, schema)),
          ),
        ),
    ),
  );
}

// Shows the record `code` of `collection` with its history (and, for
// editors and approvers, the change waiting for approval, if any).
// here: the codes of the records a clicked dot stands for (the map's small
// areas in one place), listed so that each can be opened; zoom: the map
// shows the record whole (a record opened from its URL or a search).
export async function showRecord(collection, code, { waits = false, here = null, zoom = false } = {}) {
  openPanel(h('div', { class: 'panel-head' }, h('h2', {}, code), closeButton()), h('p', { class: 'muted' }, t('map.loading')));
  let feature;
  let etag;
  // the names of listed values (a schema that cannot be had: values as they are)
  const schemaAsked = queryables(collection).catch(() => null);
  let schema;
  try {
    const { data, res } = await request(`/collections/${collection}/items/${encodeURIComponent(code)}`, { accept: 'application/geo+json' });
    feature = data;
    etag = res.headers.get('ETag');
    schema = await schemaAsked;
  } catch (e) {
    openPanel(h('div', { class: 'panel-head' }, h('h2', {}, code), closeButton()), h('p', { class: 'error' }, e.message));
    return;
  }
  showSelected(feature.geometry ? feature : null);
  if (zoom && feature.geometry) zoomTo(feature.geometry);
  noteRecordOpened(collection, code);
  const p = feature.properties || {};
  const history = h('div', { class: 'history', id: 'record-history' }, h('p', { class: 'muted' }, t('map.loading')));
  const pending = h('div', { id: 'record-pending-box' }, waits && pendingNote(null, p));
  const writable = mayWrite(collection);
  // an accident's victims, for the roles that read them
  const victims = collection === 'accidents' && can('read') && h('div', { id: 'record-victims' }, h('h3', {}, t('records.victims')), h('p', { class: 'muted' }, t('map.loading')));
  const actions = h(
    'div',
    { class: 'actions' },
    feature.geometry && h('button', { type: 'button', class: 'btn', onclick: () => zoomTo(feature.geometry) }, t('record.zoom')),
    writable &&
      h(
        'button',
        { type: 'button', class: 'btn btn-primary', id: 'record-edit', onclick: () => openForm({ collection, feature, etag }) },
        t('record.edit'),
      ),
    collection === 'accidents' &&
      mayWrite('victims') &&
      h(
        'button',
        { type: 'button', class: 'btn', id: 'record-add-victim', onclick: () => openForm({ collection: 'victims', preset: { accident_code: p.code || code, incident_ref: p.incident_ref ?? null } }) },
        t('record.addVictim'),
      ),
    writable &&
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-danger',
          onclick: async () => {
            if (!confirm(t('record.confirmDelete', { code }))) return;
            try {
              const { res } = await request(`/collections/${collection}/items/${encodeURIComponent(code)}`, {
                method: 'DELETE',
                headers: { 'If-Match': etag || '*' },
              });
              toast(res.status === 202 ? t('record.deleteWaits') : t('record.deleted'));
              closePanel();
              refresh(true);
            } catch (e) {
              toast(e.message, 'error');
            }
          },
        },
        t('record.delete'),
      ),
  );
  openPanel(
    h(
      'div',
      { class: 'panel-head' },
      h('div', {}, h('div', { class: 'eyebrow' }, layerTitle(collection)), h('h2', { id: 'record-code' }, p.code || code)),
      closeButton(),
    ),
    h('div', { class: 'meta' }, stateBadge(p.state), p.version != null && h('span', { class: 'muted' }, t('record.version', { v: p.version })), p.updated_at && h('span', { class: 'muted' }, t('record.updated', { at: fmtDateTime(p.updated_at) }))),
    pending,
    actions,
    here?.length > 1 &&
      h(
        'div',
        { class: 'here', id: 'record-here' },
        h('p', { class: 'muted small' }, t('record.here', { n: fmtNumber(here.length) })),
        h(
          'p',
          { class: 'small' },
          here.flatMap((c, i) => [i ? ', ' : '', c === (p.code || code) ? h('strong', {}, c) : h('a', { href: '#', onclick: (e) => (e.preventDefault(), showRecord(collection, c, { here })) }, c)]),
        ),
      ),
    h('h3', {}, t('record.properties')),
    propertyTable(p, null, schema),
    victims,
    h('h3', {}, t('record.history')),
    history,
  );
  if (victims) loadVictims(p.code || code, victims);
  loadHistory(collection, code, history);
  if (can('write') || can('approve')) loadPending(collection, code, p, pending);
}

// The victims of an accident: their names and addresses only when the
// server gives them (roles with read_personal).
const VICTIM_COLUMNS = ['name', 'status', 'sex', 'age', 'age_group', 'group', 'address'];
async function loadVictims(code, box) {
  let d;
  try {
    d = await get(`/collections/victims/items?${new URLSearchParams({ accident_code: code, limit: '1000', sortby: 'code' })}`, { accept: 'application/geo+json' });
  } catch (e) {
    clear(box).append(h('h3', {}, t('records.victims')), h('p', { class: 'muted' }, e.message));
    return;
  }
  const rows = d.features.map((f) => f.properties);
  const cols = VICTIM_COLUMNS.filter((c) => rows.some((p) => c in p));
  clear(box).append(
    h('h3', {}, t('records.victims'), ' ', h('span', { class: 'muted', id: 'record-victims-count' }, `(${fmtNumber(d.numberMatched ?? rows.length)})`)),
    rows.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data compact', id: 'record-victims-table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('fields.code')), cols.map((c) => h('th', { scope: 'col' }, fieldLabel(c))))),
            h('tbody', {}, rows.map((p) => h('tr', { dataset: { code: p.code } }, h('td', {}, p.code), cols.map((c) => h('td', {}, p[c] == null ? '–' : tOr(`values.${p[c]}`, String(p[c]))))))),
          ),
        )
      : h('p', { class: 'muted' }, t('records.noVictims')),
    rows.length > 0 && h('a', { href: `#/records/victims?accident_code=${encodeURIComponent(code)}`, id: 'record-victims-all' }, t('records.victimsAll')),
  );
}

// The change waiting for approval: what it would change.
async function loadPending(collection, code, current, box) {
  try {
    const { data } = await request(`/collections/${collection}/items/${encodeURIComponent(code)}?version=pending`, { accept: 'application/geo+json' });
    if (box.isConnected) clear(box).append(pendingNote(data, current));
  } catch {
    /* 404: nothing waits (or this server does not say) */
  }
}

function pendingNote(proposed, current) {
  const pp = proposed?.properties || {};
  const changed = proposed
    ? Object.keys({ ...current, ...pp }).filter((k) => !['version', 'updated_at', 'state', 'code'].includes(k) && JSON.stringify(current[k] ?? null) !== JSON.stringify(pp[k] ?? null))
    : [];
  const show = (v) => (v == null || v === '' ? '–' : String(v));
  return h(
    'div',
    { class: 'note-box', id: 'record-pending', role: 'status' },
    h('strong', {}, t('record.pendingTitle')),
    h('div', {}, t('record.pendingNote')),
    changed.length > 0 && h('ul', { class: 'pending-list' }, changed.map((k) => h('li', {}, h('span', { class: 'k' }, `${fieldLabel(k)}: `), h('del', {}, show(current[k])), ' → ', h('ins', {}, show(pp[k]))))),
    can('approve') && h('a', { href: '#/review' }, t('record.pendingReview')),
  );
}

async function loadHistory(collection, code, box) {
  try {
    const d = await get(`/collections/${collection}/items/${encodeURIComponent(code)}/history`);
    const changes = d.changes || [];
    clear(box).append(
      changes.length
        ? h(
            'ol',
            { class: 'timeline' },
            changes.map((c) =>
              h(
                'li',
                {},
                h('div', { class: 'when' }, fmtDateTime(c.at)),
                h('div', {}, h('strong', {}, tOr(`actions.${c.action}`, c.action)), c.version != null && ` · v${c.version}`, c.who && ` · ${c.who}`),
                c.detail && h('div', { class: 'muted' }, c.detail),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('record.noHistory')),
    );
  } catch (e) {
    clear(box).append(h('p', { class: 'muted' }, e.status === 401 ? t('record.historyLogin') : e.status === 403 ? t('record.historyRole') : e.status === 404 ? t('record.historyMissing') : e.message));
  }
}

export { session };
