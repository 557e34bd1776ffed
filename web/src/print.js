// Printing the map and the dashboard (until the reports give real PDFs):
// the print stylesheet (style.css, @media print) drops the navigation and
// lays the view out for A4. The map is a WebGL canvas whose drawing buffer
// is not kept between frames, so before printing it is drawn once more and
// copied, in the same task, into an image that the page prints in its place;
// the charts are redrawn at the printed width.

import { map } from './map.js';

let snapshot = null;

function beforePrint() {
  if (map && !document.getElementById('view-map').hidden) {
    try {
      map.redraw(); // a synchronous frame: its buffer is still there to copy
      snapshot ??= Object.assign(document.createElement('img'), { id: 'map-print', alt: '' });
      snapshot.src = map.getCanvas().toDataURL('image/png');
      document.getElementById('view-map').append(snapshot);
    } catch {
      snapshot?.remove(); // the canvas itself is printed then
    }
  }
  document.dispatchEvent(new CustomEvent('demine:print', { detail: { printing: true } }));
}

function afterPrint() {
  snapshot?.remove();
  document.dispatchEvent(new CustomEvent('demine:print', { detail: { printing: false } }));
}

export function initPrint() {
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);
}
