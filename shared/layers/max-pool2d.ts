/** MaxPool2d: the maximum over each window; padding counts as −∞ (the compiler's PaddedMaxPool2d). */

import { defineLayer, type ParamValues } from './layer';
import { poolParams, poolShape, resolvePool, type PoolParams } from './pool';

export const maxPool2d = defineLayer({
  type: 'MaxPool2d', label: 'MaxPool2d', category: 'Pooling', inputs: 1, torch: 'MaxPool2d',
  doc: 'Maximum over each window; padding counts as −∞.',
  params: poolParams(),
  initial: { kernel_size: 2 },
  resolve: (v: ParamValues): PoolParams<'MaxPool2d'> => resolvePool('MaxPool2d', v),
  shape: (x, p) => poolShape(x, p),
});
