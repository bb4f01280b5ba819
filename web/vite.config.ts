import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web UI. `npm run build:web` writes web/dist, which the API serves at /. During development run
 * `npx vite --config web/vite.config.ts` next to `thirdwatch serve --port 8095`: /api is proxied there.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    proxy: { '/api': `http://127.0.0.1:${process.env.THIRDWATCH_DEV_API_PORT ?? '8095'}` },
  },
});
