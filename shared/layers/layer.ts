/**
 * What a node type is made of. Each type has one module here (shared/layers/<type>.ts) holding
 * everything the app knows about it: the params spec the palette, inspector, parser and docs read
 * (Netron's metadata), the values a new node starts with, how its params resolve to a typed form,
 * and its rule for shape, parameters, MACs, receptive field and diagnostics (tinygrad's "a layer
 * owns its maths"). shared/layers/index.ts lists the modules; the shape engine and the compiler
 * only dispatch through that list, so a type cannot be half added.
 *
 * A block (Residual) is not a rule of its own but a small graph of ordinary layers: the shape
 * engine and the compiler both walk that graph, so a block is exactly its expansion.
 */

import type { BlockDef, Diagnostic, NodeInit, ParamValue } from '../graph/types';
import type { LayerType, ResolvedParams } from './index';

export type Category = 'Input' | 'Layers' | 'Pooling' | 'Normalisation' | 'Blocks' | 'Merge' | 'Activations';

/**
 * int: a whole number; float: any finite number; bool; intPair: an int or [h, w];
 * padding: an int, [h, w], "same" or "valid".
 */
export type ParamType = 'int' | 'float' | 'bool' | 'intPair' | 'padding';

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Absent means required. The string 'kernel_size' means "defaults to the kernel size". */
  default?: ParamValue | 'kernel_size';
  min?: number;
  max?: number;
  doc: string;
  /**
   * How the node card writes it: 'k' gives "k5", '' the bare value; for a bool, the text shown
   * when it differs from its default. Absent: "name=value", or a bool's name.
   */
  short?: string;
}

export interface NodeSpec {
  type: string;
  label: string;
  category: Category;
  /** How many inputs: 0 (Input), 1, or 'many' (Add, Concat: two or more). */
  inputs: 0 | 1 | 'many';
  params: ParamSpec[];
  doc: string;
  /** The PyTorch module it mirrors, for summaries and export. */
  torch: string;
}

/** A node's params after checkParams: every value well-typed, defaults filled in. */
export type ParamValues = Record<string, ParamValue>;

export interface ReceptiveField {
  /** Input pixels one output pixel sees, [h, w]. */
  size: [number, number];
  /** Input pixels between neighbouring output pixels (effective stride), [h, w]. */
  jump: [number, number];
}

/** What a shape rule sees of its node: the inputs, already known, in input-slot order. */
export interface ShapeIn {
  /** As messages name the node: "c1", or "r1.conv1" inside a block (PyTorch's module path). */
  readonly id: string;
  readonly type: string;
  readonly batch: number;
  /** Input shapes, NCHW (or [N, F] once flat); never empty except for the Input. */
  readonly shapes: readonly number[][];
  /** The nodes feeding each input, same order. */
  readonly sources: readonly string[];
  readonly rfs: readonly (ReceptiveField | null)[];
  /** The network input's H×W: what a layer that sees everything sees. */
  readonly image: [number, number] | null;
  report(d: Diagnostic): void;
  /**
   * The node that produced an input: its params and the shape it was fed. Fixes that change an
   * upstream layer (padding that keeps H×W) need both.
   */
  producer(source: string): { params: ResolvedParams | null; input: number[] | null };
  /** Runs a block's inside on this node's input; nothing inside is reported until the rule says so. */
  walk(block: BlockGraph): BlockResult;
}

export interface ShapeOut {
  shape: number[];
  /** Trainable parameters, PyTorch's sum of numel; 0 when absent. */
  params?: number;
  /** Multiply-accumulates per sample; 0 when absent. */
  macs?: number;
  rf: ReceptiveField | null;
}

/** The block's own input, as a BlockNode names it in `inputs`. */
export const BLOCK_INPUT = 'in';

/** One node inside a block: a graph node whose inputs are named inline. */
export interface BlockNode {
  id: string;
  /** A layer or built-in block type, or "block:<name>" for one of the document's blocks. */
  type: LayerType | `block:${string}`;
  params: ParamValues;
  /** Inner node ids, or BLOCK_INPUT; in input-slot order. */
  inputs: string[];
  /** Applied this many times in series (copies "0", "1", ...). */
  repeat?: number;
  /** Fixed initial weights, as GraphNode.init. */
  init?: NodeInit;
}

/** A block's inside: nodes in topological order, and which one is the block's output. */
export interface BlockGraph {
  nodes: BlockNode[];
  output: string;
}

export interface BlockResult {
  /** The inside that was walked. */
  graph: BlockGraph;
  /** What the block's input was: its shape and receptive field. */
  input: { shape: number[]; rf: ReceptiveField | null };
  /** Each inner node's result by inner id; null where it could not be computed. */
  nodes: Record<string, ShapeOut | null>;
  /** The inside of each inner node that is itself made of nodes (a block, a repeat), by inner id. */
  children: Record<string, BlockResult>;
  /** What went wrong inside, in the inner layers' words, by inner node id. */
  problems: { inner: string; diagnostic: Diagnostic }[];
  /** The output's shape and receptive field, params and MACs summed over the inside; null when anything failed. */
  out: ShapeOut | null;
}

/**
 * The resolved form of a node that no layer module describes: a node of one of the document's
 * blocks, or any node with `repeat`. Its inside is already substituted; the shape engine and the
 * compiler walk it like a built-in block's.
 */
export interface CompositeParams {
  type: 'composite';
  kind: 'block' | 'repeat';
  /** The node's own type: "block:vgg_block", or the repeated node's type. */
  of: string;
  graph: BlockGraph;
}

export interface LayerBase<T extends string, P extends { type: T }> extends NodeSpec {
  type: T;
  /** Params a node dropped from the palette starts with, so it is valid at once. */
  initial: Readonly<ParamValues>;
  /** The typed form the rule and the compiler read, from values checkParams accepted. */
  resolve(v: ParamValues): P;
  /** Output shape, params, MACs and receptive field, or null after reporting why there is none. */
  shape(x: ShapeIn, p: P): ShapeOut | null;
}

/** A layer the compiler builds from tfjs layers (main/engine-core/layers/<type>.ts). */
export interface Layer<T extends string = string, P extends { type: T } = any> extends LayerBase<T, P> {
  kind: 'layer';
}

/** A layer made of layers: both the shape engine and the compiler walk what `expand` returns. */
export interface Block<T extends string = string, P extends { type: T } = any> extends LayerBase<T, P> {
  kind: 'block';
  /**
   * Declare its return type BlockGraph: the inner nodes' types are checked against the layer
   * list, which contains this block, so an inferred return type would be circular.
   */
  expand(p: P): BlockGraph;
  /**
   * The block as a document block with the same layers, for "edit a copy": `params` are a node's
   * own (possibly expressions inside a definition); the result keeps them as the copy's params
   * where it can, and says why not where a param decides which layers there are.
   */
  asDefinition?(params: Readonly<Record<string, ParamValue>>): { def: BlockDef; params: Record<string, ParamValue> } | { error: string };
}

export function defineLayer<const T extends string, P extends { type: T }>(def: LayerBase<T, P>): Layer<T, P> {
  return { kind: 'layer', ...def };
}

export function defineBlock<const T extends string, P extends { type: T }>(def: LayerBase<T, P> & Pick<Block<T, P>, 'expand' | 'asDefinition'>): Block<T, P> {
  return { kind: 'block', ...def };
}
