/**
 * Dilated convolutions against PyTorch: forward and all three gradients (input, weight, bias),
 * including stride and dilation both above 1, which tfjs's own conv2d refuses ("Either strides or
 * dilations must be 1") and tfjs 4.22 cannot differentiate at all. The reference numbers are in
 * test/fixtures/graphs/torch_dilated.json (see torch_dilated.py beside it).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { planTraining } from '../../../../shared/training/plan';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training';
import { initBackend, listBackends } from '../../../../main/engine/backends/index';
import { compileGraph } from '../../../../main/engine-core/compile';
import { chain } from './graph-helpers';

interface Case {
  name: string; input: [number, number, number]; out_channels: number; kernel: [number, number]; stride: [number, number];
  padding: [number, number] | 'same'; dilation: [number, number]; outShape: [number, number, number, number];
  y: number[]; dx: number[]; dw: number[]; db: number[];
}

const torch = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/graphs/torch_dilated.json', import.meta.url)), 'utf8')) as { cases: Case[] };

const values = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

function maxErr(got: ArrayLike<number>, want: number[]): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return m;
}

function graphOf(c: Case) {
  return chain(c.input, ['Conv2d', { out_channels: c.out_channels, kernel_size: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation }]);
}

describe('dilated Conv2d: the shape engine agrees with PyTorch', () => {
  it.each(torch.cases.map((c) => [c.name, c] as const))('%s', (_t, c) => {
    const a = analyzeGraph(graphOf(c));
    expect(a.ok).toBe(true);
    expect(a.nodes.n1.shape).toEqual([1, ...c.outShape.slice(1)]);
  });
});

// cpu and wasm everywhere; the native backend where its addon is built.
const BACKENDS = (await listBackends()).filter((b) => b.available && ['cpu', 'wasm', 'native'].includes(b.name)).map((b) => b.name as 'cpu' | 'wasm' | 'native');

describe.each(BACKENDS)('dilated Conv2d against PyTorch on %s', (backend) => {
  it.each(torch.cases.map((c) => [c.name, c] as const))('%s: forward and gradients', async (_t, c) => {
    await initBackend(backend);
    const [ci, h, w] = c.input;
    const [kh, kw] = c.kernel;
    const co = c.out_channels;
    const m = compileGraph(graphOf(c), { seed: 1 });
    const layer = m.getLayer('n1');
    const [kernel, bias] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const result = tf.tidy(() => {
      // PyTorch [out, in, kh, kw] → tfjs [kh, kw, in, out]; NCHW → NHWC.
      kernel.assign(tf.transpose(tf.tensor4d(values(co * ci * kh * kw, (i) => 0.5 * Math.cos(0.07 * i)), [co, ci, kh, kw]), [2, 3, 1, 0]));
      bias.assign(tf.tensor1d(values(co, (i) => 0.1 * i)));
      const x = tf.variable(tf.transpose(tf.tensor4d(values(2 * ci * h * w, (i) => Math.sin(0.1 * i + 0.3)), [2, ci, h, w]), [0, 2, 3, 1]));
      const g = tf.tensor4d(values(c.y.length, (i) => Math.sin(0.05 * i + 1)), c.outShape);
      const forward = () => tf.transpose(m.apply(x, { training: true }) as tf.Tensor4D, [0, 3, 1, 2]);
      const y = forward().dataSync();
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(), g)) as tf.Scalar, [x, kernel, bias]);
      const out = {
        y,
        dx: tf.transpose(grads[x.name], [0, 3, 1, 2]).dataSync(),
        dw: tf.transpose(grads[kernel.name], [3, 2, 0, 1]).dataSync(),
        db: grads[bias.name].dataSync(),
      };
      x.dispose();
      return out;
    });
    m.dispose();
    expect(maxErr(result.y, c.y)).toBeLessThan(1e-4);
    expect(maxErr(result.dx, c.dx)).toBeLessThan(1e-4);
    expect(maxErr(result.dw, c.dw)).toBeLessThan(1e-4);
    expect(maxErr(result.db, c.db)).toBeLessThan(1e-4);
  });
});

describe('dilated convolutions can be trained', () => {
  it('the plan accepts a dilated, strided Conv2d', () => {
    const doc = chain([1, 28, 28], ['Conv2d', { out_channels: 4, kernel_size: 3, stride: 2, dilation: 2 }], ['ReLU', {}], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const planned = planTraining(doc, DEFAULT_TRAIN_CONFIG);
    expect(planned.ok ? null : planned.error.message).toBeNull();
  });
});
