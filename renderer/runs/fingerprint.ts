/**
 * Whether two graphs are the same network: the same layers with the same parameters, wired the
 * same way. Ids, positions and the graph's name do not count (a template on the canvas has fresh
 * ids; a run's graph.json keeps the ones it was trained with), and neither does the order nodes
 * and edges are listed in.
 */

import type { GraphDoc, GraphNode } from '../../shared/graph/types';

const sortedJson = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
};

const layerKey = (n: GraphNode): string => `${n.type}${sortedJson(n.params)}${n.init ? sortedJson(n.init) : ''}`;

/** A text equal for two graphs exactly when they are the same network in the sense above. */
export function networkFingerprint(doc: GraphDoc): string {
  const byId = new Map(doc.nodes.map((n) => [n.id, layerKey(n)]));
  const layers = [...byId.values()].sort();
  const wires = doc.edges.map((e) => `${byId.get(e.source)}>${byId.get(e.target)}@${e.targetHandle ?? ''}`).sort();
  return `${layers.join('|')}#${wires.join('|')}`;
}

export const sameNetwork = (a: GraphDoc, b: GraphDoc): boolean => networkFingerprint(a) === networkFingerprint(b);
