/**
 * The Kernel lab's pure parts: its checks give the canvas's own diagnostics for the same layer,
 * its scenes have the shapes the notebook prints (d2l 7.3's torch.Size lines included), the hover
 * windows are the cells PyTorch reads, and the starting kernel is PyTorch's draw.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GraphNode, ParamValue } from '../../../shared/graph/types';
import { checkConv1x1, checkCorrelate, checkFashionImage, checkLearn, checkPool } from '../../../shared/lab/check';
import { labGraph, LAB_CONV_ID, LAB_POOL_ID } from '../../../shared/lab/graphs';
import { CHANNEL_SCENES, CORRELATE_SCENES, INPUT_PRESETS, KERNEL_PRESETS, LEARN_SCENES, POOL_SCENES, oneByOneScene } from '../../../shared/lab/presets';
import { mt19937, torchConvInit } from '../../../shared/lab/torch-init';
import { windowCells } from '../../../shared/lab/windows';
import { analyzeGraph } from '../../../shared/shapes/index';

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/lab/torch_lab.json', import.meta.url)), 'utf8')) as {
  init: { seed: number; kernel: [number, number]; weight: number[][] }[];
  learn: { y: number[][] }[];
};
const X2 = [[[0, 1], [2, 3]]];
const X3 = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]];
const ones = (h: number, w: number) => Array.from({ length: h }, () => new Array(w).fill(1));

/** What the canvas says about the same layer fed the same input: the node's own diagnostics. */
function canvasSays(input: [number, number, number], node: GraphNode): string[] {
  return analyzeGraph(labGraph(input, node)).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}

