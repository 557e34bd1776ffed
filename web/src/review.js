// The approval queue: GET /review lists the changes waiting; each one is
// compared with the record as it stands (the proposed version from
// ?version=pending), shown on the map, and approved or rejected with a
// reason. The decision names the version shown (If-Match with its ETag), so
// nothing changed since is approved unseen (412: shown again). Nobody
// decides on a change they wrote any part of (the server refuses it; the
// list's `authors` says who did).
// #/review?collection=hazards&by=erin narrows the list (the import report
// links there).

import { get, request, session, can, queryables } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, tOr, fmtDateTime } from './i18n.js';
import { propertyTable, fieldLabel } from './detail.js';
import { layerTitle, showOverlay, zoomTo, refresh } from './map.js';
import { COLORS } from './layers.js';

let root;
let goMap = () => {};

export function initReview(el, toMap) {
  root = el;
  goMap = toMap;
}

export async function renderReview() {
  if (!root) return;
  clear(root).append(h('h1', {}, t('review.title')), h('p', { class: 'muted' }, t('map.loading')));
  let changes;
  const only = new URLSearchParams((location.hash.split('?')[1] || ''));
  const want = { collection: only.get('collection'), by: only.get('by') };
  try {
    changes = (await get('/review')).changes || [];
  } catch (e) {
    clear(root).append(h('h1', {}, t('review.title')), h('p', { class: 'error' }, e.status === 401 || e.status === 403 ? t('review.notAllowed') : e.status === 404 ? t('review.missing') : e.message));
    return;
  }
  const all = changes.length;
  changes = changes.filter((c) => (!want.collection || c.collection === want.collection) && (!want.by || c.by === want.by));
  const narrowed = want.collection || want.by;
  const list = h('div', { class: 'review-detail', id: 'review-detail' }, h('p', { class: 'muted' }, t('review.pick')));
  clear(root).append(
    h('h1', {}, t('review.title')),
    h('p', { class: 'muted', id: 'review-count', dataset: { n: String(changes.length) } }, t(changes.length === 1 ? 'review.countOne' : 'review.count', { n: changes.length })),
    narrowed &&
      h(
        'p',
        { class: 'note-box', id: 'review-narrowed' },
        t('review.only', { what: [want.collection && layerTitle(want.collection), want.by && t('review.byUser', { by: want.by })].filter(Boolean).join(' ') , all }),
        ' ',
        h('a', { href: '#/review' }, t('review.showAll')),
      ),
    h(
      'div',
      { class: 'review-layout' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data', id: 'review-table' },
          h('thead', {}, h('tr', {}, ['review.record', 'review.change', 'review.by', 'review.at'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h(
            'tbody',
            {},
            changes.map((c) =>
              h(
                'tr',
                { dataset: { code: c.code } },
                h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => open(c, list) }, c.code), h('div', { class: 'muted small' }, layerTitle(c.collection))),
                h('td', {}, h('span', { class: `badge change-${c.change}` }, tOr(`review.changes.${c.change}`, c.change)), c.fields?.length > 0 && h('div', { class: 'muted small' }, fieldList(c.fields))),
                h('td', {}, c.by || ''),
                h('td', {}, fmtDateTime(c.at)),
              ),
            ),
          ),
        ),
      ),
      list,
    ),
  );
}

// The fields a patch changed, as the form labels them.
function fieldList(fields) {
  return fields.map((f) => (f === 'geometry' ? t('review.geometry') : f === '...' ? '…' : fieldLabel(f))).join(', ');
}

