/**
 * The estimate before Start: how long an epoch and the whole run take on this machine, and what
 * to change when the memory estimate (shared/shapes/memory.ts) does not fit. Time comes from a
 * measurement of training steps on this machine: of this very graph at this batch size and
 * backend (the engine service's probe, main/engine/estimate/), or, until there is one, from the
 * training throughput (MACs/s) the backend reached on the last graph measured, which is rougher
 * (small networks reach less of the machine than large ones). Pure, so the Training panel, the
 * CLI and the benchmark compute the same numbers.
 */

import type { GraphDoc } from '../graph/types';
import { analyzeGraph, type Analysis } from '../shapes/index';
import { estimateMemory, type MemoryLimit } from '../shapes/memory';
import { FASHION_MNIST } from './fashion-mnist';
import type { TrainConfig } from './settings';

/**
 * A backward pass costs about twice the forward pass's multiply-adds (the gradients of the
 * inputs and of the weights), so a training step is about three forward passes.
 */
export const TRAIN_MACS_FACTOR = 3;

/** Validation runs the forward pass only: a third of a training step per sample. */
export const EVAL_FRACTION = 1 / TRAIN_MACS_FACTOR;

/** What the probe measured: training steps of one graph at one batch size on one backend. */
export interface StepMeasurement {
  /** estimateKey of the graph, batch and backend asked for. */
  key: string;
  /** The graph's name, for "measured on LeNet". */
  graph: string;
  /** The backend the steps ran on and its device, as the trainer reports them. */
  backend: string;
  device: string;
  /** "compiled" (the native addon's whole step) or "op by op" (tfjs kernels), as the trainer would run it. */
  path: string;
  /** The batch size the timed steps used (at most the run's) and how many were timed. */
  batch: number;
  steps: number;
  /** Seconds per training sample in those steps. */
  secondsPerSample: number;
  /** Training multiply-adds per second reached: TRAIN_MACS_FACTOR × forward MACs / secondsPerSample. */
  macsPerS: number;
  /** ISO date and time of the measurement. */
  measuredAt: string;
}

/** What only the Node side knows: this machine's memory and the measurements cached there. */
export interface EstimateBasis {
  totalBytes: number;
  freeBytes: number;
  /** The backend "auto" trains on here. */
  auto: string | null;
  /** The latest measurement on each backend, by backend name: its throughput stands in for unmeasured graphs. */
  throughput: Record<string, StepMeasurement>;
}

export type TimeSource = 'measured' | 'throughput';

export interface TimeEstimate {
  trainSeconds: number;
  valSeconds: number;
  epochSeconds: number;
  totalSeconds: number;
  source: TimeSource;
  /** The measurement the estimate rests on. */
  basis: StepMeasurement;
}

/** FNV-1a over a string, as 8 hex digits: a cache key, not a security measure. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * What a step's time depends on: the layers, their parameters and wiring, the batch size and the
 * backend — not the names, positions or the document's title, so renaming a graph keeps its
 * measurement.
 */
export function estimateKey(doc: GraphDoc, batch: number, backend: string): string {
  const ids = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const body = JSON.stringify({
    // Everything a node holds but its id and position (block contents too, whatever their form).
    n: doc.nodes.map(({ id: _id, position: _position, ...rest }) => rest),
    e: doc.edges.map((e) => [ids.get(e.source), ids.get(e.target), e.targetHandle ?? null]),
  });
  return `${backend}:${batch}:${hash(body)}:${body.length}`;
}

/** The backend a config trains on: its own choice, or what auto picks here. */
export function resolvedBackend(config: Pick<TrainConfig, 'backend'>, basis: Pick<EstimateBasis, 'auto'> | null): string {
  return config.backend === 'auto' ? (basis?.auto ?? 'auto') : config.backend;
}

/**
 * A backend's speed on one graph says little about a graph of another order of size: LeNet
 * reaches a few percent of what VGG-11 reaches on the same machine (fixed costs per step and per
 * layer dominate its small convolutions). Beyond this factor in MACs per sample, no rough figure.
 */
export const ROUGH_MACS_RANGE = 10;

function comparable(m: StepMeasurement, macs: number): boolean {
  const measuredMacs = (m.macsPerS * m.secondsPerSample) / TRAIN_MACS_FACTOR;
  return measuredMacs > 0 && macs / measuredMacs <= ROUGH_MACS_RANGE && measuredMacs / macs <= ROUGH_MACS_RANGE;
}

/**
 * Time per epoch and for the run. With a measurement of this graph it is that measurement scaled
 * to the run's samples; otherwise the backend's last throughput applied to this graph's MACs, when
 * that was measured on a graph of a comparable size; null otherwise.
 */
