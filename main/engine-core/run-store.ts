/**
 * Everything the trainer reads from and writes to its run, as one interface: the trainer touches
 * no file itself. The training process gets the run folder on node:fs (main/runs/run-store.ts); a
 * page's Web Worker gets one that carries the same calls through the Api to the Node side
 * (renderer/training/worker-store.ts), so the run folder stays the single source of truth. Every
 * method may fail with a RunFolderError, which names the file and the fix.
 */

import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainConfig, TrainingEvent } from '../../shared/training';
import type { OptimizerState } from '../../shared/training/optimizer';

/** The run's graph file; messages name it, wherever the store keeps it. */
export const GRAPH_JSON = 'graph.json';

/** config.json. */
export interface RunConfigFile {
  runId: string;
  name: string;
  startedAt: string;
  config: TrainConfig;
}

/** final.json. */
export interface FinalFile {
  status: 'done' | 'stopped' | 'failed';
  epochs: number;
  train_loss: number | null;
  val_loss: number | null;
  val_acc: number | null;
  seconds: number;
  backend: string | null;
  device: string | null;
  message?: string;
  finishedAt: string;
}

/** Where training stands, as a checkpoint's state.json keeps it. */
export interface TrainState {
  /** Epochs fully completed. */
  epochsDone: number;
  /** Batches already trained in the next epoch (non-zero only after a mid-epoch stop). */
  batchesDone: number;
  /** Sum and count of the batch losses of that partial epoch, so its mean stays right. */
  partialLossSum: number;
  partialLossCount: number;
  /** Right predictions in that partial epoch, for its train accuracy; absent in checkpoints that predate it. */
  partialCorrect?: number;
  /** Last completed epoch's metrics. */
  last: { train_loss: number; val_loss: number; val_acc: number } | null;
  /** Wall time spent so far (seconds), across resumes. */
  seconds: number;
  /** The run's first batch loss, the divergence rule's reference (divergence.ts); null in checkpoints that predate it. */
  referenceLoss: number | null;
  /** Momentum buffers or Adam's moments and step counts; absent in checkpoints that predate them. Its arrays go to optimizer.bin. */
  optimizer?: OptimizerState | null;
}

export interface LoadResult {
  loaded: { model: LayersModel; state: TrainState; path: string } | null;
  /** Newer checkpoints that failed to load, with the reason (already set aside). */
  rejected: { path: string; reason: string }[];
}

/** The run's lock (running.json): while it is held no other trainer writes the run. */
export interface RunLock {
  /** The stale lock this one replaced (its holder died), if any. */
  readonly tookOver: { pid: number; since: string } | null;
  /** Whether the lock is still this trainer's (a careless hand may have deleted or replaced it). */
  held(): boolean;
  /** Gives the lock up. Idempotent. */
  release(): void;
}

export interface RunStore {
  /** Where the run lives, as the user should see it (the start event's runDir). */
  readonly location: string;
  readConfig(): Promise<RunConfigFile>;
  writeConfig(cfg: RunConfigFile): Promise<void>;
  /** graph.json's text (parsed and checked by the plan, like any graph). */
  readGraphText(): Promise<string>;
  /** Takes the run lock; throws RunFolderError 'locked' while another live process holds it. */
  lock(): Promise<RunLock>;
  /** Cuts a torn last event line off; the bytes removed, or null. */
  repairEvents(): Promise<{ bytes: number } | null>;
  readEvents(): Promise<TrainingEvent[]>;
  /** Appends one event; nothing of it is left when it fails. */
  append(e: TrainingEvent): Promise<void>;
  writeFinal(final: FinalFile): Promise<void>;
  /** Saves a checkpoint (verified by its manifest when loaded); its path. */
  saveCheckpoint(model: LayersModel, state: TrainState): Promise<string>;
  loadLatestCheckpoint(): Promise<LoadResult>;
  /** The newest checkpoint's name, or null when there is none yet. */
  latestCheckpoint(): Promise<string | null>;
}

/** The last segment of a location, for messages ("e0001-b00000"): no node:path here. */
export function baseName(location: string): string {
  const parts = location.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? location;
}
