// The browser UI is served by `demine serve` under /ui/ (and its page at "/"
// for browsers): every asset is bundled here, nothing is fetched from outside.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
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
