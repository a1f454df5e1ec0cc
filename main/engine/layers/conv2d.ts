/**
 * Conv2d: explicit padding as ZeroPadding2D, then a 'valid' convolution with Xavier weights and
 * zero biases; with groups > 1 the grouped convolution tfjs lacks (GroupedConv2d), with dilation > 1
 * one every backend can train (DilatedConv2d).
 */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Conv2dParams } from '../../../shared/layers/conv2d';
import { dilatedConv2d } from './dilated-conv2d';
import { groupedConv2d } from './grouped-conv2d';
import { engineLayer, zeroPad } from './layer';

export const conv2d = engineLayer<Conv2dParams>((b, p) => {
  const padded = zeroPad(b, b.inputs[0], p.padding);
  if (p.groups > 1) {
    return groupedConv2d(padded, {
      filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, dilationRate: p.dilation, groups: p.groups,
      useBias: p.bias, kernelInitializer: b.xavier(), name: b.name(),
    });
  }
  // tf.layers.conv2d can neither train a dilation above 1 nor run one with a stride above 1.
  if (p.dilation[0] > 1 || p.dilation[1] > 1) {
    return dilatedConv2d(padded, {
      filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, dilation: p.dilation, useBias: p.bias, kernelInitializer: b.xavier(), name: b.name(),
    });
  }
  return tf.layers.conv2d({
    filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, padding: 'valid', dilationRate: p.dilation,
    useBias: p.bias, kernelInitializer: b.xavier(), biasInitializer: 'zeros', name: b.name(),
  }).apply(padded) as SymbolicTensor;
});
