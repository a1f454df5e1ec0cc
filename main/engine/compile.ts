/**
 * GraphDoc → tf.LayersModel (functional API) with PyTorch's semantics. tfjs computes NHWC, so
 * every node's tensor is NHWC; the shape engine's NCHW shapes map onto it one-to-one.
 *
 * Where tfjs-layers and PyTorch differ, the difference is compiled away:
 * - explicit (possibly asymmetric) padding is a ZeroPadding2D before a 'valid' layer;
 * - max-pool padding is −∞ (PaddedMaxPool2d), avg-pool padding counts (count_include_pad);
 * - BatchNorm keeps PyTorch's running statistics (momentum m: running = (1−m)·running + m·batch,
 *   with the unbiased batch variance), which tfjs's BatchNormalization does not (TorchBatchNorm);
 * - Flatten emits channel-major features (TorchFlatten);
 * - Conv2d and Linear weights start Xavier-uniform with zero biases, like d2l's init_cnn. tfjs's
 *   glorotUniform computes fans exactly like PyTorch (fan_in = in·kh·kw, fan_out = out·kh·kw).
 */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { GraphDoc, GraphNode } from '../../shared/graph/types';
import { resolveParams, type Conv2dParams, type ResolvedParams } from '../../shared/graph/resolve';
import { analyzeGraph, type Analysis } from '../../shared/shapes/index';
import { GraphError } from './errors';
import { adaptiveAvgPool2d, paddedMaxPool2d, torchBatchNorm, torchFlatten } from './layers/index';

export interface CompileOptions {
  /** Seeds the weight initialisers; the same seed gives the same initial weights. */
  seed?: number;
  /**
   * false fills weights with zeros instead of Xavier draws: for shape-only compiles, where
   * drawing VGG-11's 129M random weights would cost most of the time.
   */
  initialize?: boolean;
}

export interface Compiled {
  model: tf.LayersModel;
  analysis: Analysis;
  /** Each node's output tensor (NHWC, or [N, F] once flat), for shape checks. */
  tensors: Record<string, SymbolicTensor>;
}

type Pad4 = [number, number, number, number];

class Builder {
  private weightIndex = 0;
  private used = new Set<string>();
  constructor(private readonly seed: number, private readonly initialize: boolean) {}

  /** Layer names come from node ids so checkpoints map weights by name across processes. */
  name(id: string, suffix?: string): string {
    const base = `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}${suffix ? `_${suffix}` : ''}`;
    let name = /^[A-Za-z]/.test(base) ? base : `n${base}`;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  xavier() {
    const seed = this.seed * 1000 + this.weightIndex++;
    return this.initialize ? tf.initializers.glorotUniform({ seed }) : tf.initializers.zeros();
  }

  zeroPad(x: SymbolicTensor, [t, b, l, r]: Pad4, id: string, suffix: string): SymbolicTensor {
    if (!(t || b || l || r)) return x;
    return tf.layers.zeroPadding2d({ padding: [[t, b], [l, r]], name: this.name(id, suffix) }).apply(x) as SymbolicTensor;
  }

  conv(x: SymbolicTensor, id: string, p: Pick<Conv2dParams, 'out_channels' | 'kernel' | 'stride' | 'padding' | 'dilation' | 'bias'>, suffix = ''): SymbolicTensor {
    const padded = this.zeroPad(x, p.padding, id, `${suffix}pad`);
    return tf.layers.conv2d({
      filters: p.out_channels, kernelSize: p.kernel, strides: p.stride, padding: 'valid', dilationRate: p.dilation,
      useBias: p.bias, kernelInitializer: this.xavier(), biasInitializer: 'zeros', name: this.name(id, suffix || undefined),
    }).apply(padded) as SymbolicTensor;
  }

  batchNorm(x: SymbolicTensor, id: string, eps: number, momentum: number, suffix?: string): SymbolicTensor {
    return torchBatchNorm(x, { momentum, epsilon: eps, name: this.name(id, suffix) });
  }

  activation(x: SymbolicTensor, id: string, kind: 'relu' | 'sigmoid' | 'tanh', suffix?: string): SymbolicTensor {
    return tf.layers.activation({ activation: kind, name: this.name(id, suffix) }).apply(x) as SymbolicTensor;
  }

  /** d2l 8.6's Residual, as layers: conv3×3(stride)→BN→ReLU→conv3×3→BN (+ shortcut) → ReLU. */
  residual(x: SymbolicTensor, id: string, p: Extract<ResolvedParams, { type: 'Residual' }>): SymbolicTensor {
    const c = p.num_channels;
    const s = p.strides;
    let y = this.conv(x, id, { out_channels: c, kernel: [3, 3], stride: [s, s], padding: [1, 1, 1, 1], dilation: [1, 1], bias: true }, 'conv1');
    y = this.batchNorm(y, id, 1e-5, 0.1, 'bn1');
    y = this.activation(y, id, 'relu', 'relu1');
    y = this.conv(y, id, { out_channels: c, kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], bias: true }, 'conv2');
    y = this.batchNorm(y, id, 1e-5, 0.1, 'bn2');
    const shortcut = p.use_1x1conv
      ? this.conv(x, id, { out_channels: c, kernel: [1, 1], stride: [s, s], padding: [0, 0, 0, 0], dilation: [1, 1], bias: true }, 'conv3')
      : x;
    const sum = tf.layers.add({ name: this.name(id, 'add') }).apply([y, shortcut]) as SymbolicTensor;
    return this.activation(sum, id, 'relu');
  }

