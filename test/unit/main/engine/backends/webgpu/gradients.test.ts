/**
 * Gradient checks: every layer kind ConvStudio compiles, run forward and backward on webgpu
 * (SwiftShader here) and on the cpu backend (tfjs's reference) with the same weights and input;
 * the loss and the gradients of the input and of every weight agree to float32 noise. Shapes are
 * small: SwiftShader compiles each kernel for each shape, and that, not arithmetic, is the cost.
 */

import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../../../main/engine/backends/index';
import { releaseWebgpu } from '../../../../../../main/engine/backends/webgpu/index';
import { compileGraph } from '../../../../../../main/engine-core/compile';
import type { ParamValue } from '../../../../../../shared/graph/types';
import { chain } from '../../graph-helpers';
import { SWIFTSHADER_TIMEOUT_MS, useWebgpu } from './helpers';

type Layer = [string, Record<string, ParamValue>];

interface Pass {
  loss: number;
  /** d loss / d input, then d loss / d each trainable weight, flattened. */
  grads: Float32Array[];
  weights: Float32Array[];
}

/** A fixed pseudo-random sequence, the same on every backend (no tfjs random ops involved). */
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);

async function pass(input: [number, number, number], layers: Layer[], weights: Float32Array[] | null): Promise<Pass> {
  const model = compileGraph(chain(input, ...layers), { seed: 0 });
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const [c, h, w] = input;
  const x = tf.tensor4d(values(2 * c * h * w, 1), [2, h, w, c]);
  const outShape = (model.outputs[0].shape as number[]).map((d) => d ?? 2);
  const r = tf.tensor(values(outShape.reduce((a, b) => a * b, 1), 2), outShape);
  // A weighted sum reaches every output element with a different gradient, unlike a plain sum.
  const f = (xi: tf.Tensor) => tf.sum(tf.mul(model.apply(xi, { training: true }) as tf.Tensor, r)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(() => f(x), model.trainableWeights.map((v) => v.read() as tf.Variable));
  const dx = tf.grad(f)(x);
  const out: Pass = {
    loss: (await value.data())[0],
    grads: [await dx.data() as Float32Array, ...(await Promise.all(model.trainableWeights.map((v) => grads[(v.read() as tf.Variable).name].data()))) as Float32Array[]],
    weights: (await Promise.all(model.getWeights().map((t) => t.data()))) as Float32Array[],
  };
  tf.dispose([x, r, value, dx, ...Object.values(grads)]);
  model.dispose();
  return out;
}

/** The largest difference, relative to the reference's scale (|b| below 1 counts as 1). */
function worst(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

const CASES: [string, [number, number, number], Layer[]][] = [
  ['Conv2d 3×3, padding 1', [2, 6, 6], [['Conv2d', { out_channels: 3, kernel_size: 3, padding: 1 }]]],
  ['Conv2d 3×3, stride 2, no bias', [2, 7, 7], [['Conv2d', { out_channels: 3, kernel_size: 3, stride: 2, bias: false }]]],
  ['Conv2d 5×5 (LeNet\'s), padding 2', [1, 8, 8], [['Conv2d', { out_channels: 2, kernel_size: 5, padding: 2 }]]],
  ['Conv2d 2×3, asymmetric padding [1, 0]', [1, 6, 6], [['Conv2d', { out_channels: 2, kernel_size: [2, 3], padding: [1, 0] }]]],
  ['Conv2d 1×1 (ResNet\'s shortcut), stride 2', [3, 6, 6], [['Conv2d', { out_channels: 2, kernel_size: 1, stride: 2 }]]],
  ['MaxPool2d 2×2', [2, 6, 6], [['Conv2d', { out_channels: 2, kernel_size: 1 }], ['MaxPool2d', { kernel_size: 2 }]]],
  ['MaxPool2d 3, stride 2, padding 1 (−∞ padding)', [1, 7, 7], [['Conv2d', { out_channels: 2, kernel_size: 1 }], ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }]]],
  ['AvgPool2d 3, stride 1, padding 1 (zeros counted)', [1, 5, 5], [['Conv2d', { out_channels: 2, kernel_size: 1 }], ['AvgPool2d', { kernel_size: 3, stride: 1, padding: 1 }]]],
  // A ReLU before each BatchNorm: right before one, a bias has no gradient at all.
  ['BatchNorm2d in training mode', [2, 4, 4], [['Conv2d', { out_channels: 3, kernel_size: 1 }], ['ReLU', {}], ['BatchNorm2d', {}]]],
  ['ReLU, Sigmoid, Tanh, LeakyReLU', [1, 4, 4], [['Conv2d', { out_channels: 2, kernel_size: 1 }], ['ReLU', {}], ['Conv2d', { out_channels: 2, kernel_size: 1 }], ['Sigmoid', {}], ['Conv2d', { out_channels: 2, kernel_size: 1 }], ['Tanh', {}], ['LeakyReLU', { negative_slope: 0.1 }]]],
  ['Residual with a 1×1 shortcut, stride 2', [2, 6, 6], [['Residual', { num_channels: 3, use_1x1conv: true, strides: 2 }]]],
  ['AdaptiveAvgPool2d, Flatten, Linear, BatchNorm1d, Dropout 0', [2, 4, 4], [['AdaptiveAvgPool2d', { output_size: 2 }], ['Flatten', {}], ['Linear', { out_features: 4 }], ['ReLU', {}], ['BatchNorm1d', {}], ['Dropout', { p: 0 }], ['Linear', { out_features: 3 }]]],
];

describe('gradients on webgpu agree with the cpu backend', () => {
  afterAll(() => releaseWebgpu());

  it.each(CASES)('%s', async (_t, input, layers) => {
    await initBackend('cpu');
    const ref = await pass(input, layers, null);
    await useWebgpu();
    const got = await pass(input, layers, ref.weights);
    expect(tf.getBackend()).toBe('webgpu');
    expect(Math.abs(got.loss - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThan(1e-4);
    expect(got.grads.length).toBe(ref.grads.length);
    got.grads.forEach((g, i) => expect(worst(g, ref.grads[i]), i === 0 ? 'd input' : `d weight ${i}`).toBeLessThan(1e-3));
    // Not vacuous: the input's and most weights' gradients are not zero. (A bias right before a
    // BatchNorm, as in d2l's Residual, has none: the normalisation subtracts it again.)
    const live = (g: Float32Array) => g.some((v) => Math.abs(v) > 1e-6);
    expect(live(ref.grads[0])).toBe(true);
    expect(ref.grads.filter(live).length).toBeGreaterThan(ref.grads.length / 2);
  }, SWIFTSHADER_TIMEOUT_MS);
});
