// The dashboard: land release progress, casualties and EO items. Every
// figure comes from /stats/landrelease, /stats/casualties and /stats/items,
// which give the same JSON as `demine stats ... --json`. Land release and EO
// items take the filter as their scope (since, until, admin, organisation:
// `demine stats ... --since --until --admin --organisation`); casualties take
// the dates and the admin area (by=...,admin), and say that organisations do
// not apply. Each figure links to the records behind it:
// #/records/{kind}?admin=&since=&until=&organisation=&status=.

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
import { filter } from './filters.js';
import { COLORS } from './layers.js';

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
  // printed: the charts drawn again at the page's width, and back after
  document.addEventListener('demine:print', () => Object.values(charts).forEach((c) => c.resize()));
}

// ---- the filter as the figures' scope, and the records behind a figure ----

// since=&until=&admin=&organisation= as `demine stats` takes them
function scopeParams(extra = {}) {
  const p = new URLSearchParams();
  if (filter.from) p.set('since', filter.from);
  if (filter.to) p.set('until', filter.to);
  if (filter.admin) p.set('admin', filter.admin);
  if (filter.org) p.set('organisation', filter.org);
  for (const [k, v] of Object.entries(extra)) if (v != null && v !== '') p.set(k, v);
  return p;
}

// The records view of a kind with the filter's scope (and more: status=...).
// `dated: false` leaves the period out (today's hazards).
export function recordsHref(kind, extra = {}, { dated = true, org = true } = {}) {
  const p = scopeParams(extra);
  if (!dated) ['since', 'until'].forEach((k) => !(k in extra) && p.delete(k));
  if (!org) p.delete('organisation');
  const qs = p.toString();
  return `#/records/${kind}${qs ? `?${qs}` : ''}`;
}

function inRange(key) {
  // key: "2001" or "2001-05"
  const start = key.length === 4 ? `${key}-01-01` : `${key}-01`;
  const end = key.length === 4 ? `${key}-12-31` : `${key}-31`;
  return (!filter.from || end >= filter.from) && (!filter.to || start <= filter.to);
}

