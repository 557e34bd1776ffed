// The approval queue: GET /review lists the changes waiting; each one is
// compared with the record as it stands (the proposed version from
// ?version=pending), shown on the map, and approved or rejected with a
// reason. The decision names the version shown (If-Match with its ETag), so
// nothing changed since is approved unseen (412: shown again). Nobody
// decides on a change they wrote any part of (the server refuses it; the
// list's `authors` says who did).
// #/review?collection=hazards&by=erin narrows the list (the import report
// links there). The list is filtered by kind, author and date and sorted;
// an approver selects several changes (never one they wrote part of: not
// offered, and the server refuses) and approves or rejects them at once,
// each with its own If-Match (the ETag the list gave), one request per
// change, the result of each reported.

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
  const fromHash = changes.filter((c) => (!want.collection || c.collection === want.collection) && (!want.by || c.by === want.by));
  const narrowed = want.collection || want.by;
  const list = h('div', { class: 'review-detail', id: 'review-detail' }, h('p', { class: 'muted' }, t('review.pick')));
  const bulk = reviewBulk(fromHash, list);
  clear(root).append(
    h('h1', {}, t('review.title')),
    h('p', { class: 'muted', id: 'review-count', dataset: { n: String(fromHash.length) } }, t(fromHash.length === 1 ? 'review.countOne' : 'review.count', { n: fromHash.length })),
    narrowed &&
      h(
        'p',
        { class: 'note-box', id: 'review-narrowed' },
        t('review.only', { what: [want.collection && layerTitle(want.collection), want.by && t('review.byUser', { by: want.by })].filter(Boolean).join(' ') , all }),
        ' ',
        h('a', { href: '#/review' }, t('review.showAll')),
      ),
    bulk.controls,
    h('div', { class: 'review-layout' }, h('div', { class: 'table-wrap' }, bulk.table), list),
  );
}

// ---- review at scale: filter, sort, select, decide on several at once ----

const bulkState = { kind: '', author: '', since: '', sort: 'at-desc', selected: new Set(), result: null };
const keyOf = (c) => `${c.collection}/${c.code}`;
const isMine = (c) => (c.authors || [c.by]).includes(session.user);

