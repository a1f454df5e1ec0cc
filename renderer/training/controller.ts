/** Talks to the Api for the training panel; the store only folds what comes back. */

import type { GraphDoc } from '../../shared/graph/types';
import type { RunSummary } from '../../shared/training';
import { applicableConfig } from '../../shared/training/settings';
import { startCheck } from '../estimate/start-check';
import { host } from '../api/host';
import { useStore } from '../store/index';
import { isLive } from '../store/training-slice';
import { isWorkerRun, resumeWorkerRun, settleWorkerRunsAfterReload, startWorkerRun, stopWorkerRun, trainsInWorker } from './worker-client';

export function subscribeTraining(): () => void {
  return host().api.onTrainingEvent((e) => {
    const s = useStore.getState();
    s.ingest(e);
    if (e.event === 'exit' || e.event === 'done' || e.event === 'epoch' || e.event === 'start') void refreshHistory();
  });
}

/**
 * Switching graphs (New, Open, a template replacing the canvas) clears what belonged to the
 * previous one: a finished run's curves and errors, the overlays. A run still training stays
 * shown, with the banner saying its graph is not the canvas's.
 */
export function clearRunsOnGraphSwitch(): () => void {
  return useStore.subscribe((s) => [s.loaded, s.name] as const, () => useStore.getState().clearShownRuns(), {
    equalityFn: (a, b) => a[0] === b[0] && a[1] === b[1],
  });
}

export async function refreshBackends(): Promise<void> {
  const r = await host().api.listBackends();
  if (r.ok) useStore.getState().setBackends(r.value);
}

export async function refreshHistory(): Promise<RunSummary[]> {
  const r = await host().api.listRuns();
  if (!r.ok) return useStore.getState().history;
  const sorted = [...r.value].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  useStore.getState().setHistory(sorted);
  return sorted;
}

/** A run's stored events and graph, so it shows as itself (progress over its own epochs, its own graph). */
async function loadRun(runId: string): Promise<boolean> {
  const [events, graph] = await Promise.all([host().api.getRun({ runId }), host().api.getRunGraph({ runId })]);
  const s = useStore.getState();
  if (!events.ok) {
    s.toast('error', events.error.message);
    return false;
  }
  s.loadRunEvents(runId, events.value.events, s.history.find((h) => h.runId === runId)?.config.epochs);
  if (graph.ok) s.setRunGraph(runId, graph.value);
  return true;
}

/**
 * At start-up (a reload, a restart): a run that is training or waiting becomes the shown run
 * again, with its own settings in the panel, its whole-run progress and its backend line, all
 * from its own events; live events continue from there.
 */
export async function reattachToRuns(): Promise<void> {
  let history = await refreshHistory();
  // A run this tab's worker trained before the reload lost its worker with the page: say so now
  // (failed, resumable) rather than show it live. Another tab's worker run is that tab's.
  let elsewhere: string[] = [];
  if (await trainsInWorker('webgpu')) {
    const settled = await settleWorkerRunsAfterReload(history);
    elsewhere = settled.otherPage;
    if (settled.ended.length) history = await refreshHistory();
  }
  const live = history.find((h) => (h.status === 'running' || h.status === 'queued') && !elsewhere.includes(h.runId));
  if (!live) return;
  if (!(await loadRun(live.runId))) return;
  const s = useStore.getState();
  s.setConfig(live.config);
  s.setActiveRun(live.runId, live.config.epochs);
}

export async function startTraining(): Promise<void> {
  const s = useStore.getState();
  // The menu and the shortcut reach here too: the same check that disables the Start button.
  const { reason } = startCheck(s.analysis, s.config, s.estimateBasis);
  if (reason) {
    s.toast('error', `Start is disabled: ${reason}`);
    return;
  }
  const graph = s.graphDoc();
  const config = applicableConfig(s.config);
  if (await trainsInWorker(s.config.backend)) {
    // webgpu in browser mode: the page's own GPU, in a Web Worker; the server writes the run.
    const w = await startWorkerRun({ graph, config }, () => void refreshHistory());
    if (!w.ok) return s.toast('error', w.message);
    useStore.getState().setActiveRun(w.runId, s.config.epochs);
    useStore.getState().setRunGraph(w.runId, graph);
    return void refreshHistory();
  }
  const r = await host().api.startTraining({ graph, config });
  if (!r.ok) {
    s.toast('error', r.error.message);
    return;
  }
  useStore.getState().setActiveRun(r.value.runId, s.config.epochs);
  useStore.getState().setRunGraph(r.value.runId, graph);
  void refreshHistory();
}

