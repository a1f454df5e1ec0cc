/**
 * The Node side of runs that a page's Web Worker trains (browser mode, the browser's own WebGPU):
 * it creates the run folder like any run, then does each RunStore operation the worker's trainer
 * asks for (renderer/training/worker-store.ts) on that folder with the training process's own
 * code (main/runs/), so a worker's run folder is a normal one: config.json, metrics.jsonl, final.json,
 * checkpoints with manifests that load verifies.
 *
 * The run's lock (running.json) is taken here on the worker's behalf and held while the worker
 * asks for things. Only the lock's holder may write the run. A page that goes away without a word
 * (tab closed, machine asleep) would hold it for ever: after LEASE_MS without a call (the worker's
 * or the page's heartbeat) the lock is given up, the run is recorded as failed with what resuming
 * gives, and the worker's next write is refused as a lost lock. A page reloaded in the same tab
 * says so at once (abandon, with the owner its tab keeps).
 */

import type { io } from '@tensorflow/tfjs-core';
import path from 'node:path';
import { existsSync } from 'node:fs';
import {
  MAX_SAMPLES_PER_CALL, WORKER_WEIGHT_PART_BYTES, fail, ok, packOptimizerState, unpackOptimizerState,
  type AbandonReply, type FashionSamples, type FashionSamplesRequest, type OptimizerStateListing, type Result, type WorkerRunRequest,
} from '../../shared/api';
import type { TrainingEvent } from '../../shared/training';
import type { TrainingPlan } from '../../shared/training/plan';
import { checkTrainConfig } from '../../shared/training/settings';
import type { FinalFile, RunConfigFile, TrainState } from '../engine-core/run-store';
import { loadFashionMnist, DataError, type FashionMnist } from '../data/fashion-mnist';
import { readLatestCheckpoint, savableArtifacts, saveCheckpoint } from '../runs/checkpoints';
import { RunFolderError } from '../runs/errors';
import { CONFIG_JSON, GRAPH_JSON, createRun, isRunId, writeFinal } from '../runs/run-folder';
import { acquireRunLock, type RunLock } from '../runs/run-lock';
import { nodeRunStore } from '../runs/run-store';
import { resumeAdvice } from './jobs';

/**
 * A run whose page and worker are silent this long has lost its page. The page sends a heartbeat
 * every WORKER_HEARTBEAT_MS while its worker computes; a hidden tab's timers may slow to once a minute.
 */
export const LEASE_MS = 3 * 60_000;
const MAX_OWNER = 64;

export interface WorkerRuns {
  create(plan: TrainingPlan): Promise<{ runId: string; runDir: string }>;
  call(req: WorkerRunRequest): Promise<Result<unknown>>;
  samples(req: FashionSamplesRequest): Promise<Result<FashionSamples>>;
  /** Gives up every lock still held (the server is closing). */
  dispose(): void;
}

interface Held {
  lock: RunLock;
  /** The page that took the lock (its tab's token); null for a caller that gave none. */
  owner: string | null;
  lastCall: number;
  /** Weights put so far for the next checkpoint. */
  staged: Buffer[];
  /** The weights of the checkpoint loadLatestCheckpoint returned, for getWeights. */
  loaded: Buffer | null;
}

/** What the page and the run folder are told when a run's worker is gone without finishing. */
const lostMessage = (runDir: string, why: string): string => `The training worker ${why} before finishing; ${resumeAdvice(runDir)}.`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A RunFolderError as an Api error the worker's store turns back into one (same problem, file and fix). */
function asFailure(err: unknown): Result<never> {
  if (err instanceof RunFolderError) return fail('run-folder', err.message, { problem: err.problem, file: err.file, fix: err.fix });
  if (err instanceof DataError) return fail('data', err.message);
  return fail('internal', (err as Error)?.message ?? String(err));
}

