/** Dropout → nn.Dropout(p); at inference it is the identity, so ONNX gets no node for it. */

import type { DropoutParams } from '../../../shared/layers/dropout';
import { exportLayer, noWeights } from './layer';

export const dropout = exportLayer<DropoutParams>({
  torch: (p) => ({ cls: 'nn.Dropout', args: [{ name: 'p', value: p.p, default: 0.5 }] }),
  weights: noWeights,
  onnx: (_p, _g, inputs) => inputs[0],
});
