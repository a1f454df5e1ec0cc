/** LeakyReLU: tfjs's LeakyReLU, whose alpha is PyTorch's negative_slope (tfjs defaults it to 0.3, so it is always passed). */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { LeakyReLUParams } from '../../../shared/layers/leaky-relu';
import { engineLayer } from './layer';

export const leakyReLU = engineLayer<LeakyReLUParams>((b, p) => tf.layers.leakyReLU({ alpha: p.negative_slope, name: b.name() }).apply(b.inputs[0]) as SymbolicTensor);
