/**
 * The messages between the page (worker-client.ts) and its training Web Worker (worker-main.ts).
 * The worker has no socket of its own: it asks the page to make its Api calls, so the page's one
 * authenticated transport carries them, and the Node side writes the run folder.
 */

import type { FashionSamplesRequest, Result, WorkerRunRequest } from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';

/** The Api calls a training worker may make, and their argument. */
export type WorkerApiCall = { name: 'workerRun'; arg: WorkerRunRequest } | { name: 'fashionSamples'; arg: FashionSamplesRequest };

export type Outcome = 'done' | 'stopped' | 'failed';

/** A training process's exit codes (main/engine/train-process.ts), so a worker run's exit event reads the same. */
export const EXIT_CODES: Record<Outcome, number> = { done: 0, failed: 1, stopped: 130 };

export type ToWorker =
  | { type: 'start'; runId: string; runDir: string; resume: boolean; epochs?: number }
  | { type: 'stop' }
  | { type: 'result'; id: number; result: Result<unknown> };

export type FromWorker =
  | ({ type: 'call'; id: number } & WorkerApiCall)
  | { type: 'event'; event: TrainingEvent }
  | { type: 'end'; outcome: Outcome }
  | { type: 'crash'; message: string };
