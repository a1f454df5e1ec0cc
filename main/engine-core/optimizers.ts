/**
 * The tfjs path's optimizers, written out rather than tfjs's own: tfjs has no SGD weight decay,
 * no Nesterov, no AdamW, puts Adam's eps elsewhere and keeps its state where a checkpoint cannot
 * reach it. These follow torch.optim 1.13's single-tensor code line by line, in float32:
 *
 *   SGD:   d = g + wd·p;  buf = d on the first step, else momentum·buf + (1 − dampening)·d;
 *          d = nesterov ? d + momentum·buf : buf;  p −= lr·d
 *   Adam:  g = g + wd·p;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
 *          p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 *   AdamW: as Adam without the coupled decay, after p ·= 1 − lr·wd
 *
 * State is by the tfjs weight names the compiled native step uses too (OptimizerState), so a run
 * resumes on either path with its momentum or moments.
 */

import * as tf from '@tensorflow/tfjs-core';
import { ADAM_BETAS, ADAM_EPS, type OptimizerSpec, type OptimizerState } from '../../shared/training/optimizer';

/** A trainable weight: its name in checkpoints and optimizer state, and its variable. */
export interface TrainableWeight {
  name: string;
  variable: tf.Variable;
}

export interface WeightOptimizer {
  readonly spec: OptimizerSpec;
  /** One step with `grads` (keyed by variable name, as tf.variableGrads gives them) at `lr`. */
  apply(grads: tf.NamedTensorMap, lr: number): void;
  exportState(): OptimizerState;
  /** Takes over a saved state of the same optimizer kind; throws, naming what does not fit. */
  importState(state: OptimizerState): void;
  dispose(): void;
}

const SLOTS: Record<OptimizerSpec['kind'], string[]> = { sgd: ['momentum_buffer'], adam: ['exp_avg', 'exp_avg_sq'], adamw: ['exp_avg', 'exp_avg_sq'] };

interface Param {
  w: TrainableWeight;
  steps: number;
  /** Created on the first step, as PyTorch creates its state lazily. */
  slots: tf.Variable[] | null;
}

export function createWeightOptimizer(spec: OptimizerSpec, weights: TrainableWeight[]): WeightOptimizer {
  const momentum = spec.momentum ?? 0;
  const dampening = spec.dampening ?? 0;
  const nesterov = spec.nesterov ?? false;
  const wd = spec.weightDecay ?? 0;
  const beta1 = spec.beta1 ?? ADAM_BETAS[0];
  const beta2 = spec.beta2 ?? ADAM_BETAS[1];
  const eps = spec.eps ?? ADAM_EPS;
  if (nesterov && (momentum <= 0 || dampening !== 0)) throw new Error('Nesterov momentum requires a momentum above 0 and zero dampening');
  const params: Param[] = weights.map((w) => ({ w, steps: 0, slots: null }));
  const byName = new Map(params.map((p) => [p.w.name, p]));
  const hasSlots = spec.kind !== 'sgd' || momentum !== 0;
  const newSlots = (p: Param, values?: Float32Array[]): tf.Variable[] =>
    SLOTS[spec.kind].map((_, i) => tf.variable(values ? tf.tensor(values[i], p.w.variable.shape) : tf.zerosLike(p.w.variable), false));

  function sgd(p: Param, g: tf.Tensor, lr: number): void {
    const param = p.w.variable;
    let d = wd !== 0 ? tf.add(g, tf.mul(param, wd)) : g;
    if (momentum !== 0) {
      const [buf] = p.slots!;
      const b = p.steps === 0 ? d : tf.add(tf.mul(buf, momentum), tf.mul(d, 1 - dampening));
      buf.assign(b);
      d = nesterov ? tf.add(d, tf.mul(b, momentum)) : b;
    }
    param.assign(tf.sub(param, tf.mul(d, lr)));
  }

  function adam(p: Param, g: tf.Tensor, lr: number, step: number): void {
    const param = p.w.variable;
    const [m, v] = p.slots!;
    const decoupled = spec.kind === 'adamw';
    const shrunk = decoupled && wd !== 0 ? tf.mul(param, 1 - lr * wd) : param;
    const grad = !decoupled && wd !== 0 ? tf.add(g, tf.mul(param, wd)) : g;
    const m1 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
    const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.mul(grad, grad), 1 - beta2));
    m.assign(m1);
    v.assign(v1);
    // The bias corrections in double, as PyTorch computes them in Python.
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const denom = tf.add(tf.div(tf.sqrt(v1), bc2Sqrt), eps);
    param.assign(tf.sub(shrunk, tf.mul(tf.div(m1, denom), stepSize)));
  }

  return {
    spec,
    apply(grads, lr) {
      tf.tidy(() => {
        for (const p of params) {
          const g = grads[p.w.variable.name];
          if (!g) continue;
          if (hasSlots && !p.slots) p.slots = tf.tidy(() => newSlots(p));
          if (spec.kind === 'sgd') sgd(p, g, lr);
          else adam(p, g, lr, p.steps + 1);
          p.steps += 1;
        }
      });
    },
    exportState() {
      const steps: Record<string, number> = {};
      const slots: OptimizerState['slots'] = [];
      for (const p of params) {
        steps[p.w.name] = p.steps;
        p.slots?.forEach((s, i) => slots.push({ name: `${p.w.name}/${SLOTS[spec.kind][i]}`, shape: [...p.w.variable.shape], values: Float32Array.from(s.dataSync() as Float32Array) }));
      }
      return { kind: spec.kind, steps, slots };
    },
    importState(state) {
      if (state.kind !== spec.kind) throw new Error(`the saved optimizer state is ${state.kind}'s, not ${spec.kind}'s`);
      const given = new Map(state.slots.map((s) => [s.name, s]));
      for (const [name, n] of Object.entries(state.steps)) {
        const p = byName.get(name);
        if (!p) throw new Error(`the saved optimizer state names ${name}, which this network does not have`);
        if (!Number.isInteger(n) || n < 0) throw new Error(`the saved step count of ${name} is not a whole number (${String(n)})`);
        const values = SLOTS[spec.kind].map((slot) => given.get(`${name}/${slot}`));
        if (hasSlots && n > 0) {
          const size = p.w.variable.size;
          const missing = values.findIndex((v) => !v || v.values.length !== size);
          if (missing >= 0) throw new Error(`the saved optimizer state lacks ${name}/${SLOTS[spec.kind][missing]} (or it has the wrong size)`);
          p.slots?.forEach((s) => s.dispose());
          p.slots = tf.tidy(() => newSlots(p, values.map((v) => v!.values)));
        }
        p.steps = n;
      }
    },
    dispose() {
      for (const p of params) p.slots?.forEach((s) => s.dispose());
    },
  };
}
