import type { GraphDoc } from '../graph/types';
import { chain, input, type Layer } from './chain';

/**
 * d2l 8.6 ResNet-18: the 7×7 stem, four stages of two Residual blocks (every stage after the
 * first halves H×W and reshapes its shortcut with a 1×1 conv), global average pool, Linear.
 */
export function resnet18(size = 96): GraphDoc {
  const layers: Layer[] = [
    input(1, size),
    { id: 'stem_conv', type: 'Conv2d', params: { out_channels: 64, kernel_size: 7, stride: 2, padding: 3 } },
    { id: 'stem_bn', type: 'BatchNorm2d' },
    { id: 'stem_relu', type: 'ReLU' },
    { id: 'stem_pool', type: 'MaxPool2d', params: { kernel_size: 3, stride: 2, padding: 1 } },
  ];
  const arch: [number, number][] = [[2, 64], [2, 128], [2, 256], [2, 512]];
  arch.forEach(([blocks, channels], i) => {
    for (let r = 0; r < blocks; r++) {
      const downsample = r === 0 && i > 0;
      layers.push({
        id: `b${i + 2}_res${r + 1}`, type: 'Residual',
        params: downsample ? { num_channels: channels, use_1x1conv: true, strides: 2 } : { num_channels: channels },
      });
    }
  });
  layers.push(
    { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
    { id: 'flatten', type: 'Flatten' },
    { id: 'fc', type: 'Linear', params: { out_features: 10 } },
  );
  return chain('ResNet-18', layers);
}
