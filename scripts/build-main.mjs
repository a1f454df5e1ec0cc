// Bundles the Electron side with esbuild into out/main: the main process (index.cjs), the
// sandboxed preload (preload.cjs — sandboxed preloads must be one CommonJS file with only
// `electron` external), the training process (train-process.cjs) and the engine service the
// Kernel lab computes in (engine-service.cjs). Runtime dependencies stay
// external (electron-builder ships them in node_modules; tfjs-node has native parts); everything
// else — our sources, shared/, dev-only packages — is bundled.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {string} root project folder
 * @param {{ outdir?: string }} [options] outdir defaults to <root>/out/main (tests build elsewhere)
 */
export async function buildMain(root, options = {}) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const runtime = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
  const outdir = options.outdir ?? path.join(root, 'out/main');
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
  const entryPoints = {
    index: path.join(root, 'main/shell/index.ts'),
    'train-process': path.join(root, 'main/shell/train-process-entry.ts'),
    'engine-service': path.join(root, 'main/shell/engine-service-entry.ts'),
  };
  // main/engine/backends/index.ts loads the native backend from `native/index.*` next to itself at run
  // time (so a build without it still works): give the bundle that file beside it.
  const native = path.join(root, 'main/engine/backends/native/index.ts');
  if (existsSync(native)) entryPoints['native/index'] = native;
  await Promise.all([
    build({
      ...common,
      entryPoints,
      outdir,
      outExtension: { '.js': '.cjs' },
      external: ['electron', ...runtime, ...runtime.map((d) => `${d}/*`)],
    }),
    build({
      ...common,
      entryPoints: { preload: path.join(root, 'main/shell/preload.ts') },
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
