/**
 * Input slots. A one-input layer has one target handle (id null); Add and Concat have numbered
 * ones, "in0", "in1", …, because their input order matters (torch.cat([a, b], 1) is not
 * torch.cat([b, a], 1)) and the shape engine orders inputs by that handle. The canvas draws a
 * handle per used slot plus one free one, so there is always somewhere to drop the next wire.
 */

import { nodeSpec } from '../../shared/graph/catalogue';
import type { GraphEdge } from '../../shared/graph/types';

type SlotEdge = { target: string; targetHandle?: string | null };

export const slotHandle = (i: number): string => `in${i}`;

/** The slot an "inN" handle names, or -1. */
export function slotIndex(handle: string | null | undefined): number {
  const m = handle ? /^in(\d{1,6})$/.exec(handle) : null;
  return m ? Number(m[1]) : -1;
}

export const takesMany = (type: string | undefined): boolean => nodeSpec(type ?? '')?.inputs === 'many';

/** How many handles a multi-input node shows: every used slot and one free one, at least two. */
export function slotCount(edges: readonly SlotEdge[], target: string): number {
  let top = -1;
  for (const e of edges) if (e.target === target) top = Math.max(top, slotIndex(e.targetHandle));
  return Math.max(2, top + 2);
}

/** The lowest slot of `target` no edge uses. */
export function freeSlot(edges: readonly SlotEdge[], target: string): string {
  const used = new Set<number>();
  for (const e of edges) if (e.target === target) used.add(slotIndex(e.targetHandle));
  let i = 0;
  while (used.has(i)) i++;
  return slotHandle(i);
}

/**
 * Gives every edge into a multi-input node an explicit slot, in the order the shape engine reads
 * them already (slot order, then edge order for edges without one), so what the file meant is
 * what the canvas draws. Other edges are returned unchanged.
 */
export function withSlots<E extends GraphEdge>(edges: readonly E[], typeOf: (id: string) => string | undefined): E[] {
  const into = new Map<string, number[]>();
  edges.forEach((e, at) => {
    if (!takesMany(typeOf(e.target))) return;
    const list = into.get(e.target) ?? [];
    list.push(at);
    into.set(e.target, list);
  });
  if (into.size === 0) return [...edges];
  const out = [...edges];
  for (const list of into.values()) {
    const key = (at: number) => {
      const i = slotIndex(edges[at].targetHandle);
      return i >= 0 ? i : 1e7 + at;
    };
    const ordered = [...list].sort((a, b) => key(a) - key(b) || a - b);
    // Slots already distinct and explicit stay as they are, gaps included.
    const explicit = ordered.every((at) => slotIndex(edges[at].targetHandle) >= 0) && new Set(ordered.map(key)).size === ordered.length;
    if (explicit) continue;
    ordered.forEach((at, i) => {
      out[at] = { ...edges[at], targetHandle: slotHandle(i) };
    });
  }
  return out;
}
