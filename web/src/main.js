// demine's browser UI: a map, a dashboard, the planning view and the review
// queue over the server's OGC API - Features and its /stats/* and /plan/*
// JSON API. Views are chosen by the URL's hash (#/map, #/dashboard, #/plan,
// #/review, #/import, #/reports) so links and the back button work.

import './style.css';
import { session, login, logout, refreshMe, onSessionChange, can, get, forgetStats } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, translate, languages, language, setLanguage } from './i18n.js';
import { createMap, prefetch, sessionChanged, refresh, renderPanel, resize, zoomTo, onLayerLoaded, mapView, setMapView } from './map.js';
import { renderFilters, loadOptions, onFilterChange, optionsFromLayer, filter, setFilter } from './filters.js';
import { initDetail, showRecord, closePanel } from './detail.js';
import { initRecords, renderRecords, recordsFilterChanged, recordsSessionChanged } from './records.js';
import { initReview, renderReview } from './review.js';
import { initImport, renderImport } from './import.js';
import { initReports, renderReports } from './reports.js';
// ---- finding records: the search box, record URLs, the filter's admin area in view ----
import { searchBox, recordRoute } from './find.js';
import { fitBox, mapLoaded } from './map.js';
import { bounds } from './geom.js';
// rec: the record the URL names (opened, zoomed), or null: the panel of the
// record the URL named before (oldUrl: back, or the Map tab) is closed, if
// it still shows that record (not a form or a chooser opened since)
function routeRecord(rec, oldUrl) {
  if (rec) return mapLoaded.then(() => showRecord(rec.collection, rec.code, { zoom: true }));
  const old = oldUrl && recordRoute(new URL(oldUrl).hash);
  if (old && document.getElementById('record-code')?.textContent === old.code) closePanel();
}
let shownAdmin = '';
function zoomToAdmin() {
  if (filter.admin === shownAdmin) return;
  shownAdmin = filter.admin;
  if (filter.adminGeometry) mapLoaded.then(() => fitBox(bounds(filter.adminGeometry)));
}
// ---- end of finding records ----
import { initPrint } from './print.js'; // the map and dashboard printed

// the data starts loading before anything else
const collections = prefetch();
const config = get('/ui/config.json').catch(() => ({ basemap: null }));

// the dashboard (and its chart library) is loaded when first opened
let dashboard = null;
async function renderDashboard() {
  if (!dashboard) {
    dashboard = await import('./dashboard.js');
    dashboard.initDashboard(document.getElementById('dashboard'));
  }
  return dashboard.renderDashboard();
}
import { openNew } from './form.js';

// the planning view, loaded when first opened too
let plan = null;
async function renderPlan() {
  if (!plan) {
    plan = await import('./plan.js');
    plan.initPlan(document.getElementById('plan'), document.getElementById('plan-legend'));
  }
  if (view === 'plan') return plan.renderPlan(location.hash);
}
function leavePlan() {
  plan?.leavePlan();
}

const app = document.getElementById('app');

// A new language takes a reload (every text and number is written once, as
// the views are made); what the user was looking at is kept across it: the
// view (the URL's hash), the login (sessionStorage), the filter and where
// the map looks.
const KEEP = 'demine.keep';
const kept = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(KEEP) || 'null');
  } catch {
    return null;
  } finally {
    sessionStorage.removeItem(KEEP);
  }
})();

function switchLanguage(code) {
  if (code === language()) return;
  const { admin, adminName, from, to, org, status } = filter;
  sessionStorage.setItem(KEEP, JSON.stringify({ filter: { admin, adminName, from, to, org, status }, map: mapView() }));
  setLanguage(code);
  location.reload();
}

// The language switch: every language's name in its own language (codes on
// a phone's narrow header).
function languageSwitch() {
  const narrow = window.matchMedia('(max-width: 640px)').matches;
  return h(
    'select',
    { id: 'lang', 'aria-label': t('nav.languageShort'), title: t('nav.languageShort'), onchange: (e) => switchLanguage(e.target.value) },
    languages().map((l) => h('option', { value: l.code, lang: l.code, selected: l.code === language() }, narrow ? l.code.toUpperCase() : l.name)),
  );
}

