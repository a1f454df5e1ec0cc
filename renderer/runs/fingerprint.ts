/**
 * Whether two graphs are the same network: the same layers with the same parameters, wired the
 * same way, with the same block definitions. Ids, positions and the graph's name do not count (a template on the canvas has fresh
 * ids; a run's graph.json keeps the ones it was trained with), and neither does the order nodes
 * and edges are listed in.
 */

import type { GraphDoc, GraphNode } from '../../shared/graph/types';

const sortedJson = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
};

/** Where things are drawn, and whether a block is drawn open, are view state, not the network. */
const VIEW_KEYS = new Set(['position', 'expanded']);
const withoutView = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutView);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !VIEW_KEYS.has(k)).map(([k, x]) => [k, withoutView(x)]));
  return v;
};

const layerKey = (n: GraphNode): string => `${n.type}${sortedJson(n.params)}${n.repeat !== undefined ? `*${String(n.repeat)}` : ''}${n.init ? sortedJson(n.init) : ''}`;

/** A text equal for two graphs exactly when they are the same network in the sense above. */
export function networkFingerprint(doc: GraphDoc): string {
  const byId = new Map(doc.nodes.map((n) => [n.id, layerKey(n)]));
  const layers = [...byId.values()].sort();
  const wires = doc.edges.map((e) => `${byId.get(e.source)}>${byId.get(e.target)}@${e.targetHandle ?? ''}`).sort();
  // Block definitions count as written (a block's inside is part of the network that uses it).
  return `${layers.join('|')}#${wires.join('|')}#${doc.blocks ? sortedJson(withoutView(doc.blocks)) : ''}`;
}

export const sameNetwork = (a: GraphDoc, b: GraphDoc): boolean => networkFingerprint(a) === networkFingerprint(b);
