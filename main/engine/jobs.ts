/**
 * The job manager: starts training processes, relays their events, stops them, and answers
 * questions about past runs from the run folders. The browser server, the Electron shell and
 * the CLI all use it; only the way a process is spawned differs (SpawnFn).
 *
 * It trains at most `maxConcurrent` runs at once (each is a process of a few hundred MB that
 * wants the cores for itself); further runs wait in a queue, in order, each told its place by a
 * 'queued' event, and start as slots free up. The queue itself is bounded too.
 */

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunSummary, TrainingEvent, TrainRequest } from '../../shared/training';
import { planTraining, type PlanError, type TrainingPlan } from '../../shared/training/plan';
import { checkTrainConfig } from '../../shared/training/settings';
import { listCheckpoints } from '../runs/checkpoints';
import { RunFolderError } from '../runs/errors';
import { createRun, isRunId, listRunDirs, readEvents, readRunConfig, summarizeRun, writeFinal, type RunConfigFile } from '../runs/run-folder';
import { describeHolder, liveLock } from '../runs/run-lock';
import { moduleDir } from '../common/module-dir';

export interface ChildLike {
  send(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type SpawnFn = (modulePath: string, args: string[]) => ChildLike;

export interface JobManager {
  /**
   * Plans an untrusted request and starts it (or queues it: see 'queued' events); one that cannot
   * train throws a JobError with the plan's error.
   */
  start(req: TrainRequest): Promise<{ runId: string; runDir: string }>;
  /** Starts a plan a caller has already made (the Api and the CLI plan first to answer with errors as values). */
  startPlan(plan: TrainingPlan): Promise<{ runId: string; runDir: string }>;
  /** Continues a run folder from its last checkpoint (same runId, same folder); `epochs` sets a new total. */
  resume(runDir: string, opts?: { epochs?: number }): Promise<{ runId: string; runDir: string }>;
  /** Stops a running run, or takes a queued one off the queue. False when there is no such job. */
  stop(runId: string, mode: 'graceful' | 'kill'): boolean;
  onEvent(listener: (e: TrainingEvent) => void): () => void;
  listRuns(): Promise<RunSummary[]>;
  getRunEvents(runId: string): Promise<TrainingEvent[]>;
  /** Runs whose process is going (not those still queued). */
  running(): string[];
  /** Runs waiting for a slot, next first. */
  queued(): string[];
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
  args: string[];
  resume: boolean;
  /** null while the job waits in the queue. */
  child: ChildLike | null;
  finished: boolean;
}

/**
 * How many training processes run at once by default: half the cores (each process keeps a core
 * or more busy, and the app must stay responsive), at least 1 and at most 4.
 */
export function defaultMaxConcurrent(cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 2)));
}

/** Runs that may wait for a slot; a page asking for more is refused rather than piling up processes for later. */
export const DEFAULT_MAX_QUEUED = 20;

export interface JobManagerOptions {
  runsRoot: string;
  spawn?: SpawnFn;
  /** Training processes at once (default defaultMaxConcurrent()). */
  maxConcurrent?: number;
  /** Runs waiting beyond those (default DEFAULT_MAX_QUEUED). */
  maxQueued?: number;
}

/** What the user can do after a training process died: resume only promises what a checkpoint can give. */
export function resumeAdvice(runDir: string): string {
  const [newest] = listCheckpoints(runDir);
  return newest
    ? `the run can be resumed from its last checkpoint (${path.basename(newest)})`
    : 'it had saved no checkpoint yet, so resuming it starts over from epoch 1';
}

