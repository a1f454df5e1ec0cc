/**
 * The live shape engine: one pass over the graph that yields every node's output shape (NCHW,
 * PyTorch's arithmetic), trainable parameter count (= PyTorch's sum of numel), MACs, receptive
 * field, and a diagnostic for each problem, with the fix as data where one is obvious. It runs on
 * every edit in the canvas, so it is linear in nodes + edges and never throws.
 */

import { CATALOGUE, nodeSpec } from '../graph/catalogue';
import { tryResolveParams, type Conv2dParams, type PoolParams, type ResolvedParams } from '../graph/resolve';
import type { Diagnostic, Fix, GraphDoc, GraphNode } from '../graph/types';
import { adaptiveWindow, effectiveKernel, keepSizePadding, minPaddingForOneWindow, nextReceptiveField, windowOutSize } from './arith';

export interface ReceptiveField {
  /** Input pixels one output pixel sees, [h, w]. */
  size: [number, number];
  /** Input pixels between neighbouring output pixels (effective stride), [h, w]. */
  jump: [number, number];
}

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

/** Negative numbers with a real minus sign, as in the messages' arithmetic. */
const n = (x: number): string => (x < 0 ? `−${-x}` : String(x));
const hw = (h: number, w: number): string => `${n(h)}×${n(w)}`;
const fmtShape = (s: number[]): string => `[${s.join(', ')}]`;
const chw = (s: number[]): string => (s.length === 4 ? `${s[1]}×${s[2]}×${s[3]}` : `${s[1]} features`);
const pairValue = (a: number, b: number): number | [number, number] => (a === b ? a : [a, b]);

interface Ctx {
  doc: GraphDoc;
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
  const ctx: Ctx = { doc, info: Object.create(null), node: Object.create(null), resolved: Object.create(null), inputsOf: Object.create(null), diagnostics: [], image: null };

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
    ctx.info[node.id] = { id: node.id, type: node.type, shape: null, params: 0, macs: 0, rf: null, diagnostics: [] };
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
    const spec = nodeSpec(node.type);
    const why = ctx.inputsOf[id].length === 0 ? 'has no input' : 'is not connected to the Input';
    report(ctx, {
      severity: 'error', code: 'unreachable', nodeId: id,
      message: `${node.type} ${id} ${why}, so no data reaches it. Connect it${spec?.inputs === 'many' ? ' (from two or more layers)' : ''} or delete it.`,
      fix: { kind: 'removeNode', label: `Delete ${id}`, nodeId: id },
    });
  }
  const sinks = ids.filter((id) => reachable.has(id) && !inCycle.has(id) && outs[id].length === 0);
  if (sinks.length > 1) {
    for (const id of sinks) {
      const others = sinks.filter((s) => s !== id);
      report(ctx, {
        severity: 'error', code: 'multiple-outputs', nodeId: id,
        message: `${ctx.node[id].type} ${id} is one of ${sinks.length} outputs (also ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', ...' : ''}); a network has one. Connect the dead ends onward or delete them.`,
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
      message: `${ctx.node[id].type} ${id} is on a cycle (${text}); data must flow one way from the Input. Remove the edge ${from} → ${to}.`,
      fix: { kind: 'removeEdge', label: `Remove ${from} → ${to}`, source: from, target: to },
    });
  }
}

