import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraph, compileGraphDetailed, toTorchShape } from '../../../../main/engine-core/compile';
import { GraphError } from '../../../../main/engine-core/errors';
import { fsIOHandler } from '../../../../main/engine/fs-io';
import { TEMPLATES, getTemplate } from '../../../../shared/templates/index';
import { chain } from './graph-helpers';
import { expandResiduals } from '../../shared/helpers';
import { analyzeGraph } from '../../../../shared/shapes/index';
import type { GraphDoc } from '../../../../shared/graph/types';

beforeAll(async () => { await initBackend('wasm'); });

const trainableCount = (m: ReturnType<typeof compileGraph>) => m.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

describe('compiled shapes equal the shape engine\'s', () => {
  // Shapes need no arithmetic: cpu allocates VGG's zero weights far faster than wasm's heap grows.
  it.each(TEMPLATES.map((t) => [t.id] as const))('template %s: every node, and the parameter count', async (id) => {
    await initBackend('cpu');
    const { model, analysis, tensors } = compileGraphDetailed(getTemplate(id)!, { initialize: false });
    for (const nodeId of analysis.order) {
      expect([nodeId, toTorchShape(tensors[nodeId].shape)]).toEqual([nodeId, analysis.nodes[nodeId].shape]);
    }
    expect(trainableCount(model)).toBe(analysis.totals.params);
    model.dispose();
  });

  it('runs LeNet and ResNet-18 forward with the symbolic output shape', async () => {
    await initBackend('wasm');
    for (const id of ['lenet', 'bn-lenet', 'resnet18']) {
      const m = compileGraph(getTemplate(id)!);
      const [, h, w, c] = m.inputs[0].shape as number[];
      const y = tf.tidy(() => (m.predict(tf.zeros([2, h, w, c])) as tf.Tensor).shape);
      expect(y).toEqual([2, 10]);
      m.dispose();
    }
  });
});

