/**
 * MaxPool2d with PyTorch's padding: the border counts as −∞, so a padded window's maximum is
 * always a real input value. tfjs-layers only offers 'same' (which pads differently, and
 * asymmetrically) or 'valid'; zero padding would be wrong whenever activations are negative.
 */

import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers, type Shape, type SymbolicTensor } from '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;
type Pair = [number, number];
type Pad4 = [number, number, number, number];

interface Config {
  name?: string;
  poolSize: Pair;
  strides: Pair;
  /** [top, bottom, left, right] */
  padding: Pad4;
}

export class PaddedMaxPool2d extends layers.Layer {
  static readonly className = 'ConvStudioPaddedMaxPool2d';
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: Pad4;

  constructor(config: Config) {
    super({ name: config.name });
    this.poolSize = config.poolSize;
    this.strides = config.strides;
    this.padding = config.padding;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const [t, b, l, r] = this.padding;
    const out = (size: number | null, k: number, st: number, p: number) => (size == null ? null : Math.floor((size + p - k) / st) + 1);
    return [s[0], out(s[1], this.poolSize[0], this.strides[0], t + b), out(s[2], this.poolSize[1], this.strides[1], l + r), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [t, b, l, r] = this.padding;
      const padded = t || b || l || r ? tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]], -Infinity) : x;
      return tf.maxPool(padded, this.poolSize, this.strides, 'valid');
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

serialization.registerClass(PaddedMaxPool2d);

export function paddedMaxPool2d(x: SymbolicTensor, config: Config): SymbolicTensor {
  return new PaddedMaxPool2d(config).apply(x) as SymbolicTensor;
}
