import { describe, expect, it } from 'vitest';
import { colorOf, overlayHeat, toRgba, type ColorMap } from '../../../../renderer/insight/colormap';

const luma = ([r, g, b]: [number, number, number]) => 0.299 * r + 0.587 * g + 0.114 * b;

describe('colour maps', () => {
  it.each([
    ['gray', 0, [0, 0, 0]],
    ['gray', 255, [255, 255, 255]],
    ['gray', 77, [77, 77, 77]],
    ['diverging', 128, [254, 255, 255]],
    ['diverging', 0, [37, 99, 235]],
    ['diverging', 255, [234, 88, 12]],
    ['activation', 0, [68, 1, 84]],
    ['activation', 255, [253, 231, 37]],
  ] as [ColorMap, number, number[]][])('%s maps byte %i to %j', (map, byte, rgb) => {
    colorOf(map, byte).forEach((c, i) => expect(Math.abs(c - rgb[i]), `channel ${i}`).toBeLessThanOrEqual(1));
  });

  it.each(['gray', 'activation', 'heat'] as ColorMap[])('%s grows lighter with the value, so brighter always means more', (map) => {
    for (let v = 8; v < 256; v += 8) expect(luma(colorOf(map, v)), `byte ${v}`).toBeGreaterThan(luma(colorOf(map, v - 8)));
  });

  it('diverging is lightest at its zero (byte 128) and darker on both sides', () => {
    expect(luma(colorOf('diverging', 128))).toBeGreaterThan(luma(colorOf('diverging', 64)));
    expect(luma(colorOf('diverging', 128))).toBeGreaterThan(luma(colorOf('diverging', 192)));
  });

  it('toRgba colours one channel of a packed array, opaque', () => {
    const bytes = new Uint8Array([9, 9, 0, 255, 9]);
    const rgba = toRgba(bytes, 'gray', 2, 2);
    expect([...rgba]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });
});

describe('overlayHeat', () => {
  it('leaves the image as it is where the heat is zero and colours it where the heat is high', () => {
    const image = new Uint8Array([200, 200]);
    const out = overlayHeat(image, new Uint8Array([0, 255]));
    expect([...out.slice(0, 4)]).toEqual([200, 200, 200, 255]);
    // Hot: pulled towards the heat map's yellow top, blue drops.
    expect(out[6]).toBeLessThan(200);
    expect(out[4]).toBeGreaterThan(200);
  });

  it('refuses a heat map of another size, naming both', () => {
    expect(() => overlayHeat(new Uint8Array(784), new Uint8Array(100))).toThrow(/100 pixels, the image 784/);
  });
});
