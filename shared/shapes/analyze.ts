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
import { initProblem } from '../graph/init';
import { formatCount, formatTorchShape } from '../format';
import { specOf, tryResolveParams, type ResolvedParams } from '../graph/resolve';
import { BLOCK_TYPE_PREFIX, type Diagnostic, type GraphDoc, type GraphNode } from '../graph/types';
import { offerFixes } from './fixes';
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
  /**
   * For a block: each inner layer's output elements per sample and parameters, which training
   * keeps too (shared/shapes/memory.ts); absent for a plain layer.
   */
  inner?: { elements: number[]; params: number[] };
}

export interface Analysis {
  /** Topological, inputs first; nodes caught in a cycle are appended last in document order. */
  order: string[];
  nodes: Record<string, NodeInfo>;
  /** Ordered input node ids per node: targetHandle "inN" order where given, else edge order. */
  inputsOf: Record<string, string[]>;
  /**
   * Every problem, once, in the order found: at most MAX_DIAGNOSTICS of them, then one
   * "more-problems" entry counting the rest (each node still lists its own in nodes[id]).
   */
  diagnostics: Diagnostic[];
  /** All errors and warnings found, including those past MAX_DIAGNOSTICS. */
  counts: { errors: number; warnings: number };
  totals: { params: number; macs: number };
  /** No errors (warnings allowed). */
  ok: boolean;
  inputId: string | null;
  outputId: string | null;
}

export interface AnalyzeOptions {
  /** Batch size in the reported shapes; 1 like d2l's layer_summary. */
  batch?: number;
  /** Offer only fixes that leave fewer errors (shared/shapes/fixes.ts); default true. */
  checkFixes?: boolean;
}

const KNOWN_TYPES = CATALOGUE.map((s) => s.type).join(', ');
/** A node's type as messages write it: a document block by its name ("vgg_block b1"). */
const shown = (type: string): string => (type.startsWith(BLOCK_TYPE_PREFIX) ? type.slice(BLOCK_TYPE_PREFIX.length) : type);
/** Inner nodes walked in one analysis, over all blocks and repeats: far beyond any real network. */
export const MAX_EXPANDED = 200_000;

/**
 * A graph of 10,000 broken nodes must not produce a reply of millions of lines: the list holds
 * this many problems, then counts the rest. The canvas marks every node from its own list.
 */
export const MAX_DIAGNOSTICS = 500;
/** Messages are cut here: a node can have thousands of inputs, and a message names them. */
export const MAX_MESSAGE_CHARS = 600;
/** How many ids a list in a message names before "and N more". */
const LISTED_IDS = 4;

/** "a, b, c, d and 9,995 more": a list of ids a message can hold whatever its length. */
function idList(ids: readonly string[], max = LISTED_IDS): string {
  if (ids.length <= max + 1) return ids.join(', ');
  return `${ids.slice(0, max).join(', ')} and ${formatCount(ids.length - max)} more`;
}

/** Beyond this no count is exact in a double (2^53 − 1): sizes past it are not sizes. */
const SAFE = Number.MAX_SAFE_INTEGER;

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
  counts: { errors: number; warnings: number };
  /** Problems found past MAX_DIAGNOSTICS, by severity. */
  unlisted: { errors: number; warnings: number };
}

const clipped = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Bounds a diagnostic's text, whatever the rule that wrote it put in. */
function bounded(d: Diagnostic): Diagnostic {
  if (d.message.length <= MAX_MESSAGE_CHARS && (!d.fix || d.fix.label.length <= 200)) return d;
  return { ...d, message: clipped(d.message, MAX_MESSAGE_CHARS), ...(d.fix ? { fix: { ...d.fix, label: clipped(d.fix.label, 200) } } : {}) };
}

