/** MaxPool2d: padding is −∞ (PaddedMaxPool2d), which tfjs's own pooling cannot express. */

import type { PoolParams } from '../../../shared/layers/pool';
import { engineLayer } from './layer';
import { paddedMaxPool2d } from './padded-max-pool';

export const maxPool2d = engineLayer<PoolParams<'MaxPool2d'>>((b, p) =>
  paddedMaxPool2d(b.inputs[0], { name: b.name(), poolSize: p.kernel, strides: p.stride, padding: p.padding }));