function reviewBulk(changes, detailBox) {
  const approver = can('approve');
  const st = bulkState;
  // what is selected and still waiting
  const waiting = new Set(changes.map(keyOf));
  for (const k of [...st.selected]) if (!waiting.has(k)) st.selected.delete(k);
  const kinds = [...new Set(changes.map((c) => c.collection))].sort();
  const authors = [...new Set(changes.map((c) => c.by).filter(Boolean))].sort();
  const tbody = h('tbody');
  const count = h('span', { id: 'review-selected', class: 'muted' });
  const reason = h('input', { type: 'text', id: 'bulk-reason', maxlength: 250, placeholder: t('review.reasonHint'), 'aria-label': t('reviewBulk.reasonFor') });
  const result = h('div', { id: 'review-bulk-result', role: 'status' });
  const approveBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'bulk-approve', onclick: () => decideMany('approve') }, t('reviewBulk.approveSelected'));
  const rejectBtn = h('button', { type: 'button', class: 'btn btn-danger', id: 'bulk-reject', onclick: () => decideMany('reject') }, t('reviewBulk.rejectSelected'));
  const all = h('input', { type: 'checkbox', id: 'review-select-all', 'aria-label': t('reviewBulk.selectAll'), title: t('reviewBulk.selectAll') });
  const shown = () => {
    const v = changes.filter((c) => (!st.kind || c.collection === st.kind) && (!st.author || c.by === st.author) && (!st.since || String(c.at || '') >= st.since));
    const by = { 'at-desc': (a, b) => String(b.at).localeCompare(String(a.at)), 'at-asc': (a, b) => String(a.at).localeCompare(String(b.at)), code: (a, b) => a.code.localeCompare(b.code, undefined, { numeric: true }), by: (a, b) => String(a.by).localeCompare(String(b.by)) || String(b.at).localeCompare(String(a.at)) }[st.sort];
    return v.sort(by);
  };
  function update() {
    const v = shown();
    const selectable = v.filter((c) => !isMine(c));
    count.textContent = t('reviewBulk.selected', { n: st.selected.size });
    count.dataset.n = String(st.selected.size);
    approveBtn.disabled = rejectBtn.disabled = st.selected.size === 0;
    all.checked = selectable.length > 0 && selectable.every((c) => st.selected.has(keyOf(c)));
    all.disabled = selectable.length === 0;
    clear(tbody).append(
      ...v.map((c) => {
        const mine = isMine(c);
        const box = h('input', { type: 'checkbox', class: 'review-pick', 'aria-label': `${t('reviewBulk.select')} ${c.code}`, checked: st.selected.has(keyOf(c)), disabled: mine, title: mine ? t('reviewBulk.own') : null, dataset: { code: c.code }, onchange: (e) => (e.target.checked ? st.selected.add(keyOf(c)) : st.selected.delete(keyOf(c)), update()) });
        return h(
          'tr',
          { dataset: { code: c.code, mine: String(mine) } },
          approver && h('td', { class: 'pick' }, box),
          h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => open(c, detailBox) }, c.code), h('div', { class: 'muted small' }, layerTitle(c.collection))),
          h('td', {}, h('span', { class: `badge change-${c.change}` }, tOr(`review.changes.${c.change}`, c.change)), c.fields?.length > 0 && h('div', { class: 'muted small' }, fieldList(c.fields))),
          h('td', {}, c.by || '', mine && h('div', { class: 'muted small' }, t('reviewBulk.own'))),
          h('td', {}, String(c.at || '').slice(0, 16).replace('T', ' ')),
        );
      }),
    );
    if (!v.length) tbody.append(h('tr', {}, h('td', { colspan: approver ? 5 : 4, class: 'muted' }, t('reviewBulk.noneMatch'))));
  }
  all.onchange = () => {
    for (const c of shown()) if (!isMine(c)) all.checked ? st.selected.add(keyOf(c)) : st.selected.delete(keyOf(c));
    update();
  };
  const pick = (id, label, options, value, set) =>
    h('label', { class: 'field inline', for: id }, h('span', { class: 'label' }, label), h('select', { id, onchange: (e) => (set(e.target.value), update()) }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
  const controls = h(
    'div',
    { class: 'review-tools', id: 'review-tools' },
    pick('review-kind', t('reviewBulk.filterKind'), [['', t('reviewBulk.any')], ...kinds.map((k) => [k, layerTitle(k)])], st.kind, (v) => (st.kind = v)),
    pick('review-author', t('reviewBulk.filterAuthor'), [['', t('reviewBulk.any')], ...authors.map((a) => [a, a])], st.author, (v) => (st.author = v)),
    h('label', { class: 'field inline', for: 'review-since' }, h('span', { class: 'label' }, t('reviewBulk.filterSince')), h('input', { type: 'date', id: 'review-since', value: st.since, onchange: (e) => ((st.since = e.target.value), update()) })),
    pick('review-sort', t('reviewBulk.sort'), [['at-desc', t('reviewBulk.sortAt')], ['at-asc', t('reviewBulk.sortAtOld')], ['code', t('reviewBulk.sortCode')], ['by', t('reviewBulk.sortBy')]], st.sort, (v) => (st.sort = v)),
    approver && h('div', { class: 'review-bulk' }, count, reason, approveBtn, rejectBtn),
    result,
  );
  if (st.result) result.append(st.result);
  const table = h(
    'table',
    { class: 'data', id: 'review-table' },
    h('thead', {}, h('tr', {}, approver && h('th', { scope: 'col', class: 'pick' }, all), ['review.record', 'review.change', 'review.by', 'review.at'].map((k) => h('th', { scope: 'col' }, t(k))))),
    tbody,
  );
  update();

  // one request per change, each naming the version the list gave
  async function decideMany(what) {
    const picked = changes.filter((c) => st.selected.has(keyOf(c)) && !isMine(c));
    if (what === 'reject' && !reason.value.trim()) {
      clear(result).append(h('p', { class: 'form-error' }, t('review.reasonNeeded')));
      reason.focus();
      return;
    }
    approveBtn.disabled = rejectBtn.disabled = true;
    const rows = [];
    let done = 0;
    for (const c of picked) {
      try {
        await request(`/collections/${c.collection}/items/${encodeURIComponent(c.code)}/${what}`, {
          method: 'POST',
          body: what === 'reject' ? JSON.stringify({ reason: reason.value.trim() }) : undefined,
          headers: { ...(what === 'reject' ? { 'Content-Type': 'application/json' } : {}), ...(c.etag ? { 'If-Match': c.etag } : {}) },
        });
        done++;
        rows.push(h('li', { class: 'ok', dataset: { code: c.code, outcome: 'ok' } }, t(what === 'approve' ? 'review.approved' : 'review.rejected', { code: c.code })));
        document.dispatchEvent(new CustomEvent('demine:changed', { detail: { collection: c.collection, code: c.code } }));
      } catch (e) {
        rows.push(h('li', { class: 'error', dataset: { code: c.code, outcome: String(e.status || 'error') } }, t('reviewBulk.failedOne', { code: c.code, why: e.message })));
      }
      st.selected.delete(keyOf(c));
    }
    st.result = h('div', { class: 'note-box' }, h('p', { id: 'review-bulk-summary' }, t('reviewBulk.result', { ok: done, failed: picked.length - done })), h('ul', { class: 'bulk-list' }, rows));
    toast(t('reviewBulk.result', { ok: done, failed: picked.length - done }), done === picked.length ? 'ok' : 'error');
    if (done) refresh(true);
    renderReview();
  }
  return { controls, table };
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
