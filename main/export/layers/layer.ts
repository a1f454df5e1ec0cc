/**
 * What an export module gives the exporters for its node type: the PyTorch module that computes
 * it (class and constructor arguments, concrete in-channels), how the compiler's tfjs weights of
 * its layer become PyTorch's state_dict entries, and the ONNX nodes that compute it. One module per
 * type (main/export/layers/<type>.ts, named like the shared and engine modules); index.ts is the
 * table, typed against the layer list so a type without an exporter fails the typecheck.
 */

import type { OnnxGraph } from '../onnx/graph';
import type { PyValue } from '../python';

/** One constructor argument. A positional argument has no name. */
export interface TorchArg {
  name: string | null;
  value: PyValue;
  /** PyTorch's default: the argument is left out when it has this value. */
  default?: PyValue;
}

export interface TorchModule {
  /** As written in model.py: "nn.Conv2d", or one of model.py's own classes ("Add"). */
  cls: string;
  args: TorchArg[];
}

/** What an exporter sees of its node. */
export interface NodeShapes {
  /** NCHW (or [1, F]) with batch 1, per input. */
  inShapes: number[][];
  outShape: number[];
}

export interface Tensor {
  shape: number[];
  dtype: 'F32' | 'I64';
  data: Float32Array | BigInt64Array;
}

/** The tfjs layer's weights by their tfjs name (kernel, bias, gamma, moving_mean, ...). */
export interface TfjsWeights {
  get(name: string): { shape: number[]; data: Float32Array };
  /** Training steps taken (BatchNorm's num_batches_tracked). */
  steps: number;
}

export interface ExportLayer<P> {
  // Properties, not methods, so a module for other params is an error, not bivariantly accepted.
  /** null for the Input, which is the model's argument, not a module. */
  torch: (p: P, x: NodeShapes) => TorchModule | null;
  /** state_dict entries by their name inside the module ("weight", "running_mean"); {} when it has none. */
  weights: (p: P, w: TfjsWeights, x: NodeShapes) => Record<string, Tensor>;
  /** Appends the ONNX nodes computing it on `inputs` (value names); returns its output's value name. */
  onnx: (p: P, g: OnnxGraph, inputs: string[], w: Record<string, Tensor>, x: NodeShapes) => string;
}

export function exportLayer<P>(def: ExportLayer<P>): ExportLayer<P> {
  return def;
}

/** Weights a layer holds nothing of. */
export const noWeights = (): Record<string, Tensor> => ({});

export const f32 = (shape: number[], data: Float32Array): Tensor => ({ shape, dtype: 'F32', data });

/** A tfjs weight checked against the shape PyTorch's layer will have. */
export function tfjsWeight(w: TfjsWeights, name: string, shape: number[]): Float32Array {
  const got = w.get(name);
  if (got.shape.join() !== shape.join()) {
    throw new Error(`weight ${name} is [${got.shape.join(', ')}] in the checkpoint but the graph needs [${shape.join(', ')}]`);
  }
  return got.data;
}

/** [kh, kw, I, O] (tfjs, HWIO) → [O, I, kh, kw] (PyTorch, OIHW). */
export function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < ci; i++) {
        const src = ((h * kw + w) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = data[src + o];
      }
    }
  }
  return out;
}

/** [rows, cols] → [cols, rows]: tfjs Dense kernels are [in, out], PyTorch's Linear weight [out, in]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** A pair as PyTorch writes it: one int when both sides agree. */
export const pairArg = ([a, b]: readonly [number, number]): PyValue => (a === b ? a : [a, b]);
