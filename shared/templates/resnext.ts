import type { BlockDef, GraphDoc } from '../graph/types';
import { chain, chainBlock, input, intParam } from './chain';

/**
 * d2l's network of ResNeXt blocks (8.6.5's ResNeXtBlock in 8.8's AnyNet design, as RegNetX-32):
 * `stem` (3×3 conv stride 2, BN, ReLU), `stage(depth, num_channels, groups, bot_mul)` (a stride-2
 * ResNeXt block with a 1×1-conv shortcut, then depth − 1 plain ones) and the `head`.
 */
export const RESNEXT_BLOCKS: Record<string, BlockDef> = {
  stem: chainBlock([intParam('num_channels', 'Channels of the stem convolution.')], [
    { id: 'conv', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 3, stride: 2, padding: 1 } },
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
  ]),
  stage: chainBlock([
    intParam('depth', 'ResNeXt blocks in the stage.'),
    intParam('num_channels', 'Channels of every block.'),
    intParam('groups', 'Channels per group of the grouped convolutions (d2l 1.0.3).'),
    { name: 'bot_mul', type: 'float', min: 0, default: 1, doc: 'Bottleneck width multiplier.' },
  ], [
    { id: 'blk1', type: 'ResNeXtBlock', params: { num_channels: '$num_channels', groups: '$groups', bot_mul: '$bot_mul', use_1x1conv: true, strides: 2 } },
    { id: 'blks', type: 'ResNeXtBlock', params: { num_channels: '$num_channels', groups: '$groups', bot_mul: '$bot_mul' }, repeat: '$depth - 1' },
  ], { doc: 'd2l 8.8 AnyNet.stage: depth ResNeXt blocks; the first halves H×W.' }),
  head: chainBlock([intParam('num_classes', 'Outputs of the classifier.', 10)], [
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc', type: 'Linear', params: { out_features: '$num_classes' } },
  ]),
};

/** RegNetX-32 (d2l 8.8): stem 32, stages (4 blocks, 32 channels) and (6, 80), groups 16, bot_mul 1, at 1×96×96. */
export function resnext(): GraphDoc {
  return chain('ResNeXt', [
    input(1, 96),
    { id: 'stem', type: 'block:stem', params: { num_channels: 32 } },
    { id: 'stage1', type: 'block:stage', params: { depth: 4, num_channels: 32, groups: 16, bot_mul: 1 } },
    { id: 'stage2', type: 'block:stage', params: { depth: 6, num_channels: 80, groups: 16, bot_mul: 1 } },
    { id: 'head', type: 'block:head' },
  ], structuredClone(RESNEXT_BLOCKS));
}
