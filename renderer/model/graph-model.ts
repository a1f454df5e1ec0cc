/**
 * Pure helpers between the canvas's React Flow nodes/edges and the convstudio.graph document:
 * conversion, id allocation and connection rules. No React, no store, so they are unit-tested
 * directly; the edits built on them are in edits.ts.
 */

import { Position, type Edge, type Node } from '@xyflow/react';
import { nodeSpec } from '../../shared/graph/catalogue';
import { freshId } from '../../shared/graph/ids';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type NodeInit, type ParamValue } from '../../shared/graph/types';
import { slotIndex, withSlots } from './inputs';

export { freshId } from '../../shared/graph/ids';

export interface LayerData extends Record<string, unknown> {
  type: string;
  params: Record<string, ParamValue>;
  /** GraphNode.repeat and .expanded (renderer/blocks/). */
  repeat?: number | string;
  expanded?: boolean;
  /** Fixed initial weights (a kernel from the Kernel lab); carried through untouched. */
  init?: NodeInit;
}
export type LayerNode = Node<LayerData, 'layer'>;
export type ShapeEdge = Edge<Record<string, unknown>, 'shape'>;

export const edgeId = (e: { source: string; target: string; targetHandle?: string | null }) =>
  `${e.source}->${e.target}${e.targetHandle ? `:${e.targetHandle}` : ''}`;

export function toDoc(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], name: string): GraphDoc {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    name,
    nodes: nodes.map((n) => ({
      id: n.id, type: n.data.type, params: n.data.params,
      ...(n.data.repeat !== undefined ? { repeat: n.data.repeat } : {}), ...(n.data.expanded ? { expanded: true } : {}),
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      ...(n.data.init ? { init: n.data.init } : {}),
    })),
    edges: edges.map((e) => {
      const out: GraphEdge = { source: e.source, target: e.target };
      if (e.targetHandle) out.targetHandle = e.targetHandle;
      return out;
    }),
  };
}

export function flowEdge(e: GraphEdge): ShapeEdge {
  return { id: edgeId(e), source: e.source, target: e.target, targetHandle: e.targetHandle ?? null, type: 'shape' };
}

/** The canvas's nodes and edges; every edge into Add or Concat gets its numbered slot. */
export function fromDoc(doc: GraphDoc): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  const types = new Map(doc.nodes.map((n) => [n.id, n.type]));
  return {
    nodes: doc.nodes.map((n) => ({ id: n.id, type: 'layer', position: n.position ?? { x: 0, y: 0 }, data: layerData(n) })),
    edges: withSlots(doc.edges, (id) => types.get(id)).map(flowEdge),
  };
}

/** A node's canvas data: its type and a copy of its params, a block's repeat and expanded state, a copy of its fixed initial weights. */
export function layerData(n: { type: string; params: Record<string, ParamValue>; repeat?: number | string; expanded?: boolean; init?: NodeInit }): LayerData {
  return {
    type: n.type, params: structuredClone(n.params), ...(n.repeat !== undefined ? { repeat: n.repeat } : {}), ...(n.expanded ? { expanded: true } : {}),
    ...(n.init ? { init: structuredClone(n.init) } : {}),
  };
}

/**
 * Copies nodes and the edges among them under fresh ids (templates dropped next to existing
 * nodes, pasted selections).
 */
export function cloneWithFreshIds(
  nodes: readonly { id: string; type: string; params: Record<string, ParamValue>; repeat?: number | string; expanded?: boolean; position?: { x: number; y: number }; init?: NodeInit }[],
  edges: readonly GraphEdge[],
  taken: Set<string>,
): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  const map = new Map<string, string>();
  for (const n of nodes) map.set(n.id, taken.has(n.id) ? freshId(n.type, taken) : (taken.add(n.id), n.id));
  return {
    nodes: nodes.map((n) => ({ id: map.get(n.id)!, type: 'layer', position: n.position ?? { x: 0, y: 0 }, data: layerData(n) })),
    edges: edges
      .filter((e) => map.has(e.source) && map.has(e.target))
      .map((e) => flowEdge({ ...e, source: map.get(e.source)!, target: map.get(e.target)! })),
  };
}

