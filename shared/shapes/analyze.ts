/**
 * The live shape engine: one pass over the graph that yields every node's output shape (NCHW,
 * PyTorch's arithmetic), trainable parameter count (= PyTorch's sum of numel), MACs, receptive
 * field, and a diagnostic for each problem, with the fix as data where one is obvious. It runs on
 * every edit in the canvas, so it is linear in nodes + edges and never throws.
 *
 * This file is the graph plumbing only: ids, edges and input order, topological order and
 * cycles, reachability, one Input and one output, input counts. What a node computes is its
 * layer's rule (shared/layers/<type>.ts), called in topological order with its inputs' shapes.
 */

import { buildLibrary, type Library } from '../graph/blocks';
import { CATALOGUE } from '../graph/catalogue';
import { specOf, tryResolveParams, type ResolvedParams } from '../graph/resolve';
import { BLOCK_TYPE_PREFIX, type Diagnostic, type GraphDoc, type GraphNode } from '../graph/types';
import { shapeOf } from '../layers/index';
import { BLOCK_INPUT, type BlockGraph, type BlockResult, type ReceptiveField, type ShapeIn, type ShapeOut } from '../layers/layer';

export type { ReceptiveField } from '../layers/layer';

export interface NodeInfo {
  id: string;
  type: string;
  /** NCHW with batch 1, e.g. [1, 6, 28, 28], or [1, 400] once flat. null where it cannot be computed. */
  shape: number[] | null;
  /** Trainable parameters, equal to PyTorch's sum(p.numel() for p in m.parameters()). */
  params: number;
  /** Multiply-accumulates per sample in convolutions and linear layers (bias and pooling not counted). */
  macs: number;
  rf: ReceptiveField | null;
  diagnostics: Diagnostic[];
  /** The PyTorch module it stands for in d2l's summary: "Conv2d", "Residual", "Sequential" for a repeat or a chain block. */
  torch: string;
  /** For a node made of nodes (a block, a repeat): what its inside computed, inner node by inner node. */
  inside?: BlockResult;
}

export interface Analysis {
  /** Topological, inputs first; nodes caught in a cycle are appended last in document order. */
  order: string[];
  nodes: Record<string, NodeInfo>;
  /** Ordered input node ids per node: targetHandle "inN" order where given, else edge order. */
  inputsOf: Record<string, string[]>;
  diagnostics: Diagnostic[];
  totals: { params: number; macs: number };
  /** No errors (warnings allowed). */
  ok: boolean;
  inputId: string | null;
  outputId: string | null;
}

export interface AnalyzeOptions {
  /** Batch size in the reported shapes; 1 like d2l's layer_summary. */
  batch?: number;
}

const KNOWN_TYPES = CATALOGUE.map((s) => s.type).join(', ');
/** A node's type as messages write it: a document block by its name ("vgg_block b1"). */
const shown = (type: string): string => (type.startsWith(BLOCK_TYPE_PREFIX) ? type.slice(BLOCK_TYPE_PREFIX.length) : type);
/** Inner nodes walked in one analysis, over all blocks and repeats: far beyond any real network. */
export const MAX_EXPANDED = 200_000;

interface Ctx {
  doc: GraphDoc;
  lib: Library;
  /** Inner nodes that may still be walked before the expansion counts as too large. */
  budget: { left: number };
  info: Record<string, NodeInfo>;
  node: Record<string, GraphNode>;
  resolved: Record<string, ResolvedParams | null>;
  inputsOf: Record<string, string[]>;
  diagnostics: Diagnostic[];
  /** The network input's H×W, for the receptive field of layers that see everything. */
  image: [number, number] | null;
}

function report(ctx: Ctx, d: Diagnostic): void {
  ctx.diagnostics.push(d);
  if (d.nodeId !== undefined) ctx.info[d.nodeId]?.diagnostics.push(d);
}

function emptyAnalysis(diagnostics: Diagnostic[]): Analysis {
  return { order: [], nodes: {}, inputsOf: {}, diagnostics, totals: { params: 0, macs: 0 }, ok: false, inputId: null, outputId: null };
}

export function analyzeGraph(doc: GraphDoc, options: AnalyzeOptions = {}): Analysis {
  try {
    return analyze(doc, options);
  } catch (err) {
    // A bug here must not take the canvas down; the code makes it visible to tests and users.
    const message = err instanceof Error ? err.message : String(err);
    return emptyAnalysis([{ severity: 'error', code: 'internal-error', message: `Shape analysis failed unexpectedly: ${message}. Please report this graph.` }]);
  }
}

