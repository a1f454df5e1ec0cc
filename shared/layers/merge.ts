/** What Add and Concat share: inputs of one rank, the widest receptive field, padding fixes upstream. */

import type { Fix } from '../graph/types';
import { keepSizePadding } from '../shapes/arith';
import type { ReceptiveField, ShapeIn } from './layer';
import { fmtShape, pairValue } from './rules';

/** Flat and C×H×W inputs cannot be merged; says so for the first that differs from input 0. */
export function sameRank(x: ShapeIn): boolean {
  const ref = x.shapes[0];
  for (let i = 1; i < x.shapes.length; i++) {
    const s = x.shapes[i];
    if (s.length === ref.length) continue;
    x.report({
      severity: 'error', code: 'merge-rank', nodeId: x.id,
      message: `${x.type} ${x.id}: input ${x.sources[i]} is ${fmtShape(s)} but ${x.sources[0]} is ${fmtShape(ref)}; one is flat and the other is not. Flatten both or neither.`,
    });
    return false;
  }
  return true;
}

/** The widest input decides what one output pixel can see. */
export function widestRF(x: ShapeIn): ReceptiveField | null {
  const rf: ReceptiveField = { size: [0, 0], jump: [0, 0] };
  for (const r of x.rfs) {
    if (!r) return null;
    rf.size = [Math.max(rf.size[0], r.size[0]), Math.max(rf.size[1], r.size[1])];
    rf.jump = [Math.max(rf.jump[0], r.jump[0]), Math.max(rf.jump[1], r.jump[1])];
  }
  return rf;
}

/** Where a merge input comes from a stride-1 Conv2d that shrank the map, the padding that keeps it. */
export function keepSizeFix(x: ShapeIn, src: string, target: number[]): Fix | undefined {
  const { params: p, input: before } = x.producer(src);
  if (!p || p.type !== 'Conv2d' || !before || before.length !== 4) return undefined;
  if (p.stride[0] !== 1 || p.stride[1] !== 1 || before[2] !== target[2] || before[3] !== target[3]) return undefined;
  const ph = keepSizePadding(p.kernel[0], p.dilation[0]);
  const pw = keepSizePadding(p.kernel[1], p.dilation[1]);
  if (ph !== null && pw !== null) {
    return { kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} keeps ${target[2]}×${target[3]}`, nodeId: src, param: 'padding', value: pairValue(ph, pw) };
  }
  return { kind: 'setParam', label: `Padding "same" keeps ${target[2]}×${target[3]}`, nodeId: src, param: 'padding', value: 'same' };
}
