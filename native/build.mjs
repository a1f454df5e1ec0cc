// Builds native/build/Release/convstudio_native.node with the system g++ against Debian's
// oneDNN (libdnnl-dev) and node-addon-api from node_modules: no downloads, no node-gyp.
// Usage: npm run build:native   (exit code 0 also when the prerequisites are missing and
// --optional is given, so CI and installs without a compiler fall back to wasm cleanly.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const out = path.join(here, 'build', 'Release', 'convstudio_native.node');
const src = path.join(here, 'src', 'convstudio_native.cc');

function fail(msg) {
  console.error(`build:native: ${msg}`);
  process.exit(optional ? 0 : 1);
}

const nodeInclude = [
  process.env.NODE_INCLUDE_DIR,
  path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
  '/usr/include/node',
].find((d) => d && existsSync(path.join(d, 'node_api.h')));
if (!nodeInclude) fail('node_api.h not found: install the Node headers (Debian: nodejs or libnode-dev) or set NODE_INCLUDE_DIR');

let addonInclude;
try {
  const require = createRequire(import.meta.url);
  addonInclude = path.dirname(require.resolve('node-addon-api/package.json'));
} catch {
  fail('node-addon-api is missing: run npm install');
}
if (!existsSync('/usr/include/oneapi/dnnl/dnnl.hpp')) fail('oneDNN headers not found: apt-get install -y libdnnl-dev');

const cxx = process.env.CXX || 'g++';
mkdirSync(path.dirname(out), { recursive: true });
const args = [
  // -fno-trapping-math and -fno-math-errno only drop FP-exception flags and errno, which nothing
  // reads; they let the element-wise loops (sigmoid's exp) vectorise.
  '-std=c++17', '-O3', '-fno-trapping-math', '-fno-math-errno', '-fPIC', '-shared', '-fopenmp', '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  `-I${nodeInclude}`, `-I${addonInclude}`,
  src, '-o', out, '-ldnnl', '-Wl,--as-needed',
];
console.log(`build:native: ${cxx} ${args.join(' ')}`);
const r = spawnSync(cxx, args, { stdio: 'inherit' });
if (r.error) fail(`${cxx} could not run (${r.error.message}): apt-get install -y g++`);
if (r.status !== 0) fail(`${cxx} exited with ${r.status}`);
console.log(`build:native: wrote ${path.relative(process.cwd(), out)}`);