function handleIndex(h: unknown): number {
  if (typeof h !== 'string') return -1;
  const m = /^in(\d{1,6})$/.exec(h);
  return m ? Number(m[1]) : -1;
}

interface InEdge { source: string; key: number; at: number }
const byHandle = (a: InEdge, b: InEdge): number => a.key - b.key || a.at - b.at;

function reportDangling(ctx: Ctx, source: string, target: string): void {
  const missing = [source, target].filter((id) => !ctx.node[id]);
  ctx.diagnostics.push({
    severity: 'error', code: 'dangling-edge', edge: { source, target },
    message: `The edge ${source} → ${target} points to ${missing.map((m) => `"${m}"`).join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not in the graph. Remove the edge.`,
    fix: { kind: 'removeEdge', label: 'Remove the edge', source, target },
  });
}

function analyze(doc: GraphDoc, options: AnalyzeOptions): Analysis {
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc.nodes) || !Array.isArray(doc.edges)) {
    return emptyAnalysis([{ severity: 'error', code: 'bad-document', message: 'This is not a graph: nodes and edges must be lists.' }]);
  }
  const batch = Number.isInteger(options.batch) && (options.batch as number) >= 1 ? (options.batch as number) : 1;
  const lib = buildLibrary(doc.blocks);
  const ctx: Ctx = { doc, lib, budget: { left: MAX_EXPANDED }, info: Object.create(null), node: Object.create(null), resolved: Object.create(null), inputsOf: Object.create(null), diagnostics: [], image: null };
  for (const entry of lib.entries.values()) {
    for (const p of entry.problems) {
      ctx.diagnostics.push({ severity: 'error', code: 'bad-block', block: { name: entry.name, ...(p.node ? { node: p.node } : {}) }, message: `Block ${entry.name}: ${p.message}` });
    }
  }

  // Nodes: first occurrence of an id wins; later duplicates are reported and left out.
  const ids: string[] = [];
  for (const node of doc.nodes) {
    if (node === null || typeof node !== 'object' || typeof node.id !== 'string' || node.id === '' || typeof node.type !== 'string') {
      ctx.diagnostics.push({ severity: 'error', code: 'bad-node', message: 'A node without a text id and type was left out.' });
      continue;
    }
    if (ctx.node[node.id]) {
      ctx.diagnostics.push({ severity: 'error', code: 'duplicate-id', nodeId: node.id, message: `Two nodes share the id "${node.id}"; the second (${node.type}) was left out. Give it a new id.` });
      continue;
    }
    ctx.node[node.id] = node;
    const torch = node.repeat !== undefined ? 'Sequential' : specOf(node.type, lib)?.torch ?? node.type;
    ctx.info[node.id] = { id: node.id, type: node.type, shape: null, params: 0, macs: 0, rf: null, diagnostics: [], torch };
    ids.push(node.id);
  }

  // Edges, then each node's inputs ordered by targetHandle ("in0", "in1", ...) or edge order.
  const outs: Record<string, string[]> = Object.create(null);
  const inEdges: Record<string, InEdge[]> = Object.create(null);
  for (const id of ids) {
    outs[id] = [];
    inEdges[id] = [];
  }
  for (let at = 0; at < doc.edges.length; at++) {
    const e = doc.edges[at];
    if (e === null || typeof e !== 'object' || typeof e.source !== 'string' || typeof e.target !== 'string') {
      ctx.diagnostics.push({ severity: 'error', code: 'bad-edge', message: 'An edge without text source and target was left out.' });
      continue;
    }
    if (!ctx.node[e.source] || !ctx.node[e.target]) {
      reportDangling(ctx, e.source, e.target);
      continue;
    }
    outs[e.source].push(e.target);
    const h = handleIndex(e.targetHandle);
    inEdges[e.target].push({ source: e.source, key: h >= 0 ? h : 1e7 + at, at });
  }
  for (const id of ids) {
    const list = inEdges[id];
    if (list.length > 1) list.sort(byHandle);
    const sources: string[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) sources[i] = list[i].source;
    ctx.inputsOf[id] = sources;
  }

  // Kahn's algorithm in document order, so equal graphs always list the same order.
  const indeg: Record<string, number> = Object.create(null);
  for (const id of ids) indeg[id] = ctx.inputsOf[id].length;
  const order: string[] = [];
  for (const id of ids) if (indeg[id] === 0) order.push(id);
  for (let i = 0; i < order.length; i++) {
    for (const t of outs[order[i]]) if (--indeg[t] === 0) order.push(t);
  }
  const inCycle = new Set<string>();
  if (order.length < ids.length) {
    const left = ids.filter((id) => indeg[id] > 0);
    for (const id of left) inCycle.add(id);
    reportCycle(ctx, left);
  }

  // One Input, reachable nodes, one output.
  const inputs = ids.filter((id) => ctx.node[id].type === 'Input');
  const inputId = inputs[0] ?? null;
  if (inputId === null) {
    report(ctx, { severity: 'error', code: 'no-input', message: 'The graph has no Input node. Add one (channels, height, width) and connect the first layer to it.' });
  }
  for (const extra of inputs.slice(1)) {
    report(ctx, {
      severity: 'error', code: 'multiple-inputs', nodeId: extra,
      message: `Input ${extra}: the graph already has the Input ${inputId}; a network takes one input. Delete this one.`,
      fix: { kind: 'removeNode', label: `Delete ${extra}`, nodeId: extra },
    });
  }
  const reachable = new Set<string>();
  if (inputId !== null) {
    const stack = [inputId];
    reachable.add(inputId);
    while (stack.length > 0) {
      for (const t of outs[stack.pop() as string]) {
        if (!reachable.has(t)) {
          reachable.add(t);
          stack.push(t);
        }
      }
    }
  }
  for (const id of ids) {
    const node = ctx.node[id];
    if (inputId === null || reachable.has(id) || node.type === 'Input') continue;
    const spec = specOf(node.type, lib);
    const why = ctx.inputsOf[id].length === 0 ? 'has no input' : 'is not connected to the Input';
    report(ctx, {
      severity: 'error', code: 'unreachable', nodeId: id,
      message: `${shown(node.type)} ${id} ${why}, so no data reaches it. Connect it${spec?.inputs === 'many' ? ' (from two or more layers)' : ''} or delete it.`,
      fix: { kind: 'removeNode', label: `Delete ${id}`, nodeId: id },
    });
  }
  const sinks = ids.filter((id) => reachable.has(id) && !inCycle.has(id) && outs[id].length === 0);
  if (sinks.length > 1) {
    for (const id of sinks) {
      const others = sinks.filter((s) => s !== id);
      report(ctx, {
        severity: 'error', code: 'multiple-outputs', nodeId: id,
        message: `${shown(ctx.node[id].type)} ${id} is one of ${sinks.length} outputs (also ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', ...' : ''}); a network has one. Connect the dead ends onward or delete them.`,
      });
    }
  }
  const outputId = sinks.length === 1 ? sinks[0] : null;

  // Shapes in topological order; a node whose input has no shape stays silent (the cause is upstream).
  for (const id of order) step(ctx, id, batch, reachable.has(id) || id === inputId);
  for (const id of ids) if (inCycle.has(id)) order.push(id);

  let params = 0;
  let macs = 0;
  for (const id of ids) {
    params += ctx.info[id].params;
    macs += ctx.info[id].macs;
  }
  if (inputId !== null && outputId === inputId && ids.length === 1) {
    report(ctx, { severity: 'warning', code: 'no-layers', message: 'The graph has only an Input. Add layers from the palette.' });
  }
  return {
    order, nodes: ctx.info, inputsOf: ctx.inputsOf, diagnostics: ctx.diagnostics, totals: { params, macs },
    ok: !ctx.diagnostics.some((d) => d.severity === 'error'), inputId, outputId,
  };
}

