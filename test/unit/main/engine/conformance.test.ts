/**
 * The tensors d2l 7.2–7.5 prints, reproduced through the compiled engine on
 * every CI backend (webgpu on SwiftShader). Fixed kernels are set explicitly, as the notebook
 * does. Results are read asynchronously, the one way WebGPU can read them.
 */

import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraph } from '../../../../main/engine-core/compile';
import { chain, grid, predictNCHWAsync as predictNCHW, setConvWeight } from './graph-helpers';
import { useWebgpu } from './backends/webgpu/helpers';

const X3 = grid(3, 3, (i, j) => i * 3 + j);
const X4 = grid(4, 4, (i, j) => i * 4 + j);
const EDGE_X = grid(6, 8, (_i, j) => (j >= 2 && j < 6 ? 0 : 1));
const EDGE_Y = grid(6, 7, (_i, j) => (j === 1 ? 1 : j === 5 ? -1 : 0));

const use = (backend: 'cpu' | 'wasm' | 'webgpu') => (backend === 'webgpu' ? useWebgpu() : initBackend(backend));

describe.each(['cpu', 'wasm', 'webgpu'] as const)('d2l conformance on %s', (backend) => {
  it('corr2d gives [[19,25],[37,43]]', async () => {
    await use(backend);
    const m = compileGraph(chain([1, 3, 3], ['Conv2d', { out_channels: 1, kernel_size: 2, bias: false }]));
    setConvWeight(m, 'n1', [[[[0, 1], [2, 3]]]]);
    expect(await predictNCHW(m, [X3])).toEqual([[[19, 25], [37, 43]]]);
  });

  it('the edge kernel [1,−1] finds vertical edges, and none in the transpose', async () => {
    await use(backend);
    const m = compileGraph(chain([1, 6, 8], ['Conv2d', { out_channels: 1, kernel_size: [1, 2], bias: false }]));
    setConvWeight(m, 'n1', [[[[1, -1]]]]);
    expect(await predictNCHW(m, [EDGE_X])).toEqual([EDGE_Y]);
    const t = compileGraph(chain([1, 8, 6], ['Conv2d', { out_channels: 1, kernel_size: [1, 2], bias: false }]));
    setConvWeight(t, 'n1', [[[[1, -1]]]]);
    const xt = grid(8, 6, (i, j) => EDGE_X[j][i]);
    expect(await predictNCHW(t, [xt])).toEqual([grid(8, 5, () => 0)]);
  });

  it('the horizontal edge kernel [[1],[−1]] (the notebook\'s exercise)', async () => {
    await use(backend);
    const x2 = grid(6, 8, (i) => (i >= 2 && i < 4 ? 0 : 1));
    const m = compileGraph(chain([1, 6, 8], ['Conv2d', { out_channels: 1, kernel_size: [2, 1], bias: false }]));
    setConvWeight(m, 'n1', [[[[1], [-1]]]]);
    expect(await predictNCHW(m, [x2])).toEqual([grid(5, 8, (i) => (i === 1 ? 1 : i === 3 ? -1 : 0))]);
  });

  const MULTI_X = [X3, grid(3, 3, (i, j) => i * 3 + j + 1)];
  const K = [[[0, 1], [2, 3]], [[1, 2], [3, 4]]];
  const plus = (k: number[][][], d: number) => k.map((c) => c.map((r) => r.map((v) => v + d)));

  it('multiple input channels give [[56,72],[104,120]]', async () => {
    await use(backend);
    const m = compileGraph(chain([2, 3, 3], ['Conv2d', { out_channels: 1, kernel_size: 2, bias: false }]));
    setConvWeight(m, 'n1', [K]);
    expect(await predictNCHW(m, MULTI_X)).toEqual([[[56, 72], [104, 120]]]);
  });

  it('multiple input and output channels (K, K+1, K+2)', async () => {
    await use(backend);
    const m = compileGraph(chain([2, 3, 3], ['Conv2d', { out_channels: 3, kernel_size: 2, bias: false }]));
    setConvWeight(m, 'n1', [K, plus(K, 1), plus(K, 2)]);
    expect(await predictNCHW(m, MULTI_X)).toEqual([[[56, 72], [104, 120]], [[76, 100], [148, 172]], [[96, 128], [192, 224]]]);
  });

  it('a 1×1 convolution is a matrix product over channels', async () => {
    await use(backend);
    const x = [0, 1, 2].map((c) => grid(3, 3, (i, j) => Math.sin(1 + c * 9 + i * 3 + j)));
    const k = [0, 1].map((o) => [0, 1, 2].map((c) => [[Math.cos(o * 3 + c)]]));
    const m = compileGraph(chain([3, 3, 3], ['Conv2d', { out_channels: 2, kernel_size: 1, bias: false }]));
    setConvWeight(m, 'n1', k);
    const y = await predictNCHW(m, x);
    let err = 0;
    for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const ref = [0, 1, 2].reduce((s, c) => s + k[o][c][0][0] * x[c][i][j], 0);
      err += Math.abs(y[o][i][j] - ref);
    }
    expect(err).toBeLessThan(1e-5);
  });

  it.each([
    ['max 2×2 stride 1 on 3×3', [1, 3, 3], X3, 'MaxPool2d', { kernel_size: 2, stride: 1 }, [[[4, 5], [7, 8]]]],
    ['avg 2×2 stride 1 on 3×3', [1, 3, 3], X3, 'AvgPool2d', { kernel_size: 2, stride: 1 }, [[[2, 3], [5, 6]]]],
    ['MaxPool2d(3)', [1, 4, 4], X4, 'MaxPool2d', { kernel_size: 3 }, [[[10]]]],
    ['MaxPool2d(3, padding=1, stride=2)', [1, 4, 4], X4, 'MaxPool2d', { kernel_size: 3, padding: 1, stride: 2 }, [[[5, 7], [13, 15]]]],
    ['MaxPool2d((2,3), stride=(2,3), padding=(0,1))', [1, 4, 4], X4, 'MaxPool2d', { kernel_size: [2, 3], stride: [2, 3], padding: [0, 1] }, [[[5, 7], [13, 15]]]],
  ] as const)('pooling: %s', async (_t, shape, x, type, params, want) => {
    await use(backend);
    const m = compileGraph(chain(shape as unknown as [number, number, number], [type, { ...params } as Record<string, number | [number, number]>]));
    expect(await predictNCHW(m, [x.map((r) => [...r])])).toEqual(want);
  });

  it('pooling two channels (X, X+1) with MaxPool2d(3, padding=1, stride=2)', async () => {
    await use(backend);
    const m = compileGraph(chain([2, 4, 4], ['MaxPool2d', { kernel_size: 3, padding: 1, stride: 2 }]));
    expect(await predictNCHW(m, [X4, X4.map((r) => r.map((v) => v + 1))])).toEqual([[[5, 7], [13, 15]], [[6, 8], [14, 16]]]);
  });

  it('max-pool padding is −∞ and avg-pool padding counts (PyTorch defaults)', async () => {
    await use(backend);
    const neg = grid(3, 3, (i, j) => -(i * 3 + j) - 1);
    const mx = compileGraph(chain([1, 3, 3], ['MaxPool2d', { kernel_size: 3, stride: 1, padding: 1 }]));
    expect((await predictNCHW(mx, [neg]))[0][0][0]).toBe(-1);
    const av = compileGraph(chain([1, 3, 3], ['AvgPool2d', { kernel_size: 3, stride: 1, padding: 1 }]));
    expect((await predictNCHW(av, [grid(3, 3, () => 1)]))[0][0][0]).toBeCloseTo(4 / 9, 6);
  });

  // The notebook's conv starts from PyTorch's default init; with torch.manual_seed(0) that draw is
  // [-0.005294, 0.379323], and PyTorch 1.13 (/usr/bin/python3) ends the 10 steps at loss 0.043339
  // with K = [1.006334, -0.966173]. Which start matters: the loss falls by 0.8^k along [1, 1], so a
  // start with |a + b| > 0.54 cannot reach 0.05 in 10 steps; hence the explicit start.
  it('learns the edge kernel: Conv2d 1×2 without bias, summed squared loss, lr 3e-2, 10 steps', async () => {
    await use(backend);
    const m = compileGraph(chain([1, 6, 8], ['Conv2d', { out_channels: 1, kernel_size: [1, 2], bias: false }]));
    setConvWeight(m, 'n1', [[[[-0.005293981172144413, 0.37932288646698]]]]);
    const x = tf.tensor4d(EDGE_X.flat(), [1, 6, 8, 1]);
    const y = tf.tensor4d(EDGE_Y.flat(), [1, 6, 7, 1]);
    const opt = tf.train.sgd(3e-2);
    let loss = Infinity;
    for (let i = 0; i < 10; i++) {
      const l = opt.minimize(() => tf.sum(tf.square(tf.sub(m.apply(x, { training: true }) as tf.Tensor, y))) as tf.Scalar, true)!;
      loss = (await l.data())[0];
      l.dispose();
    }
    const k = Array.from(await m.getLayer('n1').getWeights()[0].data());
    x.dispose(); y.dispose(); opt.dispose();
    expect(loss).toBeLessThan(0.05);
    expect(Math.abs(k[0] - 1)).toBeLessThan(0.1);
    expect(Math.abs(k[1] + 1)).toBeLessThan(0.1);
    // and step for step like PyTorch
    expect(loss).toBeCloseTo(0.04333857, 4);
    expect(k[0]).toBeCloseTo(1.0063342, 4);
    expect(k[1]).toBeCloseTo(-0.9661731, 4);
  });
});

