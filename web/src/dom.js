// A small helper to build DOM nodes without innerHTML (record values are
// never parsed as HTML).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Empties el; .append() on the result skips null and false like h() does.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return { append: (...children) => el.append(...children.flat().filter((c) => c != null && c !== false)) };
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

// A short message at the bottom of the screen (role=status for screen readers).
let toastTimer;
export function toast(text, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = text;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.className = 'toast'), kind === 'error' ? 8000 : 4000);
}
