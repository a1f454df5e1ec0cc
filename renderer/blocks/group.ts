/**
 * Grouping selected layers into a new block, as pure data: the selection becomes a definition
 * (its edges from outside start at "in") and one node of that block takes its place, wired to
 * the same source and targets. A block has one input and one output, so a selection fed from two
 * places, or whose results leave from two layers, is refused with the reason.
 */

import { IDENTIFIER } from '../../shared/graph/blocks';
import type { BlockDef, GraphNode } from '../../shared/graph/types';
import { BLOCK_INPUT } from '../../shared/layers/layer';
import { flowEdge, freshId, toDoc, type LayerNode, type ShapeEdge } from '../model/graph-model';
import { BLOCK_INPUT_TYPE } from './view';

export type Grouped = { nodes: LayerNode[]; edges: ShapeEdge[]; def: BlockDef; nodeId: string } | { error: string };

/** Why `name` cannot name a new block, or null. */
export function blockNameRefusal(name: string, taken: Readonly<Record<string, unknown>>): string | null {
  if (!IDENTIFIER.test(name) || name.startsWith('__')) return `"${name.slice(0, 40)}" cannot name a block: use letters, digits and _, starting with a letter (like vgg_block).`;
  if (Object.prototype.hasOwnProperty.call(taken, name)) return `A block named ${name} already exists; choose another name.`;
  return null;
}

/** What stops the selection from becoming one block, or null when it can (checked before asking for a name). */
export function groupRefusal(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], ids: ReadonlySet<string>): string | null {
  const r = plan(nodes, edges, ids);
  return 'error' in r ? r.error : null;
}

function plan(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], ids: ReadonlySet<string>): { error: string } | { inside: LayerNode[]; source: string; output: string } {
  const inside = nodes.filter((n) => ids.has(n.id) && n.data.type !== BLOCK_INPUT_TYPE);
  if (inside.length === 0) return { error: 'Select the layers to group first (Shift+drag, or Ctrl+click).' };
  const input = inside.find((n) => n.data.type === 'Input');
  if (input) return { error: `The Input ${input.id} cannot go inside a block: a block takes its input from the layer before it. Leave it out of the selection.` };
  const set = new Set(inside.map((n) => n.id));
  const sources = [...new Set(edges.filter((e) => set.has(e.target) && !set.has(e.source)).map((e) => e.source))];
  if (sources.length === 0) return { error: 'Nothing outside the selection feeds it; a block needs the layer before it. Select layers that follow a connected one.' };
  if (sources.length > 1) return { error: `The selection takes input from ${sources.slice(0, 3).join(' and ')}; a block has one input. Add the layers where they join, or select fewer.` };
  const exits = [...new Set(edges.filter((e) => set.has(e.source) && !set.has(e.target)).map((e) => e.source))];
  if (exits.length > 1) return { error: `Results leave the selection from ${exits.slice(0, 3).join(' and ')}; a block has one output. Add the layers where they join, or select fewer.` };
  const dead = inside.filter((n) => !edges.some((e) => e.source === n.id));
  const output = exits[0] ?? (dead.length === 1 ? dead[0].id : null);
  if (output === null) return { error: 'The selection has no single last layer; a block has one output.' };
  const unused = dead.find((n) => n.id !== output);
  if (unused) return { error: `${unused.id}'s output is used by nothing; inside a block it would be a second output. Connect it or leave it out.` };
  return { inside, source: sources[0], output };
}

/** An inner id a block accepts (a name): the layer's id where it is one, a cleaned-up one otherwise. */
function innerId(id: string, taken: Set<string>): string {
  let base = id.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(base)) base = `n${base}`;
  base = base.slice(0, 60);
  let out = base;
  for (let i = 2; taken.has(out) || out === BLOCK_INPUT || !IDENTIFIER.test(out); i++) out = `${base}_${i}`;
  taken.add(out);
  return out;
}

/** Turns the selected layers into block `name` and one node of it in their place. */
export function groupIntoBlock(nodes: readonly LayerNode[], edges: readonly ShapeEdge[], ids: ReadonlySet<string>, name: string, taken: Readonly<Record<string, unknown>>): Grouped {
  const refused = blockNameRefusal(name, taken);
  if (refused) return { error: refused };
  const p = plan(nodes, edges, ids);
  if ('error' in p) return p;
  const set = new Set(p.inside.map((n) => n.id));
  const rename = new Map<string, string>();
  const innerTaken = new Set<string>();
  for (const n of p.inside) rename.set(n.id, innerId(n.id, innerTaken));
  const x0 = Math.min(...p.inside.map((n) => n.position.x));
  const y0 = Math.min(...p.inside.map((n) => n.position.y));
  // Inside, the layers keep their arrangement, moved below where "in" will stand.
  const innerDoc = toDoc(p.inside.map((n) => ({ ...n, id: rename.get(n.id)!, position: { x: n.position.x - x0, y: n.position.y - y0 + 130 } })), [], '');
  const def: BlockDef = {
    params: [],
    nodes: innerDoc.nodes as GraphNode[],
    edges: edges
      .filter((e) => set.has(e.target) && (set.has(e.source) || e.source === p.source))
      .map((e) => ({ source: set.has(e.source) ? rename.get(e.source)! : BLOCK_INPUT, target: rename.get(e.target)!, ...(e.targetHandle ? { targetHandle: e.targetHandle } : {}) })),
  };
  const nodeId = freshId(`block:${name}`, new Set(nodes.map((n) => n.id)));
  const node: LayerNode = { id: nodeId, type: 'layer', position: { x: x0, y: y0 }, data: { type: `block:${name}`, params: {} }, selected: true };
  const kept = edges.filter((e) => !set.has(e.source) && !set.has(e.target));
  const out = edges.filter((e) => e.source === p.output && !set.has(e.target));
  return {
    nodes: [...nodes.filter((n) => !set.has(n.id)).map((n) => (n.selected ? { ...n, selected: false } : n)), node],
    edges: [...kept, flowEdge({ source: p.source, target: nodeId }), ...out.map((e) => flowEdge({ source: nodeId, target: e.target, ...(e.targetHandle ? { targetHandle: e.targetHandle } : {}) }))],
    def,
    nodeId,
  };
}
