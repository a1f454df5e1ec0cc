/** BatchNorm2d: TorchBatchNorm, which keeps PyTorch's running statistics (momentum, unbiased variance). */

import type { BatchNormParams } from '../../../shared/layers/batch-norm';
import { engineLayer } from './layer';
import { torchBatchNorm } from './torch-batch-norm';

export const batchNorm2d = engineLayer<BatchNormParams<'BatchNorm2d'>>((b, p) => torchBatchNorm(b.inputs[0], { momentum: p.momentum, epsilon: p.eps, name: b.name() }));
