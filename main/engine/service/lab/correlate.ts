/**
 * lab.correlate and lab.conv1x1: d2l's corr2d, corr2d_multi_in(_out) and the 1×1 convolution,
 * computed by compiling the checked X → Conv2d graph with the engine's compiler — the very
 * Conv2d training builds, with the lab's kernel as its fixed initial weights.
 */

import * as tf from '@tensorflow/tfjs-core';
import { fail, ok, type Result } from '../../../../shared/api';
import { checkConv1x1, checkCorrelate } from '../../../../shared/lab/check';
import { correlateGraph } from '../../../../shared/lab/graphs';
import type { Conv1x1Result, CorrelateResult, Grid } from '../../../../shared/lab/types';
import { compileGraph } from '../../../engine-core/compile';
import type { OperationContext } from '../registry';
import { predictCHW } from './tensors';

function run(doc: Parameters<typeof compileGraph>[0], x: Grid[]): Grid[] {
  const model = compileGraph(doc);
  try {
    return predictCHW(model, x);
  } finally {
    model.dispose();
  }
}

export function correlate(args: unknown, ctx: OperationContext): Result<CorrelateResult> {
  const checked = checkCorrelate(args);
  if (!checked.ok) return fail('invalid-lab-input', checked.error.message, { diagnostics: checked.error.diagnostics });
  const { doc, request } = checked.value;
  const y = run(doc, request.x);
  if (!request.terms) return ok({ y, backend: ctx.backend.name });
  // Each input channel through its own one-channel Conv2d: the terms corr2d_multi_in adds up.
  const [h, w] = [request.x[0].length, request.x[0][0].length];
  const settings = { stride: request.stride, padding: request.padding, dilation: request.dilation };
  const perChannel = request.x.map((xc, c) => run(correlateGraph([1, h, w], request.k.map((ko) => [ko[c]]), settings), [xc]));
  const terms = request.k.map((_ko, o) => perChannel.map((yc) => yc[o]));
  return ok({ y, terms, backend: ctx.backend.name });
}

export function conv1x1(args: unknown, ctx: OperationContext): Result<Conv1x1Result> {
  const checked = checkConv1x1(args);
  if (!checked.ok) return fail('invalid-lab-input', checked.error.message, { diagnostics: checked.error.diagnostics });
  const { x, k } = checked.value;
  const [h, w] = [x[0].length, x[0][0].length];
  const conv = run(correlateGraph([x.length, h, w], k.map((row) => row.map((v) => [[v]])), { stride: 1, padding: 0, dilation: 1 }), x);
  // d2l's corr2d_multi_in_out_1x1: Y = K (c_o × c_i) · X reshaped to c_i × (h·w).
  const [matmul, absDiffSum, maxAbsDiff] = tf.tidy(() => {
    const product = tf.matMul(tf.tensor2d(k), tf.tensor2d(x.map((g) => g.flat())));
    const diff = tf.abs(tf.sub(tf.tensor2d(conv.map((g) => g.flat())), product));
    return [product.arraySync() as Grid, tf.sum(diff).dataSync()[0], tf.max(diff).dataSync()[0]] as const;
  });
  return ok({ conv, matmul, absDiffSum, maxAbsDiff, backend: ctx.backend.name });
}
