/**
 * The run's optimizer and learning-rate schedule as torch.optim states them, derived from its
 * settings: every place that steps the weights (the tfjs step in main/engine-core/optimizers.ts, the
 * compiled native step) takes the same spec and the same per-epoch learning rate, so the two
 * paths and PyTorch agree.
 */

import type { TrainConfig } from './settings';

/** torch.optim's SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW. */
export interface OptimizerSpec {
  kind: 'sgd' | 'adam' | 'adamw';
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** A parameter-sized array by name, in the tfjs checkpoint's layout. */
export interface NamedValues {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * What an optimizer carries from step to step, by the tfjs weight names both paths share: the
 * steps taken per parameter (PyTorch's `step`), and `<param>/momentum_buffer` (SGD with momentum)
 * or `<param>/exp_avg` and `<param>/exp_avg_sq` (Adam, AdamW). Saved in checkpoints, so a
 * resumed run continues exactly.
 */
export interface OptimizerState {
  kind: OptimizerSpec['kind'];
  steps: Record<string, number>;
  slots: NamedValues[];
}

/** torch.optim's defaults where the settings leave them open. */
export const ADAM_BETAS = [0.9, 0.999] as const;
export const ADAM_EPS = 1e-8;
/** torch.optim.AdamW's weight_decay default; SGD's and Adam's is 0. */
export const ADAMW_WEIGHT_DECAY = 0.01;

/** The weight decay a run uses: the setting, or its optimizer's PyTorch default when it is null. */
export function weightDecayOf(config: Pick<TrainConfig, 'optimizer' | 'weightDecay'>): number {
  return config.weightDecay ?? (config.optimizer === 'adamw' ? ADAMW_WEIGHT_DECAY : 0);
}

export function optimizerSpec(config: Pick<TrainConfig, 'optimizer' | 'momentum' | 'nesterov' | 'weightDecay'>): OptimizerSpec {
  const weightDecay = weightDecayOf(config);
  switch (config.optimizer) {
    case 'sgd':
      return { kind: 'sgd', momentum: config.momentum, dampening: 0, nesterov: config.nesterov, weightDecay };
    case 'adam':
    case 'adamw':
      return { kind: config.optimizer, beta1: ADAM_BETAS[0], beta2: ADAM_BETAS[1], eps: ADAM_EPS, weightDecay };
  }
}

/**
 * The learning rate for epoch `epoch` (0-based), as torch.optim.lr_scheduler gives it when
 * `scheduler.step()` is called once per epoch: StepLR(step_size, gamma) multiplies by gamma every
 * `stepSize` epochs; CosineAnnealingLR(T_max = the run's epochs, eta_min = 0) follows half a cosine
 * from lr down to 0 (its closed form, which PyTorch's recursive form equals to rounding).
 */
export function scheduledLr(config: Pick<TrainConfig, 'lr' | 'schedule' | 'stepSize' | 'gamma' | 'epochs'>, epoch: number): number {
  switch (config.schedule) {
    case 'constant':
      return config.lr;
    case 'step':
      return config.lr * config.gamma ** Math.floor(epoch / config.stepSize);
    case 'cosine':
      return (config.lr * (1 + Math.cos((Math.PI * epoch) / config.epochs))) / 2;
  }
}
