// Finding records: the header's search box (GET /search: codes, names and
// places the user may read, as the user types) and the records' own URLs
// (#/hazards/HA-0123 opens the record on the map, zoomed, with its panel; a
// record opened on the map puts its URL in the address bar, so that back and
// forward go through the records seen).

import { get } from './api.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { layerTitle } from './map.js';

// The collections whose records have a URL of their own.
export const RECORD_COLLECTIONS = ['hazards', 'releases', 'eo-items', 'accidents', 'settlements', 'admin-areas', 'activities', 'infrastructure', 'minefield-records'];

// {collection, code} of a record URL's hash, or null.
export function recordRoute(hash) {
  const m = /^#\/([\w-]+)\/([^/?#]+)$/.exec(hash || '');
  if (!m || !RECORD_COLLECTIONS.includes(m[1])) return null;
  try {
    return { collection: m[1], code: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

export function recordHash(collection, code) {
  return `#/${collection}/${encodeURIComponent(code)}`;
}

// A record opened on the map (not from its URL) gets its URL, as a new
// history entry, while the map is the view shown.
export function noteRecordOpened(collection, code) {
  const hash = recordHash(collection, code);
  const here = location.hash || '#/map';
  if (here === hash || !RECORD_COLLECTIONS.includes(collection)) return;
  if (here !== '#/map' && !recordRoute(here)) return;
  history.pushState(null, '', hash);
}

// The map's panel closed: the address is the map's again.
export function noteRecordClosed() {
  if (recordRoute(location.hash)) history.pushState(null, '', '#/map');
}

const DEBOUNCE_MS = 200;
const LIMIT = 8;

// The search box: a combobox whose list shows the matches as the user
// types; choosing one (click, or arrows and Enter) goes to its URL.
export function searchBox() {
  const input = h('input', {
    type: 'search',
    id: 'search',
    class: 'search-input',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': 'search-results',
    'aria-label': t('find.label'),
    placeholder: t('find.placeholder'),
  });
  const list = h('ul', { id: 'search-results', class: 'search-results', role: 'listbox', hidden: true, 'aria-label': t('find.results') });
  let timer;
  let asked = 0; // the latest request: older answers are dropped
  let results = [];
  let active = -1;

  const show = (open) => {
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
  };
  const setActive = (i) => {
    active = i;
    list.querySelectorAll('[role=option]').forEach((el, j) => el.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', `search-opt-${i}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (r) => {
    show(false);
    input.value = '';
    input.blur();
    location.hash = recordHash(r.collection, r.code);
  };
  const render = (data) => {
    results = data.results;
    clear(list).append(
      ...results.map((r, i) =>
        h(
          'li',
          { id: `search-opt-${i}`, role: 'option', 'aria-selected': 'false', class: 'search-result', dataset: { collection: r.collection, code: r.code }, onmousedown: (e) => (e.preventDefault(), choose(r)) },
          h('span', { class: 'search-name' }, r.name || r.code),
          h('span', { class: 'search-meta muted' }, r.name ? `${layerTitle(r.collection)} · ${r.code}` : layerTitle(r.collection), r.state !== 'approved' ? ` · ${t(`state.${r.state}`)}` : ''),
        ),
      ),
      results.length === 0 ? h('li', { class: 'search-none muted', id: 'search-none' }, t('find.none')) : null,
      data.numberMatched > results.length ? h('li', { class: 'search-more muted small' }, t('find.more', { n: data.numberMatched - results.length })) : null,
    );
    setActive(results.length ? 0 : -1);
    show(true);
  };
  const ask = async () => {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) {
      show(false);
      return;
    }
    try {
      const data = await get(`/search?${new URLSearchParams({ q, limit: String(LIMIT) })}`);
      if (mine === asked) render(data);
    } catch (e) {
      if (mine !== asked) return;
      clear(list).append(h('li', { class: 'search-none error' }, e.message));
      show(true);
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && results.length) setActive((active + 1) % results.length);
    else if (e.key === 'ArrowUp' && results.length) setActive((active - 1 + results.length) % results.length);
    else if (e.key === 'Enter' && active >= 0 && !list.hidden) choose(results[active]);
    else if (e.key === 'Escape') show(false);
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  input.addEventListener('blur', () => setTimeout(() => show(false), 150));
  input.addEventListener('focus', () => input.value.trim() && results.length && show(true));
  return h('div', { class: 'search', role: 'search' }, input, list);
}
