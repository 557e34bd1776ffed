// Interface text from translation files: src/i18n/LANG.json, bundled at
// build time. Adding a language is adding a file with the same keys (missing
// keys fall back to English). Keys are dotted paths: t('map.layers').

const files = import.meta.glob('./i18n/*.json', { eager: true, import: 'default' });
const catalogs = {};
for (const [path, data] of Object.entries(files)) {
  catalogs[path.replace(/^.*\/(.*)\.json$/, '$1')] = data;
}

const LANG_KEY = 'demine.lang';
let lang = pick();

// The locale numbers and dates are written with. Some browsers know a
// language's name but not its data (Chromium's reduced ICU writes Azerbaijani
// as the root locale: 12,345.5 and "2026 M12 7"); numbers then come from the
// locale the language's file names in _intlFallback (one that writes them the
// same way: 12.345,5), and dates in numbers only (07.12.2026), never with
// another language's month names.
let intlLang = lang;
let numericDates = false;
function hasData(l) {
  return !/^M\d\d$/.test(new Intl.DateTimeFormat(l, { month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, 0, 15))));
}
function pickIntl() {
  const fallback = catalogs[lang]?._intlFallback;
  numericDates = !hasData(lang) && Boolean(fallback) && fallback !== lang;
  intlLang = numericDates ? fallback : lang;
}
pickIntl();

function pick() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && catalogs[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (catalogs[base]) return base;
  }
  return 'en';
}

export function languages() {
  return Object.keys(catalogs)
    .sort()
    .map((code) => ({ code, name: catalogs[code]._language || code }));
}

export function language() {
  return lang;
}

export function setLanguage(code) {
  if (!catalogs[code]) return;
  lang = code;
  pickIntl();
  localStorage.setItem(LANG_KEY, code);
  document.documentElement.lang = code;
}

