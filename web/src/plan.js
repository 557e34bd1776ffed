// The planning view (#/plan): the server's three planning answers beside the
// map. Each is the JSON of the CLI's --json for the same question:
//   /plan/priority      `demine priority DB --json [--list]`, paged
//                       (limit/offset) over the whole ranking;
//   /plan/settlements/X `demine settlement plan DB X --json`;
//   /plan/forecast      `demine forecast DB --by admin --json`.
// Three tabs: #/plan (the ranking: a table, every hazard on the map coloured
// by its rank, a hazard's reasons, the weights), #/plan/settlement and
// #/plan/forecast. Viewers and above read them (the server decides; the
// link is hidden from anonymous users).

import { get, can } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, tOr, fmtNumber, fmtDecimal, fmtHa, fmtMetres, fmtDays, fmtUsd, fmtDate } from './i18n.js';
import { mapLoaded, setPlanMode, setRankClasses, setAdminClasses, fitAll, showSelected, showOverlay, zoomTo, isReadable, RANK_CLASSES, RANK_COLORS, DONE_COLORS, layerTitle, resize } from './map.js';
import { showRecord, closePanel } from './detail.js';
import { bounds, circle } from './geom.js';

// the factors of the score, in the CLI's order; effort divides, the others add
const FACTORS = ['casualties', 'settlements', 'infrastructure', 'evidence', 'items', 'effort'];
const BENEFIT = FACTORS.filter((f) => f !== 'effort');
// the weights that are distances or counts, not multipliers (kept apart in the editor)
const SETTINGS = ['casualty_distance_m', 'casualty_half_life_years', 'settlement_distance_m', 'settlement_unknown_population', 'settlement_population_power', 'infrastructure_distance_m'];
// the collection each factor's records are in
const RECORDS_OF = { casualties: 'accidents', settlements: 'settlements', infrastructure: 'infrastructure', items: 'eo-items' };
const ASSETS = ['manual', 'mechanical', 'mdd'];
const DEFAULT_TEAMS = { manual: 12, mechanical: 3, mdd: 4 };
const PAGE = 50; // rows of the ranking per page
const RECORDS_SHOWN = 12; // records of a factor listed before "show all"
const BLOCKING = '#0057b8'; // a settlement's hazards and buffer on the map

let root;
let legend;
let legendOpen = null;
const state = {
  tab: 'ranking',
  weights: null, // the weights applied ({key: number}); null: the server's
  asOf: '', // YYYY-MM-DD; '': today
  defaults: null, // the server's weights (the first answer's)
  offset: 0,
  page: null, // the last page of the ranking
  total: 0,
  ranks: null, // Map code → rank over the whole ranking
  ranksAsked: null, // its promise
  selected: null, // the hazard whose reasons are open
  weightsError: '',
  weightsOpen: false,
  settlement: { query: '', buffer: 1000, teams: { ...DEFAULT_TEAMS }, answer: null, candidates: null, error: '' },
  forecast: { teams: { ...DEFAULT_TEAMS }, runs: '', seed: '', answer: null, classes: null, error: '', sort: { key: 'p50', dir: -1 } },
};
let rankGen = 0;

// a factor's figures: up to three decimals, none when whole
function num(v) {
  return fmtDecimal(v, 3);
}
let settlementNames = null; // Map code → name, asked once

export function initPlan(el, legendEl) {
  root = el;
  legend = legendEl;
}

// ---- the view and its tabs ----

