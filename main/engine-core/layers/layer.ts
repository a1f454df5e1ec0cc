/**
 * What an engine module gives the compiler: its node type built from tfjs layers, in NHWC, with
 * PyTorch's semantics. One module per type (main/engine-core/layers/<type>.ts, named like the
 * shared module it builds); main/engine-core/layers/index.ts is the table.
 */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { NodeInit } from '../../../shared/graph/types';
import type { Pad4 } from '../../../shared/layers/rules';

export type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** What a builder gets from the compiler for one node. */
export interface Build {
  /** The node's inputs, in the analysis' input-slot order. */
  readonly inputs: SymbolicTensor[];
  /**
   * A unique layer name from the node's id ("c1", or "c1_pad" with a suffix). Checkpoints map
   * weights by these names, so a builder's suffixes are part of the checkpoint format.
   */
  name(suffix?: string): string;
  /** The next Xavier-uniform initialiser (d2l's init_cnn), seeded in build order; zeros for shape-only compiles. */
  xavier(): Initializer;
  /**
   * The node's fixed initial weights (GraphNode.init), PyTorch's layout flattened; the shape
   * engine has checked that they fit. Absent inside blocks and for ordinary nodes.
   */
  readonly init?: NodeInit;
}

export interface EngineLayer<P> {
  // A property, not a method, so a builder for other params is an error, not bivariantly accepted.
  build: (b: Build, p: P) => SymbolicTensor;
}

export function engineLayer<P>(build: (b: Build, p: P) => SymbolicTensor): EngineLayer<P> {
  return { build };
}

/** PyTorch's explicit, possibly asymmetric padding, as a ZeroPadding2D before a 'valid' layer. */
export function zeroPad(b: Build, x: SymbolicTensor, [t, bottom, l, r]: Pad4): SymbolicTensor {
  if (!(t || bottom || l || r)) return x;
  return tf.layers.zeroPadding2d({ padding: [[t, bottom], [l, r]], name: b.name('pad') }).apply(x) as SymbolicTensor;
}