function step(ctx: Ctx, id: string, batch: number, reachable: boolean): void {
  const node = ctx.node[id];
  const info = ctx.info[id];
  const spec = nodeSpec(node.type);
  const where = `${node.type} ${id}`;
  if (!spec) {
    report(ctx, {
      severity: 'error', code: 'unknown-type', nodeId: id,
      message: `${id}: unknown node type "${node.type.slice(0, 40)}". Known types: ${KNOWN_TYPES}. Replace or delete it.`,
      fix: { kind: 'removeNode', label: `Delete ${id}`, nodeId: id },
    });
    return;
  }
  const { params, diagnostics } = tryResolveParams(node);
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
  if (spec.inputs === 1 && ins.length > 1) {
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
  if (params.type === 'Input') {
    info.shape = [batch, params.channels, params.height, params.width];
    info.rf = { size: [1, 1], jump: [1, 1] };
    ctx.image ??= [params.height, params.width];
    return;
  }
  const inShapes: number[][] = [];
  for (const src of ins) {
    const s = ctx.info[src].shape;
    if (!s) return;
    inShapes.push(s);
  }
  if (inShapes.length === 0) return;
  const x = inShapes[0];
  const rfIn = ctx.info[ins[0]].rf;

  switch (params.type) {
    case 'Conv2d': {
      if (!needImage(ctx, id, x)) return;
      conv(ctx, id, params, x, rfIn);
      return;
    }
    case 'MaxPool2d':
    case 'AvgPool2d': {
      if (!needImage(ctx, id, x)) return;
      pool(ctx, id, params, x, rfIn);
      return;
    }
    case 'AdaptiveAvgPool2d': {
      if (!needImage(ctx, id, x)) return;
      const [oh, ow] = params.output_size;
      info.shape = [x[0], x[1], oh, ow];
      if (rfIn) {
        const a = adaptiveWindow(x[2], oh);
        const b = adaptiveWindow(x[3], ow);
        const h = nextReceptiveField(rfIn.size[0], rfIn.jump[0], a.kernel, a.stride);
        const w = nextReceptiveField(rfIn.size[1], rfIn.jump[1], b.kernel, b.stride);
        info.rf = { size: [h.size, w.size], jump: [h.jump, w.jump] };
      }
      return;
    }
    case 'BatchNorm2d': {
      if (!needImage(ctx, id, x)) return;
      info.shape = x.slice();
      info.params = 2 * x[1];
      info.rf = rfIn;
      return;
    }
    case 'BatchNorm1d': {
      if (!needFlat(ctx, id, x)) return;
      info.shape = x.slice();
      info.params = 2 * x[1];
      info.rf = rfIn;
      return;
    }
    case 'Linear': {
      if (!needFlat(ctx, id, x)) return;
      info.shape = [x[0], params.out_features];
      info.params = x[1] * params.out_features + (params.bias ? params.out_features : 0);
      info.macs = x[1] * params.out_features;
      // Every output of a dense layer sees the whole image.
      if (rfIn) {
        const img = ctx.image ?? rfIn.size;
        info.rf = { size: [Math.max(rfIn.size[0], img[0]), Math.max(rfIn.size[1], img[1])], jump: rfIn.jump };
      }
      return;
    }
    case 'Flatten': {
      info.shape = x.length === 4 ? [x[0], x[1] * x[2] * x[3]] : x.slice();
      info.rf = rfIn;
      return;
    }
    case 'ReLU': case 'Sigmoid': case 'Tanh': case 'Dropout': {
      info.shape = x.slice();
      info.rf = rfIn;
      return;
    }
    case 'Residual': {
      if (!needImage(ctx, id, x)) return;
      residual(ctx, id, params, x, rfIn);
      return;
    }
    case 'Add':
    case 'Concat': {
      merge(ctx, id, params.type, inShapes);
      return;
    }
    default:
      return;
  }
}

/** Layers that slide windows need a C×H×W map; says so when they get a flat tensor. */
function needImage(ctx: Ctx, id: string, x: number[]): boolean {
  if (x.length === 4) return true;
  const node = ctx.node[id];
  report(ctx, {
    severity: 'error', code: 'needs-image', nodeId: id,
    message: `${node.type} ${id} works on C×H×W feature maps but gets the flat ${fmtShape(x)} from ${ctx.inputsOf[id][0]}. Move it before the Flatten${node.type === 'BatchNorm2d' ? ', or use BatchNorm1d here' : ''}.`,
  });
  return false;
}

/** Linear and BatchNorm1d need [N, F]; the fix inserts the Flatten that PyTorch code would have. */
function needFlat(ctx: Ctx, id: string, x: number[]): boolean {
  if (x.length === 2) return true;
  const node = ctx.node[id];
  const src = ctx.inputsOf[id][0];
  report(ctx, {
    severity: 'error', code: 'needs-flatten', nodeId: id,
    message: `${node.type} ${id} needs a flat input but gets ${fmtShape(x)} from ${src}. Insert a Flatten before it (${chw(x)} → ${x[1] * x[2] * x[3]}).`,
    fix: { kind: 'insertNode', label: `Insert Flatten before ${id}`, beforeNodeId: id, edgeSource: src, nodeType: 'Flatten' },
  });
  return false;
}

function describeTooSmall(k: [number, number], d: [number, number], x: number[], pad: number[], out: [number, number]): string {
  const padded = (i: number) => x[2 + i] + pad[2 * i] + pad[2 * i + 1];
  const padExpr = (i: number) => (pad[2 * i] === pad[2 * i + 1] ? `${x[2 + i]} + 2·${pad[2 * i]}` : `${x[2 + i]} + ${pad[2 * i]} + ${pad[2 * i + 1]}`);
  const kText = (i: number) => (d[i] > 1 ? `${k[i]} (dilated to ${effectiveKernel(k[i], d[i])})` : `${k[i]}`);
  const fails = [0, 1].filter((i) => out[i] < 1);
  const same = k[0] === k[1] && d[0] === d[1] && padded(0) === padded(1) && padExpr(0) === padExpr(1);
  const parts = same && fails.length === 2
    ? [`kernel ${kText(0)} is larger than the padded input ${padded(0)} (${padExpr(0)})`]
    : fails.map((i) => `kernel ${i === 0 ? 'height' : 'width'} ${kText(i)} is larger than the padded input ${i === 0 ? 'height' : 'width'} ${padded(i)} (${padExpr(i)})`);
  return `${parts.join(' and ')}, so the output would be ${hw(out[0], out[1])}`;
}

function conv(ctx: Ctx, id: string, p: Conv2dParams, x: number[], rfIn: ReceptiveField | null): void {
  const info = ctx.info[id];
  const where = `Conv2d ${id}`;
  if (p.paddingMode === 'same' && (p.stride[0] !== 1 || p.stride[1] !== 1)) {
    const ph = Math.floor((p.dilation[0] * (p.kernel[0] - 1)) / 2);
    const pw = Math.floor((p.dilation[1] * (p.kernel[1] - 1)) / 2);
    const oh = windowOutSize(x[2], p.kernel[0], p.stride[0], ph, ph, p.dilation[0]);
    const ow = windowOutSize(x[3], p.kernel[1], p.stride[1], pw, pw, p.dilation[1]);
    const fix: Fix | undefined = oh >= 1 && ow >= 1
      ? { kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} gives ${hw(oh, ow)}`, nodeId: id, param: 'padding', value: pairValue(ph, pw) }
      : undefined;
    report(ctx, {
      severity: 'error', code: 'same-needs-stride-1', nodeId: id,
      message: `${where}: padding "same" works only with stride 1 (PyTorch refuses it for strided convolutions), and stride is ${p.stride[0] === p.stride[1] ? p.stride[0] : `[${p.stride.join(', ')}]`}. Set a number for padding, or stride 1.`,
      ...(fix ? { fix } : {}),
    });
    return;
  }
  const [t, b, l, r] = p.padding;
  const oh = windowOutSize(x[2], p.kernel[0], p.stride[0], t, b, p.dilation[0]);
  const ow = windowOutSize(x[3], p.kernel[1], p.stride[1], l, r, p.dilation[1]);
  if (oh < 1 || ow < 1) {
    const needH = oh < 1 ? minPaddingForOneWindow(x[2], p.kernel[0], p.dilation[0]) : 0;
    const needW = ow < 1 ? minPaddingForOneWindow(x[3], p.kernel[1], p.dilation[1]) : 0;
    const ph = Math.max(needH, t === b ? t : 0);
    const pw = Math.max(needW, l === r ? l : 0);
    const need = Math.max(needH, needW);
    const nh = windowOutSize(x[2], p.kernel[0], p.stride[0], ph, ph, p.dilation[0]);
    const nw = windowOutSize(x[3], p.kernel[1], p.stride[1], pw, pw, p.dilation[1]);
    report(ctx, {
      severity: 'error', code: 'nonpositive-output', nodeId: id,
      message: `${where}: ${describeTooSmall(p.kernel, p.dilation, x, p.padding, [oh, ow])}. Reduce kernel_size or add padding ≥ ${need}.`,
      fix: { kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} gives ${hw(nh, nw)}`, nodeId: id, param: 'padding', value: pairValue(ph, pw) },
    });
    return;
  }
  const cin = x[1];
  const k = p.kernel[0] * p.kernel[1];
  info.shape = [x[0], p.out_channels, oh, ow];
  info.params = p.out_channels * cin * k + (p.bias ? p.out_channels : 0);
  info.macs = p.out_channels * oh * ow * cin * k;
  if (rfIn) {
    const h = nextReceptiveField(rfIn.size[0], rfIn.jump[0], p.kernel[0], p.stride[0], p.dilation[0]);
    const w = nextReceptiveField(rfIn.size[1], rfIn.jump[1], p.kernel[1], p.stride[1], p.dilation[1]);
    info.rf = { size: [h.size, w.size], jump: [h.jump, w.jump] };
  }
}

