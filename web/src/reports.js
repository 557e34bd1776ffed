// The Reports view (#/reports): the documents the server makes from the
// records (/reports/*: the monthly report, the factsheet, a hazardous
// area's map sheet as PDF, the casualty chart as SVG, PNG or PDF), each with
// its inputs and the language to write it in (the interface's unless
// another is chosen). Files are fetched with the
// login's token and saved from a blob link; a refusal (problem+json) is
// shown beside its form. The inputs are kept for the tab (sessionStorage),
// so a language switch's reload does not lose them.

import { get, fetchFile } from './api.js';
import { h, clear } from './dom.js';
import { t, languages, language, fmtBytes } from './i18n.js';

const SAVED = 'demine.reports';
let root;
let values = load();
let previewUrl = null;

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(SAVED) || '{}') || {};
  } catch {
    return {};
  }
}
function remember(key, v) {
  values[key] = v;
  sessionStorage.setItem(SAVED, JSON.stringify(values));
}

export function initReports(el) {
  root = el;
}

// YYYY-MM of the month before today's (UTC).
function lastMonth() {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return m.toISOString().slice(0, 7);
}

// An input kept in `values` under its id.
function input(id, attrs, fallback = '') {
  const v = values[id] ?? fallback;
  return h('input', { id, name: id, value: v, ...attrs, onchange: (e) => remember(id, e.target.value) });
}

function choice(id, options, fallback) {
  const v = values[id] ?? fallback;
  return h(
    'select',
    { id, name: id, onchange: (e) => remember(id, e.target.value) },
    options.map(([value, text]) => h('option', { value, selected: value === v }, text)),
  );
}

function field(id, label, control, hint) {
  return h('label', { class: 'field', for: id }, h('span', { class: 'label' }, label), control, hint && h('span', { class: 'muted small' }, hint));
}

// The document's language: the interface's unless another is chosen.
function langField(prefix) {
  const id = `${prefix}-lang`;
  return field(
    id,
    t('reports.language'),
    h(
      'select',
      { id, name: id },
      languages().map((l) => h('option', { value: l.code, lang: l.code, selected: l.code === language() }, l.name)),
    ),
  );
}

// The message under a form: an error (role=alert) or what was saved.
function messages(prefix) {
  return [h('p', { class: 'form-error', role: 'alert', id: `${prefix}-error` }), h('p', { class: 'muted small report-status', id: `${prefix}-status`, 'aria-live': 'polite' })];
}

function whyNot(e) {
  if (e.status === 401) return t('reports.loginNeeded');
  if (e.status === 403) return e.problem?.detail || t('reports.forbidden');
  if (e.status === 404 && !e.problem?.detail) return t('reports.missing');
  if (!e.status) return t('reports.network');
  return e.problem?.detail || e.problem?.title || t('reports.failed', { status: e.status });
}

// Fetches path and saves it as name (the server's name when it gives one).
async function save(prefix, path, name) {
  const err = root.querySelector(`#${prefix}-error`);
  const status = root.querySelector(`#${prefix}-status`);
  const button = root.querySelector(`#${prefix}-go`);
  err.textContent = '';
  status.textContent = t('reports.making');
  delete status.dataset.size;
  button.disabled = true;
  try {
    const f = await fetchFile(path);
    const file = f.name || name;
    const url = URL.createObjectURL(f.blob);
    const a = h('a', { href: url, download: file, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = t('reports.done', { file, size: fmtBytes(f.blob.size) });
    Object.assign(status.dataset, { file, size: String(f.blob.size), type: f.type });
  } catch (e) {
    status.textContent = '';
    err.textContent = whyNot(e);
  }
  button.disabled = false;
}

function form(prefix, title, note, fields, onsubmit, extra = []) {
  return h(
    'form',
    {
      class: 'report-form',
      id: prefix,
      novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        onsubmit(e.target);
      },
    },
    h('h2', {}, title),
    h('p', { class: 'muted small' }, note),
    ...fields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: `${prefix}-go` }, t('reports.download')), ...extra),
    ...messages(prefix),
  );
}

function problem(prefix, text) {
  root.querySelector(`#${prefix}-error`).textContent = text;
  root.querySelector(`#${prefix}-status`).textContent = '';
}

function monthly() {
  return form(
    'rep-monthly',
    t('reports.monthly.title'),
    t('reports.monthly.note'),
    [field('rep-month', t('reports.monthly.month'), input('rep-month', { type: 'month', required: true, pattern: '\\d{4}-\\d{2}', placeholder: 'YYYY-MM' }, lastMonth())), langField('rep-monthly')],
    (f) => {
      const month = f['rep-month'].value.trim();
      const lang = f['rep-monthly-lang'].value;
      const qs = new URLSearchParams({ month, lang });
      save('rep-monthly', `/reports/monthly?${qs}`, `monthly-${month}-${lang}.pdf`);
    },
  );
}