const labelOf = (nodes: readonly LayerNode[], id: string) => {
  const n = nodes.find((x) => x.id === id);
  return n ? `${nodeSpec(n.data.type)?.label ?? n.data.type} "${n.id}"` : `"${id}"`;
};

/**
 * Why connecting source → target must be refused, or null when it is allowed. `handle` is the
 * input slot of a multi-input target ("in1"), when the wire was dropped on one.
 */
export function connectionRefusal(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], source: string, target: string, handle?: string | null): string | null {
  if (source === target) return 'A layer cannot feed itself.';
  const t = nodes.find((n) => n.id === target);
  const s = nodes.find((n) => n.id === source);
  if (!t || !s) return 'Both ends must be layers on the canvas.';
  const spec = nodeSpec(t.data.type);
  if (spec?.inputs === 0) return `${labelOf(nodes, target)} takes no inputs: it is where the image enters the network.`;
  if (edges.some((e) => e.source === source && e.target === target)) return `${labelOf(nodes, source)} already feeds ${labelOf(nodes, target)}.`;
  if (spec?.inputs === 1) {
    const existing = edges.find((e) => e.target === target);
    if (existing) return `${labelOf(nodes, target)} already has its input (from "${existing.source}"). Delete that edge first, or merge both with Add or Concat.`;
  }
  if (spec?.inputs === 'many' && slotIndex(handle) >= 0) {
    const existing = edges.find((e) => e.target === target && e.targetHandle === handle);
    if (existing) return `Input ${slotIndex(handle) + 1} of ${labelOf(nodes, target)} is taken (by "${existing.source}"). Drop the wire on the free input, or on the layer itself.`;
  }
  // A path target ⇝ source would close a cycle; networks here are feed-forward.
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const stack = [target];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === source) return `That would make a cycle: ${labelOf(nodes, target)} already feeds ${labelOf(nodes, source)}.`;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return null;
}

/** A layer card's size before React Flow has measured it (styles.css .layer-node). */
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 96;

/**
 * From this many layers on, React Flow mounts only what is in view: a 10,000-layer file would
 * otherwise mount 20,000 components before its first paint. Smaller graphs keep every label in
 * the page (find-in-page, tests reading all shapes).
 */
export const LARGE_GRAPH = 1000;

const HANDLE = 9;

/**
 * A layer with a size and handles given up front, where LayerNode.tsx will draw them. React Flow
 * mounts every layer it has not measured, whether in view or not, only to measure it: for a
 * 10,000-layer file that is the whole file mounted and unmounted again before the first paint.
 * With these it mounts only what is in view; once measured, the measured handles take over
 * (withoutPlaceholders). `inputs` is the node's spec's, which for a document's block only the
 * store knows.
 */
export function withPlaceholders(node: LayerNode, slots: number | undefined, inputs = nodeSpec(node.data.type)?.inputs): LayerNode {
  const targets =
    inputs === 1
      ? [{ id: null, type: 'target' as const, position: Position.Top, x: NODE_WIDTH / 2 - HANDLE / 2, y: -HANDLE / 2, width: HANDLE, height: HANDLE }]
      : inputs === 'many'
        ? Array.from({ length: slots ?? 2 }, (_, i) => ({ id: `in${i}`, type: 'target' as const, position: Position.Top, x: (NODE_WIDTH * (i + 1)) / ((slots ?? 2) + 1) - HANDLE / 2, y: -HANDLE / 2, width: HANDLE, height: HANDLE }))
        : [];
  const source = { id: null, type: 'source' as const, position: Position.Bottom, x: NODE_WIDTH / 2 - HANDLE / 2, y: NODE_HEIGHT - HANDLE / 2, width: HANDLE, height: HANDLE };
  return { ...node, initialWidth: NODE_WIDTH, initialHeight: NODE_HEIGHT, handles: [...targets, source] };
}

/** The layer without its placeholder handles (it has been measured: React Flow's own handles count now). */
export function withoutPlaceholders(node: LayerNode): LayerNode {
  if (!node.handles) return node;
  const { handles: _placeholders, ...rest } = node;
  return rest;
}
