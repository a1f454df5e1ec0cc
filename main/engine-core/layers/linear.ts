/** Linear: a dense layer with Xavier weights and zero biases. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { LinearParams } from '../../../shared/layers/linear';
import { engineLayer } from './layer';

export const linear = engineLayer<LinearParams>((b, p) => tf.layers.dense({
  units: p.out_features, useBias: p.bias, kernelInitializer: b.xavier(), biasInitializer: 'zeros', name: b.name(),
}).apply(b.inputs[0]) as SymbolicTensor);
