import type { GraphDoc } from '../graph/types';
import { chain, input, type Layer } from './chain';

export type VggArch = readonly (readonly [numConvs: number, outChannels: number])[];

/** d2l 8.2's two architectures: the full VGG-11 and the narrow one the book trains. */
export const VGG11: VggArch = [[1, 64], [1, 128], [2, 256], [2, 512], [2, 512]];
export const VGG11_SMALL: VggArch = [[1, 16], [1, 32], [2, 64], [2, 128], [2, 128]];

/** d2l 8.2: blocks of 3×3 convs (padding 1) + ReLU, each closed by a 2×2 max-pool; then the dense head. */
export function vgg(arch: VggArch, name: string, size = 224): GraphDoc {
  const layers: Layer[] = [input(1, size)];
  arch.forEach(([convs, channels], b) => {
    for (let c = 1; c <= convs; c++) {
      layers.push({ id: `b${b + 1}_conv${c}`, type: 'Conv2d', params: { out_channels: channels, kernel_size: 3, padding: 1 } });
      layers.push({ id: `b${b + 1}_relu${c}`, type: 'ReLU' });
    }
    layers.push({ id: `b${b + 1}_pool`, type: 'MaxPool2d', params: { kernel_size: 2, stride: 2 } });
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
  return chain(name, layers);
}
