import type { BlockDef, GraphDoc } from '../graph/types';
import { chain, chainBlock, input, intParam, type Layer } from './chain';

/**
 * d2l 8.6's ResNet as it is written there: `b1()` (the 7×7 stem), `block(num_residuals,
 * num_channels)` (a stage of Residuals; every stage after the first starts with a stride-2
 * Residual that reshapes its shortcut with a 1×1 conv), and the `last` head.
 */
export const RESNET_BLOCKS: Record<string, BlockDef> = {
  b1: chainBlock([], [
    { id: 'conv', type: 'Conv2d', params: { out_channels: 64, kernel_size: 7, stride: 2, padding: 3 } },
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
    { id: 'pool', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2, padding: 1 } },
  ], { doc: 'd2l 8.6 b1: 7×7 conv (stride 2), BN, ReLU, 3×3 max-pool (stride 2).' }),
  block: chainBlock([
    intParam('num_residuals', 'Residual blocks in the stage.'),
    intParam('num_channels', 'Channels of every Residual.'),
    { name: 'use_1x1conv', type: 'bool', default: false, doc: 'The first Residual reshapes its shortcut (every stage but the first).' },
    { name: 'strides', type: 'int', default: 1, min: 1, doc: 'Stride of the first Residual.' },
  ], [
    { id: 'res1', type: 'Residual', params: { num_channels: '$num_channels', use_1x1conv: '$use_1x1conv', strides: '$strides' } },
    { id: 'res2', type: 'Residual', params: { num_channels: '$num_channels' }, repeat: '$num_residuals - 1' },
  ], { doc: 'd2l 8.6 block: num_residuals Residuals of num_channels; the first may downsample.' }),
  last: chainBlock([intParam('num_classes', 'Outputs of the classifier.', 10)], [
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc', type: 'Linear', params: { out_features: '$num_classes' } },
  ], { doc: 'Global average pool, flatten, a Linear classifier.' }),
};

/** d2l 8.6 ResNet-18: b1, four stages of two Residuals (64, 128, 256, 512 channels), last. */
export function resnet18(size = 96): GraphDoc {
  const arch: [number, number][] = [[2, 64], [2, 128], [2, 256], [2, 512]];
  return chain('ResNet-18', [
    input(1, size),
    { id: 'b1', type: 'block:b1' },
    ...arch.map(([num_residuals, num_channels], i): Layer => ({
      id: `b${i + 2}`, type: 'block:block',
      params: i === 0 ? { num_residuals, num_channels } : { num_residuals, num_channels, use_1x1conv: true, strides: 2 },
    })),
    { id: 'last', type: 'block:last' },
  ], structuredClone(RESNET_BLOCKS));
}
