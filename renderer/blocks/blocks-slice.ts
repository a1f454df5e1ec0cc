/**
 * Blocks on the canvas: the document's definitions, the levels opened (a breadcrumb of frames),
 * and the actions that open and leave a block, group a selection into one, repeat a node ×N,
 * expand or collapse a block in place, turn a built-in block into an editable copy and edit a
 * block's params. Edits go through graph-slice's commitView, so they are undoable steps like any
 * other and the whole document is analysed after each.
 */

import type { StateCreator } from 'zustand';
import { blockNameOf, MAX_REPEAT, MIN_REPEAT } from '../../shared/graph/blocks';
import { isExpression } from '../../shared/graph/expr';
import { tryResolveParams } from '../../shared/graph/resolve';
import type { BlockDef, BlockParam, GraphDoc, GraphNode, ParamValue } from '../../shared/graph/types';
import { insideOf, layerOf } from '../../shared/layers/index';
import type { BlockGraph } from '../../shared/layers/layer';
import type { LayerNode, ShapeEdge } from '../model/graph-model';
import type { Store } from '../store/index';
import { blockNameRefusal, groupIntoBlock, groupRefusal } from './group';
import { defFromView, definitionFlow, graphFlow, libraryOf, type BlocksView, type Frame, viewCommit } from './view';

export interface BlocksSlice {
  /** The document's block definitions; the one open is written back from the canvas when it is left. */
  blocks: Record<string, BlockDef>;
  /** The levels entered, outermost first; empty at the top level. */
  frames: Frame[];
  /** The name prompt of "Group into a block" is open. */
  groupDialog: boolean;

  /** Opens a block node: its definition to edit, or a built-in block's inside to look at. False when there is nothing inside. */
  openBlock(nodeId: string): boolean;
  /** Goes back up to `depth` levels open (0: the top level), writing each definition back. */
  leaveBlock(depth?: number): void;
  /** Asks for a name when the selection can become a block; otherwise says why not. */
  askGroup(): void;
  closeGroupDialog(): void;
  /** Groups the selected layers into a new block `name`; returns why not, or null. */
  groupSelected(name: string): string | null;
  /** Applies a node `times` times in series; null removes the repeat. */
  setRepeat(nodeId: string, times: number | null): void;
  /** Shows a block's inside in place of its single node, or hides it again. */
  setExpanded(nodeId: string, expanded: boolean): void;
  /** A built-in block being looked at becomes a block of this document, so its inside can be edited. */
  makeEditable(): string | null;
  /** Replaces the params of the open block's definition. */
  setBlockParams(params: BlockParam[]): void;
}

/** The store's part the block functions read: the level in view and what is around it. */
export const viewOf = (s: Store): BlocksView => ({ name: s.name, nodes: s.nodes, edges: s.edges, blocks: s.blocks, frames: s.frames });

/** graph-slice's snapshot of the block state, so undo and redo restore the level in view too. */
export const blockSnapshot = (s: Store): Pick<BlocksSlice, 'blocks' | 'frames'> => ({ blocks: s.blocks, frames: s.frames });

/** The block state a loaded document starts with. */
export const loadedBlocks = (doc: GraphDoc): Pick<BlocksSlice, 'blocks' | 'frames'> => ({ blocks: doc.blocks ? structuredClone(doc.blocks) : {}, frames: [] });

/** True where the canvas shows a built-in block's inside, which cannot be edited. */
export const isReadOnlyView = (s: Pick<BlocksSlice, 'frames'>): boolean => s.frames.length > 0 && s.frames[s.frames.length - 1].block === null;

/**
 * The inside a read-only frame shows: a built-in block's expansion (one copy's, when it repeats:
 * the copies are the same block), or the chain of copies of a repeated layer.
 */
function readOnlyInside(node: GraphNode, blocks: Record<string, BlockDef>): { graph: BlockGraph; copy: boolean } | null {
  const lib = libraryOf(blocks);
  const { repeat, ...single } = node;
  const one = tryResolveParams(single, lib).params;
  const own = one ? insideOf(one) : null;
  if (own) return { graph: own, copy: repeat !== undefined };
  const { params } = tryResolveParams(node, lib);
  const chain = params ? insideOf(params) : null;
  return chain ? { graph: chain, copy: false } : null;
}

/** A node's inside as this very node computed it (its arguments substituted): one copy's for a repeated block. */
function walkedInside(s: Store, nodeId: string): { graph: BlockGraph; copy: boolean } | null {
  const node = s.nodes.find((n) => n.id === nodeId);
  const inside = s.analysis.nodes[nodeId]?.inside;
  if (!node || !inside) return null;
  const repeatsBlock = node.data.repeat !== undefined && layerOf(node.data.type)?.kind === 'block';
  const copy = repeatsBlock ? inside.children['0'] : undefined;
  return copy ? { graph: copy.graph, copy: true } : { graph: inside.graph, copy: false };
}

