/**
 * Conv2d: 2-D cross-correlation, PyTorch's nn.Conv2d with input channels inferred (d2l's
 * LazyConv2d). Explicit, "same" (asymmetric for even kernels) and "valid" padding, dilation, and
 * groups (each output channel sees in_channels / groups inputs, as in ResNeXt and AlexNet's split).
 */

import type { Fix } from '../graph/types';
import { minPaddingForOneWindow, samePadding, windowOutSize } from '../shapes/arith';
import { defineLayer, type ShapeIn } from './layer';
import { describeTooSmall, hw, needImage, pad4, pair, pairValue, windowRF, type Pad4, type Pair } from './rules';

export interface Conv2dParams {
  type: 'Conv2d'; out_channels: number; kernel: Pair; stride: Pair; padding: Pad4; dilation: Pair; bias: boolean; groups: number;
  /** Weights held fixed in training: left out of the optimizer's variables. */
  frozen: boolean;
  /** How padding was written: PyTorch refuses "same" with a stride other than 1. */
  paddingMode: 'explicit' | 'same' | 'valid';
}

export const conv2d = defineLayer({
  type: 'Conv2d', label: 'Conv2d', category: 'Layers', inputs: 1, torch: 'Conv2d',
  doc: '2-D cross-correlation over all input channels, plus a bias per output channel.',
  params: [
    { name: 'out_channels', type: 'int', min: 1, doc: 'Number of filters (output channels).', short: '' },
    { name: 'kernel_size', type: 'intPair', min: 1, doc: 'Window size, an int or [h, w].', short: 'k' },
    { name: 'stride', type: 'intPair', default: 1, min: 1, doc: 'Step between windows.', short: 's' },
    { name: 'padding', type: 'padding', default: 0, min: 0, doc: 'Zeros added on each side; "same" keeps H×W (stride 1 only).', short: 'p' },
    { name: 'dilation', type: 'intPair', default: 1, min: 1, doc: 'Spacing between kernel taps.', short: 'd' },
    { name: 'bias', type: 'bool', default: true, doc: 'Learn an additive bias.', short: 'no bias' },
    { name: 'groups', type: 'int', default: 1, min: 1, doc: 'Split the channels into this many groups, each convolved on its own; in and out channels must be divisible by it.', short: 'g' },
    { name: 'frozen', type: 'bool', default: false, doc: 'Keep the weights fixed in training (a kernel from the Kernel lab stays as it is).', short: 'frozen' },
  ],
  initial: { out_channels: 16, kernel_size: 3 },

  resolve(v): Conv2dParams {
    const kernel = pair(v.kernel_size);
    const dilation = pair(v.dilation);
    const mode = v.padding === 'same' ? 'same' : v.padding === 'valid' ? 'valid' : 'explicit';
    let padding: Pad4;
    if (mode === 'same') {
      const [t, b] = samePadding(kernel[0], dilation[0]);
      const [l, r] = samePadding(kernel[1], dilation[1]);
      padding = [t, b, l, r];
    } else if (mode === 'valid') {
      padding = [0, 0, 0, 0];
    } else {
      padding = pad4(v.padding);
    }
    return { type: 'Conv2d', out_channels: v.out_channels as number, kernel, stride: pair(v.stride), padding, dilation, bias: v.bias as boolean, groups: v.groups as number, frozen: v.frozen as boolean, paddingMode: mode };
  },

  shape(x, p: Conv2dParams) {
    if (!needImage(x)) return null;
    const s = x.shapes[0];
    const id = x.id;
    const where = `${x.type} ${id}`;
    if (p.paddingMode === 'same' && (p.stride[0] !== 1 || p.stride[1] !== 1)) {
      const ph = Math.floor((p.dilation[0] * (p.kernel[0] - 1)) / 2);
      const pw = Math.floor((p.dilation[1] * (p.kernel[1] - 1)) / 2);
      const oh = windowOutSize(s[2], p.kernel[0], p.stride[0], ph, ph, p.dilation[0]);
      const ow = windowOutSize(s[3], p.kernel[1], p.stride[1], pw, pw, p.dilation[1]);
      const fix: Fix | undefined = oh >= 1 && ow >= 1
        ? { kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} gives ${hw(oh, ow)}`, nodeId: id, param: 'padding', value: pairValue(ph, pw) }
        : undefined;
      const strideOne: Fix = { kind: 'setParam', label: 'Stride 1 (keeps "same")', nodeId: id, param: 'stride', value: 1 };
      x.report({
        severity: 'error', code: 'same-needs-stride-1', nodeId: id,
        message: `${where}: padding "same" works only with stride 1 (PyTorch refuses it for strided convolutions), and stride is ${p.stride[0] === p.stride[1] ? p.stride[0] : `[${p.stride.join(', ')}]`}. Set a number for padding, or stride 1.`,
        ...(fix ? { fix, alternatives: [strideOne] } : { fix: strideOne }),
      });
      return null;
    }
    const [t, b, l, r] = p.padding;
    const oh = windowOutSize(s[2], p.kernel[0], p.stride[0], t, b, p.dilation[0]);
    const ow = windowOutSize(s[3], p.kernel[1], p.stride[1], l, r, p.dilation[1]);
    if (oh < 1 || ow < 1) {
      const needH = oh < 1 ? minPaddingForOneWindow(s[2], p.kernel[0], p.dilation[0]) : 0;
      const needW = ow < 1 ? minPaddingForOneWindow(s[3], p.kernel[1], p.dilation[1]) : 0;
      const ph = Math.max(needH, t === b ? t : 0);
      const pw = Math.max(needW, l === r ? l : 0);
      const need = Math.max(needH, needW);
      const nh = windowOutSize(s[2], p.kernel[0], p.stride[0], ph, ph, p.dilation[0]);
      const nw = windowOutSize(s[3], p.kernel[1], p.stride[1], pw, pw, p.dilation[1]);
      // The largest kernel whose dilated extent fits the padded input, per dimension.
      const kh = oh < 1 ? Math.floor((s[2] + t + b - 1) / p.dilation[0]) + 1 : p.kernel[0];
      const kw = ow < 1 ? Math.floor((s[3] + l + r - 1) / p.dilation[1]) + 1 : p.kernel[1];
      const kOut = [windowOutSize(s[2], kh, p.stride[0], t, b, p.dilation[0]), windowOutSize(s[3], kw, p.stride[1], l, r, p.dilation[1])];
      const alternatives: Fix[] = [{ kind: 'setParam', label: `Padding ${ph === pw ? ph : `[${ph}, ${pw}]`} gives ${hw(nh, nw)}`, nodeId: id, param: 'padding', value: pairValue(ph, pw) }];
      x.report({
        severity: 'error', code: 'nonpositive-output', nodeId: id,
        message: `${where}: ${describeTooSmall(p.kernel, p.dilation, s, p.padding, [oh, ow])}. Reduce kernel_size or add padding ≥ ${need}.`,
        ...(kh >= 1 && kw >= 1
          ? { fix: { kind: 'setParam', label: `Kernel ${kh === kw ? kh : `[${kh}, ${kw}]`} gives ${hw(kOut[0], kOut[1])}`, nodeId: id, param: 'kernel_size', value: pairValue(kh, kw) }, alternatives }
          : { fix: alternatives[0] }),
      });
      return null;
    }
    const cin = s[1];
    if (p.groups > 1 && (cin % p.groups !== 0 || p.out_channels % p.groups !== 0)) {
      reportGroups(x, p, cin);
      return null;
    }
    const k = p.kernel[0] * p.kernel[1];
    // Each output channel sees only its group's inputs: PyTorch's weight is [out, in / groups, kh, kw].
    const cinPerGroup = cin / p.groups;
    return {
      shape: [s[0], p.out_channels, oh, ow],
      params: p.out_channels * cinPerGroup * k + (p.bias ? p.out_channels : 0),
      macs: p.out_channels * oh * ow * cinPerGroup * k,
      rf: windowRF(x.rfs[0], p.kernel, p.stride, p.dilation),
    };
  },
});

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** PyTorch's two checks ("in_channels must be divisible by groups", the same for out_channels), with the groups that pass both. */
function reportGroups(x: ShapeIn, p: Conv2dParams, cin: number): void {
  const bad = [cin % p.groups !== 0 ? `in_channels (${cin}, from ${x.sources[0]})` : '', p.out_channels % p.groups !== 0 ? `out_channels (${p.out_channels})` : ''].filter(Boolean);
  // The largest count up to the one asked for that divides both: the nearest valid grouping.
  const common = gcd(cin, p.out_channels);
  let g = Math.min(p.groups, common);
  while (common % g !== 0) g--;
  x.report({
    severity: 'error', code: 'conv-groups', nodeId: x.id,
    message: `${x.type} ${x.id}: ${bad.join(' and ')} must be divisible by groups (${p.groups}); PyTorch splits the channels into groups of equal size. Use groups ${g}${g > 1 ? ` (divides both ${cin} and ${p.out_channels})` : ''}, or change the channels.`,
    fix: { kind: 'setParam', label: `groups ${g}`, nodeId: x.id, param: 'groups', value: g },
  });
}
