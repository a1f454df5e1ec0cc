/** resolveParams: the normalised form the compiler reads (defaults applied, pairs expanded). */

import { describe, expect, it } from 'vitest';
import { resolveParams, tryResolveParams } from '../../../shared/graph/resolve';
import type { GraphNode, ParamValue } from '../../../shared/graph/types';

const node = (type: string, params: Record<string, ParamValue> = {}): GraphNode => ({ id: 'n', type, params });

describe('resolveParams', () => {
  it.each([
    ['Conv2d, ints expand to pairs', node('Conv2d', { out_channels: 6, kernel_size: 5, padding: 2 }),
      { type: 'Conv2d', out_channels: 6, kernel: [5, 5], stride: [1, 1], padding: [2, 2, 2, 2], dilation: [1, 1], bias: true, groups: 1, frozen: false, paddingMode: 'explicit' }],
    ['Conv2d, pairs stay [h, w]', node('Conv2d', { out_channels: 1, kernel_size: [3, 5], padding: [0, 1], stride: [3, 4], bias: false }),
      { type: 'Conv2d', out_channels: 1, kernel: [3, 5], stride: [3, 4], padding: [0, 0, 1, 1], dilation: [1, 1], bias: false, groups: 1, frozen: false, paddingMode: 'explicit' }],
    ['Conv2d, "same" with an even kernel pads the extra row at the bottom', node('Conv2d', { out_channels: 1, kernel_size: [4, 3], padding: 'same' }),
      { type: 'Conv2d', out_channels: 1, kernel: [4, 3], stride: [1, 1], padding: [1, 2, 1, 1], dilation: [1, 1], bias: true, groups: 1, frozen: false, paddingMode: 'same' }],
    ['Conv2d, "valid" is no padding', node('Conv2d', { out_channels: 1, kernel_size: 3, padding: 'valid' }),
      { type: 'Conv2d', out_channels: 1, kernel: [3, 3], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], bias: true, groups: 1, frozen: false, paddingMode: 'valid' }],
    ['MaxPool2d, stride defaults to the kernel', node('MaxPool2d', { kernel_size: [2, 3], padding: [0, 1] }),
      { type: 'MaxPool2d', kernel: [2, 3], stride: [2, 3], padding: [0, 0, 1, 1] }],
    ['AvgPool2d, explicit stride', node('AvgPool2d', { kernel_size: 3, stride: 1 }), { type: 'AvgPool2d', kernel: [3, 3], stride: [1, 1], padding: [0, 0, 0, 0] }],
    ['AdaptiveAvgPool2d', node('AdaptiveAvgPool2d', { output_size: 1 }), { type: 'AdaptiveAvgPool2d', output_size: [1, 1] }],
    ['BatchNorm2d defaults', node('BatchNorm2d'), { type: 'BatchNorm2d', eps: 1e-5, momentum: 0.1 }],
    ['BatchNorm1d', node('BatchNorm1d', { eps: 1e-3 }), { type: 'BatchNorm1d', eps: 1e-3, momentum: 0.1 }],
    ['Linear', node('Linear', { out_features: 10 }), { type: 'Linear', out_features: 10, bias: true }],
    ['Dropout', node('Dropout'), { type: 'Dropout', p: 0.5 }],
    ['Residual', node('Residual', { num_channels: 64 }), { type: 'Residual', num_channels: 64, use_1x1conv: false, strides: 1 }],
    ['Input defaults', node('Input'), { type: 'Input', channels: 1, height: 28, width: 28 }],
    ['ReLU', node('ReLU'), { type: 'ReLU' }],
  ] as const)('%s', (_title, n, expected) => {
    expect(resolveParams(n)).toEqual(expected);
  });

  it('throws for an invalid node (the compiler only sees graphs analyzeGraph accepted)', () => {
    expect(() => resolveParams(node('Conv2d', { kernel_size: 3 }))).toThrow('Conv2d n: out_channels is missing');
    expect(() => resolveParams(node('Conv3d'))).toThrow('Unknown node type "Conv3d"');
  });

  it('tryResolveParams reports instead of throwing', () => {
    const r = tryResolveParams(node('Linear', { out_features: -1 }));
    expect(r.params).toBeNull();
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', code: 'bad-param', nodeId: 'n' });
  });
});
