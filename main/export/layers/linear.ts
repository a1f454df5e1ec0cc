/**
 * Linear → nn.Linear; the tfjs kernel is [in, out], PyTorch's weight [out, in]. No feature
 * reordering: ConvStudio's Flatten is already channel-major (TorchFlatten), as nn.Flatten is.
 */

import type { LinearParams } from '../../../shared/layers/linear';
import { int } from '../onnx/graph';
import { exportLayer, f32, tfjsWeight, transpose2d } from './layer';

export const linear = exportLayer<LinearParams>({
  torch: (p, x) => ({
    cls: 'nn.Linear',
    args: [{ name: null, value: x.inShapes[0][1] }, { name: null, value: p.out_features }, { name: 'bias', value: p.bias, default: true }],
  }),
  weights: (p, w, x) => {
    const fin = x.inShapes[0][1];
    return {
      weight: f32([p.out_features, fin], transpose2d(tfjsWeight(w, 'kernel', [fin, p.out_features]), fin, p.out_features)),
      ...(p.bias ? { bias: f32([p.out_features], tfjsWeight(w, 'bias', [p.out_features])) } : {}),
    };
  },
  onnx: (_p, g, inputs, w) =>
    g.node('Gemm', [inputs[0], g.initializer('weight', w.weight), ...(w.bias ? [g.initializer('bias', w.bias)] : [])], { transB: int(1) }),
});
