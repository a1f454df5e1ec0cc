/**
 * Conv2d with groups > 1 (ResNeXt's grouped 3×3, AlexNet's two-GPU split). tfjs has no grouped
 * convolution, so the input's channels are split into `groups` equal parts, each part is
 * convolved with its own slice of the kernel, and the outputs are concatenated in group order —
 * exactly PyTorch's definition. The one kernel is [kh, kw, in / groups, out], PyTorch's weight
 * [out, in / groups, kh, kw] transposed like any Conv2d's, so weights map one to one and the
 * Xavier fans (fan_in = in / groups · kh · kw, fan_out = out · kh · kw) are PyTorch's. Padding is
 * a ZeroPadding2D before it, as for every Conv2d.
 */

import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { dilatedConvStride1, subsample } from './dilated-conv2d';
import type { Initializer } from './layer';

type Kwargs = Record<string, unknown>;
type Pair = [number, number];

interface Config {
  name?: string;
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  dilationRate: Pair;
  groups: number;
  useBias: boolean;
  /** Only when building: a checkpoint brings its own weights. */
  kernelInitializer?: Initializer;
}

export class GroupedConv2d extends layers.Layer {
  static readonly className = 'ConvStudioGroupedConv2d';
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly dilationRate: Pair;
  readonly groups: number;
  readonly useBias: boolean;
  private readonly kernelInit: Initializer;
  private kernel!: LayerVariable;
  private bias: LayerVariable | null = null;

  constructor(config: Config) {
    super({ name: config.name });
    this.filters = config.filters;
    this.kernelSize = config.kernelSize;
    this.strides = config.strides;
    this.dilationRate = config.dilationRate;
    this.groups = config.groups;
    this.useBias = config.useBias;
    this.kernelInit = config.kernelInitializer ?? initializers.zeros();
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const cin = s[s.length - 1] as number;
    this.kernel = this.addWeight('kernel', [this.kernelSize[0], this.kernelSize[1], cin / this.groups, this.filters], 'float32', this.kernelInit);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const out = (size: number | null, k: number, st: number, d: number) => (size == null ? null : Math.floor((size - d * (k - 1) - 1) / st) + 1);
    return [s[0], out(s[1], this.kernelSize[0], this.strides[0], this.dilationRate[0]), out(s[2], this.kernelSize[1], this.strides[1], this.dilationRate[1]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const xs = tf.split(x, this.groups, 3);
      const ks = tf.split(this.kernel.read() as tf.Tensor4D, this.groups, 3);
      // tfjs's own dilated conv2d has no gradient and refuses a stride with it: DilatedConv2d's path per group.
      const dilated = this.dilationRate[0] > 1 || this.dilationRate[1] > 1;
      const ys = xs.map((xi, i) => (dilated
        ? subsample(dilatedConvStride1(xi as tf.Tensor4D, ks[i] as tf.Tensor4D, this.dilationRate), this.strides)
        : tf.conv2d(xi as tf.Tensor4D, ks[i] as tf.Tensor4D, this.strides, 'valid', 'NHWC')));
      const y = tf.concat(ys, 3);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides,
      dilationRate: this.dilationRate, groups: this.groups, useBias: this.useBias,
    };
  }
}

serialization.registerClass(GroupedConv2d);

export function groupedConv2d(x: SymbolicTensor, config: Config): SymbolicTensor {
  return new GroupedConv2d(config).apply(x) as SymbolicTensor;
}
