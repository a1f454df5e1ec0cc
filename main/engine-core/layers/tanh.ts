/** Tanh: tfjs's 'tanh' activation. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { engineLayer } from './layer';

export const tanh = engineLayer<{ type: 'Tanh' }>((b) => tf.layers.activation({ activation: 'tanh', name: b.name() }).apply(b.inputs[0]) as SymbolicTensor);