// {data, etag} of a record or a waiting change; null when there is none.
async function fetchFeature(path) {
  try {
    const { data, res } = await request(path, { accept: 'application/geo+json' });
    return { data, etag: res.headers.get('ETag') };
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

async function open(c, box, note = '') {
  clear(box).append(h('p', { class: 'muted' }, t('map.loading')));
  const base = `/collections/${c.collection}/items/${encodeURIComponent(c.code)}`;
  let current = null;
  let proposed = null;
  // what is decided on: a new record as it stands, or the waiting change
  let shown = null;
  try {
    [current, shown] = await Promise.all([c.change === 'create' ? null : fetchFeature(base), fetchFeature(c.change === 'create' ? base : `${base}?version=pending`)]);
  } catch (e) {
    clear(box).append(h('p', { class: 'error' }, e.message));
    return;
  }
  current = current?.data || null;
  if (c.change !== 'delete') proposed = shown?.data || null;
  const etag = shown?.etag || c.etag;
  const schema = await queryables(c.collection).catch(() => null);
  const cp = current?.properties || {};
  const pp = proposed?.properties || {};
  const changed = new Set(Object.keys({ ...cp, ...pp }).filter((k) => !['version', 'updated_at', 'state'].includes(k) && JSON.stringify(cp[k] ?? null) !== JSON.stringify(pp[k] ?? null)));
  const geomChanged = JSON.stringify(current?.geometry || null) !== JSON.stringify(proposed?.geometry || null);
  const reason = h('textarea', { id: 'reject-reason', rows: 2, maxlength: 250, placeholder: t('review.reasonHint') });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const overlay = [];
  if (current?.geometry) overlay.push({ type: 'Feature', geometry: current.geometry, properties: { color: '#333333' } });
  if (proposed?.geometry) overlay.push({ type: 'Feature', geometry: proposed.geometry, properties: { color: COLORS.pending } });
  const mine = (c.authors || [c.by]).includes(session.user);
  clear(box).append(
    ...[
    h('h2', {}, `${c.code} · ${tOr(`review.changes.${c.change}`, c.change)}`),
    c.fields?.length > 0 && h('p', { class: 'muted', id: 'review-fields' }, t('review.fields', { fields: fieldList(c.fields) })),
    h('p', { class: 'muted' }, t('review.madeBy', { by: c.by || '?', at: fmtDateTime(c.at) })),
    c.authors?.length > 1 && h('p', { class: 'muted', id: 'review-authors' }, t('review.authors', { who: c.authors.join(', ') })),
    note && h('p', { class: 'note-box', id: 'review-changed', role: 'status' }, note),
    h(
      'div',
      { class: 'compare' },
      h('div', {}, h('h3', {}, t('review.current')), current ? propertyTable(current.properties, changed, schema) : h('p', { class: 'muted' }, t('review.none'))),
      h('div', {}, h('h3', {}, t('review.proposed')), proposed ? propertyTable(proposed.properties, changed, schema) : h('p', { class: 'muted' }, c.change === 'delete' ? t('review.deleted') : t('review.none'))),
    ),
    h('p', {}, geomChanged ? t('review.geomChanged') : t('review.geomSame')),
    overlay.length &&
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          onclick: () => {
            goMap();
            showOverlay(overlay);
            zoomTo(overlay[overlay.length - 1].geometry);
          },
        },
        t('review.showOnMap'),
      ),
    mine && h('p', { class: 'note' }, t('review.ownChange')),
    can('approve') &&
      h(
        'div',
        { class: 'decide' },
        h('label', { class: 'field', for: 'reject-reason' }, h('span', { class: 'label' }, t('review.reason')), reason),
        err,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'btn btn-primary', id: 'review-approve', disabled: mine, onclick: () => decide('approve') }, t('review.approve')),
          h('button', { type: 'button', class: 'btn btn-danger', id: 'review-reject', disabled: mine, onclick: () => decide('reject') }, t('review.reject')),
        ),
      ),
    ].filter(Boolean),
  );

  async function decide(what) {
    err.textContent = '';
    if (what === 'reject' && !reason.value.trim()) {
      err.textContent = t('review.reasonNeeded');
      reason.focus();
      return;
    }
    try {
      await request(`${base}/${what}`, {
        method: 'POST',
        body: what === 'reject' ? JSON.stringify({ reason: reason.value.trim() }) : undefined,
        // the version shown: a change made since is not decided on unseen
        headers: { ...(what === 'reject' ? { 'Content-Type': 'application/json' } : {}), ...(etag ? { 'If-Match': etag } : {}) },
      });
      toast(t(what === 'approve' ? 'review.approved' : 'review.rejected', { code: c.code }), 'ok');
      document.dispatchEvent(new CustomEvent('demine:changed', { detail: { collection: c.collection, code: c.code } }));
      refresh(true);
      renderReview();
    } catch (e) {
      if (e.status === 412) {
        // changed since it was shown: show it as it is now
        const fresh = ((await get('/review').catch(() => null))?.changes || []).find((x) => x.collection === c.collection && x.code === c.code);
        if (fresh) return open(fresh, box, t('review.changedMeanwhile'));
        clear(box).append(h('p', { class: 'note-box' }, t('review.goneMeanwhile')));
        return;
      }
      err.textContent = e.message;
    }
  }
}

export { fieldLabel };