export async function renderPlan(hash) {
  const sub = (hash.match(/^#\/plan\/(\w+)/) || [])[1];
  state.tab = sub === 'settlement' || sub === 'forecast' ? sub : 'ranking';
  if (!can('read')) {
    setPlanMode(false);
    clear(root).append(h('div', { class: 'plan-pad' }, h('h1', {}, t('plan.title')), h('p', { class: 'muted', id: 'plan-login' }, t('plan.loginNeeded'))));
    clear(legend);
    return;
  }
  await mapLoaded;
  closePanel();
  setPlanMode(true, onMapClick, { settlements: state.tab === 'settlement', admin: state.tab === 'forecast' });
  resize();
  if (!root.querySelector('.plan-tabs')) layout();
  for (const tab of ['ranking', 'settlement', 'forecast']) {
    root.querySelector(`#plan-tab-${tab}`).hidden = tab !== state.tab;
    const link = root.querySelector(`#plan-link-${tab}`);
    if (tab === state.tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  showOverlay([]);
  showSelected(null);
  if (state.tab === 'ranking') {
    if (!state.page)
      loadRanking().catch((e) => clear(root.querySelector('#plan-tab-ranking')).append(h('p', { class: 'error', id: 'plan-ranking-error', role: 'alert' }, problemText(e))));
    else {
      renderRanking();
      if (state.selected) showHazard(state.selected, false);
    }
  }
  if (state.tab === 'settlement') {
    renderSettlement();
    if (state.settlement.answer) drawSettlement(state.settlement.answer, false);
  }
  if (state.tab === 'forecast') {
    renderForecast();
    if (state.forecast.answer) colourAdmin(false);
  }
  renderLegend();
}

export function leavePlan() {
  setPlanMode(false);
  showOverlay([]);
  showSelected(null);
  clear(legend);
}

// inView: the planning view is the one shown (it is drawn again at once)
export function sessionChanged(inView) {
  // another user may see other records: everything is asked again
  rankGen++;
  state.page = null;
  state.total = 0;
  state.weights = null;
  state.weightsError = '';
  state.offset = 0;
  state.ranks = null;
  state.ranksAsked = null;
  state.selected = null;
  state.settlement.answer = null;
  state.forecast.answer = null;
  state.forecast.classes = null;
  settlementNames = null;
  if (root) clear(root);
  if (inView) renderPlan(location.hash);
}

function layout() {
  clear(root).append(
    h(
      'div',
      { class: 'plan-head' },
      h('h1', {}, t('plan.title')),
      h(
        'nav',
        { class: 'plan-tabs', 'aria-label': t('plan.title') },
        h('a', { href: '#/plan', id: 'plan-link-ranking' }, t('plan.tabRanking')),
        h('a', { href: '#/plan/settlement', id: 'plan-link-settlement' }, t('plan.tabSettlement')),
        h('a', { href: '#/plan/forecast', id: 'plan-link-forecast' }, t('plan.tabForecast')),
      ),
    ),
    h('div', { id: 'plan-tab-ranking', class: 'plan-pad' }),
    h('div', { id: 'plan-tab-settlement', class: 'plan-pad', hidden: true }),
    h('div', { id: 'plan-tab-forecast', class: 'plan-pad', hidden: true }),
  );
}

function problemText(e) {
  if (e.status === 401 || e.status === 403) return t('plan.loginNeeded');
  if (e.status === 404 && !e.problem) return t('plan.missing');
  return e.message;
}

// ---- the map's legend ----

function rankBreaks(total) {
  return RANK_CLASSES.map((q) => Math.ceil(q * total));
}

function rankClass(rank, total) {
  const breaks = rankBreaks(total);
  const i = breaks.findIndex((b) => rank <= b);
  return i < 0 ? RANK_CLASSES.length - 1 : i;
}

function renderLegend() {
  if (!legend) return;
  const total = state.total;
  const breaks = rankBreaks(total);
  const pct = (q) => fmtNumber(q * 100);
  const items = RANK_CLASSES.map((q, i) => {
    const from = i ? breaks[i - 1] + 1 : 1;
    const label = i === 0 ? t('plan.legendTop', { pct: pct(q) }) : t('plan.legendBand', { from: pct(RANK_CLASSES[i - 1]), to: pct(q) });
    return h(
      'li',
      {},
      h('i', { class: 'sw', style: `background:${RANK_COLORS[i]}` }),
      h('span', {}, label, total ? h('span', { class: 'muted' }, ` · ${t('plan.legendRanks', { from: fmtNumber(from), to: fmtNumber(breaks[i]) })}`) : null),
    );
  });
  items.push(h('li', {}, h('i', { class: 'sw', style: 'background:#a3a3a3' }), h('span', {}, t('plan.legendUnranked'))));
  const done = state.tab === 'forecast' && state.forecast.classes;
  if (done)
    items.unshift(
      ...done.map((x) => h('li', { class: 'done' }, h('i', { class: 'sw', style: `background:${DONE_COLORS[x.i]}` }), h('span', {}, x.text))),
      h('li', { class: 'done' }, h('i', { class: 'sw', style: 'background:#fff' }), h('span', {}, t('plan.legendNothingLeft'))),
      h('li', { class: 'legend-gap', 'aria-hidden': 'true' }, t('plan.legendTitle')),
    );
  const settlement = state.tab === 'settlement' && state.settlement.answer;
  // open at first on a large screen, closed on a phone; then as the user left it
  if (legendOpen == null) legendOpen = !window.matchMedia('(max-width: 640px)').matches;
  clear(legend).append(
    h(
      'details',
      { open: legendOpen, ontoggle: (e) => (legendOpen = e.target.open) },
      h('summary', { class: 'panel-title' }, done ? t('plan.legendDone') : t('plan.legendTitle')),
      h('ul', { id: 'plan-legend-list' }, items),
      settlement && h('ul', {}, h('li', {}, h('i', { class: 'sw ring', style: `border-color:${BLOCKING}` }), h('span', {}, t('plan.legendBlocking')))),
      !state.ranks && state.page && h('p', { class: 'muted small' }, t('plan.legendLoading')),
    ),
  );
}

// ---- the ranking ----

function priorityUrl({ list, limit, offset }) {
  const qs = new URLSearchParams();
  if (state.weights) qs.set('weights', JSON.stringify(state.weights));
  if (state.asOf) qs.set('as_of', state.asOf);
  if (list) qs.set('list', 'true');
  qs.set('limit', String(limit));
  qs.set('offset', String(offset));
  return `/plan/priority?${qs}`;
}

// the number of hazards ranked (the page says it; its own length otherwise)
function matched(d) {
  return d.number_matched ?? d.numberMatched ?? d.total ?? (d.hazards || []).length;
}

async function loadRanking() {
  const gen = ++rankGen;
  const box = root.querySelector('#plan-tab-ranking');
  const status = box.querySelector('#plan-ranking-status');
  const was = status?.textContent;
  if (!state.page) clear(box).append(h('p', { class: 'muted' }, t('plan.computing')));
  else status?.replaceChildren(t('plan.computing'));
  try {
    const d = await get(priorityUrl({ list: true, limit: PAGE, offset: state.offset }));
    if (gen !== rankGen) return;
    state.page = d;
    state.total = matched(d);
    if (!state.defaults && !state.weights) state.defaults = d.weights;
    state.weightsError = '';
    renderRanking();
    renderLegend();
    if (!state.ranks) allRanks(gen);
  } catch (e) {
    if (gen !== rankGen) return;
    if (status?.isConnected) status.textContent = was;
    throw e;
  }
}

// The whole ranking's codes (no records), for the map's colours and to find
// a clicked hazard's page.
function allRanks(gen) {
  state.ranksAsked = (async () => {
    const ranks = new Map();
    const step = 5000;
    for (let offset = 0; offset < state.total; offset += step) {
      const d = await get(priorityUrl({ list: false, limit: step, offset }));
      if (gen !== rankGen) return null;
      for (const x of d.hazards || []) ranks.set(x.code, x.rank);
      if (!(d.hazards || []).length) break;
    }
    state.ranks = ranks;
    setRankClasses([...ranks].map(([code, rank]) => [code, rankClass(rank, state.total)]));
    renderLegend();
    return ranks;
  })();
  state.ranksAsked.catch((e) => gen === rankGen && toast(problemText(e), 'error'));
  return state.ranksAsked;
}

// The factor contributing most to the benefit, and its share of it.
function biggest(x) {
  let best = null;
  for (const f of BENEFIT) {
    const c = x.factors?.[f]?.contribution || 0;
    if (c > 0 && (!best || c > best.c)) best = { f, c };
  }
  return best && { factor: best.f, share: x.benefit ? best.c / x.benefit : 1 };
}

function factorName(f) {
  return tOr(`plan.factors.${f}`, f.replace(/_/g, ' '));
}

function renderRanking() {
  const box = root.querySelector('#plan-tab-ranking');
  const d = state.page;
  const rows = d.hazards || [];
  const first = rows.length ? rows[0].rank : 0;
  const last = rows.length ? rows[rows.length - 1].rank : 0;
  clear(box).append(
    h('p', { class: 'lead small' }, t('plan.rankingIntro')),
    weightsEditor(d),
    h(
      'div',
      { class: 'plan-pager' },
      h('p', { id: 'plan-ranking-status', class: 'plan-count', dataset: { total: String(state.total), offset: String(state.offset), weights: JSON.stringify(state.weights || {}), asOf: d.as_of || '' }, 'aria-live': 'polite' }, rows.length ? t('plan.rows', { from: fmtNumber(first), to: fmtNumber(last), total: fmtNumber(state.total) }) : t('plan.noRows')),
      h(
        'div',
        { class: 'plan-pager-buttons' },
        h('button', { type: 'button', class: 'btn', id: 'plan-prev', disabled: state.offset <= 0, onclick: () => page(-1) }, t('plan.prev')),
        h('button', { type: 'button', class: 'btn', id: 'plan-next', disabled: state.offset + PAGE >= state.total, onclick: () => page(1) }, t('plan.next')),
      ),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data plan-table', id: 'plan-table' },
        h('caption', { class: 'visually-hidden' }, t('plan.tableCaption')),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { class: 'num c-rank' }, t('plan.rank')),
            h('th', { class: 'c-code' }, t('plan.code')),
            h('th', { class: 'c-status' }, t('plan.status')),
            h('th', { class: 'num c-area' }, t('plan.areaHa')),
            h('th', { class: 'num c-score' }, t('plan.score')),
            h('th', { class: 'c-factor' }, t('plan.biggest')),
          ),
        ),
        h('tbody', {}, rows.flatMap((x) => rankingRows(x))),
      ),
    ),
    h('p', { class: 'muted small' }, t('plan.asOf', { date: fmtDate(d.as_of) }), ' · ', t('plan.read', { accidents: fmtNumber(d.read?.accidents), settlements: fmtNumber(d.read?.settlements), infrastructure: fmtNumber(d.read?.infrastructure), items: fmtNumber(d.read?.eo_items) })),
  );
}

