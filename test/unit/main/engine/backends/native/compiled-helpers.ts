/**
 * The compiled step's numerics, three ways on the same graph, weights and batches: the compiled
 * step itself, tfjs's cpu backend (the trainer's own step: optimizer.minimize over the compiled
 * tfjs model) and PyTorch 1.13 in float64 (torch_reference.py), which both float32
 * implementations are measured against.
 */

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphDoc } from '../../../../../../shared/graph/types';
import { analyzeGraph } from '../../../../../../shared/shapes/index';
import { resolveParams } from '../../../../../../shared/graph/resolve';
import { flattenDoc, flattenWithPaths } from '../../../../../../shared/graph/flatten';
import { compileGraph } from '../../../../../../main/engine-core/compile';
import { loadFashionMnist, makeBatch, type FashionMnist } from '../../../../../../main/data/fashion-mnist';
import { SYSTEM_DATA_DIR } from '../../../../../../main/data/locate';
import { loadAddon } from '../../../../../../main/engine/backends/native/addon';
import { createCompiledStep, type NamedWeight, type OptimizerSpec } from '../../../../../../main/engine/backends/native/compiled/step';
import { weightsFromModel } from '../../../../../../main/engine/backends/native/compiled/tfjs-weights';

tf.env().set('PROD', true);

export const PYTHON = '/usr/bin/python3';
export const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

let data: FashionMnist | null = null;
export async function fashion(): Promise<FashionMnist> {
  data ??= await loadFashionMnist({ dir: SYSTEM_DATA_DIR, download: false });
  return data;
}

export interface Batch { x: Float32Array; labels: Int32Array; lr: number }

/** Real training images (resized to the graph's Input), `count` batches of `n`, one label per image. */
export async function batches(doc: GraphDoc, n: number, count: number, lr: number, offset = 0): Promise<Batch[]> {
  const d = await fashion();
  const size = (doc.nodes.find((x) => x.type === 'Input')!.params.height as number);
  const order = Uint32Array.from({ length: 60000 }, (_, i) => (i * 7919 + offset) % 60000);
  return Array.from({ length: count }, (_, k) => {
    const b = makeBatch(d.train, order, k * n, (k + 1) * n, size === 28 ? null : size);
    return { x: Float32Array.from(b.x), labels: Int32Array.from(b.y), lr };
  });
}

/** A graph with another input size (the templates' big inputs, made small for CI). */
export function resized(doc: GraphDoc, size: number): GraphDoc {
  const copy = structuredClone(doc);
  const input = copy.nodes.find((n) => n.type === 'Input')!;
  input.params.height = size;
  input.params.width = size;
  copy.name = `${doc.name}@${size}`;
  return copy;
}

/** The same graph with every Dropout at p = 0 (tfjs's masks cannot be set from outside). */
export function withoutDropout(doc: GraphDoc): GraphDoc {
  const copy = structuredClone(doc);
  for (const n of copy.nodes) if (n.type === 'Dropout') n.params.p = 0;
  return copy;
}

export function initialWeights(doc: GraphDoc, seed = 0): NamedWeight[] {
  const model = compileGraph(doc, { seed });
  const w = weightsFromModel(model);
  model.dispose();
  return w;
}

export interface Run { weights: Map<string, ArrayLike<number>>; losses: number[]; masks: Record<string, number[]>[] }

/** The dropout masks the compiled step draws at each step (the addon's own hash), by Dropout node id. */
export function compiledMasks(given: GraphDoc, batch: number, steps: number, seed: number): Record<string, number[]>[] {
  const addon = loadAddon().addon!;
  // The step numbers the Dropouts of the expanded graph, blocks' insides included.
  const doc = flattenDoc(given);
  const a = analyzeGraph(doc);
  const dropouts = a.order.filter((id) => doc.nodes.find((n) => n.id === id)!.type === 'Dropout');
  return Array.from({ length: steps }, (_, step) => {
    const out: Record<string, number[]> = {};
    dropouts.forEach((id, index) => {
      const resolved = resolveParams(doc.nodes.find((n) => n.id === id)!);
      const p = Math.fround(resolved.type === 'Dropout' ? resolved.p : 0);
      if (p === 0) return;
      const shape = a.nodes[a.inputsOf[id][0]].shape!;
      const count = batch * shape.slice(1).reduce((x, y) => x * y, 1);
      const keep = Math.fround(1 / Math.fround(1 - p));
      out[id] = Array.from({ length: count }, (_, i) => (addon.dropoutUniform!(seed, step * 4096 + index, i) >= p ? keep : 0));
    });
    return out;
  });
}

export function runCompiled(doc: GraphDoc, w0: NamedWeight[], steps: Batch[], optimizer: OptimizerSpec = { kind: 'sgd' }, seed = 0, threads = 2): Run {
  const s = createCompiledStep({ doc }, { threads, seed, optimizer });
  if ('fallback' in s) throw new Error(`compiled step fell back: ${s.fallback}`);
  try {
    s.importWeights(w0);
    const losses = steps.map((b) => s.step(b.x, b.labels, b.lr));
    return { weights: new Map(s.exportWeights().map((w) => [w.name, w.values])), losses, masks: compiledMasks(doc, steps[0].labels.length, steps.length, seed) };
  } finally {
    s.dispose();
  }
}

