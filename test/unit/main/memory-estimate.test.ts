/**
 * The memory estimate (shared/shapes/memory.ts) against TensorFlow.js itself: one real training
 * step (compiled by main/engine-core/compile.ts, SGD, softmax cross-entropy, as the trainer does) under
 * tf.profile, whose peakBytes counts every tensor byte alive at once. The estimate must be a lower
 * bound (the plan refuses on it, so it must never refuse what fits) and within an order of
 * magnitude (so it says something). Byte counts are deterministic: this is not a measurement of
 * speed or of the process's memory.
 */

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/analyze';
import { estimateMemory } from '../../../shared/shapes/memory';
import { getTemplate } from '../../../shared/templates/index';
import { compileGraph } from '../../../main/engine-core/compile';
import { bnResidualNet, reluLenet } from './engine/train-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function peakOfOneStep(doc: GraphDoc, batch: number): Promise<number> {
  const a = analyzeGraph(doc);
  const [, c, h, w] = a.nodes[a.inputId!].shape!;
  const model = compileGraph(doc, { seed: 0 });
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const optimizer = tf.train.sgd(0.01);
  const x = tf.randomNormal([batch, h, w, c]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  try {
    const info = await tf.profile(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, vars);
    });
    return info.peakBytes;
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

describe('the memory estimate is a lower bound of what tfjs allocates, within 10×', () => {
  it.each([
    ['LeNet (ReLU)', 8, reluLenet()],
    ['BN-LeNet', 4, getTemplate('bn-lenet')!],
    ['BatchNorm + both Residual kinds + Dropout', 4, bnResidualNet()],
  ] as [string, number, GraphDoc][])('%s at batch %d', async (_name, batch, doc) => {
    const estimate = estimateMemory(analyzeGraph(doc), { batch }).totals.total;
    const peak = await peakOfOneStep(doc, batch);
    expect(estimate).toBeLessThanOrEqual(peak);
    expect(peak).toBeLessThan(10 * estimate);
  });
});
