/** The preprocessing the page and `convstudio predict` share, and insight's byte encoding, case by case. */

import { describe, expect, it } from 'vitest';
import { prepareImage, resizeArea, type RawImage } from '../../../shared/image-prep';
import { byteValue, checkActivationsRequest, decodeBytes, encodeBytes } from '../../../shared/insight';

const gray = (width: number, height: number, f: (x: number, y: number) => number): RawImage => ({
  width, height, channels: 1, data: Uint8Array.from({ length: width * height }, (_, k) => f(k % width, Math.floor(k / width))),
});

describe('prepareImage', () => {
  const cases: { title: string; img: RawImage; invert?: boolean | 'auto'; check: (p: Uint8Array, inverted: boolean) => void }[] = [
    {
      title: 'a 28×28 light-on-dark image passes unchanged', img: gray(28, 28, (x, y) => (x * 7 + y * 3) % 256),
      check: (p, inv) => { expect(inv).toBe(false); expect(Array.from(p)).toEqual(Array.from(gray(28, 28, (x, y) => (x * 7 + y * 3) % 256).data)); },
    },
    {
      title: 'a dark-on-light image is inverted by auto', img: gray(28, 28, (x) => (x > 10 && x < 18 ? 0 : 255)),
      check: (p, inv) => { expect(inv).toBe(true); expect(p[14 * 28 + 14]).toBe(255); expect(p[0]).toBe(0); },
    },
    {
      title: 'invert: false leaves a light border light', img: gray(28, 28, () => 250), invert: false,
      check: (p, inv) => { expect(inv).toBe(false); expect(p[0]).toBe(250); },
    },
    {
      title: 'a wide image is fitted by its width and centred with a dark band above and below', img: gray(56, 28, () => 100),
      check: (p) => { expect(p[0]).toBe(0); expect(p[14 * 28]).toBe(100); expect(p[6 * 28]).toBe(0); expect(p[7 * 28]).toBe(100); expect(p[27 * 28 + 27]).toBe(0); },
    },
    {
      title: 'RGB becomes Rec. 601 luma', img: { width: 1, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0]) }, invert: false,
      check: (p) => expect(p[14 * 28 + 14]).toBe(Math.round(0.299 * 255)),
    },
    {
      title: 'a transparent pixel is white, so a cut-out on nothing reads as on white (then inverted)', img: { width: 2, height: 2, channels: 4, data: new Uint8Array(16) },
      check: (p, inv) => { expect(inv).toBe(true); expect(p.every((v) => v === 0)).toBe(true); },
    },
  ];
  it.each(cases)('$title', ({ img, invert, check }) => {
    const r = prepareImage(img, invert ?? 'auto');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.pixels.length).toBe(784);
      check(r.value.pixels, r.value.inverted);
      expect(r.value.steps.length).toBeGreaterThanOrEqual(3);
    }
  });

  it.each([
    ['no pixels', { width: 0, height: 5, channels: 1, data: new Uint8Array(0) } as RawImage, /no pixels/],
    ['too few bytes', { width: 4, height: 4, channels: 3, data: new Uint8Array(10) } as RawImage, /holds 10 bytes/],
    ['too many pixels', { width: 10_000, height: 10_000, channels: 1, data: new Uint8Array(1) } as RawImage, /megapixels/],
  ])('refuses %s', (_t, img, message) => {
    const r = prepareImage(img);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('resizeArea', () => {
  it.each([[8, 8, 4, 4], [7, 5, 3, 2], [28, 28, 14, 14], [3, 3, 9, 9]])('keeps the mean of a %i×%i image resized to %i×%i', (w, h, ow, oh) => {
    const src = Float32Array.from({ length: w * h }, (_, k) => (k * 37) % 11);
    const out = resizeArea(src, w, h, ow, oh);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    // Equal areas per output pixel when the sizes divide; close otherwise.
    expect(mean(out)).toBeCloseTo(mean(src), w % ow === 0 && h % oh === 0 ? 5 : 0);
  });
  it('keeps a one-pixel stroke when shrinking by 4 (bilinear would skip it)', () => {
    const src = Float32Array.from({ length: 16 * 16 }, (_, k) => (k % 16 === 5 ? 255 : 0));
    const out = resizeArea(src, 16, 16, 4, 4);
    expect(out[1]).toBeCloseTo(255 / 4, 4);
  });
});

describe('insight bytes', () => {
  it.each([0, 1, 2, 3, 100, 784, 1001])('base64 of %i bytes round-trips and matches Node', (n) => {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) % 256);
    const text = encodeBytes(bytes);
    expect(text).toBe(Buffer.from(bytes).toString('base64'));
    expect(decodeBytes(text)).toEqual(bytes);
  });
  it('maps bytes back to values over [min, max]', () => {
    expect(byteValue(0, -2, 6)).toBe(-2);
    expect(byteValue(255, -2, 6)).toBe(6);
  });
  it.each([
    ['pixels of the wrong size', { runId: 'r', image: { source: 'pixels', pixels: encodeBytes(new Uint8Array(100)) } }, /784 bytes/],
    ['pixels that are not base64', { runId: 'r', image: { source: 'pixels', pixels: '<<>>' } }, /base64/],
    ['an unknown image source', { runId: 'r', image: { source: 'camera' } }, /"validation" or "pixels"/],
    ['a run id that is a path', { runId: '../x', image: { source: 'validation', index: 0 } }, /runId/],
    ['a fractional epoch', { runId: 'r', epoch: 1.5, image: { source: 'validation', index: 0 } }, /epoch/],
  ])('an activations request with %s is refused, naming it', (_t, req, message) => {
    const r = checkActivationsRequest(req);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
