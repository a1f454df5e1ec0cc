import type { BlockDef, BlockParam, GraphDoc } from '../graph/types';
import { chain, chainBlock, graphBlock, input, intParam, type Layer } from './chain';
import { RESNET_BLOCKS } from './resnet';

/**
 * d2l 8.6's exercises 3 and 4, written as blocks of the file so a student can open and change
 * them: the bottleneck residual of deeper ResNets (1×1 reduce, 3×3, 1×1 expand ×4) in ResNet-50,
 * and the pre-activation residual ("BN, activation, convolution", He et al. 2016b) in ResNet-18.
 * A block's layers cannot depend on a param, so each comes twice: with an identity shortcut, and
 * with a 1×1 convolution on the shortcut where the shape changes (d2l's use_1x1conv=True).
 */

const strides: BlockParam = { name: 'strides', type: 'int', min: 1, default: 1, doc: 'Stride of the 3×3 convolution and the shortcut.' };
const width = intParam('num_channels', 'Bottleneck width; the block outputs 4× as many channels.');

/** conv1 1×1 → BN → ReLU → conv2 3×3 (stride) → BN → ReLU → conv3 1×1 (4× wide) → BN. */
const bottleneckPath = (stride: string | number): (Layer & { from: string[] })[] => [
  { id: 'conv1', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 1 }, from: ['in'] },
  { id: 'bn1', type: 'BatchNorm2d', from: ['conv1'] },
  { id: 'relu1', type: 'ReLU', from: ['bn1'] },
  { id: 'conv2', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 3, padding: 1, stride }, from: ['relu1'] },
  { id: 'bn2', type: 'BatchNorm2d', from: ['conv2'] },
  { id: 'relu2', type: 'ReLU', from: ['bn2'] },
  { id: 'conv3', type: 'Conv2d', params: { out_channels: '$num_channels * 4', kernel_size: 1 }, from: ['relu2'] },
  { id: 'bn3', type: 'BatchNorm2d', from: ['conv3'] },
];

/** BN → ReLU → conv1 3×3 (stride) → BN → ReLU → conv2 3×3: no ReLU after the sum. */
const preactPath = (stride: string | number): (Layer & { from: string[] })[] => [
  { id: 'bn1', type: 'BatchNorm2d', from: ['in'] },
  { id: 'relu1', type: 'ReLU', from: ['bn1'] },
  { id: 'conv1', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 3, padding: 1, stride }, from: ['relu1'] },
  { id: 'bn2', type: 'BatchNorm2d', from: ['conv1'] },
  { id: 'relu2', type: 'ReLU', from: ['bn2'] },
  { id: 'conv2', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 3, padding: 1 }, from: ['relu2'] },
];

export const BOTTLENECK_BLOCKS: Record<string, BlockDef> = {
  b1: RESNET_BLOCKS.b1,
  last: RESNET_BLOCKS.last,
  Bottleneck: graphBlock([width], [
    ...bottleneckPath(1),
    { id: 'add', type: 'Add', from: ['bn3', 'in'] },
    { id: 'relu', type: 'ReLU', from: ['add'] },
  ], { torch: 'Bottleneck', doc: 'd2l 8.6 ex. 3: 1×1 reduce, 3×3, 1×1 expand to 4×num_channels, plus the input, then ReLU. The input must have 4×num_channels channels.' }),
  BottleneckDown: graphBlock([width, strides], [
    ...bottleneckPath('$strides'),
    { id: 'conv4', type: 'Conv2d', params: { out_channels: '$num_channels * 4', kernel_size: 1, stride: '$strides' }, from: ['in'] },
    { id: 'bn4', type: 'BatchNorm2d', from: ['conv4'] },
    { id: 'add', type: 'Add', from: ['bn3', 'bn4'] },
    { id: 'relu', type: 'ReLU', from: ['add'] },
  ], { torch: 'Bottleneck', doc: 'The bottleneck with a 1×1 convolution (and BN) on the shortcut, for a stage’s first block, where channels or H×W change.' }),
  bottleneck_stage: chainBlock([intParam('num_blocks', 'Bottleneck blocks in the stage.'), width, strides], [
    { id: 'down', type: 'block:BottleneckDown', params: { num_channels: '$num_channels', strides: '$strides' } },
    { id: 'rest', type: 'block:Bottleneck', params: { num_channels: '$num_channels' }, repeat: '$num_blocks - 1' },
  ], { doc: 'A stage of ResNet-50: a bottleneck that reshapes the shortcut, then num_blocks − 1 plain ones.' }),
};

