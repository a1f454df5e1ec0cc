// Builds native/build/Release/convstudio_native.node with the system g++ against Debian's
// oneDNN (libdnnl-dev) and node-addon-api from node_modules: no downloads, no node-gyp.
// Usage: npm run build:native   (exit code 0 also when the prerequisites are missing and
// --optional is given, so CI and installs without a compiler fall back to wasm cleanly.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const out = path.join(here, 'build', 'Release', 'convstudio_native.node');
const srcDir = path.join(here, 'src');
const objDir = path.join(here, 'build', 'obj');

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
mkdirSync(objDir, { recursive: true });

/** Every .cc under native/src (the tfjs kernels and the compiled training step). */
function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.cc') ? [p] : [];
  });
}

// -fno-trapping-math and -fno-math-errno only drop FP-exception flags and errno, which nothing
// reads; they let the element-wise loops (sigmoid's exp) vectorise.
const flags = [
  '-std=c++17', '-O3', '-fno-trapping-math', '-fno-math-errno', '-fPIC', '-fopenmp', '-fvisibility=hidden',
  '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  `-I${nodeInclude}`, `-I${addonInclude}`,
  ...(process.env.CONVSTUDIO_NATIVE_CXXFLAGS ? process.env.CONVSTUDIO_NATIVE_CXXFLAGS.split(/\s+/).filter(Boolean) : []),
];

// An object newer than its source and every header (and this script) is reused: rebuilding all
// of it takes a minute on two cores.
const headers = (function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : name.endsWith('.h') ? [p] : [];
  });
})(srcDir);
const newestInput = Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs, ...headers.map((h) => statSync(h).mtimeMs));

function compile(src) {
  const obj = path.join(objDir, `${path.relative(srcDir, src).replace(/[\\/]/g, '_')}.o`);
  if (existsSync(obj) && statSync(obj).mtimeMs > Math.max(newestInput, statSync(src).mtimeMs) && !process.env.CONVSTUDIO_NATIVE_CXXFLAGS) return Promise.resolve(obj);
  const args = [...flags, '-c', src, '-o', obj];
  return new Promise((resolve) => {
    const child = spawn(cxx, args, { stdio: 'inherit' });
    child.on('error', (err) => fail(`${cxx} could not run (${err.message}): apt-get install -y g++`));
    child.on('close', (code) => (code === 0 ? resolve(obj) : fail(`${cxx} exited with ${code} compiling ${path.relative(here, src)}`)));
  });
}

// Objects compile in parallel, one per core (the oneDNN headers make each file slow to compile).
const files = sources(srcDir);
console.log(`build:native: ${cxx} ${flags.join(' ')} -c <${files.length} files>`);
const objs = [];
const queue = [...files];
await Promise.all(Array.from({ length: Math.max(1, Math.min(files.length, os.availableParallelism?.() ?? os.cpus().length)) }, async () => {
  while (queue.length) objs.push(await compile(queue.shift()));
}));
const link = [...flags, '-shared', ...objs.sort(), '-o', out, '-ldnnl', '-Wl,--as-needed'];
const r = spawnSync(cxx, link, { stdio: 'inherit' });
if (r.error) fail(`${cxx} could not run (${r.error.message}): apt-get install -y g++`);
if (r.status !== 0) fail(`${cxx} exited with ${r.status} linking`);
console.log(`build:native: wrote ${path.relative(process.cwd(), out)}`);
