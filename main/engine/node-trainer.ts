/**
 * The trainer (main/engine-core/trainer.ts) in the training process: the run folder on node:fs,
 * Fashion-MNIST from files, the backends Node can start, and the native addon's compiled step.
 */

import path from 'node:path';
import { existsSync } from 'node:fs';
import { planTraining, type Planned } from '../../shared/training/plan';
import { MAX_GRAPH_BYTES } from '../../shared/graph/parse';
import { readTextFileSync } from '../common/read-file';
import { fileSource, type FashionMnist } from '../data/fashion-mnist';
import { GRAPH_JSON } from '../runs/run-folder';
import { nodeRunStore, type RunStore } from '../runs/run-store';
import { initBackend } from './backends/index';
import { chooseCompiledTrainer } from './backends/native/compiled/trainer-step';
import { requestKernelThreads } from './backends/native/addon';
import { trainRun, type Outcome, type TrainerHooks, type TrainerHost, type TrainOptions } from '../engine-core/trainer';

export type { Outcome, TrainerHooks, TrainOptions };

export interface NodeTrainOptions extends TrainOptions {
  /** Data already in memory (tests share one load between runs). */
  data?: FashionMnist;
}

/** Yields to the event loop so a stop message can arrive between batches. */
const tick = () => new Promise<void>((r) => setImmediate(r));

export function nodeTrainerHost(preloaded?: FashionMnist): TrainerHost {
  return {
    // Every read in the trainer is asynchronous, so auto may consider webgpu.
    initBackend: (choice, opts) => {
      // Before the addon loads: the op-by-op kernels' thread count is fixed when it does.
      if (opts?.threads) requestKernelThreads(opts.threads);
      return initBackend(choice, { readsAsync: true });
    },
    data: (dir) => fileSource(dir, preloaded),
    compiledStep: chooseCompiledTrainer,
    tick,
  };
}

/** Runs (or resumes) the run in `run` (a run folder, or any RunStore); see trainRun. */
export function runTraining(run: string | RunStore, hooks: TrainerHooks, opts: NodeTrainOptions = {}): Promise<Outcome> {
  const { data, ...rest } = opts;
  return trainRun(typeof run === 'string' ? nodeRunStore(run) : run, nodeTrainerHost(data), hooks, rest);
}

/**
 * The run folder's graph and settings through the same plan as any request: the files may have
 * been edited, half-written or written by another version since the run was created.
 */
export function planRun(runDir: string, config: unknown): Planned {
  const read = readTextFileSync(path.join(runDir, GRAPH_JSON), { maxBytes: MAX_GRAPH_BYTES, what: `the run's ${GRAPH_JSON}` });
  if (!read.ok) return { ok: false, error: { code: 'invalid-graph', message: `The run's ${GRAPH_JSON} could not be read: ${read.message}` } };
  return planTraining(read.text, config, { source: `The run's ${GRAPH_JSON}` });
}

/** For the CLI and tests: whether a folder looks like a run folder. */
export function isRunDir(dir: string): boolean {
  return existsSync(path.join(dir, 'config.json')) && existsSync(path.join(dir, GRAPH_JSON));
}
