import { describe, expect, it } from 'vitest';
import { nodeSpec } from '../../../shared/graph/catalogue';
import { parseParamText, paramText } from '../../../renderer/model/format';

const spec = (type: string, name: string) => nodeSpec(type)!.params.find((p) => p.name === name)!;

describe('parseParamText', () => {
  it.each([
    ['Conv2d', 'padding', '2', 2],
    ['Conv2d', 'padding', ' same ', 'same'],
    ['Conv2d', 'padding', 'VALID', 'valid'],
    ['Conv2d', 'padding', '1×2', [1, 2]],
    ['Conv2d', 'kernel_size', '3x5', [3, 5]],
    ['Conv2d', 'kernel_size', '3, 5', [3, 5]],
    ['Conv2d', 'out_channels', '16', 16],
    ['Dropout', 'p', '0.25', 0.25],
  ])('%s.%s reads %j as %j', (type, name, text, value) => {
    expect(parseParamText(spec(type, name), text)).toEqual({ value });
  });

  it.each([
    ['Conv2d', 'kernel_size', 'same', 'int or h×w'],
    ['Conv2d', 'out_channels', '0', 'at least 1'],
    ['Conv2d', 'out_channels', '2.5', 'whole number'],
    ['Conv2d', 'padding', '-1', 'at least 0'],
    ['Conv2d', 'kernel_size', '1×2×3', 'int or h×w'],
    ['Dropout', 'p', '1.5', 'at most 1'],
  ])('%s.%s refuses %j, saying %s', (type, name, text, why) => {
    const r = parseParamText(spec(type, name), text);
    expect('error' in r && r.error).toContain(why);
  });

  it('writes back what it reads', () => {
    for (const v of [3, [3, 5] as [number, number], 'same']) expect(parseParamText(spec('Conv2d', 'padding'), paramText(v))).toEqual({ value: v });
  });
});
