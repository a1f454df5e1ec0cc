/**
 * An export, from a graph or a run folder to the files of one format: "pytorch" (model.py,
 * train.py, README.md and, for a run, weights.safetensors), "onnx" (model.onnx) or "graph" (the
 * convstudio.graph document). Graphs go through the training plan like everything arriving at
 * main/ (a run folder's files are untrusted too), then through the export plan; the CLI and the
 * Api only choose the source and where the files go. Problems are ExportErrors with a code and
 * one message saying what to do.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatCount } from '../../shared/format';
import { parseGraph } from '../../shared/graph/parse';
import { formatSummary } from '../../shared/graph/summary';
import { GRAPH_FILE_SUFFIX, type GraphDoc } from '../../shared/graph/types';
import { analyzeGraph } from '../../shared/shapes/index';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
import { planTraining } from '../../shared/training/plan';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../shared/training/settings';
import { writeFileAtomic } from '../common/atomic';
import { checkpointName, listCheckpoints } from '../runs/checkpoints';
import { CONFIG_JSON, GRAPH_JSON, readRunConfig, type RunConfigFile } from '../runs/run-folder';
import type { Tensor } from './layers/layer';
import { modelPy, WEIGHTS_FILE } from './model-py';
import { onnxModel } from './onnx/model';
import { ONNX_OPSET } from './onnx/graph';
import { PlanFailure, planExport, type ExportPlan } from './plan';
import { readme } from './readme';
import { encodeSafetensors } from './safetensors';
import { trainPy } from './train-py';
import { checkpointWeights, initialWeights, pathKey, WeightsError, type NetworkWeights } from './weights';

export const EXPORT_FORMATS = ['pytorch', 'onnx', 'graph'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type ExportSource =
  /** `label` says where it came from in the files: "template lenet", "lenet.convstudio.json". */
  | { kind: 'graph'; graph: unknown; label: string }
  /** epoch null: the newest checkpoint; 0: the weights the run started from. */
  | { kind: 'run'; runDir: string; epoch: number | null };

export type ExportErrorCode = 'invalid-graph' | 'not-a-run' | 'unknown-epoch' | 'damaged-checkpoint' | 'folder-not-empty' | 'io-error' | 'too-large';

export class ExportError extends Error {
  constructor(readonly code: ExportErrorCode, message: string) {
    super(message);
  }
}

export interface ExportFile {
  name: string;
  data: string | Uint8Array[];
}

export interface Exported {
  /** The network's name. */
  name: string;
  /** A folder (and zip) name for the files: "LeNet-pytorch". */
  folder: string;
  files: ExportFile[];
  /** What the user should know: where weights came from, a file left out and why. */
  notes: string[];
}

export interface ExportOptions {
  /** "0.1.0". */
  version: string;
  /**
   * Refuse (too-large) before building weights that would be larger than this: the page's
   * download has a ceiling, and building VGG's weights only to refuse them takes a minute.
   */
  maxWeightBytes?: number;
}

interface Source {
  doc: GraphDoc;
  plan: ExportPlan;
  config: TrainConfig;
  imageSize: number;
  label: string;
  /** Why the graph cannot be trained on Fashion-MNIST; null when it can. */
  noTrain: string | null;
  run: { dir: string; file: RunConfigFile } | null;
}

/** A file or folder name from a network's name: no separators, no leading dot (".." or a hidden file). */
const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 60) || 'graph';

function planOf(doc: GraphDoc, analysis: Parameters<typeof planExport>[1]): ExportPlan {
  try {
    return planExport(doc, analysis);
  } catch (e) {
    if (e instanceof PlanFailure) throw new ExportError('invalid-graph', e.message);
    throw e;
  }
}

