/** Linear: a fully connected layer on a flat tensor (nn.LazyLinear). */

import { defineLayer } from './layer';
import { needFlat } from './rules';

export interface LinearParams { type: 'Linear'; out_features: number; bias: boolean }

export const linear = defineLayer({
  type: 'Linear', label: 'Linear', category: 'Layers', inputs: 1, torch: 'Linear',
  doc: 'Fully connected layer on a flat tensor.',
  params: [
    { name: 'out_features', type: 'int', min: 1, doc: 'Output features.', short: '' },
    { name: 'bias', type: 'bool', default: true, doc: 'Learn an additive bias.', short: 'no bias' },
  ],
  initial: { out_features: 10 },
  resolve: (v): LinearParams => ({ type: 'Linear', out_features: v.out_features as number, bias: v.bias as boolean }),
  shape(x, p: LinearParams) {
    if (!needFlat(x)) return null;
    const s = x.shapes[0];
    const rfIn = x.rfs[0];
    // Every output of a dense layer sees the whole image.
    const img = x.image ?? rfIn?.size;
    return {
      shape: [s[0], p.out_features],
      params: s[1] * p.out_features + (p.bias ? p.out_features : 0),
      macs: s[1] * p.out_features,
      rf: rfIn && img ? { size: [Math.max(rfIn.size[0], img[0]), Math.max(rfIn.size[1], img[1])], jump: rfIn.jump } : null,
    };
  },
});