function rankingRows(x) {
  const b = biggest(x);
  const selected = x.code === state.selected;
  const open = () => select(x.code);
  const row = h(
    'tr',
    {
      class: `plan-row ${selected ? 'selected' : ''}`,
      dataset: { code: x.code, rank: String(x.rank) },
      style: `--rank:${RANK_COLORS[rankClass(x.rank, state.total)]}`,
      onclick: (e) => e.target.closest('button') || open(),
    },
    h('td', { class: 'num rank-cell' }, fmtNumber(x.rank)),
    h('td', {}, h('button', { type: 'button', class: 'link', 'aria-expanded': String(selected), 'aria-controls': `plan-reasons-${x.code}`, onclick: open }, x.code)),
    h('td', { class: 'c-status' }, x.status),
    h('td', { class: 'num', dataset: { value: String(x.area_m2) } }, fmtNumber(x.area_m2 / 1e4, 2)),
    h('td', { class: 'num', dataset: { value: String(x.score) } }, fmtNumber(x.score, 2)),
    h('td', { dataset: { value: b ? b.factor : '' } }, b ? `${factorName(b.factor)} ${fmtNumber(b.share * 100)}%` : '–'),
  );
  if (!selected) return [row];
  return [row, h('tr', { class: 'plan-reasons-row' }, h('td', { colspan: '6' }, reasons(x)))];
}

function page(dir) {
  state.offset = Math.max(0, state.offset + dir * PAGE);
  loadRanking().catch((e) => toast(problemText(e), 'error'));
}

// Opens a hazard's reasons (closes them when open), and shows it on the map.
function select(code) {
  state.selected = state.selected === code ? null : code;
  renderRanking();
  if (state.selected) {
    showHazard(code, true);
    root.querySelector(`#plan-table tr[data-code="${CSS.escape(code)}"]`)?.scrollIntoView({ block: 'nearest' });
  } else showSelected(null);
}

async function showHazard(code, zoom) {
  try {
    const f = await get(`/collections/hazards/items/${encodeURIComponent(code)}`, { accept: 'application/geo+json' });
    if (state.selected !== code && state.tab === 'ranking') return;
    showSelected(f.geometry ? f : null);
    if (zoom && f.geometry) zoomTo(f.geometry);
  } catch (e) {
    toast(e.message, 'error');
  }
}

// A clicked hazard's row: its page is asked for when it is not the one shown.
async function selectFromMap(codes) {
  const ranks = state.ranks || (await state.ranksAsked);
  const code = codes.find((c) => ranks?.has(c));
  if (!code) {
    toast(t('plan.notRanked', { code: codes[0] }));
    return;
  }
  const offset = Math.floor((ranks.get(code) - 1) / PAGE) * PAGE;
  state.selected = null;
  if (offset !== state.offset || !state.page) {
    state.offset = offset;
    await loadRanking();
  }
  state.selected = code;
  renderRanking();
  showHazard(code, false);
  root.querySelector(`#plan-table tr[data-code="${CSS.escape(code)}"]`)?.scrollIntoView({ block: 'center' });
}

function onMapClick(hits) {
  const hazard = hits.find((x) => x.source === 'hazards');
  const place = hits.find((x) => x.source === 'settlements');
  const area = hits.find((x) => x.source === 'admin-areas');
  if (state.tab === 'forecast' && area && !hazard) {
    const row = root.querySelector(`#plan-fc-table tr[data-key="${CSS.escape(area.code)}"]`);
    for (const r of root.querySelectorAll('#plan-fc-table tr.selected')) r.classList.remove('selected');
    if (row) {
      row.classList.add('selected');
      row.scrollIntoView({ block: 'center' });
      zoomToAdmin(area.code, false);
    }
    return;
  }
  if (state.tab === 'settlement' && place) {
    state.settlement.query = place.code;
    runSettlement();
  } else if (hazard && state.tab === 'ranking') selectFromMap(hazard.codes).catch((e) => toast(problemText(e), 'error'));
  else if (hazard) showRecord('hazards', hazard.code, { here: hazard.codes });
}

// ---- a hazard's reasons ----

