/**
 * One benchmark measurement in a fresh process (so backends, kernel caches and RSS do not leak
 * between measurements), printing one JSON line:
 *
 *   tsx main/bench/step-child.ts --network lenet --backend compiled|native|wasm|cpu
 *       --warmup 30 --windows 7 --window-steps 20 [--profile] [--memory-epochs 3 --memory-samples 60000]
 *   tsx main/bench/step-child.ts --probe sgemm --size 2048      (OMP_NUM_THREADS sets the threads)
 *
 * A training step is the trainer's: softmax cross-entropy, plain SGD, training mode. On the tfjs
 * backends that is optimizer.minimize over the compiled tfjs model; `compiled` is the whole step
 * in the native addon (main/engine/backends/native/compiled/), started from the same weights.
 * Throughput is batch / (window time / steps) for each of several windows after the warm-up; the
 * median window is the figure. Peak RSS is the kernel's high-water mark for the process.
 */

import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { initBackend, type BackendChoice } from '../engine/backends/index';
import { compileGraph } from '../engine-core/compile';
import { loadFashionMnist, makeBatch } from '../data/fashion-mnist';
import { loadAddon } from '../engine/backends/native/addon';
import { createCompiledStep, type CompiledStep } from '../engine/backends/native/compiled/step';
import { weightsFromModel } from '../engine/backends/native/compiled/tfjs-weights';
import { networkSpec, type NetworkId } from './networks';

