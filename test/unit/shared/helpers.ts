/** Small builders so each test states only the graph it is about. */

import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type GraphNode, type ParamValue } from '../../../shared/graph/types';

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
