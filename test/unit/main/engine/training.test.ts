/** The training loop in-process on the real Fashion-MNIST files (one load shared by the tests). */

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runTraining } from '../../../../main/engine/node-trainer';
import { loadFashionMnist, type FashionMnist } from '../../../../main/data/fashion-mnist';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { listCheckpoints } from '../../../../main/runs/checkpoints';
import { readEvents, readFinal } from '../../../../main/runs/run-folder';
import type { TrainingEvent } from '../../../../shared/training';
import { SETTINGS } from '../../../../shared/training/settings';
import { DIVERGENCE_FACTOR } from '../../../../main/engine-core/divergence';
import { getTemplate } from '../../../../shared/templates/index';
import { chain } from './graph-helpers';
import { bnResidualNet, newRun, ofType, reluLenet } from './train-helpers';

let data: FashionMnist;
beforeAll(async () => { data = await loadFashionMnist({ dir: SYSTEM_DATA_DIR }); });

async function train(runDir: string, opts: { resume?: boolean; stopAfterBatches?: number; afterEpoch?: (e: number) => void; onEvent?: (e: TrainingEvent) => void } = {}) {
  const events: TrainingEvent[] = [];
  let batches = 0;
  const outcome = await runTraining(runDir, {
    emit: (e) => { events.push(e); if (e.event === 'batch') batches++; opts.onEvent?.(e); },
    shouldStop: () => opts.stopAfterBatches !== undefined && batches >= opts.stopAfterBatches,
    afterEpoch: opts.afterEpoch,
  }, { resume: opts.resume, data });
  return { outcome, events };
}