function pool(ctx: Ctx, id: string, p: PoolParams, x: number[], rfIn: ReceptiveField | null): void {
  const info = ctx.info[id];
  const where = `${p.type} ${id}`;
  const [t, , l] = p.padding;
  const maxH = Math.floor(p.kernel[0] / 2);
  const maxW = Math.floor(p.kernel[1] / 2);
  if (t > maxH || l > maxW) {
    const bad = t > maxH ? { pad: t, k: p.kernel[0], max: maxH } : { pad: l, k: p.kernel[1], max: maxW };
    const vh = Math.min(t, maxH);
    const vw = Math.min(l, maxW);
    report(ctx, {
      severity: 'error', code: 'pool-padding', nodeId: id,
      message: `${where}: padding ${bad.pad} is more than half the kernel ${bad.k} (at most ${bad.max}); PyTorch refuses this. Set padding ≤ ${bad.max} or enlarge kernel_size.`,
      fix: { kind: 'setParam', label: `Padding ${vh === vw ? vh : `[${vh}, ${vw}]`}`, nodeId: id, param: 'padding', value: pairValue(vh, vw) },
    });
    return;
  }
  const oh = windowOutSize(x[2], p.kernel[0], p.stride[0], t, t);
  const ow = windowOutSize(x[3], p.kernel[1], p.stride[1], l, l);
  if (oh < 1 || ow < 1) {
    const kh = Math.min(p.kernel[0], x[2] + 2 * t);
    const kw = Math.min(p.kernel[1], x[3] + 2 * l);
    report(ctx, {
      severity: 'error', code: 'nonpositive-output', nodeId: id,
      message: `${where}: ${describeTooSmall(p.kernel, [1, 1], x, p.padding, [oh, ow])}. Reduce kernel_size to at most ${hw(x[2] + 2 * t, x[3] + 2 * l)} or remove earlier downsampling.`,
      fix: { kind: 'setParam', label: `Kernel ${kh === kw ? kh : `[${kh}, ${kw}]`}`, nodeId: id, param: 'kernel_size', value: pairValue(kh, kw) },
    });
    return;
  }
  info.shape = [x[0], x[1], oh, ow];
  if (rfIn) {
    const h = nextReceptiveField(rfIn.size[0], rfIn.jump[0], p.kernel[0], p.stride[0]);
    const w = nextReceptiveField(rfIn.size[1], rfIn.jump[1], p.kernel[1], p.stride[1]);
    info.rf = { size: [h.size, w.size], jump: [h.jump, w.jump] };
  }
}

