/** Small networks using every kind of block the templates use, for the expansion tests of the shape engine and the compiler. */

import type { BlockDef, GraphDoc } from '../../../shared/graph/types';
import { getTemplate } from '../../../shared/templates/index';
import { chainOf, input } from './helpers';

export const withBlocks = (doc: GraphDoc, blocks: Record<string, BlockDef>): GraphDoc => ({ ...doc, blocks });

/** Small networks using every kind of block the templates use, plus nesting and repeats. */
export const BLOCK_CASES: [string, GraphDoc][] = [
  ['VGG blocks (a repeated block inside a block)', withBlocks(chainOf([input(1, 16), ['b1', 'block:vgg_block', { num_convs: 2, out_channels: 4 }], ['b2', 'block:vgg_block', { num_convs: 1, out_channels: 8 }], ['f', 'Flatten'], ['fc', 'Linear', { out_features: 5 }]]), getTemplate('vgg')!.blocks!)],
  ['ResNet stages (Residuals in a block, "$num_residuals - 1" copies)', withBlocks(chainOf([input(1, 20), ['b1', 'block:b1'], ['b2', 'block:block', { num_residuals: 2, num_channels: 64 }], ['b3', 'block:block', { num_residuals: 3, num_channels: 8, use_1x1conv: true, strides: 2 }], ['last', 'block:last', { num_classes: 3 }]]), getTemplate('resnet18')!.blocks!)],
  ['Inception (four branches, Concat in order)', withBlocks(chainOf([input(3, 9), ['inc', 'block:Inception', { c1: 2, c2: [3, 4], c3: [2, 3], c4: 5 }], ['relu', 'ReLU']]), getTemplate('googlenet')!.blocks!)],
  ['DenseBlock and transition (a repeated block with a Concat of its input)', withBlocks(chainOf([input(2, 8), ['d', 'block:DenseBlock', { num_convs: 3, num_channels: 4 }], ['t', 'block:transition_block', { num_channels: 5 }]]), getTemplate('densenet')!.blocks!)],
  ['ResNeXt stage (grouped convolutions, a 1×1 shortcut)', withBlocks(chainOf([input(1, 16), ['s', 'block:stem', { num_channels: 8 }], ['st', 'block:stage', { depth: 2, num_channels: 16, groups: 4, bot_mul: 0.5 }]]), getTemplate('resnext')!.blocks!)],
  ['bottleneck stage (a 1×1 shortcut with BN, then "$num_blocks - 1" identity bottlenecks)', withBlocks(chainOf([input(3, 12), ['st', 'block:bottleneck_stage', { num_blocks: 3, num_channels: 4, strides: 2 }]]), getTemplate('resnet50')!.blocks!)],
  ['pre-activation residuals (no ReLU after the sum; repeated at the top level)', repeated(withBlocks(chainOf([input(4, 10), ['p', 'block:PreActResidual', { num_channels: 4 }], ['s', 'block:preact_block', { num_residuals: 2, num_channels: 6, strides: 2 }]]), getTemplate('preact-resnet18')!.blocks!), { p: 2 })],
  ['NiN blocks (pair and padding params)', withBlocks(chainOf([input(1, 24), ['n1', 'block:nin_block', { out_channels: 6, kernel_size: [5, 3], strides: 2, padding: 1 }], ['n2', 'block:nin_block', { out_channels: 4, kernel_size: 3, padding: 'same' }]]), getTemplate('nin')!.blocks!)],
  ['a top-level repeat of a layer and of a built-in block', repeated(chainOf([input(2, 10), ['c', 'Conv2d', { out_channels: 2, kernel_size: 3, padding: 1 }], ['r', 'Residual', { num_channels: 2 }]]), { c: 3, r: 2 })],
];

/** The same graph with some nodes repeated. */
function repeated(doc: GraphDoc, times: Record<string, number>): GraphDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (times[n.id] !== undefined ? { ...n, repeat: times[n.id] } : n)) };
}
