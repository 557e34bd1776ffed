// Talking to `demine serve`: same origin only, bearer token from the login
// kept in sessionStorage (gone when the tab closes), problem details
// (RFC 9457) turned into errors a user can read.

const TOKEN_KEY = 'demine.token'; // index.html's early requests read it too

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  user: '',
  role: 'anonymous',
  actions: [],
};

const listeners = new Set();
export function onSessionChange(fn) {
  listeners.add(fn);
}
function changed() {
  // the published figures are the same for every role, so a login keeps them
  for (const fn of listeners) fn(session);
}

export class ApiError extends Error {
  constructor(status, problem, fallback) {
    const detail = problem && typeof problem === 'object' ? problem.detail || problem.title : null;
    super(detail || fallback || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// A GET that index.html started before this script ran (window.demineEarly,
// keyed by path), taken once: later asks of the same path fetch anew.
function early(path, method) {
  const started = window.demineEarly;
  if (method !== 'GET' || !started || !(path in started)) return null;
  const res = started[path];
  delete started[path];
  return res;
}

// fetch with the token; returns {data, res}. Throws ApiError on HTTP errors.
export async function request(path, { method = 'GET', body, headers = {}, signal, accept } = {}) {
  const h = { Accept: accept || 'application/json, application/geo+json;q=0.9', ...headers };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  const res = await (early(path, method) || fetch(path, { method, body, headers: h, signal, cache: 'no-store' }));
  const type = res.headers.get('content-type') || '';
  let data = null;
  if (res.status !== 204 && method !== 'HEAD') {
    data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  }
  if (res.status === 401 && session.token && !path.startsWith('/auth/token')) {
    // the token expired or was revoked: back to anonymous
    setToken(null);
  }
  if (!res.ok) throw new ApiError(res.status, data, res.statusText);
  return { data, res };
}

// A file (a report, a chart) with the token: {blob, type, name}, name being
// the one the server gives (Content-Disposition) or ''. Throws ApiError
// with the problem details on HTTP errors.
export async function fetchFile(path) {
  const headers = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  const res = await fetch(path, { headers, cache: 'no-store' });
  const type = res.headers.get('content-type') || '';
  if (!res.ok) {
    const problem = type.includes('json') ? await res.json().catch(() => null) : null;
    if (res.status === 401 && session.token) setToken(null);
    throw new ApiError(res.status, problem, res.statusText);
  }
  const name = (res.headers.get('content-disposition') || '').match(/filename="?([^";]+)"?/)?.[1] || '';
  return { blob: await res.blob(), type, name };
}

export async function get(path, opts) {
  return (await request(path, opts)).data;
}

// A collection's queryables (JSON Schema of its properties: types, lists of
// values, ranges), asked once.
const schemas = {};
export function queryables(collection) {
  if (!schemas[collection]) {
    schemas[collection] = get(`/collections/${collection}/queryables`, { accept: 'application/schema+json' });
    schemas[collection].catch(() => delete schemas[collection]);
  }
  return schemas[collection];
}

// Figures (/stats/*) asked once per URL: the same URL gives the same answer
// until the data changes (forgetStats, after every change made here).
const statsCache = new Map();
export function getStats(path) {
  if (!statsCache.has(path)) {
    const p = get(path);
    p.catch(() => statsCache.delete(path));
    statsCache.set(path, p);
  }
  return statsCache.get(path);
}
export function forgetStats() {
  statsCache.clear();
}

function setToken(token) {
  session.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  if (!token) {
    session.user = '';
    session.role = 'anonymous';
    session.actions = [];
    changed();
  }
}

export async function login(user, password) {
  const body = new URLSearchParams({ user, password });
  const { data } = await request('/auth/token', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  setToken(data.access_token);
  await refreshMe(user);
}

export async function logout() {
  try {
    if (session.token) await request('/auth/token', { method: 'DELETE' });
  } catch {
    /* the token is forgotten here whatever the server says */
  }
  setToken(null);
}

// Who the token belongs to: GET /auth/me → {user, role, actions}.
export async function refreshMe(fallbackUser) {
  if (!session.token) {
    changed();
    return;
  }
  try {
    const me = await get('/auth/me');
    session.user = me.user || fallbackUser || '';
    session.role = me.role || 'unknown';
    session.actions = Array.isArray(me.actions) ? me.actions : [];
  } catch (e) {
    if (e.status === 401) return; // setToken(null) already told everyone
    // a server without /auth/me: logged in, role unknown
    session.user = fallbackUser || session.user || '';
    session.role = 'unknown';
    session.actions = [];
  }
  changed();
}

export function can(action) {
  return session.actions.includes(action);
}

// Every feature of a collection matching params, page after page through the
// `next` links; onPage(features, page) is called as pages arrive.
export async function allFeatures(collection, params, { signal, onPage, pageSize = 5000 } = {}) {
  const qs = new URLSearchParams({ limit: String(pageSize), ...params });
  let url = `/collections/${collection}/items?${qs}`;
  const features = [];
  let matched = 0;
  let page = 0;
  while (url) {
    const data = await get(url, { signal, accept: 'application/geo+json' });
    matched = data.numberMatched ?? features.length + data.features.length;
    features.push(...data.features);
    if (onPage) onPage(features, page++, matched);
    const next = (data.links || []).find((l) => l.rel === 'next');
    url = next ? sameOrigin(next.href) : null;
  }
  return { features, matched };
}

// next links carry the Host the server saw; keep to this origin whatever it is
function sameOrigin(href) {
  const u = new URL(href, location.href);
  return u.pathname + u.search;
}
