/**
 * Fashion-MNIST for training: find (or download) the files, read and validate them, and cut
 * batches of scaled, optionally resized images. Pixels stay bytes in memory (47 MB for the
 * training set); floats exist only for the batch in hand, so 224×224 training never holds
 * 60,000 resized images at once.
 */

import { readIdxFile, IdxError } from './idx';
import { FILE_NAMES, locateData, missingDataMessage, userDataDir, type FileKey, type Located } from './locate';
import { downloadFashionMnist, type DownloadProgress } from './download';
import { resizeBilinear } from './resize';
import { permutation } from './shuffle';

export { locateData };

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface FashionMnist {
  dir: string;
  train: Split;
  test: Split;
}

export class DataError extends Error {
  override name = 'DataError';
  code = 'data';
}

function readSplit(images: string, labels: string, what: string): Split {
  const im = readIdxFile(images);
  const lb = readIdxFile(labels);
  if (im.dims.length !== 3) throw new IdxError(`${images}: expected 3 dimensions (count×28×28), found ${im.dims.length}`);
  if (lb.dims.length !== 1) throw new IdxError(`${labels}: expected 1 dimension (count), found ${lb.dims.length}`);
  const [count, height, width] = im.dims;
  if (height !== 28 || width !== 28) throw new IdxError(`${images}: images are ${height}×${width}; Fashion-MNIST's are 28×28`);
  if (lb.dims[0] !== count) throw new IdxError(`${what}: ${count} images but ${lb.dims[0]} labels`);
  for (let i = 0; i < lb.data.length; i++) {
    if (lb.data[i] > 9) throw new IdxError(`${labels}: label ${lb.data[i]} at index ${i} is not a class 0–9`);
  }
  return { images: im.data, labels: lb.data, count, height, width };
}

export function loadFromFiles(files: Record<FileKey, string>, dir: string): FashionMnist {
  try {
    return {
      dir,
      train: readSplit(files.trainImages, files.trainLabels, 'training set'),
      test: readSplit(files.testImages, files.testLabels, 'test set'),
    };
  } catch (err) {
    if (err instanceof IdxError) throw new DataError(err.message);
    throw err;
  }
}

export interface LoadOptions {
  dir?: string | null;
  /** Try the canonical download when nothing is found (default true unless a dir was named). */
  download?: boolean;
  onProgress?: (p: DownloadProgress) => void;
}

/** Locates, downloads if needed, reads and validates. Errors say where it looked and what to do. */
export async function loadFashionMnist(opts: LoadOptions = {}): Promise<FashionMnist> {
  const found: Located = locateData(opts.dir);
  if (found.dir && found.files) return loadFromFiles(found.files, found.dir);
  const mayDownload = opts.download ?? !opts.dir;
  if (!mayDownload) throw new DataError(missingDataMessage(found.searched));
  const target = userDataDir();
  try {
    const files = await downloadFashionMnist({ dir: target, onProgress: opts.onProgress });
    return loadFromFiles(files, target);
  } catch (err) {
    throw new DataError(missingDataMessage(found.searched, `Downloading them failed: ${(err as Error).message}`));
  }
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

export { FILE_NAMES };
