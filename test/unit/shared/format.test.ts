/** Shapes and counts as every view writes them (shared/format.ts). */

import { describe, expect, it } from 'vitest';
import { formatCount, formatCountWithScale, formatScaled, formatShape, formatTorchShape, hasControlCharacters, terminalSafe } from '../../../shared/format';

describe('formatShape (canvas: batch implied)', () => {
  it.each([
    [[1, 6, 28, 28], '6×28×28'],
    [[1, 400], '400'],
    [[10], '10'],
    [[1, Infinity, 4, 4], '∞×4×4'],
    [[1, 2 ** 60], '1.15e+18'],
    [null, '?'],
  ])('%j → %s', (shape, text) => expect(formatShape(shape)).toBe(text));
});

describe('formatTorchShape (tables: as PyTorch lists it)', () => {
  it.each([
    [[1, 6, 28, 28], '[1, 6, 28, 28]'],
    [[1, 16777216, 4, 4], '[1, 16777216, 4, 4]'],
    [[1, Infinity], '[1, ∞]'],
    [null, '—'],
  ])('%j → %s', (shape, text) => expect(formatTorchShape(shape)).toBe(text));
});

describe('formatCount (every digit, grouped)', () => {
  it.each([
    [0, '0'],
    [950, '950'],
    [61_706, '61,706'],
    [1_000_000, '1,000,000'],
    [Number.MAX_SAFE_INTEGER, '9,007,199,254,740,991'],
    [-12_345, '-12,345'],
    // Past 2^53 the digits are not known: no "7.922,816,251,426,434e+28".
    [7.922816251426434e28, '7.92e+28'],
    [2 ** 60, '1.15e+18'],
    [Infinity, '∞'],
    [-Infinity, '-∞'],
    [NaN, 'NaN'],
  ])('%d → %s', (n, text) => expect(formatCount(n)).toBe(text));
});

describe('formatScaled (the scale networks are compared at)', () => {
  it.each([
    [950, '950'],
    [2_416, '2,416'],
    [9_999, '9,999'],
    [10_000, '10.0 k'],
    [61_706, '61.7 k'],
    [416_520, '416.5 k'],
    [999_960, '1.00 M'],
    [11_178_378, '11.18 M'],
    [7_547_232_256, '7.55 G'],
    [3.2e13, '32.00 T'],
    [999_999e12, '1.00e+18'],
    [7.922816251426434e28, '7.92e+28'],
    [-61_706, '-61.7 k'],
    [Infinity, '∞'],
    [NaN, 'NaN'],
  ])('%d → %s', (n, text) => expect(formatScaled(n)).toBe(text));
});

describe('formatCountWithScale (summary totals)', () => {
  it.each([
    [850, '850'],
    [2_416, '2,416'],
    [61_706, '61,706 (61.7 k)'],
    [416_520, '416,520 (416.5 k)'],
    [7.922816251426434e28, '7.92e+28'],
    [Infinity, '∞'],
  ])('%d → %s', (n, text) => expect(formatCountWithScale(n)).toBe(text));
});

describe('terminalSafe (what a terminal receives)', () => {
  it.each([
    ['plain text', 'conv1 → pool1', {}, 'conv1 → pool1'],
    ['ESC [2J', 'a\x1b[2Jb', {}, 'a\\u001b[2Jb'],
    ['OSC title with BEL', '\x1b]0;x\x07', {}, '\\u001b]0;x\\u0007'],
    ['CR', 'ok\rforged', {}, 'ok\\u000dforged'],
    ['newline and tab kept in text', 'a\n\tb', {}, 'a\n\tb'],
    ['newline and tab escaped in a line', 'a\n\tb', { line: true }, 'a\\u000a\\u0009b'],
    ['DEL and C1 CSI', '\x7f\u009b', {}, '\\u007f\\u009b'],
    ['bidi override and isolate', '\u202eabc\u2066', {}, '\\u202eabc\\u2066'],
    ['non-ASCII letters and emoji', 'Größe 😀 ×', {}, 'Größe 😀 ×'],
  ])('%s', (_what, text, opts, safe) => expect(terminalSafe(text, opts)).toBe(safe));

  it('escapes are JSON escapes: a JSON line made safe parses to the same value', () => {
    const value = { name: 'a\u009bb\u202ec\x1b', n: 1 };
    expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
  });

  it.each([['ab', false], ['a\nb', true], ['a\u009b', true], ['a\u202e', true], ['Größe', false]])('hasControlCharacters(%j) is %s', (s, has) => {
    expect(hasControlCharacters(s)).toBe(has);
  });
});
