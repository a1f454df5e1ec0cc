/** The React Flow canvas: layers, shape-labelled edges, drop target for the palette. */

import { useCallback, useEffect, useRef, type DragEvent, type RefObject } from 'react';
import {
  Background, Controls, MiniMap, ReactFlow, useConnection, useReactFlow,
  type Connection, type Edge, type FinalConnectionState, type IsValidConnection,
} from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { BlockBreadcrumb } from '../blocks/BlockBreadcrumb';
import { connectionRefusal, LARGE_GRAPH, type LayerNode as LayerNodeType, type ShapeEdge as ShapeEdgeType } from '../model/graph-model';
import { useStore, type Store } from '../store/index';
import { selectEdges, selectNodes, selectOnEdgesChange, selectOnNodesChange } from '../store/selectors';
import { fitGraph, revealNode } from './fit';
import { LayerNode } from './LayerNode';
import { ShapeEdge } from './ShapeEdge';
import { PALETTE_MIME, type PaletteItem } from './palette-dnd';
import { TemplateQuestion } from './TemplateQuestion';

// Defined once: React Flow re-mounts every node when these objects change identity.
const nodeTypes = { layer: LayerNode };
const edgeTypes = { shape: ShapeEdge };
const defaultEdgeOptions = { type: 'shape' };
const proOptions = { hideAttribution: true };

const selectActions = (s: Store) => ({ connect: s.connect, addNode: s.addNode, addTemplate: s.addTemplate, toast: s.toast });
const selectEdgeViews = (s: Store) => s.edgeViews;
const selectLoaded = (s: Store) => s.loaded;
// Double-click opens a block to see and edit its inside.
const onNodeDoubleClick = (_e: unknown, node: LayerNodeType) => void useStore.getState().openBlock(node.id);
const miniMapColor = (n: LayerNodeType) => {
  const sev = useStore.getState().nodeViews[n.id]?.severity;
  return sev === 'error' ? '#e5484d' : sev === 'warning' ? '#f5a524' : '#8aa4c8';
};

/**
 * Marks when the labels of an edit have been committed and painted, for the benchmark
 * (performance.measure "cs:edit"; the store marks "cs:edit-start" when a param changes).
 */
function EditTimer() {
  const edgeViews = useStore(selectEdgeViews);
  useEffect(() => {
    if (!performance.getEntriesByName('cs:edit-start', 'mark').length) return;
    performance.measure('cs:edit-commit', 'cs:edit-start');
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (!performance.getEntriesByName('cs:edit-start', 'mark').length) return;
        performance.measure('cs:edit', 'cs:edit-start');
        performance.clearMarks('cs:edit-start');
      }, 0),
    );
  }, [edgeViews]);
  return null;
}

/** Measures "cs:open", from loadDoc to the first frame that shows the opened graph, for the large-graph benchmark. */
function OpenTimer() {
  const nodes = useStore(selectNodes);
  useEffect(() => {
    if (!performance.getEntriesByName('cs:open-start', 'mark').length) return;
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (!performance.getEntriesByName('cs:open-start', 'mark').length) return;
        performance.measure('cs:open', 'cs:open-start');
        performance.clearMarks('cs:open-start');
      }, 0),
    );
  }, [nodes]);
  return null;
}

const selectFitRequest = (s: Store) => s.fitRequest;
const selectReveal = (s: Store) => s.reveal;
const selectConnecting = (c: { inProgress: boolean }) => c.inProgress;

/** Fits the view when the store asks (a file opened, a template dropped, auto-layout, F). */
function FitOnRequest({ container }: { container: RefObject<HTMLDivElement | null> }) {
  const request = useStore(selectFitRequest);
  const flow = useReactFlow<LayerNodeType, ShapeEdgeType>();
  useEffect(() => {
    // Two frames: React Flow mounts the new layers, then measures them.
    let id = requestAnimationFrame(() => {
      id = requestAnimationFrame(() => {
        if (fitGraph(flow, container.current) === 'start' && request) {
          useStore.getState().toast('info', 'The graph is too large to show whole at a readable size: this is its start. The minimap shows all of it.');
        }
      });
    });
    return () => cancelAnimationFrame(id);
  }, [request, flow, container]);
  return null;
}

