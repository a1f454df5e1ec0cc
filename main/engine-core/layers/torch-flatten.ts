/**
 * Flatten in PyTorch's order. tfjs holds activations as NHWC, so a plain Flatten would emit
 * features as (h, w, c); PyTorch's nn.Flatten on NCHW emits (c, h, w). Transposing first keeps the
 * Linear weights that follow interchangeable with PyTorch's (export, comparison).
 */

import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers, type Shape, type SymbolicTensor } from '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;

export class TorchFlatten extends layers.Layer {
  static readonly className = 'ConvStudioTorchFlatten';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d == null) ? null : rest.reduce((a, b) => (a as number) * (b as number), 1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const channelMajor = x.rank === 4 ? tf.transpose(x, [0, 3, 1, 2]) : x;
      return tf.reshape(channelMajor, [x.shape[0], -1]);
    });
  }
}

serialization.registerClass(TorchFlatten);

export function torchFlatten(x: SymbolicTensor, name: string): SymbolicTensor {
  return new TorchFlatten({ name }).apply(x) as SymbolicTensor;
}
