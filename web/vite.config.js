// The browser UI is served by `demine serve` under /ui/ (and its page at "/"
// for browsers): every asset is bundled here, nothing is fetched from outside.
import { defineConfig } from 'vite';

const BASE = '/ui/';
const WORKER_PLACEHOLDER = '__MAP_WORKER_URL__';

// index.html starts the map's web worker while the app's script still
// loads: the worker's file name (hashed by the build) is written into the
// page's inline script in place of the placeholder.
function mapWorkerUrl() {
  return {
    name: 'demine-map-worker-url',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const worker = Object.values(ctx.bundle || {}).find((f) => /maplibre-gl-csp-worker-[\w-]+\.js$/.test(f.fileName));
        if (!worker) throw new Error("the build has no MapLibre worker file: map.js imports it with '?url'");
        if (!html.includes(WORKER_PLACEHOLDER)) throw new Error(`index.html has no ${WORKER_PLACEHOLDER}`);
        return html.replace(WORKER_PLACEHOLDER, BASE + worker.fileName);
      },
    },
  };
}

export default defineConfig({
  base: BASE,
  // MapLibre's build with its worker in a file of its own (not a blob made
  // from the main script), so that the page can start the worker early
  resolve: { alias: [{ find: /^maplibre-gl$/, replacement: 'maplibre-gl/dist/maplibre-gl-csp.js' }] },
  plugins: [mapWorkerUrl()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
