import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console is served by admin-api under /console, from dist/console (no inline scripts: a strict CSP holds). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // No source maps in the build that is served (admin-api serves dist/console as it is): the console's source is
    // nobody's business in production.
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
});
