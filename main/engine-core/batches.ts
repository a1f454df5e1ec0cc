/**
 * Fashion-MNIST as the trainer sees it, wherever it runs: the two splits as bytes, a run's seeded
 * subset of sample indices, and batches of scaled, optionally resized images. Pixels stay bytes
 * in memory (47 MB for the training set); floats exist only for the batch in hand, so 224×224
 * training never holds 60,000 resized images at once. Where the bytes come from is the host's:
 * files in Node (main/data/fashion-mnist.ts), the Api in a Web Worker.
 */

import { resizeBilinear } from './resize';
import { permutation } from './shuffle';

export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface FashionData {
  train: Split;
  test: Split;
}

/** Where a trainer gets its data: it asks for the counts, then for the samples a run reads. */
export interface FashionSource {
  counts(): Promise<{ train: number; test: number }>;
  /**
   * Both splits, with at least the samples at these indices filled in (a Web Worker fetches only
   * those; the files in Node hold all of them anyway).
   */
  load(need: { train: Uint32Array; test: Uint32Array }): Promise<FashionData>;
}

export class DataError extends Error {
  override name = 'DataError';
  code = 'data';
}

/**
 * The sample indices of one run: the first `limit` of a seeded shuffle, so a --limit subset is a
 * fair sample of all classes, not the first N images of the file.
 */
export function subset(count: number, limit: number | null, seed: number): Uint32Array {
  const p = permutation(count, seed ^ 0x5eed);
  return limit != null && limit < count ? p.slice(0, limit) : p;
}

export interface Batch {
  /** N×S×S×1 (NHWC with one channel) floats in [0, 1]. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  size: number;
}

/** Gathers indices[start, end) of a split, scales to [0,1], and resizes to size×size if needed. */
export function makeBatch(split: Split, indices: ArrayLike<number>, start: number, end: number, size: number | null): Batch {
  const n = end - start;
  const plane = split.height * split.width;
  const x = new Float32Array(n * plane);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = indices[start + i];
    const src = split.images.subarray(idx * plane, (idx + 1) * plane);
    const o = i * plane;
    for (let j = 0; j < plane; j++) x[o + j] = src[j] / 255;
    y[i] = split.labels[idx];
  }
  const s = size ?? split.height;
  return { x: resizeBilinear(x, n, split.height, split.width, s, s), y, n, size: s };
}