/** Lists `d` once (while the list has room) and on the nodes it concerns. */
function report(ctx: Ctx, d: Diagnostic, onNodes?: readonly string[]): void {
  const b = bounded(d);
  const severity = b.severity === 'error' ? 'errors' : 'warnings';
  ctx.counts[severity]++;
  if (ctx.diagnostics.length < MAX_DIAGNOSTICS) ctx.diagnostics.push(b);
  else ctx.unlisted[severity]++;
  if (onNodes) for (const id of onNodes) ctx.info[id]?.diagnostics.push(b);
  else if (b.nodeId !== undefined) ctx.info[b.nodeId]?.diagnostics.push(b);
}

/** The last entry of a full list: how many more there are, so nobody thinks the list is all. */
function reportUnlisted(ctx: Ctx): void {
  const { errors, warnings } = ctx.unlisted;
  if (errors + warnings === 0) return;
  const parts = [errors ? `${formatCount(errors)} error${errors > 1 ? 's' : ''}` : '', warnings ? `${formatCount(warnings)} warning${warnings > 1 ? 's' : ''}` : ''].filter(Boolean);
  ctx.diagnostics.push({
    severity: errors ? 'error' : 'warning', code: 'more-problems',
    message: `… and ${parts.join(' and ')} more, not listed here (each node shows its own). Fix the ones above first: later problems often follow from them.`,
  });
}

function emptyAnalysis(diagnostics: Diagnostic[]): Analysis {
  return { order: [], nodes: {}, inputsOf: {}, diagnostics, counts: { errors: diagnostics.length, warnings: 0 }, totals: { params: 0, macs: 0 }, ok: false, inputId: null, outputId: null };
}

