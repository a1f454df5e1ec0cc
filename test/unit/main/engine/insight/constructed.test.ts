/**
 * Insight on networks built by hand, where the right answer is known without running insight:
 * Grad-CAM on a convolution whose two channels each see one half of a striped image, a classifier
 * that reads one channel per class, and a block's inner layers. The networks are saved as real
 * checkpoints in real run folders, so the same loading, verification and layer mapping run.
 */

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../../../shared/api';
import { decodeBytes, encodeBytes, type Activations, type GradCam } from '../../../../../shared/insight';
import { initBackend } from '../../../../../main/engine/backends/index';
import { compileGraph } from '../../../../../main/engine-core/compile';
import { registerInsightOperations } from '../../../../../main/engine/insight/index';
import { saveCheckpoint } from '../../../../../main/runs/checkpoints';
import { createRegistry, type OperationContext } from '../../../../../main/engine/service/registry';
import { bnResidualNet, newRun } from '../train-helpers';
import { chain, setConvWeight } from '../graph-helpers';
import { value } from './helpers';

const registry = createRegistry();
registerInsightOperations(registry);
let ctx: OperationContext;
const call = <T>(op: string, args: object): Promise<Result<T>> => registry.run(op, args, ctx) as Promise<Result<T>>;

beforeAll(async () => {
  const b = await initBackend('auto');
  ctx = { backend: { name: b.name, device: b.device } };
});

const S = 28;
const O = S - 1;
/** Left half: rows alternate bright/dark (vertical edges); right half: columns alternate (horizontal edges). */
const image = Uint8Array.from({ length: S * S }, (_, k) => {
  const [i, j] = [Math.floor(k / S), k % S];
  return (j < S / 2 ? i % 2 : j % 2) ? 255 : 0;
});

describe('Grad-CAM on a network whose classes each look at one half of the image', () => {
  let at: { runId: string; runDir: string };
  beforeAll(async () => {
    // c1's channel 0 differences rows (it fires on the left's stripes only), channel 1 differences
    // columns (the right's only); after a ReLU, class 0 sums channel 0 and class 1 channel 1.
    const doc = chain([1, S, S], ['Conv2d', { out_channels: 2, kernel_size: 2, bias: false }], ['ReLU', {}], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const run = newRun(doc, { epochs: 1 });
    at = run;
    const model = compileGraph(doc);
    setConvWeight(model, 'n1', [[[[1, 1], [-1, -1]]], [[[1, -1], [1, -1]]]]);
    const features = 2 * O * O;
    // Channel-major features (PyTorch's flatten): feature f belongs to channel floor(f / O²).
    const w = new Float32Array(features * 10);
    for (let f = 0; f < features; f++) w[f * 10 + Math.floor(f / (O * O))] = 1;
    model.getLayer('n4').setWeights([tf.tensor2d(w, [features, 10]), tf.zeros([10])]);
    await saveCheckpoint(run.runDir, model, { epochsDone: 1, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, last: null, seconds: 0, referenceLoss: null });
    model.dispose();
  });

  /** What Grad-CAM must give on c1 for `cls`, by hand: A_k = the stripes' differences, α_k = the share of A_k that passes the ReLU. */
  function expectedCam(cls: 0 | 1): Float32Array {
    const x = (i: number, j: number) => image[i * S + j] / 255;
    const a = Array.from({ length: O * O }, (_, k) => {
      const [i, j] = [Math.floor(k / O), k % O];
      const rows = x(i, j) + x(i, j + 1) - x(i + 1, j) - x(i + 1, j + 1);
      const cols = x(i, j) - x(i, j + 1) + x(i + 1, j) - x(i + 1, j + 1);
      return cls === 0 ? rows : cols;
    });
    const alpha = a.filter((v) => v > 0).length / (O * O);
    return Float32Array.from(a, (v) => Math.max(0, alpha * v));
  }

  it.each([0, 1] as const)('class %i: the map is where its channel fires, and zero on the other half', async (cls) => {
    const r = value(await call<GradCam>('insight.gradCam', { ...at, image: { source: 'pixels', pixels: encodeBytes(image) }, classIndex: cls }));
    expect(r.layer).toBe('n1');
    expect(r.cam).toEqual([O, O]);
    const want = expectedCam(cls);
    expect(r.max).toBeCloseTo(Math.max(...want), 5);
    const heat = decodeBytes(r.heat);
    expect(heat.length).toBe(S * S);
    // Away from the seam (the upsampling blends one pixel across it), the other half is exactly 0.
    let seen = 0;
    let other = 0;
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        const own = cls === 0 ? j < S / 2 - 2 : j >= S / 2 + 2;
        const far = cls === 0 ? j >= S / 2 + 2 : j < S / 2 - 2;
        if (own) seen += heat[i * S + j];
        if (far) other += heat[i * S + j];
      }
    }
    expect(other).toBe(0);
    expect(seen).toBeGreaterThan(0);
  });

  it('explains the predicted class when none is chosen', async () => {
    const r = value(await call<GradCam>('insight.gradCam', { ...at, image: { source: 'pixels', pixels: encodeBytes(image) } }));
    expect(r.classIndex).toBe(r.top5[0].classIndex);
    expect([0, 1]).toContain(r.classIndex);
  });

  it('says no region supports a class the network gives no evidence for', async () => {
    const r = value(await call<GradCam>('insight.gradCam', { ...at, image: { source: 'pixels', pixels: encodeBytes(image) }, classIndex: 5 }));
    expect(r.max).toBe(0);
    expect(decodeBytes(r.heat).every((v) => v === 0)).toBe(true);
  });
});

describe("a block's activations", () => {
  it('are its output, and its inner layers when asked, each with its own shape', async () => {
    const run = newRun(bnResidualNet(), { epochs: 1 });
    const image = { source: 'validation', index: 0 };
    const outer = value(await call<Activations>('insight.activations', { ...run, epoch: 0, image }));
    expect(outer.layers.every((l) => !l.inner && !l.path.includes('.'))).toBe(true);
    const all = value(await call<Activations>('insight.activations', { ...run, epoch: 0, image, inner: true }));
    const inner = all.layers.filter((l) => l.inner);
    expect(inner.length).toBeGreaterThan(4);
    for (const l of inner) {
      expect(l.path.startsWith(`${l.nodeId}.`)).toBe(true);
      expect(all.layers.findIndex((x) => x.path === l.nodeId)).toBeGreaterThan(all.layers.indexOf(l));
      if (l.kind === 'map') expect(l.channels).toBe(l.shape[0]);
    }
    // A block's output is its last inner layer's output.
    const block = all.layers.find((l) => l.type === 'Residual')!;
    const last = inner.filter((l) => l.nodeId === block.path).at(-1)!;
    expect(last.shape).toEqual(block.shape);
    expect(last.data).toBe(block.data);
    // An opened block: only its own insides come with the top-level layers.
    const opened = value(await call<Activations>('insight.activations', { ...run, epoch: 0, image, inner: true, block: block.path }));
    expect(opened.layers.filter((l) => l.inner).map((l) => l.path)).toEqual(inner.filter((l) => l.nodeId === block.path).map((l) => l.path));
    expect(opened.layers.filter((l) => !l.inner).map((l) => l.path)).toEqual(outer.layers.map((l) => l.path));
  });
});
