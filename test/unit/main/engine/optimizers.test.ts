/**
 * Issue 10's optimizers against PyTorch 1.13 (float64, torch_reference.py): the trainer itself
 * trains a small conv + batch-norm + linear network for three epochs of two batches with each
 * optimizer and schedule, on the tfjs cpu backend and on the compiled native step, from the same
 * initial weights and the same batches the trainer draws; the weights in its last checkpoint
 * match PyTorch's after the same steps to float32 noise. The schedules' per-epoch rates match
 * torch.optim.lr_scheduler's, and a run stopped mid-epoch and resumed ends where an uninterrupted
 * one does (the optimizer state travels in the checkpoint).
 */

import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTraining } from '../../../../main/engine/node-trainer';
import { loadFashionMnist, makeBatch, subset, type FashionMnist } from '../../../../main/data/fashion-mnist';
import { epochOrder } from '../../../../main/engine-core/shuffle';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { loadAddon } from '../../../../main/engine/backends/native/addon';
import { weightsFromModel } from '../../../../main/engine/backends/native/compiled/tfjs-weights';
import { loadLatestCheckpoint } from '../../../../main/runs/checkpoints';
import type { GraphDoc } from '../../../../shared/graph/types';
import type { TrainingEvent } from '../../../../shared/training';
import { optimizerSpec, scheduledLr } from '../../../../shared/training/optimizer';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../../shared/training/settings';
import { PYTHON, initialWeights, runTorch, torchAvailable, updateErrors, worst, type Batch, type Run, type TorchCase } from './backends/native/compiled-helpers';
import { newRun, ofType } from './train-helpers';

const noTorch = torchAvailable ? '' : 'optimizer checks against PyTorch skipped: /usr/bin/python3 cannot import torch (apt-get install -y python3-torch)';
const noNative = loadAddon().addon?.CompiledNet ? '' : `compiled step unavailable: ${loadAddon().reason}`;
if (noTorch) console.warn(noTorch);

const TOL = 1e-4;

// No bias before a batch norm: its exact gradient is 0, and Adam would move it by ±lr in
// whichever direction rounding points, in PyTorch's float64 as much as here.
const NET: GraphDoc = {
  format: 'convstudio.graph', version: 2, name: 'optimizer-check',
  nodes: [
    { id: 'input', type: 'Input', params: { channels: 1, height: 28, width: 28 } },
    { id: 'c1', type: 'Conv2d', params: { out_channels: 4, kernel_size: 5, stride: 1, padding: 'valid', bias: false } },
    { id: 'bn1', type: 'BatchNorm2d', params: {} },
    { id: 'r1', type: 'ReLU', params: {} },
    { id: 'p1', type: 'MaxPool2d', params: { kernel_size: 4 } },
    { id: 'f', type: 'Flatten', params: {} },
    { id: 'l1', type: 'Linear', params: { out_features: 10 } },
  ],
  edges: [['input', 'c1'], ['c1', 'bn1'], ['bn1', 'r1'], ['r1', 'p1'], ['p1', 'f'], ['f', 'l1']].map(([source, target]) => ({ source, target })),
};

const BASE = { epochs: 3, batchSize: 8, limit: 16, valLimit: 20, seed: 3 };
type Settings = Partial<TrainConfig>;
const CASES: [string, Settings][] = [
  ['SGD + momentum 0.9', { optimizer: 'sgd', momentum: 0.9, lr: 0.05 }],
  ['SGD + Nesterov + weight decay, step schedule', { optimizer: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-3, lr: 0.05, schedule: 'step', stepSize: 1, gamma: 0.5 }],
  ['Adam (defaults)', { optimizer: 'adam', lr: 1e-3 }],
  ['Adam + weight decay, cosine schedule', { optimizer: 'adam', weightDecay: 1e-2, lr: 2e-3, schedule: 'cosine' }],
  ['AdamW (weight decay 0.01 by default)', { optimizer: 'adamw', lr: 1e-3 }],
  ['AdamW + weight decay 0.1, step schedule', { optimizer: 'adamw', weightDecay: 0.1, lr: 1e-3, schedule: 'step', stepSize: 2, gamma: 0.3 }],
];
const BACKENDS: ['cpu' | 'native', string][] = [['cpu', ''], ['native', noNative]];

let data: FashionMnist;

/** The batches the trainer draws for this config, each with its epoch's scheduled rate. */
function trainerBatches(config: TrainConfig): Batch[] {
  const idx = subset(data.train.count, config.limit, config.seed);
  const out: Batch[] = [];
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = epochOrder(idx.length, config.seed, epoch);
    for (let s = 0; s < idx.length; s += config.batchSize) {
      const e = Math.min(s + config.batchSize, idx.length);
      const b = makeBatch(data.train, Array.from(order.subarray(s, e), (i) => idx[i]), 0, e - s, 28);
      out.push({ x: Float32Array.from(b.x), labels: Int32Array.from(b.y), lr: scheduledLr(config, epoch) });
    }
  }
  return out;
}

async function train(runDir: string, opts: { resume?: boolean; stopAfterBatches?: number } = {}): Promise<{ outcome: string; events: TrainingEvent[] }> {
  const events: TrainingEvent[] = [];
  let batches = 0;
  const outcome = await runTraining(runDir, {
    emit: (e) => { events.push(e); if (e.event === 'batch') batches++; },
    shouldStop: () => opts.stopAfterBatches !== undefined && batches >= opts.stopAfterBatches,
  }, { resume: opts.resume, data });
  if (outcome !== 'done' && !opts.stopAfterBatches) throw new Error(`training ${outcome}: ${JSON.stringify(events.filter((e) => e.event === 'error'))}`);
  return { outcome, events };
}

