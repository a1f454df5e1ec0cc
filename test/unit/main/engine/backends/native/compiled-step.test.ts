/**
 * The compiled step as the trainer will use it: several batch sizes in one run (the last partial
 * batch, evaluation), evaluation against the cpu backend, checkpoints in the tfjs format going
 * both ways, the thread setting, and clear errors for bad calls.
 */

import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTemplate, TEMPLATES } from '../../../../../../shared/templates/index';
import type { GraphDoc } from '../../../../../../shared/graph/types';
import { compileGraph } from '../../../../../../main/engine-core/compile';
import { loadAddon } from '../../../../../../main/engine/backends/native/addon';
import { compiledThreads, createCompiledStep, type CompiledStep } from '../../../../../../main/engine/backends/native/compiled/step';
import { weightsFromModel, weightsIntoModel } from '../../../../../../main/engine/backends/native/compiled/tfjs-weights';
import { loadLatestCheckpoint, saveCheckpoint } from '../../../../../../main/runs/checkpoints';
import { batches, initialWeights, resized, runCompiled, runCpu, updateErrors, worst } from './compiled-helpers';
import { randomGraph } from './random-graphs';
import { analyzeGraph } from '../../../../../../shared/shapes/index';

const skip = loadAddon().addon?.CompiledNet ? '' : `compiled step tests skipped: ${loadAddon().reason === 'ok' ? 'the addon lacks CompiledNet (npm run build:native)' : loadAddon().reason}`;
if (skip) console.warn(skip);

const root = path.resolve(__dirname, '../../../../../..');
const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

function make(doc = getTemplate('bn-lenet')!, threads = 2): CompiledStep {
  const s = createCompiledStep({ doc }, { threads });
  if ('fallback' in s) throw new Error(s.fallback);
  return s;
}

