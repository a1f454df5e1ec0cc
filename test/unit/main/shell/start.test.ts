// `npm start`'s decision, with scripts/start.mjs as a real process: Electron's binary present →
// the desktop app; missing with ELECTRON_SKIP_BINARY_DOWNLOAD set → browser mode without trying a
// download; missing and Electron's own installer failing → one line saying why, then browser
// mode, whose server must answer. ELECTRON_OVERRIDE_DIST_PATH (read by the electron package
// itself) points at a folder of ours: empty, so the binary is missing even on a machine that has
// it, or holding a stand-in executable (the one thing that cannot exist here). The installer that
// fails is Electron's real one, pointed by ELECTRON_MIRROR at a port nothing listens on, with an
// empty download cache. --no-build keeps this test from rebuilding out/ under other tests' feet;
// the server is pointed at a page of our own instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-start-'));
const fallback = (why: RegExp) => new RegExp(`^Electron's binary is not installed \\(${why.source}\\); starting ConvStudio in browser mode instead\\.$`);
const INSTALLING = "Electron's binary is missing: fetching it once with Electron's installer (node node_modules/electron/install.js)...";

let child: ChildProcess | null = null;
async function stopChild() {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  child = null;
}
afterEach(stopChild);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const page = path.join(tmp, 'renderer');
mkdirSync(page);
writeFileSync(path.join(page, 'index.html'), '<!doctype html><title>ConvStudio</title><p id="start-test-marker">hello</p>');

/** Starts `npm start`'s script with this environment; resolves on the browser-mode URL or the exit. */
function start(env: Record<string, string | undefined>): Promise<{ stdout: string; stderr: string; url: string | null; code: number | null }> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, BROWSER: 'none', ...env })) if (v !== undefined) childEnv[k] = v;
  child = spawn(process.execPath, ['scripts/start.mjs', '--no-build', '--no-open', '--', '--port', '0', '--runs', path.join(tmp, 'runs'), '--renderer', page], {
    cwd: root,
    detached: true, // its own process group, so the server it starts is stopped with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    child!.stdout!.on('data', (d) => {
      stdout += d;
      const m = /browser mode: (http:\/\/\S+)/.exec(stdout);
      if (m) resolve({ stdout, stderr, url: m[1], code: null });
    });
    child!.once('exit', (code) => resolve({ stdout, stderr, url: null, code }));
  });
}

function folder(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('npm start', { timeout: 120_000 }, () => {
  it('with Electron\'s binary: runs the desktop app (a stand-in executable here) on the project, no installer, no browser mode', async () => {
    const dist = folder('with-electron');
    // The electron package names its executable "electron" on Linux (path.txt).
    writeFileSync(path.join(dist, 'electron'), '#!/bin/sh\necho "stand-in electron: $*"\n');
    chmodSync(path.join(dist, 'electron'), 0o755);
    const r = await start({ ELECTRON_OVERRIDE_DIST_PATH: dist, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`stand-in electron: ${root} --port 0 --runs ${path.join(tmp, 'runs')} --renderer ${page}`);
  });

  const missing: [string, Record<string, string | undefined>, RegExp, boolean][] = [
    ['with ELECTRON_SKIP_BINARY_DOWNLOAD set (CI): no download is tried', { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, /ELECTRON_SKIP_BINARY_DOWNLOAD is set/, false],
    [
      "when Electron's installer fails (no internet): it is tried once, and the line says why",
      { ELECTRON_SKIP_BINARY_DOWNLOAD: undefined, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: path.join(tmp, 'empty-cache'), ELECTRON_GET_USE_PROXY: undefined },
      /the download failed: .+/, true,
    ],
  ];
  it.each(missing)('without the binary, %s; then browser mode serves the app', async (_title, env, why, installs) => {
    const r = await start({ ELECTRON_OVERRIDE_DIST_PATH: folder(`empty-${installs}`), ...env });
    if (!r.url) throw new Error(`start.mjs exited (${r.code}) before serving:\n${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.split('\n');
    const said = lines.filter((l) => /electron/i.test(l));
    expect(said).toEqual(installs ? [INSTALLING, expect.stringMatching(fallback(why))] : [expect.stringMatching(fallback(why))]);
    expect(said.every((l) => !l.includes('\n'))).toBe(true);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const res = await fetch(r.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('start-test-marker');
  });
});
