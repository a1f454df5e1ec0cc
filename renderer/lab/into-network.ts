/**
 * "Use this kernel": the lab's kernel as a Conv2d on the canvas, right after the Input — between
 * the Input and whatever it fed — so the network's first look at the image is the student's
 * kernel. The layers below move down a row to make room; the new layer is selected.
 */

import type { NodeInit, ParamValue } from '../../shared/graph/types';
import { downstream } from '../model/edits';
import { flowEdge, freshId, NODE_HEIGHT, type LayerNode, type ShapeEdge } from '../model/graph-model';

const ROW = NODE_HEIGHT + 60;

export function insertAfterInput(
  nodes: readonly LayerNode[], edges: readonly ShapeEdge[],
  layer: { type: string; params: Record<string, ParamValue>; init?: NodeInit },
): { nodes: LayerNode[]; edges: ShapeEdge[]; id: string } {
  const id = freshId('kernel', new Set(nodes.map((n) => n.id)));
  const input = nodes.find((n) => n.data.type === 'Input');
  const data = { type: layer.type, params: { ...layer.params }, ...(layer.init ? { init: layer.init } : {}) };
  if (!input) {
    const node: LayerNode = { id, type: 'layer', position: { x: 0, y: 0 }, data, selected: true };
    return { nodes: [...nodes, node], edges: [...edges], id };
  }
  const below = downstream(edges, input.id);
  below.delete(input.id);
  const moved = nodes.map((n) => (below.has(n.id) ? { ...n, position: { x: n.position.x, y: n.position.y + ROW } } : n));
  const node: LayerNode = { id, type: 'layer', position: { x: input.position.x, y: input.position.y + ROW }, data, selected: true };
  const rewired = edges.map((e) => (e.source === input.id ? flowEdge({ source: id, target: e.target, targetHandle: e.targetHandle ?? undefined }) : e));
  return { nodes: [...moved, node], edges: [flowEdge({ source: input.id, target: id }), ...rewired], id };
}