/** Largest |a - b| over the reference's largest magnitude. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return e / s;
}

function cpuLogits(doc: ReturnType<typeof getTemplate>, weights: ReturnType<CompiledStep['exportWeights']>, x: Float32Array): Float32Array {
  const model = compileGraph(doc!, { initialize: false });
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const w of model.weights) tf.tidy(() => { w.write(tf.tensor(byName.get(w.originalName)!.values, w.shape as number[])); });
  const size = doc!.nodes.find((n) => n.type === 'Input')!.params.height as number;
  const out = tf.tidy(() => (model.apply(tf.tensor4d(x, [x.length / (size * size), size, size, 1]), { training: false }) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return Float32Array.from(out);
}

describe.skipIf(!!skip)('compiled step in a training run', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains with batches of 16, a partial 5 and 16 again like the cpu backend (one set of weights across batch sizes)', async () => {
    const doc = getTemplate('bn-lenet')!;
    const w0 = initialWeights(doc);
    const [a, b, c] = await batches(doc, 16, 3, 0.5);
    const steps = [a, { x: b.x.subarray(0, 5 * 784), labels: b.labels.subarray(0, 5), lr: 0.5 }, c];
    const got = runCompiled(doc, w0, steps);
    const ref = await runCpu(doc, w0, steps);
    got.losses.forEach((l, i) => expect(l, `loss ${i}`).toBeCloseTo(ref.losses[i], 4));
    const w = worst(updateErrors(w0, got.weights, ref.weights));
    expect(w.error, w.name).toBeLessThanOrEqual(1e-4);
  });

  it('evaluates with the running statistics like the cpu backend, at another batch size than training', async () => {
    const doc = getTemplate('bn-lenet')!;
    const s = make(doc);
    try {
      s.importWeights(initialWeights(doc));
      for (const b of await batches(doc, 32, 3, 0.2)) s.step(b.x, b.labels, b.lr);
      const [test] = await batches(doc, 50, 1, 0, 777);
      const logits = s.evaluate(test.x);
      expect(logits.length).toBe(500);
      expect(relDiff(logits, cpuLogits(doc, s.exportWeights(), test.x))).toBeLessThan(1e-5);
    } finally {
      s.dispose();
    }
  });

  it('evaluation skips dropout and training applies it (p = 0.5 drops about half)', async () => {
    const doc = getTemplate('vgg-small')!;
    doc.nodes.find((n) => n.type === 'Input')!.params.height = 32;
    doc.nodes.find((n) => n.type === 'Input')!.params.width = 32;
    const s = make(doc);
    try {
      s.importWeights(initialWeights(doc));
      const [b] = await batches(doc, 4, 1, 0);
      expect(relDiff(s.evaluate(b.x), cpuLogits(doc, s.exportWeights(), b.x))).toBeLessThan(1e-5);
      const u = Array.from({ length: 20000 }, (_, i) => loadAddon().addon!.dropoutUniform!(0, 1, i));
      const kept = u.filter((v) => v >= 0.5).length / u.length;
      expect(kept).toBeGreaterThan(0.48);
      expect(kept).toBeLessThan(0.52);
      expect(new Set(u).size).toBeGreaterThan(19000);
    } finally {
      s.dispose();
    }
  });

  it('saves a tfjs checkpoint the cpu backend resumes from, and resumes from one the cpu backend saved', async () => {
    const doc = getTemplate('bn-lenet')!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-compiled-ckpt-'));
    const s = make(doc);
    try {
      s.importWeights(initialWeights(doc));
      for (const b of await batches(doc, 16, 2, 0.3)) s.step(b.x, b.labels, b.lr);
      const model = compileGraph(doc, { initialize: false });
      weightsIntoModel(s, model);
      const state = { epochsDone: 1, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, last: null, seconds: 1, referenceLoss: null };
      await saveCheckpoint(dir, model, state);
      model.dispose();
      const { loaded } = await loadLatestCheckpoint(dir);
      expect(loaded).not.toBeNull();
      const saved = new Map(weightsFromModel(loaded!.model).map((w) => [w.name, w.values]));
      for (const w of s.exportWeights()) expect(Array.from(saved.get(w.name)!), w.name).toEqual(Array.from(w.values));
      // The cpu backend trains one more step from it; the compiled step resumes from that checkpoint.
      const [next] = await batches(doc, 16, 1, 0.3, 99);
      const cpu = await runCpu(doc, weightsFromModel(loaded!.model), [next]);
      loaded!.model.dispose();
      const resumed = make(doc);
      try {
        resumed.importWeights([...cpu.weights].map(([name, values]) => ({ name, shape: s.exportWeights().find((w) => w.name === name)!.shape, values: Float32Array.from(values) })));
        const [test] = await batches(doc, 20, 1, 0, 555);
        expect(relDiff(resumed.evaluate(test.x), cpuLogits(doc, resumed.exportWeights(), test.x))).toBeLessThan(1e-5);
      } finally {
        resumed.dispose();
      }
    } finally {
      s.dispose();
    }
  });

  it('exports and imports optimizer state (momentum buffers, Adam moments and step counts)', async () => {
    const doc = randomGraph(5);
    const w0 = initialWeights(doc);
    const steps = await batches(doc, 8, 3, 1e-3);
    for (const optimizer of [{ kind: 'sgd' as const, momentum: 0.9 }, { kind: 'adam' as const }]) {
      const whole = createCompiledStep({ doc }, { threads: 2, optimizer });
      const first = createCompiledStep({ doc }, { threads: 2, optimizer });
      const second = createCompiledStep({ doc }, { threads: 2, optimizer });
      if ('fallback' in whole || 'fallback' in first || 'fallback' in second) throw new Error('fell back');
      try {
        whole.importWeights(w0);
        first.importWeights(w0);
        for (const b of steps) whole.step(b.x, b.labels, b.lr);
        first.step(steps[0].x, steps[0].labels, steps[0].lr);
        // A resumed run: weights and optimizer state moved to a fresh step, then two more batches.
        second.importWeights(first.exportWeights());
        const state = first.exportOptimizerState();
        expect(state.slots.length).toBeGreaterThan(0);
        expect(Object.values(state.steps).every((n) => n === 1)).toBe(true);
        second.importOptimizerState(state);
        for (const b of steps.slice(1)) second.step(b.x, b.labels, b.lr);
        const a = new Map(whole.exportWeights().map((w) => [w.name, w.values]));
        for (const w of second.exportWeights()) expect(Array.from(w.values), `${optimizer.kind} ${w.name}`).toEqual(Array.from(a.get(w.name)!));
      } finally {
        whole.dispose();
        first.dispose();
        second.dispose();
      }
    }
  });
});

describe.skipIf(!!skip)('compiled step: threads, device line and fallbacks', () => {
  it('takes the thread setting, else every core, and names the count on the device line', () => {
    expect(compiledThreads(3)).toEqual({ threads: 3, source: 'setting' });
    const auto = compiledThreads(null);
    if (process.env.OMP_NUM_THREADS === undefined || auto.source === 'all cores') expect(auto.threads).toBe(os.availableParallelism());
    const s = make(getTemplate('lenet')!, 1);
    try {
      expect(s.device).toMatch(/^cpu \(oneDNN [\d.]+.*, compiled step, 1 thread\)$/);
      s.setThreads(2);
      expect(s.device).toMatch(/, 2 threads\)$/);
    } finally {
      s.dispose();
    }
  });

  it('honours OMP_NUM_THREADS set by the user', () => {
    const script = `import { createCompiledStep } from './main/engine/backends/native/compiled/step';
      import { getTemplate } from './shared/templates/index';
      const s = createCompiledStep({ doc: getTemplate('lenet') });
      console.log('fallback' in s ? s.fallback : s.device);`;
    const r = spawnSync(process.execPath, [tsx, '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(r.stdout.trim(), r.stderr).toMatch(/compiled step, 1 thread\)$/);
  });

  // oneDNN's reference kernels are plain loops: a convolution's backward on one cost LeNet 4 s a
  // step (the forward had kept a plain layout only the reference backward takes).
  it.each([
    ...TEMPLATES.map((t) => [t.id, t.build()] as [string, GraphDoc]),
    ...Array.from({ length: 20 }, (_, i) => [`random graph ${i}`, randomGraph(i, { dropout: true, dilation: true })] as [string, GraphDoc]),
  ])('%s: no convolution, linear, batch-norm or pooling primitive falls to oneDNN\'s reference kernel', (_name, doc0) => {
    // Small for speed, but large enough for the network to check: AlexNet and NiN need 96 px.
    const side = doc0.nodes.find((n) => n.type === 'Input')!.params.height as number;
    const size = side <= 32 ? side : [32, 64, 96, 128, 160, side].find((px) => px <= side && analyzeGraph(resized(doc0, px)).ok)!;
    const doc = size === side ? doc0 : resized(doc0, size);
    const s = make(doc, 1);
    try {
      s.step(new Float32Array(4 * size * size), new Int32Array(4), 0.01);
      const actions = s.describe();
      expect(actions.some((a) => a.includes('backward'))).toBe(true);
      expect(actions.filter((a) => /^(conv|linear|batchnorm|maxpool|avgpool)\b/.test(a) && a.includes('[ref'))).toEqual([]);
    } finally {
      s.dispose();
    }
  });

  it('falls back with a one-line reason: a graph that does not check, an addon that is not there', () => {
    const doc = getTemplate('lenet')!;
    doc.edges = doc.edges.slice(0, 3);
    const s = createCompiledStep({ doc });
    expect('fallback' in s && s.fallback).toMatch(/^the graph does not check/);
    const script = `import { createCompiledStep } from './main/engine/backends/native/compiled/step';
      import { getTemplate } from './shared/templates/index';
      const s = createCompiledStep({ doc: getTemplate('lenet') });
      console.log('fallback' in s ? s.fallback : 'compiled');`;
    const r = spawnSync(process.execPath, [tsx, '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, CONVSTUDIO_NATIVE_ADDON: 'off' } });
    expect(r.stdout.trim(), r.stderr).toMatch(/names no file \(run `npm run build:native`/);
  });

  it('refuses bad calls with messages that say what is wrong, and keeps working', async () => {
    const doc = getTemplate('lenet')!;
    const s = make(doc);
    try {
      const [b] = await batches(doc, 4, 1, 0.1);
      expect(() => s.step(b.x, Int32Array.from([0, 1, 12, 3]), 0.1)).toThrow(/label 12 is outside 0\.\.9/);
      expect(() => s.step(b.x.subarray(0, 100), b.labels, 0.1)).toThrow(/x holds 100 values; 4 labels need 3136/);
      expect(() => s.importWeights([{ name: 'conv1/kernel', shape: [3, 3, 1, 6], values: new Float32Array(54) }])).toThrow(/conv1\/kernel is \[3, 3, 1, 6\]; the compiled network's is \[5, 5, 1, 6\]/);
      expect(() => s.importWeights([{ name: 'nope/kernel', shape: [1], values: new Float32Array(1) }])).toThrow(/no parameter nope\/kernel/);
      expect(() => s.setOptimizer({ kind: 'sgd', momentum: -1 })).toThrow(/momentum must be a number ≥ 0/);
      expect(Number.isFinite(s.step(b.x, b.labels, 0.1))).toBe(true);
    } finally {
      s.dispose();
    }
    expect(() => s.step(new Float32Array(784), Int32Array.from([0]), 0.1)).toThrow(/disposed/);
  });
});
