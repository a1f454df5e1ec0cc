/**
 * What the trainer asks of the compiled step: whether it applies to this run (the native backend
 * is active, the graph lowers, the addon builds it), and if so the batch step, the evaluation
 * and the write-back into the tfjs model before every checkpoint. The tfjs model stays the
 * run's record (checkpoints are tfjs checkpoints, so a run resumes on any backend); the compiled
 * step owns the weights between checkpoints.
 *
 * When it does not apply on the native backend, the note says why in one line and the trainer
 * runs today's op-by-op path. CONVSTUDIO_COMPILED_STEP=off switches it off (A/B comparisons).
 */

import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { GraphDoc } from '../../../../../shared/graph/types';
import type { Analysis } from '../../../../../shared/shapes/index';
import type { OptimizerSpec, OptimizerState } from '../../../../../shared/training/optimizer';
import { createCompiledStep, type CompiledStep } from './step';
import { weightsFromModel, weightsIntoModel } from './tfjs-weights';

export interface CompiledBatch {
  /** N·H·W·1 floats; with one channel NHWC and NCHW are the same bytes. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  size: number;
}

export interface CompiledTrainer {
  /** The device line for the start event and final.json, with the thread count. */
  readonly device: string;
  /** One training step: the batch's mean cross-entropy before the update, and how many of its predictions were right. */
  step(batch: CompiledBatch, lr: number): { loss: number; correct: number };
  /** Mean cross-entropy and accuracy over the batches, in evaluation mode. */
  evaluate(batches: Iterable<CompiledBatch>): { loss: number; acc: number };
  /** Writes the current weights (and running statistics) into the tfjs model. */
  syncModel(): void;
  /** The optimizer's momentum or moments and step counts, for the checkpoint. */
  exportOptimizerState(): OptimizerState;
  /** Continues from a checkpoint's optimizer state; throws, naming what does not fit. */
  importOptimizerState(state: OptimizerState): void;
  dispose(): void;
}

export type CompiledChoice = { trainer: CompiledTrainer; note?: undefined } | { trainer: null; note?: string };

/** Stable prefix of the fallback note, so a user (and a test) can find it in the start event. */
export const FALLBACK_NOTE = 'compiled training step not used';

/**
 * The compiled trainer for this run, or null with the reason. Off the native backend it is not a
 * fallback (the user chose another backend, or auto found no addon and said so already): no note.
 */
export function chooseCompiledTrainer(
  backend: string,
  graph: { doc: GraphDoc; analysis?: Analysis },
  model: LayersModel,
  opts: { seed: number; threads?: number | null; optimizer?: OptimizerSpec },
): CompiledChoice {
  if (backend !== 'native') return { trainer: null };
  const off = process.env.CONVSTUDIO_COMPILED_STEP;
  const fallback = (why: string): CompiledChoice => ({ trainer: null, note: `${FALLBACK_NOTE} (${why}); training runs op by op on the native backend.` });
  if (off && /^(off|0|false|no)$/i.test(off)) return fallback(`switched off by CONVSTUDIO_COMPILED_STEP=${off}`);
  const made = createCompiledStep(graph, { seed: opts.seed, threads: opts.threads ?? null, optimizer: opts.optimizer });
  if ('fallback' in made) return fallback(made.fallback);
  try {
    made.importWeights(weightsFromModel(model));
  } catch (err) {
    made.dispose();
    return fallback(`its parameters do not match the tfjs model's: ${(err as Error).message}`);
  }
  return { trainer: wrap(made, model, opts.optimizer?.kind ?? 'sgd') };
}

/** The index of the largest of `classes` scores in row `i`. */
function argMaxRow(logits: Float32Array, i: number, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
  return best;
}

function wrap(s: CompiledStep, model: LayersModel, kind: OptimizerSpec['kind']): CompiledTrainer {
  const classes = s.plan.tensors[s.plan.output][0];
  let trainLogits = new Float32Array(0);
  return {
    get device() { return s.device; },
    step(batch, lr) {
      if (trainLogits.length !== batch.n * classes) trainLogits = new Float32Array(batch.n * classes);
      trainLogits[0] = NaN;
      const loss = s.step(batch.x, batch.y, lr, trainLogits);
      // An addon built before the step returned its logits ignores the argument.
      if (Number.isNaN(trainLogits[0]) && !Number.isNaN(loss)) throw new Error('the native addon was built from older sources and cannot report train accuracy: run `npm run build:native`');
      let correct = 0;
      for (let i = 0; i < batch.n; i++) if (argMaxRow(trainLogits, i, classes) === batch.y[i]) correct += 1;
      return { loss, correct };
    },
    evaluate(batches) {
      let lossSum = 0;
      let correct = 0;
      let count = 0;
      for (const b of batches) {
        const logits = s.evaluate(b.x);
        for (let i = 0; i < b.n; i++) {
          const row = logits.subarray(i * classes, (i + 1) * classes);
          let best = 0;
          let max = row[0];
          for (let k = 1; k < classes; k++) if (row[k] > max) { max = row[k]; best = k; }
          let sum = 0;
          for (let k = 0; k < classes; k++) sum += Math.exp(row[k] - max);
          lossSum += Math.log(sum) + max - row[b.y[i]];
          if (best === b.y[i]) correct += 1;
        }
        count += b.n;
      }
      return { loss: lossSum / Math.max(count, 1), acc: correct / Math.max(count, 1) };
    },
    syncModel() {
      weightsIntoModel(s, model);
    },
    exportOptimizerState() {
      return { kind, ...s.exportOptimizerState() };
    },
    importOptimizerState(state) {
      if (state.kind !== kind) throw new Error(`the saved optimizer state is ${state.kind}'s, not ${kind}'s`);
      s.importOptimizerState(state);
    },
    dispose() {
      s.dispose();
    },
  };
}
