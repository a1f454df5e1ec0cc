/**
 * The estimate's measured probe, an engine-service operation ("estimate.probe"): a few training
 * steps of the graph to be trained, on the service's backend, the way the trainer runs them (the
 * compiled native step where the trainer would use it, else tfjs's optimizer over the compiled
 * model; the same loss, the batch made and resized by the same code). It runs in the engine
 * service process, never on the main process or in the page.
 *
 * A big network is first timed at a smaller batch (a step of a few billion multiply-adds). A
 * sample costs more at that batch than at the run's, though: oneDNN's convolutions block and
 * parallelise over the batch, and on this machine VGG-11 (small) took 1.5× as long per sample at
 * 14 as at 128 (docs/benchmarks/estimate.md). So where the small step says a step at the run's
 * batch takes at most FULL_BATCH_SECONDS, the probe times the run's batch itself; only slower
 * steps (a laptop's cpu backend, wasm) are scaled from the small batch, an estimate on the
 * pessimistic side. Images are seeded noise: no kernel's time depends on the pixel values, and
 * the probe must not need the data set to be found first.
 */

import * as tf from '@tensorflow/tfjs-core';
import { fail, ok, type Result } from '../../../shared/api';
import { FASHION_MNIST } from '../../../shared/training/fashion-mnist';
import { planTraining } from '../../../shared/training/plan';
import { TRAIN_MACS_FACTOR, estimateKey, type StepMeasurement } from '../../../shared/training/estimate';
import { makeBatch, type Split } from '../../data/fashion-mnist';
import { chooseCompiledTrainer } from '../backends/native/compiled/trainer-step';
import { compileGraph } from '../../engine-core/compile';
import type { OperationContext } from '../service/registry';

/**
 * Training multiply-adds a timed step should reach: below this, fixed per-step costs (reading
 * VGG's 170 MB of dense weights, kernel launches) would be spread over too few samples.
 */
const STEP_MACS = 2e10;
/** Time the steps for at least this long, and at most this many steps: enough to average a noisy machine, short enough to wait for. */
const MIN_TIMED_MS = 1500;
const MAX_STEPS = 8;
const MIN_STEPS = 2;
/** A step at the run's batch up to this long is timed at that batch (three such steps: the probe's wait). */
export const FULL_BATCH_SECONDS = 6;

/** The batch the probe times: the run's, or fewer samples where a step would take more than STEP_MACS. */
export function probeBatch(runBatch: number, macsPerSample: number): number {
  const enough = Math.ceil(STEP_MACS / Math.max(TRAIN_MACS_FACTOR * macsPerSample, 1));
  return Math.max(1, Math.min(runBatch, Math.max(enough, 2)));
}

/** A split of seeded noise images with Fashion-MNIST's size, enough for a few distinct batches. */
function noiseSplit(count: number): Split {
  const side = FASHION_MNIST.side;
  const images = new Uint8Array(count * side * side);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % FASHION_MNIST.classes);
  return { images, labels, count, height: side, width: side };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function probe(args: unknown, ctx: OperationContext): Promise<Result<StepMeasurement>> {
  if (!isObject(args)) return fail('bad-request', 'estimate.probe takes { graph, config }.');
  const planned = planTraining(args.graph, args.config);
  if (!planned.ok) return fail(planned.error.code, planned.error.message, planned.error.diagnostics);
  const { doc, analysis, config, imageSize } = planned.value;
  let batch = probeBatch(config.batchSize, analysis.totals.macs);
  const data = noiseSplit(config.batchSize * 2);
  const order = Uint32Array.from({ length: data.count }, (_, i) => i);

  const model = compileGraph(doc, { seed: config.seed, analysis });
  const choice = chooseCompiledTrainer(ctx.backend.name, planned.value, model, { seed: config.seed });
  const compiled = choice.trainer;
  const optimizer = tf.train.sgd(config.lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = async (k: number): Promise<void> => {
    // Made inside the step, as the trainer makes each batch inside its timed loop.
    const b = makeBatch(data, order, (k % 2) * batch, (k % 2 + 1) * batch, imageSize);
    if (compiled) {
      compiled.step(b, config.lr);
      return;
    }
    const cost = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.n, b.size, b.size, 1]);
      const labels = tf.oneHot(tf.tensor1d(b.y, 'int32'), FASHION_MNIST.classes);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!;
    });
    await cost.data();
    cost.dispose();
  };
  try {
    // The first step builds kernels and primitives: not part of any later step's time.
    await step(0);
    if (batch < config.batchSize) {
      const t = performance.now();
      await step(1);
      const fullStep = ((performance.now() - t) / 1000) * (config.batchSize / batch);
      if (fullStep <= FULL_BATCH_SECONDS) {
        batch = config.batchSize;
        // The compiled step and tfjs plan their buffers per batch size: built again, not timed.
        await step(0);
      }
    }
    let steps = 0;
    const t0 = performance.now();
    while (steps < MIN_STEPS || (steps < MAX_STEPS && performance.now() - t0 < MIN_TIMED_MS)) {
      await step(steps + 1);
      steps++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const secondsPerSample = seconds / (steps * batch);
    return ok({
      key: estimateKey(doc, config.batchSize, config.backend),
      graph: doc.name,
      backend: ctx.backend.name,
      device: compiled?.device ?? ctx.backend.device,
      path: compiled ? 'compiled' : 'op by op',
      batch, steps, secondsPerSample,
      macsPerS: (TRAIN_MACS_FACTOR * analysis.totals.macs) / secondsPerSample,
      measuredAt: new Date().toISOString(),
    });
  } finally {
    compiled?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