describe('bad input gets the canvas\'s diagnostics', () => {
  const conv = (params: Record<string, ParamValue>): GraphNode => ({ id: LAB_CONV_ID, type: 'Conv2d', params: { out_channels: 1, bias: false, ...params } });
  it.each([
    ['a stride of 0', { x: X3, k: [[ones(2, 2)]], stride: 0 }, [1, 3, 3], conv({ kernel_size: [2, 2], stride: 0 }), 'stride must be a whole number ≥ 1'],
    ['a stride that is text', { x: X3, k: [[ones(2, 2)]], stride: 'two' }, [1, 3, 3], conv({ kernel_size: [2, 2], stride: 'two' }), 'stride must be a whole number ≥ 1'],
    ['a kernel larger than the padded input', { x: X2, k: [[ones(3, 3)]] }, [1, 2, 2], conv({ kernel_size: [3, 3] }), 'kernel 3 is larger than the padded input 2 (2 + 2·0)'],
    ['a kernel taller than the input', { x: X2, k: [[ones(3, 1)]], padding: [0, 1] }, [1, 2, 2], conv({ kernel_size: [3, 1], padding: [0, 1] }), 'kernel height 3 is larger than the padded input height 2'],
    ['a negative padding', { x: X3, k: [[ones(2, 2)]], padding: -1 }, [1, 3, 3], conv({ kernel_size: [2, 2], padding: -1 }), 'padding must be'],
    ['"same" with stride 2', { x: X3, k: [[ones(3, 3)]], padding: 'same', stride: 2 }, [1, 3, 3], conv({ kernel_size: [3, 3], padding: 'same', stride: 2 }), 'padding "same" works only with stride 1'],
    ['a dilation of 0', { x: X3, k: [[ones(2, 2)]], dilation: 0 }, [1, 3, 3], conv({ kernel_size: [2, 2], dilation: 0 }), 'dilation must be'],
    ['a dilated kernel too wide', { x: X3, k: [[ones(1, 2)]], dilation: 3 }, [1, 3, 3], conv({ kernel_size: [1, 2], dilation: 3 }), 'kernel width 2 (dilated to 4) is larger'],
  ] as const)('cross-correlation, %s', (_what, req, input, node, words) => {
    const r = checkCorrelate(req);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.error.diagnostics.map((d) => d.message);
    expect(messages).toEqual(canvasSays(input as unknown as [number, number, number], node));
    expect(r.error.message).toContain(words);
  });

  it('offers the canvas\'s fix for a kernel that does not fit', () => {
    const r = checkCorrelate({ x: X2, k: [[ones(3, 3)]] });
    expect(!r.ok && r.error.diagnostics[0].fix).toMatchObject({ kind: 'setParam', param: 'padding', value: 1, label: 'Padding 1 gives 2×2' });
  });

  const pool = (type: string, params: Record<string, ParamValue>): GraphNode => ({ id: LAB_POOL_ID, type, params });
  it.each([
    ['padding over half the kernel', { dims: 2, mode: 'max', x: X3, kernel: 2, padding: 2 }, pool('MaxPool2d', { kernel_size: 2, stride: 2, padding: 2 }), 'padding 2 is more than half the kernel 2'],
    ['a window larger than the input', { dims: 2, mode: 'avg', x: X2, kernel: 3 }, pool('AvgPool2d', { kernel_size: 3, stride: 3, padding: 0 }), 'kernel 3 is larger than the padded input 2'],
    ['a stride of 0', { dims: 2, mode: 'max', x: X3, kernel: 2, stride: 0 }, pool('MaxPool2d', { kernel_size: 2, stride: 0, padding: 0 }), 'stride must be a whole number ≥ 1'],
  ] as const)('pooling, %s', (_what, req, node, words) => {
    const r = checkPool(req);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.diagnostics.map((d) => d.message)).toEqual(canvasSays([req.x.length, req.x[0].length, req.x[0][0].length], node));
    expect(r.error.message).toContain(words);
  });

  it.each([
    ['a cell that is text', { x: [[[0, 'one'], [2, 3]]], k: [[[[1]]]] }, 'X[0, 0, 1] is "one", not a number'],
    ['an empty cell', { x: [[[0, null], [2, 3]]], k: [[[[1]]]] }, 'X[0, 0, 1] is empty, not a number'],
    ['rows of different lengths', { x: [[[0, 1], [2]]], k: [[[[1]]]] }, 'X[0] must be rectangular: row 1 has 1 value, row 0 has 2'],
    ['a huge value', { x: [[[1e9]]], k: [[[[1]]]] }, 'between −1,000,000 and 1,000,000'],
    ['too many rows', { x: [ones(65, 1)], k: [[[[1]]]] }, 'X[0] has 65 rows; the lab takes at most 64'],
    ['K for one channel on a two-channel X', { x: [...X2, ...X2], k: [[ones(1, 1)]] }, 'K has 1 input channel but X has 2'],
    ['output kernels of two sizes', { x: X3, k: [[ones(1, 1)], [ones(2, 2)]] }, 'must have the same size'],
    ['no kernel', { x: X3, k: [] }, 'K must be a list of kernels'],
  ] as const)('the lab\'s own words: %s', (_what, req, words) => {
    const r = checkCorrelate(req);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(words);
  });

  it.each([
    ['3-D padding over half the kernel', { dims: 3, mode: 'max', x: X3, kernel: [1, 2, 2], padding: [1, 0, 0] }, 'MaxPool3d pool: depth padding 1 is more than half the kernel 1 (at most 0)'],
    ['a 3-D window deeper than the input', { dims: 3, mode: 'avg', x: X3, kernel: [2, 2, 2] }, 'kernel depth 2 is larger than the padded input depth 1 (1 + 2·0)'],
    ['a 3-D stride of 0', { dims: 3, mode: 'max', x: X3, kernel: 1, stride: 0 }, 'stride must be a whole number from 1'],
    ['a 3-D kernel of two values', { dims: 3, mode: 'max', x: X3, kernel: [1, 2] }, 'or a triple [d, h, w]'],
    ['an unknown mode', { dims: 2, mode: 'min', x: X3, kernel: 1 }, 'mode must be "max" or "avg"'],
    ['4-D pooling', { dims: 4, mode: 'max', x: X3, kernel: 1 }, 'dims must be 2 or 3'],
  ] as const)('pooling: %s', (_what, req, words) => {
    const r = checkPool(req);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(words);
  });

  const edge = { x: INPUT_PRESETS[1].x, y: fixture.learn[0].y, kernel: [1, 2], lr: 0.03, steps: 10, seed: 0 };
  it.each([
    ['a target of another size', { ...edge, kernel: [2, 1] }, 'Y is 6×7, but a 2×1 kernel on the 6×8 X gives 5×8'],
    ['a learning rate of 0', { ...edge, lr: 0 }, 'learning rate must be a number above 0'],
    ['a learning rate that is text', { ...edge, lr: 'fast' }, 'it is "fast"'],
    ['0 steps', { ...edge, steps: 0 }, 'Steps must be a whole number from 1 to 500'],
    ['a fractional seed', { ...edge, seed: 0.5 }, 'seed must be a whole number'],
    ['a kernel larger than X', { ...edge, kernel: 9 }, 'kernel height 9 is larger than the padded input height 6'],
  ] as const)('learning: %s', (_what, req, words) => {
    const r = checkLearn(req);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(words);
  });

  it('a 1×1 kernel must have one weight per input channel', () => {
    const r = checkConv1x1({ x: [...X2, ...X2, ...X2], k: [[1, 2]] });
    expect(!r.ok && r.error.message).toContain('K has 2 columns but X has 3 channels');
  });

  it.each([[-1], [10_000], [1.5], ['3']])('Fashion-MNIST index %s is refused', (index) => {
    expect(checkFashionImage({ index }, 10_000).ok).toBe(false);
  });
});

