/**
 * Residual, d2l 8.6: conv3×3(stride)→BN→ReLU→conv3×3→BN, plus the shortcut (a 1×1 conv with the
 * same stride when use_1x1conv), then ReLU. Written once, as the graph of ordinary layers that
 * `expand` returns: its shapes, params, MACs and receptive field are those of the inside, and the
 * compiler builds the inside layer by layer (layer names r_conv1, r_bn1, ... for checkpoints).
 */

import type { BlockGraph, BlockNode } from './layer';
import { BLOCK_INPUT, defineBlock } from './layer';
import { needImage, shortcutRule } from './rules';

export interface ResidualParams { type: 'Residual'; num_channels: number; use_1x1conv: boolean; strides: number }

/** d2l's Residual.forward, node by node; conv3 comes last so the weight draws keep their order. */
export function residualGraph(p: ResidualParams): BlockGraph {
  const c = p.num_channels;
  const s = p.strides;
  const conv3: BlockNode = { id: 'conv3', type: 'Conv2d', params: { out_channels: c, kernel_size: 1, stride: s }, inputs: [BLOCK_INPUT] };
  const shortcut = p.use_1x1conv ? conv3.id : BLOCK_INPUT;
  return {
    nodes: [
      { id: 'conv1', type: 'Conv2d', params: { out_channels: c, kernel_size: 3, padding: 1, stride: s }, inputs: [BLOCK_INPUT] },
      { id: 'bn1', type: 'BatchNorm2d', params: {}, inputs: ['conv1'] },
      { id: 'relu1', type: 'ReLU', params: {}, inputs: ['bn1'] },
      { id: 'conv2', type: 'Conv2d', params: { out_channels: c, kernel_size: 3, padding: 1 }, inputs: ['relu1'] },
      { id: 'bn2', type: 'BatchNorm2d', params: {}, inputs: ['conv2'] },
      ...(p.use_1x1conv ? [conv3] : []),
      { id: 'add', type: 'Add', params: {}, inputs: ['bn2', shortcut] },
      { id: 'relu', type: 'ReLU', params: {}, inputs: ['add'] },
    ],
    output: 'relu',
  };
}

export const residual = defineBlock({
  type: 'Residual', label: 'Residual', category: 'Blocks', inputs: 1, torch: 'Residual',
  doc: 'd2l 8.6: conv3×3(stride)→BN→ReLU→conv3×3→BN, plus the input (through a 1×1 conv when use_1x1conv), then ReLU.',
  params: [
    { name: 'num_channels', type: 'int', min: 1, doc: 'Output channels of both convolutions.', short: '' },
    { name: 'use_1x1conv', type: 'bool', default: false, doc: 'Reshape the shortcut with a 1×1 convolution.' },
    { name: 'strides', type: 'int', default: 1, min: 1, doc: 'Stride of the first convolution (and the shortcut).' },
  ],
  initial: { num_channels: 16 },
  resolve: (v): ResidualParams => ({ type: 'Residual', num_channels: v.num_channels as number, use_1x1conv: v.use_1x1conv as boolean, strides: v.strides as number }),
  expand: residualGraph,

  shape(x, p: ResidualParams) {
    if (!needImage(x)) return null;
    return shortcutRule(x, x.walk(residualGraph(p)), 'bn2', p.strides);
  },
});
