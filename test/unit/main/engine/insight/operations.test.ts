/**
 * Insight's engine operations on real runs (LeNet with ReLUs and d2l's BN-LeNet, trained for two
 * small epochs by `convstudio train` in its own process), in-process on the backend the service
 * would choose, checked against what they must agree with: the labels of the validation subset,
 * the run's own val_acc, and a plain forward pass of the same checkpoint on the cpu backend.
 */

import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../../../shared/api';
import { decodeBytes, INSIGHT_LIMITS, type Activations, type Evaluation, type Filters, type Histograms, type InsightEpochs } from '../../../../../shared/insight';
import type { GraphDoc } from '../../../../../shared/graph/types';
import { getTemplate } from '../../../../../shared/templates/index';
import { initBackend } from '../../../../../main/engine/backends/index';
import { registerInsightOperations } from '../../../../../main/engine/insight/index';
import { clearRunModels } from '../../../../../main/engine/insight/run-model';
import { createRegistry, type OperationContext } from '../../../../../main/engine/service/registry';
import { makeBatch } from '../../../../../main/data/fashion-mnist';
import { readIdxFile } from '../../../../../main/data/idx';
import { SYSTEM_DATA_DIR, filesIn } from '../../../../../main/data/locate';
import { listCheckpoints } from '../../../../../main/runs/checkpoints';
import { evaluationFile } from '../../../../../main/runs/evaluations';
import { readEvents } from '../../../../../main/runs/run-folder';
import { reluLenet } from '../train-helpers';
import { referenceProbabilities, trainRun, value, type TrainedRun } from './helpers';

const VAL = 400;
const FLAGS = ['--epochs', '2', '--limit', '1500', '--val-limit', String(VAL), '--batch-size', '64', '--lr', '0.1', '--backend', 'auto'];
const CASES: { title: string; graph: () => GraphDoc }[] = [
  { title: 'LeNet (ReLU)', graph: reluLenet },
  { title: 'BN-LeNet', graph: () => getTemplate('bn-lenet') as GraphDoc },
];

const registry = createRegistry();
registerInsightOperations(registry);
let ctx: OperationContext;
const call = <T>(op: string, args: object): Promise<Result<T>> => registry.run(op, args, ctx) as Promise<Result<T>>;

const files = filesIn(SYSTEM_DATA_DIR)!;
const testLabels = readIdxFile(files.testLabels).data;
const testImages = readIdxFile(files.testImages).data;

beforeAll(async () => {
  const b = await initBackend('auto');
  ctx = { backend: { name: b.name, device: b.device } };
});