export function analyzeGraph(doc: GraphDoc, options: AnalyzeOptions = {}): Analysis {
  try {
    const analysis = analyze(doc, options);
    return options.checkFixes === false ? analysis : offerFixes(doc, analysis, (d) => analyze(d, options));
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
  report(ctx, {
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
  const ctx: Ctx = {
    doc, lib, budget: { left: MAX_EXPANDED }, info: Object.create(null), node: Object.create(null), resolved: Object.create(null), inputsOf: Object.create(null), diagnostics: [], image: null,
    counts: { errors: 0, warnings: 0 }, unlisted: { errors: 0, warnings: 0 },
  };
  for (const entry of lib.entries.values()) {
    for (const p of entry.problems) {
      report(ctx, { severity: 'error', code: 'bad-block', block: { name: entry.name, ...(p.node ? { node: p.node } : {}) }, message: `Block ${entry.name}: ${p.message}` });
    }
  }

  // Nodes: first occurrence of an id wins; later duplicates are reported and left out.
  const ids: string[] = [];
  for (const node of doc.nodes) {
    if (node === null || typeof node !== 'object' || typeof node.id !== 'string' || node.id === '' || typeof node.type !== 'string') {
      report(ctx, { severity: 'error', code: 'bad-node', message: 'A node without a text id and type was left out.' });
      continue;
    }
    if (ctx.node[node.id]) {
      // Not on the node: its info is the first one's.
      report(ctx, { severity: 'error', code: 'duplicate-id', nodeId: node.id, message: `Two nodes share the id "${node.id}"; the second (${node.type.slice(0, 40)}) was left out. Give it a new id.` }, []);
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
      report(ctx, { severity: 'error', code: 'bad-edge', message: 'An edge without text source and target was left out.' });
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
  if (order.length < ids.length) reportCycles(ctx, ids.filter((id) => indeg[id] > 0), inCycle);

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
      // The first few others, found without building a list per sink (10,000 sinks happen).
      const others: string[] = [];
      for (let i = 0; i < sinks.length && others.length <= LISTED_IDS; i++) if (sinks[i] !== id) others.push(sinks[i]);
      const more = sinks.length - 1 - Math.min(others.length, LISTED_IDS);
      report(ctx, {
        severity: 'error', code: 'multiple-outputs', nodeId: id,
        message: `${shown(ctx.node[id].type)} ${id} is one of ${formatCount(sinks.length)} outputs (also ${others.slice(0, LISTED_IDS).join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''}); a network has one. Connect the dead ends onward or delete them.`,
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
  // Each node's counts are exact; 10,000 of them can still add up past exact.
  for (const [what, total] of [['parameters', params], ['MACs', macs]] as const) {
    if (total > SAFE) {
      report(ctx, {
        severity: 'error', code: 'size-overflow',
        message: `The network's ${what} add up to ${formatCount(total)}, past 2^53 (${formatCount(SAFE)}), where counts stop being exact: no machine could train it. Make the layers smaller.`,
      });
    }
  }
  if (inputId !== null && outputId === inputId && ids.length === 1) {
    report(ctx, { severity: 'warning', code: 'no-layers', message: 'The graph has only an Input. Add layers from the palette.' });
  }
  reportUnlisted(ctx);
  return {
    order, nodes: ctx.info, inputsOf: ctx.inputsOf, diagnostics: ctx.diagnostics, counts: ctx.counts, totals: { params, macs },
    ok: ctx.counts.errors === 0, inputId, outputId,
  };
}

/** "a → b → c → d → … → z → a": a cycle's path, its start and end kept, the middle counted. */
function cyclePath(cycle: readonly string[]): string {
  const shown = LISTED_IDS + 1;
  if (cycle.length <= shown + 1) return [...cycle, cycle[0]].join(' → ');
  return `${[...cycle.slice(0, LISTED_IDS), '…', cycle[cycle.length - 1], cycle[0]].join(' → ')}, and ${formatCount(cycle.length - shown)} more`;
}

/**
 * Nodes left over by Kahn are on a cycle or downstream of one. Each cycle is found by walking
 * predecessors from a leftover node until one repeats; a node walked before ends the walk (its
 * cycle is known), so all cycles are found in one linear pass. Each is reported once, with its
 * path shortened, and marked on every node on it.
 */
function reportCycles(ctx: Ctx, left: string[], inCycle: Set<string>): void {
  const leftSet = new Set(left);
  const walked = new Set<string>();
  for (const start of left) {
    if (walked.has(start)) continue;
    const seenAt = new Map<string, number>();
    const path: string[] = [];
    let cur: string | undefined = start;
    while (cur !== undefined && !seenAt.has(cur) && !walked.has(cur)) {
      seenAt.set(cur, path.length);
      path.push(cur);
      walked.add(cur);
      // A leftover node always has a leftover predecessor; walking predecessors finds the cycle.
      cur = ctx.inputsOf[cur].find((p) => leftSet.has(p));
    }
    if (cur === undefined || !seenAt.has(cur)) continue;
    const found = path.slice(seenAt.get(cur)).reverse();
    // Start where data enters the cycle, so the edge to cut is the one that closes it (the
    // "back edge"), and cutting it leaves every node of the cycle reachable.
    const members = new Set(found);
    const entry = Math.max(0, found.findIndex((id) => ctx.inputsOf[id].some((p) => !members.has(p))));
    const cycle = [...found.slice(entry), ...found.slice(0, entry)];
    const [from, to] = [cycle[cycle.length - 1], cycle[0]];
    const what = cycle.length === 1 ? `${shown(ctx.node[to].type)} ${to} feeds itself` : `A cycle runs through ${formatCount(cycle.length)} nodes (${cyclePath(cycle)})`;
    report(ctx, {
      severity: 'error', code: 'cycle', nodeId: to, edge: { source: from, target: to },
      message: `${what}; data must flow one way from the Input. Remove the edge ${from} → ${to}.`,
      fix: { kind: 'removeEdge', label: `Remove ${from} → ${to}`, source: from, target: to },
    }, cycle);
  }
  // On a cycle or downstream of one: no shape can reach them, and the cycle says why.
  for (const id of left) inCycle.add(id);
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
      message: `${where} has ${formatCount(ins.length)} inputs (${idList(ins)}) but takes one. Merge them first with Add or Concat, or remove the edge from ${ins[ins.length - 1]}.`,
      fix: { kind: 'removeEdge', label: `Remove ${ins[ins.length - 1]} → ${id}`, source: ins[ins.length - 1], target: id },
      // Which edge is the stray one depends on the rest of the graph; the fix checker ranks them.
      alternatives: ins.slice(0, -1).map((src) => ({ kind: 'removeEdge', label: `Remove ${src} → ${id}`, source: src, target: id })),
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
  const view = new NodeView(ctx, id, node.type, batch, shapes, ins, rfs);
  const out = shapeOf(view, params);
  if (!out) return;
  const badInit = initProblem(node, params, shapes[0]);
  if (badInit) return report(ctx, badInit);
  const oversize = sizeProblem(where, out);
  if (oversize) {
    // Left without a shape, so nothing downstream computes with an inexact size.
    report(ctx, { severity: 'error', code: 'size-overflow', nodeId: id, message: oversize });
    return;
  }
  if (view.inner) info.inner = view.inner;
  info.shape = out.shape;
  info.params = out.params ?? 0;
  info.macs = out.macs ?? 0;
  info.rf = out.rf;
  if (spec.inputs === 0) ctx.image ??= [out.shape[2], out.shape[3]];
}

/**
 * Why a rule's result cannot be a real layer, or null: every dimension, the element count, the
 * parameters and the MACs must be whole numbers below 2^53. A deep Concat doubling reaches
 * Infinity, and long before that the counts stop being exact; checked here once, after every
 * rule, so no layer module has to.
 */
function sizeProblem(where: string, out: ShapeOut): string | null {
  const fix = 'Reduce the channels or the image size before it.';
  let elements = 1;
  for (const d of out.shape) {
    if (!Number.isSafeInteger(d) || d < 1) {
      return `${where}: its output ${formatTorchShape(out.shape)} has a size that is not a whole number below 2^53 (${formatCount(SAFE)}), so no tensor can have it. ${fix}`;
    }
    elements *= d;
  }
  if (elements > SAFE) {
    return `${where}: its output ${formatTorchShape(out.shape)} has ${formatCount(elements)} elements, past 2^53 (${formatCount(SAFE)}), where counts stop being exact. ${fix}`;
  }
  for (const [what, n] of [['parameters', out.params ?? 0], ['MACs', out.macs ?? 0]] as const) {
    if (!Number.isSafeInteger(n) || n < 0) {
      return `${where} would have ${formatCount(n)} ${what}, past 2^53 (${formatCount(SAFE)}), where counts stop being exact: no machine could train it. ${fix}`;
    }
  }
  return null;
}

/** A graph node as its layer's rule sees it. */
class NodeView implements ShapeIn {
  /** What the block's inside keeps per sample, when the rule walked one. */
  inner: NodeInfo['inner'];

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
    const elements: number[] = [];
    const params: number[] = [];
    for (const inner of block.nodes) {
      const o = result.nodes[inner.id];
      if (!o || inner.id === block.output) continue;
      let n = 1;
      for (let i = 1; i < o.shape.length; i++) n *= o.shape[i];
      elements.push(n);
      params.push(o.params ?? 0);
    }
    this.inner = { elements, params };
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
    const found = shapeOf(new InnerView(walk, node.id, node.type, shapes, sources, rfs), p);
    const badInit = found && node.init ? initProblem({ id: walk.path(node.id), type: node.type, params: node.params, init: node.init }, p, shapes[0]) : null;
    if (badInit) {
      walk.problems.push({ inner: node.id, diagnostic: badInit });
      failed = true;
      continue;
    }
    const oversize = found && sizeProblem(`${node.type} ${walk.path(node.id)}`, found);
    if (oversize) walk.problems.push({ inner: node.id, diagnostic: { severity: 'error', code: 'size-overflow', nodeId: walk.path(node.id), message: oversize } });
    const out = oversize ? null : found;
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
