/** Input: the model's argument (NCHW), not a module; in ONNX, the graph's input. */

import type { InputParams } from '../../../shared/layers/input';
import { exportLayer, noWeights } from './layer';

export const input = exportLayer<InputParams>({
  torch: () => null,
  weights: noWeights,
  onnx: (_p, _g, inputs) => inputs[0],
});