function card({ id, label, value, display, sub, onclick, href }) {
  return h(
    href ? 'a' : onclick ? 'button' : 'div',
    { type: onclick && !href ? 'button' : null, href, class: `kpi ${onclick || href ? 'clickable' : ''}`, id, dataset: { value: value == null ? '' : String(value) }, onclick, title: onclick || href ? t('dashboard.listRecords') : null },
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
  // a list of records opened before belongs to the figures as they were
  const records = document.getElementById('records');
  if (records && !records.hidden) {
    clear(records);
    records.hidden = true;
  }
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

// the chart's steps: months for a period of under three years, else years
const chartDim = () => (filter.from && filter.to && filter.to.slice(0, 4) - filter.from.slice(0, 4) < 3 ? 'month' : 'year');

// "2024" or "2024-03" as a date range, cut to the filter's period
function keyRange(k) {
  const last = k.length === 7 ? new Date(Number(k.slice(0, 4)), Number(k.slice(5, 7)), 0).getDate() : 31;
  let since = k.length === 4 ? `${k}-01-01` : `${k}-01`;
  let until = k.length === 4 ? `${k}-12-31` : `${k}-${String(last).padStart(2, '0')}`;
  if (filter.from && filter.from > since) since = filter.from;
  if (filter.to && filter.to < until) until = filter.to;
  return { since, until };
}

async function landRelease(gen) {
  const el = root.querySelector('#dash-landrelease');
  let total;
  try {
    total = await get(`/stats/landrelease?${scopeParams()}`);
  } catch (e) {
    if (gen === generation) fail(el, e);
    return;
  }
  if (gen !== generation) return;
  const rel = total.released_area_m2;
  const hazardArea = total.hazard_area_m2;
  const dated = Boolean(filter.from || filter.to);
  const byOrg = Boolean(filter.org);
  // released counts all released land, inside today's hazards or not (the
  // server's figures): per cent of the recorded area, released + remaining
  const recorded = total.recorded_area_m2;
  const pct = recorded ? (100 * rel.total) / recorded : null;
  const notes = [t('dashboardScope.lrFollows')];
  if (dated) notes.push(t('dashboardScope.lrPeriod'));
  if (byOrg) notes.push(t('dashboardScope.lrOrg'));
  const na = t('dashboardScope.notByOrg');
  const area = (v) => (v == null ? '–' : fmtArea(v));
  const rhref = (extra) => recordsHref('releases', extra);
  clear(el).append(
    section(
      t('dashboard.landRelease'),
      `${summary()} · ${notes.join(' ')}`,
      h(
        'div',
        { class: 'kpis' },
        card({ id: 'kpi-hazard-count', label: t(dated ? 'dashboardScope.hazardsToday' : 'dashboard.hazardCount'), value: total.hazard_count, display: total.hazard_count == null ? '–' : fmtNumber(total.hazard_count), sub: hazardArea == null ? na : fmtArea(hazardArea), href: recordsHref('hazards', {}, { dated: false, org: false }) }),
        card({ id: 'kpi-recorded', label: t(dated ? 'dashboardScope.recordedEnd' : 'dashboard.recorded'), value: recorded, display: area(recorded), sub: recorded == null ? na : t('dashboard.recordedSub') }),
        card({ id: 'kpi-remaining', label: t(dated ? 'dashboardScope.remainingEnd' : 'dashboard.remaining'), value: total.remaining_area_m2, display: area(total.remaining_area_m2), sub: total.remaining_area_m2 == null ? na : dated ? t('dashboardScope.remainingEndSub') : t('dashboard.ofRecordedArea', { pct: fmtNumber(100 - pct, 1) }) }),
        card({ id: 'kpi-released', label: t(dated ? 'dashboardScope.releasedPeriod' : 'dashboard.released'), value: rel.total, display: fmtArea(rel.total), sub: t('dashboard.releasedCount', { n: fmtNumber(total.release_count) }), href: rhref() }),
        ['cancelled', 'reduced', 'cleared'].map((m) => card({ id: `kpi-${m}`, label: t(`status.${m}`), value: rel[m], display: fmtArea(rel[m]), href: rhref({ status: m }) })),
        card({ id: 'kpi-released-inside', label: t('dashboard.releasedInside'), value: total.released_inside_hazards_m2, display: fmtArea(total.released_inside_hazards_m2), sub: t('dashboard.releasedInsideSub') }),
      ),
      !dated && pct != null && h('div', { class: 'progress', role: 'img', 'aria-label': t('dashboard.progressBar', { pct: fmtNumber(pct, 1) }) }, ['cleared', 'reduced', 'cancelled'].map((m) => h('span', { class: `bar-${m}`, style: `width:${recorded ? (100 * rel[m]) / recorded : 0}%` })), h('span', { class: 'progress-label' }, t('dashboard.progressBar', { pct: fmtNumber(pct, 1) }))),
      h('h3', {}, t(chartDim() === 'month' ? 'dashboardScope.progressByMonth' : 'dashboard.progressByYear')),
      h('p', { class: 'muted', id: 'lr-chart-wait' }, t('dashboard.computing')),
      chartBox('chart-landrelease', t('dashboard.progressByYear')),
    ),
  );
  // the yearly figures take the server longest: asked once every card is
  // filled, so that they never hold the cards up
  return () =>
    get(`/stats/landrelease?${scopeParams({ by: chartDim() })}`).then(
      (y) => gen === generation && progressChart(y.groups.filter((g) => g.key !== 'unknown' && inRange(g.key))),
      (e) => gen === generation && fail(root.querySelector('#lr-chart-wait'), e),
    );
}

function progressChart(groups) {
  root.querySelector('#lr-chart-wait')?.remove();
  root.dataset.chartReady = String(generation);
  const labels = groups.map((g) => g.key);
  const km2 = (v) => (v == null ? null : v / 1e6);
  const hasRemaining = groups.some((g) => g.remaining_area_m2 != null);
  makeChart('chart-landrelease', {
    data: {
      labels,
      datasets: [
        ...['cancelled', 'reduced', 'cleared'].map((m) => ({ type: 'bar', label: t(`status.${m}`), data: groups.map((g) => km2(g.released_area_m2[m])), backgroundColor: COLORS[m], stack: 'r', yAxisID: 'y' })),
        ...(hasRemaining ? [{ type: 'line', label: t(chartDim() === 'month' ? 'dashboardScope.remainingMonthEnd' : 'dashboard.remainingEnd'), data: groups.map((g) => km2(g.remaining_area_m2)), borderColor: '#111', backgroundColor: '#111', borderWidth: 2.5, pointRadius: 3, yAxisID: 'y2' }] : []),
      ],
    },
    options: {
      onClick: (e, els) => {
        const hit = els[0];
        if (!hit) return;
        const method = ['cancelled', 'reduced', 'cleared'][hit.datasetIndex];
        location.hash = recordsHref('releases', { ...keyRange(labels[hit.index]), ...(method ? { status: method } : {}) });
      },
      scales: {
        x: { stacked: true },
        y: { stacked: true, title: { display: true, text: t('dashboard.releasedKm2') } },
        ...(hasRemaining ? { y2: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: t('dashboard.remainingKm2') } } } : {}),
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
  const dim = chartDim();
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
  // the people behind the figures are victims; their period is as asked
  const vhref = (extra) => recordsHref('victims', { since, until, ...extra }, { org: false });
  const note = [t('dashboard.casFollows'), t('dashboardScope.casIncidents')];
  if (!exact) note.push(t('dashboard.casPublished', { n: d.min_cell }));
  if (filter.org) note.push(t('dashboard.casNoOrg'));
  clear(el).append(
    section(
      t('dashboard.casualties'),
      note.join(' '),
      h(
        'div',
        { class: 'kpis' },
        card({ id: 'kpi-casualties', label: t('dashboard.casualtyCount'), value: tot.casualties, display: shown(tot.casualties, d.min_cell), sub: tot.suppressed ? null : t('dashboardScope.incidentsWith', { n: fmtNumber(tot.incidents) }), href: vhref() }),
        card({ id: 'kpi-killed', label: t('dashboard.killed'), value: tot.killed, display: shown(tot.killed, d.min_cell), href: vhref({ status: 'killed' }) }),
        card({ id: 'kpi-injured', label: t('dashboard.injured'), value: tot.injured, display: shown(tot.injured, d.min_cell), href: vhref({ status: 'injured' }) }),
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
        const status = ['killed', 'injured', 'unknown'][hit.datasetIndex];
        location.hash = recordsHref('victims', { ...keyRange(labels[hit.index]), ...(status ? { status } : {}) }, { org: false });
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
  try {
    d = await get(`/stats/items?${scopeParams({ by: 'category' })}`);
  } catch (e) {
    if (gen === generation) fail(el, e);
    return;
  }
  if (gen !== generation) return;
  const groups = d.groups;
  const ihref = (extra) => recordsHref('eo-items', extra);
  clear(el).append(
    section(
      t('dashboard.items'),
      `${summary()} · ${t('dashboardScope.itemsFollow')}`,
      h(
        'div',
        { class: 'kpis' },
        card({ id: 'kpi-item-records', label: t('dashboard.itemRecords'), value: d.item_records, display: fmtNumber(d.item_records), href: ihref() }),
        card({ id: 'kpi-quantity', label: t('dashboard.quantity'), value: d.quantity, display: fmtNumber(d.quantity), href: ihref() }),
        card({ id: 'kpi-destroyed', label: t('dashboard.destroyed'), value: d.destroyed, display: fmtNumber(d.destroyed), href: ihref({ status: 'destroyed' }) }),
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
        location.hash = ihref({ category: labels[hit.index], ...(hit.datasetIndex === 1 ? { status: 'destroyed' } : {}) });
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}
