/**
 * The convstudio.graph document (docs/graph-format.md). Serialisable data only: the renderer's
 * store, the file on disk, IPC payloads and the training process all carry exactly this.
 */

export const GRAPH_FORMAT = 'convstudio.graph';
/** The version written. Version 1 files (no blocks) are read and migrated (docs/graph-format.md). */
export const GRAPH_VERSION = 2;
/** The file name ending the app suggests when saving (any .json opens). */
export const GRAPH_FILE_SUFFIX = '.convstudio.json';

/** An int, or an [h, w] pair wherever PyTorch accepts both. */
export type IntOrPair = number | [number, number];

export type ParamValue = number | boolean | string | [number, number];

export interface XY {
  x: number;
  y: number;
}

/**
 * Fixed starting values for a layer's weights instead of its random initialisation (the Kernel
 * lab's "use this kernel"): PyTorch's tensors flattened in their own order, e.g. a Conv2d's
 * weight [out_channels, in_channels, kh, kw]. A missing bias starts at zeros.
 */
export interface NodeInit {
  weight: number[];
  bias?: number[];
}

export interface GraphNode {
  id: string;
  /** A layer type ("Conv2d"), a built-in block ("Residual"), or a block of this document ("block:vgg_block"). */
  type: string;
  params: Record<string, ParamValue>;
  /**
   * The node applied this many times in series, each copy with its own weights (PyTorch's
   * nn.Sequential of copies, named 0, 1, ...). Inside a block definition it may be an expression
   * of the block's params, such as "$num_convs".
   */
  repeat?: number | string;
  position?: XY;
  /** The canvas draws this block's inside in place of the single node (view state only). */
  expanded?: boolean;
  init?: NodeInit;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** Names the input slot of a multi-input node ("in0", "in1", ...); otherwise edge order. */
  targetHandle?: string;
  sourceHandle?: string;
}

/** The type prefix of a node that uses one of the document's block definitions. */
export const BLOCK_TYPE_PREFIX = 'block:';

/** One param of a block definition, typed like a layer's (int, float, bool, intPair, padding). */
export interface BlockParam {
  name: string;
  type: 'int' | 'float' | 'bool' | 'intPair' | 'padding';
  /** Absent means required. */
  default?: ParamValue;
  min?: number;
  max?: number;
  doc?: string;
}

/**
 * A block definition: a named sub-graph with its own params, used by nodes of type
 * "block:<name>" (like d2l's `vgg_block(num_convs, out_channels)`). Its nodes and edges are an
 * ordinary graph whose edges may start at "in", the block's input; its output is its one node
 * without outgoing edges. Inner param values (and `repeat`) may be expressions of the block's
 * params: "$out_channels", "$num_convs - 1", "$c2[0]".
 */
export interface BlockDef {
  params: BlockParam[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The PyTorch class it stands for in summaries and exports: "Sequential" for a chain unless set, else the block's name. */
  torch?: string;
  doc?: string;
}

export interface GraphDoc {
  format: typeof GRAPH_FORMAT;
  version: typeof GRAPH_VERSION;
  name: string;
  /** Block definitions by name (a Python identifier), used by nodes of type "block:<name>". */
  blocks?: Record<string, BlockDef>;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export type Severity = 'error' | 'warning';

/** A fix the canvas can offer as a button; applying it is pure data manipulation. */
export type Fix =
  | { kind: 'setParam'; label: string; nodeId: string; param: string; value: ParamValue }
  | { kind: 'insertNode'; label: string; beforeNodeId: string; edgeSource: string; nodeType: string; params?: Record<string, ParamValue> }
  | { kind: 'removeEdge'; label: string; source: string; target: string }
  | { kind: 'removeNode'; label: string; nodeId: string };

export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. "nonpositive-output", "needs-flatten". */
  code: string;
  message: string;
  nodeId?: string;
  edge?: { source: string; target: string };
  /** A problem of one of the document's block definitions (and the inner node, where there is one). */
  block?: { name: string; node?: string };
  /** The best fix: applying it leaves the graph with fewer errors (shared/shapes/fixes.ts checks). */
  fix?: Fix;
  /** Other fixes that also leave fewer errors, best first (a bound, another layer, a revert). */
  alternatives?: Fix[];
}
