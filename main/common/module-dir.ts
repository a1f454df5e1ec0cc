/**
 * The folder of the module whose `import.meta.url` is passed in, for files a module finds beside
 * itself (the training process entry, the native backend, the wasm binaries, bench scripts).
 * From sources (tsx, vitest) that is the module's own folder. In the CommonJS bundles
 * scripts/build-main.mjs writes, import.meta.url is defined as the bundle file's URL, so it is the
 * bundle's folder, which is where the build puts those files.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function moduleDir(importMetaUrl: string | undefined): string {
  if (importMetaUrl) return path.dirname(fileURLToPath(importMetaUrl));
  // A CommonJS bundle built without that definition: every module shares the bundle's folder.
  if (typeof __dirname === 'string') return __dirname;
  throw new Error('moduleDir: neither import.meta.url nor __dirname is available.');
}
