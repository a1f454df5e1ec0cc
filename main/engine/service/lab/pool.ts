/**
 * lab.pool: 2-D pooling through the engine's own MaxPool2d / AvgPool2d (the compiled X → pool
 * graph), and 3-D pooling over (depth, height, width) with tfjs's maxPool3d / avgPool3d after
 * PyTorch's padding: −∞ for max, zeros that count for average (count_include_pad=True).
 */

import * as tf from '@tensorflow/tfjs-core';
import { fail, ok, type Result } from '../../../../shared/api';
import { checkPool, type CheckedPool3d } from '../../../../shared/lab/check';
import type { Grid, PoolResult } from '../../../../shared/lab/types';
import { compileGraph } from '../../../engine-core/compile';
import type { OperationContext } from '../registry';
import { predictCHW } from './tensors';

/**
 * tfjs-backend-wasm 4.22's MaxPool3D starts each window's maximum at FLT_MIN (the smallest
 * positive float) instead of −FLT_MAX, so a window of negative numbers comes out as 1.2e−38.
 * Shifting the input to ≥ 1 and back gives the true maximum; only that backend pays the shift.
 */
function wasmSafeShift(x: Grid[], backend: string, mode: 'max' | 'avg'): number {
  if (backend !== 'wasm' || mode !== 'max') return 0;
  const min = Math.min(...x.flat(2));
  return min < 1 ? 1 - min : 0;
}

function pool3d({ mode, x, kernel, stride, padding }: CheckedPool3d['request'], backend: string): Grid[] {
  const shift = wasmSafeShift(x, backend, mode);
  return tf.tidy(() => {
    // NDHWC with one channel.
    const input = tf.add(tf.tensor5d([x.map((plane) => plane.map((row) => row.map((v) => [v])))]), shift) as tf.Tensor5D;
    const [pd, ph, pw] = padding;
    const padded = pd || ph || pw ? tf.pad(input, [[0, 0], [pd, pd], [ph, ph], [pw, pw], [0, 0]], mode === 'max' ? -Infinity : 0) : input;
    const y = mode === 'max' ? tf.maxPool3d(padded, kernel, stride, 'valid') : tf.avgPool3d(padded, kernel, stride, 'valid');
    return tf.squeeze(tf.sub(y, shift), [0, 4]).arraySync() as Grid[];
  });
}

export function pool(args: unknown, ctx: OperationContext): Result<PoolResult> {
  const checked = checkPool(args);
  if (!checked.ok) return fail('invalid-lab-input', checked.error.message, { diagnostics: checked.error.diagnostics });
  const c = checked.value;
  if (c.dims === 3) return ok({ y: pool3d(c.request, ctx.backend.name), backend: ctx.backend.name });
  const model = compileGraph(c.doc);
  try {
    return ok({ y: predictCHW(model, c.request.x), backend: ctx.backend.name });
  } finally {
    model.dispose();
  }
}
