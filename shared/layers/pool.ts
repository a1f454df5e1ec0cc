/**
 * What MaxPool2d and AvgPool2d share: the same params (stride defaulting to the kernel), PyTorch's
 * rule that padding is at most half the kernel, and the window arithmetic with ceil_mode=False.
 */

import type { Fix } from '../graph/types';
import { windowOutSize } from '../shapes/arith';
import type { ParamSpec, ParamValues, ShapeIn, ShapeOut } from './layer';
import { describeTooSmall, hw, needImage, pad4, pair, pairValue, windowRF, type Pad4, type Pair } from './rules';

export interface PoolParams<T extends string = string> { type: T; kernel: Pair; stride: Pair; padding: Pad4 }

export const poolParams = (): ParamSpec[] => [
  { name: 'kernel_size', type: 'intPair', min: 1, doc: 'Window size, an int or [h, w].', short: 'k' },
  { name: 'stride', type: 'intPair', default: 'kernel_size', min: 1, doc: 'Step between windows (defaults to kernel_size).', short: 's' },
  { name: 'padding', type: 'intPair', default: 0, min: 0, doc: 'Padding on each side, at most half the kernel.', short: 'p' },
];

export const resolvePool = <T extends string>(type: T, v: ParamValues): PoolParams<T> =>
  ({ type, kernel: pair(v.kernel_size), stride: pair(v.stride), padding: pad4(v.padding) });

export function poolShape(x: ShapeIn, p: PoolParams): ShapeOut | null {
  if (!needImage(x)) return null;
  const s = x.shapes[0];
  const id = x.id;
  const where = `${x.type} ${id}`;
  const [t, , l] = p.padding;
  const maxH = Math.floor(p.kernel[0] / 2);
  const maxW = Math.floor(p.kernel[1] / 2);
  if (t > maxH || l > maxW) {
    const bad = t > maxH ? { pad: t, k: p.kernel[0], max: maxH } : { pad: l, k: p.kernel[1], max: maxW };
    const vh = Math.min(t, maxH);
    const vw = Math.min(l, maxW);
    x.report({
      severity: 'error', code: 'pool-padding', nodeId: id,
      message: `${where}: padding ${bad.pad} is more than half the kernel ${bad.k} (at most ${bad.max}); PyTorch refuses this. Set padding ≤ ${bad.max} or enlarge kernel_size.`,
      fix: { kind: 'setParam', label: `Padding ${vh === vw ? vh : `[${vh}, ${vw}]`}`, nodeId: id, param: 'padding', value: pairValue(vh, vw) },
    });
    return null;
  }
  const oh = windowOutSize(s[2], p.kernel[0], p.stride[0], t, t);
  const ow = windowOutSize(s[3], p.kernel[1], p.stride[1], l, l);
  if (oh < 1 || ow < 1) {
    const kh = Math.min(p.kernel[0], s[2] + 2 * t);
    const kw = Math.min(p.kernel[1], s[3] + 2 * l);
    // Or pad up to PyTorch's limit of half the kernel, where that is enough.
    const padFor = (k: number, len: number, pad: number) => Math.max(pad, Math.ceil((k - len) / 2));
    const ph = padFor(p.kernel[0], s[2], t);
    const pw = padFor(p.kernel[1], s[3], l);
    const padding: Fix[] = ph <= maxH && pw <= maxW
      ? [{ kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} gives ${hw(windowOutSize(s[2], p.kernel[0], p.stride[0], ph, ph), windowOutSize(s[3], p.kernel[1], p.stride[1], pw, pw))}`, nodeId: id, param: 'padding', value: pairValue(ph, pw) }]
      : [];
    x.report({
      severity: 'error', code: 'nonpositive-output', nodeId: id,
      message: `${where}: ${describeTooSmall(p.kernel, [1, 1], s, p.padding, [oh, ow])}. Reduce kernel_size to at most ${hw(s[2] + 2 * t, s[3] + 2 * l)} or remove earlier downsampling.`,
      fix: { kind: 'setParam', label: `Kernel ${kh === kw ? kh : `[${kh}, ${kw}]`}`, nodeId: id, param: 'kernel_size', value: pairValue(kh, kw) },
      ...(padding.length ? { alternatives: padding } : {}),
    });
    return null;
  }
  return { shape: [s[0], s[1], oh, ow], rf: windowRF(x.rfs[0], p.kernel, p.stride) };
}
