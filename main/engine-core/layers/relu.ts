/** ReLU: tfjs's 'relu' activation. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { engineLayer } from './layer';

export const relu = engineLayer<{ type: 'ReLU' }>((b) => tf.layers.activation({ activation: 'relu', name: b.name() }).apply(b.inputs[0]) as SymbolicTensor);