function reasons(x) {
  const f = x.factors || {};
  const effort = f.effort || {};
  const d = state.page;
  return h(
    'div',
    { class: 'plan-reasons', id: `plan-reasons-${x.code}`, dataset: { code: x.code } },
    h(
      'div',
      { class: 'plan-reasons-head' },
      h('h2', {}, t('plan.reasonsTitle', { code: x.code })),
      h('button', { type: 'button', class: 'btn', onclick: () => showRecord('hazards', x.code) }, t('plan.openRecord')),
    ),
    h('p', { class: 'small' }, t('plan.rankOf', { rank: fmtNumber(x.rank), total: fmtNumber(state.total) }), ' · ', t('plan.scoreIs', { score: num(x.score) })),
    h(
      'table',
      { class: 'data plan-factors', id: 'plan-factors' },
      h('thead', {}, h('tr', {}, h('th', {}, t('plan.factor')), h('th', { class: 'num' }, t('plan.value')), h('th', { 'aria-hidden': 'true' }), h('th', { class: 'num' }, t('plan.weight')), h('th', { 'aria-hidden': 'true' }), h('th', { class: 'num' }, t('plan.contribution')))),
      h(
        'tbody',
        {},
        FACTORS.filter((k) => f[k]).map((k) =>
          h(
            'tr',
            { dataset: { factor: k }, class: k === 'effort' ? 'effort' : '' },
            h('th', { scope: 'row' }, factorName(k), h('span', { class: 'muted small factor-unit' }, tOr(k === 'effort' && d.effort?.unit === 'team-days' ? 'plan.units.effortTeamDays' : `plan.units.${k}`, ''))),
            h('td', { class: 'num value', dataset: { value: String(f[k].value) } }, num(f[k].value)),
            h('td', { 'aria-hidden': 'true', class: 'op' }, '×'),
            h('td', { class: 'num weight', dataset: { value: String(f[k].weight) } }, num(f[k].weight)),
            h('td', { 'aria-hidden': 'true', class: 'op' }, '='),
            h('td', { class: 'num contribution', dataset: { value: String(f[k].contribution) } }, num(f[k].contribution)),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'plan-formula', id: 'plan-formula' },
      h('strong', {}, t('plan.formulaFilled', { benefit: num(x.benefit), effort: num(effort.contribution ?? 0), score: num(x.score) })),
      ' ',
      t('plan.formulaExplained'),
    ),
    h('p', { class: 'muted small' }, t('plan.formula'), ' ', h('code', {}, d.formula)),
    d.effort?.basis ? h('p', { class: 'muted small', id: 'plan-effort-basis' }, t('plan.effortBasis'), ' ', d.effort.basis) : null,
    BENEFIT.filter((k) => Array.isArray(f[k]?.records) && f[k].records.length).map((k) => recordList(k, f[k].records)),
    BENEFIT.some((k) => Array.isArray(f[k]?.records)) ? null : h('p', { class: 'muted small' }, t('plan.noRecordsListed')),
  );
}

function recordList(factor, records) {
  const coll = RECORDS_OF[factor];
  const readable = coll && isReadable(coll);
  const box = h('div', { class: 'plan-records', dataset: { factor } });
  const sorted = records.slice().sort((a, b) => (b.amount ?? 0) - (a.amount ?? 0));
  const item = (r) =>
    h(
      'li',
      { dataset: { code: r.code } },
      readable ? h('button', { type: 'button', class: 'link', onclick: () => showReference(coll, r.code) }, recordLabel(factor, r.code)) : h('span', {}, recordLabel(factor, r.code)),
      r.distance_m != null && h('span', { class: 'muted' }, ` · ${fmtMetres(r.distance_m)}`),
      r.amount != null && h('span', { class: 'muted' }, ` · +${fmtNumber(r.amount, 2)}`),
    );
  const list = h('ul', { class: 'plan-record-list' }, sorted.slice(0, RECORDS_SHOWN).map(item));
  clear(box).append(
    h('h3', {}, t(records.length === 1 ? 'plan.recordsOfOne' : 'plan.recordsOf', { factor: factorName(factor), n: fmtNumber(records.length) })),
    h('p', { class: 'muted small' }, t(`plan.recordsNote.${factor}`)),
    list,
    sorted.length > RECORDS_SHOWN &&
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-quiet',
          onclick: (e) => {
            list.append(...sorted.slice(RECORDS_SHOWN).map(item));
            e.target.remove();
          },
        },
        t('plan.showAll', { n: fmtNumber(sorted.length) }),
      ),
    !readable && coll && h('p', { class: 'muted small' }, t('plan.recordsHidden', { what: layerTitle(coll) })),
  );
  if (factor === 'settlements' && readable) nameSettlements(box);
  return box;
}

function recordLabel(factor, code) {
  const name = factor === 'settlements' && settlementNames?.get(code);
  return name ? `${name} (${code})` : code;
}

// Settlements are known by their GeoNames id: their names, asked once.
async function nameSettlements(box) {
  if (!settlementNames) {
    try {
      const d = await get('/collections/settlements/items?limit=10000&properties=code,name', { accept: 'application/geo+json' });
      settlementNames = new Map(d.features.map((f) => [String(f.properties.code), f.properties.name]));
    } catch {
      settlementNames = new Map();
    }
  }
  for (const li of box.querySelectorAll('li[data-code]')) {
    const el = li.firstChild;
    const name = settlementNames.get(li.dataset.code);
    if (name) el.textContent = `${name} (${li.dataset.code})`;
  }
}

// A record behind a factor: on the map, where it exists.
async function showReference(coll, code) {
  try {
    const f = await get(`/collections/${coll}/items/${encodeURIComponent(code)}`, { accept: 'application/geo+json' });
    if (!f.geometry) {
      toast(t('plan.noGeometry', { code }));
      return;
    }
    showOverlay([{ type: 'Feature', geometry: f.geometry, properties: { color: '#ff00aa' } }]);
    zoomTo(f.geometry);
    toast(`${layerTitle(coll)}: ${f.properties?.name ? `${f.properties.name} (${code})` : code}`);
  } catch (e) {
    toast(e.status === 404 ? t('plan.recordMissing', { code }) : e.message, 'error');
  }
}

// ---- the weights ----

function weightsEditor(d) {
  const w = state.weights ? { ...d.weights, ...state.weights } : d.weights || {};
  const defaults = state.defaults || {};
  const input = (k) =>
    h(
      'label',
      { class: 'field', for: `plan-w-${k}` },
      h('span', { class: 'label' }, tOr(`plan.weightNames.${k}`, factorName(k))),
      h('input', { id: `plan-w-${k}`, name: k, type: 'number', step: 'any', inputmode: 'decimal', value: w[k] ?? '', dataset: { default: defaults[k] ?? '' } }),
    );
  const changed = state.weights && Object.keys(state.weights).length > 0;
  const form = h(
    'form',
    {
      id: 'plan-weights',
      class: 'plan-weights',
      onsubmit: (e) => {
        e.preventDefault();
        applyWeights(e.target);
      },
    },
    h('p', { class: 'muted small' }, t('plan.weightsNote')),
    h('div', { class: 'plan-grid' }, FACTORS.map(input)),
    h('details', { class: 'options' }, h('summary', {}, t('plan.settings')), h('div', { class: 'plan-grid' }, SETTINGS.map(input))),
    h('label', { class: 'field plan-as-of', for: 'plan-as-of' }, h('span', { class: 'label' }, t('plan.asOfLabel')), h('input', { id: 'plan-as-of', name: 'as_of', type: 'date', value: state.asOf })),
    h('p', { class: 'form-error', id: 'plan-weights-error', role: 'alert' }, state.weightsError),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'plan-weights-apply' }, t('plan.apply')),
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          id: 'plan-weights-reset',
          onclick: () => {
            state.weights = null;
            state.asOf = '';
            rerank();
          },
        },
        t('plan.defaults'),
      ),
    ),
  );
  return h(
    'details',
    { class: 'options plan-weights-box', id: 'plan-weights-box', open: state.weightsOpen || Boolean(state.weightsError), ontoggle: (e) => (state.weightsOpen = e.target.open) },
    h('summary', {}, changed ? t('plan.weightsChanged') : t('plan.weights')),
    form,
  );
}

