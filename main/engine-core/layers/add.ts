/** Add: tfjs's element-wise sum; the shape engine has already checked the shapes are equal. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { engineLayer } from './layer';

export const add = engineLayer<{ type: 'Add' }>((b) => tf.layers.add({ name: b.name() }).apply(b.inputs) as SymbolicTensor);