describe('PyTorch semantics', () => {
  beforeAll(async () => { await initBackend('wasm'); });
  it('Flatten is channel-major like PyTorch (C, H, W order)', () => {
    const m = compileGraph(chain([2, 2, 3], ['Flatten', {}]));
    // NCHW values 0..11 → NHWC input; PyTorch's flatten gives 0..11 back in order.
    const nchw = tf.tensor4d(Array.from({ length: 12 }, (_, i) => i), [1, 2, 2, 3]);
    const out = tf.tidy(() => Array.from((m.predict(tf.transpose(nchw, [0, 2, 3, 1])) as tf.Tensor).dataSync()));
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i));
    nchw.dispose();
  });

  it('AdaptiveAvgPool2d uses PyTorch\'s overlapping windows (5×7 → 3×2, recorded from torch 1.13)', () => {
    const m = compileGraph(chain([2, 5, 7], ['AdaptiveAvgPool2d', { output_size: [3, 2] }]));
    const nchw = tf.sin(tf.reshape(tf.range(0, 70), [1, 2, 5, 7]));
    const out = tf.tidy(() => Array.from(tf.transpose(m.predict(tf.transpose(nchw, [0, 2, 3, 1])) as tf.Tensor, [0, 3, 1, 2]).dataSync()));
    const torch = [0.425791, -0.439305, 0.081837, -0.135748, -0.338599, 0.294674, -0.330853, 0.369333, 0.092105, -0.036779, 0.428985, -0.408519];
    out.forEach((v, i) => expect(v).toBeCloseTo(torch[i], 5));
    nchw.dispose();
  });

  it('asymmetric "same" padding matches PyTorch (extra row/column at the bottom/right)', () => {
    // kernel 4, "same": PyTorch pads 1 top/left and 2 bottom/right.
    const m = compileGraph(chain([1, 4, 4], ['Conv2d', { out_channels: 1, kernel_size: 4, padding: 'same', bias: false }]));
    m.getLayer('n1').setWeights([tf.ones([4, 4, 1, 1])]);
    const x = tf.ones([1, 4, 4, 1]);
    const y = tf.tidy(() => tf.reshape(m.predict(x) as tf.Tensor, [4, 4]).arraySync() as number[][]);
    // Top-left sees rows 0..2 and cols 0..2 (9 ones); bottom-right sees rows 2..3 × cols 2..3 (4 ones).
    expect(y[0][0]).toBe(9);
    expect(y[3][3]).toBe(4);
    x.dispose();
  });

  it('dilated and strided convolutions compile to the shape engine\'s shapes', () => {
    for (const params of [{ kernel_size: 3, dilation: 2, padding: 1 }, { kernel_size: [3, 5], stride: [2, 3], padding: [1, 2] }, { kernel_size: 3, dilation: [1, 3], padding: 'same' }] as const) {
      const { model, analysis } = compileGraphDetailed(chain([2, 13, 11], ['Conv2d', { out_channels: 3, ...params } as never]));
      expect(toTorchShape(model.outputs[0].shape)).toEqual(analysis.nodes.n1.shape);
      const y = tf.tidy(() => (model.predict(tf.ones([1, 13, 11, 2])) as tf.Tensor).shape);
      expect(toTorchShape(y)).toEqual(analysis.nodes.n1.shape);
    }
  });

  // Recorded with PyTorch 1.13: x = sin(arange(24)).reshape(2, 3, 2, 2), BatchNorm2d(3, eps=1e-3,
  // momentum=0.2), one training forward, then eval; BatchNorm1d() on cos(arange(15)).reshape(5, 3).
  it('BatchNorm: PyTorch\'s momentum convention and unbiased running variance, eps carried over', () => {
    const m = compileGraph(chain([3, 2, 2], ['BatchNorm2d', { eps: 1e-3, momentum: 0.2 }]));
    const nchw = tf.sin(tf.reshape(tf.range(0, 24), [2, 3, 2, 2]));
    const x = tf.transpose(nchw, [0, 2, 3, 1]);
    const first4 = (t: tf.Tensor) => Array.from(tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync())).slice(0, 4);
    const yTrain = tf.tidy(() => first4(m.apply(x, { training: true }) as tf.Tensor));
    [-0.860031, 0.834609, 0.971205, -0.575829].forEach((v, i) => expect(yTrain[i]).toBeCloseTo(v, 5));
    const [, , mean, variance] = m.getLayer('n1').getWeights().map((w) => Array.from(w.dataSync()));
    [0.085409, -0.079714, 0.0188].forEach((v, i) => expect(mean[i]).toBeCloseTo(v, 5));
    [0.856128, 0.866421, 0.932102].forEach((v, i) => expect(variance[i]).toBeCloseTo(v, 5));
    const yEval = tf.tidy(() => first4(m.predict(x) as tf.Tensor));
    [-0.092254, 0.816647, 0.889908, 0.060175].forEach((v, i) => expect(yEval[i]).toBeCloseTo(v, 5));

    const m1 = compileGraph(chain([1, 1, 3], ['Flatten', {}], ['BatchNorm1d', {}]));
    const x1 = tf.reshape(tf.cos(tf.range(0, 15)), [5, 1, 3, 1]);
    tf.tidy(() => { m1.apply(x1, { training: true }); });
    const v1 = Array.from(m1.getLayer('n2').getWeights()[3].dataSync());
    [1.00703, 0.967863, 0.907245].forEach((v, i) => expect(v1[i]).toBeCloseTo(v, 4));
    tf.dispose([nchw, x, x1]);
  });

  it('Xavier-uniform weights with PyTorch\'s fans, zero biases, reproducible by seed', () => {
    const doc = chain([3, 8, 8], ['Conv2d', { out_channels: 16, kernel_size: 5 }], ['Flatten', {}], ['Linear', { out_features: 200 }]);
    const a = compileGraph(doc, { seed: 3 });
    const [k, b] = a.getLayer('n1').getWeights();
    const limit = Math.sqrt(6 / (3 * 25 + 16 * 25));
    const kv = Array.from(k.dataSync());
    expect(Math.max(...kv.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...kv.map(Math.abs))).toBeGreaterThan(limit * 0.9);
    const variance = kv.reduce((s, v) => s + v * v, 0) / kv.length;
    expect(variance).toBeCloseTo((limit * limit) / 3, 2);
    expect(Array.from(b.dataSync()).every((v) => v === 0)).toBe(true);
    const [dk] = a.getLayer('n3').getWeights();
    expect(Math.max(...Array.from(dk.dataSync()).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (16 * 16 + 200)));
    const again = compileGraph(doc, { seed: 3 }).getLayer('n1').getWeights()[0].dataSync();
    expect(Array.from(again)).toEqual(Array.from(kv));
  });

  it('Concat joins on the channel axis and Add sums', () => {
    const doc: GraphDoc = {
      format: 'convstudio.graph', version: 2, name: 'merge',
      nodes: [
        { id: 'in', type: 'Input', params: { channels: 1, height: 4, width: 4 } },
        { id: 'a', type: 'Conv2d', params: { out_channels: 2, kernel_size: 1, bias: false } },
        { id: 'b', type: 'Conv2d', params: { out_channels: 3, kernel_size: 1, bias: false } },
        { id: 'c', type: 'Concat', params: {} },
        { id: 'd', type: 'Add', params: {} },
      ],
      edges: [
        { source: 'in', target: 'a' }, { source: 'in', target: 'b' },
        { source: 'a', target: 'c', targetHandle: 'in0' }, { source: 'b', target: 'c', targetHandle: 'in1' },
        { source: 'c', target: 'd', targetHandle: 'in0' }, { source: 'c', target: 'd', targetHandle: 'in1' },
      ],
    };
    const { model, analysis } = compileGraphDetailed(doc);
    expect(toTorchShape(model.outputs[0].shape)).toEqual(analysis.nodes.d.shape);
    expect(analysis.nodes.d.shape).toEqual([1, 5, 4, 4]);
  });

  it('refuses a graph with errors, carrying the diagnostics', () => {
    const bad = chain([1, 4, 4], ['Conv2d', { out_channels: 1, kernel_size: 7 }]);
    let err: unknown;
    try { compileGraph(bad); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).diagnostics.length).toBeGreaterThan(0);
    expect((err as GraphError).message).toMatch(/n1/);
  });
});

