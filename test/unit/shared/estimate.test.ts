/** The estimate before Start (shared/training/estimate.ts): time from measurements, cache keys, smaller sizes and memory fixes. */

import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../shared/shapes/analyze';
import { estimateMemory, memoryLimitFor, WASM_MEMORY_BYTES } from '../../../shared/shapes/memory';
import { getTemplate } from '../../../shared/templates/index';
import {
  EVAL_FRACTION, TRAIN_MACS_FACTOR, estimateKey, estimateTime, formatDuration, memoryFixes, resolvedBackend, smallerSizes, withInputSize, type StepMeasurement,
} from '../../../shared/training/estimate';

const lenet = getTemplate('lenet')!;
const vgg = getTemplate('vgg-small')!;
const resnet = getTemplate('resnet18')!;
const GB = 2 ** 30;

const measurement = (over: Partial<StepMeasurement> = {}): StepMeasurement => ({
  key: 'k', graph: 'LeNet', backend: 'native', device: 'cpu', path: 'compiled', batch: 128, steps: 4,
  secondsPerSample: 1e-4, macsPerS: 1e10, measuredAt: '2026-12-02T02:00:00.000Z', ...over,
});

describe('estimateTime', () => {
  const a = analyzeGraph(lenet);
  const cases: { title: string; config: { epochs: number; limit: number | null; valLimit: number | null }; measured: StepMeasurement | null; throughput: StepMeasurement | null; perSample: number | null; source?: string }[] = [
    { title: 'a measurement of this graph, all data', config: { epochs: 10, limit: null, valLimit: null }, measured: measurement(), throughput: null, perSample: 1e-4, source: 'measured' },
    { title: 'a measurement wins over the throughput', config: { epochs: 2, limit: 2000, valLimit: 500 }, measured: measurement(), throughput: measurement({ macsPerS: 1 }), perSample: 1e-4, source: 'measured' },
    // A throughput measured on a graph of 2× LeNet's MACs (secondsPerSample × macsPerS / 3 = its MACs).
    { title: "the backend's throughput scaled by this graph's MACs", config: { epochs: 3, limit: null, valLimit: null }, measured: null, throughput: measurement({ macsPerS: 2e9, secondsPerSample: (3 * 2 * a.totals.macs) / 2e9 }), perSample: (TRAIN_MACS_FACTOR * a.totals.macs) / 2e9, source: 'throughput' },
    { title: 'no rough figure from a graph over ten times larger', config: { epochs: 3, limit: null, valLimit: null }, measured: null, throughput: measurement({ macsPerS: 2e9, secondsPerSample: (3 * 11 * a.totals.macs) / 2e9 }), perSample: null },
    { title: 'nothing measured yet', config: { epochs: 3, limit: null, valLimit: null }, measured: null, throughput: null, perSample: null },
  ];
  it.each(cases)('$title', ({ config, measured, throughput, perSample, source }) => {
    const t = estimateTime(a, config, measured, throughput);
    if (perSample === null) return expect(t).toBeNull();
    const train = (config.limit ?? 60000) * perSample;
    const val = (config.valLimit ?? 10000) * perSample * EVAL_FRACTION;
    expect(t!.source).toBe(source);
    expect(t!.trainSeconds).toBeCloseTo(train, 9);
    expect(t!.epochSeconds).toBeCloseTo(train + val, 9);
    expect(t!.totalSeconds).toBeCloseTo((train + val) * config.epochs, 9);
  });

  it('a graph without MACs cannot be scaled from a throughput', () => {
    const onlyInput = analyzeGraph({ ...lenet, nodes: lenet.nodes.filter((n) => n.type === 'Input'), edges: [] });
    expect(estimateTime(onlyInput, { epochs: 1, limit: null, valLimit: null }, null, measurement({ secondsPerSample: 3e-9, macsPerS: 1 }))).toBeNull();
  });
});