// Re-ranks with the form's weights; the server's refusal (400) is shown as
// it says it, the ranking shown stays.
async function applyWeights(form) {
  const w = {};
  for (const k of [...FACTORS, ...SETTINGS]) {
    const el = form.elements[k];
    const v = el.value.trim();
    if (v === '') {
      if (el.validity.badInput) {
        showWeightsError(t('plan.notNumber', { name: tOr(`plan.weightNames.${k}`, factorName(k)) }));
        return;
      }
      continue;
    }
    // only what differs from the server's default is sent
    if (state.defaults && Number(v) === Number(state.defaults[k])) continue;
    w[k] = Number(v);
  }
  const before = { weights: state.weights, asOf: state.asOf };
  state.weights = Object.keys(w).length ? w : null;
  state.asOf = form.elements.as_of.value;
  try {
    await rerank();
  } catch (e) {
    state.weights = before.weights;
    state.asOf = before.asOf;
    if (e.status === 400) showWeightsError(e.message);
    else toast(problemText(e), 'error');
  }
}

function showWeightsError(text) {
  state.weightsError = text;
  const el = root.querySelector('#plan-weights-error');
  if (el) el.textContent = text;
}

async function rerank() {
  const keep = { offset: state.offset, selected: state.selected, ranks: state.ranks, ranksAsked: state.ranksAsked };
  state.offset = 0;
  state.selected = null;
  state.ranks = null;
  try {
    await loadRanking();
  } catch (e) {
    Object.assign(state, keep);
    throw e;
  }
  showSelected(null);
}

// ---- a settlement's plan ----

function teamsParam(teams) {
  return ASSETS.map((a) => `${a}=${teams[a]}`).join(',');
}

function teamInputs(prefix, teams) {
  return h(
    'fieldset',
    { class: 'plan-teams' },
    h('legend', {}, t('plan.teams')),
    h(
      'div',
      { class: 'plan-grid three' },
      ASSETS.map((a) =>
        h('label', { class: 'field', for: `${prefix}-${a}` }, h('span', { class: 'label' }, t(`plan.assets.${a}`)), h('input', { id: `${prefix}-${a}`, name: a, type: 'number', min: '0', step: '1', inputmode: 'numeric', value: teams[a] })),
      ),
    ),
  );
}

function readTeams(form) {
  const teams = {};
  for (const a of ASSETS) teams[a] = form.elements[a].value.trim() === '' ? 0 : Number(form.elements[a].value);
  return teams;
}

function renderSettlement() {
  const box = root.querySelector('#plan-tab-settlement');
  const st = state.settlement;
  clear(box).append(
    h('p', { class: 'lead small' }, t('plan.settlementIntro')),
    h(
      'form',
      {
        id: 'plan-settlement-form',
        class: 'plan-form',
        onsubmit: (e) => {
          e.preventDefault();
          const f = e.target;
          st.query = f.elements.query.value.trim();
          st.buffer = f.elements.buffer.value;
          st.teams = readTeams(f);
          runSettlement();
        },
      },
      h(
        'div',
        { class: 'plan-grid two' },
        h('label', { class: 'field', for: 'plan-settlement' }, h('span', { class: 'label' }, t('plan.settlementName')), h('input', { id: 'plan-settlement', name: 'query', required: true, value: st.query, list: 'plan-settlement-names', autocomplete: 'off', spellcheck: 'false', placeholder: t('plan.settlementHint') })),
        h('label', { class: 'field', for: 'plan-buffer' }, h('span', { class: 'label' }, t('plan.buffer')), h('input', { id: 'plan-buffer', name: 'buffer', type: 'number', min: '0', step: '100', inputmode: 'numeric', value: st.buffer })),
      ),
      h('datalist', { id: 'plan-settlement-names' }),
      teamInputs('plan-st', st.teams),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'plan-settlement-submit' }, t('plan.planIt'))),
      h('p', { class: 'muted small' }, t('plan.clickSettlement')),
    ),
    h('div', { id: 'plan-settlement-out', 'aria-live': 'polite' }),
  );
  fillNames(box.querySelector('#plan-settlement-names'));
  renderSettlementAnswer();
}

async function fillNames(list) {
  if (!isReadable('settlements')) return;
  if (!settlementNames) await nameSettlements(h('div'));
  const seen = new Set();
  for (const name of [...settlementNames.values()].sort((a, b) => String(a).localeCompare(String(b)))) {
    if (seen.has(name)) continue;
    seen.add(name);
    list.append(h('option', { value: name }));
  }
}

let settlementGen = 0;
async function runSettlement() {
  const st = state.settlement;
  const gen = ++settlementGen;
  const form = root.querySelector('#plan-settlement-form');
  if (form) form.elements.query.value = st.query;
  st.answer = null;
  st.candidates = null;
  st.error = '';
  const out = root.querySelector('#plan-settlement-out');
  delete out.dataset.drawn;
  clear(out).append(h('p', { class: 'muted' }, t('plan.computing')));
  const qs = new URLSearchParams();
  if (st.buffer !== '' && st.buffer != null) qs.set('buffer', String(st.buffer));
  qs.set('teams', teamsParam(st.teams));
  try {
    const d = await get(`/plan/settlements/${encodeURIComponent(st.query)}?${qs}`);
    if (gen !== settlementGen) return;
    st.answer = d;
  } catch (e) {
    if (gen !== settlementGen) return;
    const p = e.problem && typeof e.problem === 'object' ? e.problem : {};
    const list = p.candidates || p.matches || p.settlements;
    if ((e.status === 409 || e.status === 300) && Array.isArray(list)) st.candidates = list;
    else st.error = problemText(e);
  }
  renderSettlementAnswer();
  if (st.answer) drawSettlement(st.answer, true);
  else showOverlay([]);
  renderLegend();
}

