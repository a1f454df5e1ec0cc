/** The training memory estimate (shared/shapes/memory.ts) and its checks, from analyses alone. */

import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../shared/format';
import type { GraphDoc } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/analyze';
import {
  BYTES_PER_ELEMENT, MAX_TENSOR_ELEMENTS, OPTIMIZER_SLOTS, estimateMemory, memoryDiagnostics, type OptimizerKind,
} from '../../../shared/shapes/memory';
import { getTemplate } from '../../../shared/templates/index';
import { chainOf, input, type NodeSpecLite } from './helpers';

const lenet = getTemplate('lenet')!;
const GB = 2 ** 30;

/** d2l 7.6's LeNet per sample: every layer's output elements, input included. */
const LENET_ELEMENTS: Record<string, number> = {
  input: 784, conv1: 4704, sigmoid1: 4704, pool1: 1176, conv2: 1600, sigmoid2: 1600, pool2: 400, flatten: 400,
  fc1: 120, sigmoid3: 120, fc2: 84, sigmoid4: 84, fc3: 10,
};

describe('estimateMemory', () => {
  it('LeNet: each node keeps its output for the backward pass and gets a gradient of the same size', () => {
    const a = analyzeGraph(lenet);
    const m = estimateMemory(a, { batch: 128 });
    expect(Object.fromEntries(m.nodes.map((n) => [n.id, n.elementsPerSample]))).toEqual(LENET_ELEMENTS);
    for (const n of m.nodes) {
      expect(n.forwardBytes).toBe(LENET_ELEMENTS[n.id] * 128 * BYTES_PER_ELEMENT);
      // The images have no gradient: nothing before them learns.
      expect(n.backwardBytes).toBe(n.id === 'input' ? 0 : n.forwardBytes);
      expect(n.paramBytes).toBe(a.nodes[n.id].params * BYTES_PER_ELEMENT);
    }
    const perSample = Object.values(LENET_ELEMENTS).reduce((x, y) => x + y, 0);
    expect(m.totals.activations).toBe(perSample * 128 * 4);
    expect(m.totals.gradients).toBe(4704 * 128 * 4);
    expect(m.totals.params).toBe(61_706 * 4);
    expect(m.totals.total).toBe(m.totals.activations + m.totals.gradients + m.totals.params + m.totals.paramGradients + m.totals.optimizerState);
    expect(m.largest).toEqual({ nodeId: 'conv1', elements: 4704 * 128, perSample: true });
  });

  it.each(Object.entries(OPTIMIZER_SLOTS) as [OptimizerKind, number][])('%s keeps %d parameter-sized tensors of state', (optimizer, slots) => {
    const m = estimateMemory(analyzeGraph(lenet), { batch: 1, optimizer });
    expect(m.totals.optimizerState).toBe(61_706 * 4 * slots);
    expect(m.fixedBytes).toBe(61_706 * 4 * (2 + slots));
  });

  it.each([1, 7, 128, 60_000])('total = perSampleBytes × batch + fixedBytes at batch %d', (batch) => {
    const m = estimateMemory(analyzeGraph(getTemplate('resnet18')!), { batch, optimizer: 'adam' });
    expect(m.totals.total).toBe(m.perSampleBytes * batch + m.fixedBytes);
  });

  it('a Residual block counts its inner layers’ outputs too', () => {
    const a = analyzeGraph(chainOf([input(8, 16), ['r', 'Residual', { num_channels: 8 }]]));
    const r = estimateMemory(a, { batch: 1 }).nodes.find((n) => n.id === 'r')!;
    // conv1, bn1, relu1, conv2, bn2 and add, each 8×16×16, besides the block's own output.
    expect(r.elementsPerSample).toBe(7 * 8 * 16 * 16);
    expect(r.paramBytes).toBe(a.nodes.r.params * 4);
  });

  it('nodes without a shape are left out, and an empty analysis needs nothing', () => {
    const m = estimateMemory(analyzeGraph({ ...lenet, nodes: [], edges: [] } as GraphDoc), { batch: 8 });
    expect(m.nodes).toEqual([]);
    expect(m.totals.total).toBe(0);
    expect(m.largest).toBeNull();
  });
});

const conv = (channels: number, size: number): GraphDoc =>
  chainOf([input(1, size), ['c', 'Conv2d', { out_channels: channels, kernel_size: 3, padding: 1 }], ['f', 'Flatten'], ['fc', 'Linear', { out_features: 10 }]] as NodeSpecLite[]);