function layout() {
  clear(app).append(
    h('a', { class: 'skip', href: '#main' }, t('nav.skip')),
    h(
      'header',
      { class: 'topbar' },
      h('button', { type: 'button', class: 'btn-icon menu', id: 'menu-toggle', 'aria-controls': 'sidebar', 'aria-expanded': 'false', 'aria-label': t('nav.filters'), onclick: toggleSidebar }, '☰'),
      h('a', { class: 'brand', href: '#/map' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-name' }, 'demine')),
      h(
        'nav',
        { class: 'tabs', 'aria-label': t('nav.views') },
        h('a', { href: '#/map', id: 'nav-map' }, t('nav.map')),
        h('a', { href: '#/dashboard', id: 'nav-dashboard' }, t('nav.dashboard')),
        h('a', { href: '#/records/hazards', id: 'nav-records' }, t('nav.records')),
        h('a', { href: '#/plan', id: 'nav-plan', hidden: true }, t('nav.plan')),
        h('a', { href: '#/review', id: 'nav-review', hidden: true }, t('nav.review')),
        h('a', { href: '#/import', id: 'nav-import', hidden: true }, t('nav.import')),
        h('a', { href: '#/reports', id: 'nav-reports' }, t('nav.reports')),
      ),
      h('div', { class: 'spacer' }),
      searchBox(),
      h('button', { type: 'button', class: 'btn btn-primary', id: 'new-record', hidden: true, onclick: () => (go('map'), openNew()) }, t('nav.new')),
      h('a', { class: 'api-link', href: '/?f=html', target: '_blank', rel: 'noopener' }, t('nav.api')),
      languages().length > 1 && languageSwitch(),
      h('div', { id: 'account' }),
    ),
    h(
      'div',
      { class: 'body' },
      h('aside', { id: 'sidebar', class: 'sidebar' }, h('div', { id: 'layers', class: 'panel map-only' }), h('div', { id: 'filters', class: 'panel' })),
      h(
        'main',
        { id: 'main', tabindex: '-1' },
        h(
          'section',
          { id: 'view-map', class: 'view' },
          h('div', { id: 'map', role: 'region', 'aria-label': t('nav.map') }),
          h('div', { id: 'plan-legend', class: 'plan-legend' }),
          h('aside', { id: 'detail', class: 'detail', hidden: true, 'aria-live': 'polite' }),
        ),
        h('section', { id: 'view-dashboard', class: 'view', hidden: true }, h('div', { id: 'dashboard' })),
        h('section', { id: 'view-records', class: 'view', hidden: true }, h('div', { id: 'records', class: 'records' })),
        h('section', { id: 'view-plan', class: 'view', hidden: true, 'aria-label': t('nav.plan') }, h('div', { id: 'plan' })),
        h('section', { id: 'view-review', class: 'view', hidden: true }, h('div', { id: 'review' })),
        h('section', { id: 'view-import', class: 'view', hidden: true }, h('div', { id: 'import' })),
        h('section', { id: 'view-reports', class: 'view', hidden: true }, h('div', { id: 'reports' })),
      ),
    ),
    h('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite' }),
    loginDialog(),
  );
  translate(app);
}

function toggleSidebar() {
  const open = document.body.classList.toggle('sidebar-open');
  document.getElementById('menu-toggle').setAttribute('aria-expanded', String(open));
  setTimeout(resize, 250);
}

function loginDialog() {
  const err = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const dlg = h(
    'dialog',
    { id: 'login-dialog', 'aria-labelledby': 'login-title' },
    h(
      'form',
      {
        method: 'dialog',
        id: 'login-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const f = e.target;
          err.textContent = '';
          f.querySelector('button[type=submit]').disabled = true;
          try {
            await login(f.user.value.trim(), f.password.value);
            f.password.value = '';
            dlg.close();
            toast(t('login.welcome', { user: session.user }), 'ok');
          } catch (ex) {
            err.textContent = ex.status === 401 ? t('login.failed') : ex.message;
          }
          f.querySelector('button[type=submit]').disabled = false;
        },
      },
      h('h2', { id: 'login-title' }, t('login.title')),
      h('label', { class: 'field', for: 'login-user' }, h('span', { class: 'label' }, t('login.user')), h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' })),
      h('label', { class: 'field', for: 'login-password' }, h('span', { class: 'label' }, t('login.password')), h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      err,
      h('p', { class: 'muted small' }, t('login.note')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, t('login.submit')), h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => dlg.close() }, t('common.cancel'))),
    ),
  );
  return dlg;
}