// Real training on 2 shared, busy cores: a generous time limit per test (never asserted).
describe('training on Fashion-MNIST (wasm)', { timeout: 600_000 }, () => {
  it('LeNet (ReLU) on 2,000 samples for one epoch: the loss falls and val_acc beats chance', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 1, batchSize: 32, lr: 0.1, limit: 2000, valLimit: 1000 });
    const { outcome, events } = await train(runDir);
    expect(outcome).toBe('done');
    const start = ofType(events, 'start')[0];
    expect([start.backend, start.trainSamples, start.valSamples, start.batchesPerEpoch]).toEqual(['wasm', 2000, 1000, 63]);
    const losses = ofType(events, 'batch').map((e) => e.loss);
    expect(losses.length).toBe(63);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 0.3);
    const [epoch] = ofType(events, 'epoch');
    expect(epoch.val_acc).toBeGreaterThan(0.4);
    expect(epoch.samples_per_s).toBeGreaterThan(0);
    // the run folder holds everything
    for (const f of ['graph.json', 'config.json', 'metrics.jsonl', 'final.json']) expect(existsSync(path.join(runDir, f))).toBe(true);
    expect(readEvents(runDir).map((e) => e.event)).toEqual(events.map((e) => e.event));
    expect(readFinal(runDir)).toMatchObject({ status: 'done', epochs: 1, val_acc: epoch.val_acc, backend: 'wasm' });
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual(['e0001-b00000']);
  });

  it('a BatchNorm + Residual network trains a few steps without error', async () => {
    const { runDir } = newRun(bnResidualNet(), { epochs: 1, batchSize: 32, limit: 128, valLimit: 64 });
    const { outcome, events } = await train(runDir);
    expect(ofType(events, 'error')).toEqual([]);
    expect(outcome).toBe('done');
    expect(ofType(events, 'batch').every((e) => Number.isFinite(e.loss))).toBe(true);
    expect(ofType(events, 'epoch')[0].val_acc).toBeGreaterThanOrEqual(0);
  });

  it('resizes per batch to the Input\'s size (32×32 here), and refuses a --resize that disagrees', async () => {
    const net = chain([1, 32, 32], ['Conv2d', { out_channels: 4, kernel_size: 5, stride: 2 }], ['ReLU', {}], ['AdaptiveAvgPool2d', { output_size: 2 }], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const { runDir } = newRun(net, { epochs: 1, batchSize: 32, limit: 64, valLimit: 32 });
    const { outcome, events } = await train(runDir);
    expect(outcome).toBe('done');
    expect(ofType(events, 'batch')).toHaveLength(2);
    const wrong = newRun(net, { epochs: 1, resize: 64 });
    const b = await train(wrong.runDir);
    expect(ofType(b.events, 'error')[0].message).toMatch(/resize is 64 but the graph's Input is 32×32/);
  });

  it('does not leak tensors: tf.memory().numTensors is flat across epochs', async () => {
    const { runDir } = newRun(bnResidualNet(), { epochs: 3, batchSize: 32, limit: 64, valLimit: 32 });
    const counts: number[] = [];
    const { outcome } = await train(runDir, { afterEpoch: () => counts.push(tf.memory().numTensors) });
    expect(outcome).toBe('done');
    expect(counts.length).toBe(3);
    expect(counts[2]).toBe(counts[1]);
    expect(counts[1]).toBe(counts[0]);
  });

  // At lr 10 (the largest the settings allow) these runs blow up and, before the divergence rule,
  // ran to the end and finished "done": softmax regression's loss went to 275, LeNet-ReLU's to
  // 7e24, and the ReLU MLP's to NaN.
  const hidden = Array.from({ length: 4 }, () => [['Linear', { out_features: 256 }], ['ReLU', {}]] as [string, Record<string, number>][]).flat();
  it.each([
    ['softmax regression', chain([1, 28, 28], ['Flatten', {}], ['Linear', { out_features: 10 }])],
    ['LeNet with ReLU', reluLenet()],
    ['a 4×256 ReLU MLP', chain([1, 28, 28], ['Flatten', {}], ...hidden, ['Linear', { out_features: 10 }])],
  ])('%s at lr 10 diverges: the run stops within one batch and suggests a lower learning rate', async (_what, net) => {
    const { runDir } = newRun(net, { epochs: 2, batchSize: 128, lr: SETTINGS.lr.max, limit: 2560, valLimit: 32 });
    const { outcome, events } = await train(runDir);
    expect(outcome).toBe('failed');
    const [err] = ofType(events, 'error');
    expect(['diverged', 'nan-loss']).toContain(err.code);
    expect(err.message).toMatch(/training diverged\. Lower the learning rate \(it is 10; try 1\)/);
    const losses = ofType(events, 'batch').map((b) => b.loss);
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.length).toBeLessThan(20);
    // Every batch it let through was within the rule, so the one that broke it stopped the run.
    const limit = DIVERGENCE_FACTOR * Math.max(losses[0], Math.log(10));
    expect(losses.every((l) => Number.isFinite(l) && l <= limit)).toBe(true);
    expect(err.message).toContain(`at epoch 1, batch ${losses.length + 1}`);
    expect(ofType(events, 'epoch')).toEqual([]);
    expect(readFinal(runDir)?.status).toBe('failed');
  });

  // The other side of the rule: d2l's own settings must never trip it. LeNet's sigmoid net at
  // lr 0.9 overshoots at once and then hovers around ln(10), above its first loss, for hundreds of
  // batches (a rule like "above the first loss" stops it); BN-LeNet at lr 1.0 takes the largest
  // steps of the book's CNNs.
  it.each([
    ['d2l 7.6: LeNet (sigmoid), lr 0.9, batch 256', 'lenet', 0.9, true],
    ['d2l 8.5: BN-LeNet, lr 1.0, batch 256', 'bn-lenet', 1.0, false],
  ] as const)('%s is never stopped as diverging', async (_what, id, lr, rises) => {
    const { runDir } = newRun(getTemplate(id)!, { epochs: 1, batchSize: 256, lr, limit: 256 * 30, valLimit: 100 });
    const { outcome, events } = await train(runDir);
    expect(ofType(events, 'error')).toEqual([]);
    expect(outcome).toBe('done');
    const losses = ofType(events, 'batch').map((b) => b.loss);
    expect(losses).toHaveLength(30);
    // Healthy does not mean falling: LeNet's loss went above where it started.
    if (rises) expect(Math.max(...losses.slice(1))).toBeGreaterThan(losses[0]);
  }, 600_000);

  it('refuses a graph with errors before training, with its diagnostics', async () => {
    const { runDir } = newRun(chain([1, 28, 28], ['Conv2d', { out_channels: 4, kernel_size: 40 }], ['Flatten', {}], ['Linear', { out_features: 10 }]), { epochs: 1 });
    const { outcome, events } = await train(runDir);
    expect(outcome).toBe('failed');
    expect(ofType(events, 'start')).toEqual([]);
    const [err] = ofType(events, 'error');
    expect(err.code).toBe('invalid-graph');
    expect(err.message).toMatch(/n1/);
  });

  it('re-checks the run folder\'s settings: a config.json edited out of bounds is refused before anything loads', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 1, lr: 1e6, dataDir: '/nonexistent/fashion' });
    const { outcome, events } = await train(runDir);
    expect(outcome).toBe('failed');
    expect(events.map((e) => e.event)).toEqual(['error']);
    expect(ofType(events, 'error')[0]).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/lr must be a number above 0 and at most 10 \(got 1000000\)/) });
  });

  it('refuses a network whose output is not 10 classes, or whose Input does not fit the data', async () => {
    const wrongOut = newRun(chain([1, 28, 28], ['Flatten', {}], ['Linear', { out_features: 7 }]), { epochs: 1 });
    const a = await train(wrongOut.runDir);
    expect(ofType(a.events, 'error')[0].message).toMatch(/10 class scores/);
    const rgb = newRun(chain([3, 28, 28], ['Flatten', {}], ['Linear', { out_features: 10 }]), { epochs: 1 });
    const b = await train(rgb.runDir);
    expect(ofType(b.events, 'error')[0].message).toMatch(/1 channel/);
  });

  it('a dilated, strided convolution trains, checkpoints and resumes (d2l-style dilated nets)', async () => {
    const net = chain([1, 28, 28], ['Conv2d', { out_channels: 8, kernel_size: 3, stride: 2, dilation: 2, padding: 2 }], ['ReLU', {}],
      ['Conv2d', { out_channels: 8, kernel_size: 3, dilation: 3 }], ['ReLU', {}], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const { runDir } = newRun(net, { epochs: 2, batchSize: 32, lr: 0.1, limit: 640, valLimit: 200 });
    const first = await train(runDir, { stopAfterBatches: 25 });
    expect(ofType(first.events, 'error')).toEqual([]);
    expect(first.outcome).toBe('stopped');
    const second = await train(runDir, { resume: true });
    expect(ofType(second.events, 'error')).toEqual([]);
    expect(second.outcome).toBe('done');
    expect(ofType(second.events, 'batch')[0]).toMatchObject({ epoch: 2, batch: 6 });
    const losses = [...first.events, ...second.events].filter((e) => e.event === 'batch').map((e) => (e as { loss: number }).loss);
    const mean = (a: number[]) => a.reduce((t, v) => t + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 0.3);
    expect(ofType(second.events, 'epoch').at(-1)!.val_acc).toBeGreaterThan(0.4);
  });

  it('missing data: the message says where it looked and how to get the files', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 1, dataDir: '/nonexistent/fashion' });
    const events: TrainingEvent[] = [];
    const outcome = await runTraining(runDir, { emit: (e) => events.push(e), shouldStop: () => false });
    expect(outcome).toBe('failed');
    const [err] = ofType(events, 'error');
    expect(err.code).toBe('data');
    expect(err.message).toContain('/nonexistent/fashion');
    expect(err.message).toMatch(/apt-get install dataset-fashion-mnist/);
  });

  it('a graceful stop mid-epoch checkpoints, and resume finishes the same epochs', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 2, batchSize: 64, limit: 640, valLimit: 100 });
    const first = await train(runDir, { stopAfterBatches: 4 });
    expect(first.outcome).toBe('stopped');
    expect(ofType(first.events, 'done')[0].stopped).toBe(true);
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual(['e0000-b00004']);
    const second = await train(runDir, { resume: true });
    expect(second.outcome).toBe('done');
    const batches = ofType(second.events, 'batch');
    expect(batches[0]).toMatchObject({ epoch: 1, batch: 5 });
    expect(batches.length).toBe(6 + 10);
    expect(ofType(second.events, 'epoch').map((e) => e.epoch)).toEqual([1, 2]);
    expect(readFinal(runDir)).toMatchObject({ status: 'done', epochs: 2 });
  });

  it('a torn last line in metrics.jsonl is cut off on resume and the break recorded; the new start event is intact', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 1, batchSize: 64, limit: 320, valLimit: 50 });
    expect((await train(runDir, { stopAfterBatches: 2 })).outcome).toBe('stopped');
    const metrics = path.join(runDir, 'metrics.jsonl');
    // What a disk filling up (or a kill) mid-write leaves: the first bytes of an event, no newline.
    const torn = '{"event":"batch","runId":"r","epoch":1,"ba';
    appendFileSync(metrics, torn);
    const second = await train(runDir, { resume: true });
    expect(second.outcome).toBe('done');
    const lines = readFileSync(metrics, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.every((l) => { try { JSON.parse(l); return true; } catch { return false; } })).toBe(true);
    const stored = readEvents(runDir);
    expect(stored.map((e) => e.event).filter((e) => e === 'start' || e === 'resume' || e === 'done')).toEqual(['start', 'done', 'resume', 'start', 'done']);
    const [resume] = ofType(stored, 'resume');
    expect(resume).toMatchObject({ previous: 'stopped', epoch: 0, batch: 2, checkpoint: 'e0000-b00002', superseded: 0 });
    expect(resume.message).toContain(`metrics.jsonl ended in half a line (${torn.length} bytes of an event whose write was cut short); it was removed.`);
  });

  it('the run folder deleted while it trains: the run fails with one message and nothing of the folder is made again', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 2, batchSize: 32, limit: 640, valLimit: 50 });
    const { outcome, events } = await train(runDir, { onEvent: (e) => { if (e.event === 'batch' && e.batch === 3) rmSync(runDir, { recursive: true, force: true }); } });
    expect(outcome).toBe('failed');
    const [err] = ofType(events, 'error');
    expect(err.code).toBe('run-folder');
    expect(err.message).toMatch(new RegExp(`^Could not write metrics\\.jsonl: ${path.join(runDir, 'metrics.jsonl').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist\\. Check the path; the run folder may have been moved or deleted\\.$`));
    expect(ofType(events, 'batch').map((e) => e.batch)).toEqual([1, 2, 3]);
    expect(existsSync(runDir)).toBe(false);
  });

  it('a corrupt checkpoint is reported and set aside, and the older one is used', async () => {
    const { runDir } = newRun(reluLenet(), { epochs: 2, batchSize: 64, limit: 320, valLimit: 50 });
    expect((await train(runDir)).outcome).toBe('done');
    const [newest, older] = listCheckpoints(runDir);
    expect(path.basename(older)).toBe('e0001-b00000');
    const w = path.join(newest, 'weights.bin');
    const bytes = readFileSync(w);
    bytes[10] ^= 0xff;
    writeFileSync(w, bytes);
    // pretend the run asked for one more epoch
    const cfgPath = path.join(runDir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    cfg.config.epochs = 3;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const again = await train(runDir, { resume: true });
    expect(again.outcome).toBe('done');
    const start = ofType(again.events, 'start')[0];
    expect(start.note).toMatch(/e0002-b00000 is unusable .*SHA-256.*e0001-b00000 used instead/);
    expect(ofType(again.events, 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
    expect(readdirSync(path.join(runDir, 'checkpoints')).some((n) => n.startsWith('e0002-b00000.corrupt-'))).toBe(true);
  });
});
