/** LeakyReLU → nn.LeakyReLU(negative_slope); ONNX LeakyRelu's alpha. */

import type { LeakyReLUParams } from '../../../shared/layers/leaky-relu';
import { float } from '../onnx/graph';
import { exportLayer, noWeights } from './layer';

export const leakyReLU = exportLayer<LeakyReLUParams>({
  torch: (p) => ({ cls: 'nn.LeakyReLU', args: [{ name: 'negative_slope', value: p.negative_slope, default: 0.01 }] }),
  weights: noWeights,
  onnx: (p, g, inputs) => g.node('LeakyRelu', inputs, { alpha: float(p.negative_slope) }),
});
