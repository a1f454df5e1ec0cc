/** AvgPool2d: padded zeros count (count_include_pad), so zero padding then a 'valid' average is exact. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { PoolParams } from '../../../shared/layers/pool';
import { engineLayer, zeroPad } from './layer';

export const avgPool2d = engineLayer<PoolParams<'AvgPool2d'>>((b, p) => {
  const padded = zeroPad(b, b.inputs[0], p.padding);
  return tf.layers.averagePooling2d({ poolSize: p.kernel, strides: p.stride, padding: 'valid', name: b.name() }).apply(padded) as SymbolicTensor;
});
