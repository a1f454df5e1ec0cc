/** Talks to the Api for the training panel; the store only folds what comes back. */

import { host } from '../api/host';
import { useStore } from '../store/index';
import { isWorkerRun, startWorkerRun, stopWorkerRun, trainsInWorker } from './worker-client';

export function subscribeTraining(): () => void {
  return host().api.onTrainingEvent((e) => {
    const s = useStore.getState();
    s.ingest(e);
    if (e.event === 'exit' || e.event === 'done' || e.event === 'epoch') void refreshHistory();
  });
}

export async function refreshBackends(): Promise<void> {
  const r = await host().api.listBackends();
  if (r.ok) useStore.getState().setBackends(r.value);
}

export async function refreshHistory(): Promise<void> {
  const r = await host().api.listRuns();
  if (r.ok) useStore.getState().setHistory([...r.value].sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
}

export async function startTraining(): Promise<void> {
  const s = useStore.getState();
  if (!s.analysis.ok) {
    s.toast('error', 'Fix the graph\'s errors before training (see the red badges).');
    return;
  }
  if (await trainsInWorker(s.config.backend)) {
    // webgpu in browser mode: the page's own GPU, in a Web Worker; the server writes the run.
    const w = await startWorkerRun({ graph: s.graphDoc(), config: s.config }, () => void refreshHistory());
    if (!w.ok) return s.toast('error', w.message);
    useStore.getState().setActiveRun(w.runId);
    return void refreshHistory();
  }
  const r = await host().api.startTraining({ graph: s.graphDoc(), config: s.config });
  if (!r.ok) {
    s.toast('error', r.error.message);
    return;
  }
  useStore.getState().setActiveRun(r.value.runId);
  void refreshHistory();
}

export async function stopTraining(mode: 'graceful' | 'kill' = 'graceful'): Promise<void> {
  const s = useStore.getState();
  if (!s.activeRunId) return;
  if (isWorkerRun(s.activeRunId)) {
    stopWorkerRun(s.activeRunId, mode);
    return;
  }
  const r = await host().api.stopTraining({ runId: s.activeRunId, mode });
  if (!r.ok) s.toast('error', r.error.message);
}

/** Shows a past run's curves dashed beside the current one. */
export async function overlayRun(runId: string | null): Promise<void> {
  const s = useStore.getState();
  if (!runId) return s.setOverlay(null);
  if (!s.runs[runId] || s.runs[runId].status === 'starting') {
    const r = await host().api.getRun({ runId });
    if (!r.ok) return s.toast('error', r.error.message);
    useStore.getState().loadRunEvents(runId, r.value.events);
  }
  useStore.getState().setOverlay(runId);
}

/** Makes a past run the main one on the chart. */
export async function showRun(runId: string): Promise<void> {
  const s = useStore.getState();
  if (!s.runs[runId]) {
    const r = await host().api.getRun({ runId });
    if (!r.ok) return s.toast('error', r.error.message);
    useStore.getState().loadRunEvents(runId, r.value.events);
  }
  useStore.setState({ activeRunId: runId });
}