function reportCycle(ctx: Ctx, left: string[]): void {
  // Nodes left over by Kahn are on a cycle or downstream of one; walk until a node repeats.
  const leftSet = new Set(left);
  const seenAt = new Map<string, number>();
  const path: string[] = [];
  let cur: string | undefined = left[0];
  while (cur !== undefined && !seenAt.has(cur)) {
    seenAt.set(cur, path.length);
    path.push(cur);
    // A leftover node always has a leftover predecessor; walking predecessors finds the cycle.
    cur = ctx.inputsOf[cur].find((p) => leftSet.has(p));
  }
  if (cur === undefined) return;
  const cycle = path.slice(seenAt.get(cur)).reverse();
  const [from, to] = [cycle[cycle.length - 1], cycle[0]];
  const text = [...cycle, cycle[0]].join(' → ');
  for (const id of cycle) {
    report(ctx, {
      severity: 'error', code: 'cycle', nodeId: id, edge: { source: from, target: to },
      message: `${shown(ctx.node[id].type)} ${id} is on a cycle (${text}); data must flow one way from the Input. Remove the edge ${from} → ${to}.`,
      fix: { kind: 'removeEdge', label: `Remove ${from} → ${to}`, source: from, target: to },
    });
  }
}

function step(ctx: Ctx, id: string, batch: number, reachable: boolean): void {
  const node = ctx.node[id];
  const info = ctx.info[id];
  const spec = specOf(node.type, ctx.lib);
  const where = `${shown(node.type)} ${id}`;
  if (!spec) {
    const block = node.type.startsWith(BLOCK_TYPE_PREFIX) ? node.type.slice(BLOCK_TYPE_PREFIX.length) : null;
    const defined = [...ctx.lib.entries.keys()];
    report(ctx, {
      severity: 'error', code: 'unknown-type', nodeId: id,
      message: block !== null
        ? `${id}: the block "${block.slice(0, 40)}" is not defined in this document (${defined.length ? `its blocks: ${defined.slice(0, 8).join(', ')}` : 'it has no blocks'}). Replace or delete it.`
        : `${id}: unknown node type "${node.type.slice(0, 40)}". Known types: ${KNOWN_TYPES}. Replace or delete it.`,
      fix: { kind: 'removeNode', label: `Delete ${id}`, nodeId: id },
    });
    return;
  }
  const { params, diagnostics } = tryResolveParams(node, ctx.lib);
  for (const d of diagnostics) report(ctx, d);
  ctx.resolved[id] = params;

  const ins = ctx.inputsOf[id];
  if (spec.inputs === 0 && ins.length > 0) {
    report(ctx, {
      severity: 'error', code: 'input-has-inputs', nodeId: id, edge: { source: ins[0], target: id },
      message: `${where} receives an edge from ${ins[0]}; the Input is where data enters and takes none. Remove the edge.`,
      fix: { kind: 'removeEdge', label: `Remove ${ins[0]} → ${id}`, source: ins[0], target: id },
    });
    return;
  }
  if ((spec.inputs === 1 || node.repeat !== undefined) && ins.length > 1) {
    report(ctx, {
      severity: 'error', code: 'too-many-inputs', nodeId: id, edge: { source: ins[ins.length - 1], target: id },
      message: `${where} has ${ins.length} inputs (${ins.join(', ')}) but takes one. Merge them first with Add or Concat, or remove the edge from ${ins[ins.length - 1]}.`,
      fix: { kind: 'removeEdge', label: `Remove ${ins[ins.length - 1]} → ${id}`, source: ins[ins.length - 1], target: id },
    });
    return;
  }
  if (spec.inputs === 'many' && ins.length < 2 && reachable) {
    report(ctx, {
      severity: 'error', code: 'too-few-inputs', nodeId: id,
      message: `${where} has ${ins.length === 0 ? 'no inputs' : `one input (${ins[0]})`}; it ${node.type === 'Add' ? 'sums' : 'joins'} two or more. Connect another layer to it, or delete it.`,
    });
    return;
  }
  if (!params) return;
  const shapes: number[][] = [];
  const rfs: (ReceptiveField | null)[] = [];
  for (const src of ins) {
    const s = ctx.info[src].shape;
    if (!s) return;
    shapes.push(s);
    rfs.push(ctx.info[src].rf);
  }
  if (spec.inputs !== 0 && shapes.length === 0) return;
  const out = shapeOf(new NodeView(ctx, id, node.type, batch, shapes, ins, rfs), params);
  if (!out) return;
  info.shape = out.shape;
  info.params = out.params ?? 0;
  info.macs = out.macs ?? 0;
  info.rf = out.rf;
  if (spec.inputs === 0) ctx.image ??= [out.shape[2], out.shape[3]];
}

