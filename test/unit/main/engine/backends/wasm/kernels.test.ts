import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../../../main/engine/backends/index';
import { compileGraph } from '../../../../../../main/engine/compile';
import { chain } from '../../graph-helpers';

// Deterministic pseudo-random data, so both backends see identical inputs.
function data(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

type Pad = 'valid' | 'same' | number;
const CASES: { x: [number, number, number, number]; k: [number, number]; co: number; stride: number | [number, number]; pad: Pad }[] = [
  { x: [2, 8, 8, 3], k: [3, 3], co: 4, stride: 1, pad: 'valid' },
  { x: [2, 9, 7, 2], k: [3, 3], co: 3, stride: 2, pad: 'same' },
  { x: [3, 28, 28, 1], k: [5, 5], co: 6, stride: 1, pad: 2 },
  { x: [2, 10, 10, 6], k: [5, 5], co: 16, stride: 1, pad: 'valid' },
  { x: [1, 11, 13, 2], k: [1, 1], co: 5, stride: 2, pad: 'valid' },
  { x: [2, 12, 12, 3], k: [7, 7], co: 4, stride: 2, pad: 3 },
  { x: [2, 8, 9, 2], k: [2, 3], co: 3, stride: [2, 3], pad: 'valid' },
];

async function filterGrad(backend: 'cpu' | 'wasm', c: (typeof CASES)[number]): Promise<Float32Array> {
  await initBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(data(c.x.reduce((a, b) => a * b), 1), c.x);
    const wShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.co];
    const w = tf.tensor4d(data(wShape.reduce((a, b) => a * b), 2), wShape);
    const f = (wt: tf.Tensor) => {
      const y = tf.conv2d(x, wt as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(data(y.size, 3), y.shape)));
    };
    return tf.grad(f)(w).dataSync() as Float32Array;
  });
}

describe('wasm Conv2DBackpropFilter against cpu', () => {
  beforeAll(async () => { await initBackend('wasm'); });
  it.each(CASES.map((c) => [`x ${c.x.join('×')} k ${c.k.join('×')} stride ${String(c.stride)} pad ${c.pad}`, c] as const))('%s', async (_t, c) => {
    const ref = await filterGrad('cpu', c);
    const got = await filterGrad('wasm', c);
    expect(got.length).toBe(ref.length);
    expect(maxRelErr(got, ref)).toBeLessThan(1e-4);
  });
});

describe('whole-model gradients: wasm against cpu', () => {
  // Every layer kind the compiler emits (padded convs, BatchNorm, −∞-padded max pool, avg pool,
  // Residual with 1×1 shortcut, adaptive pool, torch-order Flatten, BatchNorm1d, Linear), so a
  // training kernel missing or wrong on wasm shows up here.
  const doc = chain([1, 14, 14],
    ['Conv2d', { out_channels: 4, kernel_size: 3, padding: [1, 2] }], ['BatchNorm2d', {}], ['ReLU', {}],
    ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }], ['Residual', { num_channels: 6, use_1x1conv: true, strides: 2 }],
    ['AvgPool2d', { kernel_size: 2, stride: 1, padding: 1 }], ['Tanh', {}],
    ['AdaptiveAvgPool2d', { output_size: [3, 2] }], ['Flatten', {}], ['Linear', { out_features: 12 }], ['BatchNorm1d', {}], ['Sigmoid', {}],
    ['Linear', { out_features: 10 }]);

  async function grads(backend: 'cpu' | 'wasm'): Promise<Float32Array[]> {
    await initBackend(backend);
    const m = compileGraph(doc, { seed: 4 });
    const out = tf.tidy(() => {
      const x = tf.tensor4d(data(4 * 14 * 14, 9), [4, 14, 14, 1]);
      const y = tf.oneHot(tf.tensor1d([1, 3, 5, 7], 'int32'), 10);
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
      return vars.map((v) => g[v.name].dataSync() as Float32Array);
    });
    m.dispose();
    return out;
  }

  it('agree to 1e-4 for every trainable weight', async () => {
    const ref = await grads('cpu');
    const got = await grads('wasm');
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) {
      // A conv bias right before BatchNorm has a true gradient of 0 (BN removes the mean); its
      // values are rounding noise (~1e-7), so errors are relative to at least 0.05.
      const scale = Math.max(0.05, ...ref[i].map(Math.abs));
      let err = 0;
      for (let j = 0; j < ref[i].length; j++) err = Math.max(err, Math.abs(got[i][j] - ref[i][j]) / scale);
      expect(err).toBeLessThan(1e-4);
    }
  });
});
