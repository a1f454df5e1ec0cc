/** Conv2d: explicit padding as ZeroPadding2D, then a 'valid' convolution with Xavier weights and zero biases. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Conv2dParams } from '../../../shared/layers/conv2d';
import { dilatedConv2d } from './dilated-conv2d';
import { engineLayer, zeroPad } from './layer';

export const conv2d = engineLayer<Conv2dParams>((b, p) => {
  const padded = zeroPad(b, b.inputs[0], p.padding);
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
