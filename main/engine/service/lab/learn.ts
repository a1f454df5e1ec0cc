/**
 * lab.learn: d2l 7.2.4's loop on the engine. The checked X → Conv2d graph (no bias, starting
 * from PyTorch's draw for the seed) is compiled by the engine's compiler, then trained by the
 * SGD optimizer the trainer uses on the notebook's loss, Σ (Ŷ − Y)², one step per iteration.
 */

import * as tf from '@tensorflow/tfjs-core';
import { fail, ok, type Result } from '../../../../shared/api';
import { checkLearn } from '../../../../shared/lab/check';
import { LAB_CONV_ID } from '../../../../shared/lab/graphs';
import type { Grid, LearnResult, LearnStep } from '../../../../shared/lab/types';
import { compileGraph } from '../../../engine-core/compile';
import type { OperationContext } from '../registry';
import { nhwc } from './tensors';

export function learn(args: unknown, ctx: OperationContext): Result<LearnResult> {
  const checked = checkLearn(args);
  if (!checked.ok) return fail('invalid-lab-input', checked.error.message, { diagnostics: checked.error.diagnostics });
  const { request, doc } = checked.value;
  const [kh, kw] = request.kernel;
  const model = compileGraph(doc);
  const optimizer = tf.train.sgd(request.lr);
  const x = nhwc([request.x]);
  const y = nhwc([request.y]);
  const layer = model.getLayer(LAB_CONV_ID);
  // tfjs's kernel is [kh, kw, 1, 1]: row-major over (kh, kw), like PyTorch's [1, 1, kh, kw].
  const kernel = (): Grid => {
    const v = layer.getWeights()[0].dataSync();
    return Array.from({ length: kh }, (_, i) => Array.from(v.subarray(i * kw, (i + 1) * kw)));
  };
  const loss = () => tf.sum(tf.square(tf.sub(model.apply(x, { training: true }) as tf.Tensor, y))) as tf.Scalar;
  try {
    const initial = kernel();
    const steps: LearnStep[] = [];
    let diverged: number | null = null;
    for (let step = 1; step <= request.steps; step++) {
      const cost = optimizer.minimize(loss, true, model.trainableWeights.map((w) => w.read() as tf.Variable));
      const value = cost!.dataSync()[0];
      cost!.dispose();
      if (!Number.isFinite(value)) {
        diverged = step;
        break;
      }
      steps.push({ step, loss: value, kernel: kernel() });
    }
    const last = diverged === null ? tf.tidy(() => loss().dataSync()[0]) : Number.NaN;
    const finalLoss = Number.isFinite(last) ? last : null;
    const result: LearnResult = { initial, steps, finalLoss, backend: ctx.backend.name };
    if (finalLoss === null) {
      const at = diverged ?? request.steps + 1;
      const lower = Number((request.lr / 3).toPrecision(2));
      result.diverged = { step: at, message: `The loss stopped being a number at step ${at}: every step overshot further than the last. Lower the learning rate (it is ${request.lr}; try ${lower}).` };
    }
    return ok(result);
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
