/**
 * A run's network at one checkpoint, loaded for insight and kept warm: the weights verified
 * against the checkpoint's manifest before they are parsed (main/runs/checkpoints.ts), the graph
 * re-planned from the run folder (files on disk are untrusted), and a map from every node — and
 * every layer inside a block — to the tfjs layer whose output is that node's output.
 *
 * Epoch 0 is the weights the run started from: the compiler's draw for the run's seed, exactly as
 * the trainer and the exporter make them, so "before training" can be inspected too.
 *
 * The network is run layer by layer (`runLayers`) rather than by model.predict, so every layer's
 * output is at hand at once, and one of them can be replaced by a tensor whose gradient Grad-CAM
 * needs — tfjs-layers offers no public way to feed an intermediate tensor.
 */

import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { InsightEpoch } from '../../../shared/insight';
import { buildLibrary, type Library } from '../../../shared/graph/blocks';
import { resolveParams } from '../../../shared/graph/resolve';
import { insideOf } from '../../../shared/layers/index';
import type { TrainingPlan } from '../../../shared/training/plan';
import { checkpointName, listCheckpoints, MANIFEST_JSON, verifyCheckpoint } from '../../runs/checkpoints';
import { readEvents, readRunConfig, GRAPH_JSON } from '../../runs/run-folder';
import { readEvaluation, sha256Of, type EvaluationKey } from '../../runs/evaluations';
import { compileGraphDetailed, toTorchShape } from '../../engine-core/compile';
import { fsIOHandler } from '../fs-io';
import { planRun } from '../node-trainer';

/** An insight failure with the Api's code: "not-a-run", "no-checkpoint", "damaged-checkpoint", "invalid-graph", "bad-request". */
export class InsightError extends Error {
  override name = 'InsightError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface LayerEntry {
  path: string;
  nodeId: string;
  type: string;
  inner: boolean;
  /** The tfjs layer whose (first) output this is. */
  layerName: string;
  /** PyTorch shape without the batch. */
  shape: number[];
}

export interface RunModel {
  runDir: string;
  runId: string;
  epoch: number;
  checkpoint: string;
  key: EvaluationKey;
  plan: TrainingPlan;
  imageSize: number;
  valSamples: number;
  model: LayersModel;
  /** Every node in network order (Input first); a block's inner layers just before the block's own entry. */
  layers: LayerEntry[];
  /** Paths of the Conv2d layers (top level and inside blocks), in network order. */
  convs: string[];
}

const NAME = /^e(\d{4,})-b(\d{5,})$/;

function parseName(dir: string): { epoch: number; batches: number } {
  const [, e, b] = NAME.exec(path.basename(dir))!;
  return { epoch: Number(e), batches: Number(b) };
}

/** The run's config and plan, or an InsightError saying why the folder is not an inspectable run. */
function planOf(runDir: string): { plan: TrainingPlan; runId: string; seed: number; valSamples: number } {
  let cfg;
  try {
    cfg = readRunConfig(runDir);
  } catch (err) {
    throw new InsightError('not-a-run', (err as Error).message);
  }
  const planned = planRun(runDir, cfg.config);
  if (!planned.ok) throw new InsightError('invalid-graph', `The run's graph or settings no longer check: ${planned.error.message}`);
  const config = planned.value.config;
  const valSamples = Math.min(config.valLimit ?? 10_000, 10_000);
  return { plan: planned.value, runId: cfg.runId, seed: config.seed, valSamples };
}

/** The checkpoints a run has, newest first, with what metrics.jsonl says of each epoch. */
export function runEpochs(runDir: string): { epochs: InsightEpoch[]; imageSize: number; valSamples: number } {
  const { plan, valSamples, seed } = planOf(runDir);
  const valAcc = new Map<number, number>();
  try {
    for (const e of readEvents(runDir)) if (e.event === 'epoch') valAcc.set(e.epoch, e.val_acc);
  } catch { /* metrics are a nicety here; the checkpoints are what can be inspected */ }
  const epochs: InsightEpoch[] = listCheckpoints(runDir).map((dir) => {
    const { epoch, batches } = parseName(dir);
    const checkpoint = path.basename(dir);
    const manifest = path.join(dir, MANIFEST_JSON);
    const key: EvaluationKey = { checkpoint, sourceSha256: existsSync(manifest) ? sha256Of(readFileSync(manifest)) : '', samples: valSamples };
    return { epoch, batches, checkpoint, valAcc: batches === 0 ? valAcc.get(epoch) ?? null : null, evaluated: readEvaluation(runDir, key) !== null };
  });
  const initialKey = initialKeyOf(runDir, seed, valSamples);
  epochs.push({ epoch: 0, batches: 0, checkpoint: 'initial', valAcc: null, evaluated: readEvaluation(runDir, initialKey) !== null });
  return { epochs, imageSize: plan.imageSize, valSamples };
}

