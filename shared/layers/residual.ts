/**
 * Residual, d2l 8.6: conv3×3(stride)→BN→ReLU→conv3×3→BN, plus the shortcut (a 1×1 conv with the
 * same stride when use_1x1conv), then ReLU. Written once, as the graph of ordinary layers that
 * `expand` returns: its shapes, params, MACs and receptive field are those of the inside, and the
 * compiler builds the inside layer by layer (layer names r_conv1, r_bn1, ... for checkpoints).
 */

import type { BlockDef, ParamValue } from '../graph/types';
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

/**
 * Residual as a document block: the same layers, num_channels and strides its params. Which
 * layers there are depends on use_1x1conv, so that one must be a plain value.
 */
function residualDefinition(params: Readonly<Record<string, ParamValue>>): { def: BlockDef; params: Record<string, ParamValue> } | { error: string } {
  const use = params.use_1x1conv ?? false;
  if (typeof use !== 'boolean') return { error: `its use_1x1conv is ${JSON.stringify(use)}, which decides whether there is a 1×1 convolution; set it to true or false first` };
  const inside = residualGraph({ type: 'Residual', num_channels: 1, use_1x1conv: use, strides: 1 });
  const ref: Record<string, ParamValue> = { out_channels: '$num_channels' };
  const nodes = inside.nodes.map((n) => ({
    id: n.id, type: n.type,
    params: n.type === 'Conv2d' ? { ...n.params, ...ref, ...('stride' in n.params ? { stride: '$strides' } : {}) } : { ...n.params },
  }));
  const edges = inside.nodes.flatMap((n) => n.inputs.map((source, slot) => ({ source, target: n.id, ...(n.inputs.length > 1 ? { targetHandle: `in${slot}` } : {}) })));
  const own = Object.fromEntries(Object.entries(params).filter(([k]) => k === 'num_channels' || k === 'strides'));
  return {
    def: {
      params: [{ name: 'num_channels', type: 'int', min: 1, doc: 'Output channels of both convolutions.' }, { name: 'strides', type: 'int', min: 1, default: 1, doc: 'Stride of the first convolution (and the shortcut).' }],
      nodes, edges, torch: 'Residual', doc: `An editable copy of d2l's Residual${use ? ' with a 1×1 convolution on the shortcut' : ''}.`,
    },
    params: own,
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
  asDefinition: residualDefinition,

  shape(x, p: ResidualParams) {
    if (!needImage(x)) return null;
    return shortcutRule(x, x.walk(residualGraph(p)), 'bn2', p.strides);
  },
});
