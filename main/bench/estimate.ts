/**
 * `npm run bench:estimate`: the estimate before Start against real training, per network. The
 * estimate is what the Training panel shows — the engine service's probe of the graph
 * (main/engine/estimate/probe.ts) scaled to a full epoch (shared/training/estimate.ts), and the
 * memory lower bound (shared/shapes/memory.ts). The measurement is `convstudio train` itself (the
 * job manager, the training process, the real Fashion-MNIST files) on a subset, scaled to a full
 * epoch: its first batch (which builds kernels and primitives) once, the later batches' rate for
 * the rest of the 60,000 samples, and its validation time for 10,000; with the peak RSS of the
 * training process (GNU time's maximum resident set over the CLI and its children).
 *
 *   npm run bench:estimate [-- --networks lenet,vgg-small --json out.json]
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatBytes } from '../../shared/format';
import { estimateMemory } from '../../shared/shapes/memory';
import { analyzeGraph } from '../../shared/shapes/index';
import { estimateTime, type StepMeasurement } from '../../shared/training/estimate';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/training/settings';
import { getTemplate } from '../../shared/templates/index';
import { createNodeApi } from '../api/node-api';
import { moduleDir } from '../common/module-dir';
import { createEstimator } from '../engine/estimate/estimator';
import { createEngineService } from '../engine/service/client';
import { batchClock } from './batch-clock';
import type { NetworkId } from './networks';

/** Samples trained and validated per network: enough batches that the first (which builds kernels) weighs little, few enough for the big ones to finish in a minute or two. */
const SUBSETS: Record<NetworkId, { limit: number; valLimit: number; label: string }> = {
  lenet: { limit: 12_800, valLimit: 2_000, label: 'LeNet' },
  'bn-lenet': { limit: 12_800, valLimit: 2_000, label: 'BN-LeNet' },
  'vgg-small': { limit: 512, valLimit: 256, label: 'VGG-11 (small)@224' },
  resnet18: { limit: 768, valLimit: 256, label: 'ResNet-18@96' },
};

export interface EstimateRow {
  network: string;
  backend: string;
  path: string;
  probe: string;
  estimated_epoch_s: number;
  measured_epoch_s: number;
  /** estimated / measured: within [1/1.5, 1.5] is the bar. */
  ratio: number;
  estimated_memory_bytes: number;
  peak_rss_bytes: number | null;
  subset: string;
  load: number;
}

const ROOT = path.resolve(moduleDir(import.meta.url), '../..');

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

interface Trained {
  /** The epoch's wall time (training, validation, events, checkpoint). */
  seconds: number;
  /** Seconds of the first batch's step, and the later batches' samples per second. */
  firstBatchSeconds: number;
  firstBatchSamples: number;
  steadySamplesPerS: number;
  /** Seconds of training steps over the whole subset (the trainer's own clock). */
  trainSeconds: number;
  rssBytes: number | null;
}

