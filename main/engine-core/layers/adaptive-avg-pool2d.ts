/** AdaptiveAvgPool2d: PyTorch's overlapping windows (the custom AdaptiveAvgPool2d layer). */

import type { AdaptivePoolParams } from '../../../shared/layers/adaptive-avg-pool2d';
import { adaptiveAvgPool2d as adaptiveAvgPoolLayer } from './adaptive-avg-pool';
import { engineLayer } from './layer';

export const adaptiveAvgPool2d = engineLayer<AdaptivePoolParams>((b, p) => adaptiveAvgPoolLayer(b.inputs[0], { name: b.name(), outputSize: p.output_size }));
