/** LeakyReLU: x for x ≥ 0, negative_slope·x below (nn.LeakyReLU); shapes pass through. */

import { defineLayer } from './layer';
import { passThrough } from './rules';

export interface LeakyReLUParams { type: 'LeakyReLU'; negative_slope: number }

export const leakyReLU = defineLayer({
  type: 'LeakyReLU', label: 'LeakyReLU', category: 'Activations', inputs: 1, torch: 'LeakyReLU',
  doc: 'x where x ≥ 0, negative_slope · x elsewhere.',
  params: [{ name: 'negative_slope', type: 'float', default: 0.01, min: 0, doc: 'Slope below zero.', short: 'slope ' }],
  initial: {},
  resolve: (v): LeakyReLUParams => ({ type: 'LeakyReLU', negative_slope: v.negative_slope as number }),
  shape: passThrough,
});
