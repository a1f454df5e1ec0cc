import { describe, expect, it } from 'vitest';
import { batchClock } from '../../../../main/bench/batch-clock';

describe("the trainer's clock read back from its batch events", () => {
  it('separates the first batch (kernels built) from the later batches’ rate', () => {
    // 4 batches of 128 then 1 of 64: the first takes 2 s, each later one 0.5 s (256 samples/s).
    const times = [2, 0.5, 0.5, 0.5, 0.25];
    const sizes = [128, 128, 128, 128, 64];
    let seen = 0;
    let t = 0;
    const batches = sizes.map((n, i) => { seen += n; t += times[i]; return { samples: n, samples_per_s: seen / t }; });
    const c = batchClock(batches);
    expect(c.firstSeconds).toBeCloseTo(2, 9);
    expect(c.firstSamples).toBe(128);
    expect(c.steadyRate).toBeCloseTo(256, 6);
    expect(c.totalSeconds).toBeCloseTo(3.75, 9);
  });

  it('with one batch, its own rate', () => {
    expect(batchClock([{ samples: 100, samples_per_s: 50 }])).toEqual({ firstSeconds: 2, firstSamples: 100, steadyRate: 50, totalSeconds: 2 });
  });
});
