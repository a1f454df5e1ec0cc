/**
 * Training runs as the panel sees them: the settings for the next run, and per run the stream
 * of events folded into chart series (train loss per batch, val loss/acc per epoch) and progress.
 * A run's own settings, graph and name travel with it, so a run shown after a reload or picked
 * from the history reads as itself, never as the panel's current settings.
 */

import type { StateCreator } from 'zustand';
import type { BackendInfo } from '../../shared/api';
import type { GraphDoc } from '../../shared/graph/types';
import { DEFAULT_TRAIN_CONFIG, type RunSummary, type TrainConfig, type TrainingEvent } from '../../shared/training';
import type { Store } from './index';

export type RunStatus = 'queued' | 'starting' | 'running' | 'stopping' | 'done' | 'stopped' | 'failed';

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
  epochRows: { epoch: number; train_loss: number; val_loss: number; val_acc: number; train_acc?: number }[];
  /** The fraction of the whole run (every epoch), not of the current epoch. */
  progress: number;
  /** Seconds left for the whole run, as the trainer estimates it. */
  etaS: number | null;
  samplesPerS: number | null;
  status: RunStatus;
  error: string | null;
  /** Place in the queue for a training slot (1 = next), while queued. */
  queuePosition: number | null;
  /** What the last 'resume' event said about the break, while that attempt is on. */
  resumed: string | null;
}

/** What the history says about a run the panel shows: its settings and name. */
export interface RunInfo {
  name: string;
  graphName: string;
  config: TrainConfig;
}

export interface TrainingSlice {
  config: TrainConfig;
  backends: BackendInfo[];
  activeRunId: string | null;
  runs: Record<string, RunData>;
  /** The graph each shown run trained (graph.json), for the sigmoid hint, the banner and reopening. */
  runGraphs: Record<string, GraphDoc>;
  history: RunSummary[];
  /** Runs drawn beside the active one, in the order they were picked. */
  overlayRunIds: string[];
  /** Whether the d2l book's figure for the matching template is drawn. */
  bookReference: boolean;
  setConfig(patch: Partial<TrainConfig>): void;
  setBackends(b: BackendInfo[]): void;
  setActiveRun(runId: string | null, epochs?: number): void;
  ingest(e: TrainingEvent): void;
  /** Replays a run's stored events (to show it, overlay it, or re-attach to it). */
  loadRunEvents(runId: string, events: TrainingEvent[], epochs?: number): void;
  setRunGraph(runId: string, graph: GraphDoc): void;
  setHistory(h: RunSummary[]): void;
  toggleOverlay(runId: string, on: boolean): void;
  setBookReference(on: boolean): void;
  /** Stop was asked for: the run reads "stopping…" until it says it stopped. */
  markStopping(runId: string): void;
  /** Another graph is on the canvas: the finished run shown and the overlays go (a live run stays). */
  clearShownRuns(): void;
  /** A deleted run leaves every view of it. */
  forgetRun(runId: string): void;
}

export const blankRun = (runId: string, epochs = 0): RunData => ({
  runId, backend: null, device: null, note: null, epochs, batchesPerEpoch: 0, trainSamples: 0,
  batches: [], epochRows: [], progress: 0, etaS: null, samplesPerS: null, status: 'starting', error: null, queuePosition: null, resumed: null,
});

export const isLive = (status: RunStatus): boolean => status === 'queued' || status === 'starting' || status === 'running' || status === 'stopping';

