// Importing a file: POST /import/{kind}?filename=NAME.EXT with the file's
// bytes as the body — the same import as `demine import` (the same checks,
// repairs and rejects), except that the records enter as submitted and wait
// for an approver. A file is dropped on the page or chosen with the file
// picker (tablets); the upload shows its progress (XMLHttpRequest: fetch
// cannot report it), then the report: counts, the rejected rows with their
// reasons, the warnings and a link to the records waiting for review.

import { session, can, get, refreshMe } from './api.js';
import { h, clear, toast } from './dom.js';
import { t, fmtNumber, fmtBytes } from './i18n.js';

// what GDAL reads from one file (a Shapefile is several files: not here)
export const FORMATS = ['.geojson', '.json', '.gpkg', '.csv', '.kml', '.gpx', '.xlsx'];
export const MAX_BYTES = 8 * 1024 * 1024; // the server's limit for a body
// kinds an editor imports into; victims and casualty rows (accidents and
// their victims) hold personal data: only for roles that read it
const KINDS = ['hazards', 'releases', 'eo-items', 'accidents', 'settlements', 'activities', 'infrastructure'];
const PERSONAL_KINDS = ['victims', 'casualties'];

let root;
let file = null;
let report = null; // the last answer, kept while the view is left and opened again (for its user only)

export function initImport(el) {
  root = el;
}

function kinds() {
  return can('read_personal') ? [...KINDS, ...PERSONAL_KINDS] : KINDS;
}

function extOf(name) {
  const m = /\.[^.]+$/.exec(name || '');
  return m ? m[0].toLowerCase() : '';
}

// why a file cannot be sent, or ''
export function fileProblem(f) {
  if (!f) return t('import.noFile');
  const ext = extOf(f.name);
  if (ext === '.zip' || ext === '.shp' || ext === '.dbf' || ext === '.shx') return t('import.shapefile');
  if (!FORMATS.includes(ext)) return t('import.badFormat', { ext: ext || '?', formats: FORMATS.join(', ') });
  if (f.size === 0) return t('import.empty');
  if (f.size > MAX_BYTES) return t('import.tooLarge', { size: fmtBytes(f.size), max: fmtBytes(MAX_BYTES) });
  return '';
}

// The server takes a plain name; anything else in the name becomes "_".
function serverName(name) {
  const ext = extOf(name);
  let base = name.slice(0, name.length - ext.length).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  if (!base) base = 'upload';
  return (base.slice(0, 180) + ext).replace(/^\.+/, '');
}

// "target=source" lines (or commas) → the list the server reads; throws a
// message naming the line that is not understood.
export function pairs(text, what) {
  const out = [];
  const lines = String(text || '')
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const l of lines) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(l);
    if (!m || (what === 'map' && !m[2])) throw new Error(t(what === 'map' ? 'import.badMapLine' : 'import.badSetLine', { line: l }));
    out.push(`${m[1]}=${m[2].trim()}`);
  }
  return out.join(',');
}