describe('estimateKey', () => {
  it('ignores names and positions, not layers, batch or backend', () => {
    const base = estimateKey(lenet, 128, 'native');
    const moved = { ...lenet, name: 'renamed', nodes: lenet.nodes.map((n) => ({ ...n, position: { x: 1, y: 2 } })) };
    expect(estimateKey(moved, 128, 'native')).toBe(base);
    expect(estimateKey(lenet, 64, 'native')).not.toBe(base);
    expect(estimateKey(lenet, 128, 'wasm')).not.toBe(base);
    expect(estimateKey(withInputSize(lenet, 32), 128, 'native')).not.toBe(base);
  });
});

describe('resolvedBackend', () => {
  it.each([
    ['auto', 'native', 'native'], ['auto', null, 'auto'], ['wasm', 'native', 'wasm'],
  ] as const)('%s with auto = %s trains on %s', (backend, auto, expected) => {
    expect(resolvedBackend({ backend }, { auto })).toBe(expected);
  });
});

describe('smallerSizes', () => {
  it.each([
    { title: 'VGG-11 (small) at 224', doc: vgg, includes: [160, 96], excludes: [224, 28] },
    { title: 'ResNet-18 at 96', doc: resnet, includes: [64, 32], excludes: [96, 112] },
    { title: 'LeNet at 28 (nothing smaller keeps its 16×5×5 flatten)', doc: lenet, includes: [], excludes: [28, 24] },
  ])('$title', ({ doc, includes, excludes }) => {
    const sizes = smallerSizes(doc, analyzeGraph(doc)).map((s) => s.size);
    for (const s of includes) expect(sizes).toContain(s);
    for (const s of excludes) expect(sizes).not.toContain(s);
    expect([...sizes].sort((x, y) => y - x)).toEqual(sizes);
  });
});

describe('memoryFixes', () => {
  const a = analyzeGraph(vgg);
  const need = estimateMemory(a, { batch: 128 }).totals.total;
  it('nothing to fix when it fits', () => {
    expect(memoryFixes(vgg, a, { batchSize: 128, backend: 'native' }, { bytes: need * 2, what: 'x' }, need * 2)).toEqual([]);
  });
  it('VGG-11 at 224, batch 512 on wasm past 4 GB: a batch that fits, a smaller size that fits, and native', () => {
    expect(estimateMemory(a, { batch: 512 }).totals.total).toBeGreaterThan(WASM_MEMORY_BYTES);
    const fixes = memoryFixes(vgg, a, { batchSize: 512, backend: 'wasm' }, memoryLimitFor('wasm', 64 * GB), 64 * GB);
    const batch = fixes.find((f) => f.kind === 'batch');
    const size = fixes.find((f) => f.kind === 'size');
    expect(batch && batch.kind === 'batch' && estimateMemory(a, { batch: batch.batch }).totals.total).toBeLessThanOrEqual(WASM_MEMORY_BYTES);
    expect(batch && batch.kind === 'batch' && estimateMemory(a, { batch: batch.batch * 2 }).totals.total).toBeGreaterThan(WASM_MEMORY_BYTES);
    expect(size && size.kind === 'size' && estimateMemory(analyzeGraph(withInputSize(vgg, size.size)), { batch: 512 }).totals.total).toBeLessThanOrEqual(WASM_MEMORY_BYTES);
    expect(fixes.map((f) => f.text)).toContain('use native');
  });
  it('no "use native" when the machine itself is too small', () => {
    const fixes = memoryFixes(vgg, a, { batchSize: 128, backend: 'wasm' }, memoryLimitFor('wasm', GB / 2), GB / 2);
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.map((f) => f.kind)).not.toContain('backend');
  });
});

describe('formatDuration', () => {
  it.each([[0.5, '0.50 s'], [45, '45 s'], [600, '10 min'], [3 * 3600, '3.0 h'], [5 * 86400, '5.0 days'], [Number.NaN, '—']])('%s s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
