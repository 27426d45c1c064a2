import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The Command Room. `vite build --config web/vite.config.ts` writes web/dist, which `keel start`
 * serves at `/` (src/http/ui.ts). In development, `vite --config web/vite.config.ts` proxies the
 * admin API to a Keel on its default port.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Views are split per route; recharts is one shared chunk loaded only by views with charts.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8700' },
  },
});