export async function stopTraining(mode: 'graceful' | 'kill' = 'graceful'): Promise<void> {
  const s = useStore.getState();
  const runId = s.activeRunId;
  if (!runId) return;
  s.markStopping(runId);
  if (isWorkerRun(runId)) {
    // The page's own worker is told directly; its events then end the run as a process's would.
    stopWorkerRun(runId, mode);
    return;
  }
  const r = await host().api.stopTraining({ runId, mode });
  if (!r.ok) {
    s.toast('error', r.error.message);
    // Nothing was stopped: the run's own events decide its status again.
    const run = useStore.getState().runs[runId];
    if (run?.status === 'stopping') void loadRun(runId);
  }
}

/** Draws a past run beside the shown one, or takes it off. */
export async function overlayRun(runId: string, on: boolean): Promise<void> {
  const s = useStore.getState();
  if (on && (!s.runs[runId] || !s.runGraphs[runId]) && !(await loadRun(runId))) return;
  useStore.getState().toggleOverlay(runId, on);
}

/** Makes a run the main one on the chart, with its own settings beside it. */
export async function showRun(runId: string): Promise<void> {
  const s = useStore.getState();
  const run = s.runs[runId];
  if ((!run || !isLive(run.status) || !s.runGraphs[runId]) && !(await loadRun(runId))) return;
  useStore.getState().setActiveRun(runId);
}

/** Puts the graph a run trained on the canvas, as a new untitled document (the current one is asked about first). */
export async function reopenRun(runId: string): Promise<void> {
  const s = useStore.getState();
  if (s.dirty && !host().confirm('The graph has unsaved changes. Discard them and open the run\'s graph?')) return;
  const r = await host().api.getRunGraph({ runId });
  if (!r.ok) return s.toast('error', r.error.message);
  const graph: GraphDoc = r.value;
  s.loadDoc(graph);
  s.setFile({ name: null, path: null });
  s.requestFit();
  // The run stays shown: it is this graph's run.
  useStore.getState().setRunGraph(runId, graph);
  await showRun(runId);
}

export async function renameRun(runId: string, name: string): Promise<void> {
  const r = await host().api.renameRun({ runId, name });
  if (!r.ok) return useStore.getState().toast('error', r.error.message);
  await refreshHistory();
}

export async function deleteRun(runId: string): Promise<void> {
  const s = useStore.getState();
  const h = s.history.find((x) => x.runId === runId);
  if (!host().confirm(`Delete the run "${h?.name ?? runId}" and its checkpoints? This cannot be undone.`)) return;
  const r = await host().api.deleteRun({ runId });
  if (!r.ok) return s.toast('error', r.error.message);
  useStore.getState().forgetRun(runId);
  await refreshHistory();
}

/** Continues a stopped or failed run from its last checkpoint, through the same engine path as the CLI's --resume. */
export async function resumeRun(runId: string, epochs?: number): Promise<void> {
  const s = useStore.getState();
  const h = s.history.find((x) => x.runId === runId);
  // A webgpu run of browser mode trained in this page's worker continues there, on the page's GPU.
  if (h && h.config.backend === 'webgpu' && (await trainsInWorker('webgpu'))) {
    await loadRun(runId);
    resumeWorkerRun(h, () => void refreshHistory(), epochs);
    useStore.getState().setActiveRun(runId, epochs ?? h.config.epochs);
    return void refreshHistory();
  }
  const r = await host().api.resumeTraining(epochs === undefined ? { runId } : { runId, epochs });
  if (!r.ok) return s.toast('error', r.error.message);
  await loadRun(runId);
  useStore.getState().setActiveRun(runId, epochs ?? useStore.getState().history.find((x) => x.runId === runId)?.config.epochs);
  void refreshHistory();
}
