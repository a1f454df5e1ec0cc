/**
 * Conv2d: explicit padding as ZeroPadding2D, then a 'valid' convolution with Xavier weights and
 * zero biases — or with the node's fixed initial weights (a Kernel lab kernel), and with its
 * weights left out of training when the node is frozen. With groups > 1 it is the grouped
 * convolution tfjs lacks (GroupedConv2d), with dilation > 1 one every backend can train
 * (DilatedConv2d).
 */

import * as tfc from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Conv2dParams } from '../../../shared/layers/conv2d';
import { DilatedConv2d } from './dilated-conv2d';
import { GroupedConv2d } from './grouped-conv2d';
import { engineLayer, zeroPad } from './layer';

export const conv2d = engineLayer<Conv2dParams>((b, p) => {
  const padded = zeroPad(b, b.inputs[0], p.padding);
  // The Xavier draw happens even when fixed weights replace it, so every other layer's initial
  // weights stay the same whether or not one conv came from the lab. tf.layers.conv2d can neither
  // train a dilation above 1 nor run one with a stride above 1.
  const layer = p.groups > 1
    ? new GroupedConv2d({
      filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, dilationRate: p.dilation, groups: p.groups,
      useBias: p.bias, kernelInitializer: b.xavier(), name: b.name(),
    })
    : p.dilation[0] > 1 || p.dilation[1] > 1
      ? new DilatedConv2d({ filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, dilation: p.dilation, useBias: p.bias, kernelInitializer: b.xavier(), name: b.name() })
      : tf.layers.conv2d({
        filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, padding: 'valid', dilationRate: p.dilation,
        useBias: p.bias, kernelInitializer: b.xavier(), biasInitializer: 'zeros', name: b.name(),
      });
  // tfjs keeps a non-trainable layer's weights in model.nonTrainableWeights, so the trainer's
  // variable list (model.trainableWeights) leaves them out and checkpoints still save them.
  layer.trainable = !p.frozen;
  const out = layer.apply(padded) as SymbolicTensor;
  if (b.init) {
    const [kh, kw] = p.kernel;
    // A grouped kernel holds each group's inputs only: PyTorch's [out, in / groups, kh, kw].
    const cin = ((padded.shape[3] ?? 0) as number) / p.groups;
    const weights = tfc.tidy(() => {
      // PyTorch's [out, in, kh, kw] → tfjs's [kh, kw, in, out] (GroupedConv2d's kernel too).
      const kernel = tfc.transpose(tfc.tensor4d(b.init!.weight, [p.out_channels, cin, kh, kw]), [2, 3, 1, 0]);
      return p.bias ? [kernel, b.init!.bias ? tfc.tensor1d(b.init!.bias) : tfc.zeros([p.out_channels])] : [kernel];
    });
    layer.setWeights(weights);
    tfc.dispose(weights);
  }
  return out;
});
