/**
 * The graph being edited: React Flow nodes and edges (serialisable data), the shape analysis of
 * the whole graph, and undo/redo. Every action that changes the graph goes through `commit`,
 * which records history and re-runs analyzeGraph, so the canvas is never out of date.
 */

import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import type { StateCreator } from 'zustand';
import { GRAPH_VERSION, type Fix, type GraphDoc, type ParamValue } from '../../shared/graph/types';
import { getTemplate } from '../../shared/templates/index';
import { blockSnapshot, isReadOnlyView, loadedBlocks, viewOf, type BlocksSlice } from '../blocks/blocks-slice';
import { mergeBlocks } from '../blocks/merge';
import { fullDoc, initialParamsFor, levelDoc, viewCommit } from '../blocks/view';
import { applyFixTo, cloneWithFreshIds, pushDownOverlaps, connectionRefusal, flowEdge, freshId, fromDoc, type LayerNode, type ShapeEdge } from '../model/graph-model';
import { analyze, type AnalysisViews } from '../model/views';
import { layoutGraph } from '../canvas/layout';
import type { Store } from './index';

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

  onNodesChange(changes: NodeChange<LayerNode>[]): void;
  onEdgesChange(changes: EdgeChange<ShapeEdge>[]): void;
  /** Returns why the connection was refused, or null when it was made. */
  connect(source: string, target: string, targetHandle?: string | null): string | null;
  addNode(type: string, position: XYPosition): string;
  addTemplate(id: string, position: XYPosition | null): boolean;
  setParam(nodeId: string, param: string, value: ParamValue): void;
  resetParam(nodeId: string, param: string): void;
  applyFix(fix: Fix): void;
  deleteSelected(): void;
  selectAll(): void;
  selectOnly(nodeId: string): void;
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
      // The level in view (a block's inside, when one is open) and the whole document's analysis.
      ...viewCommit({ ...viewOf(s), ...opts.extra, nodes, edges }, s),
    });
  }

  const selectedIds = () => new Set(get().nodes.filter((n) => n.selected).map((n) => n.id));
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
    ...analyze(emptyDoc(), null),

    onNodesChange(changes) {
      // Deletion goes through deleteSelected (undoable); React Flow only reports moves,
      // selection and measured sizes here.
      const kept = changes.filter((c) => c.type !== 'remove' && c.type !== 'add' && c.type !== 'replace');
      if (!kept.length) return;
      const before = get().dragStart ?? (kept.some((c) => c.type === 'position' && c.dragging) ? snapshot() : null);
      let nodes = applyNodeChanges(kept, get().nodes);
      // A layer that grew (a diagnostic appeared) must not cover the one below it.
      const grew = kept.some((c) => {
        if (c.type !== 'dimensions' || !c.dimensions) return false;
        const old = get().nodes.find((n) => n.id === c.id)?.measured?.height ?? 0;
        return c.dimensions.height > old + 1;
      });
      if (grew && !get().dragStart) nodes = pushDownOverlaps(nodes);
      const dragEnded = kept.some((c) => c.type === 'position' && c.dragging === false);
      if (dragEnded && before) {
        set({ nodes, dragStart: null, past: [...get().past, before].slice(-HISTORY_LIMIT), future: [], dirty: true, coalesce: null });
      } else {
        set({ nodes, dragStart: before });
      }
    },

    onEdgesChange(changes) {
      const kept = changes.filter((c) => c.type === 'select');
      if (kept.length) set({ edges: applyEdgeChanges(kept, get().edges) });
    },

    connect(source, target, targetHandle) {
      const { nodes, edges } = get();
      const reason = connectionRefusal(nodes, edges, source, target);
      if (reason) return reason;
      commit(nodes, [...edges, flowEdge({ source, target, targetHandle: targetHandle ?? undefined })]);
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

    addTemplate(id, position) {
      const template = getTemplate(id);
      if (!template) return false;
      if (get().frames.length) {
        get().toast('error', 'A template is a whole network: leave the block (the breadcrumb above the canvas) to add it.');
        return false;
      }
      // Its blocks join the document's, renamed where a different block has the name.
      const { doc, blocks } = mergeBlocks(template, get().blocks);
      const current = get();
      // A canvas holding nothing but unconnected Inputs (the new-graph state) is replaced, so
      // the template does not arrive with a second, dangling Input beside it.
      const blank = current.edges.length === 0 && current.nodes.every((n) => n.data.type === 'Input');
      const nodes = blank ? [] : current.nodes;
      const edges = blank ? [] : current.edges;
      const laid = layoutGraph(fromDoc(doc).nodes, fromDoc(doc).edges);
      const at = position ?? (nodes.length ? center() : { x: 0, y: 0 });
      const cloned = cloneWithFreshIds(
        laid.map((n) => ({ id: n.id, ...n.data, position: { x: n.position.x + at.x, y: n.position.y + at.y } })),
        doc.edges,
        new Set(nodes.map((n) => n.id)),
      );
      const deselected = nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
      commit([...deselected, ...cloned.nodes], [...edges, ...cloned.edges], { extra: { blocks } });
      if (blank || get().name === 'untitled') set({ name: doc.name });
      return true;
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
      const nodesSel = next.select ? next.nodes.map((n) => ({ ...n, selected: n.id === next.select })) : next.nodes;
      commit(nodesSel, next.edges);
    },

    deleteSelected() {
      const { nodes, edges } = get();
      const ids = selectedIds();
      const keptEdges = edges.filter((e) => !e.selected && !ids.has(e.source) && !ids.has(e.target));
      if (!ids.size && keptEdges.length === edges.length) return;
      commit(nodes.filter((n) => !ids.has(n.id)), keptEdges);
    },

    selectAll() {
      set({ nodes: get().nodes.map((n) => ({ ...n, selected: true })), edges: get().edges.map((e) => ({ ...e, selected: true })) });
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
      const cloned = cloneWithFreshIds(
        clip.nodes.map((n) => ({ ...n, position: { x: (n.position?.x ?? 0) + 40, y: (n.position?.y ?? 0) + 40 } })),
        clip.edges,
        new Set(nodes.map((n) => n.id)),
      );
      commit([...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...cloned.nodes.map((n) => ({ ...n, selected: true }))], [...edges, ...cloned.edges]);
      // The next paste lands further along, not on top of this one.
      set({ clipboard: { nodes: clip.nodes.map((n) => ({ ...n, position: { x: (n.position?.x ?? 0) + 40, y: (n.position?.y ?? 0) + 40 } })), edges: clip.edges } });
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
      set({ past: past.slice(0, -1), future: [snapshot(), ...future], ...prev, coalesce: null, dirty: true, ...viewCommit({ ...viewOf(get()), ...prev }, get()) });
    },

    redo() {
      const { past, future } = get();
      const next = future[0];
      if (!next) return;
      set({ past: [...past, snapshot()], future: future.slice(1), ...next, coalesce: null, dirty: true, ...viewCommit({ ...viewOf(get()), ...next }, get()) });
    },

    loadDoc(doc) {
      const flow = fromDoc(doc);
      const edges = flow.edges;
      let nodes = flow.nodes;
      // Files written by hand or by the CLI may carry no positions: lay them out.
      if (doc.nodes.some((n) => !n.position)) nodes = layoutGraph(nodes, edges);
      const blocks = loadedBlocks(doc);
      set({ name: doc.name, ...blocks, past: [], future: [], coalesce: null, dragStart: null, ...viewCommit({ name: doc.name, nodes, edges, ...blocks }, null) });
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
