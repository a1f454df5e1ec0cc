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

/** The smallest stride taking a length `from` to `to` with a 1×1 window, or null when none does (a stride never enlarges). */
function strideTo(from: number, to: number): number | null {
  if (to < 1 || to > from) return null;
  if (to === 1) return from;
  const st = Math.floor((from - 1) / to) + 1;
  return Math.floor((from - 1) / st) === to - 1 ? st : null;
}

/**
 * A 1×1 convolution on the edge from `src` that turns its `from` shape into `to` (channels, and
 * H×W through its stride): PyTorch's projection shortcut, d2l's `use_1x1conv`. Flat inputs get a
 * Linear instead.
 */
export function projectionFix(x: ShapeIn, src: string, from: number[], to: number[]): Fix | undefined {
  if (from.length === 2 && to.length === 2) {
    return { kind: 'insertNode', label: `Linear on ${src}: ${from[1]} → ${to[1]} features`, beforeNodeId: x.id, edgeSource: src, nodeType: 'Linear', params: { out_features: to[1] } };
  }
  if (from.length !== 4 || to.length !== 4) return undefined;
  const sh = strideTo(from[2], to[2]);
  const sw = strideTo(from[3], to[3]);
  if (sh === null || sw === null) return undefined;
  const stride = pairValue(sh, sw);
  const strideText = sh === 1 && sw === 1 ? '' : `, stride ${sh === sw ? sh : `[${sh}, ${sw}]`}`;
  return {
    kind: 'insertNode', label: `1×1 conv on ${src}: ${from[1]} → ${to[1]} channels${strideText}`,
    beforeNodeId: x.id, edgeSource: src, nodeType: 'Conv2d',
    params: { out_channels: to[1], kernel_size: 1, ...(stride === 1 ? {} : { stride }) },
  };
}

/**
 * Which of two merge inputs is the shortcut: the larger map, or at equal size the one with fewer
 * channels (a residual block's main path downsamples and widens; its shortcut must follow).
 */
export function shortcutFirst(a: number[], b: number[]): boolean {
  if (a.length !== 4) return a[1] <= b[1];
  const area = (s: number[]) => s[2] * s[3];
  return area(a) !== area(b) ? area(a) > area(b) : a[1] <= b[1];
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