describe('the scenes have the notebook\'s shapes', () => {
  const want: Record<string, [number, number]> = {
    corr2d: [2, 2], edges: [6, 7], 'edges-t': [8, 5], horizontal: [5, 8],
    // d2l 7.3 prints torch.Size([8, 8]), [8, 8], [4, 4] and [2, 2] for these.
    'pad-3': [8, 8], 'pad-5x3': [8, 8], 'stride-2': [4, 4], 'stride-3x4': [2, 2],
  };
  it.each(CORRELATE_SCENES.map((s) => [s.id, s] as const))('cross-correlation scene %s', (id, s) => {
    const r = checkCorrelate({ x: [s.x], k: [[s.k]], stride: s.stride, padding: s.padding, dilation: s.dilation });
    expect(r.ok && r.value.out.slice(1)).toEqual(want[id]);
  });

  it.each(CHANNEL_SCENES.map((s) => [s.id, s] as const))('channel scene %s', (_id, s) => {
    const r = checkCorrelate({ x: s.x, k: s.k });
    expect(r.ok && r.value.out).toEqual([s.k.length, 2, 2]);
  });

  it.each(POOL_SCENES.map((s) => [s.id, s] as const))('pooling scene %s', (id, s) => {
    const r = checkPool(s);
    const shape: Record<string, number[]> = {
      'max-2x2': [1, 2, 2], 'avg-2x2': [1, 2, 2], 'max-3': [1, 1, 1], 'max-3-p1-s2': [1, 2, 2], 'max-2x3': [1, 2, 2], 'max-2ch': [2, 2, 2], 'max-3d': [2, 2, 2], 'avg-3d': [2, 2, 2],
    };
    expect(r.ok && r.value.out).toEqual(shape[id]);
  });

  it.each(LEARN_SCENES.map((s) => [s.id, s] as const))('learning scene %s: the target kernel makes a Y of the learned kernel\'s output size', (_id, s) => {
    const y = checkCorrelate({ x: [s.x], k: [[s.target]] });
    expect(y.ok).toBe(true);
    if (!y.ok) return;
    const r = checkLearn({ x: s.x, y: new Array(y.value.out[1]).fill(0).map(() => new Array(y.value.out[2]).fill(0)), kernel: s.kernel, lr: s.lr, steps: s.steps, seed: 0 });
    expect(r.ok).toBe(true);
  });

  it('every preset is a valid grid for the lab', () => {
    for (const p of INPUT_PRESETS) expect(checkCorrelate({ x: [p.x], k: [[[[1]]]] }).ok, p.id).toBe(true);
    for (const p of KERNEL_PRESETS) expect(checkCorrelate({ x: [ones(8, 8)], k: [[p.k]] }).ok, p.id).toBe(true);
    const one = oneByOneScene(1);
    expect(checkConv1x1(one).ok).toBe(true);
    expect(oneByOneScene(1)).toEqual(one);
    expect(oneByOneScene(2)).not.toEqual(one);
  });
});

describe('hover windows', () => {
  // Brute force: output (oi, oj) reads padded cell (oi·s + a·d, oj·s + b·d) for every tap (a, b).
  it.each([
    [[3, 3], [2, 2], [1, 1], [0, 0, 0, 0], [1, 1]],
    [[3, 3], [2, 2], [1, 1], [1, 1, 1, 1], [1, 1]],
    [[2, 3], [2, 3], [2, 3], [0, 0, 1, 1], [1, 1]],
    [[1, 2], [1, 1], [1, 1], [0, 0, 0, 0], [2, 3]],
  ] as const)('kernel %j, stride %j, dilation %j, padding %j', (_n, kernel, stride, padding, dilation) => {
    const p = { kernel: [...kernel] as [number, number], stride: [...stride] as [number, number], padding: [...padding] as [number, number, number, number], dilation: [...dilation] as [number, number] };
    const cells = windowCells(1, 1, p);
    expect(cells).toHaveLength(kernel[0] * kernel[1]);
    for (const c of cells) {
      expect(c.i).toBe(stride[0] + c.ki * dilation[0] - padding[0]);
      expect(c.j).toBe(stride[1] + c.kj * dilation[1] - padding[2]);
    }
  });

  it('MaxPool2d(3, padding=1, stride=2) on 4×4: output [1, 1] reads rows and columns 1–3', () => {
    const cells = windowCells(1, 1, { kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1] });
    expect([...new Set(cells.map((c) => c.i))]).toEqual([1, 2, 3]);
    expect([...new Set(cells.map((c) => c.j))]).toEqual([1, 2, 3]);
  });
});

describe("PyTorch's starting kernel", () => {
  it('MT19937 seeded with 5489 (the reference seed) gives the reference outputs', () => {
    const next = mt19937(5489);
    expect([next(), next(), next()]).toEqual([3499211612, 581869302, 3890346734]);
  });

  it.each(fixture.init.map((c) => [c.seed, c.kernel.join('×'), c] as const))('seed %i, kernel %s is what nn.LazyConv2d draws', (_s, _k, c) => {
    const got = torchConvInit(c.seed, c.kernel[0], c.kernel[1]);
    got.flat().forEach((v, i) => expect(v).toBeCloseTo(c.weight.flat()[i], 6));
  });
});
