/** Sigmoid: tfjs's 'sigmoid' activation. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { engineLayer } from './layer';

export const sigmoid = engineLayer<{ type: 'Sigmoid' }>((b) => tf.layers.activation({ activation: 'sigmoid', name: b.name() }).apply(b.inputs[0]) as SymbolicTensor);
