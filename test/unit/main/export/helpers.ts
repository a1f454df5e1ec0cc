/** What the export tests share: Debian's PyTorch, the CLI as a process, ConvStudio's own logits. */

import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../../main/engine/backends/index';
import { fsIOHandler } from '../../../../main/engine/fs-io';
import '../../../../main/engine-core/layers/index';
import { makeBatch, type FashionMnist } from '../../../../main/data/fashion-mnist';

export const PYTHON = '/usr/bin/python3';
export const ROOT = path.resolve(__dirname, '../../../..');
export const TORCH_CHECK = path.join(__dirname, 'torch_check.py');

function probe(code: string): boolean {
  return spawnSync(PYTHON, ['-c', code], { stdio: 'ignore' }).status === 0;
}

/** Debian's python3-torch (and python3-onnx), as .ci/run installs them. */
export const HAS_TORCH = probe('import torch');
export const HAS_ONNX = probe('import onnx');
export const NEEDS_TORCH = `needs ${PYTHON} with torch: apt-get install -y python3-torch libopenblas0-pthread`;

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed, with everything it started, after `timeoutMs`. */
  timedOut: boolean;
}

/**
 * A process to its end, asynchronously, so vitest's timers keep running. With `timeoutMs`, a
 * process that has not ended by then is killed with its whole process group (torchrun's workers
 * too) and the result says so, with what it printed: a hang fails with its output, not silently
 * at vitest's timeout.
 */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, detached: opts.timeoutMs !== undefined });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, timedOut }); });
  });
}

/** A failure message with the end of what a process printed. */
export function printed(r: Ran): string {
  return `${r.timedOut ? 'killed after its time limit; ' : ''}exit ${r.code}\n--- stdout (end)\n${r.stdout.slice(-2000)}\n--- stderr (end)\n${r.stderr.slice(-4000)}`;
}

/** `convstudio export ...` as a user runs it. */
export function cli(args: string[]): Promise<Ran> {
  return run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'main/cli/index.ts'), ...args]);
}

/** torch_check.py's JSON, or a failure that shows what Python said. */
export async function torchCheck(args: string[]): Promise<any> {
  const r = await run(PYTHON, [TORCH_CHECK, ...args], { env: { OMP_NUM_THREADS: '1' } });
  if (r.code !== 0) throw new Error(`torch_check.py ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The first `n` test images, NCHW (one channel, so NHWC's bytes too), as ConvStudio feeds them. */
export function testImages(data: FashionMnist, n: number, size = 28): Float32Array {
  return makeBatch(data.test, Array.from({ length: n }, (_, i) => i), 0, n, size).x;
}

/** ConvStudio's logits for those images from a checkpoint, on the cpu backend. */
export async function convstudioLogits(checkpointDir: string, images: Float32Array, n: number, size = 28): Promise<Float32Array> {
  await initBackend('cpu');
  const model = await loadLayersModel(fsIOHandler(checkpointDir));
  const y = tf.tidy(() => (model.predict(tf.tensor4d(images, [n, size, size, 1])) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return y;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function argmaxRows(a: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (a[r * cols + c] > a[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}