function residual(ctx: Ctx, id: string, p: Extract<ResolvedParams, { type: 'Residual' }>, x: number[], rfIn: ReceptiveField | null): void {
  const info = ctx.info[id];
  const c = p.num_channels;
  const s = p.strides;
  const cin = x[1];
  // conv1: 3×3, padding 1, stride s; conv2: 3×3, padding 1; shortcut 1×1, stride s: all agree on H×W.
  const oh = windowOutSize(x[2], 3, s, 1, 1);
  const ow = windowOutSize(x[3], 3, s, 1, 1);
  if (!p.use_1x1conv && (cin !== c || s !== 1)) {
    const differ: string[] = [];
    if (cin !== c) differ.push(`channels (${cin} vs ${c})`);
    if (s !== 1) differ.push(`size (${x[2]}×${x[3]} vs ${oh}×${ow}, strides ${s})`);
    report(ctx, {
      severity: 'error', code: 'residual-shortcut', nodeId: id,
      message: `Residual ${id}: the shortcut adds the input ${chw(x)} to the block's output ${c}×${oh}×${ow}; they differ in ${differ.join(' and ')}. Set use_1x1conv to true, or num_channels ${cin} and strides 1.`,
      fix: { kind: 'setParam', label: 'Use a 1×1 convolution on the shortcut', nodeId: id, param: 'use_1x1conv', value: true },
    });
    return;
  }
  info.shape = [x[0], c, oh, ow];
  const conv1 = cin * c * 9 + c;
  const conv2 = c * c * 9 + c;
  const conv3 = p.use_1x1conv ? cin * c + c : 0;
  info.params = conv1 + conv2 + conv3 + 2 * c + 2 * c;
  info.macs = c * oh * ow * (cin * 9 + c * 9 + (p.use_1x1conv ? cin : 0));
  if (rfIn) {
    // The main path is the wider one: 3×3 at stride s, then 3×3.
    const h1 = nextReceptiveField(rfIn.size[0], rfIn.jump[0], 3, s);
    const w1 = nextReceptiveField(rfIn.size[1], rfIn.jump[1], 3, s);
    const h2 = nextReceptiveField(h1.size, h1.jump, 3, 1);
    const w2 = nextReceptiveField(w1.size, w1.jump, 3, 1);
    info.rf = { size: [h2.size, w2.size], jump: [h2.jump, w2.jump] };
  }
}

