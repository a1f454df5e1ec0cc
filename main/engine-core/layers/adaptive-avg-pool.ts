/**
 * AdaptiveAvgPool2d with PyTorch's windows: output row i averages input rows
 * [floor(i·H/oh), ceil((i+1)·H/oh)), likewise for columns. Windows may overlap or differ in size
 * when H is not a multiple of oh, so this is not an ordinary pooling. A rectangle's mean is the
 * mean over its columns of the means over its rows, so rows and columns are pooled separately.
 */

import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers, type Shape, type SymbolicTensor } from '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;
type Pair = [number, number];

export function adaptiveWindows(inSize: number, outSize: number): Pair[] {
  const w: Pair[] = [];
  for (let i = 0; i < outSize; i++) w.push([Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)]);
  return w;
}

function poolAxis(x: tf.Tensor4D, axis: 1 | 2, outSize: number): tf.Tensor4D {
  const inSize = x.shape[axis];
  if (inSize === outSize) return x;
  if (outSize === 1) return tf.mean(x, axis, true) as tf.Tensor4D;
  if (inSize % outSize === 0) {
    const k = inSize / outSize;
    const pool: Pair = axis === 1 ? [k, 1] : [1, k];
    return tf.avgPool(x, pool, pool, 'valid');
  }
  const parts = adaptiveWindows(inSize, outSize).map(([s, e]) => {
    const begin = [0, 0, 0, 0];
    const size = [-1, -1, -1, -1];
    begin[axis] = s;
    size[axis] = e - s;
    return tf.mean(tf.slice(x, begin, size), axis, true) as tf.Tensor4D;
  });
  return tf.concat(parts, axis) as tf.Tensor4D;
}

export class AdaptiveAvgPool2d extends layers.Layer {
  static readonly className = 'ConvStudioAdaptiveAvgPool2d';
  readonly outputSize: Pair;

  constructor(config: { name?: string; outputSize: Pair }) {
    super({ name: config.name });
    this.outputSize = config.outputSize;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [s[0], this.outputSize[0], this.outputSize[1], s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return poolAxis(poolAxis(x, 1, this.outputSize[0]), 2, this.outputSize[1]);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: this.outputSize };
  }
}

serialization.registerClass(AdaptiveAvgPool2d);

export function adaptiveAvgPool2d(x: SymbolicTensor, config: { name: string; outputSize: Pair }): SymbolicTensor {
  return new AdaptiveAvgPool2d(config).apply(x) as SymbolicTensor;
}