/** A graph node as its layer's rule sees it. */
class NodeView implements ShapeIn {
  constructor(
    private readonly ctx: Ctx,
    readonly id: string,
    readonly type: string,
    readonly batch: number,
    readonly shapes: number[][],
    readonly sources: string[],
    readonly rfs: (ReceptiveField | null)[],
  ) {}

  get image(): [number, number] | null {
    return this.ctx.image;
  }

  report(d: Diagnostic): void {
    report(this.ctx, d);
  }

  producer(source: string): { params: ResolvedParams | null; input: number[] | null } {
    const first = this.ctx.inputsOf[source]?.[0];
    return { params: this.ctx.resolved[source] ?? null, input: first !== undefined ? this.ctx.info[first]?.shape ?? null : null };
  }

  walk(block: BlockGraph): BlockResult {
    const result = walkBlock(this, block, this.ctx.lib, this.ctx.budget);
    this.ctx.info[this.id].inside = result;
    return result;
  }
}

/**
 * A block's inside on the block's input: each inner node resolved and run through its own rule,
 * exactly as if it stood in the graph. Inner nodes are named "block.inner" in messages, like
 * PyTorch's module paths; what they report is collected for the block's rule to word.
 */
function walkBlock(x: ShapeIn, block: BlockGraph, lib: Library, budget: Ctx['budget']): BlockResult {
  const walk = new BlockWalk(x, lib, budget);
  let params = 0;
  let macs = 0;
  let failed = false;
  for (const node of block.nodes) {
    walk.nodes[node.id] = null;
    if (--budget.left < 0) {
      if (budget.left === -1) {
        walk.problems.push({ inner: node.id, diagnostic: { severity: 'error', code: 'too-large', message: `${shown(x.type)} ${x.id}: its blocks and repeats expand to more than ${MAX_EXPANDED.toLocaleString('en')} layers; ConvStudio stops there. Lower a repeat count.` } });
      }
      failed = true;
      break;
    }
    const { params: p, diagnostics } = tryResolveParams({ id: walk.path(node.id), type: node.type, params: node.params, ...(node.repeat !== undefined ? { repeat: node.repeat } : {}) }, lib);
    for (const d of diagnostics) walk.problems.push({ inner: node.id, diagnostic: d });
    walk.resolved[node.id] = p;
    const shapes: number[][] = [];
    const rfs: (ReceptiveField | null)[] = [];
    const sources: string[] = [];
    for (const src of node.inputs) {
      const o = src === BLOCK_INPUT ? { shape: x.shapes[0], rf: x.rfs[0] } : walk.nodes[src];
      if (!o) break;
      shapes.push(o.shape);
      rfs.push(o.rf);
      sources.push(src === BLOCK_INPUT ? x.sources[0] : walk.path(src));
    }
    walk.firstInput[node.id] = shapes[0] ?? null;
    if (!p || shapes.length < node.inputs.length) {
      failed = true;
      continue;
    }
    const out = shapeOf(new InnerView(walk, node.id, node.type, shapes, sources, rfs), p);
    walk.nodes[node.id] = out;
    if (!out) {
      failed = true;
      continue;
    }
    params += out.params ?? 0;
    macs += out.macs ?? 0;
  }
  const last = block.output === BLOCK_INPUT ? { shape: x.shapes[0], rf: x.rfs[0] } : walk.nodes[block.output];
  return {
    graph: block, input: { shape: x.shapes[0], rf: x.rfs[0] }, nodes: walk.nodes, children: walk.children, problems: walk.problems,
    out: failed || !last ? null : { shape: last.shape, rf: last.rf, params, macs },
  };
}