function renderSettlementAnswer() {
  const st = state.settlement;
  const out = root.querySelector('#plan-settlement-out');
  if (!out) return;
  if (st.candidates) {
    clear(out).append(
      h(
        'div',
        { class: 'note-box warn', id: 'plan-candidates' },
        h('p', {}, h('strong', {}, t('plan.several', { n: fmtNumber(st.candidates.length), name: st.query }))),
        h(
          'ul',
          { class: 'choice-list plain' },
          st.candidates.map((c) =>
            h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'btn choice',
                  dataset: { code: String(c.code) },
                  onclick: () => {
                    st.query = String(c.code);
                    runSettlement();
                  },
                },
                `${c.name} · ${t('plan.population', { n: fmtNumber(c.population) })} · ${c.code}`,
              ),
            ),
          ),
        ),
      ),
    );
    return;
  }
  if (st.error) {
    clear(out).append(h('p', { class: 'error', id: 'plan-settlement-error', role: 'alert' }, st.error));
    return;
  }
  const d = st.answer;
  if (!d) {
    clear(out);
    return;
  }
  const s = d.settlement || {};
  const r = d.remaining_area_m2 || {};
  const fc = d.forecast || {};
  clear(out).append(
    h('h2', { id: 'plan-settlement-title', dataset: { code: String(s.code) } }, s.name, ' ', h('span', { class: 'muted' }, `(${s.code})`)),
    h('p', { class: 'small' }, t('plan.population', { n: fmtNumber(s.population) }), ' · ', t('plan.bufferOf', { m: fmtMetres(d.buffer_m) }), ' · ', t('plan.roadsInto', { n: fmtNumber(d.roads_into_buffer) })),
    h(
      'div',
      { class: 'kpis' },
      kpi('plan-st-remaining', t('plan.remainingTotal'), r.total, fmtHa(r.total)),
      kpi('plan-st-remaining-buffer', t('plan.remainingBuffer'), r.buffer, fmtHa(r.buffer)),
      kpi('plan-st-remaining-road', t('plan.remainingRoad'), r.road, fmtHa(r.road)),
    ),
    h('h3', {}, t('plan.blocking', { n: fmtNumber((d.hazards || []).length) })),
    (d.hazards || []).length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data', id: 'plan-st-hazards' },
            h('thead', {}, h('tr', {}, h('th', {}, t('plan.code')), h('th', {}, t('plan.status')), h('th', {}, t('plan.why')), h('th', { class: 'num' }, t('plan.distance')), h('th', { class: 'num' }, t('plan.remainingHa')))),
            h(
              'tbody',
              {},
              d.hazards.map((x) =>
                h(
                  'tr',
                  { dataset: { code: x.code } },
                  h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => zoomToHazard(x.code) }, x.code)),
                  h('td', {}, x.status),
                  h('td', {}, tOr(`plan.reason.${x.reason}`, x.reason)),
                  h('td', { class: 'num', dataset: { value: String(x.distance_m) } }, fmtMetres(x.distance_m)),
                  h('td', { class: 'num', dataset: { value: String(x.remaining_area_m2) } }, fmtNumber(x.remaining_area_m2 / 1e4, 2)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted', id: 'plan-st-none' }, t('plan.noneBlocking')),
    forecastBlock(fc, 'plan-st'),
  );
}

function kpi(id, label, value, display, sub) {
  return h('div', { class: 'kpi', id, dataset: { value: value == null ? '' : String(value) } }, h('span', { class: 'kpi-label' }, label), h('span', { class: 'kpi-value' }, display), sub && h('span', { class: 'kpi-sub' }, sub));
}

// P10/P50/P90 of a figure as a table row: f formats each.
function qRow(id, label, q, f) {
  return h(
    'tr',
    { id },
    h('th', { scope: 'row' }, label),
    ['p10', 'p50', 'p90'].map((p) => h('td', { class: `num ${p}`, dataset: { value: q?.[p] == null ? '' : String(q[p]) } }, q ? f(q[p]) : '–')),
  );
}

function pNote() {
  return h('p', { class: 'note plan-p-note' }, t('plan.pNote'));
}

// The forecast part of a settlement's plan: mix, days, dates, cost.
function forecastBlock(fc, prefix) {
  const mix = fc.release_mix_m2 || {};
  return h(
    'div',
    { class: 'plan-forecast-block' },
    h('h3', {}, t('plan.when', { teams: teamsText(fc.teams) })),
    pNote(),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data plan-q', id: `${prefix}-q` },
        h('thead', {}, h('tr', {}, h('th', {}), h('th', { class: 'num' }, 'P10'), h('th', { class: 'num' }, 'P50'), h('th', { class: 'num' }, 'P90'))),
        h(
          'tbody',
          {},
          ['cancelled', 'reduced', 'cleared'].map((m) => qRow(`${prefix}-mix-${m}`, `${t(`status.${m}`)} (${fmtNumber((mix[m]?.share ?? 0) * 100)}%)`, mix[m]?.m2, fmtHa)),
          qRow(`${prefix}-days`, t('plan.days'), fc.days, fmtDays),
          qRow(`${prefix}-team-days`, t('plan.teamDays'), fc.team_days, (v) => fmtNumber(v, v < 10 ? 1 : 0)),
          qRow(`${prefix}-date`, t('plan.completion'), fc.completion_date, fmtDate),
          qRow(`${prefix}-cost`, t('plan.cost'), fc.cost_usd, fmtUsd),
        ),
      ),
    ),
    fc.from && h('p', { class: 'muted small' }, t('plan.from', { date: fmtDate(fc.from), runs: fmtNumber(fc.runs), seed: fc.seed })),
    assumptions(fc.assumptions, `${prefix}-assumptions`),
  );
}

function teamsText(teams) {
  if (!teams) return '';
  return ASSETS.map((a) => `${t(`plan.assets.${a}`)} ${fmtNumber(teams[a])}`).join(', ');
}

function assumptions(list, id) {
  if (!Array.isArray(list) || !list.length) return null;
  return h('div', { class: 'plan-assumptions' }, h('h3', {}, t('plan.assumptions')), h('ol', { id }, list.map((a) => h('li', {}, a))));
}

// The settlement, its buffer and the hazards that block it, on the map.
async function drawSettlement(d, zoom) {
  const s = d.settlement || {};
  if (s.lon == null || s.lat == null) return;
  const ring = circle([s.lon, s.lat], d.buffer_m || 0);
  const base = [
    { type: 'Feature', geometry: ring, properties: { color: BLOCKING, opacity: 0.08 } },
    { type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon, s.lat] }, properties: { color: BLOCKING } },
  ];
  showOverlay(base);
  const b = bounds(ring);
  if (zoom) zoomTo({ type: 'Polygon', coordinates: [[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]] });
  const codes = (d.hazards || []).map((x) => x.code);
  const out = root.querySelector('#plan-settlement-out');
  if (!codes.length) {
    out.dataset.drawn = String(s.code);
    return;
  }
  const feats = await hazardsByCode(codes);
  if (state.settlement.answer !== d || state.tab !== 'settlement') return;
  showOverlay([...base, ...feats.map((f) => ({ type: 'Feature', geometry: f.geometry, properties: { color: BLOCKING } }))]);
  // the hazards across the roads may lie beyond the buffer
  const all = feats.filter((f) => f.geometry).map((f) => bounds(f.geometry));
  if (zoom && all.length) {
    const u = all.reduce((a, x) => [Math.min(a[0], x[0]), Math.min(a[1], x[1]), Math.max(a[2], x[2]), Math.max(a[3], x[3])], b);
    zoomTo({ type: 'Polygon', coordinates: [[[u[0], u[1]], [u[2], u[1]], [u[2], u[3]], [u[0], u[3]], [u[0], u[1]]]] });
  }
  out.dataset.drawn = String(s.code); // for the tests: all on the map
}

