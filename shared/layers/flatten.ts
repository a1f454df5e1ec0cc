/** Flatten: C×H×W → C·H·W, channel-major like PyTorch's nn.Flatten. */

import { defineLayer } from './layer';

export const flatten = defineLayer({
  type: 'Flatten', label: 'Flatten', category: 'Layers', inputs: 1, torch: 'Flatten',
  doc: 'C×H×W → C·H·W (PyTorch order: channel-major).', params: [],
  initial: {},
  resolve: () => ({ type: 'Flatten' as const }),
  shape(x) {
    const s = x.shapes[0];
    return { shape: s.length === 4 ? [s[0], s[1] * s[2] * s[3]] : s.slice(), rf: x.rfs[0] };
  },
});
