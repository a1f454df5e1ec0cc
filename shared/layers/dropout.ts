/** Dropout: zeroes activations while training; shapes pass through. */

import { defineLayer } from './layer';
import { passThrough } from './rules';

export interface DropoutParams { type: 'Dropout'; p: number }

export const dropout = defineLayer({
  type: 'Dropout', label: 'Dropout', category: 'Layers', inputs: 1, torch: 'Dropout',
  doc: 'Zeroes each activation with probability p while training.',
  params: [{ name: 'p', type: 'float', default: 0.5, min: 0, max: 1, doc: 'Drop probability.' }],
  initial: {},
  resolve: (v): DropoutParams => ({ type: 'Dropout', p: v.p as number }),
  shape: passThrough,
});
