/** BatchNorm2d: normalises each channel of a C×H×W map over the batch and H×W. */

import { batchNormParams, normalised, resolveBatchNorm, type BatchNormParams } from './batch-norm';
import { defineLayer } from './layer';
import { needImage } from './rules';

export const batchNorm2d = defineLayer({
  type: 'BatchNorm2d', label: 'BatchNorm2d', category: 'Normalisation', inputs: 1, torch: 'BatchNorm2d',
  doc: 'Normalises each channel over the batch and H×W, then scales and shifts.',
  params: batchNormParams(),
  initial: {},
  resolve: (v): BatchNormParams<'BatchNorm2d'> => resolveBatchNorm('BatchNorm2d', v),
  shape: (x) => (needImage(x, ', or use BatchNorm1d here') ? normalised(x) : null),
});
