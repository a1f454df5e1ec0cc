/**
 * Conv2d with groups compiles to PyTorch's numbers: forward outputs and the gradients of a fixed
 * loss for the input and the weight, recorded with torch 1.13 (test/fixtures/graphs/torch_groups.py),
 * on both CI backends; and the shape engine's parameter count is the weight's numel.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraphDetailed } from '../../../../main/engine-core/compile';
import { chain, torchConvWeight } from './graph-helpers';

interface Case {
  in: number; out: number; groups: number; kernel: [number, number]; stride: number; padding: number; dilation: number; bias: boolean; hw: [number, number];
  x: number[][][][]; weight: number[][][][]; bias_values: number[] | null; y: number[][][][]; r: number[][][][]; grad_x: number[][][][]; grad_weight: number[][][][];
}

const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/graphs/torch_groups.json', import.meta.url)), 'utf8')) as Case[];
const nhwc = (t: number[][][][]) => tf.transpose(tf.tensor4d(t), [0, 2, 3, 1]);
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe.each(['cpu', 'wasm'] as const)('grouped Conv2d on %s', (backend) => {
  it.each(cases.map((c) => [`in ${c.in}, out ${c.out}, groups ${c.groups}, kernel ${c.kernel.join('×')}, stride ${c.stride}, padding ${c.padding}, dilation ${c.dilation}${c.bias ? '' : ', no bias'}`, c] as const))('%s', async (_title, c) => {
    await initBackend(backend);
    const doc = chain([c.in, c.hw[0], c.hw[1]], ['Conv2d', { out_channels: c.out, kernel_size: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, bias: c.bias }]);
    const { model, analysis } = compileGraphDetailed(doc);
    // PyTorch's numel: weight [out, in / groups, kh, kw] plus the bias.
    expect(analysis.nodes.n1.params).toBe(c.out * (c.in / c.groups) * c.kernel[0] * c.kernel[1] + (c.bias ? c.out : 0));
    const kernel = torchConvWeight(c.weight);
    model.getLayer('n1').setWeights(c.bias ? [kernel, tf.tensor1d(c.bias_values!)] : [kernel]);

    const x = nhwc(c.x);
    const y = model.predict(x) as tf.Tensor;
    expect(maxDiff(y, nhwc(c.y))).toBeLessThan(1e-5);

    // Dilated groups go through DilatedConv2d's path, which has gradients on every backend.
    const r = nhwc(c.r);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(model.apply(input) as tf.Tensor, r));
    const gradX = tf.grad(loss)(x);
    expect(maxDiff(gradX, nhwc(c.grad_x))).toBeLessThan(1e-4);
    const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, model.trainableWeights.map((w) => w.read() as tf.Variable));
    const gradKernel = Object.values(grads).find((g) => g.rank === 4)!;
    expect(maxDiff(gradKernel, torchConvWeight(c.grad_weight))).toBeLessThan(1e-4);
    tf.dispose([r, gradX, ...Object.values(grads)]);
    tf.dispose([kernel, x, y]);
    model.dispose();
  });
});
