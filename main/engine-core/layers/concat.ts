/** Concat: along the channel axis, which is last in NHWC and the feature axis of flat tensors (PyTorch dim 1). */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { engineLayer } from './layer';

export const concat = engineLayer<{ type: 'Concat' }>((b) => tf.layers.concatenate({ axis: -1, name: b.name() }).apply(b.inputs) as SymbolicTensor);
