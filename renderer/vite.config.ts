import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The config itself runs under Node, but renderer/ lints as page code: import.meta.dirname keeps
// it free of node: imports.
const here = import.meta.dirname;

// base './' so the same build loads from the Electron app scheme and from the browser-mode server.
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  // The training worker (renderer/training/worker-main.ts, with tfjs and tfjs-backend-webgpu) is a
  // module worker: its chunks load as ES modules, which classic (iife) workers cannot split into.
  worker: { format: 'es' },
  build: {
    outDir: `${here}/../out/renderer`,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
