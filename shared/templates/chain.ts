/**
 * Templates are plain graphs. Most are a straight chain, so they are written as a list of layers
 * and wired here, laid out top to bottom the way d2l prints them. Block definitions are written
 * the same way: a chain of layers from the block's input (`chainBlock`), or layers with their
 * inputs named (`graphBlock`) where branches join, as in Inception or a dense block.
 */

import { BLOCK_INPUT } from '../layers/layer';
import { GRAPH_FORMAT, GRAPH_VERSION, type BlockDef, type BlockParam, type GraphDoc, type GraphEdge, type GraphNode, type ParamValue } from '../graph/types';

export interface Layer {
  id: string;
  type: string;
  params?: Record<string, ParamValue>;
  repeat?: number | string;
}

const ROW = 90;

/** A template layer as a node; top-level ones get a place (blocks' insides are laid out when opened). */
function toNode(l: Layer, i: number | null): GraphNode {
  return { id: l.id, type: l.type, params: { ...(l.params ?? {}) }, ...(l.repeat !== undefined ? { repeat: l.repeat } : {}), ...(i !== null ? { position: { x: 0, y: i * ROW } } : {}) };
}

export function chain(name: string, layers: Layer[], blocks?: Record<string, BlockDef>): GraphDoc {
  const nodes = layers.map(toNode);
  const edges = layers.slice(1).map((l, i) => ({ source: layers[i].id, target: l.id }));
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, ...(blocks ? { blocks } : {}), nodes, edges };
}

export const input = (channels: number, size: number): Layer => ({ id: 'input', type: 'Input', params: { channels, height: size, width: size } });

/** A block whose layers follow one another from its input (an nn.Sequential). */
export function chainBlock(params: BlockParam[], layers: Layer[], extra: Pick<BlockDef, 'torch' | 'doc'> = {}): BlockDef {
  const nodes = layers.map((l) => toNode(l, null));
  const edges = layers.map((l, i) => ({ source: i === 0 ? BLOCK_INPUT : layers[i - 1].id, target: l.id }));
  return { params, nodes, edges, ...extra };
}

/** A block whose layers name their inputs ("in" is the block's input), in input-slot order. */
export function graphBlock(params: BlockParam[], layers: (Layer & { from: string[] })[], extra: Pick<BlockDef, 'torch' | 'doc'> = {}): BlockDef {
  const nodes = layers.map(({ from: _from, ...l }) => toNode(l, null));
  const edges: GraphEdge[] = layers.flatMap((l) => l.from.map((source, slot) => ({ source, target: l.id, ...(l.from.length > 1 ? { targetHandle: `in${slot}` } : {}) })));
  return { params, nodes, edges, ...extra };
}

export const intParam = (name: string, doc?: string, dflt?: number): BlockParam => ({ name, type: 'int', min: 1, ...(dflt !== undefined ? { default: dflt } : {}), ...(doc ? { doc } : {}) });
