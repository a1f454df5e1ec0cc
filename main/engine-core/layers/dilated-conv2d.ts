/**
 * Conv2d with dilation > 1, built so every backend can run it forward and train it: tfjs 4.22's
 * conv2d refuses a stride and a dilation both above 1 ("Either strides or dilations must be 1"),
 * and has no gradient for any dilation above 1.
 *
 * A convolution with dilation d over x equals an ordinary convolution over the d×d interleaved
 * sub-images of x (space-to-batch), re-interleaved afterwards (batch-to-space) — TensorFlow's
 * atrous_conv2d. Stride s then keeps every s-th output, which is exact: a strided convolution is
 * the stride-1 one subsampled. Every op on that path has a gradient in tfjs, so training needs
 * nothing of our own; the price is s² times the outputs, paid only by the rare strided dilated
 * layer. Weights are named and shaped like tf.layers.conv2d's (kernel [kh, kw, in, out], bias), so
 * checkpoints and weight export treat both alike.
 */

import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Initializer } from './layer';

type Kwargs = Record<string, unknown>;
type Pair = [number, number];

interface Config {
  name?: string;
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  dilation: Pair;
  useBias: boolean;
  /** Used when the layer is built for training; a layer restored from a checkpoint gets its weights loaded instead. */
  kernelInitializer?: Initializer;
}

/** PyTorch's output size of a 'valid' window (the padding is a ZeroPadding2D before this layer). */
const outSize = (n: number, k: number, s: number, d: number): number => Math.floor((n - d * (k - 1) - 1) / s) + 1;

/** Every `s`-th row of axis 1 and column of axis 2, from 0, with ops that all have gradients (tfjs has no StridedSlice gradient). */
export function subsample(y: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  if (sh === 1 && sw === 1) return y;
  const [n, h, w, c] = y.shape;
  const oh = Math.floor((h - 1) / sh) + 1;
  const ow = Math.floor((w - 1) / sw) + 1;
  const padded = tf.pad(y, [[0, 0], [0, oh * sh - h], [0, ow * sw - w], [0, 0]]);
  const blocks = tf.reshape(padded, [n, oh, sh, ow, sw, c]);
  return tf.reshape(tf.slice(blocks, [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]), [n, oh, ow, c]);
}

/** conv2d(x, kernel, stride 1, 'valid', dilation d) through space-to-batch, differentiable on every backend. */
export function dilatedConvStride1(x: tf.Tensor4D, kernel: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [kh, kw] = kernel.shape;
  const hp = Math.ceil(h / dh) * dh;
  const wp = Math.ceil(w / dw) * dw;
  const blocks = tf.spaceToBatchND(x, [dh, dw], [[0, hp - h], [0, wp - w]]);
  const y = tf.conv2d(blocks as tf.Tensor4D, kernel, 1, 'valid');
  const full = tf.batchToSpaceND(y, [dh, dw], [[0, hp - h], [0, wp - w]]) as tf.Tensor4D;
  // The interleaving leaves exactly PyTorch's stride-1 output: (h − dh·(kh − 1)) × (w − dw·(kw − 1)).
  tf.util.assert(full.shape[1] === h - dh * (kh - 1) && full.shape[2] === w - dw * (kw - 1), () => 'dilated convolution: unexpected output size');
  return full;
}

export class DilatedConv2d extends layers.Layer {
  static readonly className = 'ConvStudioDilatedConv2d';
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly dilation: Pair;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private kernel!: LayerVariable;
  private bias: LayerVariable | null = null;

  constructor(config: Config) {
    super({ name: config.name });
    this.filters = config.filters;
    this.kernelSize = config.kernelSize;
    this.strides = config.strides;
    this.dilation = config.dilation;
    this.useBias = config.useBias;
    this.kernelInitializer = config.kernelInitializer ?? initializers.zeros();
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inChannels = s[3] as number;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inChannels, this.filters], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const size = (n: number | null, i: 0 | 1) => (n == null ? null : outSize(n, this.kernelSize[i], this.strides[i], this.dilation[i]));
    return [s[0], size(s[1], 0), size(s[2], 1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const y = subsample(dilatedConvStride1(x, this.kernel.read() as tf.Tensor4D, this.dilation), this.strides);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, dilation: this.dilation, useBias: this.useBias };
  }
}

serialization.registerClass(DilatedConv2d);

export function dilatedConv2d(x: SymbolicTensor, config: Config): SymbolicTensor {
  return new DilatedConv2d(config).apply(x) as SymbolicTensor;
}
