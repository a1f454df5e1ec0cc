/**
 * Starts browser mode the way a user does (`tsx main/server/server.ts --port 0`) as a real process and
 * hands its printed URL (with the per-launch token) to the tests through the environment.
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = path.resolve(import.meta.dirname, '../..');
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'convstudio-e2e-runs-'));
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'main/server/server.ts', '--port', '0', '--runs', runs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ConvStudio browser mode: (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before printing its URL:\n${out}\n${stderr}`)));
  });
  process.env.CS_URL = url;
  process.env.CS_RUNS = runs;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    fs.rmSync(runs, { recursive: true, force: true });
  };
}
