/**
 * The benchmark's networks: the project's own templates, analysed by the shared shape engine,
 * with each node's resolved parameters and input shape — what the PyTorch script needs to build
 * exactly the same graph.
 */

import { getTemplate } from '../../shared/templates/index';
import { analyzeGraph } from '../../shared/shapes/index';
import { flattenDoc } from '../../shared/graph/flatten';
import { resolveParams } from '../../shared/graph/resolve';
import type { GraphDoc } from '../../shared/graph/types';

export type NetworkId = 'lenet' | 'bn-lenet' | 'resnet18' | 'vgg-small';

export interface NetworkSpec {
  id: NetworkId;
  label: string;
  doc: GraphDoc;
  /** Input height = width (images are resized from 28×28 when larger). */
  size: number;
  params: number;
  /** Forward multiply-accumulates per sample in convolutions and dense layers (the shape engine's). */
  macs: number;
  /** Nodes in topological order, blocks expanded, for bench/torch_bench.py. */
  nodes: { id: string; type: string; params: unknown; inputs: string[]; in_shape: number[] | null }[];
}

const LABELS: Record<NetworkId, string> = { lenet: 'LeNet', 'bn-lenet': 'BN-LeNet', resnet18: 'ResNet-18@96', 'vgg-small': 'VGG-11 (small)@224' };

export function networkSpec(id: NetworkId): NetworkSpec {
  const doc = getTemplate(id);
  if (!doc) throw new Error(`no template "${id}"`);
  // PyTorch builds the layers the blocks (ResNet-18's stages) expand to, as the trainer does.
  const flat = flattenDoc(doc);
  const analysis = analyzeGraph(flat);
  if (!analysis.ok || !analysis.inputId) throw new Error(`template "${id}" does not analyse cleanly: ${analysis.diagnostics.map((d) => d.message).join('; ')}`);
  const byId = new Map(flat.nodes.map((n) => [n.id, n]));
  const nodes = analysis.order.map((nid) => {
    const node = byId.get(nid)!;
    const inputs = analysis.inputsOf[nid] ?? [];
    return { id: nid, type: node.type, params: resolveParams(node), inputs, in_shape: inputs.length ? analysis.nodes[inputs[0]].shape : null };
  });
  const inShape = analysis.nodes[analysis.inputId].shape ?? [1, 1, 28, 28];
  return { id, label: LABELS[id], doc, size: inShape[2], params: analysis.totals.params, macs: analysis.totals.macs, nodes };
}
