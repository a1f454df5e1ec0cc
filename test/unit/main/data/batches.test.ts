import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../../../main/engine-core/resize';
import { makeBatch, subset, type Split } from '../../../../main/data/fashion-mnist';
import { epochOrder, permutation } from '../../../../main/engine-core/shuffle';

const pattern = Float32Array.from({ length: 784 }, (_, k) => ((k * 37) % 256) / 255);

describe('bilinear resize like torch.nn.functional.interpolate(bilinear, align_corners=False)', () => {
  // Recorded with PyTorch 1.13 (/usr/bin/python3) on x[i][j] = ((28i + j)·37 mod 256) / 255.
  it.each([
    [96, [[0, 0, 0.0], [1, 2, 0.0332516], [48, 32, 0.9410947], [95, 95, 0.1686275], [94, 7, 0.5115196]]],
    [224, [[0, 0, 0.0], [1, 2, 0.0], [112, 74, 0.9129902], [223, 223, 0.1686275], [222, 7, 0.3301471]]],
    [14, [[0, 0, 0.0960784], [1, 2, 0.7705883], [7, 4, 0.6607843], [13, 13, 0.3235294], [12, 7, 0.2450981]]],
  ] as const)('28 → %i matches PyTorch', (s, points) => {
    const out = resizeBilinear(pattern, 1, 28, 28, s, s);
    expect(out.length).toBe(s * s);
    for (const [i, j, v] of points) expect(out[i * s + j]).toBeCloseTo(v, 5);
  });
});

describe('batches', () => {
  const split: Split = { images: Uint8Array.from({ length: 3 * 784 }, (_, i) => (i < 784 ? 255 : i < 1568 ? 0 : 51)), labels: Uint8Array.from([7, 1, 4]), count: 3, height: 28, width: 28 };

  it('scales to [0, 1], gathers labels by index, and resizes per batch', () => {
    const b = makeBatch(split, [2, 0], 0, 2, null);
    expect([b.n, b.size, b.x.length]).toEqual([2, 28, 2 * 784]);
    expect(b.x[0]).toBeCloseTo(0.2, 6);
    expect(b.x[784]).toBe(1);
    expect(Array.from(b.y)).toEqual([4, 7]);
    const r = makeBatch(split, [0, 1, 2], 1, 3, 96);
    expect([r.n, r.size, r.x.length]).toEqual([2, 96, 2 * 96 * 96]);
    expect(Math.max(...r.x.subarray(0, 96 * 96))).toBe(0);
  });

  it('shuffles with a seed: same seed, same order; different epochs, different orders', () => {
    expect(Array.from(permutation(100, 5))).toEqual(Array.from(permutation(100, 5)));
    expect(Array.from(permutation(100, 5))).not.toEqual(Array.from(permutation(100, 6)));
    expect(Array.from(epochOrder(50, 0, 1))).not.toEqual(Array.from(epochOrder(50, 0, 2)));
    expect([...permutation(1000, 3)].sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
  });

  it('--limit takes a seeded random subset of distinct samples', () => {
    const s = subset(60000, 2000, 0);
    expect(s.length).toBe(2000);
    expect(new Set(s).size).toBe(2000);
    expect(Math.max(...s)).toBeGreaterThan(50000);
    expect(subset(100, null, 0).length).toBe(100);
  });
});
