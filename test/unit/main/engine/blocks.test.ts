/**
 * The compiler builds a block exactly as its expansion: for every kind of block the templates use
 * (nested blocks, repeats, Residual and ResNeXt inside blocks, Inception's and DenseNet's Concats),
 * the compiled block graph and the compiled flat graph have the same weighted layers and, given
 * the same weights, the same outputs on a fixed input, in inference and in training mode.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraph, compileGraphDetailed } from '../../../../main/engine-core/compile';
import { flattenDoc } from '../../../../shared/graph/flatten';
import { parseGraph } from '../../../../shared/graph/parse';
import { BLOCK_CASES } from '../../shared/block-cases';

beforeAll(async () => { await initBackend('wasm'); });

type Model = ReturnType<typeof compileGraph>;
const weighted = (m: Model) => m.layers.filter((l) => l.getWeights().length > 0);

describe('a block compiles exactly as its expansion', () => {
  it.each(BLOCK_CASES)('%s: the same weighted layers, and the same outputs with the same weights', (_name, doc) => {
    const block = compileGraph(doc, { seed: 4 });
    const flat = compileGraph(flattenDoc(doc), { seed: 11 });
    // The flat graph's ids are module paths ("b1.convs.0.conv"); the block's layer names are those paths joined by "_".
    const flatByName = new Map(weighted(flat).map((l) => [l.name.replace(/\./g, '_'), l]));
    expect([...flatByName.keys()].sort()).toEqual(weighted(block).map((l) => l.name).sort());
    for (const l of weighted(block)) flatByName.get(l.name)!.setWeights(l.getWeights());
    const [, h, w, c] = block.inputs[0].shape as number[];
    const x = tf.randomUniform([2, h, w, c], -1, 1, 'float32', 5);
    for (const training of [false, true]) {
      const a = tf.tidy(() => Array.from((block.apply(x, { training }) as tf.Tensor).dataSync()));
      const b = tf.tidy(() => Array.from((flat.apply(x, { training }) as tf.Tensor).dataSync()));
      expect(b.length).toBe(a.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5);
    }
    x.dispose(); block.dispose(); flat.dispose();
  });
});

describe('layer names', () => {
  it('are module paths joined by "_", and the compile says which module each layer is', () => {
    const { model, modules } = compileGraphDetailed(BLOCK_CASES[0][1], { initialize: false });
    expect(weighted(model).map((l) => [l.name, modules[l.name]])).toEqual([
      ['b1_convs_0_conv', 'b1.convs.0.conv'], ['b1_convs_1_conv', 'b1.convs.1.conv'], ['b2_convs_0_conv', 'b2.convs.0.conv'], ['fc', 'fc'],
    ]);
    model.dispose();
  });

  it('of a version 1 file’s Residual stay what they were before blocks (r1_conv1, ...)', () => {
    const text = JSON.stringify({
      format: 'convstudio.graph', version: 1, name: 'old',
      nodes: [{ id: 'input', type: 'Input', params: { channels: 3, height: 8, width: 8 } }, { id: 'r1', type: 'Residual', params: { num_channels: 6, use_1x1conv: true } }],
      edges: [{ source: 'input', target: 'r1' }],
    });
    const model = compileGraph(parseGraph(text).doc!, { initialize: false });
    expect(weighted(model).map((l) => l.name)).toEqual(['r1_conv1', 'r1_bn1', 'r1_conv2', 'r1_bn2', 'r1_conv3']);
    model.dispose();
  });
});

describe('fixed initial weights inside a block (a Kernel lab kernel grouped into one)', () => {
  // Input 1×6×6 → block k (conv 2 channels 3×3, fixed) → flatten → linear 10.
  const kernel = Array.from({ length: 2 * 1 * 3 * 3 }, (_, i) => (i % 5) - 2);
  const doc = (weight: number[], repeat?: number) => parseGraph({
    format: 'convstudio.graph', version: 2, name: 'fixed-in-block',
    blocks: { k: { params: [], nodes: [{ id: 'conv', type: 'Conv2d', params: { out_channels: 2, kernel_size: 3 }, init: { weight, bias: [0.5, -0.5] } }], edges: [{ source: 'in', target: 'conv' }] } },
    nodes: [
      { id: 'x', type: 'Input', params: { channels: 1, height: 6, width: 6 } },
      { id: 'b', type: 'block:k', params: {}, ...(repeat !== undefined ? { repeat } : {}) },
      { id: 'f', type: 'Flatten', params: {} },
      { id: 'fc', type: 'Linear', params: { out_features: 10 } },
    ],
    edges: [{ source: 'x', target: 'b' }, { source: 'b', target: 'f' }, { source: 'f', target: 'fc' }],
  });

  it('every use of the block starts from them, in PyTorch layout turned into tfjs HWIO', () => {
    const parsed = doc(kernel);
    if (!parsed.doc) throw new Error(JSON.stringify(parsed.diagnostics));
    const m = compileGraph(parsed.doc, { seed: 1 });
    const [w, b] = m.getLayer('b_conv').getWeights();
    // tfjs holds [kh, kw, in, out]; PyTorch's [out, in, kh, kw] flattened is the init.
    const hwio = w.arraySync() as number[][][][];
    const back: number[] = [];
    for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) back.push(hwio[i][j][0][o]);
    expect(back).toEqual(kernel);
    expect(Array.from(b.dataSync())).toEqual([0.5, -0.5]);
    m.dispose();
  });

  it('a kernel that no longer fits the inner layer is an error naming the inner node, not a silent reshape', async () => {
    const { analyzeGraph } = await import('../../../../shared/shapes/index');
    const parsed = doc(kernel.slice(0, 9));
    if (!parsed.doc) throw new Error(JSON.stringify(parsed.diagnostics));
    const a = analyzeGraph(parsed.doc);
    expect(a.ok).toBe(false);
    expect(a.diagnostics.map((d) => d.message).join('\n')).toMatch(/b\.conv: its initial weights hold 9 values/);
  });
});