// Hazards by code, 40 codes to a request (a CQL2 filter of ORs).
async function hazardsByCode(codes) {
  const out = [];
  for (let i = 0; i < codes.length; i += 40) {
    const part = codes.slice(i, i + 40);
    const filter = part.map((c) => `code = '${String(c).replace(/'/g, "''")}'`).join(' OR ');
    const qs = new URLSearchParams({ filter, limit: String(part.length) });
    try {
      const d = await get(`/collections/hazards/items?${qs}`, { accept: 'application/geo+json' });
      out.push(...d.features);
    } catch (e) {
      toast(e.message, 'error');
      break;
    }
  }
  return out;
}

async function zoomToHazard(code) {
  try {
    const f = await get(`/collections/hazards/items/${encodeURIComponent(code)}`, { accept: 'application/geo+json' });
    if (f.geometry) {
      showSelected(f);
      zoomTo(f.geometry);
    }
  } catch (e) {
    toast(e.message, 'error');
  }
}

// ---- the forecast ----

function renderForecast() {
  const box = root.querySelector('#plan-tab-forecast');
  const fs = state.forecast;
  clear(box).append(
    h('p', { class: 'lead small' }, t('plan.forecastIntro')),
    h(
      'form',
      {
        id: 'plan-forecast-form',
        class: 'plan-form',
        onsubmit: (e) => {
          e.preventDefault();
          const f = e.target;
          fs.teams = readTeams(f);
          fs.runs = f.elements.runs.value.trim();
          fs.seed = f.elements.seed.value.trim();
          runForecast();
        },
      },
      teamInputs('plan-fc', fs.teams),
      h(
        'details',
        { class: 'options' },
        h('summary', {}, t('plan.simulation')),
        h(
          'div',
          { class: 'plan-grid two' },
          h('label', { class: 'field', for: 'plan-fc-runs' }, h('span', { class: 'label' }, t('plan.runs')), h('input', { id: 'plan-fc-runs', name: 'runs', type: 'number', min: '1', step: '1', value: fs.runs, placeholder: '10000' })),
          h('label', { class: 'field', for: 'plan-fc-seed' }, h('span', { class: 'label' }, t('plan.seed')), h('input', { id: 'plan-fc-seed', name: 'seed', type: 'number', min: '0', step: '1', value: fs.seed, placeholder: '1' })),
        ),
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'plan-forecast-submit' }, t('plan.forecastIt'))),
    ),
    h('div', { id: 'plan-forecast-out', 'aria-live': 'polite' }),
  );
  renderForecastAnswer();
}

let forecastGen = 0;
async function runForecast() {
  const fs = state.forecast;
  const gen = ++forecastGen;
  fs.answer = null;
  fs.error = '';
  clear(root.querySelector('#plan-forecast-out')).append(h('p', { class: 'muted' }, t('plan.computing')));
  const qs = new URLSearchParams({ teams: teamsParam(fs.teams), by: 'admin' });
  if (fs.runs) qs.set('runs', fs.runs);
  if (fs.seed) qs.set('seed', fs.seed);
  try {
    const d = await get(`/plan/forecast?${qs}`);
    if (gen !== forecastGen) return;
    fs.answer = d;
  } catch (e) {
    if (gen !== forecastGen) return;
    fs.error = problemText(e);
  }
  renderForecastAnswer();
  colourAdmin(true);
}

// The admin areas on the map by their P50 date: five classes of as many
// areas each (those with nothing left are not coloured).
function colourAdmin(fit) {
  const fs = state.forecast;
  const groups = (fs.answer?.groups || []).filter((g) => g.remaining_area_m2 > 0 && g.completion_date?.p50 && g.key !== 'outside');
  const dates = groups.map((g) => g.completion_date.p50).sort();
  if (!dates.length) {
    fs.classes = null;
    setAdminClasses([]);
    renderLegend();
    return;
  }
  const n = DONE_COLORS.length;
  const breaks = DONE_COLORS.map((_, i) => dates[Math.min(dates.length - 1, Math.ceil(((i + 1) * dates.length) / n) - 1)]);
  const cls = (d) => breaks.findIndex((b) => d <= b);
  setAdminClasses(groups.map((g) => [g.key, cls(g.completion_date.p50)]));
  // a date ending two classes names one (the later class is then empty)
  fs.classes = breaks.map((b, i) => ({ i, text: t('plan.legendBy', { date: fmtDate(b) }) })).filter((x) => !x.i || breaks[x.i] !== breaks[x.i - 1]);
  renderLegend();
  if (fit) fitAll();
}

function renderForecastAnswer() {
  const fs = state.forecast;
  const out = root.querySelector('#plan-forecast-out');
  if (!out) return;
  if (fs.error) {
    clear(out).append(h('p', { class: 'error', id: 'plan-forecast-error', role: 'alert' }, fs.error));
    return;
  }
  const d = fs.answer;
  if (!d) {
    clear(out);
    return;
  }
  const tot = d.total || {};
  const date = tot.completion_date || {};
  const range = (q, f) => (q ? t('plan.range', { p10: f(q.p10), p90: f(q.p90) }) : null);
  clear(out).append(
    h('h2', {}, t('plan.forecastFor', { teams: teamsText(d.teams) })),
    h(
      'div',
      { class: 'kpis' },
      kpi('plan-fc-p50', t('plan.completionP50'), date.p50, fmtDate(date.p50), range(date, fmtDate)),
      kpi('plan-fc-days', t('plan.daysP50'), tot.days?.p50, fmtDays(tot.days?.p50), range(tot.days, (v) => fmtNumber(v))),
      kpi('plan-fc-cost', t('plan.costP50'), tot.cost_usd?.p50, tot.cost_usd ? fmtUsd(tot.cost_usd.p50) : t('plan.noCost'), range(tot.cost_usd, fmtUsd)),
      kpi('plan-fc-remaining', t('plan.remainingTotal'), tot.remaining_area_m2, fmtHa(tot.remaining_area_m2)),
    ),
    pNote(),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data plan-q', id: 'plan-fc-total' },
        h('thead', {}, h('tr', {}, h('th', {}), h('th', { class: 'num' }, 'P10'), h('th', { class: 'num' }, 'P50'), h('th', { class: 'num' }, 'P90'))),
        h('tbody', {}, qRow('plan-fc-total-date', t('plan.completion'), tot.completion_date, fmtDate), qRow('plan-fc-total-days', t('plan.days'), tot.days, fmtDays), qRow('plan-fc-total-cost', t('plan.cost'), tot.cost_usd, fmtUsd)),
      ),
    ),
    d.from && h('p', { class: 'muted small' }, t('plan.from', { date: fmtDate(d.from), runs: fmtNumber(d.runs), seed: d.seed })),
    h('h3', {}, t('plan.byAdmin')),
    h('div', { id: 'plan-fc-groups' }, groupsTable(d)),
    productivity(d),
    assumptions(d.assumptions, 'plan-fc-assumptions'),
  );
}