function renderAccount() {
  const box = document.getElementById('account');
  if (!box) return;
  if (session.token) {
    clear(box).append(
      h('span', { class: 'user', id: 'user-name' }, session.user || '?', h('span', { class: 'role' }, t(`roles.${session.role}`))),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-quiet',
          id: 'logout',
          onclick: async () => {
            await logout();
            toast(t('login.bye'));
          },
        },
        t('login.logout'),
      ),
    );
  } else {
    clear(box).append(h('button', { type: 'button', class: 'btn', id: 'login', onclick: () => document.getElementById('login-dialog').showModal() }, t('login.open')));
  }
  document.getElementById('nav-plan').hidden = !can('read');
  document.getElementById('nav-review').hidden = !(can('approve') || can('write'));
  document.getElementById('nav-import').hidden = !can('write');
  document.body.classList.toggle('editor', can('write'));
  document.getElementById('new-record').hidden = !can('write');
}

const VIEWS = ['map', 'dashboard', 'records', 'plan', 'review', 'import', 'reports'];
let view = 'map';
function go(name) {
  if (location.hash !== `#/${name}`) location.hash = `#/${name}`;
  else route();
}

function route(e) {
  const rec = recordRoute(location.hash);
  const name = rec ? 'map' : (location.hash.match(/^#\/(\w+)/) || [])[1] || 'map';
  const was = view;
  view = VIEWS.includes(name) ? name : 'map';
  if (was === 'plan' && view !== 'plan') leavePlan();
  for (const v of VIEWS) {
    // the planning view has the map beside its lists
    document.getElementById(`view-${v}`).hidden = v !== view && !(v === 'map' && view === 'plan');
    const link = document.getElementById(`nav-${v}`);
    if (v === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
  if (view === 'map' || view === 'plan') setTimeout(resize, 0);
  if (view === 'dashboard') renderDashboard();
  if (view === 'records') renderRecords(location.hash);
  if (view === 'plan') renderPlan();
  if (view === 'review') renderReview();
  if (view === 'import') renderImport();
  if (view === 'reports') renderReports();
  if (view === 'map') routeRecord(rec, e?.oldURL);
}

async function main() {
  window.demine.marks.mainStart = Math.round(performance.now());
  layout();
  initDetail(document.getElementById('detail'));
  initRecords(document.getElementById('records'), (collection, code, geometry) => {
    go('map');
    setTimeout(() => {
      zoomTo(geometry);
      showRecord(collection, code);
    }, 50);
  });
  initReview(document.getElementById('review'), () => go('map'));
  initImport(document.getElementById('import'));
  initReports(document.getElementById('reports'));
  // the filter kept across a language switch (the admin area's boundary is
  // asked for again once the map is there)
  if (kept?.filter) Object.assign(filter, { ...kept.filter, admin: '' });
  initPrint();
  renderFilters(document.getElementById('filters'));
  let pending;
  onFilterChange(() => {
    zoomToAdmin();
    refresh();
    renderPanel();
    if (view === 'records') recordsFilterChanged();
    // several changes in a row (both dates) make one dashboard
    clearTimeout(pending);
    if (view === 'dashboard') pending = setTimeout(renderDashboard, 150);
  });
  onSessionChange(() => {
    renderAccount();
    sessionChanged();
    loadOptions();
    if (view === 'dashboard') renderDashboard();
    plan?.sessionChanged(view === 'plan');
    if (view === 'review') renderReview();
    if (view === 'import') renderImport();
    if (view === 'reports') renderReports();
    if (view === 'records') recordsSessionChanged();
  });
  document.addEventListener('demine:changed', () => {
    forgetStats();
    if (view === 'dashboard') renderDashboard();
  });
  window.addEventListener('hashchange', route);
  renderAccount();
  route();
  onLayerLoaded(optionsFromLayer);
  window.demine.marks.mainReady = Math.round(performance.now());
  const [bounds, cfg] = await Promise.all([collections, config]);
  await createMap(document.getElementById('map'), document.getElementById('layers'), {
    basemap: cfg.basemap,
    bounds,
    onFeature: (collection, code, opts) => showRecord(collection, code, opts),
  });
  if (kept?.map) setMapView(kept.map);
  if (kept?.filter?.admin) setFilter({ admin: kept.filter.admin, adminName: kept.filter.adminName });
  if (session.token) await refreshMe();
  // the role of a kept token is known from here (views drawn before it for
  // an unknown role are drawn again)
  window.demine.marks.sessionKnown = Math.round(performance.now());
  // after the first paint: the lists of the filter's selects
  setTimeout(loadOptions, 1500);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !document.querySelector('dialog[open]')) closePanel();
  });
}

main();

export { filter };