describe.each(CASES)('insight on a trained $title run', ({ graph }) => {
  let run: TrainedRun;
  let at: { runId: string; runDir: string };
  let evaluation: Evaluation;

  beforeAll(async () => {
    run = await trainRun(graph(), FLAGS);
    at = { runId: run.runId, runDir: run.runDir };
    clearRunModels();
    evaluation = value(await call<Evaluation>('insight.evaluate', at));
  }, 240_000);

  it('lists its checkpoints, newest first, and the initial weights', async () => {
    const e = value(await call<InsightEpochs>('insight.epochs', at));
    expect(e.epochs.map((x) => [x.epoch, x.checkpoint])).toEqual([[2, 'e0002-b00000'], [1, 'e0001-b00000'], [0, 'initial']]);
    expect(e.epochs[0].evaluated).toBe(true);
    expect(e.epochs[1].evaluated).toBe(false);
    expect(e.valSamples).toBe(VAL);
  });

  it('has confusion rows that sum to the class counts of the validation subset', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < VAL; i++) counts[testLabels[i]]++;
    expect(evaluation.samples).toBe(VAL);
    expect(evaluation.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
    expect(evaluation.perClass.map((c) => c.count)).toEqual(counts);
  });

  it("has the overall accuracy the run recorded as the epoch's val_acc", () => {
    const last = readEvents(run.runDir).filter((e) => e.event === 'epoch').at(-1) as { val_acc: number; epoch: number };
    expect(last.epoch).toBe(2);
    const trace = evaluation.confusion.reduce((a, row, c) => a + row[c], 0);
    expect(trace).toBe(Math.round(last.val_acc * VAL));
    expect(evaluation.accuracy).toBeCloseTo(last.val_acc, 9);
    // It learned something, or the comparisons below would be about a constant answer.
    expect(evaluation.accuracy).toBeGreaterThan(0.4);
  });

  it('predicts, per image and per class, what a plain forward pass of the checkpoint on the cpu backend predicts', async () => {
    const ckpt = listCheckpoints(run.runDir)[0];
    const x = makeBatch({ images: testImages, labels: testLabels, count: 10_000, height: 28, width: 28 }, Array.from({ length: VAL }, (_, i) => i), 0, VAL, 28).x;
    const probs = await referenceProbabilities(JSON.parse(readFileSync(path.join(run.runDir, 'graph.json'), 'utf8')), ckpt, x, VAL, 28);
    const predicted = decodeBytes(evaluation.predictions);
    const hits = new Array(10).fill(0);
    const totals = new Array(10).fill(0);
    let ties = 0;
    for (let i = 0; i < VAL; i++) {
      const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
      const best = row.indexOf(Math.max(...row));
      const sorted = [...row].sort((a, b) => b - a);
      // Two classes within float32 noise of each other may fall either way on another backend.
      if (sorted[0] - sorted[1] < 1e-5) ties++;
      else expect(predicted[i], `image ${i}`).toBe(best);
      totals[testLabels[i]]++;
      if (best === testLabels[i]) hits[testLabels[i]]++;
    }
    expect(ties).toBeLessThan(3);
    evaluation.perClass.forEach((c, k) => expect(c.accuracy, c.className).toBeCloseTo(hits[k] / totals[k], ties ? 1 : 9));
  });

  it('lists every mistake once, most confident first, with the confusion matrix off its diagonal', () => {
    const off = evaluation.confusion.reduce((a, row, r) => a + row.reduce((s, v, c) => s + (c === r ? 0 : v), 0), 0);
    expect(evaluation.misclassifiedTotal).toBe(off);
    expect(evaluation.misclassified.length).toBe(Math.min(off, INSIGHT_LIMITS.misclassified));
    const predicted = decodeBytes(evaluation.predictions);
    for (const m of evaluation.misclassified) {
      expect(m.label).toBe(testLabels[m.index]);
      expect(m.predicted).toBe(predicted[m.index]);
      expect(m.predicted).not.toBe(m.label);
    }
    const conf = evaluation.misclassified.map((m) => m.confidence);
    expect(conf).toEqual([...conf].sort((a, b) => b - a));
  });

  it('serves the evaluation from the run folder once computed, and recomputes a cache that is torn', async () => {
    const again = value(await call<Evaluation>('insight.evaluate', at));
    expect(again.cached).toBe(true);
    expect(again.confusion).toEqual(evaluation.confusion);
    const file = evaluationFile(run.runDir, 'e0002-b00000');
    expect(existsSync(file)).toBe(true);
    writeFileSync(file, '{"format":"convstudio.evaluation","vers');
    const fresh = value(await call<Evaluation>('insight.evaluate', at));
    expect(fresh.cached).toBe(false);
    expect(fresh.confusion).toEqual(evaluation.confusion);
  });

  it('evaluates an older epoch and the initial weights on request', async () => {
    const first = value(await call<Evaluation>('insight.evaluate', { ...at, epoch: 1 }));
    expect(first.epoch).toBe(1);
    const e1 = readEvents(run.runDir).find((e) => e.event === 'epoch' && e.epoch === 1) as { val_acc: number };
    expect(first.accuracy).toBeCloseTo(e1.val_acc, 9);
    const initial = value(await call<Evaluation>('insight.evaluate', { ...at, epoch: 0 }));
    expect(initial.checkpoint).toBe('initial');
    expect(initial.accuracy).toBeLessThan(evaluation.accuracy);
  }, 120_000);

  it('returns every layer with as many channel grids as its shape has channels (up to the cap)', async () => {
    const a = value(await call<Activations>('insight.activations', { ...at, image: { source: 'validation', index: 3 } }));
    expect(a.label).toBe(testLabels[3]);
    expect(a.layers.map((l) => l.path)).toEqual(graph().nodes.map((n) => n.id));
    for (const l of a.layers) {
      const [c, h, w] = l.shape;
      const bytes = decodeBytes(l.data);
      if (l.kind === 'map') {
        expect(l.channels, l.path).toBe(c);
        expect(l.shown).toBe(Math.min(c, INSIGHT_LIMITS.channels));
        expect(l.grid[0]).toBeLessThanOrEqual(Math.min(h, INSIGHT_LIMITS.gridSide));
        expect(l.grid[1]).toBeLessThanOrEqual(Math.min(w, INSIGHT_LIMITS.gridSide));
        expect(bytes.length).toBe(l.shown * l.grid[0] * l.grid[1]);
        expect(l.min.length).toBe(l.shown);
      } else {
        expect(l.shape.length).toBe(1);
        expect(l.channels).toBe(l.shape[0]);
        expect(bytes.length).toBe(Math.min(l.shape[0], INSIGHT_LIMITS.vectorValues));
      }
    }
    // The input layer's grid is the image itself.
    const [lo, hi] = [a.layers[0].min[0], a.layers[0].max[0]];
    const expected = Uint8Array.from(testImages.subarray(3 * 784, 4 * 784), (v) => Math.round(((v / 255 - lo) / (hi - lo)) * 255));
    expect(decodeBytes(a.layers[0].data)).toEqual(expected);
    expect(a.top5[0].classIndex).toBe(decodeBytes(evaluation.predictions)[3]);
    const total = a.top5.reduce((s, p) => s + p.probability, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-6);
    expect(a.top5.map((p) => p.probability)).toEqual([...a.top5.map((p) => p.probability)].sort((x, y) => y - x));
  });

  it("shows the first convolution's filters as the checkpoint holds them", async () => {
    const f = value(await call<Filters>('insight.filters', at));
    expect(f.layer).toBe('conv1');
    expect(f.shape).toEqual([6, 1, 5, 5]);
    const bytes = decodeBytes(f.data);
    expect(bytes.length).toBe(6 * 25);
    expect(Math.max(...bytes) === 255 || Math.min(...bytes) === 0).toBe(true);
    const deeper = value(await call<Filters>('insight.filters', { ...at, layer: 'conv2' }));
    expect(deeper.shape).toEqual([16, 6, 5, 5]);
    expect(decodeBytes(deeper.data).length).toBe(16 * 6 * 25);
  });

  it('gives weight and gradient histograms that count every weight', async () => {
    const h = value(await call<Histograms>('insight.histograms', { ...at, bins: 20 }));
    const conv1 = h.layers.find((l) => l.path === 'conv1')!;
    expect(conv1.weights.map((w) => [w.name, w.count])).toEqual([['weight', 150], ['bias', 6]]);
    expect(conv1.gradients.map((w) => w.name)).toEqual(['weight', 'bias']);
    for (const l of h.layers) for (const x of [...l.weights, ...l.gradients]) {
      expect(x.counts.length).toBe(20);
      expect(x.counts.reduce((a, b) => a + b, 0)).toBe(x.count);
    }
    expect(conv1.gradients[0].std).toBeGreaterThan(0);
  });
});

