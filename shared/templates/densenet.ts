import type { BlockDef, GraphDoc } from '../graph/types';
import { chain, chainBlock, graphBlock, input, intParam, type Layer } from './chain';

/**
 * d2l 8.7: `conv_block` (BN, ReLU, 3×3 conv), `DenseBlock(num_convs, num_channels)` (each conv
 * block's output concatenated onto its input: X = cat(X, conv_block(X))), `transition_block`
 * (BN, ReLU, 1×1 conv, 2×2 average pool), and DenseNet's `b1` stem.
 */
export const DENSENET_BLOCKS: Record<string, BlockDef> = {
  conv_block: chainBlock([intParam('num_channels', 'Channels the 3×3 convolution adds.')], [
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
    { id: 'conv', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 3, padding: 1 } },
  ]),
  dense_layer: graphBlock([intParam('num_channels', 'Growth: channels this layer adds.')], [
    { id: 'blk', type: 'block:conv_block', params: { num_channels: '$num_channels' }, from: ['in'] },
    { id: 'cat', type: 'Concat', from: ['in', 'blk'] },
  ], { doc: 'One step of DenseBlock.forward: Y = conv_block(X); X = cat((X, Y), dim=1).' }),
  DenseBlock: chainBlock([intParam('num_convs', 'Conv blocks in the dense block.'), intParam('num_channels', 'Growth rate: channels each conv block adds.')], [
    { id: 'net', type: 'block:dense_layer', params: { num_channels: '$num_channels' }, repeat: '$num_convs' },
  ], { torch: 'DenseBlock', doc: 'd2l 8.7: num_convs conv blocks, each output concatenated onto its input.' }),
  transition_block: chainBlock([intParam('num_channels', 'Channels after the 1×1 convolution.')], [
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
    { id: 'conv', type: 'Conv2d', params: { out_channels: '$num_channels', kernel_size: 1 } },
    { id: 'pool', type: 'AvgPool2d', params: { kernel_size: 2, stride: 2 } },
  ], { doc: 'd2l 8.7: BN, ReLU, a 1×1 convolution and a 2×2 average pool, to shrink channels and H×W.' }),
  b1: chainBlock([], [
    { id: 'conv', type: 'Conv2d', params: { out_channels: 64, kernel_size: 7, stride: 2, padding: 3 } },
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
    { id: 'pool', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2, padding: 1 } },
  ]),
  last: chainBlock([intParam('num_classes', 'Outputs of the classifier.', 10)], [
    { id: 'bn', type: 'BatchNorm2d' },
    { id: 'relu', type: 'ReLU' },
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc', type: 'Linear', params: { out_features: '$num_classes' } },
  ]),
};

/**
 * d2l 8.7: DenseNet(num_channels=64, growth_rate=32, arch=(4, 4, 4, 4)) at 1×96×96. The channel
 * count is tracked as in the book: each dense block adds num_convs·growth_rate, each transition
 * halves it.
 */
export function densenet(numChannels = 64, growthRate = 32, arch: readonly number[] = [4, 4, 4, 4]): GraphDoc {
  const layers: Layer[] = [input(1, 96), { id: 'b1', type: 'block:b1' }];
  let channels = numChannels;
  arch.forEach((numConvs, i) => {
    layers.push({ id: `dense_blk${i + 1}`, type: 'block:DenseBlock', params: { num_convs: numConvs, num_channels: growthRate } });
    channels += numConvs * growthRate;
    if (i !== arch.length - 1) {
      channels = Math.floor(channels / 2);
      layers.push({ id: `tran_blk${i + 1}`, type: 'block:transition_block', params: { num_channels: channels } });
    }
  });
  layers.push({ id: 'last', type: 'block:last' });
  return chain('DenseNet', layers, structuredClone(DENSENET_BLOCKS));
}
