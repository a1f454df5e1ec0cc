/** Small builders so each test states only the graph it is about. */

import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type GraphNode, type ParamValue } from '../../../shared/graph/types';
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
