/**
 * The layers without weights or arguments worth a module of their own: one PyTorch class, one
 * ONNX operator. Add and Concat are model.py's own small modules, so they show in layer_summary
 * under ConvStudio's names, as every other node does.
 */

import { int } from '../onnx/graph';
import { exportLayer, noWeights, type ExportLayer } from './layer';

const unary = <T extends string>(cls: string, op: string): ExportLayer<{ type: T }> => exportLayer<{ type: T }>({
  torch: () => ({ cls, args: [] }),
  weights: noWeights,
  onnx: (_p, g, inputs) => g.node(op, inputs),
});

export const relu = unary<'ReLU'>('nn.ReLU', 'Relu');
export const sigmoid = unary<'Sigmoid'>('nn.Sigmoid', 'Sigmoid');
export const tanh = unary<'Tanh'>('nn.Tanh', 'Tanh');
export const flatten = exportLayer<{ type: 'Flatten' }>({
  torch: () => ({ cls: 'nn.Flatten', args: [] }),
  weights: noWeights,
  onnx: (_p, g, inputs) => g.node('Flatten', inputs, { axis: int(1) }),
});

/** Summed left to right, as tfjs's Add layer does. */
export const add = exportLayer<{ type: 'Add' }>({
  torch: () => ({ cls: 'Add', args: [] }),
  weights: noWeights,
  onnx: (_p, g, inputs) => inputs.slice(1).reduce((acc, x) => g.node('Add', [acc, x]), inputs[0]),
});

export const concat = exportLayer<{ type: 'Concat' }>({
  torch: () => ({ cls: 'Concat', args: [] }),
  weights: noWeights,
  onnx: (_p, g, inputs) => g.node('Concat', inputs, { axis: int(1) }),
});
