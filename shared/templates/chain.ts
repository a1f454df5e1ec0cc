/**
 * Templates are plain graphs. Most are a straight chain, so they are written as a list of layers
 * and wired here, laid out top to bottom the way d2l prints them.
 */

import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphNode, type ParamValue } from '../graph/types';

export interface Layer {
  id: string;
  type: string;
  params?: Record<string, ParamValue>;
}

const ROW = 90;

export function chain(name: string, layers: Layer[]): GraphDoc {
  const nodes: GraphNode[] = layers.map((l, i) => ({ id: l.id, type: l.type, params: { ...(l.params ?? {}) }, position: { x: 0, y: i * ROW } }));
  const edges = layers.slice(1).map((l, i) => ({ source: layers[i].id, target: l.id }));
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, nodes, edges };
}

export const input = (channels: number, size: number): Layer => ({ id: 'input', type: 'Input', params: { channels, height: size, width: size } });
