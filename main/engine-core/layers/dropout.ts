/** Dropout: tfjs's, with PyTorch's rate. */

import * as tf from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { DropoutParams } from '../../../shared/layers/dropout';
import { engineLayer } from './layer';

export const dropout = engineLayer<DropoutParams>((b, p) => tf.layers.dropout({ rate: p.p, name: b.name() }).apply(b.inputs[0]) as SymbolicTensor);
