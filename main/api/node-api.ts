/**
 * The real Api behind both hosts: browser mode (main/server/server.ts) and Electron
 * (main/shell/ipc.ts). Everything arriving here is untrusted: a training request goes through the
 * same plan as the CLI's and the training process's (shared/training/plan.ts), and every failure
 * is returned as a value naming what is wrong, never thrown across the boundary.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import {
  fail, ok, type Api, type BackendInfo, type DoctorReport, type FashionSamples, type FashionSamplesRequest, type HostInfo, type Result, type WorkerRunRequest,
} from '../../shared/api';
import type { RunSummary, TrainingEvent } from '../../shared/training';
import { planTraining, type PlanError, type TrainingPlan } from '../../shared/training/plan';
import { checkConv1x1, checkCorrelate, checkFashionImage, checkLearn, checkPool, type Checked } from '../../shared/lab/check';
import type { LabProblem } from '../../shared/lab/types';
import { FASHION_MNIST } from '../../shared/training/fashion-mnist';
import { parseGraph } from '../../shared/graph/parse';
import { trainingMemoryLimit } from '../common/memory-limit';
import { RunFolderError } from '../runs/errors';
import { deleteRunFolder } from '../runs/delete-run';
import { GRAPH_JSON } from '../runs/run-folder';
import { GRAPH_FILE, readTextFileSync } from '../common/read-file';
import { runNameProblem, writeRunName } from '../runs/run-meta';
import { createAutosave } from './autosave';
import { checkActivationsRequest, checkFiltersRequest, checkGradCamRequest, checkHistogramsRequest, checkImagesRequest, checkRunRequest, type Checked as InsightChecked } from '../../shared/insight';
import { estimateKey, type EstimateBasis, type StepMeasurement } from '../../shared/training/estimate';

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
  /** Continues a run folder from its last checkpoint (main/engine/jobs.ts). */
  resume?(runDir: string, opts?: { epochs?: number }): Promise<{ runId: string; runDir: string }>;
  /** Runs whose process is going, and runs waiting for a slot: neither may be deleted. */
  running?(): string[];
  queued?(): string[];
}

/** The slice of main/engine/worker-runs.ts this file uses: runs a page's Web Worker trains. */
export interface WorkerRunsLike {
  create(plan: TrainingPlan): Promise<{ runId: string; runDir: string }>;
  call(req: WorkerRunRequest): Promise<Result<unknown>>;
  samples(req: FashionSamplesRequest): Promise<Result<FashionSamples>>;
}

/** The slice of main/engine/estimate/estimator.ts this file uses: the machine's memory and step measurements. */
export interface EstimatorLike {
  basis(): Promise<EstimateBasis>;
  measure(key: string, backend: string, request: { graph: unknown; config: unknown }, fresh?: boolean): Promise<Result<StepMeasurement>>;
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
  /** Where the autosave lives: the desktop's userData, browser mode's data folder (default: runsRoot). */
  dataDir?: string;
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
  /** The estimate before Start's Node side; absent, only the machine's memory is reported. */
  estimator?: EstimatorLike;
}

/** SGD steps run about a millisecond each on a lab-sized image; give a long run room before the service is restarted. */
const LEARN_TIMEOUT_MS = 120_000;

/**
 * Insight answers load a checkpoint first (seconds for VGG on a busy machine) and a whole
 * evaluation of 10,000 images takes a while on the slower backends: room before a restart.
 */
const INSIGHT_TIMEOUT_MS = 180_000;

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

/** A job manager's error keeps its stable code (busy, not-found, ...); anything else gets `fallback`. */
const codeOf = (e: unknown, fallback: string): string => (typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : fallback);

