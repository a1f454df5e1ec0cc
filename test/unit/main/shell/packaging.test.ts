// electron-builder.yml, checked two ways: its settings as loaded, and the file list electron-builder
// itself produces from it. Packaging normally downloads Electron; here the real electron-builder
// CLI packs a `--linux dir` build offline from a stub "Electron distribution" (one dummy
// executable, via electronDist), so everything about which app files land in app.asar and
// app.asar.unpacked is electron-builder's own matching. The project is a throw-away copy: its
// package files, hard links of the production dependencies (as `npm ls --omit=dev` lists them),
// stand-ins for the build output, and decoy sources/tests that must stay out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const require = createRequire(import.meta.url);
// electron-builder's own YAML reader and asar reader (its dependencies).
const yaml = require(require.resolve('js-yaml', { paths: [path.dirname(require.resolve('app-builder-lib/package.json'))] })) as { load(text: string): unknown };
const asar = require(require.resolve('@electron/asar', { paths: [path.dirname(require.resolve('app-builder-lib/package.json'))] })) as { listPackage(file: string, o?: object): string[] };

interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  linux: { target: string[] };
  mac: { target: string };
  win: { target: string };
  fileAssociations: { ext: string }[];
  npmRebuild: boolean;
}
const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml settings', () => {
  it('targets AppImage and deb, dmg, nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
  });

  it('associates .convstudio.json files and never rebuilds native modules from the internet', () => {
    expect(config.fileAssociations.map((a) => a.ext)).toContain('convstudio.json');
    expect(config.npmRebuild).toBe(false);
  });

  it('names the files that must be outside app.asar', () => {
    expect(config.asarUnpack).toEqual(expect.arrayContaining([
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
      'node_modules/@tensorflow/tfjs-node/lib/**',
      'native/build/Release/*.node',
    ]));
  });
});

describe('the packaged file list electron-builder computes', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-pack-'));
  const project = path.join(tmp, 'project');
  const out = path.join(tmp, 'dist');
  let inAsar: string[] = [];
  let unpacked: string[] = [];

  const put = (rel: string, text = '//\n') => {
    mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    writeFileSync(path.join(project, rel), text);
  };

  beforeAll(() => {
    for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml']) put(f, readFileSync(path.join(root, f), 'utf8'));
    const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((p) => p.startsWith(path.join(root, 'node_modules') + path.sep));
    expect(prod.map((p) => path.basename(p))).toContain('tfjs-backend-wasm');
    for (const dir of prod) {
      const dest = path.join(project, path.relative(root, dir));
      mkdirSync(path.dirname(dest), { recursive: true });
      execFileSync('cp', ['-al', dir, dest]);
    }
    // Stand-ins for the build output and the optional native addon.
    for (const f of ['out/main/index.cjs', 'out/main/preload.cjs', 'out/main/train-process.cjs', 'out/main/engine-service.cjs', 'out/main/native/index.cjs', 'out/renderer/index.html', 'out/renderer/assets/index-abc.js']) put(f);
    put('out/main/index.cjs.map', '{}');
    put('native/build/Release/convstudio_native.node', 'not really a binary');
    // Decoys: sources, tests, docs, tooling.
    for (const f of ['main/index.ts', 'main/engine/jobs.ts', 'shared/api.ts', 'renderer/main.tsx', 'test/unit/main/shell/ipc.test.ts', 'test/e2e/electron.spec.ts', 'bench/run.ts', 'scripts/build-main.mjs', 'docs/graph-format.md', 'native/src/conv.cc', 'README.md', 'tsconfig.json']) put(f);

    const fakeElectron = path.join(tmp, 'electron-dist');
    mkdirSync(fakeElectron);
    copyFileSync('/bin/true', path.join(fakeElectron, 'electron'));
    chmodSync(path.join(fakeElectron, 'electron'), 0o755);
    const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version as string;

    execFileSync(process.execPath, [
      require.resolve('electron-builder/cli.js'),
      '--config', 'electron-builder.yml',
      '--linux', 'dir',
      `-c.electronDist=${fakeElectron}`,
      `-c.electronVersion=${electronVersion}`,
      `-c.directories.output=${out}`,
    ], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });

    const resources = path.join(out, 'linux-unpacked', 'resources');
    inAsar = asar.listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    unpacked = walk(path.join(resources, 'app.asar.unpacked')).map((f) => `/${path.relative(path.join(resources, 'app.asar.unpacked'), f).replace(/\\/g, '/')}`);
  }, 240_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships the app bundles, the page and the runtime dependencies', () => {
    for (const f of ['/package.json', '/out/main/index.cjs', '/out/main/preload.cjs', '/out/main/train-process.cjs', '/out/main/engine-service.cjs', '/out/main/native/index.cjs', '/out/renderer/index.html', '/out/renderer/assets/index-abc.js']) {
      expect(inAsar, f).toContain(f);
    }
    for (const dep of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'seedrandom', 'long', 'ws']) {
      expect(inAsar, dep).toContain(`/node_modules/${dep}/package.json`);
    }
  });

  it('unpacks the wasm binaries and the native addon from app.asar', () => {
    const wasm = unpacked.filter((f) => f.startsWith('/node_modules/@tensorflow/tfjs-backend-wasm/dist/') && f.endsWith('.wasm'));
    expect(wasm.map((f) => path.basename(f)).sort()).toEqual(['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm']);
    expect(unpacked).toContain('/native/build/Release/convstudio_native.node');
  });

  it('leaves sources, tests, docs, tooling and source maps out', () => {
    const appFiles = [...inAsar, ...unpacked].filter((f) => !f.startsWith('/node_modules/'));
    const leaked = appFiles.filter((f) => /^\/(main|shared|renderer|test|bench|scripts|docs)(\/|$)|\.map$|\.tsx?$|^\/native\/src|^\/README\.md$|^\/tsconfig\.json$/.test(f));
    expect(leaked).toEqual([]);
    expect(inAsar.filter((f) => f.startsWith('/node_modules/electron') || f.startsWith('/node_modules/vitest') || f.startsWith('/node_modules/react/'))).toEqual([]);
  });
});
