import { describe, expect, it } from 'vitest';
import { gridLayout, shapeText, type LayoutLimits } from '../../../../renderer/insight/layout';

const limits: LayoutLimits = { maxWidth: 560, gap: 3, minTile: 18, maxTile: 96 };

describe('gridLayout', () => {
  it.each([
    // channels, h, w: LeNet's conv1 (6×28×28), conv2 (16×10×10), ResNet's last stage shown 64 of 3×3, one 1×1 map
    [6, 28, 28],
    [16, 10, 10],
    [64, 3, 3],
    [1, 1, 1],
    [64, 32, 32],
    [3, 5, 40],
  ])('%i maps of %i×%i fit the width, with whole-pixel scaling and enough tiles', (count, h, w) => {
    const g = gridLayout(count, h, w, limits);
    expect(Number.isInteger(g.scale) && g.scale >= 1).toBe(true);
    expect(g.tileWidth).toBe(w * g.scale);
    expect(g.tileHeight).toBe(h * g.scale);
    expect(g.columns * g.tileWidth + (g.columns - 1) * limits.gap).toBeLessThanOrEqual(limits.maxWidth);
    expect(g.columns * g.rows).toBeGreaterThanOrEqual(count);
    expect((g.rows - 1) * g.columns).toBeLessThan(count);
    expect(Math.max(g.tileWidth, g.tileHeight)).toBeLessThanOrEqual(Math.max(limits.maxTile, Math.max(h, w)));
  });

  it('draws a small map large and many maps small', () => {
    expect(gridLayout(1, 28, 28, limits).scale).toBeGreaterThan(gridLayout(64, 28, 28, limits).scale);
  });

  it('never blows one map past the largest tile', () => {
    expect(gridLayout(1, 4, 4, limits).tileWidth).toBeLessThanOrEqual(limits.maxTile);
  });

  it('writes shapes as PyTorch lists them, channels first', () => expect(shapeText([16, 10, 10])).toBe('16 × 10 × 10'));
});
