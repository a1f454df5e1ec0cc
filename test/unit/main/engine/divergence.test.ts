/** The divergence rule on its own (engine-core/divergence.ts): which losses stop a run, and what it says. */

import { describe, expect, it } from 'vitest';
import { DIVERGENCE_FACTOR, divergenceWatch } from '../../../../main/engine-core/divergence';

const at = (batch: number) => ({ epoch: 1, batch });

/** Feeds the losses in order; the 1-based batch that stopped the run and its code, or null. */
function firstStop(losses: number[], reference: number | null = null): [number, string] | null {
  const w = divergenceWatch({ classes: 10, lr: 0.5, reference });
  for (let i = 0; i < losses.length; i++) {
    const d = w.check(losses[i], at(i + 1));
    if (d) return [i + 1, d.code];
  }
  return null;
}

describe('the divergence rule', () => {
  const ln10 = Math.log(10);
  it.each([
    ['a healthy run (falls from 2.3)', [2.3, 2.29, 2.1, 1.5, 0.9, 0.6, 0.5], null],
    ['a spike to 9× the start', [2.5, 3, 22.4, 2.4], null],
    ['a climb past 10× the start', [2.5, 3, 24, 26], [4, 'diverged']],
    ['NaN at the first batch', [Number.NaN], [1, 'nan-loss']],
    ['Infinity later on', [2.3, 2, Number.POSITIVE_INFINITY], [3, 'nan-loss']],
    ['1e31, the finding', [2.3, 1e4, 1e31], [2, 'diverged']],
    // A first loss below ln(10) (a lucky start) must not make ordinary losses look like divergence.
    ['a low first loss: the limit is 10·ln(10), not 10·0.4', [0.4, 5, 20, 10 * ln10], null],
    ['a low first loss, then past 10·ln(10)', [0.4, 5, 10 * ln10 + 0.1], [3, 'diverged']],
    ['a high first loss (a bad initialisation) that falls', [40, 350, 30, 2], null],
  ])('%s', (_t, losses, want) => {
    expect(firstStop(losses as number[])).toEqual(want);
  });

  it('a resumed run keeps its reference instead of taking the first loss after the resume', () => {
    // The run began at 2.4; after its resume the loss is 0.3, and 20 is a spike to 8× the start, not 66×.
    expect(firstStop([0.3, 20, 0.3], 2.4)).toBeNull();
    expect(firstStop([0.3, 25], 2.4)).toEqual([2, 'diverged']);
    const w = divergenceWatch({ classes: 10, lr: 0.1, reference: 2.4 });
    expect([w.reference, w.limit]).toEqual([2.4, DIVERGENCE_FACTOR * 2.4]);
  });

  it('says where, how far, and what to try', () => {
    const w = divergenceWatch({ classes: 10, lr: 0.9 });
    expect(w.check(2.5, at(1))).toBeNull();
    expect(w.check(4.2e5, { epoch: 3, batch: 17 })?.message).toBe(
      'The loss rose to 4.2e+5 at epoch 3, batch 17, over 10 times its first loss, 2.5: training diverged. Lower the learning rate (it is 0.9; try 0.09).');
    expect(w.check(Number.NaN, { epoch: 3, batch: 18 })?.message).toBe('The loss became NaN at epoch 3, batch 18: training diverged. Lower the learning rate (it is 0.9; try 0.09).');
  });
});
