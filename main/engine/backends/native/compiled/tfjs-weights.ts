/**
 * Weights between the compiled step and a tfjs LayersModel of the same graph (compile.ts): the
 * trainer keeps saving checkpoints through the tfjs model (main/runs/checkpoints.ts), so a run
 * trained here resumes on wasm or cpu and the other way round. Matched by the tfjs variables'
 * own names (layer/kernel, layer/moving_mean, …), which the lowering reproduces.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { CompiledStep, NamedWeight } from './step';

/** Every weight of the model (trainable and running statistics), by tfjs name. */
export function weightsFromModel(model: LayersModel): NamedWeight[] {
  return model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d as number), values: Float32Array.from(w.read().dataSync() as Float32Array) }));
}

/** Writes the compiled step's weights into the model (before a checkpoint is saved). */
export function weightsIntoModel(step: CompiledStep, model: LayersModel): void {
  const byName = new Map(step.exportWeights().map((w) => [w.name, w]));
  const missing = model.weights.filter((w) => !byName.has(w.originalName)).map((w) => w.originalName);
  if (missing.length) throw new Error(`the compiled step has no values for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`);
  for (const w of model.weights) {
    const v = byName.get(w.originalName)!;
    tf.tidy(() => { w.write(tf.tensor(v.values, v.shape)); });
  }
}
