/**
 * The canvas's graph edits as pure functions of nodes and edges: applying a fix, deleting with
 * bridges, appending after a layer, renaming, placing a paste, making room when a layer grows.
 * Each returns new arrays (or null when nothing applies); the store commits the result as one
 * undo step.
 */

import { nodeSpec } from '../../shared/graph/catalogue';
import { freshId } from '../../shared/graph/ids';
import type { Fix, ParamValue } from '../../shared/graph/types';
import { connectionRefusal, flowEdge, NODE_HEIGHT, NODE_WIDTH, type LayerNode, type ShapeEdge } from './graph-model';
import { freeSlot, takesMany } from './inputs';

/** Vertical gap between a layer and the one appended or inserted below it. */
const GAP = 60;
const ROW = NODE_HEIGHT + GAP;
const PUSH_GAP = 48;

const heightOf = (n: LayerNode) => n.measured?.height ?? NODE_HEIGHT;
const widthOf = (n: LayerNode) => n.measured?.width ?? NODE_WIDTH;

export interface Edited {
  nodes: LayerNode[];
  edges: ShapeEdge[];
  /** A node to select afterwards (the one just added). */
  select?: string;
}

/** Nodes reachable downstream of `from` (inclusive), for making room when a node is inserted. */
export function downstream(edges: readonly ShapeEdge[], from: string): Set<string> {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const t of out.get(id) ?? []) stack.push(t);
  }
  return seen;
}

/** Moves `ids` down by `dy`. */
const shiftDown = (nodes: readonly LayerNode[], ids: ReadonlySet<string>, dy: number) =>
  nodes.map((n) => (ids.has(n.id) ? { ...n, position: { x: n.position.x, y: n.position.y + dy } } : n));

/** Applies a Diagnostic's fix as plain data manipulation. Returns null when it no longer applies. */
export function applyFixTo(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], fix: Fix): Edited | null {
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
      // The new layer takes the place of the one it feeds; that one and the rest of its chain move down a row.
      const node: LayerNode = { id, type: 'layer', position: { ...before.position }, data: { type: fix.nodeType, params: { ...(fix.params ?? {}) } } };
      const rest = edges.filter((e) => e !== old);
      return {
        nodes: pushDownOverlaps([...shiftDown(nodes, downstream(edges, fix.beforeNodeId), ROW), node]),
        edges: [...rest, flowEdge({ source: fix.edgeSource, target: id }), flowEdge({ source: id, target: fix.beforeNodeId, targetHandle: old.targetHandle ?? undefined })],
        select: id,
      };
    }
  }
}

/**
 * Deletes nodes and edges; where a deleted run of one-input layers sat between two kept ones,
 * those are joined, so deleting a chain's middle layer keeps the chain (and its input slot).
 */
export function deleteWithBridges(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>): Edited | null {
  const kept = edges.filter((e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target));
  if (!nodeIds.size && kept.length === edges.length) return null;
  const typeOf = new Map(nodes.map((n) => [n.id, n.data.type]));
  const inputsOf = new Map<string, ShapeEdge[]>();
  for (const e of edges) {
    const list = inputsOf.get(e.target);
    if (list) list.push(e);
    else inputsOf.set(e.target, [e]);
  }
  /** The kept layer feeding a deleted one through deleted one-input layers, or null. */
  const feeder = (id: string): string | null => {
    const seen = new Set<string>();
    let at = id;
    while (nodeIds.has(at)) {
      if (seen.has(at) || nodeSpec(typeOf.get(at) ?? '')?.inputs !== 1) return null;
      seen.add(at);
      const ins = (inputsOf.get(at) ?? []).filter((e) => !edgeIds.has(e.id));
      if (ins.length !== 1) return null;
      at = ins[0].source;
    }
    return at;
  };
  const remaining = nodes.filter((n) => !nodeIds.has(n.id));
  const out = [...kept];
  for (const e of edges) {
    if (!nodeIds.has(e.source) || nodeIds.has(e.target) || edgeIds.has(e.id)) continue;
    const from = feeder(e.source);
    if (from === null || connectionRefusal(remaining, out, from, e.target, e.targetHandle) !== null) continue;
    out.push(flowEdge({ source: from, target: e.target, targetHandle: e.targetHandle ?? undefined }));
  }
  return { nodes: remaining, edges: out };
}

/**
 * A new layer right after `afterId`, wired to it; where `afterId` fed exactly one layer, the new
 * one goes in between and the rest of the chain moves down to make room.
 */
