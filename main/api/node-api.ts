/**
 * The real Api behind both hosts: browser mode (main/server.ts) and Electron (main/ipc.ts).
 * Everything arriving here is untrusted: graphs are re-parsed with the same validator the file
 * loader uses, configs are checked field by field, and every failure is returned as a value
 * naming what is wrong, never thrown across the boundary.
 */

import { fail, ok, type Api, type HostInfo, type Result } from '../../shared/api';
import { parseGraph } from '../../shared/graph/parse';
import { analyzeGraph } from '../../shared/shapes/index';
import { DEFAULT_TRAIN_CONFIG, type BackendChoice, type RunSummary, type TrainConfig, type TrainingEvent, type TrainRequest } from '../../shared/training';
import type { GraphDoc } from '../../shared/graph/types';

/**
 * The slice of main/engine/jobs.ts's job manager this file uses. Declared structurally so the
 * host works (with training reported as unavailable) before or without the engine.
 */
export interface JobManagerLike {
  start(req: TrainRequest): Promise<{ runId: string; runDir: string }>;
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
  /** Backends as main/engine/backend.ts lists them; absent until the engine is wired in. */
  listBackends?: () => Promise<import('../../shared/api').BackendInfo[]>;
}

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu', 'native'];
/** Run ids become folder names: keep them to one safe path segment. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkInt(name: string, v: unknown, min: number, max: number): string | null {
  if (typeof v !== 'number' || !Number.isInteger(v)) return `${name} must be a whole number (got ${JSON.stringify(v)})`;
  if (v < min || v > max) return `${name} must be between ${min} and ${max} (got ${v})`;
  return null;
}

function checkNullableInt(name: string, v: unknown, min: number, max: number): string | null {
  return v === null ? null : checkInt(name, v, min, max);
}

/** Fills absent fields from DEFAULT_TRAIN_CONFIG and checks each present one by type and range. */
export function validateTrainConfig(input: unknown): Result<TrainConfig> {
  if (input === undefined) return ok({ ...DEFAULT_TRAIN_CONFIG });
  if (!isObject(input)) return fail('bad-request', 'config must be an object of training settings.');
  const known = new Set(Object.keys(DEFAULT_TRAIN_CONFIG));
  const unknown = Object.keys(input).filter((k) => !known.has(k));
  if (unknown.length) return fail('bad-request', `config has unknown field(s): ${unknown.join(', ')}. Known: ${[...known].join(', ')}.`);
  const c = { ...DEFAULT_TRAIN_CONFIG, ...input } as Record<string, unknown>;
  const problems = [
    checkInt('epochs', c.epochs, 1, 1000),
    checkInt('batchSize', c.batchSize, 1, 8192),
    typeof c.lr === 'number' && Number.isFinite(c.lr) && c.lr > 0 && c.lr <= 10 ? null : `lr must be a number in (0, 10] (got ${JSON.stringify(c.lr)})`,
    checkNullableInt('resize', c.resize, 4, 512),
    BACKENDS.includes(c.backend as BackendChoice) ? null : `backend must be one of ${BACKENDS.join(', ')} (got ${JSON.stringify(c.backend)})`,
    checkNullableInt('limit', c.limit, 1, 60000),
    checkNullableInt('valLimit', c.valLimit, 1, 10000),
    checkInt('seed', c.seed, 0, 2 ** 31 - 1),
    c.dataDir === null || (typeof c.dataDir === 'string' && c.dataDir.length > 0 && c.dataDir.length < 4096 && !c.dataDir.includes('\0'))
      ? null : 'dataDir must be null or a folder path',
  ].filter((p): p is string => p !== null);
  if (problems.length) return fail('bad-request', `Invalid training config: ${problems.join('; ')}.`, { problems });
  return ok(c as unknown as TrainConfig);
}

/** A graph from the page is parsed again and must be free of shape errors before it may train. */
export function validateTrainGraph(input: unknown): Result<GraphDoc> {
  const { doc, diagnostics } = parseGraph(input);
  if (!doc) return fail('invalid-graph', `The graph could not be read: ${diagnostics.map((d) => d.message).join(' ') || 'unknown format'}`, { diagnostics });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return fail('invalid-graph', `The graph is invalid: ${errors.map((d) => d.message).join(' ')}`, { diagnostics: errors });
  const analysis = analyzeGraph(doc);
  if (!analysis.ok) {
    const shapeErrors = analysis.diagnostics.filter((d) => d.severity === 'error');
    return fail('invalid-graph', `The graph has ${shapeErrors.length} error(s); fix them before training. First: ${shapeErrors[0]?.message ?? 'unknown'}`, { diagnostics: shapeErrors });
  }
  return ok(doc);
}

function validateRunId(args: unknown): Result<string> {
  if (!isObject(args) || typeof args.runId !== 'string') return fail('bad-request', 'Expected { runId: string }.');
  if (!RUN_ID.test(args.runId) || args.runId.includes('..')) return fail('bad-request', `"${args.runId.slice(0, 80)}" is not a run id (letters, digits, ".", "_", "-").`);
  return ok(args.runId);
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

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
      const graph = validateTrainGraph(req.graph);
      if (!graph.ok) return graph;
      const config = validateTrainConfig(req.config);
      if (!config.ok) return config;
      if (!jobs) return noJobs();
      try {
        return ok(await jobs.start({ graph: graph.value, config: config.value }));
      } catch (e) {
        // The job manager's errors carry a stable code (busy, bad-config, ...): keep it.
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

    onTrainingEvent(listener) {
      return jobs ? jobs.onEvent(listener) : () => {};
    },
  };
}
