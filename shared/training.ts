/**
 * Training contract shared by the training process, the CLI's --json output, the Api and the
 * renderer's training panel. Events are plain JSON objects; the CLI prints them one per line.
 */

import type { GraphDoc } from './graph/types';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'native';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Square resize like torchvision's Resize((s, s)); null keeps 28×28. */
  resize: number | null;
  backend: BackendChoice;
  /** Use only the first N training samples after shuffling; null for all 60,000. */
  limit: number | null;
  /** Use only the first N test samples; null for all 10,000. */
  valLimit: number | null;
  seed: number;
  /** Folder with the four Fashion-MNIST files; null to search the usual places. */
  dataDir: string | null;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 10, batchSize: 128, lr: 0.1, resize: null, backend: 'auto', limit: null, valLimit: null, seed: 0, dataDir: null,
};

export interface TrainRequest {
  graph: GraphDoc;
  config: TrainConfig;
}

export type TrainingEvent =
  | { event: 'start'; runId: string; runDir: string; backend: string; device: string; note?: string; epochs: number; batchesPerEpoch: number; trainSamples: number; valSamples: number }
  | { event: 'batch'; runId: string; epoch: number; batch: number; batchesPerEpoch: number; loss: number; samples_per_s: number; eta_s: number }
  | { event: 'epoch'; runId: string; epoch: number; train_loss: number; val_loss: number; val_acc: number; samples_per_s: number; eta_s: number; seconds: number }
  | { event: 'checkpoint'; runId: string; epoch: number; path: string }
  | { event: 'done'; runId: string; stopped: boolean; epochs: number; train_loss: number | null; val_loss: number | null; val_acc: number | null; seconds: number }
  | { event: 'error'; runId: string; message: string; code?: string }
  | { event: 'exit'; runId: string; code: number | null; signal: string | null };

export interface RunSummary {
  runId: string;
  runDir: string;
  name: string;
  startedAt: string;
  status: 'running' | 'done' | 'stopped' | 'failed' | 'interrupted';
  epochsDone: number;
  config: TrainConfig;
  final: { train_loss: number | null; val_loss: number | null; val_acc: number | null } | null;
}