export function appendAfter(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], afterId: string, type: string, params: Record<string, ParamValue>): Edited | null {
  const after = nodes.find((n) => n.id === afterId);
  if (!after) return null;
  const id = freshId(type, new Set(nodes.map((n) => n.id)));
  const wired = nodeSpec(type)?.inputs !== 0;
  const outs = edges.filter((e) => e.source === afterId);
  const splice = wired && outs.length === 1 ? outs[0] : null;
  // A second branch out of a layer that already feeds others goes beside them, not on top.
  const x = splice || outs.length === 0 ? after.position.x : Math.max(...nodes.filter((n) => outs.some((e) => e.target === n.id)).map((n) => n.position.x + widthOf(n))) + 40;
  const node: LayerNode = { id, type: 'layer', position: { x, y: after.position.y + heightOf(after) + GAP }, data: { type, params }, selected: true };
  let moved = nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  let next = [...edges];
  if (wired) next.push(flowEdge({ source: afterId, target: id, ...(takesMany(type) ? { targetHandle: 'in0' } : {}) }));
  if (splice) {
    moved = shiftDown(moved, downstream(edges, splice.target), ROW);
    next = next.filter((e) => e !== splice);
    next.push(flowEdge({ source: id, target: splice.target, targetHandle: splice.targetHandle ?? undefined }));
  }
  return { nodes: pushDownOverlaps([...moved, node]), edges: next, select: id };
}

/** The input slot a wire dropped anywhere on `target` goes to: its free one, or its only one. */
export function dropHandle(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], target: string): string | null {
  const t = nodes.find((n) => n.id === target);
  return t && takesMany(t.data.type) ? freeSlot(edges, target) : null;
}

/** The same graph with the layer `from` called `to` (edges follow it). */
export function renameNode(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], from: string, to: string): Edited {
  const rename = (id: string) => (id === from ? to : id);
  return {
    nodes: nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
    edges: edges.map((e) => (e.source === from || e.target === from ? { ...flowEdge({ source: rename(e.source), target: rename(e.target), targetHandle: e.targetHandle ?? undefined }), selected: e.selected } : e)),
  };
}

type Box = { x: number; y: number; w: number; h: number };
const boxOf = (n: { position: { x: number; y: number }; measured?: { width?: number; height?: number } }): Box => ({ x: n.position.x, y: n.position.y, w: n.measured?.width ?? NODE_WIDTH, h: n.measured?.height ?? NODE_HEIGHT });
const hits = (a: Box, b: Box, margin: number) => a.x < b.x + b.w + margin && b.x < a.x + a.w + margin && a.y < b.y + b.h + margin && b.y < a.y + a.h + margin;

/**
 * How far to move pasted copies (at their originals' positions) so that none of them covers a
 * layer on the canvas: beside the copied group, further along while that spot is taken.
 */
export function pasteOffset(existing: readonly LayerNode[], copies: readonly { position?: { x: number; y: number } }[]): { x: number; y: number } {
  const boxes = copies.map((c) => boxOf({ position: c.position ?? { x: 0, y: 0 } }));
  if (!boxes.length) return { x: 0, y: 0 };
  const left = Math.min(...boxes.map((b) => b.x));
  const right = Math.max(...boxes.map((b) => b.x + b.w));
  const step = right - left + 60;
  const top = Math.min(...boxes.map((b) => b.y));
  const bottom = Math.max(...boxes.map((b) => b.y + b.h));
  const others = existing.map(boxOf);
  for (let k = 1; k < 200; k++) {
    const dx = step * k;
    // Only layers within the shifted group's bounds can be covered (pasting everything stays linear).
    const group = { x: left + dx, y: top, w: right - left, h: bottom - top };
    const near = others.filter((o) => hits(group, o, 16));
    if (!near.length || !boxes.some((b) => near.some((o) => hits({ ...b, x: b.x + dx }, o, 16)))) return { x: dx, y: 0 };
  }
  return { x: step * 200, y: 0 };
}

/**
 * Pushes layers down where one now overlaps another (a layer grows when it shows a diagnostic).
 * Only vertical moves, only where boxes overlap, so the user's own arrangement is otherwise kept.
 * A sweep from the top: each layer is compared only with the layers above it whose bottom is
 * still within reach, so a 10,000-layer chain costs a sort, not a square.
 */
export function pushDownOverlaps(nodes: readonly LayerNode[]): LayerNode[] {
  const order = [...nodes].sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x);
  let reach: LayerNode[] = [];
  const moved = new Map<string, LayerNode>();
  for (const n of order) {
    let y = n.position.y;
    reach = reach.filter((p) => p.position.y + heightOf(p) + PUSH_GAP > n.position.y);
    for (const p of reach) {
      const sideBySide = n.position.x + widthOf(n) <= p.position.x || p.position.x + widthOf(p) <= n.position.x;
      if (sideBySide || p.position.y > y) continue;
      const bottom = p.position.y + heightOf(p);
      if (y < bottom + (y > p.position.y ? PUSH_GAP : 0) && y >= p.position.y) y = bottom + PUSH_GAP;
    }
    const out = y === n.position.y ? n : { ...n, position: { x: n.position.x, y } };
    if (out !== n) moved.set(n.id, out);
    reach.push(out);
  }
  return moved.size ? nodes.map((n) => moved.get(n.id) ?? n) : (nodes as LayerNode[]);
}
