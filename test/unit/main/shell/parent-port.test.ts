// The desktop training entry under a utility-process-shaped parent: with only
// `process.parentPort` to talk through, the shim (main/utility-parent-port.ts) must carry the
// engine's events out and the graceful stop in. The port is a stand-in (Electron's utility
// process needs its binary); the training entry, the engine and the data are the real ones.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type TrainingEvent } from '../../../../shared/training';
import { getTemplate } from '../../../../shared/templates/index';
import { createRun } from '../../../../main/runs/run-folder';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const dataDir = '/usr/share/datasets/fashion-mnist';
const runsRoot = mkdtempSync(path.join(os.tmpdir(), 'convstudio-parentport-'));
afterAll(() => rmSync(runsRoot, { recursive: true, force: true }));

describe.skipIf(!existsSync(path.join(dataDir, 'train-images-idx3-ubyte.gz')))('training entry behind a parentPort', () => {
  it('streams events through parentPort.postMessage and stops gracefully on a posted stop', async () => {
    const config = { ...DEFAULT_TRAIN_CONFIG, epochs: 20, batchSize: 64, limit: 1024, valLimit: 64, backend: 'wasm' as const, dataDir };
    const { runDir } = createRun(runsRoot, getTemplate('lenet')!, config);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'parent-port-harness.ts'), runDir], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const messages: unknown[] = [];
    let stderr = '';
    let buffered = '';
    let stopSent = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{"fromChild"')) continue;
        const m = JSON.parse(line).fromChild as { type: string; event?: TrainingEvent };
        messages.push(m);
        if (!stopSent && m.type === 'event' && m.event?.event === 'batch') {
          stopSent = true;
          child.stdin.write(`${JSON.stringify({ type: 'stop' })}\n`);
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const events = messages.filter((m): m is { type: 'event'; event: TrainingEvent } => (m as { type: string }).type === 'event').map((m) => m.event);
    expect(events[0]?.event, stderr).toBe('start');
    const done = events.find((e) => e.event === 'done');
    expect(done).toMatchObject({ event: 'done', stopped: true });
    expect(done && done.event === 'done' && done.epochs).toBeLessThan(20);
    expect(code).toBe(130);
  });
});
