/**
 * lab.fashionImage: one Fashion-MNIST test image as a grid in [0, 1], the scaling training uses.
 * The test set is read once and kept: the service is warm, and browsing images should not
 * re-read 10,000 of them per click. Nothing is downloaded from here; where the files are missing
 * the answer says where it looked and how to get them, as training does.
 */

import { fail, ok, type Result } from '../../../../shared/api';
import { checkFashionImage } from '../../../../shared/lab/check';
import type { FashionImageResult } from '../../../../shared/lab/types';
import { FASHION_MNIST } from '../../../../shared/training/fashion-mnist';
import { CLASS_NAMES } from '../../../data/fashion-mnist';
import { readIdxFile } from '../../../data/idx';
import { locateData, missingDataMessage } from '../../../data/locate';

let testSet: { images: Uint8Array; labels: Uint8Array; count: number } | null = null;

function loadTestSet(): typeof testSet {
  const found = locateData();
  if (!found.files) return null;
  const images = readIdxFile(found.files.testImages);
  const labels = readIdxFile(found.files.testLabels);
  return { images: images.data, labels: labels.data, count: labels.dims[0] };
}

export function fashionImage(args: unknown): Result<FashionImageResult> {
  const checked = checkFashionImage(args, FASHION_MNIST.testSamples);
  if (!checked.ok) return fail('invalid-lab-input', checked.error.message, { diagnostics: checked.error.diagnostics });
  try {
    testSet ??= loadTestSet();
  } catch (err) {
    return fail('data', `The Fashion-MNIST test set could not be read: ${(err as Error).message}`);
  }
  if (!testSet) return fail('data', missingDataMessage(locateData().searched));
  const { index } = checked.value;
  if (index >= testSet.count) return fail('invalid-lab-input', `The test set here has ${testSet.count} images; choose an index below ${testSet.count}.`);
  const side = FASHION_MNIST.side;
  const at = index * side * side;
  const pixels = Array.from({ length: side }, (_, i) => Array.from(testSet!.images.subarray(at + i * side, at + (i + 1) * side), (v) => v / 255));
  const label = testSet.labels[index];
  return ok({ index, label, className: CLASS_NAMES[label], pixels });
}
