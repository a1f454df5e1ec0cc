/** Sigmoid: an element-wise activation (nn.Sigmoid); shapes pass through. */

import { defineLayer } from './layer';
import { passThrough } from './rules';

export const sigmoid = defineLayer({
  type: 'Sigmoid', label: 'Sigmoid', category: 'Activations', inputs: 1, torch: 'Sigmoid', doc: '1 / (1 + e^−x).', params: [],
  initial: {},
  resolve: () => ({ type: 'Sigmoid' as const }),
  shape: passThrough,
});
