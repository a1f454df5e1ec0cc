/** BatchNorm1d → nn.BatchNorm1d (see batch-norm.ts); ONNX's BatchNormalization takes [N, C] as it is. */

import { batchNorm } from './batch-norm';

export const batchNorm1d = batchNorm('nn.BatchNorm1d');