describe('memoryDiagnostics', () => {
  it('LeNet at batch 128 within 16 GB: nothing to say', () => {
    expect(memoryDiagnostics(estimateMemory(analyzeGraph(lenet), { batch: 128 }), { limit: { bytes: 16 * GB, what: 'this machine’s memory' } })).toEqual([]);
  });

  it('an output past 2^31 − 1 elements is an error naming a batch size that fits', () => {
    // 2048 × 224 × 224 = 102.8 M elements a sample; 32 samples are 3.3 G.
    const m = estimateMemory(analyzeGraph(conv(2048, 224)), { batch: 32 });
    const [d] = memoryDiagnostics(m);
    expect(d).toMatchObject({ severity: 'error', code: 'tensor-too-large', nodeId: 'c' });
    expect(d.message).toBe('Conv2d c: its output at batch size 32 has 3,288,334,336 elements; TensorFlow.js indexes at most 2,147,483,647 in one tensor. Lower the batch size to 16 or less, or make the layer smaller.');
    expect(memoryDiagnostics(estimateMemory(analyzeGraph(conv(2048, 224)), { batch: 16 }))).toEqual([]);
  });

  it('a 16.7M-channel convolution cannot run even on one image', () => {
    const doc = chainOf([input(1, 28), ['c', 'Conv2d', { out_channels: 16_777_216, kernel_size: 3, padding: 1 }]]);
    const [d] = memoryDiagnostics(estimateMemory(analyzeGraph(doc), { batch: 1 }));
    expect(d.code).toBe('tensor-too-large');
    expect(d.message).toMatch(/has 13,153,337,344 elements; .* Reduce its channels, features or the image size before it\.$/);
  });

  it('weights past 2^31 − 1 elements are an error whatever the batch size', () => {
    const doc = chainOf([input(1, 8192), ['f', 'Flatten'], ['fc', 'Linear', { out_features: 64 }]]);
    const [d] = memoryDiagnostics(estimateMemory(analyzeGraph(doc), { batch: 1 }));
    expect(d.message).toMatch(/^Linear fc: its weights have 4,294,967,360 elements; TensorFlow\.js indexes at most/);
    expect(4_294_967_360).toBeGreaterThan(MAX_TENSOR_ELEMENTS);
  });

  it('past the limit: a warning while designing, an error before Start, with a batch size that fits', () => {
    const m = estimateMemory(analyzeGraph(conv(256, 224)), { batch: 128 });
    const limit = { bytes: 4 * GB, what: 'the wasm backend’s memory' };
    const [w] = memoryDiagnostics(m, { limit });
    expect(w).toMatchObject({ severity: 'warning', code: 'memory' });
    expect(w.message).toMatch(/^Training at batch size 128 needs at least (\d+\.\d) GB \(activations .* GB, their gradients .* GB, parameters with gradients and optimizer state [\d.]+ [kMG]B\); the wasm backend’s memory is 4\.0 GB\. Lower the batch size \((\d+) would fit\)/);
    const fits = Number(/\((\d+) would fit\)/.exec(w.message)![1]);
    expect(estimateMemory(analyzeGraph(conv(256, 224)), { batch: fits }).totals.total).toBeLessThanOrEqual(limit.bytes);
    expect(estimateMemory(analyzeGraph(conv(256, 224)), { batch: fits * 2 }).totals.total).toBeGreaterThan(limit.bytes);
    expect(memoryDiagnostics(m, { limit, overLimit: 'error' })[0].severity).toBe('error');
  });

  it('parameters alone past the limit: make the network smaller', () => {
    const doc = chainOf([input(1, 128), ['f', 'Flatten'], ['fc', 'Linear', { out_features: 65_536 }]]);
    const [d] = memoryDiagnostics(estimateMemory(analyzeGraph(doc), { batch: 1 }), { limit: { bytes: 2 * GB, what: 'this machine’s memory' } });
    expect(d.message).toMatch(/The parameters with their gradients alone need 8\.0 GB: make the network smaller\.$/);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'], [1023, '1023 B'], [1024, '1.0 kB'], [1536, '1.5 kB'], [1048575, '1.0 MB'], [4 * GB, '4.0 GB'],
    [6.6e9, '6.1 GB'], [2 ** 50, '1.0 PB'], [2 ** 70, '1.18e+21 B'], [Infinity, '∞ B'],
  ])('%d → %s', (n, text) => expect(formatBytes(n)).toBe(text));
});