function initialKeyOf(runDir: string, seed: number, samples: number): EvaluationKey {
  const graph = path.join(runDir, GRAPH_JSON);
  return { checkpoint: 'initial', sourceSha256: sha256Of(`${existsSync(graph) ? sha256Of(readFileSync(graph)) : ''}:seed=${seed}`), samples };
}

/** Which checkpoint folder `epoch` means (null: the newest), or an InsightError listing what there is. */
function chooseCheckpoint(runDir: string, runId: string, epoch: number | null): string | null {
  const dirs = listCheckpoints(runDir);
  if (epoch === 0) return null;
  if (epoch === null) {
    if (!dirs.length) throw new InsightError('no-checkpoint', `The run ${runId} has no checkpoint yet: it has not finished an epoch. Ask for epoch 0 (the initial weights), or wait for the first epoch.`);
    return dirs[0];
  }
  const dir = dirs.find((d) => path.basename(d) === checkpointName({ epochsDone: epoch, batchesDone: 0 }))
    ?? dirs.find((d) => parseName(d).epoch === epoch);
  if (dir) return dir;
  const have = dirs.map((d) => parseName(d).epoch);
  throw new InsightError('no-checkpoint', `The run ${runId} has no checkpoint for epoch ${epoch}. It has ${have.length ? `epoch${have.length > 1 ? 's' : ''} ${have.join(', ')} and ` : ''}0 (the initial weights); ConvStudio keeps the newest two checkpoints of a run.`);
}

/** Path → tfjs layer name and shape for every node and inner layer, from a compile of the same graph. */
function layerMap(plan: TrainingPlan, init: { seed: number } | null): { entries: LayerEntry[]; model: LayersModel | null } {
  const inner = new Map<string, SymbolicTensor>();
  const compiled = compileGraphDetailed(plan.doc, {
    analysis: plan.analysis,
    ...(init ? { seed: init.seed } : { initialize: false }),
    onLayer: (p, out) => { if (p.length > 1) inner.set(p.join('.'), out); },
  });
  const byId = new Map(plan.doc.nodes.map((n) => [n.id, n]));
  const lib = buildLibrary(plan.doc.blocks);
  const entries: LayerEntry[] = [];
  for (const id of plan.analysis.order) {
    const node = byId.get(id);
    const t = compiled.tensors[id];
    if (!node || !t) continue;
    // A block's insides first: they are computed before the block's output.
    if (insideOf(resolveParams(node, lib))) {
      for (const [p, s] of inner) {
        if (p.startsWith(`${id}.`)) entries.push({ path: p, nodeId: id, type: innerType(plan, lib, p), inner: true, layerName: s.sourceLayer.name, shape: toTorchShape(s.shape).slice(1) });
      }
    }
    entries.push({ path: id, nodeId: id, type: node.type, inner: false, layerName: t.sourceLayer.name, shape: toTorchShape(t.shape).slice(1) });
  }
  if (init) return { entries, model: compiled.model };
  compiled.model.dispose();
  return { entries, model: null };
}

/** The type of the layer at a block-inner path ("b1.convs.0.conv"), from the block's expansion. */
function innerType(plan: TrainingPlan, lib: Library, p: string): string {
  const parts = p.split('.');
  const node = plan.doc.nodes.find((n) => n.id === parts[0]);
  let inside = node ? insideOf(resolveParams(node, lib)) : null;
  let type = node?.type ?? 'layer';
  for (const part of parts.slice(1)) {
    const child = inside?.nodes.find((n) => n.id === part);
    if (!child) return type;
    type = child.type;
    inside = insideOf(resolveParams({ id: child.id, type: child.type, params: child.params, ...(child.repeat !== undefined ? { repeat: child.repeat } : {}) }, lib));
  }
  return type;
}

