/** Add: the element-wise sum of two or more tensors of equal shape (no broadcasting). */

import type { Fix } from '../graph/types';
import { defineLayer } from './layer';
import { keepSizeFix, sameRank, widestRF } from './merge';
import { fmtShape } from './rules';

export const add = defineLayer({
  type: 'Add', label: 'Add', category: 'Merge', inputs: 'many', torch: 'Add',
  doc: 'Element-wise sum of two or more tensors of equal shape.', params: [],
  initial: {},
  resolve: () => ({ type: 'Add' as const }),
  shape(x) {
    if (!sameRank(x)) return null;
    const ins = x.sources;
    const ref = x.shapes[0];
    for (let i = 1; i < x.shapes.length; i++) {
      const s = x.shapes[i];
      const differ: string[] = [];
      if (s[1] !== ref[1]) differ.push(ref.length === 4 ? `channels (${ref[1]} from ${ins[0]} vs ${s[1]} from ${ins[i]})` : `features (${ref[1]} from ${ins[0]} vs ${s[1]} from ${ins[i]})`);
      if (ref.length === 4 && (s[2] !== ref[2] || s[3] !== ref[3])) {
        const which = s[2] !== ref[2] && s[3] !== ref[3] ? 'height and width' : s[2] !== ref[2] ? 'height' : 'width';
        differ.push(`${which} (${ref[2]}×${ref[3]} vs ${s[2]}×${s[3]})`);
      }
      if (differ.length === 0) continue;
      let fix: Fix | undefined;
      const srcP = x.producer(ins[i]).params;
      if (s[1] !== ref[1] && srcP?.type === 'Conv2d' && differ.length === 1) {
        fix = { kind: 'setParam', label: `out_channels ${ref[1]} matches ${ins[0]}`, nodeId: ins[i], param: 'out_channels', value: ref[1] };
      } else if (ref.length === 4 && s[1] === ref[1]) {
        fix = keepSizeFix(x, ins[i], ref);
      }
      x.report({
        severity: 'error', code: 'add-shape-mismatch', nodeId: x.id,
        message: `${x.type} ${x.id}: inputs must have equal shapes, but ${fmtShape(ref)} (${ins[0]}) and ${fmtShape(s)} (${ins[i]}) differ in ${differ.join(' and ')}.`,
        ...(fix ? { fix } : {}),
      });
      return null;
    }
    return { shape: ref.slice(), rf: widestRF(x) };
  },
});
