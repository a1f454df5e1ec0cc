/**
 * What BatchNorm2d and BatchNorm1d share: the module (eps and momentum mean the same in both
 * programs), tfjs's gamma/beta/moving statistics as weight/bias/running_mean/running_var plus the
 * step count PyTorch keeps in num_batches_tracked, and ONNX BatchNormalization in inference form.
 */

import type { BatchNormParams } from '../../../shared/layers/batch-norm';
import { float } from '../onnx/graph';
import { exportLayer, f32, tfjsWeight } from './layer';

export const batchNorm = (cls: 'nn.BatchNorm2d' | 'nn.BatchNorm1d') => exportLayer<BatchNormParams>({
  torch: (p, x) => ({
    cls,
    args: [{ name: null, value: x.inShapes[0][1] }, { name: 'eps', value: p.eps, default: 1e-5 }, { name: 'momentum', value: p.momentum, default: 0.1 }],
  }),
  weights: (_p, w, x) => {
    const c = [x.inShapes[0][1]];
    return {
      weight: f32(c, tfjsWeight(w, 'gamma', c)),
      bias: f32(c, tfjsWeight(w, 'beta', c)),
      running_mean: f32(c, tfjsWeight(w, 'moving_mean', c)),
      running_var: f32(c, tfjsWeight(w, 'moving_variance', c)),
      num_batches_tracked: { shape: [], dtype: 'I64', data: BigInt64Array.of(BigInt(w.steps)) },
    };
  },
  onnx: (p, g, inputs, w) =>
    g.node('BatchNormalization', [inputs[0], g.initializer('weight', w.weight), g.initializer('bias', w.bias), g.initializer('running_mean', w.running_mean), g.initializer('running_var', w.running_var)], { epsilon: float(p.eps) }),
});
