import type { BlockDef, GraphDoc } from '../graph/types';
import { chain, chainBlock, input, intParam } from './chain';

/** d2l 8.3's `nin_block(out_channels, kernel_size, strides, padding)`: one conv, then two 1×1 convs, each with ReLU. */
export const NIN_BLOCKS: Record<string, BlockDef> = {
  nin_block: chainBlock([
    intParam('out_channels', 'Channels of all three convolutions.'),
    { name: 'kernel_size', type: 'intPair', min: 1, doc: 'Window of the first convolution.' },
    { name: 'strides', type: 'intPair', default: 1, min: 1, doc: 'Stride of the first convolution.' },
    { name: 'padding', type: 'padding', default: 0, min: 0, doc: 'Padding of the first convolution.' },
  ], [
    { id: 'conv1', type: 'Conv2d', params: { out_channels: '$out_channels', kernel_size: '$kernel_size', stride: '$strides', padding: '$padding' } },
    { id: 'relu1', type: 'ReLU' },
    { id: 'conv2', type: 'Conv2d', params: { out_channels: '$out_channels', kernel_size: 1 } },
    { id: 'relu2', type: 'ReLU' },
    { id: 'conv3', type: 'Conv2d', params: { out_channels: '$out_channels', kernel_size: 1 } },
    { id: 'relu3', type: 'ReLU' },
  ], { doc: 'd2l 8.3: a convolution followed by two 1×1 convolutions (per-pixel dense layers), each with ReLU.' }),
};

/** d2l 8.3: NiN at 1×224×224: four NiN blocks, max-pools between them, global average pooling instead of dense layers. */
export function nin(): GraphDoc {
  return chain('NiN', [
    input(1, 224),
    { id: 'nin1', type: 'block:nin_block', params: { out_channels: 96, kernel_size: 11, strides: 4, padding: 0 } },
    { id: 'pool1', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2 } },
    { id: 'nin2', type: 'block:nin_block', params: { out_channels: 256, kernel_size: 5, strides: 1, padding: 2 } },
    { id: 'pool2', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2 } },
    { id: 'nin3', type: 'block:nin_block', params: { out_channels: 384, kernel_size: 3, strides: 1, padding: 1 } },
    { id: 'pool3', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2 } },
    { id: 'dropout', type: 'Dropout', params: { p: 0.5 } },
    { id: 'nin4', type: 'block:nin_block', params: { out_channels: 10, kernel_size: 3, strides: 1, padding: 1 } },
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
  ], structuredClone(NIN_BLOCKS));
}
