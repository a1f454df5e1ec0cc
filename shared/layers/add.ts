/** Add: the element-wise sum of two or more tensors of equal shape (no broadcasting). */

import type { Fix } from '../graph/types';
import { defineLayer } from './layer';
import { keepSizeFix, projectionFix, sameRank, shortcutFirst, widestRF } from './merge';
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
      // Every way to make the two agree; the fix checker keeps those that leave fewer errors.
      const fixes: (Fix | undefined)[] = [];
      const projections = [projectionFix(x, ins[i], s, ref), projectionFix(x, ins[0], ref, s)];
      fixes.push(...(shortcutFirst(s, ref) ? projections : projections.reverse()));
      if (s[1] !== ref[1] && differ.length === 1) {
        for (const [src, want] of [[ins[i], ref[1]], [ins[0], s[1]]] as const) {
          if (x.producer(src).params?.type === 'Conv2d') fixes.push({ kind: 'setParam', label: `out_channels ${want} matches ${src === ins[i] ? ins[0] : ins[i]}`, nodeId: src, param: 'out_channels', value: want });
        }
      }
      if (ref.length === 4 && s[1] === ref[1]) fixes.push(keepSizeFix(x, ins[i], ref), keepSizeFix(x, ins[0], s));
      const [fix, ...alternatives] = fixes.filter((f): f is Fix => f !== undefined);
      x.report({
        severity: 'error', code: 'add-shape-mismatch', nodeId: x.id,
        message: `${x.type} ${x.id}: inputs must have equal shapes, but ${fmtShape(ref)} (${ins[0]}) and ${fmtShape(s)} (${ins[i]}) differ in ${differ.join(' and ')}.`,
        ...(fix ? { fix } : {}),
        ...(alternatives.length ? { alternatives } : {}),
      });
      return null;
    }
    return { shape: ref.slice(), rf: widestRF(x) };
  },
});