export const createBlocksSlice: StateCreator<Store, [], [], BlocksSlice> = (set, get) => ({
  blocks: {},
  frames: [],
  groupDialog: false,

  openBlock(nodeId) {
    const s = get();
    const node = s.nodes.find((n) => n.id === nodeId);
    if (!node) return false;
    const gnode: GraphNode = { id: node.id, type: node.data.type, params: node.data.params, ...(node.data.repeat !== undefined ? { repeat: node.data.repeat } : {}) };
    const name = blockNameOf(node.data.type);
    let frame: Frame;
    let flow: { nodes: LayerNode[]; edges: ShapeEdge[] };
    if (name !== null && Object.prototype.hasOwnProperty.call(s.blocks, name)) {
      frame = { nodeId, block: name, copy: node.data.repeat !== undefined, graph: null, nodes: s.nodes, edges: s.edges };
      flow = definitionFlow(s.blocks[name]);
    } else {
      // Inside a block a node's params may be expressions: what it expands to is in the walk.
      const inside = walkedInside(s, nodeId) ?? readOnlyInside(gnode, s.blocks);
      if (!inside) {
        s.toast('info', `${node.id} is a layer, not a block: there is no inside to open.`);
        return false;
      }
      frame = { nodeId, block: null, copy: inside.copy, graph: inside.graph, nodes: s.nodes, edges: s.edges };
      flow = graphFlow(inside.graph);
    }
    const view: BlocksView = { ...viewOf(s), frames: [...s.frames, frame], nodes: flow.nodes, edges: flow.edges };
    set({ frames: view.frames, ...viewCommit(view, null), coalesce: null });
    s.requestFit();
    return true;
  },

  leaveBlock(depth = get().frames.length - 1) {
    const s = get();
    if (depth < 0 || depth >= s.frames.length) return;
    let { nodes, edges } = s;
    const blocks = { ...s.blocks };
    const frames = [...s.frames];
    let came = '';
    while (frames.length > depth) {
      const f = frames.pop()!;
      if (f.block !== null && Object.prototype.hasOwnProperty.call(blocks, f.block)) blocks[f.block] = defFromView(blocks[f.block], nodes, edges);
      ({ nodes, edges } = f);
      came = f.nodeId;
    }
    nodes = nodes.map((n) => (n.selected === (n.id === came) ? n : { ...n, selected: n.id === came }));
    set({ blocks, frames, ...viewCommit({ ...viewOf(s), blocks, frames, nodes, edges }, null), coalesce: null });
    s.requestFit();
  },

  askGroup() {
    const s = get();
    if (isReadOnlyView(s)) return s.toast('error', 'This inside is built in: make an editable copy first.');
    const ids = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
    const why = groupRefusal(s.nodes, s.edges, ids);
    if (why) return s.toast('error', `Cannot group: ${why}`);
    set({ groupDialog: true });
  },

  closeGroupDialog() {
    set({ groupDialog: false });
  },

  groupSelected(name) {
    const s = get();
    const ids = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
    const r = groupIntoBlock(s.nodes, s.edges, ids, name.trim(), s.blocks);
    if ('error' in r) return r.error;
    s.commitView(r.nodes, r.edges, { blocks: { ...s.blocks, [name.trim()]: r.def }, groupDialog: false });
    return null;
  },

  setRepeat(nodeId, times) {
    const s = get();
    if (times !== null && !(Number.isInteger(times) && times >= MIN_REPEAT && times <= MAX_REPEAT)) return;
    const nodes = s.nodes.map((n) => {
      if (n.id !== nodeId) return n;
      const { repeat: _r, ...data } = n.data;
      return { ...n, data: times === null ? data : { ...data, repeat: times } };
    });
    s.commitView(nodes, s.edges);
  },

  setExpanded(nodeId, expanded) {
    const s = get();
    const nodes = s.nodes.map((n) => {
      if (n.id !== nodeId) return n;
      const { expanded: _e, ...data } = n.data;
      return { ...n, data: expanded ? { ...data, expanded: true } : data };
    });
    s.commitView(nodes, s.edges);
  },

  makeEditable() {
    const s = get();
    const top = s.frames[s.frames.length - 1];
    if (!top || top.block !== null || !top.graph) return null;
    const parent = top.nodes.find((n) => n.id === top.nodeId);
    const module = parent ? layerOf(parent.data.type) : undefined;
    if (!parent || module?.kind !== 'block') return null;
    let def: BlockDef;
    let params: Record<string, ParamValue> = {};
    if (module.asDefinition) {
      const r = module.asDefinition(parent.data.params);
      if ('error' in r) {
        s.toast('error', `Cannot copy ${parent.id}: ${r.error}.`);
        return null;
      }
      ({ def, params } = r);
    } else if (Object.values(parent.data.params).some(isExpression)) {
      s.toast('error', `Cannot copy ${parent.id}: its params are expressions of the block it is in, and a copy of ${module.label} can only keep plain values. Edit a copy of a node with plain values.`);
      return null;
    } else {
      // The inside as it is now, every value written out: the copy starts as this very block.
      def = {
        params: [],
        nodes: top.graph.nodes.map((n) => ({ id: n.id, type: n.type, params: { ...n.params }, ...(n.repeat !== undefined ? { repeat: n.repeat } : {}) })),
        edges: top.graph.nodes.flatMap((n) => n.inputs.map((source, slot) => ({ source, target: n.id, ...(n.inputs.length > 1 ? { targetHandle: `in${slot}` } : {}) }))),
        torch: module.torch, doc: `An editable copy of ${module.label}.`,
      };
    }
    const base = parent.data.type.toLowerCase().replace(/[^a-z0-9_]/g, '');
    let name = base;
    for (let i = 1; blockNameRefusal(name, s.blocks); i++) name = `${base}_${i}`;
    const nodes = top.nodes.map((n) => (n.id === top.nodeId ? { ...n, data: { ...n.data, type: `block:${name}`, params } } : n));
    const frames = [...s.frames.slice(0, -1), { ...top, block: name, graph: null, nodes }];
    // The copy's canvas keeps the layout the user was looking at.
    const at = new Map(s.nodes.map((n) => [n.id, n.position]));
    const flow = definitionFlow(def);
    s.commitView(flow.nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position })), flow.edges, { blocks: { ...s.blocks, [name]: def }, frames });
    return name;
  },

  setBlockParams(params) {
    const s = get();
    const top = s.frames[s.frames.length - 1];
    if (!top || top.block === null) return;
    s.commitView(s.nodes, s.edges, { blocks: { ...s.blocks, [top.block]: { ...s.blocks[top.block], params } } });
  },
});
