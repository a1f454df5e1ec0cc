// `npm start` without Electron's binary: scripts/start.mjs runs as a real process, says so in one
// line, and starts browser mode, whose server must answer. ELECTRON_OVERRIDE_DIST_PATH (read by
// the electron package itself) points at an empty folder, so the binary is missing even on a
// machine that has it. --no-build keeps this test from rebuilding out/ under other tests' feet;
// the server is pointed at a page of our own instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-start-'));
const MESSAGE = "Electron's binary is not installed (offline install?); starting ConvStudio in browser mode instead.";

let child: ChildProcess | null = null;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm start on a machine without the Electron binary', () => {
  it('prints one clear line, then serves the app in browser mode', async () => {
    const page = path.join(tmp, 'renderer');
    const emptyElectron = path.join(tmp, 'no-electron');
    mkdirSync(page);
    mkdirSync(emptyElectron);
    writeFileSync(path.join(page, 'index.html'), '<!doctype html><title>ConvStudio</title><p id="start-test-marker">hello</p>');

    child = spawn(process.execPath, ['scripts/start.mjs', '--no-build', '--no-open', '--', '--port', '0', '--runs', path.join(tmp, 'runs'), '--renderer', page], {
      cwd: root,
      detached: true, // its own process group, so the server it starts is stopped with it
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: emptyElectron, BROWSER: 'none' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout!.on('data', (d) => {
        stdout += d;
        const m = /browser mode: (http:\/\/\S+)/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child!.once('exit', (code) => reject(new Error(`start.mjs exited (${code}) before serving:\n${stdout}\n${stderr}`)));
    });

    const lines = stdout.split('\n');
    expect(lines[0]).toBe(MESSAGE);
    expect(lines.filter((l) => /electron/i.test(l))).toEqual([MESSAGE]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('start-test-marker');
  });
});