/** One training run through the CLI: its epoch, its batches' clock and the peak RSS GNU time saw. */
function train(id: NetworkId, limit: number, valLimit: number, runs: string): Trained {
  const args = ['-f', 'PEAK_RSS_KB %M', process.execPath, path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'main/cli/index.ts'), 'train', id,
    '--epochs', '1', '--limit', String(limit), '--val-limit', String(valLimit), '--out', runs, '--json'];
  const r = spawnSync('/usr/bin/time', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const epoch = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'epoch');
  if (!epoch) throw new Error(`convstudio train ${id} gave no epoch (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const kb = /PEAK_RSS_KB (\d+)/.exec(r.stderr);
  // The run folder's metrics.jsonl has every batch; the CLI prints only epochs.
  const runDir = path.join(runs, String(epoch.runId));
  const events = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number | string>);
  const bs = DEFAULT_TRAIN_CONFIG.batchSize;
  const batches = events.filter((e) => e.event === 'batch').map((e) => ({ samples: Math.min(bs, limit - ((e.batch as number) - 1) * bs), samples_per_s: e.samples_per_s as number }));
  const clock = batchClock(batches);
  return {
    seconds: epoch.seconds as number, firstBatchSeconds: clock.firstSeconds, firstBatchSamples: clock.firstSamples, steadySamplesPerS: clock.steadyRate,
    trainSeconds: clock.totalSeconds, rssBytes: kb ? Number(kb[1]) * 1024 : null,
  };
}

export async function estimateBench(networks: NetworkId[], log: (line: string) => void): Promise<EstimateRow[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-bench-estimate-'));
  const engine = createEngineService();
  const api = createNodeApi({ runsRoot: path.join(tmp, 'runs'), engine, estimator: createEstimator({ file: path.join(tmp, 'estimates.json'), engineFor: () => engine }) });
  const rows: EstimateRow[] = [];
  try {
    for (const id of networks) {
      const doc = getTemplate(id)!;
      const analysis = analyzeGraph(doc);
      const sub = SUBSETS[id];
      const load = os.loadavg()[0];
      const probed = await api.measureTraining({ graph: doc, config: { ...DEFAULT_TRAIN_CONFIG }, fresh: true });
      if (!probed.ok) throw new Error(`${id}: ${probed.error.message}`);
      const m: StepMeasurement = probed.value;
      const est = estimateTime(analysis, { epochs: 1, limit: null, valLimit: null }, m, null)!;
      const t = train(id, sub.limit, sub.valLimit, path.join(tmp, 'runs'));
      // A full epoch builds its kernels once (the first batch) and trains the rest at the later
      // batches' rate; what the epoch took beyond its steps is validation (and its events).
      const valSeconds = Math.max(t.seconds - t.trainSeconds, 0);
      const measured = t.firstBatchSeconds + (FASHION_MNIST.trainSamples - t.firstBatchSamples) / t.steadySamplesPerS + valSeconds * (FASHION_MNIST.testSamples / sub.valLimit);
      const row: EstimateRow = {
        network: sub.label, backend: m.backend, path: m.path, probe: `${m.steps} steps of ${m.batch}`,
        estimated_epoch_s: est.epochSeconds, measured_epoch_s: measured, ratio: est.epochSeconds / measured,
        estimated_memory_bytes: estimateMemory(analysis, { batch: DEFAULT_TRAIN_CONFIG.batchSize }).totals.total,
        peak_rss_bytes: t.rssBytes, subset: `${sub.limit} train / ${sub.valLimit} val`, load,
      };
      rows.push(row);
      log(`${row.network}: estimated ${row.estimated_epoch_s.toFixed(1)} s, measured ${row.measured_epoch_s.toFixed(1)} s per epoch (×${row.ratio.toFixed(2)}); memory ≥ ${formatBytes(row.estimated_memory_bytes)}, peak RSS ${row.peak_rss_bytes ? formatBytes(row.peak_rss_bytes) : '?'} (load ${load.toFixed(1)})`);
    }
  } finally {
    engine.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

export function estimateTable(rows: EstimateRow[]): string {
  const lines = [
    '| Network | Backend (step) | Probe | Estimated epoch | Measured epoch (subset, scaled) | Estimate / measured | Memory estimate (≥) | Peak RSS of training |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.network} | ${r.backend} (${r.path}) | ${r.probe} | ${r.estimated_epoch_s.toFixed(1)} s | ${r.measured_epoch_s.toFixed(1)} s (${r.subset}) | ${r.ratio.toFixed(2)} | ${formatBytes(r.estimated_memory_bytes)} | ${r.peak_rss_bytes ? formatBytes(r.peak_rss_bytes) : '?'} |`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const networks = (arg(argv, 'networks') ?? 'lenet,bn-lenet,vgg-small,resnet18').split(',') as NetworkId[];
  for (const n of networks) if (!(n in SUBSETS)) throw new Error(`unknown network "${n}" (known: ${Object.keys(SUBSETS).join(', ')})`);
  const rows = await estimateBench(networks, (l) => console.error(l));
  console.log(`${new Date().toISOString()}, ${os.cpus().length} cores, ${formatBytes(os.totalmem())}\n`);
  console.log(estimateTable(rows));
  const out = arg(argv, 'json');
  if (out) fs.writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  const off = rows.filter((r) => r.ratio > 1.5 || r.ratio < 1 / 1.5);
  if (off.length) console.log(`\nOutside a factor of 1.5: ${off.map((r) => r.network).join(', ')}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
});
