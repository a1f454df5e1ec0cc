/**
 * Training in a Web Worker of the page, on the browser's own WebGPU (browser mode, backend
 * webgpu): the page creates the run through the Api, starts worker-main.ts, carries the worker's
 * Api calls over its own transport and folds the worker's events into the store like the server's.
 * Stop, kill and a worker that crashes end the run the way they end a training process: a graceful
 * stop checkpoints, a kill or a crash is told as an error (with what resuming can give) and an exit.
 */

import { WORKER_HEARTBEAT_MS, type AbandonReply, type WorkerRunRequest } from '../../shared/api';
import type { RunSummary, TrainRequest } from '../../shared/training';
import { host } from '../api/host';
import { useStore } from '../store/index';
import { EXIT_CODES, type FromWorker, type ToWorker } from './worker-protocol';

interface WorkerRun {
  worker: Worker;
  ended: boolean;
  heartbeat: ReturnType<typeof setInterval>;
}

/**
 * This tab, across its reloads (sessionStorage is the tab's): the run's lock is taken in its name,
 * so a reloaded page can end the run its lost worker was training, and leaves another tab's alone.
 */
const PAGE_OWNER = (() => {
  const key = 'convstudio.page-owner';
  try {
    const kept = sessionStorage.getItem(key);
    if (kept) return kept;
    const made = crypto.randomUUID();
    sessionStorage.setItem(key, made);
    return made;
  } catch {
    return `page-${Math.random().toString(36).slice(2)}`;
  }
})();

const workerRunCall = (req: WorkerRunRequest) => host().api.workerRun({ ...req, owner: PAGE_OWNER });

const runs = new Map<string, WorkerRun>();

let browserMode: Promise<boolean> | null = null;

/**
 * Whether a run with this backend trains in the page: webgpu, in browser mode (the desktop app's
 * Node side does not serve worker runs), in a browser whose workers have WebGPU.
 */
export async function trainsInWorker(backend: string): Promise<boolean> {
  if (backend !== 'webgpu' || typeof Worker === 'undefined' || !('gpu' in navigator)) return false;
  browserMode ??= host().api.info().then((r) => r.ok && r.value.host === 'browser');
  return browserMode;
}

export const isWorkerRun = (runId: string): boolean => runs.has(runId);

const ingest = (e: Parameters<ReturnType<typeof useStore.getState>['ingest']>[0]) => useStore.getState().ingest(e);

/** Ends a run whose worker is gone without finishing (killed on request, or crashed). */
async function lose(runId: string, run: WorkerRun, killed: boolean, reason: string): Promise<void> {
  if (run.ended) return;
  run.ended = true;
  clearInterval(run.heartbeat);
  run.worker.terminate();
  runs.delete(runId);
  const r = await workerRunCall({ runId, op: 'abandon', killed, reason });
  const message = (r.ok ? (r.value as AbandonReply).message : null) ?? `The training worker ${reason} before finishing.`;
  ingest({ event: 'error', runId, message, code: 'process-exit' });
  ingest({ event: 'exit', runId, code: null, signal: killed ? 'SIGKILL' : null });
}

/** Creates the run and starts its worker; the run id, or an error message for the page to show. */
export async function startWorkerRun(req: TrainRequest, onHistory: () => void): Promise<{ ok: true; runId: string } | { ok: false; message: string }> {
  const created = await host().api.createWorkerRun(req);
  if (!created.ok) return { ok: false, message: created.error.message };
  const { runId, runDir } = created.value;
  launch(runId, runDir, { resume: false }, onHistory);
  return { ok: true, runId };
}

/**
 * Continues a worker run (stopped, failed, or lost with its page) in a new worker of this page,
 * from its last checkpoint, to its own epoch total or a new one: the trainer's resume, as the
 * training process does it for `convstudio train --resume`.
 */
export function resumeWorkerRun(h: Pick<RunSummary, 'runId' | 'runDir'>, onHistory: () => void, epochs?: number): void {
  launch(h.runId, h.runDir, { resume: true, epochs }, onHistory);
}

/**
 * After a reload: each live webgpu run in the history that this tab's lost worker was training is
 * ended as its worker's death would be (failed, with what resuming gives). Returns the runs another
 * tab's worker is training, which are not this page's to re-attach to.
 */
export async function settleWorkerRunsAfterReload(history: RunSummary[]): Promise<{ ended: string[]; otherPage: string[] }> {
  const out = { ended: [] as string[], otherPage: [] as string[] };
  for (const h of history) {
    if ((h.status !== 'running' && h.status !== 'queued') || h.config.backend !== 'webgpu' || runs.has(h.runId)) continue;
    const r = await workerRunCall({ runId: h.runId, op: 'abandon', killed: false, reason: 'stopped when its page was reloaded' });
    if (!r.ok) continue;
    const reply = r.value as AbandonReply;
    if (reply.abandoned) out.ended.push(h.runId);
    else if (reply.otherPage) out.otherPage.push(h.runId);
  }
  return out;
}

function launch(runId: string, runDir: string, how: { resume: boolean; epochs?: number }, onHistory: () => void): void {
  const worker = new Worker(new URL('./worker-main.ts', import.meta.url), { type: 'module', name: `ConvStudio training ${runId}` });
  const run: WorkerRun = { worker, ended: false, heartbeat: setInterval(() => void workerRunCall({ runId, op: 'heartbeat' }), WORKER_HEARTBEAT_MS) };
  runs.set(runId, run);
  const send = (m: ToWorker) => worker.postMessage(m);
  worker.onmessage = (m: MessageEvent<FromWorker>) => {
    const msg = m.data;
    switch (msg.type) {
      case 'call': {
        // Only the worker-run calls, whatever a confused worker might ask for.
        const answer = msg.name === 'workerRun' ? workerRunCall(msg.arg) : host().api.fashionSamples(msg.arg);
        void answer.then((result) => { if (!run.ended) send({ type: 'result', id: msg.id, result }); });
        return;
      }
      case 'event':
        ingest(msg.event);
        if (msg.event.event === 'epoch' || msg.event.event === 'done') onHistory();
        return;
      case 'end':
        run.ended = true;
        clearInterval(run.heartbeat);
        worker.terminate();
        runs.delete(runId);
        ingest({ event: 'exit', runId, code: EXIT_CODES[msg.outcome], signal: null });
        onHistory();
        return;
      case 'crash':
        void lose(runId, run, false, `failed (${msg.message})`).then(onHistory);
    }
  };
  // A worker that throws outside the trainer, or cannot even load (no WebGPU module, out of memory).
  worker.onerror = (e) => {
    e.preventDefault();
    void lose(runId, run, false, `crashed (${e.message || 'the worker could not run'})`).then(onHistory);
  };
  send({ type: 'start', runId, runDir, resume: how.resume, ...(how.epochs !== undefined ? { epochs: how.epochs } : {}) });
}

/** Graceful: the worker finishes its batch, checkpoints and ends. Kill: the worker is terminated at once. */
export function stopWorkerRun(runId: string, mode: 'graceful' | 'kill'): boolean {
  const run = runs.get(runId);
  if (!run || run.ended) return false;
  if (mode === 'graceful') run.worker.postMessage({ type: 'stop' } satisfies ToWorker);
  else void lose(runId, run, true, 'was killed (on request)');
  return true;
}
