/** AvgPool2d: the mean over each window, padded zeros included (count_include_pad=True). */

import { defineLayer, type ParamValues } from './layer';
import { poolParams, poolShape, resolvePool, type PoolParams } from './pool';

export const avgPool2d = defineLayer({
  type: 'AvgPool2d', label: 'AvgPool2d', category: 'Pooling', inputs: 1, torch: 'AvgPool2d',
  doc: 'Mean over each window; padded zeros count (count_include_pad=True).',
  params: poolParams(),
  initial: { kernel_size: 2 },
  resolve: (v: ParamValues): PoolParams<'AvgPool2d'> => resolvePool('AvgPool2d', v),
  shape: (x, p) => poolShape(x, p),
});
