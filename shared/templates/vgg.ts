import type { BlockDef, GraphDoc } from '../graph/types';
import { chain, chainBlock, input, intParam, type Layer } from './chain';

export type VggArch = readonly (readonly [numConvs: number, outChannels: number])[];

/** d2l 8.2's two architectures: the full VGG-11 and the narrow one the book trains. */
export const VGG11: VggArch = [[1, 64], [1, 128], [2, 256], [2, 512], [2, 512]];
export const VGG11_SMALL: VggArch = [[1, 16], [1, 32], [2, 64], [2, 128], [2, 128]];
/** d2l 8.2 exercise 3 (Simonyan & Zisserman's configurations D and E): the same blocks, more convolutions. */
export const VGG16: VggArch = [[2, 64], [2, 128], [3, 256], [3, 512], [3, 512]];
export const VGG19: VggArch = [[2, 64], [2, 128], [4, 256], [4, 512], [4, 512]];

/**
 * d2l 8.2's `vgg_block(num_convs, out_channels)`: num_convs times a 3×3 conv (padding 1) and a
 * ReLU, then a 2×2 max-pool. The conv–ReLU pair is its own small block, repeated num_convs times.
 */
export const VGG_BLOCKS: Record<string, BlockDef> = {
  conv_relu: chainBlock([intParam('out_channels', 'Filters of the 3×3 convolution.')], [
    { id: 'conv', type: 'Conv2d', params: { out_channels: '$out_channels', kernel_size: 3, padding: 1 } },
    { id: 'relu', type: 'ReLU' },
  ], { doc: 'A 3×3 convolution (padding 1) and a ReLU.' }),
  vgg_block: chainBlock([intParam('num_convs', 'How many conv–ReLU pairs.'), intParam('out_channels', 'Filters of every convolution.')], [
    { id: 'convs', type: 'block:conv_relu', params: { out_channels: '$out_channels' }, repeat: '$num_convs' },
    { id: 'pool', type: 'MaxPool2d', params: { kernel_size: 2, stride: 2 } },
  ], { doc: 'd2l 8.2: num_convs 3×3 convolutions with ReLU, then a 2×2 max-pool that halves H×W.' }),
};

/** d2l 8.2: the conv blocks, then the dense head. */
export function vgg(arch: VggArch, name: string, size = 224): GraphDoc {
  const layers: Layer[] = [input(1, size)];
  arch.forEach(([num_convs, out_channels], b) => {
    layers.push({ id: `b${b + 1}`, type: 'block:vgg_block', params: { num_convs, out_channels } });
  });
  layers.push(
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc1', type: 'Linear', params: { out_features: 4096 } },
    { id: 'relu1', type: 'ReLU' },
    { id: 'dropout1', type: 'Dropout', params: { p: 0.5 } },
    { id: 'fc2', type: 'Linear', params: { out_features: 4096 } },
    { id: 'relu2', type: 'ReLU' },
    { id: 'dropout2', type: 'Dropout', params: { p: 0.5 } },
    { id: 'fc3', type: 'Linear', params: { out_features: 10 } },
  );
  return chain(name, layers, structuredClone(VGG_BLOCKS));
}