/** tfjs's cpu backend with the trainer's step (plain SGD). */
export async function runCpu(doc: GraphDoc, w0: NamedWeight[], steps: Batch[]): Promise<Run> {
  await tf.setBackend('cpu');
  const model = compileGraph(doc, { seed: 0 });
  const byName = new Map(w0.map((w) => [w.name, w]));
  for (const w of model.weights) tf.tidy(() => { w.write(tf.tensor(byName.get(w.originalName)!.values, w.shape as number[])); });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const size = doc.nodes.find((x) => x.type === 'Input')!.params.height as number;
  const losses: number[] = [];
  for (const b of steps) {
    const optimizer = tf.train.sgd(b.lr);
    losses.push(tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.labels.length, size, size, 1]);
      const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10);
      const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars);
      return cost!.dataSync()[0];
    }));
    optimizer.dispose();
  }
  const weights = new Map(weightsFromModel(model).map((w) => [w.name, w.values]));
  model.dispose();
  return { weights, losses, masks: [] };
}

// Arrays cross to Python as base64 of their bytes: VGG's dense layers as JSON numbers overflow a string.
const b64 = (a: Float32Array | Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export interface TorchCase { name: string; doc: GraphDoc; w0: NamedWeight[]; steps: Batch[]; optimizer?: OptimizerSpec; masks?: Record<string, number[]>[] }

/** All cases in one PyTorch process (its start-up is most of the cost). */
export function runTorch(cases: TorchCase[]): Map<string, Run | { error: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-torch-'));
  try {
    const payload = cases.map((c) => {
      // Blocks reach PyTorch as the layers inside them, each with its path for the layer names.
      const { doc: flat, paths } = flattenWithPaths(c.doc);
      const a = analyzeGraph(flat);
      const byId = new Map(flat.nodes.map((n) => [n.id, n]));
      return {
        name: c.name,
        nodes: a.order.map((id) => {
          const n = byId.get(id)!;
          let params: unknown = null;
          try { params = resolveParams(n); } catch { /* activations the catalogue does not list yet */ }
          return { id, path: paths.get(id) ?? [id], type: n.type, params, raw: n.params, inputs: a.inputsOf[id], in_shape: a.inputsOf[id].map((s) => a.nodes[s].shape), out_shape: a.nodes[id].shape };
        }),
        weights: Object.fromEntries(c.w0.map((w) => [w.name, { shape: w.shape, values: b64(w.values) }])),
        optimizer: c.optimizer ?? { kind: 'sgd' },
        steps: c.steps.map((b, i) => ({ x: b64(b.x), labels: Array.from(b.labels), lr: b.lr, masks: Object.fromEntries(Object.entries(c.masks?.[i] ?? {}).map(([k, v]) => [k, b64(Float32Array.from(v))])) })),
      };
    });
    const inFile = path.join(dir, 'cases.json');
    const outFile = path.join(dir, 'out.json');
    writeFileSync(inFile, JSON.stringify(payload));
    const r = spawnSync(PYTHON, [fileURLToPath(new URL('torch_reference.py', import.meta.url)), inFile, outFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`torch_reference.py failed: ${r.stderr}`);
    const out = JSON.parse(readFileSync(outFile, 'utf8')) as { results: ({ name: string; error: string } | { name: string; losses: number[]; file: string; weights: Record<string, [number, number]> })[] };
    return new Map(out.results.map((x): [string, Run | { error: string }] => {
      if ('error' in x) return [x.name, { error: x.error }];
      const bytes = readFileSync(x.file);
      const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return [x.name, { losses: x.losses, masks: [], weights: new Map(Object.entries(x.weights).map(([k, [at, n]]) => [k, all.subarray(at / 8, at / 8 + n)])) }];
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TensorError { name: string; error: number; scale: number }

/**
 * Per parameter: the largest difference between two runs' updates (w_after − w_before), relative
 * to the reference update's largest magnitude — or to a tenth of the largest update in the same
 * layer where that is bigger. The exception is for tensors only rounding moves: a conv bias
 * followed by batch norm has an exact gradient of 0, so its float32 "update" is noise whose size
 * follows the layer's own gradients, and a relative error of noise means nothing.
 */
export function updateErrors(w0: NamedWeight[], got: Map<string, ArrayLike<number>>, ref: Map<string, ArrayLike<number>>): TensorError[] {
  const scale = (w: NamedWeight) => {
    const r = ref.get(w.name)!;
    let s = 0;
    for (let i = 0; i < r.length; i++) s = Math.max(s, Math.abs(r[i] - w.values[i]));
    return s;
  };
  const scales = new Map(w0.map((w) => [w.name, scale(w)]));
  const layer = (name: string) => name.slice(0, name.lastIndexOf('/'));
  const layerMax = new Map<string, number>();
  for (const [name, s] of scales) layerMax.set(layer(name), Math.max(layerMax.get(layer(name)) ?? 0, s));
  return w0.map((w) => {
    const g = got.get(w.name), r = ref.get(w.name);
    if (!g || !r) return { name: w.name, error: Infinity, scale: 0 };
    let e = 0;
    for (let i = 0; i < r.length; i++) e = Math.max(e, Math.abs((g[i] - w.values[i]) - (r[i] - w.values[i])));
    const own = scales.get(w.name)!;
    return { name: w.name, error: e / Math.max(own, 0.1 * layerMax.get(layer(w.name))!, 1e-30), scale: own };
  });
}

export const worst = (errs: TensorError[]): TensorError => errs.reduce((a, b) => (b.error > a.error ? b : a));
