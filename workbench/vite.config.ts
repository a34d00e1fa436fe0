// The workbench's production build: static files in dist/, served by the gateway at /workbench/.
// JSX goes through Vite's own transform (oxc), so no React plugin is needed for a build; the
// app has no inline scripts or styles, which the gateway's Content-Security-Policy forbids.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/workbench/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // A strict CSP refuses data: scripts and inline styles: keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