/** Brings a layer into view when a diagnostic made it grow (perhaps off screen, below the fold). */
function RevealOnGrow({ container }: { container: RefObject<HTMLDivElement | null> }) {
  const reveal = useStore(selectReveal);
  const flow = useReactFlow<LayerNodeType, ShapeEdgeType>();
  useEffect(() => {
    if (!reveal) return;
    const id = requestAnimationFrame(() => revealNode(flow, container.current, reveal.id));
    return () => cancelAnimationFrame(id);
  }, [reveal, flow, container]);
  return null;
}

/** The layer under the pointer where a wire was dropped, if any. */
function nodeUnder(e: MouseEvent | TouchEvent): string | null {
  const p = 'changedTouches' in e ? e.changedTouches[0] : e;
  if (!p) return null;
  const el = document.elementFromPoint(p.clientX, p.clientY)?.closest('.react-flow__node');
  return el?.getAttribute('data-id') ?? null;
}

export function Canvas() {
  const nodes = useStore(selectNodes);
  const edges = useStore(selectEdges);
  const onNodesChange = useStore(selectOnNodesChange);
  const onEdgesChange = useStore(selectOnEdgesChange);
  const { connect, addNode, addTemplate, toast } = useStore(useShallow(selectActions));
  const flow = useReactFlow<LayerNodeType, ShapeEdgeType>();

  const container = useRef<HTMLDivElement>(null);
  const loaded = useStore(selectLoaded);
  const connecting = useConnection(selectConnecting);

  const onConnect = useCallback(
    (c: Connection) => {
      const reason = connect(c.source, c.target, c.targetHandle);
      if (reason) toast('error', `Connection refused: ${reason}`);
    },
    [connect, toast],
  );

  // Live feedback while dragging a wire; the reason is shown when the wire is dropped.
  const isValidConnection: IsValidConnection<ShapeEdgeType> = useCallback((c: Connection | Edge) => {
    const s = useStore.getState();
    return connectionRefusal(s.nodes, s.edges, c.source, c.target, c.targetHandle) === null;
  }, []);

  // A wire dropped anywhere on a layer, not only on its 9-pixel handle, connects to its free
  // input (or, dragged back from an input, from its output).
  const onConnectEnd = useCallback(
    (e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid === true || !state.fromNode) return;
      const other = state.toNode?.id ?? nodeUnder(e);
      if (!other || other === state.fromNode.id) return;
      const fromSource = state.fromHandle?.type !== 'target';
      const [source, target] = fromSource ? [state.fromNode.id, other] : [other, state.fromNode.id];
      const reason = connect(source, target, fromSource ? null : state.fromHandle?.id ?? null);
      if (reason) toast('error', `Connection refused: ${reason}`);
    },
    [connect, toast],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(PALETTE_MIME);
      if (!raw) return;
      e.preventDefault();
      const item = JSON.parse(raw) as PaletteItem;
      const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      if (item.kind === 'node') addNode(item.type, { x: at.x - 110, y: at.y - 30 });
      else if (addTemplate(item.id, at) && !useStore.getState().templateQuestion) useStore.getState().requestFit();
    },
    [flow, addNode, addTemplate],
  );

  return (
    <div className={`canvas${connecting ? ' connecting' : ''}`} data-testid="canvas" ref={container}>
      <ReactFlow<LayerNodeType, ShapeEdgeType>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={defaultEdgeOptions}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onDragOver={onDragOver}
        onDrop={onDrop}
        onNodeDoubleClick={onNodeDoubleClick}
        zoomOnDoubleClick={false}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={nodes.length > LARGE_GRAPH}
        proOptions={proOptions}
      >
        <Background gap={20} size={1} />
        {/* Remounted per document: React inserting 10,000 new rects into a mounted list scans siblings for each (quadratic), into a fresh one it does not. */}
        <MiniMap<LayerNodeType> key={loaded} pannable zoomable nodeColor={miniMapColor} />
        <Controls />
        <BlockBreadcrumb />
        <EditTimer />
        <OpenTimer />
        <FitOnRequest container={container} />
        <RevealOnGrow container={container} />
      </ReactFlow>
      <TemplateQuestion />
    </div>
  );
}
