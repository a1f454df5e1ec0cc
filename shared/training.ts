/**
 * Training contract shared by the training process, the CLI's --json output, the Api and the
 * renderer's training panel. Events are plain JSON objects; the CLI prints them one per line.
 * What a run is asked to do is in training/settings.ts, and how a request is checked before it
 * runs in training/plan.ts.
 */

import type { GraphDoc } from './graph/types';
import type { TrainConfig } from './training/settings';

// The settings live in their own table (training/settings.ts); re-exported because every side
// that speaks this contract also speaks of configs.
export { BACKENDS, DEFAULT_TRAIN_CONFIG, type BackendChoice, type TrainConfig } from './training/settings';

export interface TrainRequest {
  graph: GraphDoc;
  config: TrainConfig;
}

export type TrainingEvent =
  | { event: 'start'; runId: string; runDir: string; backend: string; device: string; note?: string; epochs: number; batchesPerEpoch: number; trainSamples: number; valSamples: number }
  | { event: 'batch'; runId: string; epoch: number; batch: number; batchesPerEpoch: number; loss: number; samples_per_s: number; eta_s: number }
  /** train_acc: the fraction of the epoch's training predictions that were right, made as it trained (d2l's train_ch6). */
  | { event: 'epoch'; runId: string; epoch: number; train_loss: number; train_acc: number; val_loss: number; val_acc: number; samples_per_s: number; eta_s: number; seconds: number }
  | { event: 'checkpoint'; runId: string; epoch: number; path: string }
  | { event: 'done'; runId: string; stopped: boolean; epochs: number; train_loss: number | null; val_loss: number | null; val_acc: number | null; seconds: number }
  | { event: 'error'; runId: string; message: string; code?: string }
  | { event: 'exit'; runId: string; code: number | null; signal: string | null }
  /**
   * Recorded before 'start' when a run that already has events is trained again: where this
   * attempt continues (`epoch` epochs complete and `batch` batches of the next, from `checkpoint`,
   * or 0/0 and null when it starts over) and how the previous attempt ended. Batch and epoch
   * events of earlier attempts past that point — `superseded` of them, e.g. the batches a killed
   * process trained after its last checkpoint — are redone by this attempt, so a chart drops them.
   */
  | { event: 'resume'; runId: string; epoch: number; batch: number; checkpoint: string | null; previous: AttemptEnd; superseded: number; message: string }
  /**
   * The run waits for a training slot: the app and browser mode train at most `limit` runs at once
   * and start the others in order as slots free up. `position` 1 is next. Sent again as the queue
   * moves; the run's own 'start' ends the wait. Never written to metrics.jsonl.
   */
  | { event: 'queued'; runId: string; position: number; running: number; limit: number };

/** How an earlier attempt at a run ended: finished, stopped, failed, cut short (killed, crashed, power lost), or there was none. */
export type AttemptEnd = 'done' | 'stopped' | 'failed' | 'interrupted' | 'none';

export interface RunSummary {
  runId: string;
  runDir: string;
  /** The name the user gave the run, or else the graph's. */
  name: string;
  /** The name of the graph it trained. */
  graphName?: string;
  startedAt: string;
  status: 'queued' | 'running' | 'done' | 'stopped' | 'failed' | 'interrupted';
  epochsDone: number;
  config: TrainConfig;
  final: { train_loss: number | null; val_loss: number | null; val_acc: number | null } | null;
  /** Seconds spent training, over every attempt, once it has ended (final.json). */
  seconds?: number | null;
  /** The backend it trained on, from its last 'start' event. */
  backend?: string | null;
  /** Why it failed or stopped, in the run's own words. */
  message?: string | null;
}