/** Epoch numbers in events are 1-based (epoch 1 is the first pass over the data). */
export function foldEvent(run: RunData, e: TrainingEvent): RunData {
  // Stop was asked for: nothing but the run's own end takes "stopping…" away.
  const going = (s: RunStatus): RunStatus => (run.status === 'stopping' ? 'stopping' : s);
  switch (e.event) {
    case 'queued':
      return { ...run, status: going('queued'), queuePosition: e.position };
    case 'start':
      return { ...run, backend: e.backend, device: e.device, note: e.note ?? null, epochs: e.epochs, batchesPerEpoch: e.batchesPerEpoch, trainSamples: e.trainSamples, status: going('running'), queuePosition: null, error: null };
    case 'resume': {
      // The new attempt redoes everything past its checkpoint: those points leave the chart.
      const bpe = run.batchesPerEpoch || 1;
      const upTo = e.epoch + e.batch / bpe;
      const batches = run.batches.filter((b) => b.x <= upTo + 1e-9);
      return {
        ...run, status: going('starting'), error: null, resumed: e.message, batches,
        epochRows: run.epochRows.filter((r) => r.epoch <= e.epoch),
        progress: run.epochs ? Math.min(1, upTo / run.epochs) : 0,
      };
    }
    case 'batch': {
      const bpe = e.batchesPerEpoch || run.batchesPerEpoch || 1;
      const x = e.epoch - 1 + e.batch / bpe;
      const total = run.epochs || 1;
      return {
        ...run,
        status: going('running'),
        batchesPerEpoch: bpe,
        batches: [...run.batches, { x, loss: e.loss }],
        progress: Math.min(1, x / total),
        etaS: e.eta_s,
        samplesPerS: e.samples_per_s,
      };
    }
    case 'epoch': {
      // Runs recorded before train accuracy was reported have none: their rows go without it.
      const row = { epoch: e.epoch, train_loss: e.train_loss, val_loss: e.val_loss, val_acc: e.val_acc, ...(typeof e.train_acc === 'number' ? { train_acc: e.train_acc } : {}) };
      return {
        ...run,
        epochRows: [...run.epochRows.filter((r) => r.epoch !== e.epoch), row].sort((a, b) => a.epoch - b.epoch),
        progress: Math.min(1, e.epoch / (run.epochs || 1)),
        etaS: e.eta_s,
        samplesPerS: e.samples_per_s,
      };
    }
    case 'checkpoint':
      return run;
    case 'done':
      return { ...run, status: e.stopped ? 'stopped' : 'done', progress: e.stopped ? run.progress : 1, etaS: 0, queuePosition: null, resumed: null };
    case 'error':
      return { ...run, status: 'failed', error: e.message, queuePosition: null };
    case 'exit':
      return isLive(run.status)
        ? { ...run, status: 'failed', error: run.error ?? `The training process exited unexpectedly (code ${e.code}, signal ${e.signal}).` }
        : run;
  }
}

export const createTrainingSlice: StateCreator<Store, [], [], TrainingSlice> = (set, get) => ({
  config: { ...DEFAULT_TRAIN_CONFIG },
  backends: [],
  activeRunId: null,
  runs: {},
  runGraphs: {},
  history: [],
  overlayRunIds: [],
  bookReference: false,
  setConfig: (patch) => set({ config: { ...get().config, ...patch } }),
  setBackends: (backends) => set({ backends }),
  setActiveRun(runId, epochs) {
    const runs = get().runs;
    set({ activeRunId: runId, overlayRunIds: get().overlayRunIds.filter((id) => id !== runId), runs: runId && !runs[runId] ? { ...runs, [runId]: blankRun(runId, epochs) } : runs });
  },
  ingest(e) {
    const runs = get().runs;
    set({ runs: { ...runs, [e.runId]: foldEvent(runs[e.runId] ?? blankRun(e.runId, get().history.find((h) => h.runId === e.runId)?.config.epochs), e) } });
  },
  loadRunEvents(runId, events, epochs) {
    const folded = events.reduce(foldEvent, blankRun(runId, epochs));
    // Stop asked for before the stored events came back: still stopping.
    const was = get().runs[runId];
    set({ runs: { ...get().runs, [runId]: was?.status === 'stopping' && isLive(folded.status) ? { ...folded, status: 'stopping' } : folded } });
  },
  setRunGraph: (runId, graph) => set({ runGraphs: { ...get().runGraphs, [runId]: graph } }),
  setHistory: (history) => set({ history }),
  toggleOverlay(runId, on) {
    const ids = get().overlayRunIds.filter((id) => id !== runId);
    set({ overlayRunIds: on && runId !== get().activeRunId ? [...ids, runId] : ids });
  },
  setBookReference: (bookReference) => set({ bookReference }),
  markStopping(runId) {
    const run = get().runs[runId];
    if (run && isLive(run.status)) set({ runs: { ...get().runs, [runId]: { ...run, status: 'stopping' } } });
  },
  clearShownRuns() {
    const { activeRunId, runs } = get();
    const active = activeRunId ? runs[activeRunId] : null;
    set({ activeRunId: active && isLive(active.status) ? activeRunId : null, overlayRunIds: [] });
  },
  forgetRun(runId) {
    const { [runId]: _run, ...runs } = get().runs;
    const { [runId]: _graph, ...runGraphs } = get().runGraphs;
    set({ runs, runGraphs, activeRunId: get().activeRunId === runId ? null : get().activeRunId, overlayRunIds: get().overlayRunIds.filter((id) => id !== runId), history: get().history.filter((h) => h.runId !== runId) });
  },
});
