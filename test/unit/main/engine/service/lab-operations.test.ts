/**
 * The Kernel lab's engine operations, run in-process on every backend available here (the service
 * process runs the same functions): each tensor d2l 7.2–7.5 prints, then PyTorch 1.13's numbers
 * for random cross-correlations, 2-D and 3-D pooling with padding, and the notebook's SGD loop
 * step for step (test/fixtures/lab/torch_lab.json), to float32 noise.
 */

import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../../../shared/api';
import { CHANNEL_SCENES, CORRELATE_SCENES, EDGE_IMAGE, POOL_SCENES, oneByOneScene } from '../../../../../shared/lab/presets';
import type { Grid, LearnResult } from '../../../../../shared/lab/types';
import { initBackend, listBackends } from '../../../../../main/engine/backends/index';
import { SYSTEM_DATA_DIR } from '../../../../../main/data/locate';
import { conv1x1, correlate } from '../../../../../main/engine/service/lab/correlate';
import { fashionImage } from '../../../../../main/engine/service/lab/fashion-image';
import { learn } from '../../../../../main/engine/service/lab/learn';
import { pool } from '../../../../../main/engine/service/lab/pool';
import type { OperationContext } from '../../../../../main/engine/service/registry';

type Pair = [number, number];
type Triple = [number, number, number];
interface Fixture {
  conv: { x: Grid[]; k: Grid[][]; stride: Pair; padding: Pair; dilation: Pair; y: Grid[] | null }[];
  pool2d: { mode: 'max' | 'avg'; x: Grid[]; kernel: number | Pair; stride: number | Pair; padding: number | Pair; y: Grid[] | null }[];
  pool3d: { mode: 'max' | 'avg'; x: Grid[]; kernel: number | Triple; stride: number | Triple; padding: number | Triple; y: Grid[] | null }[];
  learn: { name: string; x: Grid; y: Grid; kernel: Pair; lr: number; steps: number; seed: number; initial: Grid; losses: number[]; kernels: Grid[] }[];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../fixtures/lab/torch_lab.json', import.meta.url)), 'utf8')) as Fixture;
const available = (await listBackends()).filter((b) => b.available && ['cpu', 'wasm', 'native'].includes(b.name)).map((b) => b.name as 'cpu' | 'wasm' | 'native');

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/** Largest |a − b| / max(1, |b|) over two nested tensors of the same shape. */
function worst(a: unknown, b: unknown): number {
  const fa = (a as unknown[]).flat(4) as number[];
  const fb = (b as unknown[]).flat(4) as number[];
  expect(fa.length).toBe(fb.length);
  return fa.reduce((w, v, i) => Math.max(w, Math.abs(v - fb[i]) / Math.max(1, Math.abs(fb[i]))), 0);
}

describe.each(available)('lab operations on %s', (backend) => {
  let ctx: OperationContext;
  beforeAll(async () => {
    const b = await initBackend(backend);
    ctx = { backend: { name: b.name, device: b.device } };
  });

  describe('the notebook\'s tensors', () => {
    const scene = (id: string) => CORRELATE_SCENES.find((s) => s.id === id)!;
    const y = (id: string) => value(correlate({ x: [scene(id).x], k: [[scene(id).k]], stride: scene(id).stride, padding: scene(id).padding }, ctx)).y[0];

    it('corr2d(X, K) = [[19, 25], [37, 43]]', () => expect(y('corr2d')).toEqual([[19, 25], [37, 43]]));
    it('the edge image with [1, −1]: a column of 1 and a column of −1', () => {
      expect(y('edges')).toEqual(Array.from({ length: 6 }, () => [0, 1, 0, 0, 0, -1, 0]));
    });
    it('the transposed image: all zeros', () => expect(y('edges-t')).toEqual(Array.from({ length: 8 }, () => [0, 0, 0, 0, 0])));
    it('the horizontal-edge exercise', () => {
      expect(y('horizontal')).toEqual([0, 1, 0, -1, 0].map((v) => new Array(8).fill(v)));
    });
    it.each([['pad-3', [8, 8]], ['pad-5x3', [8, 8]], ['stride-2', [4, 4]], ['stride-3x4', [2, 2]]] as const)('7.3 %s gives %j', (id, shape) => {
      const out = y(id);
      expect([out.length, out[0].length]).toEqual(shape);
    });

    it('corr2d_multi_in = [[56, 72], [104, 120]], and its terms add up to it', () => {
      const s = CHANNEL_SCENES[0];
      const r = value(correlate({ x: s.x, k: s.k, terms: true }, ctx));
      expect(r.y).toEqual([[[56, 72], [104, 120]]]);
      expect(r.terms).toEqual([[[[19, 25], [37, 43]], [[37, 47], [67, 77]]]]);
    });
    it('corr2d_multi_in_out with K, K + 1, K + 2', () => {
      const s = CHANNEL_SCENES[1];
      expect(value(correlate({ x: s.x, k: s.k }, ctx)).y).toEqual([[[56, 72], [104, 120]], [[76, 100], [148, 172]], [[96, 128], [192, 224]]]);
    });
    // PyTorch's assert is Σ|Y1 − Y2| < 1e-6; here the two sum in different orders, so each value
    // agrees to float32 rounding (~1e-7 of values near 1) and the sum of 18 of them can pass 1e-6.
    it.each([1, 2, 3])('the 1×1 convolution equals the matrix product to float32 rounding (seed %i)', (seed) => {
      const r = value(conv1x1(oneByOneScene(seed), ctx));
      expect(r.maxAbsDiff).toBeLessThan(1e-6);
      expect(r.absDiffSum).toBeLessThan(1e-5);
      expect(r.matmul).toHaveLength(2);
      expect(worst(r.conv.map((g) => g.flat()), r.matmul)).toBeLessThan(1e-6);
    });

    const pooled: Record<string, Grid[]> = {
      'max-2x2': [[[4, 5], [7, 8]]], 'avg-2x2': [[[2, 3], [5, 6]]], 'max-3': [[[10]]], 'max-3-p1-s2': [[[5, 7], [13, 15]]], 'max-2x3': [[[5, 7], [13, 15]]],
      'max-2ch': [[[5, 7], [13, 15]], [[6, 8], [14, 16]]], 'max-3d': [[[13, 14], [16, 17]], [[22, 23], [25, 26]]], 'avg-3d': [[[6.5, 7.5], [9.5, 10.5]], [[15.5, 16.5], [18.5, 19.5]]],
    };
    it.each(POOL_SCENES.map((s) => [s.id, s] as const))('pooling scene %s', (id, s) => {
      expect(value(pool(s, ctx)).y).toEqual(pooled[id]);
    });

    it('learns [1, −1] in 10 steps from PyTorch\'s seed-0 start: within 0.1, loss below 0.05', () => {
      const y6x7 = value(correlate({ x: [EDGE_IMAGE], k: [[[[1, -1]]]] }, ctx)).y[0];
      const r = value(learn({ x: EDGE_IMAGE, y: y6x7, kernel: [1, 2], lr: 3e-2, steps: 10, seed: 0 }, ctx));
      const [k0, k1] = r.steps[9].kernel[0];
      expect(Math.abs(k0 - 1)).toBeLessThan(0.1);
      expect(Math.abs(k1 + 1)).toBeLessThan(0.1);
      expect(r.steps[9].loss).toBeLessThan(0.05);
      expect(r.finalLoss!).toBeLessThan(r.steps[9].loss);
    });
  });

  it.each(fixture.conv.map((c, i) => [i, c.y === null ? 'refused' : 'computed', c] as const))('cross-correlation %i like F.conv2d (%s)', (_i, _what, c) => {
    const r = correlate({ x: c.x, k: c.k, stride: c.stride, padding: c.padding, dilation: c.dilation }, ctx);
    if (c.y === null) expect(r).toMatchObject({ ok: false, error: { code: 'invalid-lab-input' } });
    else expect(worst(value(r).y, c.y)).toBeLessThan(1e-5);
  });

  it.each(fixture.pool2d.map((c, i) => [i, c.mode, c] as const))('2-D pooling %i (%s) like nn.*Pool2d', (_i, mode, c) => {
    const r = pool({ dims: 2, mode, x: c.x, kernel: c.kernel, stride: c.stride, padding: c.padding }, ctx);
    if (c.y === null) expect(r.ok).toBe(false);
    else expect(worst(value(r).y, c.y)).toBeLessThan(1e-5);
  });

  it.each(fixture.pool3d.map((c, i) => [i, c.mode, c] as const))('3-D pooling %i (%s) like nn.*Pool3d, −∞ / counted-zero padding', (_i, mode, c) => {
    const r = pool({ dims: 3, mode, x: c.x, kernel: c.kernel, stride: c.stride, padding: c.padding }, ctx);
    if (c.y === null) expect(r).toMatchObject({ ok: false, error: { code: 'invalid-lab-input', message: expect.stringMatching(/larger than the padded input/) } });
    else expect(worst(value(r).y, c.y)).toBeLessThan(1e-5);
  });

  it.each(fixture.learn.map((c) => [c.name, c] as const))('SGD step for step like PyTorch: %s', (_name, c) => {
    const r: LearnResult = value(learn({ x: c.x, y: c.y, kernel: c.kernel, lr: c.lr, steps: c.steps, seed: c.seed }, ctx));
    expect(worst(r.initial, c.initial)).toBeLessThan(1e-6);
    expect(r.steps.map((s) => s.step)).toEqual(c.losses.map((_l, i) => i + 1));
    expect(worst(r.steps.map((s) => s.loss), c.losses)).toBeLessThan(1e-4);
    expect(worst(r.steps.map((s) => s.kernel), c.kernels)).toBeLessThan(1e-4);
  });

  it('a learning rate far too large stops at the first loss that is not a number, and says what to do', () => {
    const y = value(correlate({ x: [EDGE_IMAGE], k: [[[[1, -1]]]] }, ctx)).y[0];
    const r = value(learn({ x: EDGE_IMAGE, y, kernel: [1, 2], lr: 10, steps: 500, seed: 0 }, ctx));
    expect(r.diverged?.message).toMatch(/Lower the learning rate \(it is 10; try 3\.3\)/);
    expect(r.finalLoss).toBeNull();
    expect(r.steps.length).toBeLessThan(500);
    expect(r.steps.every((s) => Number.isFinite(s.loss))).toBe(true);
  });

  it('refuses what the checks refuse, with the diagnostics', () => {
    const r = correlate({ x: [[[0, 1], [2, 3]]], k: [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]] }, ctx);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-lab-input', details: { diagnostics: [{ code: 'nonpositive-output' }] } } });
  });

  it('keeps no tensors between requests', () => {
    const s = CHANNEL_SCENES[1];
    value(correlate({ x: s.x, k: s.k, terms: true }, ctx));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      value(correlate({ x: s.x, k: s.k, terms: true }, ctx));
      value(pool(POOL_SCENES[6], ctx));
      value(pool(POOL_SCENES[3], ctx));
      value(conv1x1(oneByOneScene(i), ctx));
      value(learn({ x: EDGE_IMAGE, y: value(correlate({ x: [EDGE_IMAGE], k: [[[[1, -1]]]] }, ctx)).y[0], kernel: [1, 2], lr: 3e-2, steps: 5, seed: i }, ctx));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!existsSync(path.join(SYSTEM_DATA_DIR, 't10k-images-idx3-ubyte.gz')))('a Fashion-MNIST image for the lab', () => {
  it.each([[0, 'Ankle boot', 9], [1, 'Pullover', 2], [9_999, undefined, undefined]] as const)('test image %i', (index, className, label) => {
    const r = value(fashionImage({ index }));
    expect(r.pixels).toHaveLength(28);
    expect(r.pixels.every((row) => row.length === 28 && row.every((v) => v >= 0 && v <= 1))).toBe(true);
    expect(r.pixels.flat().some((v) => v > 0.5)).toBe(true);
    if (className) expect([r.className, r.label]).toEqual([className, label]);
  });
});