async function finalWeights(runDir: string): Promise<Map<string, Float32Array>> {
  const { loaded } = await loadLatestCheckpoint(runDir);
  if (!loaded) throw new Error('no checkpoint');
  const w = new Map(weightsFromModel(loaded.model).map((x) => [x.name, x.values]));
  loaded.model.dispose();
  return w;
}

const config = (s: Settings, backend: 'cpu' | 'native'): TrainConfig => ({ ...DEFAULT_TRAIN_CONFIG, ...BASE, ...s, backend });

describe.skipIf(!!noTorch)('optimizers and schedules in the trainer against PyTorch', { timeout: 600_000 }, () => {
  let w0: ReturnType<typeof initialWeights>;
  let torch: Map<string, Run | { error: string }>;
  beforeAll(async () => {
    data = await loadFashionMnist({ dir: SYSTEM_DATA_DIR });
    w0 = initialWeights(NET, BASE.seed);
    const cases: TorchCase[] = CASES.map(([name, s]) => ({ name, doc: NET, w0, steps: trainerBatches(config(s, 'cpu')), optimizer: optimizerSpec(config(s, 'cpu')) }));
    torch = runTorch(cases);
  }, 300_000);

  const table = CASES.flatMap(([name, s]) => BACKENDS.map(([backend, skip]) => [`${name} on ${backend}`, name, s, backend, skip] as const));
  it.each(table)('%s: the weights after six steps match PyTorch', async (_title, name, s, backend, skip) => {
    if (skip) return void console.warn(skip);
    const t = torch.get(name)!;
    if ('error' in t) throw new Error(`PyTorch: ${t.error}`);
    const { runDir } = newRun(NET, config(s, backend));
    const { events } = await train(runDir);
    const losses = ofType(events, 'batch').map((e) => e.loss);
    losses.forEach((l, i) => expect(l, `loss at step ${i + 1}`).toBeCloseTo(t.losses[i], 4));
    const w = worst(updateErrors(w0, await finalWeights(runDir), t.weights));
    expect(w.error, `${w.name} (update scale ${w.scale.toExponential(2)})`).toBeLessThanOrEqual(TOL);
    if (backend === 'native') expect(ofType(events, 'start')[0].device).toMatch(/compiled step/);
  });

  const resumes = BACKENDS.flatMap(([backend, skip]) => [CASES[1], CASES[3]].map(([name, s]) => [`${name} on ${backend}`, s, backend, skip] as const));
  it.each(resumes)('%s: stopped after three steps and resumed, it ends where the whole run does', async (_title, s, backend, skip) => {
    if (skip) return void console.warn(skip);
    const whole = newRun(NET, config(s, backend));
    await train(whole.runDir);
    const split = newRun(NET, config(s, backend));
    expect((await train(split.runDir, { stopAfterBatches: 3 })).outcome).toBe('stopped');
    const resumed = await train(split.runDir, { resume: true });
    expect(ofType(resumed.events, 'start')[0].note ?? '').not.toMatch(/optimizer/);
    const a = await finalWeights(whole.runDir);
    const b = await finalWeights(split.runDir);
    for (const [k, v] of a) expect(Math.max(...v.map((x, i) => Math.abs(x - b.get(k)![i]))), k).toBeLessThanOrEqual(1e-6);
  });
});

// PyTorch's schedulers stepped once per epoch, against scheduledLr over the same epochs.
const SCHEDULES: [string, Settings, string][] = [
  ['step (5 epochs, gamma 0.1) over 12 epochs', { lr: 0.1, schedule: 'step', stepSize: 5, gamma: 0.1, epochs: 12 }, 'torch.optim.lr_scheduler.StepLR(o, step_size=5, gamma=0.1)'],
  ['step (1 epoch, gamma 0.5) over 6 epochs', { lr: 0.3, schedule: 'step', stepSize: 1, gamma: 0.5, epochs: 6 }, 'torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5)'],
  ['cosine over 10 epochs', { lr: 0.1, schedule: 'cosine', epochs: 10 }, 'torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10)'],
  ['cosine over 3 epochs', { lr: 0.002, schedule: 'cosine', epochs: 3 }, 'torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=3)'],
  ['constant', { lr: 0.05, schedule: 'constant', epochs: 4 }, 'torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0)'],
];

describe.skipIf(!!noTorch)('learning-rate schedules against torch.optim.lr_scheduler', () => {
  it.each(SCHEDULES)('%s', (_name, s, make) => {
    const c = { ...DEFAULT_TRAIN_CONFIG, ...s };
    const script = [
      'import torch',
      `o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=${c.lr})`,
      `s = ${make}`,
      'lrs = []',
      `for _ in range(${c.epochs}):`,
      "    lrs.append(o.param_groups[0]['lr'])",
      '    o.step()',
      '    s.step()',
      'print(repr(lrs))',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const want = JSON.parse(r.stdout.trim()) as number[];
    const got = Array.from({ length: c.epochs }, (_, e) => scheduledLr(c, e));
    got.forEach((lr, e) => expect(Math.abs(lr - want[e]), `epoch ${e + 1}: ${lr} vs ${want[e]}`).toBeLessThanOrEqual(1e-12 * c.lr));
  });
});