function lookup(cat, key) {
  let v = cat;
  for (const part of key.split('.')) {
    if (v == null || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return typeof v === 'string' ? v : undefined;
}

// t('dashboard.casualtiesIn', {year: 2001}) with {name} placeholders.
export function t(key, vars) {
  let s = lookup(catalogs[lang], key) ?? lookup(catalogs.en, key);
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// t() when the key exists, else the fallback (field names, enum values).
export function tOr(key, fallback) {
  return lookup(catalogs[lang], key) ?? lookup(catalogs.en, key) ?? fallback;
}

// Fills [data-i18n] (text), [data-i18n-placeholder], [data-i18n-title] and
// [data-i18n-aria-label] under root.
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]'))
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}

// Every number, date and time the interface shows is written by the
// helpers below, with the interface's language (Intl), so that switching the
// language rewrites them all: 1,234.5 in English, 1 234,5 in Russian and
// Azerbaijani. One formatter per language and options, made once.
const formatters = new Map();
function formatter(kind, opts) {
  const key = `${intlLang}|${kind}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = kind === 'number' ? new Intl.NumberFormat(intlLang, opts) : new Intl.DateTimeFormat(intlLang, opts);
    formatters.set(key, f);
  }
  return f;
}

// A number with exactly `digits` decimals.
export function fmtNumber(v, digits = 0) {
  if (v == null || Number.isNaN(v)) return '–';
  return formatter('number', { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
}

// A number with at most `max` decimals (no trailing zeros).
export function fmtDecimal(v, max = 3) {
  if (v == null || Number.isNaN(v)) return '–';
  return formatter('number', { maximumFractionDigits: max }).format(v);
}

// The locale of the interface, for libraries that format on their own
// (chart.js axes).
export function locale() {
  return intlLang;
}

// Areas: m² in the data, shown in km² (or ha under 1 km²).
export function fmtArea(m2) {
  if (m2 == null) return '–';
  if (Math.abs(m2) >= 1e6) return `${fmtNumber(m2 / 1e6, 2)} ${t('units.km2')}`;
  return `${fmtNumber(m2 / 1e4, 2)} ${t('units.ha')}`;
}

document.documentElement.lang = lang;

// Hectares (m² in the data): two decimals under 10 ha, one under 1,000.
export function fmtHa(m2) {
  if (m2 == null || Number.isNaN(m2)) return '–';
  const ha = m2 / 1e4;
  return `${fmtNumber(ha, Math.abs(ha) < 10 ? 2 : Math.abs(ha) < 1000 ? 1 : 0)} ${t('units.ha')}`;
}

// A size in bytes (a file's), in KB or MB from 1,024 bytes.
export function fmtBytes(n) {
  if (n >= 1024 * 1024) return `${fmtNumber(n / 1024 / 1024, 1)} ${t('units.mib')}`;
  if (n >= 1024) return `${fmtNumber(n / 1024, 0)} ${t('units.kib')}`;
  return `${fmtNumber(n)} ${t('units.bytes')}`;
}

export function fmtMetres(m) {
  if (m == null || Number.isNaN(m)) return '–';
  return `${fmtNumber(m)} ${t('units.m')}`;
}

export function fmtDays(d) {
  if (d == null || Number.isNaN(d)) return '–';
  return t('units.days', { n: fmtNumber(d, Math.abs(d) < 10 ? 1 : 0) });
}

// US dollars, short for large sums (USD 5.7 billion reads better than ten
// digits); the exact figure is in the caller's data-value.
export function fmtUsd(v) {
  if (v == null || Number.isNaN(v)) return '–';
  return formatter('number', {
    style: 'currency',
    currency: 'USD',
    currencyDisplay: 'code',
    notation: Math.abs(v) >= 1e6 ? 'compact' : 'standard',
    compactDisplay: 'long',
    maximumFractionDigits: Math.abs(v) >= 1e6 ? 1 : 0,
  }).format(v);
}

// A calendar date (YYYY-MM-DD) as the language writes it.
export function fmtDate(iso) {
  if (!iso) return '–';
  const d = new Date(`${String(iso).slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return String(iso);
  return formatter('date', { year: 'numeric', month: numericDates ? '2-digit' : 'short', day: numericDates ? '2-digit' : 'numeric', timeZone: 'UTC' }).format(d);
}

// A time stamp (ISO 8601, as the server writes it, UTC) to the minute.
export function fmtDateTime(iso) {
  if (!iso) return '–';
  const s = String(iso);
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) return s;
  return formatter('date', { year: 'numeric', month: numericDates ? '2-digit' : 'short', day: numericDates ? '2-digit' : 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' }).format(d);
}

// A month (YYYY-MM) or a year (YYYY), the keys of the figures by month and
// by year.
export function fmtPeriod(key) {
  const s = String(key ?? '');
  if (/^\d{4}-\d{2}$/.test(s)) return formatter('date', { year: 'numeric', month: numericDates ? '2-digit' : 'short', timeZone: 'UTC' }).format(new Date(`${s}-01T00:00:00Z`));
  return s;
}

// A property's value as people read it: yes/no for booleans, a listed
// value by its name in the language (a hazard's lifecycle "handed_over",
// a victim's sex "f"), numbers and dates the language's way; anything else
// (codes, names) as it is. field: the property's name; listed: false when
// the field is known to be free text.
export function fmtValue(v, field = '', listed = true) {
  if (v == null || v === '') return '–';
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  if (typeof v === 'number') return /year|laid/.test(field) ? String(v) : fmtDecimal(v, 6);
  const s = String(v);
  const key = `${/categor/.test(field) ? 'categories' : `enums.${field}`}.${s}`;
  const named = listed && field && !s.includes('.') ? lookup(catalogs[lang], key) ?? lookup(catalogs.en, key) : undefined;
  if (named !== undefined) return named;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return fmtDate(s);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) return fmtDateTime(s);
  return s;
}
