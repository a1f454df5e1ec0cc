/**
 * A document with every block and repeat replaced by the layers inside it: the graph a block
 * stands for. Inner nodes get their PyTorch module path as id ("b1.convs.0.conv"), edges are
 * rewired through the blocks' inputs and outputs, and the result has no `blocks`. Tests use it to
 * prove a block is exactly its expansion; exporters may use it to write a flat model.
 */

import { buildLibrary } from './blocks';
import { tryResolveParams } from './resolve';
import type { GraphDoc, GraphEdge, GraphNode, NodeInit, ParamValue } from './types';
import { insideOf } from '../layers/index';
import { BLOCK_INPUT } from '../layers/layer';
import { analyzeGraph, type Analysis } from '../shapes/analyze';

export function flattenDoc(doc: GraphDoc): GraphDoc {
  return flattenWithPaths(doc).doc;
}

/**
 * flattenDoc, also giving each flat node's path from the top (["b1", "convs", "0", "conv"]), so
 * a caller can name layers as the compiler does without splitting ids that may hold dots.
 * `given` is analyzeGraph(doc), when the caller already holds it.
 */
export function flattenWithPaths(doc: GraphDoc, given?: Analysis): { doc: GraphDoc; paths: Map<string, string[]> } {
  const lib = buildLibrary(doc.blocks);
  const analysis = given ?? analyzeGraph(doc);
  const paths = new Map<string, string[]>();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];

  /** Emits one node (or its inside) fed by the flat ids `inputs`; returns the flat id of its output. */
  const emit = (id: string, path: string[], node: { type: string; params: Record<string, ParamValue>; repeat?: number | string; init?: NodeInit }, inputs: string[]): string => {
    const { params } = tryResolveParams({ id, type: node.type, params: node.params, ...(node.repeat !== undefined ? { repeat: node.repeat } : {}) }, lib);
    const inside = params ? insideOf(params) : null;
    if (!inside) {
      nodes.push({ id, type: node.type, params: { ...node.params }, ...(node.init ? { init: node.init } : {}) });
      paths.set(id, path);
      inputs.forEach((source, slot) => edges.push({ source, target: id, ...(inputs.length > 1 ? { targetHandle: `in${slot}` } : {}) }));
      return id;
    }
    const flat: Record<string, string> = { [BLOCK_INPUT]: inputs[0] };
    for (const n of inside.nodes) flat[n.id] = emit(`${id}.${n.id}`, [...path, n.id], n, n.inputs.map((s) => flat[s]));
    return flat[inside.output];
  };

  const out = new Map<string, string>();
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const id of analysis.order) {
    const node = byId.get(id);
    if (node) out.set(id, emit(id, [id], node, (analysis.inputsOf[id] ?? []).map((s) => out.get(s) ?? s)));
  }
  const { blocks: _blocks, ...rest } = doc;
  return { doc: { ...rest, nodes, edges }, paths };
}
