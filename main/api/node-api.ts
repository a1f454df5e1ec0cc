/**
 * The real Api behind both hosts: browser mode (main/server/server.ts) and Electron
 * (main/shell/ipc.ts). Everything arriving here is untrusted: a training request goes through the
 * same plan as the CLI's and the training process's (shared/training/plan.ts), and every failure
 * is returned as a value naming what is wrong, never thrown across the boundary.
 */

import { fail, ok, type Api, type BackendInfo, type HostInfo, type Result } from '../../shared/api';
import type { RunSummary, TrainingEvent } from '../../shared/training';
import { planTraining, type PlanError, type TrainingPlan } from '../../shared/training/plan';
import { trainingMemoryLimit } from '../common/memory-limit';

/**
 * The slice of main/engine/jobs.ts's job manager this file uses. Declared structurally so the
 * host works (with training reported as unavailable) before or without the engine.
 */
export interface JobManagerLike {
  startPlan(plan: TrainingPlan): Promise<{ runId: string; runDir: string }>;
  stop(runId: string, mode: 'graceful' | 'kill'): boolean;
  onEvent(listener: (e: TrainingEvent) => void): () => void;
  listRuns(): Promise<RunSummary[]>;
  getRunEvents(runId: string): Promise<TrainingEvent[]>;
}

export interface NodeApiOptions {
  runsRoot: string;
  jobs?: JobManagerLike;
  host?: HostInfo['host'];
  version?: string;
  /** Backends as main/engine/backends/index.ts lists them; absent until the engine is wired in. */
  listBackends?: () => Promise<BackendInfo[]>;
}

/** Run ids become folder names: keep them to one safe path segment. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A plan's error as the Api's: the same code and message, the diagnostics or per-setting problems as details. */
function planFailure(error: PlanError): Result<never> {
  const { code, message, ...details } = error;
  return fail(code, message, Object.keys(details).length ? details : undefined);
}

function validateRunId(args: unknown): Result<string> {
  if (!isObject(args) || typeof args.runId !== 'string') return fail('bad-request', 'Expected { runId: string }.');
  if (!RUN_ID.test(args.runId) || args.runId.includes('..')) return fail('bad-request', `"${args.runId.slice(0, 80)}" is not a run id (letters, digits, ".", "_", "-").`);
  return ok(args.runId);
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Larger exports (VGG's weights) are written by the CLI or the desktop app, not sent through the page. */
export const MAX_PAGE_EXPORT_BYTES = 64 * 1024 * 1024;

/** The exporter loads tfjs; the server should not pay for that before the first export. */
const exporter = () => import('../export/request');

export function createNodeApi(opts: NodeApiOptions): Api {
  const { jobs } = opts;
  const noJobs = () => fail('unavailable', 'Training is not available in this host (the training engine is not loaded).');

  return {
    async info() {
      return ok({ host: opts.host ?? 'browser', version: opts.version ?? '0.1.0', platform: process.platform });
    },

    async listBackends() {
      if (!opts.listBackends) return ok([]);
      try {
        return ok(await opts.listBackends());
      } catch (e) {
        return fail('backend-error', `Could not list backends: ${errorMessage(e)}`);
      }
    },

    async startTraining(req) {
      if (!isObject(req)) return fail('bad-request', 'Expected { graph, config }.');
      const planned = planTraining(req.graph, req.config, { memoryLimit: trainingMemoryLimit });
      if (!planned.ok) return planFailure(planned.error);
      if (!jobs) return noJobs();
      try {
        return ok(await jobs.startPlan(planned.value));
      } catch (e) {
        // The job manager's errors carry a stable code (busy, ...): keep it.
        const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'start-failed';
        return fail(code, `Training could not start: ${errorMessage(e)}`, (e as { details?: unknown }).details);
      }
    },

    async stopTraining(args) {
      const runId = validateRunId(args);
      if (!runId.ok) return runId;
      const mode = (args as { mode?: unknown }).mode ?? 'graceful';
      if (mode !== 'graceful' && mode !== 'kill') return fail('bad-request', `mode must be "graceful" or "kill" (got ${JSON.stringify(mode)}).`);
      if (!jobs) return noJobs();
      return jobs.stop(runId.value, mode) ? ok({ runId: runId.value }) : fail('not-found', `No running job "${runId.value}".`);
    },

    async listRuns() {
      if (!jobs) return noJobs();
      try {
        return ok(await jobs.listRuns());
      } catch (e) {
        return fail('io-error', `Could not list runs in ${opts.runsRoot}: ${errorMessage(e)}`);
      }
    },

    async getRun(args) {
      const runId = validateRunId(args);
      if (!runId.ok) return runId;
      if (!jobs) return noJobs();
      try {
        return ok({ runId: runId.value, events: await jobs.getRunEvents(runId.value) });
      } catch (e) {
        return fail('not-found', `Run "${runId.value}" could not be read: ${errorMessage(e)}`);
      }
    },

    async exportModel(req) {
      const { exportFromRequest, summaryOf } = await exporter();
      const { fileBytes } = await import('../export/export');
      const { zip } = await import('../export/zip');
      try {
        const built = await exportFromRequest(req, opts.runsRoot, opts.version ?? '0.1.0');
        if (!built.ok) return built;
        const summary = summaryOf(built.value);
        const bytes = summary.files.reduce((n, f) => n + f.bytes, 0);
        if (bytes > MAX_PAGE_EXPORT_BYTES) {
          const which = 'runId' in (req as object) ? `runs/${(req as { runId: string }).runId}` : 'your-graph.convstudio.json';
          return fail('too-large', `The export is ${(bytes / 1048576).toFixed(0)} MB, too large to download through the page (at most ${MAX_PAGE_EXPORT_BYTES / 1048576} MB). Export it with the CLI: convstudio export ${which} --to ${summary.files.some((f) => f.name === 'model.onnx') ? 'onnx' : 'pytorch'} --out DIR.`);
        }
        const archive = zip(built.value.files.map((f) => ({ name: `${built.value.folder}/${f.name}`, data: fileBytes(f) })));
        return ok({ ...summary, zip: archive.toString('base64') });
      } catch (e) {
        return fail('export-failed', `The export failed: ${errorMessage(e)}`);
      }
    },

    async exportEpochs(args) {
      const { epochsOf } = await exporter();
      return epochsOf(opts.runsRoot, isObject(args) ? args.runId : undefined);
    },

    onTrainingEvent(listener) {
      return jobs ? jobs.onEvent(listener) : () => {};
    },
  };
}