/** The plan's refusal, shortened to what to fix first: a disconnected layer makes every layer after it an error. */
function cannotExport(label: string, error: { message: string; diagnostics?: { message: string }[] }): string {
  const found = error.diagnostics ?? [];
  if (found.length === 0) return `Cannot export ${label}: ${error.message}`;
  const shown = found.slice(0, 2).map((d) => d.message).join(' ');
  const more = found.length > 2 ? ` (and ${found.length - 2} more)` : '';
  return `Cannot export ${label}: it has ${found.length} error${found.length === 1 ? '' : 's'}. ${shown}${more} Fix them and export again.`;
}

function fromGraph(graph: unknown, label: string): Source {
  const planned = planTraining(graph, DEFAULT_TRAIN_CONFIG, { source: label });
  if (planned.ok) {
    const { doc, analysis, config, imageSize } = planned.value;
    return { doc, plan: planOf(doc, analysis), config, imageSize, label, noTrain: null, run: null };
  }
  if (planned.error.code !== 'not-trainable') throw new ExportError('invalid-graph', cannotExport(label, planned.error));
  // Sound but not for Fashion-MNIST (3 channels, 1000 classes): the network exports, train.py cannot.
  const doc = parseGraph(graph).doc as GraphDoc;
  const plan = planOf(doc, analyzeGraph(doc));
  return { doc, plan, config: { ...DEFAULT_TRAIN_CONFIG }, imageSize: plan.inputShape[2], label, noTrain: planned.error.message, run: null };
}

function fromRun(runDir: string): Source {
  if (!existsSync(path.join(runDir, CONFIG_JSON)) || !existsSync(path.join(runDir, GRAPH_JSON))) {
    throw new ExportError('not-a-run', `${runDir} is not a run folder: it has no ${CONFIG_JSON} and ${GRAPH_JSON}. Name a folder under runs/ that \`convstudio train\` or the app created.`);
  }
  let file: RunConfigFile;
  let text: string;
  try {
    file = readRunConfig(runDir);
    text = readFileSync(path.join(runDir, GRAPH_JSON), 'utf8');
  } catch (e) {
    throw new ExportError('not-a-run', `The run folder ${runDir} cannot be read: ${(e as Error).message}.`);
  }
  const planned = planTraining(text, file.config, { source: `The run's ${GRAPH_JSON}` });
  if (!planned.ok) throw new ExportError('invalid-graph', `Cannot export the run ${runDir}: ${planned.error.message}`);
  const { doc, analysis, config, imageSize } = planned.value;
  return { doc, plan: planOf(doc, analysis), config, imageSize, label: `ConvStudio run ${file.runId ?? path.basename(runDir)}`, noTrain: null, run: { dir: runDir, file } };
}

const EPOCH_DIR = /^e(\d{4,})-b(\d{5,})$/;

/** The epochs of a run that can be exported: 0 (the initial weights) and every complete epoch with a checkpoint. */
export function exportableEpochs(runDir: string): number[] {
  const epochs = listCheckpoints(runDir)
    .map((d) => EPOCH_DIR.exec(path.basename(d)))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === 0)
    .map((m) => Number(m[1]));
  return [0, ...epochs.sort((a, b) => a - b)];
}

/** Training batches behind a checkpoint: what BatchNorm's num_batches_tracked counts. */
function stepsAt(config: TrainConfig, epochs: number, batches: number): number {
  const n = Math.min(config.limit ?? FASHION_MNIST.trainSamples, FASHION_MNIST.trainSamples);
  return epochs * Math.ceil(n / Math.min(config.batchSize, n)) + batches;
}

