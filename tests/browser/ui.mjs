// The browser UI driven by headless Chromium through playwright-core, against
// a running `demine serve` (tests/e2e/ui.sh starts it). Prints "ok NAME" or
// "FAIL NAME" per check, the first paint time, and "browser: done" at the
// end; screenshots go to --out.
//
// usage: node ui.mjs --url URL --demine BIN --db DB --out DIR [--chromium BIN]
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const URL0 = args.url;
const quick = args.quick === '1'; // a sanitizer build: no dashboard (its figures take minutes there)
const origin = new URL(URL0).origin;

let failed = 0;
const ok = (name) => console.log(`ok   ${name}`);
const fail = (name, why) => {
  failed++;
  console.log(`FAIL ${name}${why ? ` (${why})` : ''}`);
};
const check = (name, cond, why) => (cond ? ok(name) : fail(name, why));
const same = (name, got, want) => check(name, got === want, `got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);

function cli(...a) {
  return JSON.parse(execFileSync(args.demine, ['stats', args.db, ...a, '--json'], { encoding: 'utf8' }));
}

let shots = 0;
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    fail(name, String(e.message || e).split('\n')[0]);
    // what the page looked like when it failed
    await page?.screenshot({ path: path.join(args.out, `failed-${++shots}.png`) }).catch(() => {});
  }
}

process.on('unhandledRejection', (e) => fail('unexpected error', String(e && e.message).split('\n')[0]));

const browser = await chromium.launch({
  executablePath: args.chromium || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});
const outside = [];
async function newPage(viewport) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, serviceWorkers: 'block' });
  // offline: anything but this server is refused (and counted)
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    outside.push(u);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  return { context, page };
}
const shot = (page, name) => page.screenshot({ path: path.join(args.out, name) });

let page;
({ page } = await newPage({ width: 1366, height: 860 }));
const errors = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

// ---- the map, anonymous ----
await step('the map loads', async () => {
  const t0 = Date.now();
  await page.goto(`${URL0}/`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.demine && window.demine.firstPaintMs != null, null, { timeout: 90000 });
  const m = await page.evaluate(() => ({ ms: window.demine.firstPaintMs, n: window.demine.hazardsLoaded }));
  console.log(`first paint: ${m.ms} ms for ${m.n} hazardous areas (${Date.now() - t0} ms wall clock)`);
  const all = cli('landrelease').hazard_count;
  same('every BiH suspected area is on the first map', m.n, all);
  const canvas = await page.$('#map canvas');
  check('the map is drawn on a canvas', Boolean(canvas));
  const count = await page.textContent('[data-count="hazards"]');
  check('the hazards layer says how many are in view', /\d/.test(count), count);
  check('other layers say a login is needed', /log in/.test(await page.textContent('[data-count="accidents"]')));
  await shot(page, '01-map.png');
});

await step('layers toggle', async () => {
  const vis = () => page.evaluate(() => window.demine.map.getLayoutProperty('hazards-fill', 'visibility'));
  same('hazards shown', await vis(), 'visible');
  await page.click('#layer-hazards');
  same('hazards hidden after the toggle', await vis(), 'none');
  await page.click('#layer-hazards');
  same('hazards shown again', await vis(), 'visible');
});

await step('the filter narrows the map', async () => {
  await page.selectOption('#filter-status', 'CHA');
  await page.waitForFunction(() => /^0\b/.test(document.querySelector('[data-count="hazards"]').textContent), null, { timeout: 20000 });
  ok('no confirmed hazardous areas in the BiH data (status=CHA)');
  await page.selectOption('#filter-status', 'released');
  same('released status hides the hazards', await page.evaluate(() => window.demine.map.getLayoutProperty('hazards-fill', 'visibility')), 'none');
  await page.selectOption('#filter-status', '');
  await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-count="hazards"]').textContent), null, { timeout: 30000 });
  ok('clearing the status brings them back');
});

await step('moving the map asks for the new view', async () => {
  // zoomed in, a filter change asks for the view only; moving away asks again
  await page.evaluate(() => window.demine.map.jumpTo({ center: [18.4, 43.85], zoom: 12 }));
  const bboxOf = (r) => new URL(r.url()).searchParams.get('bbox').split(',').map(Number);
  const isHazards = (r) => r.url().includes('/collections/hazards/items') && r.url().includes('bbox=');
  let req = page.waitForRequest(isHazards, { timeout: 20000 });
  await page.selectOption('#filter-status', 'SHA');
  const b1 = bboxOf(await req);
  check('the request is for the view (bbox)', b1[2] - b1[0] < 0.5 && b1[0] < 18.4 && b1[2] > 18.4, b1.join(','));
  check('  with the filter', (await req).url().includes('status=SHA'));
  await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-count="hazards"]').textContent), null, { timeout: 30000 });
  req = page.waitForRequest(isHazards, { timeout: 20000 });
  await page.evaluate(() => window.demine.map.jumpTo({ center: [17.2, 44.8], zoom: 12 }));
  const b2 = bboxOf(await req);
  check('moving away asks for the new view', b2[0] < 17.2 && b2[2] > 17.2, b2.join(','));
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('[data-count="hazards"]').textContent), null, { timeout: 30000 });
  await shot(page, '02-map-zoomed.png');
  await page.selectOption('#filter-status', '');
});

// ---- dashboard ----
async function dashboardReady() {
  await page.waitForFunction(() => {
    const d = document.getElementById('dashboard');
    return d.dataset.ready && document.querySelector('#kpi-casualties') && document.querySelector('#kpi-hazard-count');
  }, null, { timeout: 60000 });
}
const value = async (id) => Number(await page.getAttribute(id, 'data-value'));

if (quick) console.log('skip the dashboard: a sanitizer build computes its figures too slowly');
else await step('dashboard figures equal demine stats --json', async () => {
  await page.click('#nav-dashboard');
  await dashboardReady();
  const lr = cli('landrelease');
  same('hazardous areas', await value('#kpi-hazard-count'), lr.hazard_count);
  same('released m²', await value('#kpi-released'), lr.released_area_m2.total);
  same('cleared m²', await value('#kpi-cleared'), lr.released_area_m2.cleared);
  same('remaining m²', await value('#kpi-remaining'), lr.remaining_area_m2);
  const cas = cli('casualties');
  same('casualties', await value('#kpi-casualties'), cas.casualties);
  same('killed', await value('#kpi-killed'), cas.killed);
  same('children', await value('#kpi-children'), cas.children);
  const it = cli('items', '--by', 'category');
  same('EO items found', await value('#kpi-quantity'), it.quantity);
  check('three charts', (await page.$$('#dashboard canvas')).length === 3);
  const t0 = Date.now();
  await page.waitForFunction(() => document.getElementById('dashboard').dataset.chartReady, null, { timeout: 300000 });
  console.log(`land release progress by year: drawn ${Date.now() - t0} ms after the cards`);
  ok('the land release progress chart is drawn');
  await page.waitForTimeout(300);
  await shot(page, '03-dashboard.png');
  await page.evaluate(() => document.getElementById('view-dashboard').scrollTo(0, 700));
  await shot(page, '03b-dashboard-charts.png');
  await page.evaluate(() => document.getElementById('view-dashboard').scrollTo(0, 0));
});

if (!quick) await step('the dashboard follows the filter', async () => {
  await page.fill('#filter-from', '2000-01-01');
  await page.fill('#filter-to', '2005-12-31');
  await page.dispatchEvent('#filter-to', 'change');
  await page.waitForFunction(() => /2005-12-31/.test(document.getElementById('dash-filter').textContent));
  await dashboardReady();
  await page.waitForFunction(() => document.querySelector('#kpi-casualties'));
  const cas = cli('casualties', '--since', '2000-01-01', '--until', '2005-12-31');
  same('casualties 2000-2005', await value('#kpi-casualties'), cas.casualties);
  same('injured 2000-2005', await value('#kpi-injured'), cas.injured);
  const admin = cli('landrelease', '--by', 'admin').groups.find((g) => g.hazard_count > 0);
  await page.selectOption('#filter-admin', admin.key);
  await page.waitForFunction((name) => document.getElementById('dash-filter').textContent.includes(name), admin.name);
  await dashboardReady();
  await page.waitForFunction((v) => document.querySelector('#kpi-hazard-count')?.dataset.value === String(v), admin.hazard_count, { timeout: 20000 });
  same(`hazardous areas in ${admin.name}`, await value('#kpi-hazard-count'), admin.hazard_count);
  same(`released m² in ${admin.name}`, await value('#kpi-released'), admin.released_area_m2.total);
  const casAdmin = cli('casualties', '--by', 'admin', '--since', '2000-01-01', '--until', '2005-12-31').groups.find((g) => g.key === admin.key);
  same(`casualties in ${admin.name} 2000-2005`, await value('#kpi-casualties'), casAdmin ? casAdmin.casualties : 0);
  await shot(page, '04-dashboard-filtered.png');
  await page.click('#filter-clear');
  await dashboardReady();
});

// ---- login ----
async function logIn(user) {
  await page.click('#login');
  await page.fill('#login-user', user);
  await page.fill('#login-password', `${user}-password-1`);
  await page.click('#login-submit');
  await page.waitForSelector('#user-name', { timeout: 20000 });
}
async function logOut() {
  await page.click('#logout');
  await page.waitForSelector('#login');
}

await step('log in', async () => {
  await page.click('#login');
  await page.fill('#login-user', 'vera');
  await page.fill('#login-password', 'wrong-password-9');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  ok('a wrong password is refused with a message');
  await page.click('#login-dialog .btn-quiet');
  await logIn('vera');
  check('the token is kept in sessionStorage', Boolean(await page.evaluate(() => sessionStorage.getItem('demine.token'))));
  same('the user is shown', (await page.textContent('#user-name')).startsWith('vera'), true);
});

if (!quick) await step('the records behind a figure', async () => {
  await page.click('#kpi-casualties');
  await page.waitForFunction(() => document.getElementById('records-status')?.dataset.matched);
  const matched = Number(await page.getAttribute('#records-status', 'data-matched'));
  const cas = cli('casualties');
  same('every counted incident is listed (accidents)', matched >= cas.incidents, true);
  await shot(page, '05-records.png');
});

await step('logged in, more layers and a record with its history', async () => {
  await page.click('#nav-map');
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-count="accidents"]').textContent), null, { timeout: 30000 });
  ok('accidents readable after the login');
  // click a hazard where it is drawn
  await page.evaluate(() => window.demine.map.jumpTo({ center: [18.4, 43.85], zoom: 11 }));
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('[data-count="hazards"]').textContent));
  await page.waitForFunction(() => window.demine.map.loaded());
  const pt = await page.evaluate(() => {
    const m = window.demine.map;
    const fs = m.queryRenderedFeatures({ layers: ['hazards-fill'] });
    if (!fs.length) return null;
    const c = m.getCanvas().getBoundingClientRect();
    // probe the canvas for a pixel that hits the feature
    for (let y = 20; y < c.height; y += 12)
      for (let x = 20; x < c.width - 440; x += 12) {
        const hit = m.queryRenderedFeatures([x, y], { layers: ['hazards-fill'] });
        if (hit.length) return { x: c.left + x, y: c.top + y, code: hit[0].properties.code };
      }
    return null;
  });
  check('a hazard is drawn in view', Boolean(pt));
  await page.mouse.click(pt.x, pt.y);
  await page.waitForSelector('#record-code', { timeout: 15000 });
  same('clicking it opens its record', await page.textContent('#record-code'), pt.code);
  await page.waitForFunction(() => !/Loading/.test(document.getElementById('record-history').textContent));
  await shot(page, '06-record.png');
});

await step('log out', async () => {
  await logOut();
  same('the token is gone', await page.evaluate(() => sessionStorage.getItem('demine.token')), null);
});

// ---- writes: create, approve, the figures change ----
const hasWrites = await page.evaluate(async () => (await fetch('/auth/me')).status !== 404);
if (!hasWrites) {
  console.log('skip create/approve: this server has no write API yet (/auth/me is 404)');
} else {
  await step('an editor creates a hazardous area', async () => {
    const before = cli('landrelease').hazard_count;
    await logIn('erin');
    await page.waitForSelector('#new-record:not([hidden])', { timeout: 10000 });
    await page.click('#new-record');
    await page.click('[data-new="hazards"]');
    await page.waitForSelector('#record-form');
    await page.click('#form-submit');
    check('the form refuses a missing status', /Required/.test(await page.textContent('#f-status-err')));
    await page.selectOption('#f-status', 'CHA');
    await page.fill('#f-name', 'UI test minefield');
    await page.fill('#f-date_recorded', '2024-05-01');
    await page.fill('#geom-paste', '18.40 43.85\n18.41 43.85\n18.41 43.86\n18.40 43.86');
    await page.click('#geom-paste-apply');
    await shot(page, '07-form.png');
    await page.click('#form-submit');
    await page.waitForSelector('#record-code', { timeout: 20000 });
    const code = await page.textContent('#record-code');
    check('the new record is shown', /^HA-/.test(code), code);
    same('not counted before approval', cli('landrelease').hazard_count, before);
    await logOut();
    await logIn('alma');
    await page.click('#nav-review');
    await page.waitForSelector(`#review-table tr[data-code="${code}"]`, { timeout: 20000 });
    await page.click(`#review-table tr[data-code="${code}"] button`);
    await page.waitForSelector('#review-approve');
    await shot(page, '08-review.png');
    await page.click('#review-approve');
    await page.waitForFunction((c) => !document.querySelector(`#review-table tr[data-code="${c}"]`), code, { timeout: 20000 });
    ok('approved: gone from the queue');
    same('counted after approval (demine stats)', cli('landrelease').hazard_count, before + 1);
    if (!quick) {
      await page.click('#nav-dashboard');
      await page.waitForFunction((v) => document.querySelector('#kpi-hazard-count')?.dataset.value === String(v), before + 1, { timeout: 90000 });
      ok('the dashboard shows the new figure');
    }
    await logOut();
  });
}

