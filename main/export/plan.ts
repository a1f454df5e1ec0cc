/**
 * The network an export writes, from the same analysis the canvas and the compiler use: every
 * node in topological order with its resolved params and NCHW shapes, and every block opened into
 * its inside (the layer modules' `expand`), with the shapes of the inside taken from the shape
 * engine run over the opened graph. So the export sees exactly what the compiler builds: a block
 * is its expansion, and in-channels are the shape engine's.
 */

import { buildLibrary, type Library } from '../../shared/graph/blocks';
import { checkParams, resolveParams, type ResolvedParams } from '../../shared/graph/resolve';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type GraphNode, type NodeInit } from '../../shared/graph/types';
import { insideOf, type LayerType } from '../../shared/layers/index';
import { BLOCK_INPUT, type ParamValues } from '../../shared/layers/layer';
import { analyzeGraph, type Analysis } from '../../shared/shapes/index';

export interface PlanNode {
  /** The node's id in its scope: the graph's id, or the inner id inside a block. */
  id: string;
  /** From the top: ["b2_res1", "conv1"]. The compiler reports its layers by the same path. */
  path: string[];
  type: LayerType;
  params: ResolvedParams;
  /** The params as checked (defaults filled in, pairs as written): what a block class is called with. */
  values: ParamValues;
  /** Ids in the same scope, in input-slot order; BLOCK_INPUT is the block's own input. */
  inputs: string[];
  /** NCHW (or [1, F]) with batch 1, per input. */
  inShapes: number[][];
  outShape: number[];
  /** A block's inside; null for a layer. */
  inner: PlanScope | null;
  /** For a layer: the layers its inputs come from, blocks looked through (what ONNX wires). */
  from: PlanNode[];
  /** A layer's fixed starting weights (GraphNode.init: the Kernel lab's "use this kernel"). */
  init?: NodeInit;
}

export interface PlanScope {
  /** Topological; the top scope starts with the Input. */
  nodes: PlanNode[];
  output: string;
}

export interface ExportPlan {
  doc: GraphDoc;
  analysis: Analysis;
  top: PlanScope;
  inputId: string;
  /** Every layer (no blocks), top to bottom as the compiler builds them, Input first. */
  layers: PlanNode[];
  /** [1, C, H, W]. */
  inputShape: number[];
  /** Trainable parameters, as the summary counts them. */
  params: number;
}

export class PlanFailure extends Error {}

/**
 * A node's type as the plan groups blocks into classes: a document block ("block:vgg_block") and
 * a repeat ("repeat:Conv2d", the copies in series) have no layer module, so each gets a class
 * written out from its inside (block-classes.ts's concrete classes).
 */
function planType(g: GraphNode): LayerType {
  return (g.repeat !== undefined ? `repeat:${g.type}` : g.type) as LayerType;
}

interface Opened {
  node: PlanNode;
  /** The flat id of the node's output (for a block: its output's). */
  flatOut: string;
}

/**
 * The graph with blocks opened, as an ordinary document the shape engine can analyse. Flat ids are
 * generated ("#0", "#1", ...): node ids may contain any character, so paths cannot be joined into ids.
 */
class Opener {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  /** Flat id → the plan node it stands for (layers only). */
  readonly byFlat = new Map<string, PlanNode>();
  private next = 0;
  constructor(private readonly lib: Library) {}

  add(node: PlanNode, inputs: string[]): string {
    const flat = `#${this.next++}`;
    this.nodes.push({ id: flat, type: node.type, params: node.values });
    inputs.forEach((src, i) => this.edges.push({ source: src, target: flat, targetHandle: `in${i}` }));
    node.from = inputs.map((src) => this.byFlat.get(src) as PlanNode);
    this.byFlat.set(flat, node);
    return flat;
  }

  /** A node and, for a block, its inside; `inputs` are flat ids. */
  open(id: string, path: string[], type: LayerType, values: ParamValues, params: ResolvedParams, inputIds: string[], inputs: string[], init?: NodeInit): Opened {
    const inside = insideOf(params);
    const node: PlanNode = { id, path, type, params, values, inputs: inputIds, inShapes: [], outShape: [], inner: null, from: [] };
    // As the compiler does: fixed weights belong to a layer; a block's (a repeat's) copies start as usual.
    if (init && !inside) node.init = init;
    if (!inside) return { node, flatOut: this.add(node, inputs) };
    const flatOf = new Map<string, string>([[BLOCK_INPUT, inputs[0]]]);
    const nodes: PlanNode[] = [];
    for (const inner of inside.nodes) {
      const g: GraphNode = { id: inner.id, type: inner.type, params: inner.params, ...(inner.repeat !== undefined ? { repeat: inner.repeat } : {}) };
      const checked = checkParams(g, this.lib);
      if (!checked.values) throw new PlanFailure(`${type} ${path.join('.')}: its inner ${inner.type} ${inner.id} has invalid params.`);
      const p = resolveParams(g, this.lib);
      const opened = this.open(inner.id, [...path, inner.id], planType(g), checked.values, p, inner.inputs, inner.inputs.map((s) => flatOf.get(s) as string), inner.init);
      flatOf.set(inner.id, opened.flatOut);
      nodes.push(opened.node);
    }
    node.inner = { nodes, output: inside.output };
    return { node, flatOut: flatOf.get(inside.output) as string };
  }
}

