/**
 * The lowering from graph to compiled plan: every parameter gets the tfjs variable's own name and
 * shape (so checkpoints move between the compiled step and the tfjs backends), blocks expand as
 * compile.ts builds them, activations fuse only where nothing else reads the layer's output.
 */

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATES } from '../../../../../../shared/templates/index';
import type { GraphDoc } from '../../../../../../shared/graph/types';
import { compileGraph } from '../../../../../../main/engine-core/compile';
import { lowerGraph, type Plan } from '../../../../../../main/engine/backends/native/compiled/lower';
import { randomGraph } from './random-graphs';

tf.env().set('PROD', true);

/** Each parameter the plan declares, with its checkpoint shape. */
function planParams(plan: Plan): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const op of plan.ops) {
    const inShape = op.in.length ? plan.tensors[op.in[0]] : [];
    if (op.kind === 'conv') {
      out.set(op.weight, [op.kh, op.kw, inShape[0] / op.groups, op.outChannels]);
      if (op.biasName) out.set(op.biasName, [op.outChannels]);
    } else if (op.kind === 'linear') {
      out.set(op.weight, [inShape[0], op.outChannels]);
      if (op.biasName) out.set(op.biasName, [op.outChannels]);
    } else if (op.kind === 'batchnorm') {
      for (const n of [op.gamma, op.beta, op.runningMean, op.runningVar]) out.set(n, [inShape[0]]);
    }
  }
  return out;
}

const graphs: [string, GraphDoc][] = [
  ...TEMPLATES.map((t) => [t.id, t.build()] as [string, GraphDoc]),
  ...Array.from({ length: 20 }, (_, i) => [`random graph ${i}`, randomGraph(i, { dropout: true })] as [string, GraphDoc]),
];

describe('lowering a graph to the compiled plan', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(graphs)('%s: parameters named and shaped as compile.ts\'s tfjs variables', (_name, doc) => {
    const lowered = lowerGraph(doc);
    if (!lowered.ok) throw new Error(lowered.reason);
    const model = compileGraph(doc, { initialize: false });
    const want = new Map(model.weights.map((w) => [w.originalName, w.shape as number[]]));
    model.dispose();
    expect(Object.fromEntries(planParams(lowered.plan))).toEqual(Object.fromEntries(want));
  });

  it.each(graphs)('%s: tensor shapes are the shape engine\'s, ops in dependency order', (_name, doc) => {
    const lowered = lowerGraph(doc);
    if (!lowered.ok) throw new Error(lowered.reason);
    const { plan, analysis } = lowered;
    expect(plan.tensors[plan.output]).toEqual(analysis.nodes[analysis.outputId!].shape!.slice(1));
    expect(plan.tensors[plan.input]).toEqual(analysis.nodes[analysis.inputId!].shape!.slice(1));
    const written = new Set<number>();
    for (const op of plan.ops) {
      for (const t of op.in) expect(written.has(t), `op ${op.kind} reads t${t} before it is written`).toBe(true);
      written.add(op.out);
    }
  });

  it('fuses LeNet\'s sigmoids into its convs and dense layers, but not the output', () => {
    const lowered = lowerGraph(TEMPLATES.find((t) => t.id === 'lenet')!.build());
    if (!lowered.ok) throw new Error(lowered.reason);
    const kinds = lowered.plan.ops.map((op) => `${op.kind}${'act' in op && op.act ? `+${op.act}` : ''}`);
    expect(kinds).toEqual(['input', 'conv+sigmoid', 'pool', 'conv+sigmoid', 'pool', 'flatten', 'linear+sigmoid', 'linear+sigmoid', 'linear']);
  });

  it('expands Residual as d2l 8.6 (conv, BN+ReLU, conv, BN, 1×1 shortcut, add, ReLU)', () => {
    const lowered = lowerGraph(TEMPLATES.find((t) => t.id === 'resnet18')!.build());
    if (!lowered.ok) throw new Error(lowered.reason);
    const block = lowered.plan.ops.filter((op) => 'weight' in op ? op.weight.startsWith('b3_res1_') : 'gamma' in op && op.gamma.startsWith('b3_res1_'));
    expect(block.map((op) => `${op.kind}${'act' in op && op.act ? `+${op.act}` : ''}`)).toEqual(['conv', 'batchnorm+relu', 'conv', 'batchnorm', 'conv']);
    const convs = block.filter((op) => op.kind === 'conv');
    expect(convs.map((op) => op.kind === 'conv' && [op.kh, op.sh, op.pt])).toEqual([[3, 2, 1], [3, 1, 1], [1, 2, 0]]);
  });

  it('does not fuse an activation into a layer whose output something else reads too', () => {
    const doc: GraphDoc = {
      format: 'convstudio.graph', version: 2, name: 'fanout',
      nodes: [
        { id: 'input', type: 'Input', params: { channels: 1, height: 8, width: 8 } },
        { id: 'c', type: 'Conv2d', params: { out_channels: 4, kernel_size: 3, padding: 1 } },
        { id: 'r', type: 'ReLU', params: {} },
        { id: 'add', type: 'Add', params: {} },
        { id: 'f', type: 'Flatten', params: {} },
        { id: 'l', type: 'Linear', params: { out_features: 10 } },
      ],
      edges: [['input', 'c'], ['c', 'r'], ['r', 'add'], ['c', 'add'], ['add', 'f'], ['f', 'l']].map(([source, target]) => ({ source, target })),
    };
    const lowered = lowerGraph(doc);
    if (!lowered.ok) throw new Error(lowered.reason);
    expect(lowered.plan.ops.map((op) => op.kind)).toEqual(['input', 'conv', 'act', 'add', 'flatten', 'linear']);
  });

  it('refuses a graph that does not check, saying why in one line', () => {
    const doc = TEMPLATES[0].build();
    doc.edges = doc.edges.slice(1);
    const lowered = lowerGraph(doc);
    expect(lowered.ok).toBe(false);
    if (!lowered.ok) expect(lowered.reason).toMatch(/^the graph does not check \(.+\)$/);
  });
});