/** ResNet-50 at 1×96×96: d2l's b1 and last, stages of 3, 4, 6 and 3 bottlenecks (64 to 512 wide, ×4 out). */
export function resnet50(size = 96): GraphDoc {
  const arch: [number, number, number][] = [[3, 64, 1], [4, 128, 2], [6, 256, 2], [3, 512, 2]];
  return chain('ResNet-50 (bottleneck)', [
    input(1, size),
    { id: 'b1', type: 'block:b1' },
    ...arch.map(([num_blocks, num_channels, s], i): Layer => ({ id: `b${i + 2}`, type: 'block:bottleneck_stage', params: { num_blocks, num_channels, strides: s } })),
    { id: 'last', type: 'block:last' },
  ], structuredClone(BOTTLENECK_BLOCKS));
}

export const PREACT_BLOCKS: Record<string, BlockDef> = {
  b1: RESNET_BLOCKS.b1,
  PreActResidual: graphBlock([intParam('num_channels', 'Channels of both convolutions; the input must have as many.')], [
    ...preactPath(1),
    { id: 'add', type: 'Add', from: ['conv2', 'in'] },
  ], { torch: 'PreActResidual', doc: 'd2l 8.6 ex. 4: BN, ReLU, 3×3 conv, BN, ReLU, 3×3 conv, plus the input (no ReLU after the sum).' }),
  PreActResidualDown: graphBlock([intParam('num_channels', 'Channels of both convolutions.'), strides], [
    ...preactPath('$strides'),
    { id: 'conv3', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 1, stride: '$strides' }, from: ['in'] },
    { id: 'add', type: 'Add', from: ['conv2', 'conv3'] },
  ], { torch: 'PreActResidual', doc: 'The pre-activation residual with a 1×1 convolution on the shortcut, where channels or H×W change.' }),
  preact_block: chainBlock([intParam('num_residuals', 'Residual blocks in the stage.'), intParam('num_channels', 'Channels of the stage.'), strides], [
    { id: 'res1', type: 'block:PreActResidualDown', params: { num_channels: '$num_channels', strides: '$strides' } },
    { id: 'res2', type: 'block:PreActResidual', params: { num_channels: '$num_channels' }, repeat: '$num_residuals - 1' },
  ], { doc: 'A stage: a pre-activation residual that reshapes the shortcut, then num_residuals − 1 plain ones.' }),
  // The blocks end on a sum that no BN or ReLU has seen, so the head normalises first.
  last: chainBlock([intParam('num_classes', 'Outputs of the classifier.', 10)], [
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc', type: 'Linear', params: { out_features: '$num_classes' } },
  ], { doc: 'BN and ReLU on the last sum, global average pool, flatten, a Linear classifier.' }),
};

/** Pre-activation ResNet-18 at 1×96×96: b1, two plain residuals of 64, three downsampling stages, last. */
export function preactResnet18(size = 96): GraphDoc {
  return chain('ResNet-18 (pre-activation)', [
    input(1, size),
    { id: 'b1', type: 'block:b1' },
    { id: 'b2', type: 'block:PreActResidual', params: { num_channels: 64 }, repeat: 2 },
    ...[128, 256, 512].map((num_channels, i): Layer => ({ id: `b${i + 3}`, type: 'block:preact_block', params: { num_residuals: 2, num_channels, strides: 2 } })),
    { id: 'last', type: 'block:last' },
  ], structuredClone(PREACT_BLOCKS));
}
