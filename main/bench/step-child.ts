/**
 * One benchmark measurement in a fresh process (so backends, kernels caches and RSS do not leak
 * between measurements): trains `--network` on `--backend` with the trainer's own step
 * (optimizer.minimize over softmax cross-entropy, plain SGD) and prints one JSON line.
 *
 *   tsx bench/step-child.ts --network lenet --backend native --warmup 3 --steps 30
 *     [--profile] [--memory-epochs 3 --memory-samples 60000]
 */

import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendChoice } from '../engine/backends/index';
import { compileGraph } from '../engine/compile';
import { loadFashionMnist, makeBatch } from '../data/fashion-mnist';
import { networkSpec, type NetworkId } from './networks';

const NUM_CLASSES = 10;

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const network = arg('network') as NetworkId;
  const backend = arg('backend', 'native') as BackendChoice;
  const warmup = Number(arg('warmup', '2'));
  const steps = Number(arg('steps', '10'));
  const batch = Number(arg('batch', '128'));
  const lr = Number(arg('lr', '0.1'));
  const memoryEpochs = Number(arg('memory-epochs', '0'));
  const memorySamples = Number(arg('memory-samples', '60000'));

  const spec = networkSpec(network);
  const active = await initBackend(backend, { readsAsync: true });
  const data = await loadFashionMnist({ dir: arg('data-dir') ?? null, download: false });
  const model = compileGraph(spec.doc, { seed: 0 });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.sgd(lr);

  const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
  // The loss is read back asynchronously, as the trainer does: WebGPU has no synchronous read in
  // Node, and on a GPU the read is what waits for the step to finish, so it belongs in the time.
  const step = async (x: tf.Tensor4D, y: tf.Tensor1D): Promise<number> => {
    const cost = tf.tidy(() => optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_CLASSES), model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true, vars)!);
    const value = (await cost.data())[0];
    cost.dispose();
    return value;
  };
  const tensors = (start: number) => {
    const b = makeBatch(data.train, order, start, start + batch, spec.size === 28 ? null : spec.size);
    return { x: tf.tensor4d(b.x, [b.n, b.size, b.size, 1]), y: tf.tensor1d(b.y, 'int32') };
  };

  // Batches are made before the clock starts: resizing to 96/224 is data preparation, not training.
  const batches = Array.from({ length: warmup + steps }, (_, i) => tensors((i * batch) % (data.train.count - batch)));
  const times: number[] = [];
  let loss = NaN;
  let cpu0 = process.cpuUsage();
  for (const [i, { x, y }] of batches.entries()) {
    if (i === warmup) cpu0 = process.cpuUsage();
    const t0 = performance.now();
    loss = await step(x, y);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const result: Record<string, unknown> = {
    network, backend: active.name, device: active.device, params: model.countParams(), steps,
    median_step_ms: median, min_step_ms: sorted[0], samples_per_s: (batch * 1000) / median,
    mean_samples_per_s: (batch * 1000 * times.length) / times.reduce((a, b) => a + b, 0), last_loss: loss,
    // CPU time of all threads per step: insensitive to other load on the machine, unlike wall time.
    cpu_ms_per_step: (cpu.user + cpu.system) / 1000 / steps,
  };

  if (process.argv.includes('--profile')) {
    // Input gradients are computed at once while profiling, so their time is charged to
    // Conv2DBackpropInput rather than to whichever kernel first reads them. (This also computes
    // the first layer's input gradient, which the timed steps never do.)
    process.env.CONVSTUDIO_NATIVE_EAGER = '1';
    // Several steps in one profile: single-step timings on a shared machine are too noisy.
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
  for (const { x, y } of batches) tf.dispose([x, y]);

  if (memoryEpochs > 0) {
    // RSS after every epoch (and the peak seen every 25 batches) over full passes of the data.
    const perEpoch: number[] = [];
    let peak = 0;
    const n = Math.min(memorySamples, data.train.count);
    for (let e = 0; e < memoryEpochs; e++) {
      for (let s = 0, b = 0; s + batch <= n; s += batch, b++) {
        const { x, y } = tensors(s);
        await step(x, y);
        tf.dispose([x, y]);
        if (b % 25 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      perEpoch.push(rss);
    }
    result.memory = { epochs: memoryEpochs, samples_per_epoch: n, rss_mb_per_epoch: perEpoch.map((r) => Math.round(r / 2 ** 20)), peak_rss_mb: Math.round(peak / 2 ** 20), tensors: tf.memory().numTensors };
  }
  optimizer.dispose();
  model.dispose();
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.log(JSON.stringify({ error: (err as Error).message ?? String(err) }));
  process.exitCode = 1;
});
