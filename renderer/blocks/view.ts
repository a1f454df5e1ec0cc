/**
 * What the canvas shows while a block is open, as pure functions. The store keeps the level in
 * view in `nodes`/`edges` (a block's definition, with an "in" node for its input) and the levels
 * above in `frames`; the document is assembled from them, each open definition written back from
 * the level below it. The whole document is analysed, and the open block's own analysis — every
 * inner node's shape, counts and problems, for the very node that was opened — is taken from the
 * walk of that node's inside, so shapes inside a block are exactly what the engine computed.
 */

import { buildLibrary, blockNameOf, type Library } from '../../shared/graph/blocks';
import { specOf } from '../../shared/graph/resolve';
import type { NodeSpec } from '../../shared/graph/catalogue';
import type { BlockDef, Diagnostic, Fix, GraphDoc, ParamValue } from '../../shared/graph/types';
import { initialParams } from '../../shared/layers/index';
import { BLOCK_INPUT, type BlockGraph, type BlockResult } from '../../shared/layers/layer';
import { analyzeGraph, type Analysis, type NodeInfo } from '../../shared/shapes/index';
import { offerFixes } from '../../shared/shapes/fixes';
import { layoutGraph } from '../canvas/layout';
import { flowEdge, fromDoc, toDoc, type LayerNode, type ShapeEdge } from '../model/graph-model';
import { viewsOf, type AnalysisViews } from '../model/views';

/** The data type of the node that stands for a block's input on the canvas. */
export const BLOCK_INPUT_TYPE = 'BlockInput';

/** One level entered: the node opened, what it shows, and the level above as it was. */
export interface Frame {
  /** The node opened, in the level above. */
  nodeId: string;
  /** The document block whose definition is shown, or null for a read-only inside (a built-in block, a repeated layer). */
  block: string | null;
  /** The node repeats a block: the view shows one copy's inside, copy 0's shapes. */
  copy: boolean;
  /** A read-only inside as it was expanded. */
  graph: BlockGraph | null;
  nodes: LayerNode[];
  edges: ShapeEdge[];
}

export interface BlocksView {
  name: string;
  nodes: LayerNode[];
  edges: ShapeEdge[];
  blocks: Record<string, BlockDef>;
  frames: Frame[];
}

let cached: { blocks: Record<string, BlockDef> | undefined; lib: Library } = { blocks: undefined, lib: buildLibrary(undefined) };
/** The library of the store's definitions, rebuilt only when they change (they are replaced, never mutated). */
export function libraryOf(blocks: Record<string, BlockDef> | undefined): Library {
  if (cached.blocks !== blocks) cached = { blocks, lib: buildLibrary(blocks) };
  return cached.lib;
}

/** A node type's spec, the document's blocks included. */
export function specFor(type: string, blocks: Record<string, BlockDef> | undefined): NodeSpec | undefined {
  return specOf(type, libraryOf(blocks));
}

/** A new node's params: a layer's initial values; a block's defaults, and its smallest allowed value where it has none. */
export function initialParamsFor(type: string, blocks: Record<string, BlockDef> | undefined): Record<string, ParamValue> {
  if (blockNameOf(type) === null) return initialParams(type);
  const params: Record<string, ParamValue> = {};
  for (const p of specFor(type, blocks)?.params ?? []) {
    if (p.default !== undefined) continue;
    if (p.type === 'bool') params[p.name] = false;
    else if (p.type === 'int' || p.type === 'intPair' || p.type === 'padding') params[p.name] = Math.max(1, p.min ?? 1);
    else params[p.name] = p.min ?? 1;
  }
  return params;
}

const isIn = (n: { id: string; data?: { type: string } }) => n.id === BLOCK_INPUT && n.data?.type === BLOCK_INPUT_TYPE;

/** The definition a level shows, from its canvas: the "in" node left out, the edges from it kept. */
export function defFromView(def: BlockDef, nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): BlockDef {
  const doc = toDoc(nodes.filter((n) => !isIn(n)), edges, '');
  return { ...def, nodes: doc.nodes, edges: doc.edges };
}

/** The whole document: the top level, and every definition as the levels being edited have it. */
export function fullDoc(s: BlocksView): GraphDoc {
  let nodes = s.nodes;
  let edges = s.edges;
  const blocks: Record<string, BlockDef> = { ...s.blocks };
  for (let i = s.frames.length - 1; i >= 0; i--) {
    const f = s.frames[i];
    if (f.block !== null && Object.prototype.hasOwnProperty.call(blocks, f.block)) blocks[f.block] = defFromView(blocks[f.block], nodes, edges);
    nodes = f.nodes;
    edges = f.edges;
  }
  const doc = toDoc(nodes, edges, s.name);
  return Object.keys(blocks).length ? { ...doc, blocks } : doc;
}

/** The level in view as a document of its own (what copy takes); "in" left out. */
export function levelDoc(s: BlocksView): GraphDoc {
  return toDoc(s.nodes.filter((n) => !isIn(n)), s.edges, s.name);
}

