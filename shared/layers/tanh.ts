/** Tanh: an element-wise activation (nn.Tanh); shapes pass through. */

import { defineLayer } from './layer';
import { passThrough } from './rules';

export const tanh = defineLayer({
  type: 'Tanh', label: 'Tanh', category: 'Activations', inputs: 1, torch: 'Tanh', doc: 'Hyperbolic tangent.', params: [],
  initial: {},
  resolve: () => ({ type: 'Tanh' as const }),
  shape: passThrough,
});