export function createNodeApi(opts: NodeApiOptions): Api {
  const { jobs } = opts;
  const autosave = createAutosave(opts.dataDir ?? opts.runsRoot);
  /** The folder of an existing run, or the error value saying there is none. */
  const runDirOf = (runId: string): Result<string> => {
    const dir = path.join(opts.runsRoot, runId);
    return existsSync(path.join(dir, 'config.json')) ? ok(dir) : fail('not-found', `There is no run "${runId}" in ${opts.runsRoot} (deleted?). Refresh the list of runs.`);
  };
  const isLive = (runId: string) => Boolean(jobs?.running?.().includes(runId) || jobs?.queued?.().includes(runId));
  const noJobs = () => fail('unavailable', 'Training is not available in this host (the training engine is not loaded).');
  const noWorkerRuns = () => fail('unavailable', 'Training in the page is not available in this host (browser mode serves it); train with another backend.');

  /** Checks a lab request here, then has the engine service compute exactly the checked request. */
  async function lab<T>(checked: Checked<T>, op: string, request: (v: T) => unknown, timeoutMs?: number): Promise<Result<any>> {
    if (!checked.ok) return labFailure(checked.error);
    if (!opts.engine) return fail('unavailable', 'The Kernel lab is not available in this host (the engine service is not running).');
    return opts.engine.call(op, request(checked.value), timeoutMs ? { timeoutMs } : undefined);
  }

  /**
   * Checks an insight request here, finds the run's folder, and has the engine service answer
   * with the folder in place of the id (the service never sees a path the page chose).
   */
  async function insight<T extends object>(checked: InsightChecked<T>, op: string): Promise<Result<any>> {
    if (!checked.ok) return fail('bad-request', checked.message);
    if (!opts.engine) return fail('unavailable', 'Insight is not available in this host (the engine service is not running).');
    const { runId, ...rest } = checked.value as T & { runId?: string };
    let runDir: string | null = null;
    if (runId !== undefined) {
      runDir = path.join(opts.runsRoot, runId);
      if (!existsSync(runDir)) return fail('not-found', `There is no run "${runId}" in ${opts.runsRoot}.`);
    }
    return opts.engine.call(op, { ...rest, runId, runDir }, { timeoutMs: INSIGHT_TIMEOUT_MS });
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

    async getRunGraph(args) {
      const runId = validateRunId(args);
      if (!runId.ok) return runId;
      const dir = runDirOf(runId.value);
      if (!dir.ok) return dir;
      try {
        // The file is on disk and untrusted like any other: it goes through the one parser.
        const read = readTextFileSync(path.join(dir.value, GRAPH_JSON), GRAPH_FILE);
        if (!read.ok) return fail('io-error', read.message);
        const { doc, diagnostics } = parseGraph(read.text);
        if (!doc) return fail('invalid-graph', `The graph of run ${runId.value} (${GRAPH_JSON}) cannot be loaded: ${diagnostics[0]?.message ?? 'unknown problem'}.`, { diagnostics });
        return ok(doc);
      } catch (e) {
        return fail('io-error', `Could not read the graph of run ${runId.value}: ${errorMessage(e)}`);
      }
    },

    async renameRun(args) {
      const runId = validateRunId(args);
      if (!runId.ok) return runId;
      const name = (args as { name?: unknown }).name;
      const problem = runNameProblem(name);
      if (problem) return fail('bad-request', problem);
      const dir = runDirOf(runId.value);
      if (!dir.ok) return dir;
      try {
        return ok({ runId: runId.value, name: writeRunName(dir.value, name as string) });
      } catch (e) {
        return fail('io-error', errorMessage(e));
      }
    },

    async deleteRun(args) {
      const runId = validateRunId(args);
      if (!runId.ok) return runId;
      if (isLive(runId.value)) return fail('busy', `The run ${runId.value} is training or waiting to; it was not deleted. Stop it first.`);
      try {
        deleteRunFolder(opts.runsRoot, runId.value);
        return ok({ runId: runId.value });
      } catch (e) {
        if (e instanceof RunFolderError) return fail(e.problem === 'locked' ? 'busy' : e.problem === 'missing' ? 'not-found' : 'io-error', e.message);
        return fail('io-error', `Could not delete the run ${runId.value}: ${errorMessage(e)}`);
      }
    },

    async resumeTraining(args) {
      const runId = validateRunId(args);
      if (!runId.ok) return runId;
      const epochs = (args as { epochs?: unknown }).epochs;
      if (epochs !== undefined && typeof epochs !== 'number') return fail('bad-request', `epochs must be a number (got ${JSON.stringify(epochs)}).`);
      if (!jobs?.resume) return noJobs();
      const dir = runDirOf(runId.value);
      if (!dir.ok) return dir;
      try {
        // The same engine path as `convstudio train --resume`: the job manager, the training process, its lock.
        return ok(await jobs.resume(dir.value, epochs === undefined ? undefined : { epochs }));
      } catch (e) {
        return fail(codeOf(e, 'start-failed'), `The run could not be resumed: ${errorMessage(e)}`, (e as { details?: unknown }).details);
      }
    },

    saveAutosave: (args) => autosave.save(args),
    loadAutosave: () => autosave.load(),
    discardAutosave: () => autosave.discard(),

    async estimateBasis() {
      if (!opts.estimator) return ok({ totalBytes: os.totalmem(), freeBytes: os.freemem(), auto: null, throughput: {} });
      try {
        return ok(await opts.estimator.basis());
      } catch (e) {
        return fail('io-error', `Could not read the cached estimates: ${errorMessage(e)}`);
      }
    },

    async measureTraining(req) {
      if (!isObject(req)) return fail('bad-request', 'Expected { graph, config }.');
      // Planned as Start plans it: a graph that cannot train, or would not fit, is never run, not even for a few steps.
      const planned = planTraining(req.graph, req.config, { memoryLimit: trainingMemoryLimit });
      if (!planned.ok) return planFailure(planned.error);
      if (!opts.estimator) return fail('unavailable', 'Training steps cannot be measured in this host (the engine service is not running).');
      const { doc, config } = planned.value;
      try {
        return await opts.estimator.measure(estimateKey(doc, config.batchSize, config.backend), config.backend, { graph: doc, config }, req.fresh === true);
      } catch (e) {
        return fail('estimate-failed', `Measuring training steps failed: ${errorMessage(e)}`);
      }
    },

    onTrainingEvent(listener) {
      return jobs ? jobs.onEvent(listener) : () => {};
    },

    labCorrelate: (req) => lab(checkCorrelate(req), 'lab.correlate', (v) => v.request),
    labConv1x1: (req) => lab(checkConv1x1(req), 'lab.conv1x1', ({ x, k }) => ({ x, k })),
    labPool: (req) => lab(checkPool(req), 'lab.pool', (v) => v.request),
    labLearn: (req) => lab(checkLearn(req), 'lab.learn', (v) => v.request, LEARN_TIMEOUT_MS),
    labFashionImage: (req) => lab(checkFashionImage(req, FASHION_MNIST.testSamples), 'lab.fashionImage', (v) => v),

    insightEpochs: (req) => insight(checkRunRequest(req), 'insight.epochs'),
    insightEvaluate: (req) => insight(checkRunRequest(req), 'insight.evaluate'),
    insightImages: (req) => insight(checkImagesRequest(req), 'insight.images'),
    insightActivations: (req) => insight(checkActivationsRequest(req), 'insight.activations'),
    insightGradCam: (req) => insight(checkGradCamRequest(req), 'insight.gradCam'),
    insightFilters: (req) => insight(checkFiltersRequest(req), 'insight.filters'),
    insightHistograms: (req) => insight(checkHistogramsRequest(req), 'insight.histograms'),
  };
}