export function createWorkerRuns(opts: { runsRoot: string; now?: () => number }): WorkerRuns {
  const runsRoot = path.resolve(opts.runsRoot);
  const now = opts.now ?? Date.now;
  const held = new Map<string, Held>();
  let data: { dir: string | null; value: Promise<FashionMnist> } | null = null;

  /** Records a run whose worker is gone as failed, with what resuming gives; frees it. */
  const recordLost = (runId: string, h: Held, why: string): string => {
    const runDir = path.join(runsRoot, runId);
    const message = lostMessage(runDir, why);
    if (h.lock.held()) {
      try {
        writeFinal(runDir, { status: 'failed', epochs: 0, train_loss: null, val_loss: null, val_acc: null, seconds: 0, backend: 'webgpu', device: null, message, finishedAt: new Date().toISOString() });
      } catch { /* the page is told anyway; the run then reads as interrupted */ }
    }
    h.lock.release();
    held.delete(runId);
    return message;
  };
  const expire = () => {
    for (const [runId, h] of held) {
      if (now() - h.lastCall > LEASE_MS) recordLost(runId, h, `lost its page (closed, reloaded or asleep for ${Math.round(LEASE_MS / 60_000)} minutes)`);
    }
  };
  const timer = setInterval(expire, 60_000);
  timer.unref?.();

  const lostLock = (runDir: string) => new RunFolderError('locked', path.join(runDir, 'running.json'),
    'This run\'s lock was given up (its page was silent too long, or the server restarted); the worker stops without writing, to leave the run to whoever holds it now.',
    'Resume the run to continue it.');

  async function op(req: WorkerRunRequest, runDir: string): Promise<unknown> {
    const store = nodeRunStore(runDir);
    const mine = held.get(req.runId);
    if (mine) mine.lastCall = now();
    const writing = () => {
      if (!mine || !mine.lock.held()) {
        if (mine) held.delete(req.runId);
        throw lostLock(runDir);
      }
      return mine;
    };
    switch (req.op) {
      case 'readConfig': return store.readConfig();
      case 'readGraphText': return store.readGraphText();
      case 'readEvents': return store.readEvents();
      case 'latestCheckpoint': return store.latestCheckpoint();
      case 'lock': {
        if (mine?.lock.held()) throw new RunFolderError('locked', path.join(runDir, 'running.json'), 'This run is already being trained by a worker of this page; stop it first.', 'Train each run in one place at a time.');
        const lock = acquireRunLock(runDir);
        const owner = typeof req.owner === 'string' && req.owner.length > 0 ? req.owner.slice(0, MAX_OWNER) : null;
        held.set(req.runId, { lock, owner, lastCall: now(), staged: [], loaded: null });
        return { tookOver: lock.tookOver ? { pid: lock.tookOver.pid, since: lock.tookOver.since } : null };
      }
      case 'release':
        mine?.lock.release();
        held.delete(req.runId);
        return null;
      case 'repairEvents': writing(); return store.repairEvents();
      case 'append': {
        writing();
        const e = req.event as TrainingEvent;
        if (!isObject(e) || typeof e.event !== 'string' || e.runId !== req.runId) throw new Error(`an event of run ${req.runId} must name it as its runId`);
        await store.append(e);
        return null;
      }
      case 'writeConfig': {
        writing();
        const cfg = req.config as RunConfigFile;
        const checked = isObject(cfg) ? checkTrainConfig(cfg.config) : null;
        if (!checked?.ok || cfg.runId !== req.runId) throw new Error(`${CONFIG_JSON} for run ${req.runId} must hold its runId and valid settings${checked && !checked.ok ? `: ${checked.message}` : ''}`);
        await store.writeConfig({ ...cfg, config: checked.value });
        return null;
      }
      case 'writeFinal': writing(); await store.writeFinal(req.final as FinalFile); return null;
      case 'putWeights': {
        const h = writing();
        if (req.first) h.staged = [];
        h.staged.push(Buffer.from(req.part, 'base64'));
        return null;
      }
      case 'saveCheckpoint': {
        const h = writing();
        const staged = Buffer.concat(h.staged);
        h.staged = [];
        // The optimizer's arrays came as bytes after the weights (shared/api.ts, OptimizerStateListing).
        const weightBytes = req.weightBytes ?? staged.length;
        if (!Number.isInteger(weightBytes) || weightBytes < 0 || weightBytes > staged.length) throw new Error(`saveCheckpoint's weightBytes must be a whole number of at most the ${staged.length} bytes sent`);
        const weightData = staged.subarray(0, weightBytes);
        const { optimizer: listing, ...rest } = (isObject(req.state) ? req.state : {}) as Omit<TrainState, 'optimizer'> & { optimizer?: OptimizerStateListing | null };
        if (!listing && weightBytes !== staged.length) throw new Error(`saveCheckpoint got ${staged.length - weightBytes} bytes past the weights but no optimizer state to hold them`);
        const state: TrainState = listing ? { ...rest, optimizer: unpackOptimizerState(listing, staged.subarray(weightBytes)) } : rest;
        const m = req.model;
        const artifacts = {
          modelTopology: m.modelTopology as object, weightSpecs: m.weightSpecs as io.WeightsManifestEntry[], format: m.format, generatedBy: m.generatedBy, convertedBy: m.convertedBy ?? null,
          weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer,
        };
        return saveCheckpoint(runDir, savableArtifacts(artifacts), state);
      }
      case 'loadLatestCheckpoint': {
        const h = writing();
        const got = await readLatestCheckpoint(runDir);
        if (!got.loaded) { h.loaded = null; return { loaded: null, rejected: got.rejected }; }
        const { weightData, ...model } = got.loaded.model;
        const bytes = weightData == null ? Buffer.alloc(0) : Buffer.from(weightData as ArrayBuffer);
        const { optimizer, ...rest } = got.loaded.state;
        const packed = optimizer ? packOptimizerState(optimizer) : null;
        // getWeights serves the optimizer's bytes after the weights', as saveCheckpoint took them.
        h.loaded = packed ? Buffer.concat([bytes, Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength)]) : bytes;
        return {
          loaded: { model, weightBytes: bytes.length, optimizerBytes: packed?.bytes.length ?? 0, state: { ...rest, optimizer: packed?.listing ?? null }, path: got.loaded.path },
          rejected: got.rejected,
        };
      }
      case 'getWeights': {
        const h = writing();
        if (!h.loaded) throw new Error('no checkpoint was loaded to read weights from');
        const { offset, length } = req;
        if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || length > WORKER_WEIGHT_PART_BYTES) throw new Error(`getWeights takes a whole offset and a length of at most ${WORKER_WEIGHT_PART_BYTES} bytes`);
        return h.loaded.subarray(offset, offset + length).toString('base64');
      }
      case 'heartbeat': return { held: Boolean(mine?.lock.held()) };
      case 'abandon': {
        // The page's worker is gone. A crash is a failed run, told like a training process's death
        // (jobs.ts); a kill on request is like SIGKILL: nothing more is written. Another tab's run
        // is not this page's to end.
        if (mine?.owner && mine.owner !== req.owner) return { abandoned: false, otherPage: true, message: null } satisfies AbandonReply;
        const reason = typeof req.reason === 'string' ? req.reason.slice(0, 200) : 'stopped';
        if (!mine) return { abandoned: false, otherPage: false, message: req.killed ? null : lostMessage(runDir, reason) } satisfies AbandonReply;
        if (req.killed) {
          mine.lock.release();
          held.delete(req.runId);
          return { abandoned: true, otherPage: false, message: null } satisfies AbandonReply;
        }
        return { abandoned: true, otherPage: false, message: recordLost(req.runId, mine, reason) } satisfies AbandonReply;
      }
    }
  }

  return {
    async create(plan) {
      try {
        return createRun(runsRoot, plan.doc, plan.config);
      } catch (err) {
        throw err instanceof RunFolderError ? Object.assign(new Error(err.message), { code: 'run-folder', details: { problem: err.problem, file: err.file, fix: err.fix } }) : err;
      }
    },

    async call(req) {
      expire();
      if (!isObject(req) || !isRunId(req.runId)) return fail('bad-request', 'Expected { runId, op } with a run id (letters, digits, ".", "_", "-").');
      const runDir = path.join(runsRoot, req.runId);
      if (!existsSync(path.join(runDir, CONFIG_JSON)) || !existsSync(path.join(runDir, GRAPH_JSON))) return fail('not-found', `No run "${req.runId}" in ${runsRoot}.`);
      try {
        return ok((await op(req, runDir)) ?? null);
      } catch (err) {
        return asFailure(err);
      }
    },

    async samples(req) {
      if (!isObject(req) || (req.split !== 'train' && req.split !== 'test') || !Array.isArray(req.indices)) return fail('bad-request', 'Expected { split: "train" | "test", dataDir, indices: number[] }.');
      if (req.indices.length > MAX_SAMPLES_PER_CALL) return fail('bad-request', `At most ${MAX_SAMPLES_PER_CALL} samples per call (got ${req.indices.length}).`);
      const dir = typeof req.dataDir === 'string' ? req.dataDir : null;
      if (!data || data.dir !== dir) data = { dir, value: loadFashionMnist({ dir }) };
      let split;
      try {
        split = (await data.value)[req.split];
      } catch (err) {
        data = null;
        return asFailure(err);
      }
      const plane = split.height * split.width;
      const images = Buffer.alloc(req.indices.length * plane);
      const labels = Buffer.alloc(req.indices.length);
      for (let i = 0; i < req.indices.length; i++) {
        const idx = req.indices[i];
        if (!Number.isInteger(idx) || idx < 0 || idx >= split.count) return fail('bad-request', `Sample ${String(idx)} is not an index of the ${req.split} set (0 to ${split.count - 1}).`);
        images.set(split.images.subarray(idx * plane, (idx + 1) * plane), i * plane);
        labels[i] = split.labels[idx];
      }
      return ok({ count: split.count, height: split.height, width: split.width, images: images.toString('base64'), labels: labels.toString('base64') });
    },

    dispose() {
      clearInterval(timer);
      for (const h of held.values()) h.lock.release();
      held.clear();
    },
  };
}
