import { describe, expect, it } from 'vitest';
import { cellColors, epochAccuracies, margins, mistakesIn, percent, rowShares } from '../../../../renderer/insight/confusion';
import type { TrainingEvent } from '../../../../shared/training';

const confusion = [
  [8, 2, 0],
  [1, 3, 0],
  [0, 0, 0],
];

describe('confusion matrix for display', () => {
  it('shares each cell of its row, and a row without images shares nothing', () => {
    expect(rowShares(confusion)).toEqual([
      [0.8, 0.2, 0],
      [0.25, 0.75, 0],
      [0, 0, 0],
    ]);
  });

  it('sums rows to the class counts and columns to how often each class was predicted', () => {
    expect(margins(confusion)).toEqual({ rows: [10, 4, 0], cols: [9, 5, 0], total: 14 });
  });

  it.each([
    [0, true, '#fff'],
    [0, false, '#fff'],
  ])('a share of %d (diagonal %s) is left white', (share, diag, bg) => {
    expect(cellColors(share, diag).background).toBe(bg);
  });

  it('a mistake is red, a hit green, and a larger share is darker', () => {
    const red = (s: string) => s.match(/\d+/g)!.map(Number);
    const [r1, g1] = red(cellColors(0.05, false).background);
    const [, g2] = red(cellColors(0.2, false).background);
    expect(r1).toBeGreaterThan(g1);
    expect(g2).toBeLessThan(g1);
    const [hr, hg] = red(cellColors(0.9, true).background);
    expect(hg).toBeGreaterThan(hr);
  });

  const mistakes = [
    { index: 4, label: 1, predicted: 0, confidence: 0.9 },
    { index: 7, label: 0, predicted: 1, confidence: 0.8 },
    { index: 9, label: 1, predicted: 0, confidence: 0.6 },
  ];
  it.each([
    [null, [4, 7, 9]],
    [{ label: 1, predicted: 0 }, [4, 9]],
    [{ label: 0, predicted: 1 }, [7]],
    [{ label: 2, predicted: 2 }, []],
  ])('the cell %j shows mistakes %j, in the engine\'s order', (cell, indices) => {
    expect(mistakesIn(mistakes, cell).map((m) => m.index)).toEqual(indices);
  });
});

describe('epochAccuracies', () => {
  const epoch = (n: number, val: number, extra: Record<string, unknown> = {}) =>
    ({ event: 'epoch', runId: 'r', epoch: n, train_loss: 1 / n, val_loss: 2 / n, val_acc: val, samples_per_s: 1, eta_s: 0, seconds: 1, ...extra }) as TrainingEvent;

  it('reads one row per epoch in order, the later report of a repeated epoch standing', () => {
    const rows = epochAccuracies([epoch(2, 0.5), { event: 'batch' } as unknown as TrainingEvent, epoch(1, 0.3), epoch(2, 0.6)]);
    expect(rows.map((r) => [r.epoch, r.valAcc])).toEqual([[1, 0.3], [2, 0.6]]);
  });

  it('takes train accuracy when the trainer reports it, and says none otherwise', () => {
    expect(epochAccuracies([epoch(1, 0.4, { train_acc: 0.45 }), epoch(2, 0.5)]).map((r) => r.trainAcc)).toEqual([0.45, null]);
  });

  it.each([
    [0.875, '87.5 %'],
    [1, '100.0 %'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('percent(%s) is %s', (v, text) => expect(percent(v)).toBe(text));
});
