/**
 * Finds and loads the compiled oneDNN addon (native/build/Release/convstudio_native.node, built by
 * `npm run build:native`). Absence is normal — no compiler, no libdnnl, a packaged app without
 * it — so every failure becomes a reason string, never an exception.
 */

import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { moduleDir } from '../../../common/module-dir';

/** The addon's functions; every array argument is used in place, outputs included. */
export interface NativeAddon {
  conv2dForward(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geom: Int32Array, act: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geom: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  matMul(a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null, dims: Int32Array, act: number): void;
  avgPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  maxPool(x: Float32Array, y: Float32Array, geom: Int32Array): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): void;
  unary(x: Float32Array, y: Float32Array, op: number): void;
  binary(a: Float32Array, b: Float32Array, y: Float32Array, op: number): void;
  sumRows(x: Float32Array, y: Float32Array): void;
  transpose(x: Float32Array, xShape: Int32Array, perm: Int32Array, y: Float32Array): void;
  slice(x: Float32Array, xShape: Int32Array, begin: Int32Array, y: Float32Array, yShape: Int32Array): void;
  tile(x: Float32Array, xShape: Int32Array, y: Float32Array, yShape: Int32Array): void;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, eps: number, y: Float32Array): void;
  batchNormGrad(dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, eps: number,
    dx: Float32Array, dmean: Float32Array, dvariance: Float32Array, dscale: Float32Array, doffset: Float32Array): void;
  sqDiffGrad(dy: Float32Array, a: Float32Array, b: Float32Array, y: Float32Array): void;
  pad(x: Float32Array, xShape: Int32Array, before: Int32Array, y: Float32Array, yShape: Int32Array, value: number): void;
  convImplementations?(geom: Int32Array): { forward: string; backwardData: string; backwardWeights: string };
  threads(): number;
  version(): string;
  /** The compiled training step (native/src/compiled/); absent in addons built from older sources. */
  CompiledNet?: new (plan: object, options: { threads?: number; seed?: number }) => CompiledNetHandle;
  dropoutUniform?(seed: number, stream: number, index: number): number;
}

/** One compiled network in the addon (see native/src/compiled/binding.cc). */
export interface CompiledNetHandle {
  /** With `logits` (N·K), the training forward pass's logits are copied into it. */
  step(x: Float32Array, labels: Int32Array, lr: number, logits?: Float32Array): number;
  evaluate(x: Float32Array, logits: Float32Array): void;
  setOptimizer(config: object): void;
  params(): { name: string; shape: number[]; trainable: boolean; slotsLive: boolean }[];
  getParam(name: string, slot?: number): Float32Array;
  setParam(name: string, values: Float32Array, slot?: number): void;
  getSteps(name: string): number;
  setSteps(name: string, steps: number): void;
  setThreads(threads: number): void;
  info(): { threads: number; arenaBytes: number; paramBytes: number; actions: string[] };
  profile(): { what: string; ms: number }[];
  dispose(): void;
}

/**
 * OMP_NUM_THREADS as the user set it, before loadAddon fills it in with the idle-core count for
 * the tfjs kernels: the compiled step honours only the user's value.
 */
export const USER_OMP_NUM_THREADS: string | undefined = process.env.OMP_NUM_THREADS;

const FILE = 'convstudio_native.node';


/** Where the addon may live, most specific first. */
export function addonCandidates(): string[] {
  // An explicit path is the only candidate (CONVSTUDIO_NATIVE_ADDON=off disables the backend).
  if (process.env.CONVSTUDIO_NATIVE_ADDON) return [process.env.CONVSTUDIO_NATIVE_ADDON];
  const out: string[] = [];
  const dir = moduleDir(import.meta.url);
  if (dir) {
    // main/engine/backends/native/*.ts from sources; out/main/*.cjs (or deeper) when bundled.
    for (const up of ['../../../..', '../../..', '../..', '..']) out.push(path.resolve(dir, up, 'native/build/Release', FILE));
  }
  out.push(path.resolve(process.cwd(), 'native/build/Release', FILE));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) out.push(path.join(resources, 'native', FILE));
  return [...new Set(out)];
}

let loaded: { addon: NativeAddon | null; reason: string; file?: string } | null = null;

/**
 * The run's thread setting for the op-by-op kernels. libgomp reads OMP_NUM_THREADS once, when the
 * addon loads, so this takes effect only before that (the training process loads it for its one
 * run; a later request leaves the loaded count as it is).
 */
export function requestKernelThreads(threads: number): void {
  if (!loaded) process.env.OMP_NUM_THREADS = String(threads);
}

