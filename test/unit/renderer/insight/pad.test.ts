import { describe, expect, it } from 'vitest';
import { PAD_SIDE, paintSegment, toPadPoint } from '../../../../renderer/insight/pad';

const blank = () => new Uint8Array(PAD_SIDE * PAD_SIDE);
const at = (p: Uint8Array, x: number, y: number) => p[y * PAD_SIDE + x];

describe('the drawing pad rasterises strokes into 28×28', () => {
  it('a horizontal stroke lights the pixels it crosses fully and leaves rows far from it black', () => {
    const p = blank();
    paintSegment(p, { x: 4, y: 14 }, { x: 24, y: 14 }, 1.5);
    for (let x = 5; x < 24; x++) expect(at(p, x, 13), `x=${x}`).toBe(255);
    for (let x = 0; x < PAD_SIDE; x++) {
      expect(at(p, x, 10)).toBe(0);
      expect(at(p, x, 18)).toBe(0);
    }
  });

  it('an edge pixel the brush half covers is gray (anti-aliased like the data set)', () => {
    const p = blank();
    // The brush edge at y = 14.5 ± 1 → rows 13.5..15.5: row 13 and row 15 are half covered.
    paintSegment(p, { x: 2, y: 14.5 }, { x: 26, y: 14.5 }, 1);
    expect(at(p, 10, 14)).toBe(255);
    expect(at(p, 10, 13)).toBeGreaterThan(64);
    expect(at(p, 10, 13)).toBeLessThan(192);
  });

  it('a click is a dot, and painting over keeps the brighter value', () => {
    const p = blank();
    paintSegment(p, { x: 10, y: 10 }, { x: 10, y: 10 }, 2);
    expect(at(p, 9, 9)).toBe(255);
    expect(at(p, 20, 20)).toBe(0);
    const before = at(p, 11, 11);
    paintSegment(p, { x: 14, y: 14 }, { x: 14, y: 14 }, 0.5);
    expect(at(p, 11, 11)).toBe(before);
  });

  it('erasing darkens what the brush covers and nothing else', () => {
    const p = new Uint8Array(PAD_SIDE * PAD_SIDE).fill(255);
    paintSegment(p, { x: 14, y: 14 }, { x: 14, y: 14 }, 2, true);
    expect(at(p, 14, 14)).toBe(0);
    expect(at(p, 2, 2)).toBe(255);
  });

  it('strokes past the edge are clipped, not wrapped onto the next row', () => {
    const p = blank();
    paintSegment(p, { x: 27.5, y: 5 }, { x: 40, y: 5 }, 1);
    expect(at(p, 27, 5)).toBeGreaterThan(0);
    expect(at(p, 0, 6)).toBe(0);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => paintSegment(new Uint8Array(10), { x: 0, y: 0 }, { x: 1, y: 1 }, 1)).toThrow(/28×28 pixels, got 10 bytes/);
  });

  it.each([
    [0, 0, 0, 0],
    [280, 280, 28, 28],
    [140, 70, 14, 7],
    [-20, 400, 0, 28],
  ])('a pointer at (%i, %i) on a 280 px pad is (%i, %i) in image pixels', (cx, cy, x, y) => {
    expect(toPadPoint(cx, cy, { left: 0, top: 0, width: 280, height: 280 })).toEqual({ x, y });
  });
});
