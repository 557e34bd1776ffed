// The dashboard: land release progress, casualties and EO items. Every
// figure comes from /stats/landrelease, /stats/casualties and /stats/items,
// which give the same JSON as `demine stats ... --json`; the filter picks
// the group (by=admin, by=organisation, by=year,admin) or the dates
// (since/until) that the CLI would use for it. Each card and bar lists the
// records behind it.

import {
  Chart,
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
} from 'chart.js';
import { getStats as get, can } from './api.js';
import { h, clear } from './dom.js';
import { t, tOr, fmtNumber, fmtArea, fmtDate, fmtPeriod, locale } from './i18n.js';
import { filter, isFiltered } from './filters.js';
import { COLORS } from './layers.js';
import { compactWkt } from './geom.js';
import { showRecords } from './records.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue('--font') || 'system-ui, sans-serif';
Chart.defaults.font.size = 14;
Chart.defaults.color = '#111';
Chart.defaults.borderColor = '#c9c9c9';
Chart.defaults.animation = false;

let root;
const charts = {};
let generation = 0;

export function initDashboard(el) {
  root = el;
}

function adminFilterParam() {
  return filter.adminGeometry ? { filter: `S_INTERSECTS(geometry, ${compactWkt(filter.adminGeometry)})` } : {};
}

function dateParam() {
  return filter.from || filter.to ? { datetime: `${filter.from || '..'}/${filter.to || '..'}` } : {};
}

function inRange(key) {
  // key: "2001" or "2001-05"
  const start = key.length === 4 ? `${key}-01-01` : `${key}-01`;
  const end = key.length === 4 ? `${key}-12-31` : `${key}-31`;
  return (!filter.from || end >= filter.from) && (!filter.to || start <= filter.to);
}

function card({ id, label, value, display, sub, onclick }) {
  return h(
    onclick ? 'button' : 'div',
    { type: onclick ? 'button' : null, class: `kpi ${onclick ? 'clickable' : ''}`, id, dataset: { value: value == null ? '' : String(value) }, onclick, title: onclick ? t('dashboard.listRecords') : null },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, display),
    sub && h('span', { class: 'kpi-sub' }, sub),
  );
}

function section(title, note, ...children) {
  return h('section', { class: 'dash-section' }, h('div', { class: 'section-head' }, h('h2', {}, title), note && h('p', { class: 'note' }, note)), ...children);
}

function chartBox(id, label) {
  return h('div', { class: 'chart-box' }, h('canvas', { id, role: 'img', 'aria-label': label }));
}

function makeChart(id, config) {
  charts[id]?.destroy();
  const canvas = root.querySelector(`#${id}`);
  if (!canvas) return;
  // locale: the axes' numbers written the interface language's way
  charts[id] = new Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, locale: locale(), ...config.options } });
}

function summary() {
  const parts = [];
  if (filter.admin) parts.push(filter.adminName || filter.admin);
  if (filter.org) parts.push(filter.org);
  if (filter.from || filter.to) parts.push(`${filter.from ? fmtDate(filter.from) : '…'} – ${filter.to ? fmtDate(filter.to) : '…'}`);
  if (filter.status) parts.push(t(`status.${filter.status}`));
  return parts.length ? t('dashboard.filteredBy', { what: parts.join(' · ') }) : t('dashboard.national');
}

export async function renderDashboard() {
  if (!root) return;
  const gen = ++generation;
  clear(root).append(
    h('div', { class: 'dash-head' }, h('h1', {}, t('dashboard.title')), h('p', { class: 'filter-summary', id: 'dash-filter' }, summary()), h('p', { class: 'muted' }, t('dashboard.approvedOnly'))),
    h('div', { id: 'dash-landrelease' }, h('p', { class: 'muted' }, t('map.loading'))),
    h('div', { id: 'dash-casualties' }),
    h('div', { id: 'dash-items' }),
  );
  const [progress] = await Promise.all([landRelease(gen), casualties(gen), items(gen)]);
  if (gen !== generation) return;
  root.dataset.ready = String(gen);
  if (progress) await progress();
}

function fail(el, e) {
  clear(el).append(h('p', { class: e.status === 401 || e.status === 403 ? 'muted' : 'error' }, e.status === 401 || e.status === 403 ? t('dashboard.loginNeeded') : e.message));
}

// ---- land release ----

