/** What BatchNorm2d and BatchNorm1d share: PyTorch's eps and momentum, and 2·C parameters. */

import type { ParamSpec, ParamValues, ShapeIn, ShapeOut } from './layer';

export interface BatchNormParams<T extends string = string> { type: T; eps: number; momentum: number }

export const batchNormParams = (): ParamSpec[] => [
  { name: 'eps', type: 'float', default: 1e-5, min: 0, doc: 'Added to the variance.' },
  { name: 'momentum', type: 'float', default: 0.1, min: 0, max: 1, doc: 'Running-statistics update rate (PyTorch convention).' },
];

export const resolveBatchNorm = <T extends string>(type: T, v: ParamValues): BatchNormParams<T> =>
  ({ type, eps: v.eps as number, momentum: v.momentum as number });

/** A weight and a bias per channel (or feature); the running statistics are not trainable. */
export function normalised(x: ShapeIn): ShapeOut {
  const s = x.shapes[0];
  return { shape: s.slice(), params: 2 * s[1], rf: x.rfs[0] };
}