  node(node: GraphNode, inputs: SymbolicTensor[]): SymbolicTensor {
    const p = resolveParams(node);
    const id = node.id;
    const x = inputs[0];
    switch (p.type) {
      case 'Input':
        return tf.input({ shape: [p.height, p.width, p.channels], name: this.name(id) });
      case 'Conv2d':
        return this.conv(x, id, p);
      case 'MaxPool2d':
        return paddedMaxPool2d(x, { name: this.name(id), poolSize: p.kernel, strides: p.stride, padding: p.padding });
      case 'AvgPool2d': {
        const padded = this.zeroPad(x, p.padding, id, 'pad');
        return tf.layers.averagePooling2d({ poolSize: p.kernel, strides: p.stride, padding: 'valid', name: this.name(id) }).apply(padded) as SymbolicTensor;
      }
      case 'AdaptiveAvgPool2d':
        return adaptiveAvgPool2d(x, { name: this.name(id), outputSize: p.output_size });
      case 'BatchNorm2d':
      case 'BatchNorm1d':
        return this.batchNorm(x, id, p.eps, p.momentum);
      case 'Linear':
        return tf.layers.dense({
          units: p.out_features, useBias: p.bias, kernelInitializer: this.xavier(), biasInitializer: 'zeros', name: this.name(id),
        }).apply(x) as SymbolicTensor;
      case 'Dropout':
        return tf.layers.dropout({ rate: p.p, name: this.name(id) }).apply(x) as SymbolicTensor;
      case 'Flatten':
        return torchFlatten(x, this.name(id));
      case 'Residual':
        return this.residual(x, id, p);
      case 'Add':
        return tf.layers.add({ name: this.name(id) }).apply(inputs) as SymbolicTensor;
      case 'Concat':
        // The channel axis: last in NHWC, and the feature axis of flat tensors (PyTorch dim 1).
        return tf.layers.concatenate({ axis: -1, name: this.name(id) }).apply(inputs) as SymbolicTensor;
      case 'ReLU':
        return this.activation(x, id, 'relu');
      case 'Sigmoid':
        return this.activation(x, id, 'sigmoid');
      case 'Tanh':
        return this.activation(x, id, 'tanh');
    }
  }
}

/** Compiles and also returns every node's symbolic tensor (for shape conformance tests). */
export function compileGraphDetailed(doc: GraphDoc, opts: CompileOptions = {}): Compiled {
  const analysis = analyzeGraph(doc);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (!analysis.ok || errors.length) throw new GraphError(errors.length ? errors : analysis.diagnostics);
  if (!analysis.inputId || !analysis.outputId) {
    throw new GraphError([{ severity: 'error', code: 'no-output', message: 'The graph needs exactly one Input and one output node.' }]);
  }
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const b = new Builder(opts.seed ?? 0, opts.initialize ?? true);
  const tensors: Record<string, SymbolicTensor> = {};
  for (const id of analysis.order) {
    const node = byId.get(id);
    if (!node) continue;
    const inputs = (analysis.inputsOf[id] ?? []).map((src) => tensors[src]);
    tensors[id] = b.node(node, inputs);
  }
  const model = tf.model({ inputs: tensors[analysis.inputId], outputs: tensors[analysis.outputId], name: b.name(doc.name || 'graph', 'model') });
  return { model, analysis, tensors };
}

/** The graph as a trainable tfjs model; throws GraphError (with the diagnostics) on a graph with errors. */
export function compileGraph(doc: GraphDoc, opts: CompileOptions = {}): tf.LayersModel {
  return compileGraphDetailed(doc, opts).model;
}

/** NHWC (or [N, F]) symbolic shape → the shape engine's NCHW with batch 1. */
export function toTorchShape(shape: (number | null)[]): number[] {
  const s = shape.map((d) => (d == null ? 1 : d));
  return s.length === 4 ? [s[0], s[3], s[1], s[2]] : s;
}
