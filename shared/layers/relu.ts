/** ReLU: an element-wise activation (nn.ReLU); shapes pass through. */

import { defineLayer } from './layer';
import { passThrough } from './rules';

export const relu = defineLayer({
  type: 'ReLU', label: 'ReLU', category: 'Activations', inputs: 1, torch: 'ReLU', doc: 'max(0, x).', params: [],
  initial: {},
  resolve: () => ({ type: 'ReLU' as const }),
  shape: passThrough,
});
