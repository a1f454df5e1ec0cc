/**
 * What MaxPool2d and AvgPool2d share: PyTorch's stride defaults to the kernel, padding is
 * symmetric. ONNX's MaxPool ignores padded cells (PyTorch's −∞) and AveragePool counts them with
 * count_include_pad, PyTorch's default.
 */

import type { PoolParams } from '../../../shared/layers/pool';
import { int, ints, type OnnxAttr } from '../onnx/graph';
import { exportLayer, noWeights, pairArg } from './layer';

export const pool = (cls: 'nn.MaxPool2d' | 'nn.AvgPool2d') => exportLayer<PoolParams>({
  torch: (p) => ({
    cls,
    args: [
      { name: null, value: pairArg(p.kernel) },
      { name: 'stride', value: pairArg(p.stride), default: pairArg(p.kernel) },
      { name: 'padding', value: pairArg([p.padding[0], p.padding[2]]), default: 0 },
    ],
  }),
  weights: noWeights,
  onnx: (p, g, inputs) => {
    const [t, b, l, r] = p.padding;
    const attrs: Record<string, OnnxAttr> = { kernel_shape: ints(p.kernel), strides: ints(p.stride), pads: ints([t, l, b, r]) };
    if (cls === 'nn.AvgPool2d') attrs.count_include_pad = int(1);
    return g.node(cls === 'nn.MaxPool2d' ? 'MaxPool' : 'AveragePool', inputs, attrs);
  },
});
