// `npm run screenshots [-- spec…]`: refreshes docs/screenshots/ by running the browser end-to-end
// tests with CONVSTUDIO_SCREENSHOTS=docs (test/e2e/helpers.ts). Kept out of `npm test`, so a test
// run never rewrites tracked files; run this when the UI changed, look at the PNGs, commit them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const run = (args, env = process.env) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;

let status = run([path.join(root, 'scripts/build.mjs')]);
if (status === 0) {
  const playwright = path.join(root, 'node_modules/@playwright/test/cli.js');
  status = run([playwright, 'test', ...process.argv.slice(2)], { ...process.env, CONVSTUDIO_SCREENSHOTS: 'docs' });
}
if (status === 0) console.log(`Screenshots written to ${path.join(root, 'docs/screenshots')}; check them before committing.`);
process.exit(status);
