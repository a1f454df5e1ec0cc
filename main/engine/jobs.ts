/**
 * The job manager: starts training processes, relays their events, stops them, and answers
 * questions about past runs from the run folders. The browser server, the Electron shell and
 * the CLI all use it; only the way a process is spawned differs (SpawnFn).
 */

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunSummary, TrainingEvent, TrainRequest } from '../../shared/training';
import { planTraining, type PlanError, type TrainingPlan } from '../../shared/training/plan';
import { checkTrainConfig } from '../../shared/training/settings';
import { CONFIG_JSON, createRun, isRunId, listRunDirs, readEvents, readRunConfig, summarizeRun, type RunConfigFile } from '../runs/run-folder';
import { writeJsonAtomic } from '../common/atomic';
import { moduleDir } from '../common/module-dir';

export interface ChildLike {
  send(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type SpawnFn = (modulePath: string, args: string[]) => ChildLike;

export interface JobManager {
  /** Plans an untrusted request and starts it; one that cannot train throws a JobError with the plan's error. */
  start(req: TrainRequest): Promise<{ runId: string; runDir: string }>;
  /** Starts a plan a caller has already made (the Api and the CLI plan first to answer with errors as values). */
  startPlan(plan: TrainingPlan): Promise<{ runId: string; runDir: string }>;
  /** Continues a run folder from its last checkpoint (same runId, same folder); `epochs` sets a new total. */
  resume(runDir: string, opts?: { epochs?: number }): Promise<{ runId: string; runDir: string }>;
  stop(runId: string, mode: 'graceful' | 'kill'): boolean;
  onEvent(listener: (e: TrainingEvent) => void): () => void;
  listRuns(): Promise<RunSummary[]>;
  getRunEvents(runId: string): Promise<TrainingEvent[]>;
  /** Runs still going. */
  running(): string[];
  dispose(): void;
}

export class JobError extends Error {
  override name = 'JobError';
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }

  /** Keeps the plan's code and its diagnostics or per-setting problems for the caller to show. */
  static fromPlan(error: PlanError): JobError {
    const { code, message, ...details } = error;
    return new JobError(code, message, details);
  }
}

const here = () => moduleDir(import.meta.url);

/**
 * The module to fork: the .ts source when running from sources (forked with tsx's loader), or
 * the bundled train-process.{cjs,js,mjs} the build puts next to the main bundle.
 */
export function trainingEntryPath(): string {
  const dir = here();
  for (const name of ['train-process.ts', 'train-process.cjs', 'train-process.js', 'train-process.mjs']) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return path.join(dir, 'train-process.cjs');
}

function tsxLoader(): string {
  const req = createRequire(import.meta.url);
  return pathToFileURL(path.join(path.dirname(req.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
}

/** child_process.fork; the child's output goes to our stderr so a --json stdout stays clean. */
export const forkSpawn: SpawnFn = (modulePath, args) => {
  const child = fork(modulePath, args, {
    execArgv: modulePath.endsWith('.ts') ? ['--import', tsxLoader()] : [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  let exited = false;
  child.on('exit', () => { exited = true; });
  return {
    send(msg) {
      if (!exited && child.connected) child.send(msg as never, (err) => { void err; });
    },
    onMessage(cb) { child.on('message', cb); },
    // 'close' comes after the IPC channel and the pipes are drained, so no event arrives after it.
    onExit(cb) { child.on('close', (code, signal) => cb(code, signal)); },
    kill() { if (!exited) child.kill('SIGKILL'); },
  };
};

interface Job {
  runId: string;
  runDir: string;
  child: ChildLike;
  finished: boolean;
}

export function createJobManager(opts: { runsRoot: string; spawn?: SpawnFn }): JobManager {
  const runsRoot = path.resolve(opts.runsRoot);
  const spawn = opts.spawn ?? forkSpawn;
  const jobs = new Map<string, Job>();
  const listeners = new Set<(e: TrainingEvent) => void>();

  const broadcast = (e: TrainingEvent) => {
    for (const l of [...listeners]) {
      try { l(e); } catch { /* a listener's bug must not stop the stream */ }
    }
  };

  const launch = (runId: string, runDir: string, resume: boolean) => {
    if (jobs.get(runId) && !jobs.get(runId)!.finished) throw new JobError('busy', `run ${runId} is already training`);
    const child = spawn(trainingEntryPath(), resume ? [runDir, '--resume'] : [runDir]);
    const job: Job = { runId, runDir, child, finished: false };
    jobs.set(runId, job);
    let ended = false;
    child.onMessage((msg) => {
      if (!msg || typeof msg !== 'object' || (msg as { type?: unknown }).type !== 'event') return;
      const e = (msg as { event: TrainingEvent }).event;
      if (e && typeof e === 'object' && typeof e.event === 'string') {
        if (e.event === 'done' || e.event === 'error') ended = true;
        broadcast(e);
      }
    });
    child.onExit((code, signal) => {
      job.finished = true;
      if (!ended) {
        const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
        broadcast({ event: 'error', runId, message: `The training process ${why} before finishing; the run can be resumed from its last checkpoint.`, code: 'process-exit' });
      }
      broadcast({ event: 'exit', runId, code, signal });
    });
    return { runId, runDir };
  };

  const startPlan = async (plan: TrainingPlan) => {
    const { runId, runDir } = createRun(runsRoot, plan.doc, plan.config);
    return launch(runId, runDir, false);
  };

  return {
    async start(req) {
      const planned = planTraining(req?.graph, req?.config);
      if (!planned.ok) throw JobError.fromPlan(planned.error);
      return startPlan(planned.value);
    },

    startPlan,

    async resume(runDir, resumeOpts) {
      const dir = path.resolve(runDir);
      let cfg: RunConfigFile;
      try {
        cfg = readRunConfig(dir);
      } catch (err) {
        throw new JobError('not-found', `${runDir} is not a run folder: ${(err as Error).message}`);
      }
      if (resumeOpts?.epochs !== undefined) {
        const checked = checkTrainConfig({ ...cfg.config, epochs: resumeOpts.epochs });
        if (!checked.ok) throw new JobError('bad-request', checked.message, { settings: checked.settings });
        const config = checked.value;
        if (jobs.get(cfg.runId) && !jobs.get(cfg.runId)!.finished) throw new JobError('busy', `run ${cfg.runId} is already training`);
        writeJsonAtomic(path.join(dir, CONFIG_JSON), { ...cfg, config });
      }
      return launch(cfg.runId, dir, true);
    },

    stop(runId, mode) {
      const job = jobs.get(runId);
      if (!job || job.finished) return false;
      if (mode === 'kill') job.child.kill();
      else job.child.send({ type: 'stop' });
      return true;
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },

    async listRuns() {
      const live = new Set([...jobs.values()].filter((j) => !j.finished).map((j) => j.runDir));
      return listRunDirs(runsRoot)
        .map((d) => summarizeRun(d, live.has(d)))
        .filter((s): s is RunSummary => s !== null);
    },

    async getRunEvents(runId) {
      if (!isRunId(runId)) throw new JobError('bad-request', 'runId must be a run folder name');
      const dir = jobs.get(runId)?.runDir ?? path.join(runsRoot, runId);
      if (!existsSync(dir)) throw new JobError('not-found', `no run ${runId} in ${runsRoot}`);
      return readEvents(dir);
    },

    running() {
      return [...jobs.values()].filter((j) => !j.finished).map((j) => j.runId);
    },

    dispose() {
      listeners.clear();
      for (const j of jobs.values()) if (!j.finished) j.child.kill();
    },
  };
}