export function estimateTime(
  analysis: Analysis,
  config: Pick<TrainConfig, 'epochs' | 'limit' | 'valLimit'>,
  measured: StepMeasurement | null,
  throughput: StepMeasurement | null,
): TimeEstimate | null {
  const trainSamples = config.limit ?? FASHION_MNIST.trainSamples;
  const valSamples = config.valLimit ?? FASHION_MNIST.testSamples;
  let secondsPerSample: number;
  let source: TimeSource;
  let basis: StepMeasurement;
  if (measured && measured.secondsPerSample > 0) {
    secondsPerSample = measured.secondsPerSample;
    source = 'measured';
    basis = measured;
  } else if (throughput && throughput.macsPerS > 0 && analysis.totals.macs > 0 && comparable(throughput, analysis.totals.macs)) {
    secondsPerSample = (TRAIN_MACS_FACTOR * analysis.totals.macs) / throughput.macsPerS;
    source = 'throughput';
    basis = throughput;
  } else {
    return null;
  }
  const trainSeconds = trainSamples * secondsPerSample;
  const valSeconds = valSamples * secondsPerSample * EVAL_FRACTION;
  const epochSeconds = trainSeconds + valSeconds;
  return { trainSeconds, valSeconds, epochSeconds, totalSeconds: epochSeconds * config.epochs, source, basis };
}

/** "45 s", "12 min", "3.4 h", "2.1 days": a duration as a person plans with it. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${seconds.toFixed(2)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** The same document with its Input at size×size: how "train at a smaller size" changes a graph. */
export function withInputSize(doc: GraphDoc, size: number): GraphDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.type === 'Input' ? { ...n, params: { ...n.params, height: size, width: size } } : n)) };
}

/** Sizes people train at (d2l uses 224 and 96, Fashion-MNIST is 28), largest first. */
export const TRAINING_SIZES = [224, 192, 160, 128, 112, 96, 64, 56, 48, 32, 28] as const;

/**
 * Smaller training sizes than the Input's at which the graph still has no errors and ends in the
 * same output shape: what "train at N px" can offer. Largest first.
 */
export function smallerSizes(doc: GraphDoc, analysis: Analysis): { size: number; analysis: Analysis }[] {
  const input = analysis.inputId ? analysis.nodes[analysis.inputId]?.shape : null;
  const out = analysis.outputId ? analysis.nodes[analysis.outputId]?.shape : null;
  if (!input || input.length !== 4 || input[2] !== input[3] || !out) return [];
  const found: { size: number; analysis: Analysis }[] = [];
  for (const size of TRAINING_SIZES) {
    if (size >= input[2]) continue;
    const a = analyzeGraph(withInputSize(doc, size));
    const o = a.outputId ? a.nodes[a.outputId]?.shape : null;
    if (a.ok && !a.diagnostics.some((d) => d.severity === 'error') && o && o.join() === out.join()) found.push({ size, analysis: a });
  }
  return found;
}

/** One change that makes training fit the memory limit, as a button or a hint says it. */
export type MemoryFix =
  | { kind: 'batch'; batch: number; text: string }
  | { kind: 'size'; size: number; text: string }
  | { kind: 'backend'; backend: string; text: string };

/**
 * What fits under `limit` when the estimate at the config's batch size does not: the largest
 * power-of-two batch, the largest smaller training size, and on wasm (4 GB) the native backend
 * when the machine has more. Empty when it fits, or nothing simple does.
 */
export function memoryFixes(
  doc: GraphDoc,
  analysis: Analysis,
  config: Pick<TrainConfig, 'batchSize' | 'backend'>,
  limit: MemoryLimit,
  machineBytes: number,
): MemoryFix[] {
  const batch = config.batchSize;
  const memory = estimateMemory(analysis, { batch });
  if (memory.totals.total <= limit.bytes) return [];
  const fixes: MemoryFix[] = [];
  const room = (limit.bytes - memory.fixedBytes) / memory.perSampleBytes;
  if (room >= 1) {
    const fits = 2 ** Math.floor(Math.log2(Math.min(room, batch - 1)));
    if (fits >= 1 && fits < batch) fixes.push({ kind: 'batch', batch: fits, text: `batch ${fits}` });
  }
  const size = smallerSizes(doc, analysis).find((s) => estimateMemory(s.analysis, { batch }).totals.total <= limit.bytes);
  if (size) fixes.push({ kind: 'size', size: size.size, text: `train at ${size.size} px` });
  if (config.backend === 'wasm' && memory.totals.total <= machineBytes) fixes.push({ kind: 'backend', backend: 'native', text: 'use native' });
  return fixes;
}