async function landRelease(gen) {
  const el = root.querySelector('#dash-landrelease');
  let total;
  let scope = t('dashboard.national');
  try {
    const group = await (filter.admin ? get('/stats/landrelease?by=admin') : filter.org ? get('/stats/landrelease?by=organisation') : get('/stats/landrelease'));
    if (gen !== generation) return;
    total = group;
    if (filter.admin || filter.org) {
      const key = filter.admin || filter.org;
      total = group.groups.find((g) => g.key === key) || { hazard_area_m2: 0, released_area_m2: { cancelled: 0, reduced: 0, cleared: 0, total: 0 }, remaining_area_m2: 0, recorded_area_m2: 0, released_inside_hazards_m2: 0, hazard_count: 0, release_count: 0 };
      scope = filter.admin ? filter.adminName || filter.admin : filter.org;
    }
  } catch (e) {
    if (gen === generation) fail(el, e);
    return;
  }
  const rel = total.released_area_m2;
  const hazardArea = total.hazard_area_m2;
  // released counts all released land, inside today's hazards or not (the
  // server's figures): per cent of the recorded area, released + remaining
  const recorded = total.recorded_area_m2 ?? rel.total + (total.remaining_area_m2 || 0);
  const pct = recorded ? (100 * rel.total) / recorded : 0;
  const lp = { ...adminFilterParam() };
  const orgp = filter.org ? { organisation: filter.org } : {};
  const noteParts = [t('dashboard.lrFollows')];
  if (filter.admin && filter.org) noteParts.push(t('dashboard.lrAdminWins'));
  if (filter.from || filter.to) noteParts.push(t('dashboard.lrYears'));
  clear(el).append(
    section(
      t('dashboard.landRelease'),
      `${scope} · ${noteParts.join(' ')}`,
      h(
        'div',
        { class: 'kpis' },
        card({ id: 'kpi-hazard-count', label: t('dashboard.hazardCount'), value: total.hazard_count, display: fmtNumber(total.hazard_count), sub: hazardArea == null ? null : fmtArea(hazardArea), onclick: () => showRecords({ collection: 'hazards', params: { ...lp, ...orgp }, title: t('dashboard.hazardCount') }) }),
        total.recorded_area_m2 != null && card({ id: 'kpi-recorded', label: t('dashboard.recorded'), value: recorded, display: fmtArea(recorded), sub: t('dashboard.recordedSub') }),
        card({ id: 'kpi-remaining', label: t('dashboard.remaining'), value: total.remaining_area_m2, display: fmtArea(total.remaining_area_m2), sub: t('dashboard.ofRecordedArea', { pct: fmtNumber(100 - pct, 1) }) }),
        card({ id: 'kpi-released', label: t('dashboard.released'), value: rel.total, display: fmtArea(rel.total), sub: t('dashboard.releasedCount', { n: fmtNumber(total.release_count) }), onclick: () => showRecords({ collection: 'releases', params: { ...lp, ...orgp }, title: t('dashboard.released') }) }),
        ['cancelled', 'reduced', 'cleared'].map((m) =>
          card({ id: `kpi-${m}`, label: t(`status.${m}`), value: rel[m], display: fmtArea(rel[m]), onclick: () => showRecords({ collection: 'releases', params: { ...lp, ...orgp, method: m }, title: t(`status.${m}`) }) }),
        ),
        total.released_inside_hazards_m2 != null && card({ id: 'kpi-released-inside', label: t('dashboard.releasedInside'), value: total.released_inside_hazards_m2, display: fmtArea(total.released_inside_hazards_m2), sub: t('dashboard.releasedInsideSub') }),
      ),
      h('div', { class: 'progress', role: 'img', 'aria-label': t('dashboard.progressBar', { pct: fmtNumber(pct, 1) }) }, ['cleared', 'reduced', 'cancelled'].map((m) => h('span', { class: `bar-${m}`, style: `width:${recorded ? (100 * rel[m]) / recorded : 0}%` })), h('span', { class: 'progress-label' }, t('dashboard.progressBar', { pct: fmtNumber(pct, 1) }))),
      h('h3', {}, t('dashboard.progressByYear')),
      h('p', { class: 'muted', id: 'lr-chart-wait' }, t('dashboard.computing')),
      chartBox('chart-landrelease', t('dashboard.progressByYear')),
    ),
  );
  // the yearly figures take the server longest: asked once every card is
  // filled, so that they never hold the cards up
  return () =>
    get('/stats/landrelease?by=year').then(
      (y) => gen === generation && progressChart(y.groups.filter((g) => inRange(g.key)), lp),
      (e) => gen === generation && fail(root.querySelector('#lr-chart-wait'), e),
    );
}

