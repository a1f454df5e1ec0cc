// Bundles the Electron side with esbuild into out/main: the main process (index.cjs), the
// sandboxed preload (preload.cjs — sandboxed preloads must be one CommonJS file with only
// `electron` external) and the training process (train-process.cjs). Runtime dependencies stay
// external (electron-builder ships them in node_modules; tfjs-node has native parts); everything
// else — our sources, shared/, dev-only packages — is bundled.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** @param {string} root project folder */
export async function buildMain(root) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const runtime = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
  const outdir = path.join(root, 'out/main');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: root,
    // import.meta.url has no CommonJS equivalent; point it at the bundle file itself.
    define: { 'import.meta.url': '__convstudioImportMetaUrl' },
    banner: { js: "const __convstudioImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: { index: path.join(root, 'main/index.ts'), 'train-process': path.join(root, 'main/train-process-entry.ts') },
      outdir,
      outExtension: { '.js': '.cjs' },
      external: ['electron', ...runtime, ...runtime.map((d) => `${d}/*`)],
    }),
    build({
      ...common,
      entryPoints: { preload: path.join(root, 'main/preload.ts') },
      outdir,
      outExtension: { '.js': '.cjs' },
      // The sandbox's require() offers only a few modules; nothing else may stay external.
      external: ['electron'],
      platform: 'browser',
      define: {},
      banner: {},
    }),
  ]);
  return { outdir };
}
