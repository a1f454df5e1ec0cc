/**
 * Bytes from the engine → pixels on a canvas. The engine sends every picture as bytes 0–255
 * (shared/insight.ts); which colours those bytes get is the page's one decision, made here so
 * every view reads the same way: an image in gray (light garment on black, as Fashion-MNIST
 * stores it), an activation in a perceptual scale (dark = quiet, yellow = firing), a filter
 * diverging around its zero (blue negative, white zero, orange positive, as the Kernel lab tints
 * numbers), and Grad-CAM as a heat laid over the image.
 */

export type ColorMap = 'gray' | 'activation' | 'diverging' | 'heat';

type Rgb = [number, number, number];

/** Colour stops at equal steps from 0 to 255; between stops the colour is interpolated linearly. */
const STOPS: Record<Exclude<ColorMap, 'gray'>, Rgb[]> = {
  // Close to matplotlib's viridis (its ends and three inner points): monotone in lightness, so a
  // brighter cell always means a larger value, and it survives a gray-scale print.
  activation: [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ],
  // Byte 128 is the filter's zero (shared/insight.ts Filters.data): white exactly there.
  diverging: [
    [37, 99, 235],
    [255, 255, 255],
    [234, 88, 12],
  ],
  // Transparent-to-red-to-yellow: cold regions leave the image visible, hot ones cover it.
  heat: [
    [0, 0, 0],
    [230, 20, 20],
    [255, 150, 0],
    [255, 255, 110],
  ],
};

function buildTable(map: ColorMap): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let v = 0; v < 256; v++) {
    let rgb: Rgb;
    if (map === 'gray') rgb = [v, v, v];
    else {
      const stops = STOPS[map];
      const t = (v / 255) * (stops.length - 1);
      const i = Math.min(stops.length - 2, Math.floor(t));
      const f = t - i;
      const a = stops[i];
      const b = stops[i + 1];
      rgb = [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
    }
    table.set(rgb.map(Math.round), v * 3);
  }
  return table;
}

const TABLES = new Map<ColorMap, Uint8ClampedArray>();

/** The colour a byte gets under a map. */
export function colorOf(map: ColorMap, byte: number): Rgb {
  let table = TABLES.get(map);
  if (!table) TABLES.set(map, (table = buildTable(map)));
  const o = Math.max(0, Math.min(255, Math.round(byte))) * 3;
  return [table[o], table[o + 1], table[o + 2]];
}

/** CSS colour of a byte, for legends and table cells. */
export const cssColor = (map: ColorMap, byte: number): string => `rgb(${colorOf(map, byte).join(', ')})`;

/**
 * `count` bytes starting at `offset` → RGBA (opaque), for `ImageData`. One channel of an
 * activations answer is a slice of its `data`, so a view draws 64 grids from one decoded array.
 */
export function toRgba(bytes: Uint8Array, map: ColorMap, offset = 0, count = bytes.length - offset): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(count * 4);
  for (let i = 0; i < count; i++) {
    const [r, g, b] = colorOf(map, bytes[offset + i]);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * Grad-CAM over the image: each pixel is the gray image mixed with the heat colour in proportion
 * to the heat (times `strength`), so where the class has no support the garment shows unchanged.
 */
export function overlayHeat(image: Uint8Array, heat: Uint8Array, strength = 0.75): Uint8ClampedArray<ArrayBuffer> {
  if (image.length !== heat.length) throw new Error(`The heat map has ${heat.length} pixels, the image ${image.length}: they must match.`);
  const out = new Uint8ClampedArray(image.length * 4);
  for (let i = 0; i < image.length; i++) {
    const a = (heat[i] / 255) * strength;
    const [r, g, b] = colorOf('heat', heat[i]);
    const v = image[i];
    out[i * 4] = v + (r - v) * a;
    out[i * 4 + 1] = v + (g - v) * a;
    out[i * 4 + 2] = v + (b - v) * a;
    out[i * 4 + 3] = 255;
  }
  return out;
}