function progressChart(byYear, lp) {
  root.querySelector('#lr-chart-wait')?.remove();
  root.dataset.chartReady = String(generation);
  const labels = byYear.map((g) => g.key);
  const km2 = (v) => v / 1e6;
  makeChart('chart-landrelease', {
    data: {
      labels,
      datasets: [
        ...['cancelled', 'reduced', 'cleared'].map((m) => ({ type: 'bar', label: t(`status.${m}`), data: byYear.map((g) => km2(g.released_area_m2[m])), backgroundColor: COLORS[m], stack: 'r', yAxisID: 'y' })),
        { type: 'line', label: t('dashboard.remainingEnd'), data: byYear.map((g) => km2(g.remaining_area_m2)), borderColor: '#111', backgroundColor: '#111', borderWidth: 2.5, pointRadius: 3, yAxisID: 'y2' },
      ],
    },
    options: {
      onClick: (e, els) => {
        const hit = els[0];
        if (!hit) return;
        const year = labels[hit.index];
        const ds = charts['chart-landrelease'].data.datasets[hit.datasetIndex];
        const method = ['cancelled', 'reduced', 'cleared'][hit.datasetIndex];
        showRecords({ collection: 'releases', params: { ...lp, datetime: `${year}-01-01/${year}-12-31`, ...(method ? { method } : {}) }, title: `${ds.label} · ${year}` });
      },
      scales: {
        x: { stacked: true },
        y: { stacked: true, title: { display: true, text: t('dashboard.releasedKm2') } },
        y2: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: t('dashboard.remainingKm2') } },
      },
      plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${fmtNumber(c.parsed.y, 3)} ${t('units.km2')}` } } },
    },
  });
}

// ---- casualties ----

// A count, or "fewer than N" where the server left a small group out (null).
const shown = (v, n) => (v == null ? t('dashboard.suppressed', { n }) : fmtNumber(v));

async function casualties(gen) {
  const el = root.querySelector('#dash-casualties');
  const qs = new URLSearchParams();
  const years = filter.from && filter.to && filter.to.slice(0, 4) - filter.from.slice(0, 4) < 3;
  const dim = years ? 'month' : 'year';
  qs.set('by', filter.admin ? `${dim},admin` : dim);
  // published figures (no right to personal data): whole years, small groups hidden
  const exact = can('read_personal');
  const since = filter.from && !exact ? `${filter.from.slice(0, 4)}-01-01` : filter.from;
  const until = filter.to && !exact ? `${filter.to.slice(0, 4)}-12-31` : filter.to;
  if (since) qs.set('since', since);
  if (until) qs.set('until', until);
  let d, byAdmin;
  try {
    const one = new URLSearchParams(qs);
    one.set('by', 'admin');
    [d, byAdmin] = await Promise.all([get(`/stats/casualties?${qs}`), filter.admin ? get(`/stats/casualties?${one}`) : null]);
  } catch (e) {
    if (gen === generation) fail(el, e);
    return;
  }
  if (gen !== generation) return;
  let groups = d.groups;
  let tot = d;
  if (filter.admin) {
    groups = groups.filter((g) => g.keys[1] === filter.admin).map((g) => ({ ...g, key: g.keys[0] }));
    // the area's own figure, not a sum of its months or years (some may be hidden)
    tot = byAdmin.groups.find((g) => g.key === filter.admin) || { casualties: 0, killed: 0, injured: 0, children: 0, incidents: 0, unknown_status: 0 };
  }
  const accp = { ...(filter.admin ? { admin_code: filter.admin } : {}), ...dateParam() };
  const note = [t('dashboard.casFollows')];
  if (!exact) note.push(t('dashboard.casPublished', { n: d.min_cell }));
  if (filter.org) note.push(t('dashboard.casNoOrg'));
  clear(el).append(
    section(
      t('dashboard.casualties'),
      note.join(' '),
      h(
        'div',
        { class: 'kpis' },
        card({ id: 'kpi-casualties', label: t('dashboard.casualtyCount'), value: tot.casualties, display: shown(tot.casualties, d.min_cell), sub: tot.suppressed ? null : t('dashboard.incidents', { n: fmtNumber(tot.incidents) }), onclick: () => showRecords({ collection: 'accidents', params: accp, title: t('dashboard.casualtyCount') }) }),
        card({ id: 'kpi-killed', label: t('dashboard.killed'), value: tot.killed, display: shown(tot.killed, d.min_cell) }),
        card({ id: 'kpi-injured', label: t('dashboard.injured'), value: tot.injured, display: shown(tot.injured, d.min_cell) }),
        card({ id: 'kpi-children', label: t('dashboard.children'), value: tot.children, display: shown(tot.children, d.min_cell), sub: tot.casualties ? t('dashboard.share', { pct: fmtNumber((100 * tot.children) / tot.casualties, 1) }) : null }),
      ),
      h('h3', {}, t(dim === 'year' ? 'dashboard.casualtiesByYear' : 'dashboard.casualtiesByMonth')),
      chartBox('chart-casualties', t('dashboard.casualties')),
    ),
  );
  const labels = groups.map((g) => g.key);
  makeChart('chart-casualties', {
    data: {
      labels: labels.map(fmtPeriod),
      datasets: [
        { type: 'bar', label: t('dashboard.killed'), data: groups.map((g) => g.killed), backgroundColor: '#8b0000', stack: 'c' },
        { type: 'bar', label: t('dashboard.injured'), data: groups.map((g) => g.injured), backgroundColor: '#f4a261', stack: 'c' },
        { type: 'bar', label: t('dashboard.unknownStatus'), data: groups.map((g) => g.unknown_status), backgroundColor: '#9e9e9e', stack: 'c' },
        { type: 'line', label: t('dashboard.children'), data: groups.map((g) => g.children), borderColor: '#1f3fbf', backgroundColor: '#1f3fbf', borderWidth: 2.5, pointRadius: 3 },
      ],
    },
    options: {
      onClick: (e, els) => {
        const hit = els[0];
        if (!hit) return;
        const k = labels[hit.index];
        const last = k.length === 7 ? new Date(Number(k.slice(0, 4)), Number(k.slice(5, 7)), 0).getDate() : 31;
        const range = k.length === 4 ? `${k}-01-01/${k}-12-31` : `${k}-01/${k}-${String(last).padStart(2, '0')}`;
        showRecords({ collection: 'accidents', params: { ...(filter.admin ? { admin_code: filter.admin } : {}), datetime: range }, title: t('dashboard.casualtiesIn', { when: fmtPeriod(k) }) });
      },
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: t('dashboard.people') } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

// ---- EO items ----

const categoryName = (k) => tOr(`categories.${k}`, k);

async function items(gen) {
  const el = root.querySelector('#dash-items');
  let d;
  let groups;
  let tot;
  try {
    d = await get(filter.admin ? '/stats/items?by=admin' : '/stats/items?by=category');
    if (gen !== generation) return;
    if (filter.admin) {
      tot = d.groups.find((g) => g.key === filter.admin) || { item_records: 0, quantity: 0, destroyed: 0 };
      groups = (await get('/stats/items?by=category')).groups;
    } else {
      tot = d;
      groups = d.groups;
    }
  } catch (e) {
    if (gen === generation) fail(el, e);
    return;
  }
  if (gen !== generation) return;
  const ip = { ...adminFilterParam(), ...dateParam(), ...(filter.org ? { organisation: filter.org } : {}) };
  clear(el).append(
    section(
      t('dashboard.items'),
      filter.admin ? t('dashboard.itemsAdminNote') : isFiltered() ? t('dashboard.itemsNational') : null,
      h(
        'div',
        { class: 'kpis' },
        card({ id: 'kpi-item-records', label: t('dashboard.itemRecords'), value: tot.item_records, display: fmtNumber(tot.item_records), onclick: () => showRecords({ collection: 'eo-items', params: ip, title: t('dashboard.items') }) }),
        card({ id: 'kpi-quantity', label: t('dashboard.quantity'), value: tot.quantity, display: fmtNumber(tot.quantity) }),
        card({ id: 'kpi-destroyed', label: t('dashboard.destroyed'), value: tot.destroyed, display: fmtNumber(tot.destroyed) }),
      ),
      h('h3', {}, t('dashboard.itemsByCategory')),
      chartBox('chart-items', t('dashboard.itemsByCategory')),
    ),
  );
  const labels = groups.map((g) => g.key);
  makeChart('chart-items', {
    type: 'bar',
    data: {
      labels: labels.map(categoryName),
      datasets: [
        { label: t('dashboard.quantity'), data: groups.map((g) => g.quantity), backgroundColor: COLORS.eo },
        { label: t('dashboard.destroyed'), data: groups.map((g) => g.destroyed), backgroundColor: '#c39bd3' },
      ],
    },
    options: {
      indexAxis: 'y',
      onClick: (e, els) => {
        const hit = els[0];
        if (!hit) return;
        showRecords({ collection: 'eo-items', params: { ...ip, category: labels[hit.index] }, title: `${t('dashboard.items')} · ${categoryName(labels[hit.index])}` });
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}
