/**
 * GraphDoc → tf.LayersModel (functional API) with PyTorch's semantics. tfjs computes NHWC, so
 * every node's tensor is NHWC; the shape engine's NCHW shapes map onto it one-to-one. Each node is
 * built by its type's module in main/engine-core/layers/; a block (Residual) by walking its inside.
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
import { buildLibrary, type Library } from '../../shared/graph/blocks';
import type { GraphDoc, NodeInit } from '../../shared/graph/types';
import { resolveParams, type ResolvedParams } from '../../shared/graph/resolve';
import { insideOf, type PrimitiveType } from '../../shared/layers/index';
import { BLOCK_INPUT, type BlockGraph } from '../../shared/layers/layer';
import { analyzeGraph, type Analysis } from '../../shared/shapes/index';
import { GraphError } from './errors';
import { LayerNames } from './layer-names';
import { ENGINE_LAYERS } from './layers/index';
import type { Build, EngineLayer, Initializer } from './layers/layer';

export interface CompileOptions {
  /** Seeds the weight initialisers; the same seed gives the same initial weights. */
  seed?: number;
  /**
   * false fills weights with zeros instead of Xavier draws: for shape-only compiles, where
   * drawing VGG-11's 129M random weights would cost most of the time.
   */
  initialize?: boolean;
  /**
   * The document's analysis, when the caller already holds it (a checked training plan), so it
   * is not computed twice. It must be analyzeGraph's result for this very document.
   */
  analysis?: Analysis;
  /**
   * Told each layer's output as it is built, by its path from the top (["r1", "conv1"] inside a
   * block): the export maps the tfjs layers holding weights to PyTorch modules this way.
   */
  onLayer?: (path: readonly string[], output: SymbolicTensor) => void;
}

export interface Compiled {
  model: tf.LayersModel;
  analysis: Analysis;
  /** Each node's output tensor (NHWC, or [N, F] once flat), for shape checks. */
  tensors: Record<string, SymbolicTensor>;
  /**
   * Each tfjs layer's PyTorch module path, by layer name: "c1", "b1.convs.0.conv" inside blocks
   * and repeats. Exporters map weights to state_dict keys through it.
   */
  modules: Record<string, string>;
}

/** A layer name for a node's layer (`suffix` for its helpers, such as "pad"). */
type Namer = (suffix?: string) => string;

class Builder {
  private weightIndex = 0;
  private readonly names = new LayerNames();
  readonly modules: Record<string, string> = {};
  constructor(private readonly seed: number, private readonly initialize: boolean, readonly lib: Library, private readonly onLayer?: CompileOptions['onLayer']) {}

  /**
   * Layer names come from node ids (inside a block: the path joined by "_", "b2_res1_conv1"), so
   * they stay the same from one compile to the next and a Residual's layers keep the names they
   * had before blocks existed.
   */
  name(id: string, suffix?: string): string {
    return this.names.name(id, suffix);
  }

  xavier(): Initializer {
    const seed = this.seed * 1000 + this.weightIndex++;
    return this.initialize ? tf.initializers.glorotUniform({ seed }) : tf.initializers.zeros();
  }

  /**
   * One node through its type's engine module; a block (built-in, the document's, a repeat) is
   * built from its inside. `nested` says the node itself sits inside a block; `init` is the
   * node's fixed initial weights (GraphNode.init).
   */
  layer(p: ResolvedParams, inputs: SymbolicTensor[], name: Namer, path: string[], nested = false, init?: NodeInit): SymbolicTensor {
    const inside = insideOf(p);
    if (inside) return this.block(inside, inputs, name, path, nested);
    // insideOf is null exactly for the table's types; the table is typed per type, the call is not.
    const engine = ENGINE_LAYERS[p.type as PrimitiveType] as EngineLayer<ResolvedParams>;
    const named: Namer = (suffix) => {
      const n = name(suffix);
      this.modules[n] = path.join('.');
      return n;
    };
    const b: Build = { inputs, name: named, xavier: () => this.xavier(), ...(init ? { init } : {}) };
    const out = engine.build(b, p);
    this.onLayer?.(path, out);
    return out;
  }

  /**
   * A block's inside, node by node, on the block's input. Inner layers are named after the block
   * and the inner id: "r1_conv1" (its padding "r1_conv1pad") one level down, as Residual's layers
   * always were, and joined by "_" further down ("b2_res1_conv1", "b1_convs_0_conv").
   */
  block(inside: BlockGraph, inputs: SymbolicTensor[], name: Namer, path: string[], nested: boolean): SymbolicTensor {
    const tensors: Record<string, SymbolicTensor> = { [BLOCK_INPUT]: inputs[0] };
    const sep = nested ? '_' : '';
    for (const node of inside.nodes) {
      const p = resolveParams({ id: node.id, type: node.type, params: node.params, ...(node.repeat !== undefined ? { repeat: node.repeat } : {}) }, this.lib);
      const inner: Namer = (suffix) => name(`${sep}${node.id}${suffix ?? ''}`);
      tensors[node.id] = this.layer(p, node.inputs.map((src) => tensors[src]), inner, [...path, node.id], true, node.init);
    }
    return tensors[inside.output];
  }
}

/** Compiles and also returns every node's symbolic tensor (for shape conformance tests). */
export function compileGraphDetailed(doc: GraphDoc, opts: CompileOptions = {}): Compiled {
  const analysis = opts.analysis ?? analyzeGraph(doc);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (!analysis.ok || errors.length) throw new GraphError(errors.length ? errors : analysis.diagnostics);
  if (!analysis.inputId || !analysis.outputId) {
    throw new GraphError([{ severity: 'error', code: 'no-output', message: 'The graph needs exactly one Input and one output node.' }]);
  }
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const lib = buildLibrary(doc.blocks);
  const b = new Builder(opts.seed ?? 0, opts.initialize ?? true, lib, opts.onLayer);
  const tensors: Record<string, SymbolicTensor> = {};
  for (const id of analysis.order) {
    const node = byId.get(id);
    if (!node) continue;
    const inputs = (analysis.inputsOf[id] ?? []).map((src) => tensors[src]);
    tensors[id] = b.layer(resolveParams(node, lib), inputs, (suffix) => b.name(id, suffix), [id], false, node.init);
  }
  const model = tf.model({ inputs: tensors[analysis.inputId], outputs: tensors[analysis.outputId], name: b.name(doc.name || 'graph', 'model') });
  return { model, analysis, tensors, modules: b.modules };
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
