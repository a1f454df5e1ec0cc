/**
 * A network's weights in PyTorch's layout, per layer of the plan: read from a run's tfjs
 * checkpoint, or the initial weights the compiler draws for a seed (a run's "epoch 0"). Either way
 * the graph is compiled by the same compiler that trained it, which reports which tfjs layer holds
 * each node's weights; the checkpoint's weights are then looked up under those layers' names.
 */

import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../engine/backends/index';
import { compileGraphDetailed } from '../engine-core/compile';
import { verifyCheckpoint } from '../runs/checkpoints';
import { exportLayerOf } from './layers/index';
import type { Tensor, TfjsWeights } from './layers/layer';
import type { ExportPlan, PlanNode } from './plan';

/** state_dict entries of one layer, by their name inside its module. */
export type LayerWeights = Record<string, Tensor>;

export interface NetworkWeights {
  /** By the layer's path (pathKey). */
  byPath: Map<string, LayerWeights>;
  /** What they are, for file metadata and messages: "epoch 3 of run X", "initial weights, seed 0". */
  describe: string;
}

export class WeightsError extends Error {}

export const pathKey = (p: readonly string[]): string => JSON.stringify(p);

type Raw = Map<string, { shape: number[]; data: Float32Array }>;

/** Compiles the plan's graph and names, per layer path, the tfjs layer that holds its weights. */
async function compileNamed(plan: ExportPlan, seed: number, initialize: boolean): Promise<{ model: LayersModel; layerOf: Map<string, string> }> {
  await initBackend('cpu');
  const layerOf = new Map<string, string>();
  const onLayer = (p: readonly string[], out: SymbolicTensor) => layerOf.set(pathKey(p), out.sourceLayer.name);
  const { model } = compileGraphDetailed(plan.doc, { seed, initialize, analysis: plan.analysis, onLayer });
  return { model, layerOf };
}

function convert(plan: ExportPlan, layerOf: Map<string, string>, raw: Raw, steps: number, describe: string): NetworkWeights {
  const byPath = new Map<string, LayerWeights>();
  for (const node of plan.layers) {
    const key = pathKey(node.path);
    const layer = layerOf.get(key);
    const source: TfjsWeights = {
      steps,
      get(name) {
        const w = layer === undefined ? undefined : raw.get(`${layer}/${name}`);
        if (!w) throw new WeightsError(`${where(node)}: the weights hold no ${name} for it (${describe}). Was the run trained from another graph?`);
        return w;
      },
    };
    try {
      byPath.set(key, exportLayerOf(node.type).weights(node.params, source, node));
    } catch (e) {
      if (e instanceof WeightsError) throw e;
      throw new WeightsError(`${where(node)}: ${(e as Error).message} (${describe}).`);
    }
  }
  return { byPath, describe };
}

const where = (n: PlanNode): string => `${n.type} ${n.path.join('.')}`;

/** The weights the compiler starts a run with for `seed`: the same draws as the trainer's. */
export async function initialWeights(plan: ExportPlan, seed: number, describe = `initial weights (seed ${seed})`): Promise<NetworkWeights> {
  const { model, layerOf } = await compileNamed(plan, seed, true);
  try {
    const raw: Raw = new Map();
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        raw.set(`${layer.name}/${short}`, { shape: w.shape as number[], data: w.read().dataSync() as Float32Array });
      }
    }
    return convert(plan, layerOf, raw, 0, describe);
  } finally {
    model.dispose();
  }
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
}

/**
 * A checkpoint folder's weights by tfjs name, after checking every file against its manifest
 * (sizes, SHA-256, and that the run's graph.json is the one the weights were trained for).
 */
export function readCheckpoint(runDir: string, dir: string): Raw {
  try {
    verifyCheckpoint(runDir, dir);
  } catch (e) {
    throw new WeightsError(`The checkpoint ${dir} is damaged: ${(e as Error).message}.`);
  }
  const read = (f: string): Buffer => {
    try {
      return readFileSync(path.join(dir, f));
    } catch (e) {
      throw new WeightsError(`The checkpoint ${dir} cannot be read: ${(e as Error).message}.`);
    }
  };
  let manifest: ManifestEntry[];
  try {
    const json = JSON.parse(read('model.json').toString('utf8')) as { weightsManifest: { weights: ManifestEntry[] }[] };
    manifest = json.weightsManifest.flatMap((g) => g.weights);
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    throw new WeightsError(`The checkpoint ${dir} is damaged: model.json is not what ConvStudio writes (${(e as Error).message}).`);
  }
  const bin = read('weights.bin');
  const raw: Raw = new Map();
  let offset = 0;
  for (const e of manifest) {
    if (e.dtype !== 'float32') throw new WeightsError(`The checkpoint ${dir} holds ${e.name} as ${e.dtype}; ConvStudio writes float32.`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > bin.length) throw new WeightsError(`The checkpoint ${dir} is damaged: weights.bin is shorter than its manifest.`);
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bin.subarray(offset, offset + count * 4));
    raw.set(e.name, { shape: e.shape, data });
    offset += count * 4;
  }
  if (offset !== bin.length) throw new WeightsError(`The checkpoint ${dir} is damaged: weights.bin holds ${bin.length} bytes, its manifest ${offset}.`);
  return raw;
}

/** A checkpoint's weights in PyTorch's layout. `steps` is the number of training batches behind it. */
export async function checkpointWeights(plan: ExportPlan, runDir: string, dir: string, steps: number, describe: string): Promise<NetworkWeights> {
  const raw = readCheckpoint(runDir, dir);
  const { model, layerOf } = await compileNamed(plan, 0, false);
  model.dispose();
  return convert(plan, layerOf, raw, steps, describe);
}
