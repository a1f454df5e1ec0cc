/**
 * Fashion-MNIST from files: find (or download) them, read and validate them. Batches are cut by
 * main/engine-core/batches.ts, the same in the training process and in a Web Worker.
 */

import { readIdxFile, IdxError } from './idx';
import { FILE_NAMES, locateData, missingDataMessage, userDataDir, type FileKey, type Located } from './locate';
import { downloadFashionMnist, type DownloadProgress } from './download';
import { DataError, type FashionData, type FashionSource, type Split } from '../engine-core/batches';

export { DataError, makeBatch, subset, type Batch, type FashionData, type FashionSource, type Split } from '../engine-core/batches';

export { locateData };

export { CLASS_NAMES } from '../../shared/training/fashion-mnist';

export interface FashionMnist extends FashionData {
  dir: string;
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

/** The files as the trainer's data source: loaded once, on the first ask (or `preloaded`). */
export function fileSource(dir: string | null, preloaded?: FashionMnist): FashionSource {
  let data: Promise<FashionMnist> | null = preloaded ? Promise.resolve(preloaded) : null;
  const load = () => (data ??= loadFashionMnist({ dir }));
  return {
    async counts() {
      const d = await load();
      return { train: d.train.count, test: d.test.count };
    },
    load,
  };
}

export { FILE_NAMES };