export function createJobManager(opts: JobManagerOptions): JobManager {
  const runsRoot = path.resolve(opts.runsRoot);
  const spawn = opts.spawn ?? forkSpawn;
  const limit = Math.max(1, Math.floor(opts.maxConcurrent ?? defaultMaxConcurrent()));
  const maxQueued = Math.max(0, Math.floor(opts.maxQueued ?? DEFAULT_MAX_QUEUED));
  const jobs = new Map<string, Job>();
  const queue: Job[] = [];
  const listeners = new Set<(e: TrainingEvent) => void>();

  const broadcast = (e: TrainingEvent) => {
    for (const l of [...listeners]) {
      try { l(e); } catch { /* a listener's bug must not stop the stream */ }
    }
  };

  const active = () => [...jobs.values()].filter((j) => j.child && !j.finished);
  const isBusy = (runId: string) => {
    const j = jobs.get(runId);
    return Boolean(j && !j.finished);
  };
  const tellQueue = () => {
    const running = active().length;
    queue.forEach((j, i) => broadcast({ event: 'queued', runId: j.runId, position: i + 1, running, limit }));
  };

  const launch = (job: Job) => {
    const child = spawn(trainingEntryPath(), job.args);
    job.child = child;
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
        broadcast({ event: 'error', runId: job.runId, message: `The training process ${why} before finishing; ${resumeAdvice(job.runDir)}.`, code: 'process-exit' });
      }
      broadcast({ event: 'exit', runId: job.runId, code, signal });
      startQueued();
    });
  };

  const startQueued = () => {
    let moved = false;
    while (queue.length && active().length < limit) {
      launch(queue.shift()!);
      moved = true;
    }
    if (moved) tellQueue();
  };

  const submit = (runId: string, runDir: string, resume: boolean, extra: string[] = []) => {
    if (isBusy(runId)) throw new JobError('busy', `run ${runId} is already ${jobs.get(runId)!.child ? 'training' : 'waiting to train'}`);
    const job: Job = { runId, runDir, args: [runDir, ...(resume ? ['--resume'] : []), ...extra], resume, child: null, finished: false };
    if (active().length < limit) {
      jobs.set(runId, job);
      launch(job);
      return { runId, runDir };
    }
    if (queue.length >= maxQueued) {
      throw new JobError('busy', `${limit} run${limit === 1 ? ' is' : 's are'} training and ${queue.length} more ${queue.length === 1 ? 'is' : 'are'} waiting; wait for one to finish, or stop one, before starting another.`);
    }
    jobs.set(runId, job);
    queue.push(job);
    tellQueue();
    return { runId, runDir };
  };

  /** A queued job taken off the queue: its run is left as it was (a fresh one is marked stopped before it began). */
  const cancelQueued = (job: Job) => {
    queue.splice(queue.indexOf(job), 1);
    job.finished = true;
    if (!job.resume) {
      try {
        writeFinal(job.runDir, { status: 'stopped', epochs: 0, train_loss: null, val_loss: null, val_acc: null, seconds: 0, backend: null, device: null, message: 'Stopped while waiting for a training slot, before it began.', finishedAt: new Date().toISOString() });
      } catch { /* the history then shows it as interrupted, which is also true */ }
    }
    const summary = summarizeRun(job.runDir, false);
    broadcast({ event: 'done', runId: job.runId, stopped: true, epochs: summary?.epochsDone ?? 0, train_loss: summary?.final?.train_loss ?? null, val_loss: summary?.final?.val_loss ?? null, val_acc: summary?.final?.val_acc ?? null, seconds: 0 });
    broadcast({ event: 'exit', runId: job.runId, code: null, signal: null });
    tellQueue();
  };

  const startPlan = async (plan: TrainingPlan) => {
    let created: { runId: string; runDir: string };
    try {
      created = createRun(runsRoot, plan.doc, plan.config);
    } catch (err) {
      if (err instanceof RunFolderError) throw new JobError('run-folder', err.message, { file: err.file, fix: err.fix, problem: err.problem });
      throw err;
    }
    return submit(created.runId, created.runDir, false);
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
        throw new JobError('not-found', err instanceof RunFolderError ? err.message : `${runDir} is not a run folder: ${(err as Error).message}`);
      }
      const extra: string[] = [];
      if (resumeOpts?.epochs !== undefined) {
        // Checked here to answer at once; the training process writes it, under the run's lock.
        const checked = checkTrainConfig({ ...cfg.config, epochs: resumeOpts.epochs });
        if (!checked.ok) throw new JobError('bad-request', checked.message, { settings: checked.settings });
        extra.push('--epochs', String(checked.value.epochs));
      }
      // The training process's lock decides; this only answers early for the common case.
      const holder = liveLock(dir);
      if (holder) throw new JobError('busy', `The run ${cfg.runId} is already being trained by ${describeHolder(holder)}. Wait for it to finish, or stop it first.`);
      return submit(cfg.runId, dir, true, extra);
    },

    stop(runId, mode) {
      const job = jobs.get(runId);
      if (!job || job.finished) return false;
      if (!job.child) {
        cancelQueued(job);
        return true;
      }
      if (mode === 'kill') job.child.kill();
      else job.child.send({ type: 'stop' });
      return true;
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },

    async listRuns() {
      const live = new Set(active().map((j) => j.runDir));
      const waiting = new Set(queue.map((j) => j.runDir));
      return listRunDirs(runsRoot)
        .map((d) => summarizeRun(d, live.has(d)))
        .filter((s): s is RunSummary => s !== null)
        .map((s) => (waiting.has(s.runDir) ? { ...s, status: 'queued' as const } : s));
    },

    async getRunEvents(runId) {
      if (!isRunId(runId)) throw new JobError('bad-request', 'runId must be a run folder name');
      const dir = jobs.get(runId)?.runDir ?? path.join(runsRoot, runId);
      if (!existsSync(dir)) throw new JobError('not-found', `no run ${runId} in ${runsRoot}`);
      return readEvents(dir);
    },

    running() {
      return active().map((j) => j.runId);
    },

    queued() {
      return queue.map((j) => j.runId);
    },

    dispose() {
      listeners.clear();
      for (const j of queue.splice(0)) j.finished = true;
      for (const j of jobs.values()) if (!j.finished) j.child?.kill();
    },
  };
}
