/**
 * The real Api behind both hosts: browser mode (main/server/server.ts) and Electron
 * (main/shell/ipc.ts). Everything arriving here is untrusted: a training request goes through the
 * same plan as the CLI's and the training process's (shared/training/plan.ts), and every failure
 * is returned as a value naming what is wrong, never thrown across the boundary.
 */

import {
  fail, ok, type Api, type BackendInfo, type DoctorReport, type FashionSamples, type FashionSamplesRequest, type HostInfo, type Result, type WorkerRunRequest,
} from '../../shared/api';
import type { RunSummary, TrainingEvent } from '../../shared/training';
import { planTraining, type PlanError, type TrainingPlan } from '../../shared/training/plan';
import { checkConv1x1, checkCorrelate, checkFashionImage, checkLearn, checkPool, type Checked } from '../../shared/lab/check';
import type { LabProblem } from '../../shared/lab/types';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
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

/** The slice of main/engine/worker-runs.ts this file uses: runs a page's Web Worker trains. */
export interface WorkerRunsLike {
  create(plan: TrainingPlan): Promise<{ runId: string; runDir: string }>;
  call(req: WorkerRunRequest): Promise<Result<unknown>>;
  samples(req: FashionSamplesRequest): Promise<Result<FashionSamples>>;
}

/**
 * The slice of main/engine/service/client.ts's engine service this file uses: named operations
 * computed in the warm engine process, answered as values.
 */
export interface EngineServiceLike {
  call(op: string, args: unknown, opts?: { timeoutMs?: number }): Promise<Result<unknown>>;
}

export interface NodeApiOptions {
  runsRoot: string;
  jobs?: JobManagerLike;
  host?: HostInfo['host'];
  version?: string;
  /** Backends as main/engine/backends/index.ts lists them; absent until the engine is wired in. */
  listBackends?: () => Promise<BackendInfo[]>;
  /** The engine service the Kernel lab computes in; absent, the lab's calls say it is unavailable. */
  engine?: EngineServiceLike;
  /** The GPU doctor (main/engine/backends/doctor/); absent until the engine is wired in. */
  doctor?: () => Promise<DoctorReport>;
  /** Runs trained in the page's Web Worker (browser mode); absent, those calls say it is unavailable. */
  workerRuns?: WorkerRunsLike;
}

/** SGD steps run about a millisecond each on a lab-sized image; give a long run room before the service is restarted. */
const LEARN_TIMEOUT_MS = 120_000;

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

/** A lab request the checks refused: the shape engine's diagnostics travel as details, as for graphs. */
function labFailure(error: LabProblem): Result<never> {
  return fail('invalid-lab-input', error.message, { diagnostics: error.diagnostics });
}

/** The exporter loads tfjs; the server should not pay for that before the first export. */
const exporter = () => import('../export/request');

export function createNodeApi(opts: NodeApiOptions): Api {
  const { jobs } = opts;
  const noJobs = () => fail('unavailable', 'Training is not available in this host (the training engine is not loaded).');
  const noWorkerRuns = () => fail('unavailable', 'Training in the page is not available in this host (browser mode serves it); train with another backend.');

  /** Checks a lab request here, then has the engine service compute exactly the checked request. */
  async function lab<T>(checked: Checked<T>, op: string, request: (v: T) => unknown, timeoutMs?: number): Promise<Result<any>> {
    if (!checked.ok) return labFailure(checked.error);
    if (!opts.engine) return fail('unavailable', 'The Kernel lab is not available in this host (the engine service is not running).');
    return opts.engine.call(op, request(checked.value), timeoutMs ? { timeoutMs } : undefined);
  }

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

    async doctor() {
      if (!opts.doctor) return fail('unavailable', 'The GPU check is not available in this host (the training engine is not loaded).');
      try {
        return ok(await opts.doctor());
      } catch (e) {
        return fail('backend-error', `The GPU check failed: ${errorMessage(e)}`);
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
      const { exportFromRequest, zipForPage } = await exporter();
      try {
        const built = await exportFromRequest(req, opts.runsRoot, opts.version ?? '0.1.0', true);
        return built.ok ? zipForPage(built.value, req, opts.runsRoot) : built;
      } catch (e) {
        return fail('export-failed', `The export failed: ${errorMessage(e)}`);
      }
    },

    async exportEpochs(args) {
      const { epochsOf } = await exporter();
      return epochsOf(opts.runsRoot, isObject(args) ? args.runId : undefined);
    },

    async createWorkerRun(req) {
      if (!isObject(req)) return fail('bad-request', 'Expected { graph, config }.');
      const planned = planTraining(req.graph, req.config, { memoryLimit: trainingMemoryLimit });
      if (!planned.ok) return planFailure(planned.error);
      if (!opts.workerRuns) return noWorkerRuns();
      try {
        return ok(await opts.workerRuns.create(planned.value));
      } catch (e) {
        const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'start-failed';
        return fail(code, `Training could not start: ${errorMessage(e)}`, (e as { details?: unknown }).details);
      }
    },

    async workerRun(req) {
      return opts.workerRuns ? opts.workerRuns.call(req) : noWorkerRuns();
    },

    async fashionSamples(req) {
      return opts.workerRuns ? opts.workerRuns.samples(req) : noWorkerRuns();
    },

    onTrainingEvent(listener) {
      return jobs ? jobs.onEvent(listener) : () => {};
    },

    labCorrelate: (req) => lab(checkCorrelate(req), 'lab.correlate', (v) => v.request),
    labConv1x1: (req) => lab(checkConv1x1(req), 'lab.conv1x1', ({ x, k }) => ({ x, k })),
    labPool: (req) => lab(checkPool(req), 'lab.pool', (v) => v.request),
    labLearn: (req) => lab(checkLearn(req), 'lab.learn', (v) => v.request, LEARN_TIMEOUT_MS),
    labFashionImage: (req) => lab(checkFashionImage(req, FASHION_MNIST.testSamples), 'lab.fashionImage', (v) => v),
  };
}
