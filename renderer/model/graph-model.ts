/**
 * Pure helpers between the canvas's React Flow nodes/edges and the convstudio.graph document:
 * conversion, id allocation, connection rules and applying diagnostic fixes. No React, no store,
 * so they are unit-tested directly.
 */

import type { Edge, Node } from '@xyflow/react';
import { nodeSpec } from '../../shared/graph/catalogue';
import { GRAPH_FORMAT, GRAPH_VERSION, type Fix, type GraphDoc, type GraphEdge, type ParamValue } from '../../shared/graph/types';

export interface LayerData extends Record<string, unknown> {
  type: string;
  params: Record<string, ParamValue>;
  /** GraphNode.repeat and .expanded (renderer/blocks/). */
  repeat?: number | string;
  expanded?: boolean;
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

export function fromDoc(doc: GraphDoc): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  return {
    nodes: doc.nodes.map((n) => ({ id: n.id, type: 'layer', position: n.position ?? { x: 0, y: 0 }, data: layerData(n) })),
    edges: doc.edges.map(flowEdge),
  };
}

/** A node's canvas data: its type and a copy of its params, and a block's repeat and expanded state. */
export function layerData(n: { type: string; params: Record<string, ParamValue>; repeat?: number | string; expanded?: boolean }): LayerData {
  return { type: n.type, params: structuredClone(n.params), ...(n.repeat !== undefined ? { repeat: n.repeat } : {}), ...(n.expanded ? { expanded: true } : {}) };
}

/** A fresh id like "conv2d_3" (or "vgg_block_1" for a block) that is not in `taken` (which it then joins). */
export function freshId(type: string, taken: Set<string>): string {
  const base = type.startsWith('block:') ? type.slice('block:'.length).replace(/[^A-Za-z0-9_]+/g, '') : type.toLowerCase().replace(/[^a-z0-9]+/g, '');
  for (let i = 1; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/**
 * Copies nodes and the edges among them under fresh ids (templates dropped next to existing
 * nodes, pasted selections).
 */
export function cloneWithFreshIds(
  nodes: readonly { id: string; type: string; params: Record<string, ParamValue>; repeat?: number | string; expanded?: boolean; position?: { x: number; y: number } }[],
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

/** Why connecting source → target must be refused, or null when it is allowed. */
export function connectionRefusal(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], source: string, target: string): string | null {
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

/** Nodes reachable downstream of `from` (inclusive), for making room when a node is inserted. */
export function downstream(edges: readonly ShapeEdge[], from: string): Set<string> {
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return seen;
}

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 96;
const ROW = NODE_HEIGHT + 60;

/** Applies a Diagnostic's fix as plain data manipulation. Returns null when it no longer applies. */
export function applyFixTo(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], fix: Fix): { nodes: LayerNode[]; edges: ShapeEdge[]; select?: string } | null {
  switch (fix.kind) {
    case 'setParam': {
      if (!nodes.some((n) => n.id === fix.nodeId)) return null;
      return {
        nodes: nodes.map((n) => (n.id === fix.nodeId ? { ...n, data: { ...n.data, params: { ...n.data.params, [fix.param]: fix.value } } } : n)),
        edges: [...edges],
      };
    }
    case 'removeEdge': {
      const kept = edges.filter((e) => !(e.source === fix.source && e.target === fix.target));
      return kept.length === edges.length ? null : { nodes: [...nodes], edges: kept };
    }
    case 'removeNode': {
      if (!nodes.some((n) => n.id === fix.nodeId)) return null;
      return { nodes: nodes.filter((n) => n.id !== fix.nodeId), edges: edges.filter((e) => e.source !== fix.nodeId && e.target !== fix.nodeId) };
    }
    case 'insertNode': {
      const before = nodes.find((n) => n.id === fix.beforeNodeId);
      const old = edges.find((e) => e.source === fix.edgeSource && e.target === fix.beforeNodeId);
      if (!before || !old) return null;
      const id = freshId(fix.nodeType, new Set(nodes.map((n) => n.id)));
      // Push the rest of the chain down a row so the new node does not land on top of it.
      const moved = downstream(edges, fix.beforeNodeId);
      const shifted = nodes.map((n) => (moved.has(n.id) ? { ...n, position: { x: n.position.x, y: n.position.y + ROW } } : n));
      const node: LayerNode = { id, type: 'layer', position: { ...before.position }, data: { type: fix.nodeType, params: { ...(fix.params ?? {}) } } };
      const rest = edges.filter((e) => e !== old);
      return {
        nodes: [...shifted, node],
        edges: [...rest, flowEdge({ source: fix.edgeSource, target: id }), flowEdge({ source: id, target: fix.beforeNodeId, targetHandle: old.targetHandle ?? undefined })],
        select: id,
      };
    }
  }
}

const PUSH_GAP = 48;

/**
 * Pushes layers down where one now overlaps another (a layer grows when it shows a diagnostic).
 * Only vertical moves, only where boxes overlap, so the user's own arrangement is otherwise kept.
 */
export function pushDownOverlaps(nodes: readonly LayerNode[]): LayerNode[] {
  const h = (n: LayerNode) => n.measured?.height ?? NODE_HEIGHT;
  const w = (n: LayerNode) => n.measured?.width ?? NODE_WIDTH;
  const order = [...nodes].sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x);
  const placed: LayerNode[] = [];
  const moved = new Map<string, LayerNode>();
  for (const n of order) {
    let y = n.position.y;
    for (const p of placed) {
      const sideBySide = n.position.x + w(n) <= p.position.x || p.position.x + w(p) <= n.position.x;
      if (sideBySide || p.position.y > y) continue;
      const bottom = p.position.y + h(p);
      if (y < bottom + (y > p.position.y ? PUSH_GAP : 0) && y >= p.position.y) y = bottom + PUSH_GAP;
    }
    const out = y === n.position.y ? n : { ...n, position: { x: n.position.x, y } };
    if (out !== n) moved.set(n.id, out);
    placed.push(out);
  }
  return moved.size ? nodes.map((n) => moved.get(n.id) ?? n) : (nodes as LayerNode[]);
}
