/**
 * model.onnx, written here from the export plan and the weights in PyTorch's layout: each layer's
 * ONNX nodes come from its export module (main/export/layers/), wired through the blocks' insides
 * as the compiler wires them. NCHW float32 in ("input", batch × C × H × W), the logits out
 * ("logits"), opset 13 (graph.ts). No Python is involved.
 */

import { exportLayerOf } from '../layers/index';
import type { ExportPlan, PlanNode } from '../plan';
import { pathKey, type NetworkWeights } from '../weights';
import { OnnxGraph } from './graph';

export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

export interface OnnxOptions {
  producerVersion: string;
  /** One paragraph: what network, from where, which weights. */
  doc: string;
  metadata: Record<string, string>;
}

export function onnxModel(plan: ExportPlan, weights: NetworkWeights, opts: OnnxOptions): Uint8Array[] {
  const g = new OnnxGraph([ONNX_INPUT, ONNX_OUTPUT]);
  const valueOf = new Map<PlanNode, string>();
  for (const layer of plan.layers) {
    g.prefix = layer.path.join('.');
    const inputs = layer.type === 'Input' ? [ONNX_INPUT] : layer.from.map((p) => valueOf.get(p) as string);
    const w = weights.byPath.get(pathKey(layer.path)) ?? {};
    valueOf.set(layer, exportLayerOf(layer.type).onnx(layer.params, g, inputs, w, layer));
  }
  g.prefix = '';
  const last = plan.layers[plan.layers.length - 1];
  g.node('Identity', [valueOf.get(last) as string], {}, 'output', ONNX_OUTPUT);
  const [, c, h, w] = plan.inputShape;
  return g.encode({
    graphName: plan.doc.name || 'ConvStudio graph',
    input: { name: ONNX_INPUT, dims: ['N', c, h, w] },
    output: { name: ONNX_OUTPUT, dims: ['N', ...last.outShape.slice(1)] },
    doc: opts.doc,
    producerVersion: opts.producerVersion,
    metadata: opts.metadata,
  });
}
