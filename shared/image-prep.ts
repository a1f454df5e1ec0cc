/**
 * A user's picture → what a Fashion-MNIST network expects: 28×28 grayscale bytes, light garment
 * on a dark background. The page (after the browser decodes the file) and the CLI's `predict`
 * (after pngjs/jpeg-js decode it) both call this, so an image gives the same answer in either.
 *
 * Steps, each reported so the page can show them: transparency composited over white (a cut-out
 * on a web page sits on white), grayscale by Rec. 601 luma, the longer side fitted into 28 with
 * the aspect kept (Fashion-MNIST's items are centred, not stretched), area-averaged, and inverted
 * when asked — or, with "auto", when the border is lighter than the middle grey (a photo on a
 * light background; Fashion-MNIST's borders are black).
 */

import { FASHION_MNIST } from './training/fashion-mnist';

export interface RawImage {
  width: number;
  height: number;
  /** Pixels row-major, `channels` bytes each: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  data: Uint8Array | Uint8ClampedArray;
  channels: 1 | 2 | 3 | 4;
}

export type InvertChoice = boolean | 'auto';

export interface Prepared {
  /** side × side bytes, row-major. */
  pixels: Uint8Array;
  side: number;
  inverted: boolean;
  /** What was done, in order, in words ("resized 300×400 → 21×28, centred in 28×28"). */
  steps: string[];
}

/** Larger pictures are refused rather than averaged for seconds (a 50-megapixel photo). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type PrepResult = { ok: true; value: Prepared } | { ok: false; message: string };

function grayOf(img: RawImage): Float32Array {
  const { width, height, data, channels } = img;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const o = i * channels;
    const luma = channels >= 3 ? 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] : data[o];
    const alpha = channels === 4 ? data[o + 3] / 255 : channels === 2 ? data[o + 1] / 255 : 1;
    out[i] = luma * alpha + 255 * (1 - alpha);
  }
  return out;
}

/**
 * Area average of `src` (w×h) onto `ow`×`oh`: each output pixel is the mean of the source area it
 * covers, fractional edges weighted, so thin strokes survive shrinking (bilinear would skip them).
 */
export function resizeArea(src: Float32Array, w: number, h: number, ow: number, oh: number): Float32Array {
  const out = new Float32Array(ow * oh);
  const sx = w / ow;
  const sy = h / oh;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(y0); y < Math.min(Math.ceil(y1), h); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        if (wy <= 0) continue;
        for (let x = Math.floor(x0); x < Math.min(Math.ceil(x1), w); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          if (wx <= 0) continue;
          sum += src[y * w + x] * wx * wy;
          area += wx * wy;
        }
      }
      out[oy * ow + ox] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/** Mean of the outermost ring of pixels. */
function borderMean(g: Float32Array, w: number, h: number): number {
  let sum = 0;
  let n = 0;
  for (let x = 0; x < w; x++) {
    sum += g[x] + g[(h - 1) * w + x];
    n += 2;
  }
  for (let y = 1; y < h - 1; y++) {
    sum += g[y * w] + g[y * w + w - 1];
    n += 2;
  }
  return n ? sum / n : 0;
}

export function prepareImage(img: RawImage, invert: InvertChoice = 'auto', side: number = FASHION_MNIST.side): PrepResult {
  const { width, height, data, channels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return { ok: false, message: `The image has no pixels (${width}×${height}).` };
  if (width * height > MAX_IMAGE_PIXELS) return { ok: false, message: `The image is ${width}×${height} pixels; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are taken. Scale it down first.` };
  if (![1, 2, 3, 4].includes(channels) || data.length < width * height * channels) return { ok: false, message: `The image's data holds ${data.length} bytes, not ${width}×${height}×${channels}.` };
  const steps: string[] = [];
  const gray = grayOf(img);
  steps.push(channels >= 3 ? 'converted to grayscale (0.299 R + 0.587 G + 0.114 B)' : 'grayscale already');
  if (channels === 2 || channels === 4) steps.push('transparency composited over white');
  const scale = side / Math.max(width, height);
  const fw = Math.max(1, Math.round(width * scale));
  const fh = Math.max(1, Math.round(height * scale));
  const fitted = resizeArea(gray, width, height, fw, fh);
  const inverted = invert === 'auto' ? borderMean(gray, width, height) > 127.5 : invert;
  // The background the fitted picture is centred on: what its border becomes after the inversion.
  const background = inverted ? 0 : borderMean(gray, width, height) > 127.5 ? 255 : 0;
  const out = new Uint8Array(side * side).fill(background);
  const ox = Math.floor((side - fw) / 2);
  const oy = Math.floor((side - fh) / 2);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const v = fitted[y * fw + x];
      out[(oy + y) * side + ox + x] = Math.round(Math.min(255, Math.max(0, inverted ? 255 - v : v)));
    }
  }
  steps.push(width === side && height === side ? `already ${side}×${side}` : `resized ${width}×${height} → ${fw}×${fh}${fw !== side || fh !== side ? `, centred in ${side}×${side}` : ''} (area average)`);
  steps.push(inverted ? `inverted (dark on light → light on dark, as Fashion-MNIST)${invert === 'auto' ? ': the border was light' : ''}` : `not inverted${invert === 'auto' ? ': the border was already dark' : ''}`);
  return { ok: true, value: { pixels: out, side, inverted, steps } };
}
