/** Concat: joins tensors along the channel axis (torch.cat(xs, 1)); H×W must match. */

import { defineLayer } from './layer';
import type { Fix } from '../graph/types';
import { keepSizeFix, projectionFix, sameRank, widestRF } from './merge';

export const concat = defineLayer({
  type: 'Concat', label: 'Concat', category: 'Merge', inputs: 'many', torch: 'Concat',
  doc: 'Joins tensors along the channel axis; H×W must match.', params: [],
  initial: {},
  resolve: () => ({ type: 'Concat' as const }),
  shape(x) {
    if (!sameRank(x)) return null;
    const ins = x.sources;
    const ref = x.shapes[0];
    if (ref.length === 4) {
      for (let i = 1; i < x.shapes.length; i++) {
        const s = x.shapes[i];
        if (s[2] === ref[2] && s[3] === ref[3]) continue;
        // Channels may differ in a Concat: a projection keeps its input's own channels.
        const resample = (src: string, from: number[], to: number[]) => projectionFix(x, src, from, [to[0], from[1], to[2], to[3]]);
        const [fix, ...alternatives] = [keepSizeFix(x, ins[i], ref), keepSizeFix(x, ins[0], s), resample(ins[i], s, ref), resample(ins[0], ref, s)]
          .filter((f): f is Fix => f !== undefined);
        x.report({
          severity: 'error', code: 'concat-size-mismatch', nodeId: x.id,
          message: `${x.type} ${x.id}: joins along channels, so height×width must match, but ${ins[0]} is ${ref[2]}×${ref[3]} and ${ins[i]} is ${s[2]}×${s[3]}.`,
          ...(fix ? { fix } : {}),
          ...(alternatives.length ? { alternatives } : {}),
        });
        return null;
      }
    }
    const shape = ref.slice();
    shape[1] = 0;
    for (const s of x.shapes) shape[1] += s[1];
    return { shape, rf: widestRF(x) };
  },
});