/** Where a merge input comes from a stride-1 Conv2d that shrank the map, the padding that keeps it. */
function keepSizeFix(ctx: Ctx, src: string, target: number[]): Fix | undefined {
  const p = ctx.resolved[src];
  const srcIn = ctx.inputsOf[src]?.[0];
  const before = srcIn !== undefined ? ctx.info[srcIn]?.shape : null;
  if (!p || p.type !== 'Conv2d' || !before || before.length !== 4) return undefined;
  if (p.stride[0] !== 1 || p.stride[1] !== 1 || before[2] !== target[2] || before[3] !== target[3]) return undefined;
  const ph = keepSizePadding(p.kernel[0], p.dilation[0]);
  const pw = keepSizePadding(p.kernel[1], p.dilation[1]);
  if (ph !== null && pw !== null) {
    return { kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} keeps ${target[2]}×${target[3]}`, nodeId: src, param: 'padding', value: pairValue(ph, pw) };
  }
  return { kind: 'setParam', label: `Padding "same" keeps ${target[2]}×${target[3]}`, nodeId: src, param: 'padding', value: 'same' };
}

function merge(ctx: Ctx, id: string, type: 'Add' | 'Concat', shapes: number[][]): void {
  const info = ctx.info[id];
  const ins = ctx.inputsOf[id];
  const where = `${type} ${id}`;
  const ref = shapes[0];
  for (let i = 1; i < shapes.length; i++) {
    const s = shapes[i];
    if (s.length !== ref.length) {
      report(ctx, {
        severity: 'error', code: 'merge-rank', nodeId: id,
        message: `${where}: input ${ins[i]} is ${fmtShape(s)} but ${ins[0]} is ${fmtShape(ref)}; one is flat and the other is not. Flatten both or neither.`,
      });
      return;
    }
  }
  if (type === 'Add') {
    for (let i = 1; i < shapes.length; i++) {
      const s = shapes[i];
      const differ: string[] = [];
      if (s[1] !== ref[1]) differ.push(ref.length === 4 ? `channels (${ref[1]} from ${ins[0]} vs ${s[1]} from ${ins[i]})` : `features (${ref[1]} from ${ins[0]} vs ${s[1]} from ${ins[i]})`);
      if (ref.length === 4 && (s[2] !== ref[2] || s[3] !== ref[3])) {
        const which = s[2] !== ref[2] && s[3] !== ref[3] ? 'height and width' : s[2] !== ref[2] ? 'height' : 'width';
        differ.push(`${which} (${ref[2]}×${ref[3]} vs ${s[2]}×${s[3]})`);
      }
      if (differ.length === 0) continue;
      let fix: Fix | undefined;
      const srcP = ctx.resolved[ins[i]];
      if (s[1] !== ref[1] && srcP?.type === 'Conv2d' && differ.length === 1) {
        fix = { kind: 'setParam', label: `out_channels ${ref[1]} matches ${ins[0]}`, nodeId: ins[i], param: 'out_channels', value: ref[1] };
      } else if (ref.length === 4 && s[1] === ref[1]) {
        fix = keepSizeFix(ctx, ins[i], ref);
      }
      report(ctx, {
        severity: 'error', code: 'add-shape-mismatch', nodeId: id,
        message: `${where}: inputs must have equal shapes, but ${fmtShape(ref)} (${ins[0]}) and ${fmtShape(s)} (${ins[i]}) differ in ${differ.join(' and ')}.`,
        ...(fix ? { fix } : {}),
      });
      return;
    }
    info.shape = ref.slice();
  } else {
    if (ref.length === 4) {
      for (let i = 1; i < shapes.length; i++) {
        const s = shapes[i];
        if (s[2] === ref[2] && s[3] === ref[3]) continue;
        const fix = keepSizeFix(ctx, ins[i], ref);
        report(ctx, {
          severity: 'error', code: 'concat-size-mismatch', nodeId: id,
          message: `${where}: joins along channels, so height×width must match, but ${ins[0]} is ${ref[2]}×${ref[3]} and ${ins[i]} is ${s[2]}×${s[3]}.`,
          ...(fix ? { fix } : {}),
        });
        return;
      }
    }
    const shape = ref.slice();
    shape[1] = 0;
    for (const s of shapes) shape[1] += s[1];
    info.shape = shape;
  }
  // The widest input decides what one output pixel can see.
  const rf: ReceptiveField = { size: [0, 0], jump: [0, 0] };
  for (const src of ins) {
    const r = ctx.info[src].rf;
    if (!r) return;
    rf.size = [Math.max(rf.size[0], r.size[0]), Math.max(rf.size[1], r.size[1])];
    rf.jump = [Math.max(rf.jump[0], r.jump[0]), Math.max(rf.jump[1], r.jump[1])];
  }
  info.rf = rf;
}
