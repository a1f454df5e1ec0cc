/**
 * The lab's Api calls, defined once so the hooks that ask for results see stable functions. The
 * engine service computes them on the Node side; nothing is computed in the page.
 */

import type { Conv1x1Request, CorrelateRequest, FashionImageRequest, LearnRequest, PoolRequest } from '../../shared/lab/types';
import { host } from '../api/host';

export const correlateCall = (r: CorrelateRequest) => host().api.labCorrelate(r);
export const conv1x1Call = (r: Conv1x1Request) => host().api.labConv1x1(r);
export const poolCall = (r: PoolRequest) => host().api.labPool(r);
export const learnCall = (r: LearnRequest) => host().api.labLearn(r);
export const fashionImageCall = (r: FashionImageRequest) => host().api.labFashionImage(r);
