/**
 * The graph being edited: React Flow nodes and edges (serialisable data), the shape analysis of
 * the whole graph, and undo/redo. Every action that changes the graph goes through `commit`,
 * which records history and re-runs analyzeGraph, so the canvas is never out of date.
 */

import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import type { StateCreator } from 'zustand';
import { nameRefusal } from '../../shared/graph/ids';
import { GRAPH_VERSION, type Fix, type GraphDoc, type NodeInit, type ParamValue } from '../../shared/graph/types';
import { getTemplate } from '../../shared/templates/index';
import { blockSnapshot, isReadOnlyView, loadedBlocks, viewOf, type BlocksSlice } from '../blocks/blocks-slice';
import { mergeBlocks } from '../blocks/merge';
import { fullDoc, initialParamsFor, levelDoc, specFor, viewCommit, type BlocksView } from '../blocks/view';
import { cloneWithFreshIds, connectionRefusal, flowEdge, freshId, fromDoc, LARGE_GRAPH, NODE_HEIGHT, withoutPlaceholders, withPlaceholders, type LayerNode, type ShapeEdge } from '../model/graph-model';
import { appendAfter, applyFixTo, deleteWithBridges, dropHandle, pasteOffset, pushDownOverlaps, renameNode } from '../model/edits';
import { analyze, type AnalysisViews } from '../model/views';
import { layoutGraph } from '../canvas/layout';
import { insertAfterInput } from '../lab/into-network';
import { routeEdges } from '../canvas/routing';
import type { Store } from './index';

/** A template dropped on a canvas that already holds a network, waiting for "replace or add". */
export interface TemplateQuestion {
  id: string;
  position: XYPosition | null;
}

interface Snapshot extends Pick<BlocksSlice, 'blocks' | 'frames'> {
  nodes: LayerNode[];
  edges: ShapeEdge[];
}

const HISTORY_LIMIT = 200;
/** Keystrokes in one inspector field within this window are one undo step. */
const COALESCE_MS = 1200;

export interface GraphSlice extends AnalysisViews {
  name: string;
  nodes: LayerNode[];
  edges: ShapeEdge[];
  past: Snapshot[];
  future: Snapshot[];
  /** Set by the last setParam so the next keystroke in the same field can merge into it. */
  coalesce: { key: string; at: number } | null;
  /** Position before a drag began, to record the whole drag as one undo step. */
  dragStart: Snapshot | null;
  clipboard: { nodes: GraphDoc['nodes']; edges: GraphDoc['edges'] } | null;
  templateQuestion: TemplateQuestion | null;
  /** Counts documents loaded (New, Open): views keyed on it start afresh with each document. */
  loaded: number;
  /** Bumped with the id of a layer that grew (a diagnostic appeared), so the canvas can bring it into view. */
  reveal: { id: string; n: number } | null;

  onNodesChange(changes: NodeChange<LayerNode>[]): void;
  onEdgesChange(changes: EdgeChange<ShapeEdge>[]): void;
  /**
   * Returns why the connection was refused, or null when it was made. Without a handle (a wire
   * dropped on a layer's body) it goes to the layer's free input.
   */
  connect(source: string, target: string, targetHandle?: string | null): string | null;
  addNode(type: string, position: XYPosition): string;
  /** A new layer after the selected one, wired to it; null (nothing added) unless exactly one is selected. */
  appendToSelected(type: string): string | null;
  /**
   * Adds a template. On a canvas that already holds a network, 'ask' only records the question
   * (templateQuestion) for the canvas to put to the user; 'replace' and 'add' answer it.
   */
  addTemplate(id: string, position: XYPosition | null, mode?: 'ask' | 'replace' | 'add'): boolean;
  /** A layer made elsewhere (the Kernel lab's kernel) put right after the Input; returns its id. */
  insertAfterInput(layer: { type: string; params: Record<string, ParamValue>; init?: NodeInit }): string;
  answerTemplate(answer: 'replace' | 'add' | 'cancel'): void;
  /** Renames a layer; returns why the name is refused, or null when it was renamed. */
  renameNode(from: string, to: string): string | null;
  setParam(nodeId: string, param: string, value: ParamValue): void;
  /** Several params of one node as one undo step (an Input's height and width together). */
  setParams(nodeId: string, params: Record<string, ParamValue>): void;
  resetParam(nodeId: string, param: string): void;
  applyFix(fix: Fix): void;
  deleteSelected(): void;
  selectAll(): void;
  selectOnly(nodeId: string): void;
  /** Selects one edge and nothing else (its label was clicked). */
  selectEdge(edgeId: string): void;
  copySelected(): number;
  cutSelected(): number;
  paste(): number;
  autoLayout(): void;
  undo(): void;
  redo(): void;
  /** Replaces the whole graph (New, Open); clears history. */
  loadDoc(doc: GraphDoc): void;
  renameGraph(name: string): void;
  graphDoc(): GraphDoc;
  /** The commit of renderer/blocks/ edits (group, repeat, block params), with the block state they change. */
  commitView(nodes: LayerNode[], edges: ShapeEdge[], extra?: Partial<Store>): void;
}

