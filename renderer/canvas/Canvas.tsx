/** The React Flow canvas: layers, shape-labelled edges, drop target for the palette. */

import { useCallback, useEffect, type DragEvent } from 'react';
import {
  Background, Controls, MiniMap, ReactFlow, useReactFlow,
  type Connection, type Edge, type FinalConnectionState, type IsValidConnection,
} from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { BlockBreadcrumb } from '../blocks/BlockBreadcrumb';
import { connectionRefusal, type LayerNode as LayerNodeType, type ShapeEdge as ShapeEdgeType } from '../model/graph-model';
import { useStore, type Store } from '../store/index';
import { selectEdges, selectNodes, selectOnEdgesChange, selectOnNodesChange } from '../store/selectors';
import { FIT_PADDING } from './layout';
import { LayerNode } from './LayerNode';
import { ShapeEdge } from './ShapeEdge';
import { PALETTE_MIME, type PaletteItem } from './palette-dnd';

// Defined once: React Flow re-mounts every node when these objects change identity.
const nodeTypes = { layer: LayerNode };
const edgeTypes = { shape: ShapeEdge };
const defaultEdgeOptions = { type: 'shape' };
const proOptions = { hideAttribution: true };

const selectActions = (s: Store) => ({ connect: s.connect, addNode: s.addNode, addTemplate: s.addTemplate, toast: s.toast });
const selectEdgeViews = (s: Store) => s.edgeViews;
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

const selectFitRequest = (s: Store) => s.fitRequest;

/** Fits the view when the store asks (a file opened, a template dropped, auto-layout). */
function FitOnRequest() {
  const request = useStore(selectFitRequest);
  const flow = useReactFlow();
  useEffect(() => {
    if (!request) return;
    // Wait a frame so React Flow has measured the new layers.
    const id = requestAnimationFrame(() => void flow.fitView({ padding: FIT_PADDING, maxZoom: 1 }));
    return () => cancelAnimationFrame(id);
  }, [request, flow]);
  return null;
}

export function Canvas() {
  const nodes = useStore(selectNodes);
  const edges = useStore(selectEdges);
  const onNodesChange = useStore(selectOnNodesChange);
  const onEdgesChange = useStore(selectOnEdgesChange);
  const { connect, addNode, addTemplate, toast } = useStore(useShallow(selectActions));
  const flow = useReactFlow<LayerNodeType, ShapeEdgeType>();

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
    return connectionRefusal(s.nodes, s.edges, c.source, c.target) === null;
  }, []);

  const onConnectEnd = useCallback(
    (_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid !== false || !state.fromNode || !state.toNode) return;
      const s = useStore.getState();
      const fromSource = state.fromHandle?.type !== 'target';
      const [source, target] = fromSource ? [state.fromNode.id, state.toNode.id] : [state.toNode.id, state.fromNode.id];
      const reason = connectionRefusal(s.nodes, s.edges, source, target);
      if (reason) toast('error', `Connection refused: ${reason}`);
    },
    [toast],
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
      else {
        addTemplate(item.id, at);
        useStore.getState().requestFit();
      }
    },
    [flow, addNode, addTemplate],
  );

  return (
    <div className="canvas" data-testid="canvas">
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
        minZoom={0.1}
        maxZoom={2}
        fitView
        fitViewOptions={{ padding: FIT_PADDING, maxZoom: 1 }}
        proOptions={proOptions}
      >
        <Background gap={20} size={1} />
        <MiniMap<LayerNodeType> pannable zoomable nodeColor={miniMapColor} />
        <Controls />
        <BlockBreadcrumb />
        <EditTimer />
        <FitOnRequest />
      </ReactFlow>
    </div>
  );
}
