/**
 * insight.histograms: each layer's weights, and the gradients of the mean cross-entropy on a
 * fixed batch (the first INSIGHT_LIMITS.gradientSamples validation images), as histograms — the
 * usual first look at a network that does not learn (vanishing gradients in LeNet's sigmoids,
 * exploding ones at a high learning rate). Gradients are taken in evaluation mode (BatchNorm on
 * its running statistics, no dropout): training mode would move BatchNorm's statistics, and the
 * loaded checkpoint must stay as saved.
 */

import * as tf from '@tensorflow/tfjs-core';
import { INSIGHT_LIMITS, type Histogram, type Histograms, type HistogramsRequest, type LayerHistograms } from '../../../shared/insight';
import { validationBatch } from './data';
import type { RunModel } from './run-model';

/** tfjs's weight names → PyTorch's state_dict names, which the student knows from d2l. */
const TORCH_NAMES: Record<string, string> = { kernel: 'weight', bias: 'bias', gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' };

export function histogram(name: string, v: ArrayLike<number>, bins: number): Histogram {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
    sum += v[i];
  }
  const count = v.length;
  const mean = count ? sum / count : 0;
  let sq = 0;
  for (let i = 0; i < count; i++) sq += (v[i] - mean) ** 2;
  const counts = new Array<number>(bins).fill(0);
  const span = max - min;
  for (let i = 0; i < count; i++) counts[span > 0 ? Math.min(bins - 1, Math.floor(((v[i] - min) / span) * bins)) : 0]++;
  return { name, count, min: count ? min : 0, max: count ? max : 0, mean, std: count ? Math.sqrt(sq / count) : 0, counts };
}

const shortName = (original: string): string => {
  const last = original.slice(original.lastIndexOf('/') + 1).replace(/_\d+$/, '');
  return TORCH_NAMES[last] ?? last;
};

export function histograms(m: RunModel, req: Required<HistogramsRequest>): Histograms {
  const n = Math.min(INSIGHT_LIMITS.gradientSamples, m.valSamples);
  const b = validationBatch(0, n, m.imageSize);
  const trainable = m.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = tf.tidy(() => {
    const x = tf.tensor4d(b.x, [b.n, b.size, b.size, 1]);
    const y = tf.oneHot(tf.tensor1d(b.y, 'int32'), 10);
    const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, m.model.apply(x, { training: false }) as tf.Tensor) as tf.Scalar, trainable);
    return g;
  });
  const pathOf = new Map(m.layers.map((l) => [l.layerName, l]));
  const layers: LayerHistograms[] = [];
  try {
    for (const layer of m.model.layers) {
      if (!layer.weights.length) continue;
      const entry = pathOf.get(layer.name);
      const weights = layer.weights.map((w) => histogram(shortName(w.originalName), w.read().dataSync(), req.bins));
      const gradients = layer.trainableWeights.flatMap((w) => {
        const g = grads[(w.read() as tf.Variable).name];
        return g ? [histogram(shortName(w.originalName), g.dataSync(), req.bins)] : [];
      });
      layers.push({ path: entry?.path ?? layer.name, type: entry?.type ?? layer.getClassName(), weights, gradients });
    }
  } finally {
    tf.dispose(Object.values(grads));
  }
  return { runId: m.runId, epoch: m.epoch, gradientSamples: n, layers };
}
