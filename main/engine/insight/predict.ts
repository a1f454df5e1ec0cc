/** Class probabilities for prepared 28×28 images, as the network computes them in evaluation mode (the CLI's predict). */

import * as tf from '@tensorflow/tfjs-core';
import type { Prediction } from '../../../shared/insight';
import { top5 } from './activations';
import { inputValues } from './data';
import type { RunModel } from './run-model';

export function predictImages(m: RunModel, images: Uint8Array[]): Prediction[][] {
  if (!images.length) return [];
  const side = m.imageSize;
  const x = new Float32Array(images.length * side * side);
  images.forEach((bytes, i) => x.set(inputValues(bytes, side), i * side * side));
  const probs = tf.tidy(() => tf.softmax(m.model.apply(tf.tensor4d(x, [images.length, side, side, 1]), { training: false }) as tf.Tensor2D).dataSync());
  return images.map((_, i) => top5(probs.subarray(i * 10, i * 10 + 10)));
}