/** The module path of the opened node's inside, "b1" or "b1.convs.0". */
export function instancePath(frames: readonly Frame[]): string {
  return frames.map((f) => (f.copy ? `${f.nodeId}.0` : f.nodeId)).join('.');
}

/**
 * How many times the network applies block `name`: each node of it once, each copy of a repeat,
 * each use inside another block as often as that block is used (VGG's conv_relu: 8 in VGG-11).
 */
export function usesOf(name: string, doc: GraphDoc, analysis: Analysis): number {
  const type = `block:${name}`;
  const inGraph = (r: BlockResult): number => {
    let k = 0;
    for (const n of r.graph.nodes) if (n.type === type && n.repeat === undefined) k++;
    for (const c of Object.values(r.children)) k += inGraph(c);
    return k;
  };
  const repeated = new Set(doc.nodes.filter((n) => n.repeat !== undefined).map((n) => n.id));
  let k = 0;
  for (const id of analysis.order) {
    const info = analysis.nodes[id];
    if (info.type === type && !repeated.has(id)) k++;
    if (info.inside) k += inGraph(info.inside);
  }
  return k;
}

/** The walk of the opened node's inside, from the whole document's analysis; null where it was never reached. */
export function openedInside(analysis: Analysis, frames: readonly Frame[]): BlockResult | null {
  let r: BlockResult | null = null;
  frames.forEach((f, i) => {
    r = i === 0 ? analysis.nodes[f.nodeId]?.inside ?? null : r?.children[f.nodeId] ?? null;
    if (r && f.copy) r = r.children['0'] ?? null;
  });
  return r;
}

/** The "in" node, placed above the layers it feeds. */
export function inputNode(nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): LayerNode {
  const fed = nodes.filter((n) => edges.some((e) => e.source === BLOCK_INPUT && e.target === n.id));
  const at = fed.length ? fed : nodes;
  const x = at.length ? Math.min(...at.map((n) => n.position.x)) : 0;
  const y = at.length ? Math.min(...at.map((n) => n.position.y)) - 130 : 0;
  return { id: BLOCK_INPUT, type: 'layer', position: { x, y }, data: { type: BLOCK_INPUT_TYPE, params: {} }, deletable: false, selectable: false };
}

/** A definition as canvas nodes and edges, with its "in" node; laid out when it was never placed. */
export function definitionFlow(def: BlockDef): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  const flow = fromDoc({ format: 'convstudio.graph', version: 2, name: '', nodes: def.nodes, edges: def.edges });
  if (def.nodes.some((n) => !n.position)) {
    const laid = layoutGraph([inputNode([], []), ...flow.nodes], flow.edges);
    return { nodes: laid, edges: flow.edges };
  }
  return { nodes: [inputNode(flow.nodes, flow.edges), ...flow.nodes], edges: flow.edges };
}

/** A read-only inside (a built-in block's, a repeated layer's) as canvas nodes: not to be rewired. */
export function graphFlow(graph: BlockGraph): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  const nodes: LayerNode[] = graph.nodes.map((n) => ({
    id: n.id, type: 'layer', position: { x: 0, y: 0 }, connectable: false, deletable: false,
    data: { type: n.type, params: { ...n.params }, ...(n.repeat !== undefined ? { repeat: n.repeat } : {}) },
  }));
  // Drawn in input order; no handle names, as the view is not rewired (the walk has the slots).
  const edges = graph.nodes.flatMap((n) => n.inputs.map((source) => flowEdge({ source, target: n.id })));
  return { nodes: layoutGraph([{ ...inputNode([], []), connectable: false }, ...nodes], edges), edges };
}

/** An id of the whole document's messages as the level in view names it, or null when it is not in view. */
function localId(id: string, prefix: string, here: ReadonlySet<string>): string | null {
  if (!id.startsWith(prefix)) return null;
  const rest = id.slice(prefix.length);
  return here.has(rest) ? rest : null;
}

/** A fix on the level in view, with its ids as that level names them; null when it edits something elsewhere. */
function localFix(fix: Fix, prefix: string, here: ReadonlySet<string>): Fix | null {
  const l = (id: string) => localId(id, prefix, here);
  switch (fix.kind) {
    case 'setParam': case 'removeNode': {
      const nodeId = l(fix.nodeId);
      return nodeId ? { ...fix, nodeId } : null;
    }
    case 'removeEdge': {
      const [source, target] = [l(fix.source), l(fix.target)];
      return source && target ? { ...fix, source, target } : null;
    }
    case 'insertNode': {
      const [beforeNodeId, edgeSource] = [l(fix.beforeNodeId), l(fix.edgeSource)];
      return beforeNodeId && edgeSource ? { ...fix, beforeNodeId, edgeSource } : null;
    }
  }
}

/**
 * The open block's own analysis: its nodes' results from the walk of the opened node, its
 * problems (the walk's, named as this level names its nodes, and the definition's), its totals.
 * `editable` keeps the fixes that edit this level.
 */
