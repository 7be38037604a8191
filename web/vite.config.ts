import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The client is served by the backend at `/`, under a content-security policy that allows no
// inline script: nothing is inlined, and hashed assets live under /assets/ (cached for good).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    // The SDK is built from its sources, as part of the client.
    alias: { '@messenger/sdk': fileURLToPath(new URL('../sdk/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
  server: {
    // `npm run dev -w web` beside `npm run dev`: the API on :8000, the client with hot reload on :5173.
    proxy: { '/api': { target: 'http://localhost:8000', ws: true }, '/files': 'http://localhost:8000', '/dev': 'http://localhost:8000' },
  },
});