export function renderImport() {
  if (!root) return;
  // another login: the last report and file were someone else's
  if (report && report.user !== session.user) {
    report = null;
    file = null;
  }
  if (!can('write')) {
    clear(root).append(h('h1', {}, t('import.title')), h('p', { class: 'error', id: 'import-denied' }, session.token ? t('import.notAllowed') : t('import.loginNeeded')));
    return;
  }
  const kindSel = h(
    'select',
    { id: 'import-kind', name: 'kind', onchange: () => showFields() },
    kinds().map((k) => h('option', { value: k }, t(`collections.${k}`))),
  );
  const fileInput = h('input', {
    type: 'file',
    id: 'import-file',
    class: 'visually-hidden',
    accept: FORMATS.join(','),
    onchange: (e) => choose(e.target.files[0]),
  });
  const fileLine = h('p', { class: 'drop-file', id: 'import-chosen' });
  const fileErr = h('p', { class: 'form-error', role: 'alert', id: 'import-file-error' });
  const drop = h(
    'div',
    {
      class: 'dropzone',
      id: 'import-drop',
      ondragenter: over,
      ondragover: over,
      ondragleave: () => drop.classList.remove('over'),
      ondrop: (e) => {
        e.preventDefault();
        drop.classList.remove('over');
        const files = e.dataTransfer?.files;
        if (!files || !files.length) return;
        if (files.length > 1) {
          fileErr.textContent = t('import.oneFile');
          return;
        }
        choose(files[0]);
      },
    },
    h('div', { class: 'drop-icon', 'aria-hidden': 'true' }, '⤓'),
    h('p', { class: 'drop-title' }, t('import.dropHere')),
    h('p', {}, h('label', { class: 'btn', for: 'import-file', id: 'import-pick', tabindex: '0', role: 'button', onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), fileInput.click()) }, t('import.choose')), fileInput),
    h('p', { class: 'muted small' }, t('import.formats', { formats: FORMATS.join(', '), max: fmtBytes(MAX_BYTES) })),
    h('p', { class: 'muted small' }, t('import.shapefileHint')),
    fileLine,
  );
  const mapText = h('textarea', { id: 'import-map', rows: 3, placeholder: t('import.mapHint'), spellcheck: 'false' });
  const setText = h('textarea', { id: 'import-set', rows: 2, placeholder: t('import.setHint'), spellcheck: 'false' });
  const fieldsNote = h('p', { class: 'muted small', id: 'import-fields' });
  const optErr = h('p', { class: 'form-error', role: 'alert', id: 'import-options-error' });
  const progress = h('progress', { id: 'import-progress', max: 100, value: 0 });
  const progressText = h('span', { class: 'small', id: 'import-progress-text' });
  const progressBox = h('div', { class: 'progress-box', hidden: true }, progress, progressText);
  const submitBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'import-submit', disabled: true }, t('import.submit'));
  const cancelBtn = h('button', { type: 'button', class: 'btn btn-quiet', id: 'import-cancel', hidden: true }, t('import.cancel'));
  const errBox = h('div', { class: 'import-error', role: 'alert', id: 'import-error' });
  const out = h('div', { id: 'import-result', 'aria-live': 'polite' });

  const form = h(
    'form',
    {
      class: 'import-form',
      id: 'import-form',
      novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        upload();
      },
    },
    h('label', { class: 'field', for: 'import-kind' }, h('span', { class: 'label' }, t('import.kind')), kindSel, kinds().includes('casualties') && h('span', { class: 'muted small' }, t('import.kindNote'))),
    drop,
    fileErr,
    h(
      'details',
      { class: 'options', id: 'import-options' },
      h('summary', {}, t('import.options')),
      h('p', { class: 'muted small' }, t('import.optionsNote')),
      h('label', { class: 'field', for: 'import-map' }, h('span', { class: 'label' }, t('import.map')), mapText),
      h('label', { class: 'field', for: 'import-set' }, h('span', { class: 'label' }, t('import.set')), setText),
      fieldsNote,
      optErr,
    ),
    h('p', { class: 'muted small' }, t('import.stateNote')),
    h('div', { class: 'actions' }, submitBtn, cancelBtn),
    progressBox,
    errBox,
  );
  clear(root).append(
    h('h1', {}, t('import.title')),
    h('p', { class: 'lead' }, t('import.intro')),
    h('div', { class: 'import-layout' }, form, out),
  );
  if (file) choose(file);
  if (report) showReport(report.data, report.kind, out);
  showFields();

  function over(e) {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    drop.classList.add('over');
  }

  function choose(f) {
    fileErr.textContent = '';
    errBox.textContent = '';
    const why = fileProblem(f);
    if (why) {
      file = null;
      fileErr.textContent = why;
      fileLine.textContent = '';
      drop.classList.remove('has-file');
      submitBtn.disabled = true;
      return;
    }
    file = f;
    clear(fileLine).append(h('strong', {}, f.name), ` · ${fmtBytes(f.size)}`);
    drop.classList.add('has-file');
    submitBtn.disabled = false;
  }

  async function showFields() {
    const kind = kindSel.value;
    fieldsNote.textContent = '';
    if (kind === 'casualties') {
      fieldsNote.textContent = t('import.casualtyFields');
      return;
    }
    try {
      const s = await get(`/collections/${kind}/queryables`, { accept: 'application/schema+json' });
      if (kindSel.value !== kind) return;
      const names = Object.keys(s.properties || {}).filter((n) => !['code', 'state', 'version', 'geometry'].includes(n));
      if (kind === 'victims') names.push('name', 'address');
      fieldsNote.textContent = t('import.fieldsOf', { kind: t(`collections.${kind}`), fields: names.join(', ') });
    } catch {
      /* only a hint */
    }
  }

  function upload() {
    errBox.textContent = '';
    optErr.textContent = '';
    const why = fileProblem(file);
    if (why) {
      fileErr.textContent = why;
      return;
    }
    const kind = kindSel.value;
    const qs = new URLSearchParams({ filename: serverName(file.name) });
    try {
      const m = pairs(mapText.value, 'map');
      const s = pairs(setText.value, 'set');
      if (m) qs.set('map', m);
      if (s) qs.set('set', s);
    } catch (e) {
      form.querySelector('#import-options').open = true;
      optErr.textContent = e.message;
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/import/${encodeURIComponent(kind)}?${qs}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (session.token) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    const busy = (on) => {
      submitBtn.disabled = on;
      kindSel.disabled = on;
      cancelBtn.hidden = !on;
      progressBox.hidden = !on;
      form.classList.toggle('busy', on);
    };
    busy(true);
    progress.value = 0;
    progress.max = 100;
    progressText.textContent = t('import.sending', { pct: 0 });
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((100 * e.loaded) / e.total);
      progress.value = pct;
      progressText.textContent = t('import.sending', { pct });
    };
    xhr.upload.onload = () => {
      // the bytes are there: the server reads and checks the file now
      progress.removeAttribute('value');
      progressText.textContent = t('import.checking');
    };
    cancelBtn.onclick = () => xhr.abort();
    xhr.onabort = () => {
      busy(false);
      errBox.textContent = t('import.aborted');
    };
    xhr.onerror = () => {
      busy(false);
      errBox.textContent = t('import.network');
    };
    xhr.onload = () => {
      busy(false);
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: said below by the status */
      }
      if (xhr.status === 200 && data) {
        report = { data, kind, user: session.user };
        showReport(data, kind, out);
        toast(t(data.imported === 1 ? 'import.doneOne' : 'import.done', { n: fmtNumber(data.imported ?? 0) }), data.rejected ? 'info' : 'ok');
        if (data.imported) document.dispatchEvent(new CustomEvent('demine:changed', { detail: { collection: kind } }));
        return;
      }
      const detail = data && (data.detail || data.title);
      const why = {
        400: t('import.refused'),
        401: t('import.loginNeeded'),
        403: t('import.forbidden'),
        409: t('import.conflict'),
        413: t('import.tooLargeServer', { max: fmtBytes(MAX_BYTES) }),
        415: t('import.refused'),
      }[xhr.status];
      clear(errBox).append(
        h('strong', {}, why || t('import.failed', { status: xhr.status })),
        detail && h('span', { class: 'detail', id: 'import-error-detail' }, detail),
        h('span', { class: 'muted small' }, t('import.nothingChanged')),
      );
      if (xhr.status === 401) refreshMe();
    };
    xhr.send(file);
  }
}