// ---- tablet ----
await step('usable on a tablet', async () => {
  const { page: tab, context } = await newPage({ width: 820, height: 1180 });
  await tab.goto(`${URL0}/`);
  await tab.waitForFunction(() => window.demine && window.demine.firstPaintMs != null, null, { timeout: 90000 });
  const overflow = await tab.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  same('no sideways scrolling', overflow, false);
  await tab.click('#menu-toggle');
  await tab.waitForTimeout(400);
  check('the filter drawer opens', await tab.isVisible('#filter-status'));
  await tab.screenshot({ path: path.join(args.out, '09-tablet.png') });
  await tab.click('#menu-toggle');
  if (!quick) {
    await tab.click('#nav-dashboard');
    await tab.waitForSelector('#kpi-casualties', { timeout: 60000 });
    await tab.waitForTimeout(300);
    await tab.screenshot({ path: path.join(args.out, '10-tablet-dashboard.png'), fullPage: false });
  }
  await context.close();
});

same('no request left the server (offline)', outside.length, 0);
if (outside.length) console.log(outside.slice(0, 5).join('\n'));
check('no errors in the console', errors.filter((e) => !/401|403|404/.test(e)).length === 0, errors.slice(0, 3).join(' | '));
await browser.close();
console.log('browser: done');
process.exit(failed ? 1 : 0);
