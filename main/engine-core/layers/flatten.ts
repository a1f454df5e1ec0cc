/** Flatten: channel-major like PyTorch (TorchFlatten), not tfjs's NHWC order. */

import { engineLayer } from './layer';
import { torchFlatten } from './torch-flatten';

export const flatten = engineLayer<{ type: 'Flatten' }>((b) => torchFlatten(b.inputs[0], b.name()));