function count(id, label, value, cls) {
  return h('div', { class: `kpi ${cls || ''}`, id, dataset: { value: String(value ?? 0) } }, h('span', { class: 'kpi-label' }, label), h('span', { class: 'kpi-value' }, fmtNumber(value ?? 0)));
}

function showReport(d, kind, box) {
  const rejects = Array.isArray(d.rejects) ? d.rejects : [];
  const total = d.rejects_total ?? rejects.length;
  const warnings = Array.isArray(d.warnings) ? d.warnings : [];
  const reviewHash = `#/review?${new URLSearchParams(kind === 'casualties' ? { by: session.user } : { collection: kind, by: session.user })}`;
  clear(box).append(
    h(
      'section',
      { class: 'import-report', id: 'import-report', dataset: { imported: String(d.imported ?? 0), rejected: String(d.rejected ?? 0) } },
      h('div', { class: 'eyebrow' }, t(`collections.${d.kind || kind}`)),
      h('h2', {}, t('import.reportTitle', { file: d.file || '' })),
      h(
        'div',
        { class: 'kpis' },
        count('import-rows', t('import.rows'), d.rows),
        count('import-imported', t('import.imported'), d.imported, 'good'),
        count('import-rejected', t('import.rejected'), d.rejected, d.rejected ? 'bad' : ''),
        count('import-repaired', t('import.repaired'), d.repaired),
        d.present ? count('import-present', t('import.present'), d.present) : null,
        d.changed ? count('import-changed', t('import.changed'), d.changed, 'good') : null,
        d.duplicates ? count('import-duplicates', t('import.duplicates'), d.duplicates) : null,
      ),
      d.imported_before &&
        h('p', { class: 'note-box', id: 'import-before' }, t('import.importedBefore', { date: String(d.imported_before.at || '').slice(0, 10), who: d.imported_before.who || '', n: fmtNumber(d.imported_before.import) })),
      d.imported || d.changed
        ? h('p', { class: 'note-box' }, t(d.imported === 1 ? 'import.waitingOne' : 'import.waiting', { n: fmtNumber(d.imported) }), ' ', h('a', { href: reviewHash, id: 'import-review-link' }, t('import.reviewLink')))
        : h('p', { class: 'note-box warn' }, t('import.noneImported')),
      rejects.length > 0 &&
        h(
          'div',
          {},
          h('h3', {}, t('import.rejectsTitle')),
          total > rejects.length && h('p', { class: 'muted small' }, t('import.rejectsShown', { shown: fmtNumber(rejects.length), total: fmtNumber(total) })),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'data', id: 'import-rejects' },
              h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, t('import.row')), h('th', { scope: 'col' }, t('import.reason')))),
              h('tbody', {}, rejects.map((r) => h('tr', { dataset: { row: String(r.row) } }, h('td', { class: 'num' }, String(r.row)), h('td', {}, r.reason)))),
            ),
          ),
          h('p', { class: 'muted small' }, t('import.rowNote')),
          h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', id: 'import-rejects-save', onclick: () => saveRejects(rejects, d.file) }, t('import.saveRejects'))),
        ),
      warnings.length > 0 && h('div', {}, h('h3', {}, t('import.warnings')), h('ul', { class: 'warnings', id: 'import-warnings' }, warnings.map((w) => h('li', {}, w)))),
    ),
  );
}

// The rejects as the CLI writes them (row,reason), to fix and import again.
function saveRejects(rejects, name) {
  const q = (s) => `"${String(s).replace(/"/g, '""')}"`;
  const csv = ['row,reason', ...rejects.map((r) => `${r.row},${q(r.reason)}`)].join('\n') + '\n';
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const a = h('a', { href: url, download: `${(name || 'import').replace(/\.[^.]+$/, '')}-rejects.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
