import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The console's single-page app. `npm run build` writes it to dist/apps/console/web, which the console
// service serves; `npx vite --config apps/console/web/vite.config.ts` serves it with hot reload and
// forwards /api to a console running on :8090.
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  resolve: { alias: { '@firebreak/contracts': here('../../../libs/contracts/src/browser.ts') } },
  build: {
    outDir: here('../../../dist/apps/console/web'),
    emptyOutDir: true,
    // The console serves its build to anyone who reaches it: no source maps in it.
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8090' } },
});