const SORTS = {
  name: (g) => String(g.name || g.key),
  remaining: (g) => g.remaining_area_m2 ?? 0,
  p50: (g) => g.completion_date?.p50 || '',
};

function groupsTable(d) {
  const fs = state.forecast;
  const { key, dir } = fs.sort;
  const groups = (d.groups || []).slice().sort((a, b) => {
    const x = SORTS[key](a);
    const y = SORTS[key](b);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || String(a.key).localeCompare(String(b.key));
  });
  const head = (k, label, cls) =>
    h(
      'th',
      { class: cls, 'aria-sort': key === k ? (dir > 0 ? 'ascending' : 'descending') : 'none' },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          id: `plan-fc-sort-${k}`,
          onclick: () => {
            fs.sort = { key: k, dir: key === k ? -dir : k === 'name' ? 1 : -1 };
            clear(root.querySelector('#plan-fc-groups')).append(groupsTable(d));
          },
        },
        label,
        h('span', { 'aria-hidden': 'true', class: 'sort-mark' }, key === k ? (dir > 0 ? ' ▲' : ' ▼') : ' ↕'),
      ),
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data', id: 'plan-fc-table' },
      h('thead', {}, h('tr', {}, head('name', t('plan.adminArea')), head('remaining', t('plan.remainingHa'), 'num'), head('p50', t('plan.completionP50'), 'num'), h('th', { class: 'num' }, t('plan.costP50')))),
      h(
        'tbody',
        {},
        groups.map((g) =>
          h(
            'tr',
            { dataset: { key: String(g.key) } },
            h('td', {}, g.key === 'outside' || !isReadable('admin-areas') ? g.name || g.key : h('button', { type: 'button', class: 'link', onclick: () => zoomToAdmin(g.key) }, g.name || g.key)),
            h('td', { class: 'num', dataset: { value: String(g.remaining_area_m2) } }, fmtNumber(g.remaining_area_m2 / 1e4, 1)),
            h(
              'td',
              { class: 'num date p50', dataset: { value: g.completion_date?.p50 || '', p10: g.completion_date?.p10 || '', p90: g.completion_date?.p90 || '' } },
              fmtDate(g.completion_date?.p50),
              g.completion_date?.p10 !== g.completion_date?.p90 && h('span', { class: 'range' }, h('span', { class: 'nw' }, fmtDate(g.completion_date?.p10)), ' – ', h('span', { class: 'nw' }, fmtDate(g.completion_date?.p90))),
            ),
            h('td', { class: 'num', dataset: { value: g.cost_usd?.p50 == null ? '' : String(g.cost_usd.p50) } }, g.cost_usd ? fmtUsd(g.cost_usd.p50) : '–'),
          ),
        ),
      ),
    ),
    h('p', { class: 'muted small' }, t('plan.groupsNote')),
  );
}

async function zoomToAdmin(code, zoom = true) {
  try {
    const f = await get(`/collections/admin-areas/items/${encodeURIComponent(code)}`, { accept: 'application/geo+json' });
    if (f.geometry) {
      showOverlay([{ type: 'Feature', geometry: f.geometry, properties: { color: BLOCKING, opacity: 0 } }]);
      if (zoom) zoomTo(f.geometry);
    }
  } catch (e) {
    toast(e.message, 'error');
  }
}

// Where each productivity, the mix and the cost come from.
function productivity(d) {
  const rows = d.productivity || [];
  const cite = (c) => c && h('span', {}, c.source_url ? h('a', { href: c.source_url, target: '_blank', rel: 'noopener' }, c.quantity || c.source || c.source_url) : c.quantity || c.source, c.value_low != null && ` (${fmtNumber(c.value_low)}–${fmtNumber(c.value_high)} ${c.unit || ''})`);
  const mix = d.release_mix || {};
  return h(
    'div',
    { class: 'plan-sources' },
    h('h3', {}, t('plan.productivity')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data', id: 'plan-fc-productivity' },
        h('thead', {}, h('tr', {}, h('th', {}, t('plan.asset')), h('th', {}, t('plan.operation')), h('th', { class: 'num' }, t('plan.perTeamDay')), h('th', {}, t('plan.source')))),
        h(
          'tbody',
          {},
          rows.map((p) =>
            h(
              'tr',
              { dataset: { asset: p.asset, operation: p.operation } },
              h('td', {}, t(`plan.assets.${p.asset}`)),
              h('td', {}, tOr(`plan.operations.${p.operation.replace(/ /g, '_')}`, p.operation)),
              h('td', { class: 'num', dataset: { value: String(p.mean_m2_per_team_day) } }, p.mean_m2_per_team_day == null ? '–' : `${fmtNumber(p.mean_m2_per_team_day)} ${t('units.m2')}`),
              h(
                'td',
                {},
                p.source === 'database'
                  ? t('plan.fromActivities', { n: fmtNumber(p.activities), p10: fmtNumber(p.activity_p10), p90: fmtNumber(p.activity_p90) })
                  : p.source === 'none'
                    ? t('plan.noFigure')
                    : h('span', {}, tOr(`plan.sources.${p.source.replace(/ /g, '_')}`, p.source), ': ', cite(p.citation)),
              ),
            ),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'small', id: 'plan-fc-mix' },
      h('strong', {}, t('plan.mix')),
      ' ',
      ['cancelled', 'reduced', 'cleared'].map((m) => `${t(`status.${m}`)} ${fmtNumber((mix[m]?.share ?? 0) * 100)}%`).join(' · '),
      ' — ',
      mix.source === 'database' ? t('plan.mixDatabase', { n: fmtNumber(mix.hazards) }) : h('span', {}, t('plan.mixDefault'), ' ', cite(mix.citation)),
    ),
    h('p', { class: 'small', id: 'plan-fc-cost-source' }, h('strong', {}, t('plan.costBasis')), ' ', d.cost?.known ? cite(d.cost.citation) : d.cost?.why || t('plan.noCost')),
  );
}