async function runWeights(src: Source, epoch: number | null): Promise<{ weights: NetworkWeights; epochsDone: number; steps: number }> {
  const run = src.run as NonNullable<Source['run']>;
  const id = run.file.runId ?? path.basename(run.dir);
  if (epoch === 0) {
    const weights = await initialWeights(src.plan, src.config.seed, `the initial weights of run ${id} (epoch 0, seed ${src.config.seed})`);
    return { weights, epochsDone: 0, steps: 0 };
  }
  const dirs = listCheckpoints(run.dir);
  const dir = epoch === null ? dirs[0] : dirs.find((d) => path.basename(d) === checkpointName({ epochsDone: epoch, batchesDone: 0 }));
  if (!dir) {
    const saved = exportableEpochs(run.dir);
    const list = saved.length > 1 ? `epochs ${saved.join(', ')} (0 is the initial weights; ConvStudio keeps the newest two checkpoints)` : 'only epoch 0, the initial weights: it has no checkpoint yet';
    throw new ExportError('unknown-epoch', epoch === null
      ? `The run ${id} has no checkpoint yet, so there are no trained weights to export. Pass --epoch 0 for the initial weights, or export once an epoch has finished.`
      : `The run ${id} has no checkpoint for epoch ${epoch}. It can export ${list}.`);
  }
  const [, e, b] = EPOCH_DIR.exec(path.basename(dir)) as RegExpExecArray;
  const epochsDone = Number(e);
  const batches = Number(b);
  const describe = `epoch ${epochsDone}${batches ? ` and ${batches} batches` : ''} of run ${id}`;
  try {
    const weights = await checkpointWeights(src.plan, run.dir, dir, stepsAt(src.config, epochsDone, batches), describe);
    return { weights, epochsDone, steps: stepsAt(src.config, epochsDone, batches) };
  } catch (err) {
    if (err instanceof WeightsError) throw new ExportError('damaged-checkpoint', `${err.message} Export another epoch (--epoch), or re-train.`);
    throw err;
  }
}

/** The state_dict: each layer's entries under its module's path in model.py. */
function stateDict(plan: ExportPlan, weights: NetworkWeights, modulePath: Map<string, string>): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  let trainable = 0;
  for (const layer of plan.layers) {
    const w = weights.byPath.get(pathKey(layer.path));
    if (!w) continue;
    for (const [k, t] of Object.entries(w)) {
      out.push([`${modulePath.get(pathKey(layer.path))}.${k}`, t]);
      if (k === 'weight' || k === 'bias') trainable += t.data.length;
    }
  }
  if (trainable !== plan.params) throw new Error(`The exported weights hold ${trainable} parameters but the graph has ${plan.params}. Please report this graph.`);
  return out;
}

/** The document as a graph file: parsed, not analysed, so a graph with errors can still be saved and fixed. */
function graphFile(source: ExportSource): Exported {
  let doc: GraphDoc | null;
  if (source.kind === 'graph') {
    const parsed = parseGraph(source.graph);
    if (!parsed.doc) throw new ExportError('invalid-graph', `${source.label} is not a convstudio.graph document: ${parsed.diagnostics.map((d) => d.message).join(' ')}`);
    doc = parsed.doc;
  } else {
    doc = fromRun(source.runDir).doc;
  }
  const name = doc.name || 'Untitled';
  return { name, folder: slug(name), files: [{ name: `${slug(name)}${GRAPH_FILE_SUFFIX}`, data: `${JSON.stringify(doc, null, 2)}\n` }], notes: [] };
}