describe('a block compiles exactly like its inside', () => {
  beforeAll(async () => { await initBackend('wasm'); });
  it.each([
    ['identity shortcut', chain([3, 6, 6], ['Residual', { num_channels: 3 }])],
    ['1×1 shortcut, stride 2', chain([3, 7, 5], ['Conv2d', { out_channels: 4, kernel_size: 1 }], ['Residual', { num_channels: 6, use_1x1conv: true, strides: 2 }], ['Flatten', {}], ['Linear', { out_features: 3 }])],
  ] as const)('%s: the same layers by name, and the same outputs with the same weights', (_name, doc) => {
    const block = compileGraph(doc, { seed: 2 });
    const flat = compileGraph(expandResiduals(doc), { seed: 9 });
    const weighted = (m: typeof block) => m.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name).sort();
    expect(weighted(flat)).toEqual(weighted(block));
    for (const name of weighted(block)) flat.getLayer(name).setWeights(block.getLayer(name).getWeights());
    const [, h, w, c] = block.inputs[0].shape as number[];
    const x = tf.randomUniform([2, h, w, c], -1, 1, 'float32', 3);
    for (const training of [false, true]) {
      const a = tf.tidy(() => Array.from((block.apply(x, { training }) as tf.Tensor).dataSync()));
      const b = tf.tidy(() => Array.from((flat.apply(x, { training }) as tf.Tensor).dataSync()));
      expect(b).toEqual(a);
    }
    x.dispose(); block.dispose(); flat.dispose();
  });
});

describe('a precomputed analysis', () => {
  beforeAll(async () => { await initBackend('cpu'); });
  it('is used as given, not computed again', () => {
    const doc = chain([1, 8, 8], ['Conv2d', { out_channels: 2, kernel_size: 3 }]);
    const analysis = analyzeGraph(doc);
    const compiled = compileGraphDetailed(doc, { analysis, initialize: false });
    expect(compiled.analysis).toBe(analysis);
    compiled.model.dispose();
    // An analysis with errors refuses the document even though the document itself is fine.
    const refused = analyzeGraph(chain([1, 2, 2], ['Conv2d', { out_channels: 2, kernel_size: 3 }]));
    expect(() => compileGraph(doc, { analysis: refused })).toThrow(GraphError);
  });
});

describe('checkpoints through the fs IOHandler', () => {
  beforeAll(async () => { await initBackend('wasm'); });
  it('a model with every custom layer saves and loads back with identical predictions', async () => {
    const doc = chain([1, 12, 12],
      ['Conv2d', { out_channels: 4, kernel_size: 3, padding: [1, 2] }], ['Conv2d', { out_channels: 6, kernel_size: 3, padding: 1, groups: 2 }], ['BatchNorm2d', {}], ['ReLU', {}],
      ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }], ['Residual', { num_channels: 6, use_1x1conv: true, strides: 2 }],
      ['AdaptiveAvgPool2d', { output_size: [2, 3] }], ['Flatten', {}], ['Dropout', { p: 0.3 }], ['Linear', { out_features: 10 }]);
    const m = compileGraph(doc, { seed: 1 });
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cs-ckpt-')), 'm');
    await m.save(fsIOHandler(dir));
    const back = await loadLayersModel(fsIOHandler(dir));
    const x = tf.randomUniform([2, 12, 12, 1], -1, 1, 'float32', 7);
    const a = tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));
    const b = tf.tidy(() => Array.from((back.predict(x) as tf.Tensor).dataSync()));
    expect(b).toEqual(a);
    x.dispose(); m.dispose(); back.dispose();
  });
});
