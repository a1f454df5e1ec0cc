/** Between the lab's nested lists (channels first, as PyTorch prints) and tfjs's NHWC tensors. */

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Grid } from '../../../../shared/lab/types';

/** [C][H][W] → a batch of one, NHWC. */
export function nhwc(x: Grid[]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d([x]), [0, 2, 3, 1]) as tf.Tensor4D);
}

/** A batch of one, NHWC → [C][H][W]. */
export function chw(y: tf.Tensor): Grid[] {
  return tf.tidy(() => (tf.transpose(y, [0, 3, 1, 2]).arraySync() as number[][][][])[0]);
}

/** The model's output for one [C][H][W] sample, as [C][H][W]. */
export function predictCHW(model: LayersModel, x: Grid[]): Grid[] {
  return tf.tidy(() => chw(model.predict(nhwc(x)) as tf.Tensor));
}
