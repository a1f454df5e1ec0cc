/**
 * Training runs as the panel sees them: the settings for the next run, and per run the stream
 * of events folded into chart series (train loss per batch, val loss/acc per epoch) and progress.
 */

import type { StateCreator } from 'zustand';
import type { BackendInfo } from '../../shared/api';
import { DEFAULT_TRAIN_CONFIG, type RunSummary, type TrainConfig, type TrainingEvent } from '../../shared/training';
import type { Store } from './index';

export interface RunData {
  runId: string;
  backend: string | null;
  device: string | null;
  note: string | null;
  epochs: number;
  batchesPerEpoch: number;
  trainSamples: number;
  /** x is in epochs (1.5 = halfway through the second epoch), like d2l's ProgressBoard. */
  batches: { x: number; loss: number }[];
  epochRows: { epoch: number; train_loss: number; val_loss: number; val_acc: number }[];
  progress: number;
  etaS: number | null;
  samplesPerS: number | null;
  status: 'starting' | 'running' | 'done' | 'stopped' | 'failed';
  error: string | null;
}

export interface TrainingSlice {
  config: TrainConfig;
  backends: BackendInfo[];
  activeRunId: string | null;
  runs: Record<string, RunData>;
  history: RunSummary[];
  overlayRunId: string | null;
  setConfig(patch: Partial<TrainConfig>): void;
  setBackends(b: BackendInfo[]): void;
  setActiveRun(runId: string | null): void;
  ingest(e: TrainingEvent): void;
  /** Replays a finished run's stored events (for overlaying it on the chart). */
  loadRunEvents(runId: string, events: TrainingEvent[]): void;
  setHistory(h: RunSummary[]): void;
  setOverlay(runId: string | null): void;
}

const blankRun = (runId: string): RunData => ({
  runId, backend: null, device: null, note: null, epochs: 0, batchesPerEpoch: 0, trainSamples: 0,
  batches: [], epochRows: [], progress: 0, etaS: null, samplesPerS: null, status: 'starting', error: null,
});

/** Epoch numbers in events are 1-based (epoch 1 is the first pass over the data). */
export function foldEvent(run: RunData, e: TrainingEvent): RunData {
  switch (e.event) {
    case 'start':
      return { ...run, backend: e.backend, device: e.device, note: e.note ?? null, epochs: e.epochs, batchesPerEpoch: e.batchesPerEpoch, trainSamples: e.trainSamples, status: 'running' };
    case 'batch': {
      const bpe = e.batchesPerEpoch || run.batchesPerEpoch || 1;
      const x = e.epoch - 1 + e.batch / bpe;
      const total = run.epochs || 1;
      return {
        ...run,
        status: 'running',
        batchesPerEpoch: bpe,
        batches: [...run.batches, { x, loss: e.loss }],
        progress: Math.min(1, x / total),
        etaS: e.eta_s,
        samplesPerS: e.samples_per_s,
      };
    }
    case 'epoch':
      return {
        ...run,
        epochRows: [...run.epochRows.filter((r) => r.epoch !== e.epoch), { epoch: e.epoch, train_loss: e.train_loss, val_loss: e.val_loss, val_acc: e.val_acc }],
        progress: Math.min(1, e.epoch / (run.epochs || 1)),
        etaS: e.eta_s,
        samplesPerS: e.samples_per_s,
      };
    case 'done':
      return { ...run, status: e.stopped ? 'stopped' : 'done', progress: e.stopped ? run.progress : 1, etaS: 0 };
    case 'error':
      return { ...run, status: 'failed', error: e.message };
    case 'exit':
      return run.status === 'running' || run.status === 'starting'
        ? { ...run, status: 'failed', error: run.error ?? `The training process exited unexpectedly (code ${e.code}, signal ${e.signal}).` }
        : run;
    default:
      return run;
  }
}

export const createTrainingSlice: StateCreator<Store, [], [], TrainingSlice> = (set, get) => ({
  config: { ...DEFAULT_TRAIN_CONFIG },
  backends: [],
  activeRunId: null,
  runs: {},
  history: [],
  overlayRunId: null,
  setConfig: (patch) => set({ config: { ...get().config, ...patch } }),
  setBackends: (backends) => set({ backends }),
  setActiveRun(runId) {
    const runs = get().runs;
    set({ activeRunId: runId, runs: runId && !runs[runId] ? { ...runs, [runId]: blankRun(runId) } : runs });
  },
  ingest(e) {
    const runs = get().runs;
    set({ runs: { ...runs, [e.runId]: foldEvent(runs[e.runId] ?? blankRun(e.runId), e) } });
  },
  loadRunEvents(runId, events) {
    set({ runs: { ...get().runs, [runId]: events.reduce(foldEvent, blankRun(runId)) } });
  },
  setHistory: (history) => set({ history }),
  setOverlay: (overlayRunId) => set({ overlayRunId }),
});
