/** Shapes and counts as every view writes them (shared/format.ts). */

import { describe, expect, it } from 'vitest';
import { formatCount, formatCountWithScale, formatScaled, formatShape, formatTorchShape } from '../../../shared/format';

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
