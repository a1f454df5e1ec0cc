/**
 * The validation images insight works on: the Fashion-MNIST test set, read once and kept (the
 * service is warm; a click in the gallery should not re-read 10,000 images), and one image turned
 * into the network's input exactly as training's batches are (bytes / 255, then bilinear resize
 * to the Input's side: main/data/fashion-mnist.ts's makeBatch).
 */

import { FASHION_MNIST } from '../../../shared/training/fashion-mnist';
import { decodeBytes, type InsightImage } from '../../../shared/insight';
import { makeBatch, type Split } from '../../data/fashion-mnist';
import { readIdxFile } from '../../data/idx';
import { locateData, missingDataMessage } from '../../data/locate';
import { resizeBilinear } from '../../engine-core/resize';
import { InsightError } from './run-model';

let testSet: Split | null = null;

export function validationSet(): Split {
  if (testSet) return testSet;
  const found = locateData();
  if (!found.files) throw new InsightError('data', missingDataMessage(found.searched));
  try {
    const images = readIdxFile(found.files.testImages);
    const labels = readIdxFile(found.files.testLabels);
    testSet = { images: images.data, labels: labels.data, count: labels.dims[0], height: images.dims[1], width: images.dims[2] };
  } catch (err) {
    throw new InsightError('data', `The Fashion-MNIST test set could not be read: ${(err as Error).message}`);
  }
  return testSet;
}

const PLANE = FASHION_MNIST.side * FASHION_MNIST.side;

/** The 28×28 bytes and label of an image request. */
export function imageBytes(image: InsightImage): { bytes: Uint8Array; label: number | null } {
  if (image.source === 'pixels') return { bytes: decodeBytes(image.pixels), label: image.label ?? null };
  const set = validationSet();
  if (image.index >= set.count) throw new InsightError('bad-request', `The test set here has ${set.count} images; choose an index below ${set.count}.`);
  return { bytes: set.images.slice(image.index * PLANE, (image.index + 1) * PLANE), label: set.labels[image.index] };
}

/** One image as the network's NHWC input values (1 × side × side × 1), scaled and resized as in training. */
export function inputValues(bytes: Uint8Array, side: number): Float32Array {
  const x = Float32Array.from(bytes, (v) => v / 255);
  return resizeBilinear(x, 1, FASHION_MNIST.side, FASHION_MNIST.side, side, side);
}

/** Validation images [start, end) as a batch, exactly as the trainer evaluates them. */
export function validationBatch(start: number, end: number, side: number) {
  const set = validationSet();
  identity ??= Uint32Array.from({ length: set.count }, (_, i) => i);
  return makeBatch(set, identity, start, end, side);
}

/** The trainer validates on test images 0..n−1 in order: the indices are the identity. */
let identity: Uint32Array | null = null;