const NUM_CLASSES = 10;

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The kernel's peak resident set of this process (VmHWM), in MB. */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch { /* not Linux */ }
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** GFLOP/s of the addon's oneDNN sgemm (matmul primitive) on square float32 matrices: the best of several. */
function probeSgemm(size: number): Record<string, unknown> {
  const { addon, reason } = loadAddon();
  if (!addon) return { error: reason };
  const a = Float32Array.from({ length: size * size }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: size * size }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(size * size);
  const dims = Int32Array.from([1, 1, size, size, size, 0, 0]);
  addon.matMul(a, b, c, null, dims, 0);
  const rates: number[] = [];
  for (let k = 0; k < 7; k++) {
    const t0 = performance.now();
    addon.matMul(a, b, c, null, dims, 0);
    rates.push((2 * size ** 3) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return { probe: 'sgemm', size, threads: addon.threads(), gflops: Math.max(...rates), gflops_median: median(rates) };
}

async function main(): Promise<void> {
  if (arg('probe') === 'sgemm') {
    console.log(JSON.stringify(probeSgemm(Number(arg('size', '2048')))));
    return;
  }
  const network = arg('network') as NetworkId;
  const backend = arg('backend', 'native')!;
  const warmup = Number(arg('warmup', '2'));
  const windows = Number(arg('windows', '3'));
  const windowSteps = Number(arg('window-steps', '3'));
  const batch = Number(arg('batch', '128'));
  const lr = Number(arg('lr', '0.1'));
  const memoryEpochs = Number(arg('memory-epochs', '0'));
  const memorySamples = Number(arg('memory-samples', '60000'));

  const spec = networkSpec(network);
  // The compiled step keeps tfjs only for the starting weights (the same Xavier draws as the trainer's).
  const active = await initBackend((backend === 'compiled' ? 'cpu' : backend) as BackendChoice, { readsAsync: true });
  const data = await loadFashionMnist({ dir: arg('data-dir') ?? null, download: false });
  const model = compileGraph(spec.doc, { seed: 0 });

  let compiled: CompiledStep | null = null;
  // Awaited: WebGPU has no synchronous read in Node, and on a GPU the read is what waits for the
  // step to finish, so it belongs in the time.
  let step: (x: Float32Array, y: Int32Array) => number | Promise<number>;
  let device = active.device;
  let backendName = active.name;
  const optimizer = tf.train.sgd(lr);
  if (backend === 'compiled') {
    const s = createCompiledStep({ doc: spec.doc }, { threads: arg('threads') ? Number(arg('threads')) : null });
    if ('fallback' in s) throw new Error(`the compiled step is not available: ${s.fallback}`);
    compiled = s;
    s.importWeights(weightsFromModel(model));
    step = (x, y) => s.step(x, y, lr);
    device = s.device;
    backendName = 'compiled';
  } else {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    step = async (xs, ys) => {
      const cost = tf.tidy(() => {
        const x = tf.tensor4d(xs, [ys.length, spec.size, spec.size, 1]);
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(ys, 'int32'), NUM_CLASSES), model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true, vars)!;
      });
      const value = (await cost.data())[0];
      cost.dispose();
      return value;
    };
  }

  const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
  const makeXY = (start: number) => {
    const b = makeBatch(data.train, order, start, start + batch, spec.size === 28 ? null : spec.size);
    return { x: Float32Array.from(b.x), y: Int32Array.from(b.y) };
  };
  // Batches are made before the clock starts: resizing to 96/224 is data preparation, not training.
  const total = warmup + windows * windowSteps;
  const distinct = Math.min(total, spec.size > 28 ? 8 : total);
  const batches = Array.from({ length: distinct }, (_, i) => makeXY((i * batch) % (data.train.count - batch)));
  let loss = NaN;
  for (let i = 0; i < warmup; i++) loss = await step(batches[i % distinct].x, batches[i % distinct].y);
  const rates: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    for (let i = 0; i < windowSteps; i++) {
      const b = batches[(warmup + w * windowSteps + i) % distinct];
      loss = await step(b.x, b.y);
    }
    rates.push((batch * windowSteps * 1000) / (performance.now() - t0));
  }
  const cpu = process.cpuUsage(cpu0);
  const rate = median(rates);
  const result: Record<string, unknown> = {
    network, backend: backendName, device, params: model.countParams(), windows, window_steps: windowSteps,
    samples_per_s: rate, median_step_ms: (batch * 1000) / rate, window_samples_per_s: rates, last_loss: loss,
    // CPU time of all threads per step: insensitive to other load on the machine, unlike wall time.
    cpu_ms_per_step: (cpu.user + cpu.system) / 1000 / (windows * windowSteps),
    peak_rss_mb: peakRssMb(),
  };
  if (compiled) result.memory_bytes = compiled.memory();

  if (process.argv.includes('--profile')) {
    if (compiled) {
      // A second compiled step with per-primitive timing (it waits after every primitive, so the
      // timed run above does not use it).
      process.env.CONVSTUDIO_COMPILED_PROFILE = '1';
      const p = createCompiledStep({ doc: spec.doc }, { threads: compiled.threads });
      if ('fallback' in p) throw new Error(p.fallback);
      p.importWeights(weightsFromModel(model));
      const per: Record<string, { ms: number; calls: number }> = {};
      const reps = Math.min(5, batches.length);
      for (let i = 0; i < reps + 1; i++) {
        p.step(batches[i % distinct].x, batches[i % distinct].y, lr);
        if (i === 0) continue; // the first builds the primitives
        for (const { what, ms } of p.profile()) {
          // Grouped by what runs: "conv backward weights [jit:avx512_core]" etc., without layer names.
          const key = what.replace(/ (t\d+|[^ [\]]+\/[^ [\]]+)/g, '').trim();
          const e = (per[key] ??= { ms: 0, calls: 0 });
          e.ms += ms / reps;
          e.calls += 1 / reps;
        }
      }
      p.dispose();
      result.profile_steps = reps;
      result.profile = Object.entries(per).sort((a, b) => b[1].ms - a[1].ms).map(([name, v]) => ({ name, ...v }));
    } else {
      process.env.CONVSTUDIO_NATIVE_EAGER = '1';
      const profiled = batches.slice(-Math.min(5, batches.length));
      const prof = await tf.profile(async () => { for (const { x, y } of profiled) await step(x, y); });
      const perKernel: Record<string, { ms: number; calls: number }> = {};
      for (const k of prof.kernels) {
        const e = (perKernel[k.name] ??= { ms: 0, calls: 0 });
        e.ms += (Number(k.kernelTimeMs) || 0) / profiled.length;
        e.calls += 1 / profiled.length;
      }
      result.profile_steps = profiled.length;
      result.profile = Object.entries(perKernel).sort((a, b) => b[1].ms - a[1].ms).map(([name, v]) => ({ name, ...v }));
    }
  }

  if (memoryEpochs > 0) {
    // RSS after every epoch (and the peak seen every 25 batches) over full passes of the data.
    const perEpoch: number[] = [];
    let peak = 0;
    const n = Math.min(memorySamples, data.train.count);
    for (let e = 0; e < memoryEpochs; e++) {
      for (let s = 0, b = 0; s + batch <= n; s += batch, b++) {
        const { x, y } = makeXY(s);
        await step(x, y);
        if (b % 25 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      perEpoch.push(rss);
    }
    result.memory = { epochs: memoryEpochs, samples_per_epoch: n, rss_mb_per_epoch: perEpoch.map((r) => Math.round(r / 2 ** 20)), peak_rss_mb: Math.round(peak / 2 ** 20), tensors: tf.memory().numTensors };
  }
  compiled?.dispose();
  optimizer.dispose();
  model.dispose();
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.log(JSON.stringify({ error: (err as Error).message ?? String(err) }));
  process.exitCode = 1;
});
