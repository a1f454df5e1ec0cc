/** Input: the NHWC placeholder the model is fed. */

import * as tf from '@tensorflow/tfjs-layers';
import type { InputParams } from '../../../shared/layers/input';
import { engineLayer } from './layer';

export const input = engineLayer<InputParams>((b, p) => tf.input({ shape: [p.height, p.width, p.channels], name: b.name() }));