/** Loads the addon once; later calls return the same outcome. */
export function loadAddon(): { addon: NativeAddon | null; reason: string; file?: string } {
  if (loaded) return loaded;
  const file = addonCandidates().find((p) => existsSync(p));
  if (!file) {
    const where = process.env.CONVSTUDIO_NATIVE_ADDON ? `CONVSTUDIO_NATIVE_ADDON=${process.env.CONVSTUDIO_NATIVE_ADDON} names no file` : 'the native addon is not built';
    loaded = { addon: null, reason: `${where} (run \`npm run build:native\`; needs g++ and libdnnl-dev)` };
    return loaded;
  }
  // libgomp reads its environment when the addon pulls it in. Its default idle policy spins
  // hard for a long time after every parallel region; on a busy 2-core machine that steals the
  // core the JavaScript thread needs between kernels (measured: 10x slower steps). A short spin
  // keeps wake-ups fast without that.
  if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
    process.env.GOMP_SPINCOUNT = '20000';
  }
  if (process.env.OMP_NUM_THREADS === undefined) process.env.OMP_NUM_THREADS = String(threadsToUse());
  try {
    const req = createRequire(path.join(process.cwd(), 'noop.js'));
    const addon = req(file) as NativeAddon;
    selfTest(addon);
    loaded = { addon, reason: 'ok', file };
  } catch (err) {
    loaded = { addon: null, reason: `the native addon at ${file} failed to load: ${(err as Error).message}`, file };
  }
  return loaded;
}

/**
 * One OpenMP thread per core that is free now. Every parallel region ends in a barrier, so a
 * thread that loses its core to another process stalls the whole step: on this 2-core machine,
 * with other jobs running, two threads were 3x slower than one. OMP_NUM_THREADS overrides.
 */
export function threadsToUse(cores = os.availableParallelism?.() ?? os.cpus().length, load = busyCores(cores)): number {
  return Math.max(1, Math.min(cores, Math.round(cores - load)));
}

/**
 * Cores busy right now with other processes: /proc/stat sampled 150 ms apart, minus this
 * process's own CPU time (its loader threads may still be busy starting up). The load average
 * lags by a minute and still counts processes that just ended. Elsewhere, the load average.
 */
function busyCores(cores: number): number {
  const sample = (): [number, number, number] | null => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      // /proc/self/stat: utime and stime are fields 14 and 15, after the parenthesised name.
      const self = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').map(Number);
      return [f.reduce((a, b) => a + b, 0), (f[3] ?? 0) + (f[4] ?? 0), (self[11] ?? 0) + (self[12] ?? 0)];
    } catch {
      return null;
    }
  };
  const a = sample();
  if (!a) return os.loadavg()[0];
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
  const b = sample();
  if (!b || b[0] <= a[0]) return os.loadavg()[0];
  const total = b[0] - a[0];
  return Math.max(0, (cores * (total - (b[1] - a[1]) - (b[2] - a[2]))) / total);
}

// One tiny convolution and matmul with known results, so a broken libdnnl or an unsupported CPU
// shows up here (and the caller falls back) rather than in the middle of a training run.
const REQUIRED: readonly (keyof NativeAddon)[] = [
  'conv2dForward', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'matMul', 'avgPool', 'avgPoolGrad', 'maxPool', 'maxPoolGrad',
  'unary', 'binary', 'sumRows', 'transpose', 'slice', 'tile', 'batchNorm', 'batchNormGrad', 'sqDiffGrad', 'pad', 'threads', 'version',
];

function selfTest(addon: NativeAddon): void {
  // An addon built from older sources lacks newer functions: better refused here than failing mid-run.
  const missing = REQUIRED.filter((name) => typeof addon[name] !== 'function');
  if (missing.length) throw new Error(`it lacks ${missing.join(', ')}: it was built from older sources; run \`npm run build:native\``);
  const x = Float32Array.from([1, 2, 3, 4]); // 1x2x2x1
  const w = Float32Array.from([1, 1, 1, 1]); // 2x2x1x1
  const y = new Float32Array(1);
  addon.conv2dForward(x, w, null, y, Int32Array.from([1, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0]), 0);
  const c = new Float32Array(1);
  addon.matMul(Float32Array.from([1, 2]), Float32Array.from([3, 4]), c, null, Int32Array.from([1, 1, 1, 1, 2, 0, 0]), 0);
  if (y[0] !== 10 || c[0] !== 11) throw new Error(`self-test gave conv ${y[0]} (want 10), matmul ${c[0]} (want 11)`);
}
