/**
 * The drawing pad's picture: a student draws with the mouse on a large square, and what the
 * network gets is the 28×28 image a brush of that width would leave — light strokes on black,
 * as Fashion-MNIST's garments are. Strokes are rasterised here, in 28×28 pixel space, with the
 * brush's coverage of each pixel (supersampled) as its brightness, so a stroke has soft edges
 * like the data set's anti-aliased images, and crossing strokes keep the brighter value.
 */

import { FASHION_MNIST } from '../../shared/training/fashion-mnist';

export const PAD_SIDE = FASHION_MNIST.side;

export interface Point {
  /** In pixels of the 28×28 image (0 = left edge, 28 = right edge); fractions allowed. */
  x: number;
  y: number;
}

/** Samples per pixel side when measuring coverage: 4×4 gives 17 grey levels at an edge. */
const SUPER = 4;

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  const cx = a.x + t * dx;
  const cy = a.y + t * dy;
  return Math.hypot(px - cx, py - cy);
}

/**
 * Paints the segment a→b with a round brush of `radius` pixels into `pixels` (side×side bytes,
 * changed in place): each pixel becomes the larger of its value and the brush's coverage × 255
 * (or, erasing, the smaller of its value and 255 − coverage × 255). A click is a segment of length 0.
 */
export function paintSegment(pixels: Uint8Array, a: Point, b: Point, radius: number, erase = false, side = PAD_SIDE): void {
  if (pixels.length !== side * side) throw new Error(`The pad holds ${side}×${side} pixels, got ${pixels.length} bytes.`);
  const r = Math.max(0.1, radius);
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - r));
  const x1 = Math.min(side - 1, Math.ceil(Math.max(a.x, b.x) + r));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r));
  const y1 = Math.min(side - 1, Math.ceil(Math.max(a.y, b.y) + r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let inside = 0;
      for (let sy = 0; sy < SUPER; sy++) {
        for (let sx = 0; sx < SUPER; sx++) {
          if (distanceToSegment(x + (sx + 0.5) / SUPER, y + (sy + 0.5) / SUPER, a, b) <= r) inside++;
        }
      }
      if (inside === 0) continue;
      const v = Math.round((inside / (SUPER * SUPER)) * 255);
      const i = y * side + x;
      pixels[i] = erase ? Math.min(pixels[i], 255 - v) : Math.max(pixels[i], v);
    }
  }
}

/** A pointer position on the pad's element (CSS pixels) → a point in 28×28 pixel space. */
export function toPadPoint(clientX: number, clientY: number, rect: { left: number; top: number; width: number; height: number }, side = PAD_SIDE): Point {
  const x = ((clientX - rect.left) / Math.max(1, rect.width)) * side;
  const y = ((clientY - rect.top) / Math.max(1, rect.height)) * side;
  return { x: Math.max(0, Math.min(side, x)), y: Math.max(0, Math.min(side, y)) };
}
