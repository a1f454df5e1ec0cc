/** The optimizer settings: the spec each run's settings make, and the combinations the plan refuses. */

import { describe, expect, it } from 'vitest';
import { getTemplate } from '../../../shared/templates/index';
import { planTraining } from '../../../shared/training/plan';
import { optimizerSpec, weightDecayOf } from '../../../shared/training/optimizer';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../shared/training/settings';

const cfg = (s: Partial<TrainConfig>): TrainConfig => ({ ...DEFAULT_TRAIN_CONFIG, ...s });

describe('optimizerSpec', () => {
  it.each([
    ['the default: plain SGD', {}, { kind: 'sgd', momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
    ['SGD with Nesterov momentum and decay', { momentum: 0.9, nesterov: true, weightDecay: 1e-4 }, { kind: 'sgd', momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-4 }],
    ["Adam: PyTorch's betas and eps, no decay", { optimizer: 'adam' }, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }],
    ["AdamW: weight decay null is PyTorch's 0.01", { optimizer: 'adamw' }, { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }],
    ['AdamW with weight decay 0 really has none', { optimizer: 'adamw', weightDecay: 0 }, { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }],
  ] as [string, Partial<TrainConfig>, object][])('%s', (_name, s, want) => {
    expect(optimizerSpec(cfg(s))).toEqual(want);
    expect(weightDecayOf(cfg(s))).toBe((want as { weightDecay: number }).weightDecay);
  });
});

describe('planTraining refuses optimizer settings that cannot go together', () => {
  const lenet = getTemplate('lenet');
  it.each([
    ['nesterov without momentum', { nesterov: true }, 'nesterov', /nesterov needs a momentum above 0/],
    ['momentum with Adam', { optimizer: 'adam', momentum: 0.9 }, 'momentum', /momentum is SGD's; Adam has its own \(beta1 = 0\.9\)/],
    ['nesterov with AdamW', { optimizer: 'adamw', nesterov: true }, 'nesterov', /nesterov is SGD's; AdamW/],
  ] as [string, Partial<TrainConfig>, keyof TrainConfig, RegExp][])('%s', (_name, s, field, message) => {
    const planned = planTraining(lenet, s);
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    expect(planned.error.code).toBe('bad-request');
    expect(planned.error.settings?.[field]).toMatch(message);
    expect(planned.error.message).toMatch(message);
  });

  it.each([
    ['SGD with Nesterov momentum', { momentum: 0.9, nesterov: true }],
    ['Adam with weight decay and a step schedule', { optimizer: 'adam', weightDecay: 1e-3, schedule: 'step', stepSize: 2, gamma: 0.5 }],
    ['AdamW with a cosine schedule', { optimizer: 'adamw', schedule: 'cosine' }],
  ] as [string, Partial<TrainConfig>][])('accepts %s', (_name, s) => {
    const planned = planTraining(lenet, s);
    expect(planned.ok && planned.value.config).toEqual(cfg(s));
  });

  it.each([
    ['an unknown optimizer', { optimizer: 'rmsprop' }, 'optimizer', /optimizer must be one of sgd, adam, adamw/],
    ['momentum 1', { momentum: 1 }, 'momentum', /momentum must be a number from 0 to 0\.999/],
    ['gamma 0', { gamma: 0 }, 'gamma', /gamma must be a number above 0/],
    ['a schedule by another name', { schedule: 'linear' }, 'schedule', /schedule must be one of constant, step, cosine/],
  ] as [string, Record<string, unknown>, string, RegExp][])('refuses %s, naming the setting', (_name, s, field, message) => {
    const planned = planTraining(lenet, s);
    expect(!planned.ok && planned.error.settings?.[field as keyof TrainConfig]).toMatch(message);
  });
});
