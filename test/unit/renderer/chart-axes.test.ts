import { describe, expect, it } from 'vitest';
import { epochSplits, stepDecimals, tickLabels } from '../../../renderer/panels/chart-axes';

describe('tickLabels', () => {
  // Flat losses, tiny steps, float noise: the cases uPlot's defaults print as repeated labels.
  const cases: [string, number[], number][] = [
    ['a nearly flat loss', [2.3021, 2.3023, 2.3025, 2.3027], 0.0002],
    ['quarter epochs', [0, 0.25, 0.5, 0.75, 1], 0.25],
    ['float noise in the splits', [0.1, 0.2, 0.30000000000000004, 0.4], 0.1],
    ['whole epochs', [0, 2, 4, 6, 8, 10], 2],
    ['accuracy', [0, 0.2, 0.4, 0.6, 0.8, 1], 0.2],
    ['a step finer than the splits say', [1.0001, 1.0002, 1.0003], 0.1],
  ];
  it.each(cases)('%s: every label distinct and no more precise than needed', (_t, splits, step) => {
    const labels = tickLabels(splits, step);
    expect(new Set(labels).size).toBe(labels.length);
    for (const [i, l] of labels.entries()) expect(Number(l)).toBeCloseTo(splits[i], 6);
  });

  it('uses the step\'s own decimals', () => {
    expect(tickLabels([0, 0.25, 0.5], 0.25)).toEqual(['0.00', '0.25', '0.50']);
    expect(tickLabels([0, 5, 10], 5)).toEqual(['0', '5', '10']);
    expect(stepDecimals(0.5)).toBe(1);
  });
});

describe('epochSplits', () => {
  const cases: [number, number, number][] = [[0, 1, 300], [0, 2, 300], [0, 10, 300], [0, 30, 300], [0.25, 1.75, 300], [0, 200, 600], [0, 10, 120]];
  it.each(cases)('from %d to %d on %d px: labels at least a label apart, on round steps, in range', (min, max, width) => {
    const { splits, step } = epochSplits(min, max, width);
    expect(splits.length).toBeGreaterThanOrEqual(2);
    expect(splits.length).toBeLessThanOrEqual(Math.max(2, Math.floor(width / 56)) + 1);
    for (const s of splits) {
      expect(s).toBeGreaterThanOrEqual(min - 1e-9);
      expect(s).toBeLessThanOrEqual(max + 1e-9);
      expect(Math.abs(s / step - Math.round(s / step))).toBeLessThan(1e-9);
    }
    const labels = tickLabels(splits, step);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
