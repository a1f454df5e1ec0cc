/** BatchNorm2d → nn.BatchNorm2d (see batch-norm.ts). */

import { batchNorm } from './batch-norm';

export const batchNorm2d = batchNorm('nn.BatchNorm2d');
