/**
 * insight.evaluate: the whole validation subset through a checkpoint, as the trainer validates
 * (test images 0..n−1, evaluation mode, the same batches), kept as counts a student can read: the
 * confusion matrix (rows = true class), per-class accuracy, precision and recall, and the
 * mistakes, most confident first. The answer is cached in the run folder per checkpoint
 * (main/runs/evaluations.ts) and served from there while the checkpoint is unchanged.
 */

import * as tf from '@tensorflow/tfjs-core';
import { CLASS_NAMES, encodeBytes, INSIGHT_LIMITS, type ClassFigures, type Evaluation, type Misclassified } from '../../../shared/insight';
import { FASHION_MNIST } from '../../../shared/training/fashion-mnist';
import { readEvaluation, writeEvaluation } from '../../runs/evaluations';
import { validationBatch, validationSet } from './data';
import type { RunModel } from './run-model';

const K = FASHION_MNIST.classes;

/** Figures per class from a confusion matrix (rows = true class). */
export function classFigures(confusion: number[][]): ClassFigures[] {
  return confusion.map((row, c) => {
    const count = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c], 0);
    const hit = row[c];
    return {
      classIndex: c, className: CLASS_NAMES[c], count, predicted,
      accuracy: count ? hit / count : 0,
      precision: predicted ? hit / predicted : null,
      recall: count ? hit / count : null,
    };
  });
}

/** Images per forward pass: the trainer's evaluation batch at 28×28; fewer for big inputs, whose activations dominate memory. */
const batchFor = (side: number): number => (side <= 32 ? 1000 : side <= 96 ? 128 : 32);

export async function evaluateRun(m: RunModel, backend: string, opts: { useCache?: boolean; yieldEvery?: () => Promise<void> } = {}): Promise<Evaluation> {
  if (opts.useCache !== false) {
    const cached = readEvaluation(m.runDir, m.key);
    if (cached) return cached;
  }
  const started = performance.now();
  const n = m.valSamples;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const predictions = new Uint8Array(n);
  const confidences = new Uint8Array(n);
  const conf = new Float32Array(n);
  let lossSum = 0;
  const batch = batchFor(m.imageSize);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(s + batch, n);
    const b = validationBatch(s, e, m.imageSize);
    const logProbs = tf.tidy(() => tf.logSoftmax(m.model.apply(tf.tensor4d(b.x, [b.n, b.size, b.size, 1]), { training: false }) as tf.Tensor2D));
    const lp = await logProbs.data();
    logProbs.dispose();
    for (let i = 0; i < b.n; i++) {
      let best = 0;
      for (let c = 1; c < K; c++) if (lp[i * K + c] > lp[i * K + best]) best = c;
      const label = b.y[i];
      confusion[label][best]++;
      predictions[s + i] = best;
      conf[s + i] = Math.exp(lp[i * K + best]);
      confidences[s + i] = Math.round(conf[s + i] * 255);
      lossSum -= lp[i * K + label];
    }
    await opts.yieldEvery?.();
  }
  const set = Array.from({ length: n }, (_, i) => i);
  const labels = validationSet().labels.subarray(0, n);
  const wrong: Misclassified[] = set.filter((i) => predictions[i] !== labels[i]).map((i) => ({ index: i, label: labels[i], predicted: predictions[i], confidence: conf[i] }));
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const correct = confusion.reduce((a, row, c) => a + row[c], 0);
  const evaluation: Evaluation = {
    runId: m.runId, epoch: m.epoch, checkpoint: m.checkpoint, classNames: [...CLASS_NAMES], samples: n,
    confusion, perClass: classFigures(confusion), accuracy: n ? correct / n : 0, loss: n ? lossSum / n : 0,
    misclassified: wrong.slice(0, INSIGHT_LIMITS.misclassified), misclassifiedTotal: wrong.length,
    predictions: encodeBytes(predictions), confidences: encodeBytes(confidences),
    backend, cached: false, seconds: (performance.now() - started) / 1000,
  };
  try {
    writeEvaluation(m.runDir, m.key, evaluation);
  } catch {
    // A read-only or full run folder only costs the cache; the answer is still right.
  }
  return evaluation;
}