describe('insight refuses what it cannot answer, saying what to do', () => {
  let run: TrainedRun;
  beforeAll(async () => {
    run = await trainRun(reluLenet(), ['--epochs', '1', '--limit', '256', '--val-limit', '100', '--backend', 'auto']);
  }, 120_000);

  const cases: [string, () => object, string, RegExp][] = [
    ['an epoch without a checkpoint', () => ({ runId: run.runId, runDir: run.runDir, epoch: 7 }), 'no-checkpoint', /no checkpoint for epoch 7.*epoch 1 and 0/],
    ['a folder that is not a run', () => ({ runId: 'x', runDir: mkdtempSync(path.join(os.tmpdir(), 'cs-not-a-run-')) }), 'not-a-run', /not a run folder/],
    ['a layer that is not a convolution', () => ({ runId: run.runId, runDir: run.runDir, layer: 'fc1' }), 'bad-request', /conv1, conv2/],
  ];
  it.each(cases)('%s', async (_t, args, code, message) => {
    const r = await call('insight.filters', args());
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toMatch(message);
    }
  });

  it('a checkpoint whose weights were changed on disk', async () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'cs-damaged-'));
    cpSync(run.runDir, copy, { recursive: true });
    const ckpt = listCheckpoints(copy)[0];
    const bin = path.join(ckpt, 'weights.bin');
    const bytes = readFileSync(bin);
    bytes[10] ^= 0xff;
    writeFileSync(bin, bytes);
    const r = await call('insight.evaluate', { runId: run.runId, runDir: copy });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('damaged-checkpoint');
      expect(r.error.message).toMatch(/weights.bin does not match its SHA-256.*Choose another epoch/);
    }
  });
});
