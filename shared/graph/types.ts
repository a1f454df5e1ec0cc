/**
 * The convstudio.graph document (docs/graph-format.md). Serialisable data only: the renderer's
 * store, the file on disk, IPC payloads and the training process all carry exactly this.
 */

export const GRAPH_FORMAT = 'convstudio.graph';
export const GRAPH_VERSION = 1;
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
  type: string;
  params: Record<string, ParamValue>;
  position?: XY;
  init?: NodeInit;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** Names the input slot of a multi-input node ("in0", "in1", ...); otherwise edge order. */
  targetHandle?: string;
  sourceHandle?: string;
}

export interface GraphDoc {
  format: typeof GRAPH_FORMAT;
  version: typeof GRAPH_VERSION;
  name: string;
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
  /** The best fix: applying it leaves the graph with fewer errors (shared/shapes/fixes.ts checks). */
  fix?: Fix;
  /** Other fixes that also leave fewer errors, best first (a bound, another layer, a revert). */
  alternatives?: Fix[];
}