export function levelAnalysis(whole: Analysis, inside: BlockResult | null, view: BlocksView, editable: boolean): Analysis {
  const frame = view.frames[view.frames.length - 1];
  const prefix = `${instancePath(view.frames)}.`;
  const here = new Set(view.nodes.map((n) => n.id));
  const lib = libraryOf(view.blocks);
  const local = (d: Diagnostic): Diagnostic => {
    const nodeId = d.nodeId !== undefined ? localId(d.nodeId, prefix, here) : null;
    const fix = editable && d.fix ? localFix(d.fix, prefix, here) : null;
    const edge = d.edge ? { source: localId(d.edge.source, prefix, here), target: localId(d.edge.target, prefix, here) } : null;
    const { fix: _f, nodeId: _n, edge: _e, ...rest } = d;
    return { ...rest, ...(nodeId ? { nodeId } : {}), ...(fix ? { fix } : {}), ...(edge?.source && edge.target ? { edge: { source: edge.source, target: edge.target } } : {}) };
  };
  const ownProblems = frame.block !== null ? whole.diagnostics.filter((d) => d.block?.name === frame.block) : [];
  const nodes: Record<string, NodeInfo> = Object.create(null);
  const diagnostics: Diagnostic[] = [];
  nodes[BLOCK_INPUT] = { id: BLOCK_INPUT, type: BLOCK_INPUT_TYPE, shape: inside?.input.shape ?? null, params: 0, macs: 0, rf: inside?.input.rf ?? null, diagnostics: [], torch: '' };
  const inputsOf: Record<string, string[]> = Object.create(null);
  for (const e of view.edges) (inputsOf[e.target] ??= []).push(e.source);
  for (const n of view.nodes) {
    if (isIn(n)) continue;
    const out = inside?.nodes[n.id] ?? null;
    const ds = [
      ...(inside?.problems.filter((p) => p.inner === n.id).map((p) => ({ ...local(p.diagnostic), nodeId: n.id })) ?? []),
      ...ownProblems.filter((d) => d.block?.node === n.id).map((d) => ({ ...d, nodeId: n.id })),
    ];
    diagnostics.push(...ds);
    const spec = specOf(n.data.type, lib);
    nodes[n.id] = {
      id: n.id, type: n.data.type, shape: out?.shape ?? null, params: out?.params ?? 0, macs: out?.macs ?? 0, rf: out?.rf ?? null, diagnostics: ds,
      torch: n.data.repeat !== undefined ? 'Sequential' : spec?.torch ?? n.data.type, ...(inside?.children[n.id] ? { inside: inside.children[n.id] } : {}),
    };
  }
  diagnostics.push(...ownProblems.filter((d) => d.block?.node === undefined));
  const order = [BLOCK_INPUT, ...(inside?.graph.nodes.map((n) => n.id).filter((id) => here.has(id)) ?? []), ...view.nodes.map((n) => n.id).filter((id) => id !== BLOCK_INPUT && !inside?.graph.nodes.some((g) => g.id === id))];
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return {
    order, nodes, inputsOf, diagnostics, counts: { errors, warnings: diagnostics.length - errors },
    totals: { params: inside?.out?.params ?? 0, macs: inside?.out?.macs ?? 0 },
    ok: whole.ok, inputId: BLOCK_INPUT, outputId: inside?.graph.output ?? null,
  };
}

/** Before a level is analysed: an "in" node wherever a block is open, and no edge into it. */
function withInput(view: BlocksView): BlocksView {
  if (!view.frames.length) return view;
  const edges = view.edges.some((e) => e.target === BLOCK_INPUT) ? view.edges.filter((e) => e.target !== BLOCK_INPUT) : view.edges;
  const nodes = view.nodes.some(isIn) ? view.nodes : [inputNode(view.nodes, edges), ...view.nodes];
  return nodes === view.nodes && edges === view.edges ? view : { ...view, nodes, edges };
}

/**
 * The nodes, edges and analysis views of the level in view after a change: what graph-slice's
 * commit stores. At the top level this is the whole document's analysis as ever.
 */
export function viewCommit(view: BlocksView, prev: AnalysisViews | null): { nodes: LayerNode[]; edges: ShapeEdge[] } & AnalysisViews {
  const v = withInput(view);
  const doc = fullDoc(v);
  const whole = analyzeGraph(doc);
  if (!v.frames.length) return { nodes: v.nodes, edges: v.edges, ...viewsOf(doc, whole, prev, (x) => analyzeGraph(x, { checkFixes: false })) };
  const editable = v.frames[v.frames.length - 1].block !== null;
  // A fix inside is checked like any other: applied to this level, the whole document re-analysed.
  const reanalyze = (x: GraphDoc): Analysis => {
    const lv = { ...v, ...fromDoc(x) };
    const w = analyzeGraph(fullDoc(lv), { checkFixes: false });
    return levelAnalysis(w, openedInside(w, lv.frames), lv, editable);
  };
  const here = toDoc(v.nodes, v.edges, v.name);
  const level = levelAnalysis(whole, openedInside(whole, v.frames), v, editable);
  if (editable) offerFixes(here, level, reanalyze);
  return { nodes: v.nodes, edges: v.edges, ...viewsOf(here, level, prev, reanalyze) };
}
