/**
 * Insight benchmark (issue 12): time from request to pixels, through the Api and the real engine
 * service process exactly as the page asks, for one image's activations and Grad-CAM on
 * ResNet-18@96 and VGG-11 (small)@224 once the checkpoint is loaded, and a full evaluation of
 * the 10,000 test images (LeNet, BN-LeNet at 28×28) on the backend the service picks (the fastest
 * here). The checkpoints hold the seed's initial weights: the time does not depend on what the
 * weights learned. Not a test; prints a Markdown table for docs/benchmarks/insight.md.
 *
 *   npx tsx main/bench/insight.ts [--repeats N] [--nets resnet18,vgg-small] [--eval lenet,bn-lenet]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Activations, Evaluation, GradCam } from '../../shared/insight';
import { getTemplate } from '../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/training';
import { createNodeApi } from '../api/node-api';
import { initBackend } from '../engine/backends/index';
import { compileGraph } from '../engine-core/compile';
import { createEngineService } from '../engine/service/client';
import { saveCheckpoint } from '../runs/checkpoints';
import { createRun } from '../runs/run-folder';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const repeats = Number(option('repeats', '5'));
const nets = option('nets', 'resnet18,vgg-small').split(',').filter(Boolean);
const evals = option('eval', 'lenet,bn-lenet').split(',').filter(Boolean);

async function runWithCheckpoint(root: string, id: string): Promise<string> {
  const doc = getTemplate(id);
  if (!doc) throw new Error(`no template ${id}`);
  const { runId, runDir } = createRun(root, doc, { ...DEFAULT_TRAIN_CONFIG, epochs: 1, valLimit: null });
  const model = compileGraph(doc, { seed: DEFAULT_TRAIN_CONFIG.seed });
  await saveCheckpoint(runDir, model, { epochsDone: 1, batchesDone: 0, partialLossSum: 0, partialLossCount: 0, last: null, seconds: 0, referenceLoss: null });
  model.dispose();
  return runId;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: number) => performance.now() - t0;

async function main(): Promise<void> {
  await initBackend('auto');
  const root = mkdtempSync(path.join(os.tmpdir(), 'cs-insight-bench-'));
  const engine = createEngineService({ backend: 'auto' });
  const api = createNodeApi({ runsRoot: root, engine });
  const rows: string[] = [];
  try {
    for (const id of nets) {
      const runId = await runWithCheckpoint(root, id);
      const image = { source: 'validation' as const, index: 0 };
      let t0 = performance.now();
      const first = await api.insightActivations({ runId, image });
      if (!first.ok) throw new Error(`${id}: ${first.error.message}`);
      const cold = ms(t0);
      const times: number[] = [];
      let bytes = 0;
      let layers = 0;
      for (let i = 0; i < repeats; i++) {
        t0 = performance.now();
        const r = await api.insightActivations({ runId, image: { source: 'validation', index: i + 1 } });
        times.push(ms(t0));
        if (!r.ok) throw new Error(`${id}: ${r.error.message}`);
        bytes = JSON.stringify(r.value).length;
        layers = (r.value as Activations).layers.length;
      }
      const cams: number[] = [];
      for (let i = 0; i < Math.max(1, Math.floor(repeats / 2)); i++) {
        t0 = performance.now();
        const r = await api.insightGradCam({ runId, image: { source: 'validation', index: i } });
        cams.push(ms(t0));
        if (!r.ok) throw new Error(`${id} Grad-CAM: ${r.error.message}`);
        void (r.value as GradCam).heat;
      }
      rows.push(`| ${id} activations (${layers} layers, ${(bytes / 1024).toFixed(0)} kB) | first request, loading the checkpoint: ${(cold / 1000).toFixed(2)} s | median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)} (n=${repeats}) |`);
      rows.push(`| ${id} Grad-CAM (last conv) | – | median ${median(cams).toFixed(0)} ms (n=${cams.length}) |`);
      console.error(rows.at(-2));
      console.error(rows.at(-1));
    }
    for (const id of evals) {
      const runId = await runWithCheckpoint(root, id);
      let t0 = performance.now();
      const r = await api.insightEvaluate({ runId });
      const t = ms(t0);
      if (!r.ok) throw new Error(`${id} evaluate: ${r.error.message}`);
      const e = r.value as Evaluation;
      t0 = performance.now();
      const again = await api.insightEvaluate({ runId });
      const cached = ms(t0);
      if (!again.ok || !(again.value as Evaluation).cached) throw new Error(`${id}: the second evaluation was not served from the cache`);
      rows.push(`| ${id} full evaluation, ${e.samples} images, backend ${e.backend} | ${(t / 1000).toFixed(2)} s request to answer, loading included (the evaluation itself ${e.seconds.toFixed(2)} s) | cached: ${cached.toFixed(0)} ms |`);
      console.error(rows.at(-1));
    }
  } finally {
    engine.dispose();
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`| what | cold | warm |\n|---|---|---|\n${rows.join('\n')}`);
}

void main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
