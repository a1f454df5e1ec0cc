/**
 * ResNeXtBlock, d2l 8.6.5 (1.0.3): a bottleneck residual block whose 3×3 convolution is grouped.
 * conv1×1(bot)→BN→ReLU→conv3×3(bot, stride, groups)→BN→ReLU→conv1×1(num_channels)→BN, plus the
 * input (through conv1×1(stride)→BN when use_1x1conv), then ReLU, with
 * bot = int(round(num_channels·bot_mul)). As in d2l 1.0.3's code, the 3×3 convolution gets
 * bot // groups groups, so `groups` is the channels per group (later editions of the book changed
 * this; the templates follow 1.0.3, whose numbers the references were recorded with).
 */

import type { BlockGraph, BlockNode } from './layer';
import { BLOCK_INPUT, defineBlock } from './layer';
import { needImage, shortcutRule } from './rules';

export interface ResNeXtParams { type: 'ResNeXtBlock'; num_channels: number; groups: number; bot_mul: number; use_1x1conv: boolean; strides: number }

/** Python's round(): halves go to the even neighbour (round(2.5) == 2). */
export function pythonRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const bottleneckChannels = (p: ResNeXtParams): number => pythonRound(p.num_channels * p.bot_mul);

/** d2l's ResNeXtBlock.forward, node by node; the shortcut's layers come last so weight draws keep their order. */
export function resnextGraph(p: ResNeXtParams): BlockGraph {
  const c = p.num_channels;
  const bot = bottleneckChannels(p);
  const s = p.strides;
  const shortcut: BlockNode[] = p.use_1x1conv
    ? [
      { id: 'conv4', type: 'Conv2d', params: { out_channels: c, kernel_size: 1, stride: s }, inputs: [BLOCK_INPUT] },
      { id: 'bn4', type: 'BatchNorm2d', params: {}, inputs: ['conv4'] },
    ]
    : [];
  return {
    nodes: [
      { id: 'conv1', type: 'Conv2d', params: { out_channels: bot, kernel_size: 1 }, inputs: [BLOCK_INPUT] },
      { id: 'bn1', type: 'BatchNorm2d', params: {}, inputs: ['conv1'] },
      { id: 'relu1', type: 'ReLU', params: {}, inputs: ['bn1'] },
      { id: 'conv2', type: 'Conv2d', params: { out_channels: bot, kernel_size: 3, stride: s, padding: 1, groups: Math.floor(bot / p.groups) }, inputs: ['relu1'] },
      { id: 'bn2', type: 'BatchNorm2d', params: {}, inputs: ['conv2'] },
      { id: 'relu2', type: 'ReLU', params: {}, inputs: ['bn2'] },
      { id: 'conv3', type: 'Conv2d', params: { out_channels: c, kernel_size: 1 }, inputs: ['relu2'] },
      { id: 'bn3', type: 'BatchNorm2d', params: {}, inputs: ['conv3'] },
      ...shortcut,
      { id: 'add', type: 'Add', params: {}, inputs: ['bn3', p.use_1x1conv ? 'bn4' : BLOCK_INPUT] },
      { id: 'relu', type: 'ReLU', params: {}, inputs: ['add'] },
    ],
    output: 'relu',
  };
}

export const resnextBlock = defineBlock({
  type: 'ResNeXtBlock', label: 'ResNeXt block', category: 'Blocks', inputs: 1, torch: 'ResNeXtBlock',
  doc: 'd2l 8.6.5: 1×1 conv to bot = round(num_channels·bot_mul) channels, grouped 3×3 conv (bot // groups groups), 1×1 conv back, each with BN; plus the input (through a 1×1 conv and BN when use_1x1conv), then ReLU.',
  params: [
    { name: 'num_channels', type: 'int', min: 1, doc: 'Output channels of the block.', short: '' },
    { name: 'groups', type: 'int', default: 16, min: 1, doc: 'Channels per group of the 3×3 convolution (d2l 1.0.3 passes bot_channels // groups as its groups).', short: 'g' },
    { name: 'bot_mul', type: 'float', default: 1, min: 0, doc: 'Bottleneck width: bot_channels = round(num_channels · bot_mul).', short: 'bot×' },
    { name: 'use_1x1conv', type: 'bool', default: false, doc: 'Reshape the shortcut with a 1×1 convolution and BN.' },
    { name: 'strides', type: 'int', default: 1, min: 1, doc: 'Stride of the 3×3 convolution (and the shortcut).' },
  ],
  initial: { num_channels: 16 },
  resolve: (v): ResNeXtParams => ({
    type: 'ResNeXtBlock', num_channels: v.num_channels as number, groups: v.groups as number, bot_mul: v.bot_mul as number,
    use_1x1conv: v.use_1x1conv as boolean, strides: v.strides as number,
  }),
  expand: resnextGraph,

  shape(x, p: ResNeXtParams) {
    if (!needImage(x)) return null;
    const bot = bottleneckChannels(p);
    if (bot >= 1 && Math.floor(bot / p.groups) < 1) {
      x.report({
        severity: 'error', code: 'bad-param', nodeId: x.id,
        message: `${x.type} ${x.id}: groups ${p.groups} is more than the ${bot} bottleneck channels, so the 3×3 convolution would get ${bot} // ${p.groups} = 0 groups (PyTorch refuses it). Set groups to at most ${bot}.`,
        fix: { kind: 'setParam', label: `groups ${bot}`, nodeId: x.id, param: 'groups', value: bot },
      });
      return null;
    }
    return shortcutRule(x, x.walk(resnextGraph(p)), 'bn3', p.strides);
  },
});
