import { describe, expect, it } from 'vitest';
import { nodeSpec } from '../../../shared/graph/catalogue';
import { paramSummary, parseParamText, paramText } from '../../../renderer/model/format';

const spec = (type: string, name: string) => nodeSpec(type)!.params.find((p) => p.name === name)!;

describe('parseParamText', () => {
  it.each([
    ['Conv2d', 'padding', '2', 2],
    ['Conv2d', 'padding', ' same ', 'same'],
    ['Conv2d', 'padding', 'VALID', 'valid'],
    ['Conv2d', 'padding', '1×2', [1, 2]],
    ['Conv2d', 'kernel_size', '3x5', [3, 5]],
    ['Conv2d', 'kernel_size', '3, 5', [3, 5]],
    ['Conv2d', 'kernel_size', '[3, 5]', [3, 5]],
    ['Conv2d', 'kernel_size', '(3,5)', [3, 5]],
    ['Conv2d', 'kernel_size', '3,5', [3, 5]],
    ['Conv2d', 'kernel_size', '3×5', [3, 5]],
    ['Conv2d', 'kernel_size', '3 x 5', [3, 5]],
    ['Conv2d', 'kernel_size', ' [ 4 ] ', 4],
    ['Conv2d', 'padding', '(0, 1)', [0, 1]],
    ['MaxPool2d', 'stride', '[2,1]', [2, 1]],
    ['Conv2d', 'out_channels', '16', 16],
    ['Dropout', 'p', '0.25', 0.25],
  ])('%s.%s reads %j as %j', (type, name, text, value) => {
    expect(parseParamText(spec(type, name), text)).toEqual({ value });
  });

  it.each([
    ['Conv2d', 'kernel_size', 'same', 'an int or [h, w]'],
    ['Conv2d', 'kernel_size', '[3, 5', 'an int or [h, w]'],
    ['Conv2d', 'kernel_size', '[3, 0]', 'at least 1'],
    ['Conv2d', 'kernel_size', '[]', 'an int or [h, w]'],
    ['Conv2d', 'out_channels', '0', 'at least 1'],
    ['Conv2d', 'out_channels', '2.5', 'whole number'],
    ['Conv2d', 'padding', '-1', 'at least 0'],
    ['Conv2d', 'kernel_size', '1×2×3', 'an int or [h, w]'],
    ['Dropout', 'p', '1.5', 'at most 1'],
  ])('%s.%s refuses %j, saying %s', (type, name, text, why) => {
    const r = parseParamText(spec(type, name), text);
    expect('error' in r && r.error).toContain(why);
  });

  it('writes back what it reads', () => {
    for (const v of [3, [3, 5] as [number, number], 'same']) expect(parseParamText(spec('Conv2d', 'padding'), paramText(v))).toEqual({ value: v });
  });
});

describe('paramSummary (the node card line, abbreviations from the layer modules)', () => {
  it.each([
    ['Conv2d', { out_channels: 6, kernel_size: 5, padding: 2 }, '6 · k5 · p2'],
    ['Conv2d', { out_channels: 16, kernel_size: [3, 5], stride: 2, dilation: 2, bias: false }, '16 · k3×5 · s2 · d2 · no bias'],
    ['Conv2d', { out_channels: 8, kernel_size: 3, bias: true }, '8 · k3'],
    ['Linear', { out_features: 10, bias: false }, '10 · no bias'],
    ['MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }, 'k3 · s2 · p1'],
    ['AdaptiveAvgPool2d', { output_size: [1, 1] }, 'out 1'],
    ['Residual', { num_channels: 128, use_1x1conv: true, strides: 2 }, '128 · use_1x1conv · strides=2'],
    ['Residual', { num_channels: 64, use_1x1conv: false }, '64'],
    ['Dropout', { p: 0.3 }, 'p=0.3'],
    // The Kernel lab writes every param; defaults are left off, so "frozen" fits on the card.
    ['Conv2d', { out_channels: 1, kernel_size: [1, 2], stride: 1, padding: 0, dilation: [1, 1], bias: false, frozen: true }, '1 · k1×2 · no bias · frozen'],
    ['Conv2d', { out_channels: 4, kernel_size: 3, groups: 1, stride: [1, 2] }, '4 · k3 · s1×2'],
    ['MaxPool2d', { kernel_size: 2, stride: 2 }, 'k2 · s2'],
    ['Dropout', { p: 0.5 }, 'p=0.5'],
    ['ReLU', { bogus: 1 }, 'bogus=1'],
  ] as const)('%s %j → %s', (type, params, text) => {
    expect(paramSummary(type, params as never)).toBe(text);
  });
});
