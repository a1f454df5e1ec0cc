/** `convstudio train` as a user runs it: a real process, real data, real exit codes. */

import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { reluLenet } from '../engine/train-helpers';
import { chain } from '../engine/graph-helpers';
import { run } from '../../../../main/cli/train';
import { createRun } from '../../../../main/runs/run-folder';
import { acquireRunLock } from '../../../../main/runs/run-lock';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training';

const root = path.resolve(__dirname, '../../../..');
const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

interface Result { code: number | null; stdout: string; stderr: string }

function cli(args: string[], opts: { onStdout?: (line: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, path.join(root, 'main/cli/index.ts'), 'train', ...args], { cwd: root, env: { ...process.env, CONVSTUDIO_DATA_URL: 'http://127.0.0.1:9/' } });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) opts.onStdout?.(l, child);
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    // 'close', not 'exit': the last stdout chunks may still be in flight when the process exits.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cs-cli-'));
const common = ['--backend', 'wasm', '--data', SYSTEM_DATA_DIR, '--batch-size', '64', '--val-limit', '100'];

async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  try {
    const code = await run(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore(); error.mockRestore(); write.mockRestore();
  }
}

describe('convstudio train', () => {
  it('--json prints start and epoch lines; Ctrl-C stops gracefully (130); --resume finishes the run, here extended to 4 epochs (0)', async () => {
    const dir = tmp();
    const graph = path.join(dir, 'lenet-relu.json');
    writeFileSync(graph, JSON.stringify(reluLenet()));
    const out = path.join(dir, 'runs');
    let runDir = '';
    let interrupted = false;
    const stopped = await cli([graph, '--epochs', '3', '--limit', '640', '--out', out, '--json', ...common], {
      onStdout: (line, child) => {
        const e = JSON.parse(line);
        if (e.event === 'start') runDir = e.runDir;
        if (e.event === 'epoch' && !interrupted) { interrupted = true; child.kill('SIGINT'); }
      },
    });
    expect(stopped.code).toBe(130);
    const lines = stopped.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'start', backend: 'wasm', trainSamples: 640, valSamples: 100 });
    expect(lines[1]).toMatchObject({ event: 'epoch', epoch: 1 });
    for (const k of ['train_loss', 'train_acc', 'val_loss', 'val_acc', 'samples_per_s']) expect(typeof lines[1][k]).toBe('number');
    expect(lines[lines.length - 1], stopped.stdout).toMatchObject({ event: 'done', stopped: true });

    // --epochs with --resume sets a new total
    const resumed = await cli(['--resume', runDir, '--epochs', '4']);
    expect(resumed.code).toBe(0);
    // The break is said before training goes on: how the last attempt ended, where this one starts.
    expect(resumed.stdout).toMatch(/^resuming: The previous attempt was stopped\. Continuing from checkpoint e0001-b\d{5} \(/m);
    expect(resumed.stdout).toMatch(/epoch 4\/4 +train_loss [\d.]+ +train_acc [\d.]+ +val_loss [\d.]+ +val_acc [\d.]+/);
    expect(resumed.stdout).toMatch(/done: 4 epochs/);
    // Three training processes on two shared cores: minutes, never asserted.
  }, 900_000);

  it('bad input: usage errors and graphs with errors exit 2 with a reason; missing data exits 1 saying where it looked', async () => {
    const usage = await inProcess(['lenet', '--epochs', 'ten']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--epochs needs a whole number/);
    const unknown = await inProcess(['no-such-net']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/neither a template .*lenet/);
    expect((await inProcess(['lenet', '--backend', 'gpu'])).err).toMatch(/backend must be one of/);

    const dir = tmp();
    const badGraph = path.join(dir, 'bad.json');
    writeFileSync(badGraph, JSON.stringify(chain([1, 28, 28], ['Conv2d', { out_channels: 4, kernel_size: 40 }], ['Flatten', {}], ['Linear', { out_features: 10 }])));
    const bad = await inProcess([badGraph, '--out', path.join(dir, 'runs')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/cannot be trained[\s\S]*n1/);

    const missing = await inProcess(['lenet', '--data', path.join(dir, 'nothing-here'), '--out', path.join(dir, 'runs'), '--json']);
    expect(missing.code).toBe(1);
    const err = JSON.parse(missing.out.trim());
    expect(err.event).toBe('error');
    expect(err.message).toContain(path.join(dir, 'nothing-here'));
    expect(err.message).toMatch(/apt-get install dataset-fashion-mnist/);
  });

  it('run-folder faults and a run already being trained are one line each, no stack: --out naming a file, --resume of a locked run', async () => {
    const dir = tmp();
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'not a folder');
    const r = await inProcess(['lenet', '--out', file, ...common, '--epochs', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: Could not create the runs folder ${file}: ${file} is a file, not a folder. Choose a folder for the runs (or move the file away).`);

    // A run some live process holds the lock of (this test process stands in for a trainer).
    const { runDir } = createRun(path.join(dir, 'runs'), reluLenet(), { ...DEFAULT_TRAIN_CONFIG, epochs: 1 });
    const lock = acquireRunLock(runDir);
    try {
      const busy = await inProcess(['--resume', runDir]);
      expect(busy.code).toBe(1);
      expect(busy.err).toBe(`error: The run ${path.basename(runDir)} is already being trained by process ${process.pid} (since ${lock.info.since}). Wait for it to finish, or stop it first.`);
    } finally {
      lock.release();
    }
    const notRun = await inProcess(['--resume', dir]);
    expect(notRun.code).toBe(2);
    expect(notRun.err).toBe(`error: ${dir} is not a run folder (no config.json). Name a folder convstudio train created.`);
  });

  it('a diverging run stops at once and exits 1, suggesting a lower learning rate', async () => {
    const graph = path.join(tmp(), 'lenet-relu.json');
    writeFileSync(graph, JSON.stringify(reluLenet()));
    const r = await cli([graph, '--lr', '10', '--epochs', '3', '--limit', '2560', '--batch-size', '128', '--backend', 'wasm', '--data', SYSTEM_DATA_DIR, '--val-limit', '100', '--out', tmp()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: The loss rose to \S+ at epoch 1, batch \d+, over 10 times its first loss, [\d.]+: training diverged\. Lower the learning rate \(it is 10; try 1\)\./);
    expect(r.stdout).not.toMatch(/^done:/m);
  }, 600_000);

  it('a batch too big for the wasm heap is refused before Start with a batch size that fits, not a WebAssembly trap and stack', async () => {
    // 128 × 256 × 224 × 224 floats is 6.6 GB for one activation: more than WebAssembly's 4 GB.
    const file = path.join(tmp(), 'too-big.json');
    writeFileSync(file, JSON.stringify(chain([1, 224, 224], ['Conv2d', { out_channels: 256, kernel_size: 3, padding: 1 }],
      ['AdaptiveAvgPool2d', { output_size: 1 }], ['Flatten', {}], ['Linear', { out_features: 10 }])));
    const out = tmp();
    const r = await cli([file, '--backend', 'wasm', '--data', SYSTEM_DATA_DIR, '--batch-size', '128', '--limit', '256', '--val-limit', '64', '--epochs', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs at least 1\d\.\d GB .*; the wasm backend's memory .* is 4\.0 GB\. Lower the batch size \(32 would fit\)/);
    expect(r.stderr).not.toMatch(/RuntimeError|wasm-function|\n\s+at /);
    // Refused before a run folder was made.
    expect(readdirSync(out)).toEqual([]);
  });
});