export const emptyDoc = (): GraphDoc => ({
  format: 'convstudio.graph',
  version: GRAPH_VERSION,
  name: 'untitled',
  nodes: [{ id: 'input', type: 'Input', params: { channels: 1, height: 28, width: 28 }, position: { x: 0, y: 0 } }],
  edges: [],
});

export const createGraphSlice: StateCreator<Store, [], [], GraphSlice> = (set, get) => {
  const snapshot = (): Snapshot => ({ nodes: get().nodes, edges: get().edges, ...blockSnapshot(get()) });

  /** Edges routed around the layers at their current positions (canvas/routing.ts). */
  const route = (nodes: readonly LayerNode[], edges: readonly ShapeEdge[], views: Pick<AnalysisViews, 'edgeViews'> = get()) =>
    routeEdges({ nodes, edges, label: (e) => views.edgeViews[e.id]?.label });

  /**
   * The graph as it now stands: the level in view (a block's inside, when one is open) with its
   * analysis from the whole document's, and edges routed for its labels.
   */
  const settled = (view: BlocksView, prev: AnalysisViews | null) => {
    const views = viewCommit(view, prev);
    return { ...views, edges: route(views.nodes, views.edges, views) };
  };

  /** The one way the graph changes: history, analysis and the dirty flag move together. */
  function commit(nodes: LayerNode[], edges: ShapeEdge[], opts: { coalesceKey?: string; record?: Snapshot; extra?: Partial<Store> } = {}) {
    const s = get();
    if (isReadOnlyView({ frames: opts.extra?.frames ?? s.frames })) {
      s.toast('error', 'This inside is built in and cannot be edited here: use “Edit a copy” above the canvas.');
      return;
    }
    const now = Date.now();
    const merge = opts.coalesceKey !== undefined && s.coalesce?.key === opts.coalesceKey && now - s.coalesce.at < COALESCE_MS;
    const past = merge ? s.past : [...s.past, opts.record ?? snapshot()].slice(-HISTORY_LIMIT);
    set({
      ...opts.extra,
      past,
      future: [],
      coalesce: opts.coalesceKey !== undefined ? { key: opts.coalesceKey, at: now } : null,
      dirty: true,
      ...settled({ ...viewOf(s), ...opts.extra, nodes, edges }, s),
    });
  }

  const selectedIds = () => new Set(get().nodes.filter((n) => n.selected).map((n) => n.id));
  const selectOnlyIn = (nodes: LayerNode[], id: string) => nodes.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id }));
  /** Nothing but unconnected Inputs (the new-graph state): a template replaces it without asking. */
  const isBlank = () => get().edges.length === 0 && get().nodes.every((n) => n.data.type === 'Input');
  const center = (): XYPosition => {
    const ns = get().nodes;
    if (!ns.length) return { x: 0, y: 0 };
    return { x: Math.max(...ns.map((n) => n.position.x)) + 280, y: Math.min(...ns.map((n) => n.position.y)) };
  };

  const initial = fromDoc(emptyDoc());
  return {
    name: 'untitled',
    nodes: initial.nodes,
    edges: initial.edges,
    past: [],
    future: [],
    coalesce: null,
    dragStart: null,
    clipboard: null,
    templateQuestion: null,
    reveal: null,
    loaded: 0,
    ...analyze(emptyDoc(), null),

    onNodesChange(changes) {
      // Deletion goes through deleteSelected (undoable); React Flow only reports moves,
      // selection and measured sizes here.
      const kept = changes.filter((c) => c.type !== 'remove' && c.type !== 'add' && c.type !== 'replace');
      if (!kept.length) return;
      const before = get().dragStart ?? (kept.some((c) => c.type === 'position' && c.dragging) ? snapshot() : null);
      const current = get().nodes;
      let nodes = applyNodeChanges(kept, current);
      const measured = new Set(kept.flatMap((c) => (c.type === 'dimensions' && c.dimensions ? [c.id] : [])));
      if (measured.size && nodes.some((n) => n.handles && measured.has(n.id))) nodes = nodes.map((n) => (measured.has(n.id) ? withoutPlaceholders(n) : n));
      // A layer that grew (a diagnostic appeared) must not cover the one below it, and should be
      // in view. The first measurement of a new layer is not growth.
      const byId = new Map(current.map((n) => [n.id, n]));
      const grown = kept.filter((c) => {
        if (c.type !== 'dimensions' || !c.dimensions) return false;
        const old = byId.get(c.id)?.measured?.height;
        return old !== undefined && c.dimensions.height > old + 1;
      });
      // Layouts place unmeasured layers at NODE_HEIGHT; one that arrives taller (a file opened
      // with an error already in it) must not cover the layer placed below it either.
      const tallAtFirst = kept.some((c) => c.type === 'dimensions' && c.dimensions && byId.get(c.id)?.measured?.height === undefined && c.dimensions.height > NODE_HEIGHT + 1);
      if ((grown.length || tallAtFirst) && !get().dragStart) nodes = pushDownOverlaps(nodes);
      if (grown.length && !get().dragStart) {
        const views = get().nodeViews;
        const shown = grown.find((c) => c.type === 'dimensions' && views[c.id]?.diagnostics.length);
        if (shown && shown.type === 'dimensions') set({ reveal: { id: shown.id, n: (get().reveal?.n ?? 0) + 1 } });
      }
      const dragEnded = kept.some((c) => c.type === 'position' && c.dragging === false);
      // Edges follow the layers: re-routed once they are measured, have grown, or have been dropped.
      const moved = dragEnded || grown.length > 0 || kept.some((c) => c.type === 'dimensions' || (c.type === 'position' && !c.dragging));
      const edges = moved ? route(nodes, get().edges) : get().edges;
      if (dragEnded && before) {
        set({ nodes, edges, dragStart: null, past: [...get().past, before].slice(-HISTORY_LIMIT), future: [], dirty: true, coalesce: null });
      } else {
        set({ nodes, edges, dragStart: before });
      }
    },

    onEdgesChange(changes) {
      const kept = changes.filter((c) => c.type === 'select');
      if (kept.length) set({ edges: applyEdgeChanges(kept, get().edges) });
    },

    connect(source, target, targetHandle) {
      const { nodes, edges } = get();
      const handle = targetHandle ?? dropHandle(nodes, edges, target);
      const reason = connectionRefusal(nodes, edges, source, target, handle);
      if (reason) return reason;
      commit(nodes, [...edges, flowEdge({ source, target, targetHandle: handle ?? undefined })]);
      return null;
    },

    addNode(type, position) {
      const { nodes, edges } = get();
      const id = freshId(type, new Set(nodes.map((n) => n.id)));
      const params = initialParamsFor(type, get().blocks);
      const node: LayerNode = { id, type: 'layer', position, data: { type, params }, selected: true };
      commit([...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node], edges.map((e) => (e.selected ? { ...e, selected: false } : e)));
      return id;
    },

    appendToSelected(type) {
      const ids = selectedIds();
      if (ids.size !== 1) return null;
      const { nodes, edges } = get();
      const next = appendAfter(nodes, edges, [...ids][0], type, initialParamsFor(type, get().blocks));
      if (!next) return null;
      commit(next.nodes, next.edges.map((e) => (e.selected ? { ...e, selected: false } : e)));
      return next.select ?? null;
    },

    addTemplate(id, position, mode = 'ask') {
      const template = getTemplate(id);
      if (!template) return false;
      if (get().frames.length) {
        get().toast('error', 'A template is a whole network: leave the block (the breadcrumb above the canvas) to add it.');
        return false;
      }
      const blank = isBlank();
      if (!blank && mode === 'ask') {
        set({ templateQuestion: { id, position } });
        return true;
      }
      const replace = blank || mode === 'replace';
      // Its blocks join the document's (replacing it, they are the document's), renamed where a different block has the name.
      const { doc, blocks } = mergeBlocks(template, replace ? {} : get().blocks);
      const current = get();
      const nodes = replace ? [] : current.nodes;
      const edges = replace ? [] : current.edges;
      const laid = layoutGraph(fromDoc(doc).nodes, fromDoc(doc).edges);
      const at = replace ? { x: 0, y: 0 } : position ?? center();
      const cloned = cloneWithFreshIds(
        laid.map((n) => ({ id: n.id, ...n.data, position: { x: n.position.x + at.x, y: n.position.y + at.y } })),
        doc.edges,
        new Set(nodes.map((n) => n.id)),
      );
      const deselected = nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
      commit([...deselected, ...cloned.nodes], [...edges, ...cloned.edges], { extra: { blocks } });
      if (replace || get().name === 'untitled') set({ name: doc.name });
      set({ templateQuestion: null });
      return true;
    },

    insertAfterInput(layer) {
      // The kernel goes after the network's Input; inside an open block there is none (its input
      // is "in"), so the canvas goes back to the top level first.
      if (get().frames.length) get().leaveBlock(0);
      const { nodes, edges } = get();
      const next = insertAfterInput(nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), edges, layer);
      commit(next.nodes, next.edges);
      return next.id;
    },

    answerTemplate(answer) {
      const q = get().templateQuestion;
      set({ templateQuestion: null });
      if (!q || answer === 'cancel') return;
      get().addTemplate(q.id, q.position, answer);
      get().requestFit();
    },

    renameNode(from, to) {
      const { nodes, edges } = get();
      const name = to.trim();
      if (name === from) return null;
      const reason = nameRefusal(name, from, new Set(nodes.map((n) => n.id)));
      if (reason) return reason;
      const next = renameNode(nodes, edges, from, name);
      commit(next.nodes, next.edges, { coalesceKey: `rename.${name}` });
      const lastValid = get().lastValid;
      if (lastValid[from]) set({ lastValid: { ...lastValid, [name]: lastValid[from] } });
      return null;
    },

    setParam(nodeId, param, value) {
      const { nodes, edges } = get();
      const node = nodes.find((n) => n.id === nodeId);
      if (!node || JSON.stringify(node.data.params[param]) === JSON.stringify(value)) return;
      performance.mark('cs:edit-start');
      commit(
        nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, params: { ...n.data.params, [param]: value } } } : n)),
        edges,
        { coalesceKey: `${nodeId}.${param}` },
      );
      performance.measure('cs:edit-analyze', 'cs:edit-start');
    },

    setParams(nodeId, patch) {
      const { nodes, edges } = get();
      const node = nodes.find((n) => n.id === nodeId);
      if (!node || Object.entries(patch).every(([k, v]) => JSON.stringify(node.data.params[k]) === JSON.stringify(v))) return;
      commit(nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, params: { ...n.data.params, ...patch } } } : n)), edges);
    },

    resetParam(nodeId, param) {
      const { nodes, edges } = get();
      const node = nodes.find((n) => n.id === nodeId);
      if (!node || !(param in node.data.params)) return;
      const params = { ...node.data.params };
      delete params[param];
      commit(nodes.map((n) => (n.id === nodeId ? { ...n, data: { ...n.data, params } } : n)), edges);
    },

    applyFix(fix) {
      const { nodes, edges } = get();
      const next = applyFixTo(nodes, edges, fix);
      if (!next) return;
      commit(next.select ? selectOnlyIn(next.nodes, next.select) : next.nodes, next.edges);
    },

    deleteSelected() {
      const { nodes, edges } = get();
      const next = deleteWithBridges(nodes, edges, selectedIds(), new Set(edges.filter((e) => e.selected).map((e) => e.id)));
      if (next) commit(next.nodes, next.edges);
    },

    selectAll() {
      set({ nodes: get().nodes.map((n) => ({ ...n, selected: true })), edges: get().edges.map((e) => ({ ...e, selected: true })) });
    },

    selectEdge(edgeId) {
      set({
        nodes: get().nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        edges: get().edges.map((e) => (e.selected === (e.id === edgeId) ? e : { ...e, selected: e.id === edgeId })),
      });
    },

    selectOnly(nodeId) {
      set({ nodes: get().nodes.map((n) => (n.selected === (n.id === nodeId) ? n : { ...n, selected: n.id === nodeId })) });
    },

    copySelected() {
      const ids = selectedIds();
      if (!ids.size) return 0;
      const doc = levelDoc(viewOf(get()));
      set({ clipboard: { nodes: doc.nodes.filter((n) => ids.has(n.id)), edges: doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) } });
      return ids.size;
    },

    cutSelected() {
      const n = get().copySelected();
      if (n) get().deleteSelected();
      return n;
    },

    paste() {
      const clip = get().clipboard;
      if (!clip?.nodes.length) return 0;
      const { nodes, edges } = get();
      // Beside the copied layers (further along while that spot is taken), never on top of them.
      const d = pasteOffset(nodes, clip.nodes);
      const placed = clip.nodes.map((n) => ({ ...n, position: { x: (n.position?.x ?? 0) + d.x, y: (n.position?.y ?? 0) + d.y } }));
      const cloned = cloneWithFreshIds(placed, clip.edges, new Set(nodes.map((n) => n.id)));
      commit([...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...cloned.nodes.map((n) => ({ ...n, selected: true }))], [...edges, ...cloned.edges]);
      return cloned.nodes.length;
    },

    autoLayout() {
      const { nodes, edges } = get();
      commit(layoutGraph(nodes, edges), edges);
    },

    undo() {
      const { past, future } = get();
      const prev = past[past.length - 1];
      if (!prev) return;
      set({ past: past.slice(0, -1), future: [snapshot(), ...future], ...prev, coalesce: null, dirty: true, ...settled({ ...viewOf(get()), ...prev }, get()) });
    },

    redo() {
      const { past, future } = get();
      const next = future[0];
      if (!next) return;
      set({ past: [...past, snapshot()], future: future.slice(1), ...next, coalesce: null, dirty: true, ...settled({ ...viewOf(get()), ...next }, get()) });
    },

    loadDoc(doc) {
      // Marks for the large-graph benchmark (Canvas.tsx measures "cs:open" at the first frame).
      performance.mark('cs:open-start');
      const flow = fromDoc(doc);
      const edges = flow.edges;
      let nodes = flow.nodes;
      // Files written by hand or by the CLI may carry no positions: lay them out.
      if (doc.nodes.some((n) => !n.position)) {
        nodes = layoutGraph(nodes, edges);
        performance.measure('cs:open-layout', 'cs:open-start');
      }
      const blocks = loadedBlocks(doc);
      const graph = settled({ name: doc.name, nodes, edges, ...blocks }, null);
      // A layer whose id the canvas already shows stays mounted, and React Flow measures a mounted
      // layer only when it lacks handles: those get no placeholders, so they are measured afresh.
      const shown = new Set(get().nodes.map((n) => n.id));
      if (nodes.length > LARGE_GRAPH) graph.nodes = graph.nodes.map((n) => (shown.has(n.id) ? n : withPlaceholders(n, graph.nodeViews[n.id]?.slots, specFor(n.data.type, blocks.blocks)?.inputs)));
      set({ name: doc.name, ...blocks, past: [], future: [], coalesce: null, dragStart: null, templateQuestion: null, loaded: get().loaded + 1, ...graph });
    },

    renameGraph(name) {
      set({ name, dirty: true });
    },

    graphDoc() {
      return fullDoc(viewOf(get()));
    },

    commitView(nodes, edges, extra) {
      commit(nodes, edges, extra ? { extra } : {});
    },
  };
};
