/** BatchNorm1d: normalises each feature of a flat tensor over the batch. */

import { batchNormParams, normalised, resolveBatchNorm, type BatchNormParams } from './batch-norm';
import { defineLayer } from './layer';
import { needFlat } from './rules';

export const batchNorm1d = defineLayer({
  type: 'BatchNorm1d', label: 'BatchNorm1d', category: 'Normalisation', inputs: 1, torch: 'BatchNorm1d',
  doc: 'Normalises each feature of a flat tensor over the batch.',
  params: batchNormParams(),
  initial: {},
  resolve: (v): BatchNormParams<'BatchNorm1d'> => resolveBatchNorm('BatchNorm1d', v),
  shape: (x) => (needFlat(x) ? normalised(x) : null),
});
