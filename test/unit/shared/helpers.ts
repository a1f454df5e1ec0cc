/** Small builders so each test states only the graph it is about. */

import { GRAPH_FORMAT, GRAPH_VERSION, type Fix, type GraphDoc, type GraphEdge, type GraphNode, type ParamValue } from '../../../shared/graph/types';
import { BLOCK_INPUT } from '../../../shared/layers/layer';
import { residualGraph, type ResidualParams } from '../../../shared/layers/residual';

export type NodeSpecLite = [id: string, type: string, params?: Record<string, ParamValue>];

export function graph(nodes: NodeSpecLite[], edges: (GraphEdge | [string, string])[]): GraphDoc {
  return {
    format: GRAPH_FORMAT, version: GRAPH_VERSION, name: 'test',
    nodes: nodes.map(([id, type, params]): GraphNode => ({ id, type, params: params ?? {} })),
    edges: edges.map((e) => (Array.isArray(e) ? { source: e[0], target: e[1] } : e)),
  };
}

/** A straight chain: each node feeds the next. */
export function chainOf(nodes: NodeSpecLite[]): GraphDoc {
  return graph(nodes, nodes.slice(1).map((n, i) => [nodes[i][0], n[0]] as [string, string]));
}

export const input = (c: number, h: number, w = h): NodeSpecLite => ['input', 'Input', { channels: c, height: h, width: w }];

/** Every Residual node replaced by its inside as ordinary nodes "r_conv1", ..., the output keeping the id "r". */
export function expandResiduals(doc: GraphDoc): GraphDoc {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = doc.edges.map((e) => ({ ...e }));
  for (const node of doc.nodes) {
    if (node.type !== 'Residual') {
      nodes.push(node);
      continue;
    }
    const p = { type: 'Residual', use_1x1conv: false, strides: 1, ...node.params } as ResidualParams;
    const inside = residualGraph(p);
    const flatId = (inner: string) => (inner === inside.output ? node.id : `${node.id}_${inner}`);
    const feed = edges.filter((e) => e.target === node.id);
    for (const e of feed) edges.splice(edges.indexOf(e), 1);
    for (const inner of inside.nodes) {
      nodes.push({ id: flatId(inner.id), type: inner.type, params: inner.params });
      inner.inputs.forEach((src, slot) => {
        const handle = inner.inputs.length > 1 ? { targetHandle: `in${slot}` } : {};
        if (src === BLOCK_INPUT) for (const e of feed) edges.push({ source: e.source, target: flatId(inner.id), ...handle });
        else edges.push({ source: flatId(src), target: flatId(inner.id), ...handle });
      });
    }
  }
  return { ...doc, nodes, edges };
}

/**
 * The Fix contract from shared/graph/types.ts, applied the simplest way: the reference the
 * engine's own fix checker (shared/shapes/fixes.ts) and the canvas are held to.
 */
export function applyFix(doc: GraphDoc, fix: Fix): GraphDoc {
  const next: GraphDoc = structuredClone(doc);
  switch (fix.kind) {
    case 'setParam':
      next.nodes.find((n) => n.id === fix.nodeId)!.params[fix.param] = fix.value;
      break;
    case 'removeEdge':
      next.edges = next.edges.filter((e) => !(e.source === fix.source && e.target === fix.target));
      break;
    case 'removeNode':
      next.nodes = next.nodes.filter((n) => n.id !== fix.nodeId);
      next.edges = next.edges.filter((e) => e.source !== fix.nodeId && e.target !== fix.nodeId);
      break;
    case 'insertNode': {
      const id = `${fix.nodeType.toLowerCase()}_fix`;
      const old = next.edges.find((e) => e.source === fix.edgeSource && e.target === fix.beforeNodeId)!;
      next.nodes.push({ id, type: fix.nodeType, params: { ...(fix.params ?? {}) } });
      next.edges = next.edges.filter((e) => e !== old);
      next.edges.push({ source: fix.edgeSource, target: id }, { source: id, target: fix.beforeNodeId, ...(old.targetHandle ? { targetHandle: old.targetHandle } : {}) });
      break;
    }
  }
  return next;
}
