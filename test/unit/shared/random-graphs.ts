/** Random small networks for property tests: chains with branches and merges, often broken. */

import fc from 'fast-check';
import type { GraphDoc, ParamValue } from '../../../shared/graph/types';
import { graph, input, type NodeSpecLite } from './helpers';

/** Layers with sizes small enough to break often. */
const layerArb = fc.oneof(
  fc.record({ type: fc.constant('Conv2d'), out_channels: fc.integer({ min: 1, max: 8 }), kernel_size: fc.integer({ min: 1, max: 9 }), stride: fc.integer({ min: 1, max: 3 }), padding: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('same')), dilation: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ type: fc.constantFrom('MaxPool2d', 'AvgPool2d'), kernel_size: fc.integer({ min: 1, max: 5 }), padding: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ type: fc.constantFrom('ReLU', 'BatchNorm2d', 'Flatten', 'BatchNorm1d', 'AdaptiveAvgPool2d', 'Sigmoid') }),
  fc.record({ type: fc.constant('Linear'), out_features: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ type: fc.constant('Residual'), num_channels: fc.integer({ min: 1, max: 8 }), strides: fc.integer({ min: 1, max: 2 }), use_1x1conv: fc.boolean() }),
  fc.record({ type: fc.constantFrom('Add', 'Concat') }),
);

export const brokenGraphs = fc.record({
  size: fc.integer({ min: 1, max: 16 }),
  channels: fc.integer({ min: 1, max: 4 }),
  layers: fc.array(fc.record({ layer: layerArb, from: fc.nat(), other: fc.nat() }), { minLength: 1, maxLength: 10 }),
  /** Structural damage: a back edge, a lost edge, a second Input, an unknown type. */
  damage: fc.array(fc.record({ kind: fc.constantFrom('back', 'cut', 'input', 'unknown'), a: fc.nat(), b: fc.nat() }), { maxLength: 2 }),
}).map(({ size, channels, layers, damage }): GraphDoc => {
  const nodes: NodeSpecLite[] = [input(channels, size)];
  const edges: [string, string][] = [];
  layers.forEach(({ layer: { type, ...params }, from, other }, i) => {
    const id = `n${i}`;
    nodes.push([id, type, params as Record<string, ParamValue>]);
    // Mostly a chain (the previous node), sometimes a branch from further back.
    const src = nodes[from % 4 === 0 ? from % (nodes.length - 1) : nodes.length - 2][0];
    edges.push([src, id]);
    if (type === 'Add' || type === 'Concat') {
      const second = nodes[other % (nodes.length - 1)][0];
      if (second !== src) edges.push([second, id]);
    }
  });
  for (const d of damage) {
    const a = nodes[d.a % nodes.length][0];
    const b = nodes[d.b % nodes.length][0];
    if (d.kind === 'back') edges.push([a, b]);
    if (d.kind === 'cut' && edges.length) edges.splice(d.a % edges.length, 1);
    if (d.kind === 'input') nodes.push(['input2', 'Input', { channels: 1, height: 8, width: 8 }]);
    if (d.kind === 'unknown') nodes.push(['mystery', 'Conv3d', {}]);
  }
  return graph(nodes, edges);
});

