/**
 * The compiled step's plans for the heap check (native/heap-check.mjs): the networks lowered as
 * the trainer lowers them (main/engine/backends/native/compiled/lower.ts), small enough to train
 * a few steps under valgrind, and covering what the compiled step does differently per layer:
 * plain and BatchNorm convolutions, pooling of both kinds, both Residual kinds (the downsampling
 * one with its 1×1 shortcut), Dropout, grouped and dilated convolutions, concatenation.
 *
 *   tsx scripts/heap-plans.ts OUT.json
 */

import { writeFileSync } from 'node:fs';
import { lowerGraph } from '../main/engine/backends/native/compiled/lower';
import type { GraphDoc } from '../shared/graph/types';
import { getTemplate } from '../shared/templates/index';

type Node = GraphDoc['nodes'][number];

/** A chain of layers after a 1-channel Input of `size` px. */
function chain(name: string, size: number, layers: [string, Node['params']][]): GraphDoc {
  const nodes: Node[] = [{ id: 'input', type: 'Input', params: { channels: 1, height: size, width: size } }, ...layers.map(([type, params], i) => ({ id: `n${i}`, type, params }))];
  return { format: 'convstudio.graph', version: 2, name, nodes, edges: nodes.slice(1).map((n, i) => ({ source: nodes[i].id, target: n.id })) };
}

const head: [string, Node['params']][] = [['AdaptiveAvgPool2d', { output_size: 1 }], ['Flatten', {}], ['Linear', { out_features: 10 }]];

const GRAPHS: GraphDoc[] = [
  getTemplate('lenet')!,
  getTemplate('bn-lenet')!,
  chain('residuals at 12 px', 12, [
    ['Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }], ['BatchNorm2d', {}], ['ReLU', {}],
    ['Residual', { num_channels: 8 }],
    ['Residual', { num_channels: 16, use_1x1conv: true, strides: 2 }],
    ['Dropout', { p: 0.3 }], ...head,
  ]),
  chain('grouped, dilated and pooled at 11 px', 11, [
    ['Conv2d', { out_channels: 6, kernel_size: 3, padding: 2, dilation: 2 }], ['ReLU', {}],
    ['Conv2d', { out_channels: 6, kernel_size: 3, padding: 1, groups: 3 }], ['Sigmoid', {}],
    ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }],
    ['AvgPool2d', { kernel_size: 2, stride: 1 }], ...head,
  ]),
];

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/heap-plans.ts OUT.json');
const plans = GRAPHS.map((doc) => {
  const lowered = lowerGraph(doc);
  if (!lowered.ok) throw new Error(`${doc.name}: the compiled step cannot lower it: ${lowered.reason}`);
  return { name: doc.name, plan: lowered.plan };
});
writeFileSync(out, JSON.stringify(plans));
