// Builds the live view page (index.html) and the cluster-view benchmark page (bench.html)
// into live/dist/, with relative asset paths so the autoscaler can serve it under /ui/.
// The plugin itself is not in this bundle: the page loads the plugin build (dist/) at run time.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    rollupOptions: { input: { index: path.join(here, 'index.html'), bench: path.join(here, 'bench.html') } },
  },
});
