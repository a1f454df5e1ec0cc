/** AdaptiveAvgPool2d: averages into a fixed grid, PyTorch's overlapping windows. */

import { adaptiveWindow, nextReceptiveField } from '../shapes/arith';
import { defineLayer } from './layer';
import { needImage, pair, type Pair } from './rules';

export interface AdaptivePoolParams { type: 'AdaptiveAvgPool2d'; output_size: Pair }

export const adaptiveAvgPool2d = defineLayer({
  type: 'AdaptiveAvgPool2d', label: 'AdaptiveAvgPool2d', category: 'Pooling', inputs: 1, torch: 'AdaptiveAvgPool2d',
  doc: 'Averages into a fixed output grid whatever the input size.',
  params: [{ name: 'output_size', type: 'intPair', default: 1, min: 1, doc: 'Output H×W, an int or [h, w].', short: 'out ' }],
  initial: {},
  resolve: (v): AdaptivePoolParams => ({ type: 'AdaptiveAvgPool2d', output_size: pair(v.output_size) }),
  shape(x, p: AdaptivePoolParams) {
    if (!needImage(x)) return null;
    const s = x.shapes[0];
    const rfIn = x.rfs[0];
    const [oh, ow] = p.output_size;
    if (!rfIn) return { shape: [s[0], s[1], oh, ow], rf: null };
    // The widest window and the step between windows, per dimension.
    const a = adaptiveWindow(s[2], oh);
    const b = adaptiveWindow(s[3], ow);
    const h = nextReceptiveField(rfIn.size[0], rfIn.jump[0], a.kernel, a.stride);
    const w = nextReceptiveField(rfIn.size[1], rfIn.jump[1], b.kernel, b.stride);
    return { shape: [s[0], s[1], oh, ow], rf: { size: [h.size, w.size], jump: [h.jump, w.jump] } };
  },
});