function factsheet() {
  return form(
    'rep-factsheet',
    t('reports.factsheet.title'),
    t('reports.factsheet.note'),
    [field('rep-since', t('reports.factsheet.since'), input('rep-since', { type: 'date' })), langField('rep-factsheet')],
    (f) => {
      const since = f['rep-since'].value;
      const lang = f['rep-factsheet-lang'].value;
      const qs = new URLSearchParams({ lang });
      if (since) qs.set('since', since);
      save('rep-factsheet', `/reports/factsheet?${qs}`, `factsheet-${since || 'all'}-${lang}.pdf`);
    },
  );
}

// Codes of hazardous areas starting with what was typed, for the input's
// list (a range on the code: the server's CQL2 has no LIKE).
let suggestGen = 0;
async function suggest(text) {
  const list = root.querySelector('#rep-hazard-codes');
  const prefix = text.trim().toUpperCase();
  const gen = ++suggestGen;
  if (prefix.length < 2) return;
  const q = prefix.replace(/'/g, "''");
  const qs = new URLSearchParams({ filter: `code >= '${q}' AND code < '${q}~'`, properties: 'code,name', limit: '20' });
  try {
    const d = await get(`/collections/hazards/items?${qs}`, { accept: 'application/geo+json' });
    if (gen !== suggestGen) return;
    clear(list).append(d.features.map((f) => h('option', { value: f.properties.code }, f.properties.name || '')));
  } catch {
    // no list then: the code is typed in full
  }
}

function hazard() {
  let timer;
  const code = input('rep-hazard-code', { type: 'text', list: 'rep-hazard-codes', autocomplete: 'off', spellcheck: 'false', placeholder: t('reports.hazard.hint') });
  code.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => suggest(code.value), 200);
  });
  return form(
    'rep-hazard',
    t('reports.hazard.title'),
    t('reports.hazard.note'),
    [field('rep-hazard-code', t('reports.hazard.code'), code), h('datalist', { id: 'rep-hazard-codes', 'aria-label': t('reports.hazard.suggestions') }), langField('rep-hazard')],
    (f) => {
      const c = f['rep-hazard-code'].value.trim();
      if (!c) return problem('rep-hazard', t('reports.hazard.needed'));
      const lang = f['rep-hazard-lang'].value;
      save('rep-hazard', `/reports/hazards/${encodeURIComponent(c)}?${new URLSearchParams({ lang })}`, `${c}-${lang}.pdf`);
    },
  );
}

function chartQuery(f, format) {
  const qs = new URLSearchParams({ by: f['rep-chart-by'].value });
  if (f['rep-chart-since'].value) qs.set('since', f['rep-chart-since'].value);
  if (f['rep-chart-until'].value) qs.set('until', f['rep-chart-until'].value);
  qs.set('format', format);
  qs.set('lang', f['rep-chart-lang'].value);
  return qs;
}

// The chart as SVG in an <img> (an image: nothing in it runs).
async function preview(f) {
  const err = root.querySelector('#rep-chart-error');
  const box = root.querySelector('#rep-chart-preview');
  err.textContent = '';
  try {
    const file = await fetchFile(`/reports/chart/casualties?${chartQuery(f, 'svg')}`);
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file.blob);
    clear(box).append(h('figure', {}, h('img', { id: 'rep-chart-img', src: previewUrl, alt: t('reports.chart.alt') }), h('figcaption', { class: 'muted small' }, t('reports.chart.previewTitle'))));
    box.hidden = false;
  } catch (e) {
    err.textContent = whyNot(e);
  }
}

function chart() {
  const show = h('button', { type: 'button', class: 'btn', id: 'rep-chart-show', onclick: (e) => preview(e.target.form) }, t('reports.chart.preview'));
  return form(
    'rep-chart',
    t('reports.chart.title'),
    t('reports.chart.note'),
    [
      field('rep-chart-by', t('reports.chart.by'), choice('rep-chart-by', [['month', t('reports.chart.byMonth')], ['year', t('reports.chart.byYear')]], 'year')),
      h('div', { class: 'field-row' }, field('rep-chart-since', t('reports.chart.since'), input('rep-chart-since', { type: 'date' })), field('rep-chart-until', t('reports.chart.until'), input('rep-chart-until', { type: 'date' }))),
      field('rep-chart-format', t('reports.chart.format'), choice('rep-chart-format', [['svg', 'SVG'], ['png', 'PNG'], ['pdf', 'PDF']], 'svg')),
      langField('rep-chart'),
    ],
    (f) => {
      const format = f['rep-chart-format'].value;
      save('rep-chart', `/reports/chart/casualties?${chartQuery(f, format)}`, `casualties-${f['rep-chart-by'].value}.${format}`);
    },
    [show],
  );
}

export function renderReports() {
  if (!root) return;
  clear(root).append(
    h('h1', {}, t('reports.title')),
    h('p', { class: 'lead' }, t('reports.intro')),
    h('div', { class: 'report-grid' }, monthly(), factsheet(), hazard(), chart()),
    h('div', { class: 'chart-preview', id: 'rep-chart-preview', hidden: true }),
  );
}