/** What the inner nodes of one block walk share. */
class BlockWalk {
  readonly nodes: Record<string, ShapeOut | null> = Object.create(null);
  readonly children: Record<string, BlockResult> = Object.create(null);
  readonly resolved: Record<string, ResolvedParams | null> = Object.create(null);
  readonly firstInput: Record<string, number[] | null> = Object.create(null);
  readonly problems: BlockResult['problems'] = [];
  private readonly prefix: string;
  constructor(readonly block: ShapeIn, readonly lib: Library, readonly budget: Ctx['budget']) {
    this.prefix = `${block.id}.`;
  }

  path(inner: string): string {
    return this.prefix + inner;
  }

  /** The inner id a message-style source names, or null for the block's own input. */
  inner(source: string): string | null {
    if (!source.startsWith(this.prefix)) return null;
    const id = source.slice(this.prefix.length);
    return id in this.resolved ? id : null;
  }
}

/** A node inside a block as its layer's rule sees it. */
class InnerView implements ShapeIn {
  readonly id: string;
  constructor(
    private readonly walkState: BlockWalk,
    private readonly innerId: string,
    readonly type: string,
    readonly shapes: number[][],
    readonly sources: string[],
    readonly rfs: (ReceptiveField | null)[],
  ) {
    this.id = walkState.path(innerId);
  }

  get batch(): number {
    return this.walkState.block.batch;
  }

  get image(): [number, number] | null {
    return this.walkState.block.image;
  }

  report(d: Diagnostic): void {
    this.walkState.problems.push({ inner: this.innerId, diagnostic: d });
  }

  producer(source: string): { params: ResolvedParams | null; input: number[] | null } {
    const inner = this.walkState.inner(source);
    if (inner === null) return this.walkState.block.producer(source);
    return { params: this.walkState.resolved[inner], input: this.walkState.firstInput[inner] };
  }

  walk(block: BlockGraph): BlockResult {
    const result = walkBlock(this, block, this.walkState.lib, this.walkState.budget);
    this.walkState.children[this.innerId] = result;
    return result;
  }
}