/**
 * The plan of a graph the analysis found valid. Throws PlanFailure when the opened graph does not
 * analyse like the graph itself (it always should: a block is its expansion).
 */
export function planExport(doc: GraphDoc, analysis: Analysis = analyzeGraph(doc)): ExportPlan {
  if (!analysis.ok || !analysis.inputId || !analysis.outputId) throw new PlanFailure('The graph has errors; it cannot be exported.');
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const lib = buildLibrary(doc.blocks);
  const opener = new Opener(lib);
  const flatOf = new Map<string, string>();
  const nodes: PlanNode[] = [];
  for (const id of analysis.order) {
    const g = byId.get(id) as GraphNode;
    const checked = checkParams(g, lib);
    const params = resolveParams(g, lib);
    const inputs = analysis.inputsOf[id] ?? [];
    const opened = opener.open(id, [id], planType(g), checked.values as ParamValues, params, inputs, inputs.map((s) => flatOf.get(s) as string), g.init);
    flatOf.set(id, opened.flatOut);
    nodes.push(opened.node);
  }

  const flatDoc: GraphDoc = { format: GRAPH_FORMAT, version: GRAPH_VERSION, name: doc.name, nodes: opener.nodes, edges: opener.edges };
  const flat = analyzeGraph(flatDoc);
  if (!flat.ok || flat.totals.params !== analysis.totals.params) {
    const first = flat.diagnostics.find((d) => d.severity === 'error');
    throw new PlanFailure(`The graph with its blocks opened does not analyse like the graph itself (${first ? first.message : `${flat.totals.params} vs ${analysis.totals.params} params`}). Please report this graph.`);
  }
  const layers: PlanNode[] = [];
  for (const flatId of flat.order) {
    const node = opener.byFlat.get(flatId) as PlanNode;
    node.outShape = flat.nodes[flatId].shape as number[];
    node.inShapes = (flat.inputsOf[flatId] ?? []).map((s) => flat.nodes[s].shape as number[]);
    layers.push(node);
  }
  // A block's shapes are those of its inside: its input's and its output node's.
  const fill = (scope: PlanScope, blockIn: number[][]): void => {
    const shapeOf = new Map<string, number[]>();
    for (const n of scope.nodes) {
      if (n.inner) {
        n.inShapes = n.inputs.map((s) => (s === BLOCK_INPUT ? blockIn[0] : shapeOf.get(s) as number[]));
        fill(n.inner, n.inShapes);
        n.outShape = shapeOf.get(n.id) ?? (n.inner.nodes.find((m) => m.id === n.inner!.output) as PlanNode).outShape;
      }
      shapeOf.set(n.id, n.outShape);
    }
  };
  fill({ nodes, output: analysis.outputId }, []);
  for (const n of nodes) {
    const want = analysis.nodes[n.id].shape;
    if (!want || want.join() !== n.outShape.join()) throw new PlanFailure(`${n.type} ${n.id}: the opened graph gives [${n.outShape.join(', ')}], the graph [${want?.join(', ')}]. Please report this graph.`);
  }
  return {
    doc, analysis, top: { nodes, output: analysis.outputId }, inputId: analysis.inputId, layers,
    inputShape: analysis.nodes[analysis.inputId].shape as number[], params: analysis.totals.params,
  };
}

/** Whether the top scope is a plain chain (each layer feeds only the next): d2l's nn.Sequential. */
export function isChain(scope: PlanScope): boolean {
  const consumers = new Map<string, number>();
  for (const n of scope.nodes) for (const s of n.inputs) consumers.set(s, (consumers.get(s) ?? 0) + 1);
  return scope.nodes.every((n, i) => (i === 0 ? n.inputs.length === 0 : n.inputs.length === 1 && n.inputs[0] === scope.nodes[i - 1].id))
    && [...consumers.values()].every((c) => c === 1);
}
