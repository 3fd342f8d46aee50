import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const r = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The renderer is one static bundle served by the web host (http://127.0.0.1) and by Electron's
// app:// protocol. base './' keeps asset URLs relative so both work; nothing is inlined, so the
// CSP needs no 'unsafe-inline' for scripts.
export default defineConfig({
  root: r('./renderer'),
  base: './',
  plugins: [react()],
  // Test hooks (window.__droverTerminals) only in test builds: scripts/build.mjs --test-hooks
  // sets this to true; everywhere else the code under `if (__DROVER_TEST_HOOKS__)` is dropped.
  define: { __DROVER_TEST_HOOKS__: 'false' },
  resolve: { alias: { '@contract': r('./main/contract') } },
  build: {
    outDir: r('./dist/renderer'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
    sourcemap: true,
  },
  logLevel: 'warn',
});
