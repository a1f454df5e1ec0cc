// Builds what the app runs: the renderer with Vite (out/renderer) and, unless --renderer, the
// Electron main, preload and training-process bundles with esbuild (out/main).
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const rendererOnly = process.argv.includes('--renderer');

await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });

if (!rendererOnly) {
  const { buildMain } = await import('./build-main.mjs');
  await buildMain(root);
}