export async function exportNetwork(source: ExportSource, format: ExportFormat, opts: ExportOptions): Promise<Exported> {
  if (format === 'graph') return graphFile(source);
  const src = source.kind === 'graph' ? fromGraph(source.graph, source.label) : fromRun(source.runDir);
  const name = src.doc.name || 'Untitled';
  const producer = `ConvStudio ${opts.version}`;
  const notes: string[] = [];

  const withWeights = format === 'onnx' || src.run !== null;
  if (withWeights && opts.maxWeightBytes !== undefined && src.plan.params * 4 > opts.maxWeightBytes) {
    throw new ExportError('too-large', `Its weights are ${Math.round((src.plan.params * 4) / 1048576)} MB (${formatCount(src.plan.params)} parameters in float32).`);
  }
  const fromRunWeights = src.run ? await runWeights(src, source.kind === 'run' ? source.epoch : null) : null;
  if (format === 'onnx') {
    const weights = fromRunWeights?.weights ?? (await initialWeights(src.plan, src.config.seed, `ConvStudio's initial weights for seed ${src.config.seed} (untrained)`));
    notes.push(`model.onnx holds ${weights.describe}; opset ${ONNX_OPSET}, input "input" N×${src.plan.inputShape.slice(1).join('×')} (NCHW, pixels in [0, 1]), output "logits".`);
    const doc = `${name} (${src.label}), exported by ${producer}: ${formatCount(src.plan.params)} parameters; weights: ${weights.describe}.`;
    const data = onnxModel(src.plan, weights, {
      producerVersion: opts.version, doc,
      metadata: { 'convstudio.source': src.label, 'convstudio.weights': weights.describe, 'convstudio.graph': JSON.stringify(src.doc) },
    });
    return { name, folder: `${slug(name)}-onnx`, files: [{ name: 'model.onnx', data }], notes };
  }

  const model = modelPy(src.plan, { producer, source: src.label, weights: fromRunWeights?.weights.describe ?? null });
  const folder = `${slug(name)}-pytorch`;
  const files: ExportFile[] = [{ name: 'model.py', data: model.code }];
  if (fromRunWeights) {
    const { weights, epochsDone, steps } = fromRunWeights;
    const metadata = { format: 'pt', describe: weights.describe, epochs_done: String(epochsDone), steps: String(steps), producer };
    files.push({ name: WEIGHTS_FILE, data: encodeSafetensors(stateDict(src.plan, weights, model.modulePath), metadata) });
    notes.push(`${WEIGHTS_FILE} holds ${weights.describe}.`);
  }
  if (src.noTrain === null) {
    const w = fromRunWeights ? { file: WEIGHTS_FILE, epochsDone: fromRunWeights.epochsDone, describe: fromRunWeights.weights.describe } : null;
    files.push({ name: 'train.py', data: trainPy({ config: src.config as unknown as Record<string, unknown>, imageSize: src.imageSize, source: src.label, producer, weights: w }) });
  } else {
    notes.push(`train.py is left out: ${src.noTrain}`);
  }
  files.push({
    name: 'README.md',
    data: readme({
      name, source: src.label, producer, params: formatCount(src.plan.params), weights: fromRunWeights?.weights.describe ?? null,
      noTrain: src.noTrain, summary: formatSummary(src.doc, src.plan.analysis), folder,
    }),
  });
  return { name, folder, files, notes };
}

export function fileSize(f: ExportFile): number {
  return typeof f.data === 'string' ? Buffer.byteLength(f.data, 'utf8') : f.data.reduce((n, c) => n + c.length, 0);
}

/** Bytes of a file, concatenated. */
export function fileBytes(f: ExportFile): Uint8Array {
  return typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : Buffer.concat(f.data);
}

/**
 * Writes the files into `dir`, creating it. A folder that already holds files is refused unless
 * `force`, and even then only the export's own files are replaced, each atomically.
 */
export function writeExport(exported: Exported, dir: string, force: boolean): string[] {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ExportError('io-error', `${dir} is a file, not a folder. Name a new or empty folder for the export.`);
    const present = readdirSync(dir);
    if (present.length > 0 && !force) {
      const shown = present.slice(0, 5).join(', ') + (present.length > 5 ? `, and ${present.length - 5} more` : '');
      throw new ExportError('folder-not-empty', `${dir} is not empty (it holds ${shown}). Name a new or empty folder, or pass --force to overwrite ${exported.files.map((f) => f.name).join(', ')} there.`);
    }
  }
  const written: string[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    for (const f of exported.files) {
      const file = path.join(dir, f.name);
      writeFileAtomic(file, fileBytes(f));
      written.push(file);
    }
  } catch (e) {
    throw new ExportError('io-error', `Cannot write the export into ${dir}: ${(e as Error).message}.`);
  }
  return written;
}
