import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../../../../main/engine/backends/index';
import { compileGraph } from '../../../../../../main/engine-core/compile';
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

// tfjs-backend-wasm 4.22's own MaxPoolGrad loses the gradient of every window whose maximum is
// negative (it starts its running maximum at 0), and places ties among zeros differently from
// cpu and PyTorch (the first maximum in row-major order takes it all).
type PoolCase = { title: string; x: [number, number, number, number]; k: [number, number]; s: [number, number]; pad: 'valid' | 'same'; values: (n: number) => Float32Array };
const negative = (n: number) => data(n, 5).map((v) => v - 0.75);
const tiesAtZero = (n: number) => data(n, 6).map((v) => Math.max(0, v) * (v > 0.3 ? 1 : 0));
const POOL_CASES: PoolCase[] = [
  { title: 'all negative 4×4, k 2 s 2 (the finding)', x: [1, 4, 4, 1], k: [2, 2], s: [2, 2], pad: 'valid', values: (n) => Float32Array.from({ length: n }, (_, i) => -1 - i) },
  { title: 'negative, k 2 s 2, 3 channels', x: [2, 8, 8, 3], k: [2, 2], s: [2, 2], pad: 'valid', values: negative },
  { title: 'negative, overlapping k 3 s 2', x: [2, 9, 9, 2], k: [3, 3], s: [2, 2], pad: 'valid', values: negative },
  { title: 'negative, k 3 s 1 same', x: [1, 7, 6, 2], k: [3, 3], s: [1, 1], pad: 'same', values: negative },
  { title: 'negative, k 2×3 s 1×2', x: [2, 6, 9, 1], k: [2, 3], s: [1, 2], pad: 'valid', values: negative },
  { title: 'ReLU-like ties at zero, k 3 s 2 same', x: [2, 10, 10, 4], k: [3, 3], s: [2, 2], pad: 'same', values: tiesAtZero },
  { title: 'mixed signs, k 2 s 2', x: [3, 12, 12, 2], k: [2, 2], s: [2, 2], pad: 'valid', values: (n) => data(n, 7) },
];

async function poolGrad(backend: 'cpu' | 'wasm', c: PoolCase): Promise<Float32Array> {
  await initBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(c.values(c.x.reduce((a, b) => a * b)), c.x);
    const f = (t: tf.Tensor) => {
      const y = tf.maxPool(t as tf.Tensor4D, c.k, c.s, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(Float32Array.from({ length: y.size }, (_, i) => i + 1), y.shape)));
    };
    return tf.grad(f)(x).dataSync() as Float32Array;
  });
}

describe('wasm MaxPoolGrad against cpu', () => {
  it.each(POOL_CASES.map((c) => [c.title, c] as const))('%s', async (_t, c) => {
    const ref = await poolGrad('cpu', c);
    const got = await poolGrad('wasm', c);
    expect(Array.from(got)).toEqual(Array.from(ref));
  });

  it('the finding\'s 4×4 gets 1, 2, 3, 4 at the four maxima', async () => {
    const got = await poolGrad('wasm', POOL_CASES[0]);
    expect(Array.from(got)).toEqual([1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
  });
});

describe('whole-model gradients: wasm against cpu', () => {
  const NETS = {
    // Every layer kind the compiler emits (padded convs, BatchNorm, −∞-padded max pool, avg pool,
    // Residual with 1×1 shortcut, adaptive pool, torch-order Flatten, BatchNorm1d, Linear), so a
    // training kernel missing or wrong on wasm shows up here.
    'every layer kind': chain([1, 14, 14],
      ['Conv2d', { out_channels: 4, kernel_size: 3, padding: [1, 2] }], ['BatchNorm2d', {}], ['ReLU', {}],
      ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }], ['Residual', { num_channels: 6, use_1x1conv: true, strides: 2 }],
      ['AvgPool2d', { kernel_size: 2, stride: 1, padding: 1 }], ['Tanh', {}],
      ['AdaptiveAvgPool2d', { output_size: [3, 2] }], ['Flatten', {}], ['Linear', { out_features: 12 }], ['BatchNorm1d', {}], ['Sigmoid', {}],
      ['Linear', { out_features: 10 }]),
    // A convolution straight into a max pool: many windows have a negative maximum.
    'conv → max pool without ReLU': chain([1, 14, 14],
      ['Conv2d', { out_channels: 4, kernel_size: 3, padding: 1 }], ['MaxPool2d', { kernel_size: 2, stride: 2 }],
      ['Conv2d', { out_channels: 6, kernel_size: 3 }], ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }],
      ['Flatten', {}], ['Linear', { out_features: 10 }]),
  };

  async function grads(backend: 'cpu' | 'wasm', doc: (typeof NETS)[keyof typeof NETS]): Promise<Float32Array[]> {
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

  it.each(Object.entries(NETS))('%s: agree to 1e-4 for every trainable weight', async (_t, doc) => {
    const ref = await grads('cpu', doc);
    const got = await grads('wasm', doc);
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