async function load(runDir: string, epoch: number | null): Promise<RunModel> {
  if (!existsSync(runDir)) throw new InsightError('not-a-run', `${runDir} does not exist.`);
  const { plan, runId, seed, valSamples } = planOf(runDir);
  const dir = chooseCheckpoint(runDir, runId, epoch);
  if (dir === null) {
    const { entries, model } = layerMap(plan, { seed });
    return finish({ runDir, runId, epoch: 0, checkpoint: 'initial', key: initialKeyOf(runDir, seed, valSamples), plan, imageSize: plan.imageSize, valSamples, model: model!, layers: entries });
  }
  try {
    verifyCheckpoint(runDir, dir);
  } catch (err) {
    throw new InsightError('damaged-checkpoint', `The checkpoint ${path.basename(dir)} of run ${runId} cannot be used: ${(err as Error).message}. Choose another epoch, or train again.`);
  }
  const model = await loadLayersModel(fsIOHandler(dir));
  const { entries } = layerMap(plan, null);
  const checkpoint = path.basename(dir);
  const key: EvaluationKey = { checkpoint, sourceSha256: sha256Of(readFileSync(path.join(dir, MANIFEST_JSON))), samples: valSamples };
  return finish({ runDir, runId, epoch: parseName(dir).epoch, checkpoint, key, plan, imageSize: plan.imageSize, valSamples, model, layers: entries });
}

function finish(m: Omit<RunModel, 'convs'>): RunModel {
  const names = new Set(m.model.layers.map((l) => l.name));
  const missing = m.layers.find((l) => !names.has(l.layerName));
  if (missing) throw new InsightError('damaged-checkpoint', `The checkpoint of run ${m.runId} has no layer ${missing.layerName} for ${missing.path}: it was saved for another graph.`);
  return { ...m, convs: m.layers.filter((l) => l.type === 'Conv2d').map((l) => l.path) };
}

/** Models kept loaded: the one being looked at and one to compare with (two epochs, two runs). */
const KEEP = 2;
const cache: { key: string; model: Promise<RunModel> }[] = [];

/** The run at `epoch`, loaded once and kept warm; a changed checkpoint (re-saved, edited) loads again. */
export async function runModel(runDir: string, epoch: number | null): Promise<RunModel> {
  const newest = listCheckpoints(runDir)[0];
  // The stamp makes "the newest" follow a live run, and a re-saved checkpoint miss the cache.
  const stamp = epoch === null ? `newest:${newest ?? ''}` : `epoch:${epoch}`;
  const key = `${path.resolve(runDir)}|${stamp}|${manifestStamp(runDir, epoch === null ? newest ?? null : null)}`;
  const hit = cache.findIndex((c) => c.key === key);
  if (hit >= 0) {
    const [entry] = cache.splice(hit, 1);
    cache.unshift(entry);
    return entry.model;
  }
  const model = load(runDir, epoch);
  cache.unshift({ key, model });
  model.catch(() => {
    const i = cache.findIndex((c) => c.model === model);
    if (i >= 0) cache.splice(i, 1);
  });
  for (const old of cache.splice(KEEP)) void old.model.then((m) => m.model.dispose(), () => {});
  return model;
}

function manifestStamp(runDir: string, dir: string | null): string {
  if (!dir) {
    const dirs = listCheckpoints(runDir);
    return dirs.map((d) => stampOf(d)).join(',');
  }
  return stampOf(dir);
}

function stampOf(dir: string): string {
  const m = path.join(dir, MANIFEST_JSON);
  return existsSync(m) ? sha256Of(readFileSync(m)).slice(0, 16) : 'none';
}

/** Drops every loaded model (tests, and a run folder deleted under us). */
export function clearRunModels(): void {
  for (const c of cache.splice(0)) void c.model.then((m) => m.model.dispose(), () => {});
}

/**
 * Runs the model on `x` (NHWC) layer by layer in evaluation mode and returns every layer's
 * output by name. With `replace`, the named layer's output is replaced by the given tensor before
 * the layers after it use it (the tensor Grad-CAM differentiates by). Call inside tf.tidy.
 */
export function runLayers(model: LayersModel, x: tf.Tensor, replace?: { name: string; value: tf.Tensor }): Map<string, tf.Tensor[]> {
  const out = new Map<string, tf.Tensor[]>();
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (!node || node.inboundLayers.length === 0) {
      out.set(layer.name, [x]);
      continue;
    }
    const inputs = node.inboundLayers.map((l, i) => out.get(l.name)![node.tensorIndices[i]]);
    let y = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
    if (replace && layer.name === replace.name) y = replace.value;
    out.set(layer.name, Array.isArray(y) ? y : [y]);
  }
  return out;
}

/** The model's logits from runLayers' outputs. */
export function logitsOf(model: LayersModel, outs: Map<string, tf.Tensor[]>): tf.Tensor2D {
  return outs.get(model.outputLayers[0].name)![model.outputLayersTensorIndices[0]] as tf.Tensor2D;
}
