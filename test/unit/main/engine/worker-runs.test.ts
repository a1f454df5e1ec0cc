/**
 * The trainer as a page's Web Worker runs it — its store and data source are Api calls
 * (renderer/training/worker-store.ts) answered by the real Node Api and main/engine/worker-runs.ts
 * through the dispatcher — against the same trainer in the training process's host on a run
 * folder of its own. Both on the wasm backend in this one process, so everything must agree
 * exactly: events, checkpoints (verified by their manifests), a stop and a resume, and the
 * failure messages. Also the Node side's own rules: only the lock's holder writes, and a silent
 * worker loses the lock.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Api, Result, WorkerRunOp, WorkerRunRequest } from '../../../../shared/api';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig, type TrainingEvent } from '../../../../shared/training';
import { createNodeApi } from '../../../../main/api/node-api';
import { dispatch } from '../../../../main/api/dispatch';
import { initBackend } from '../../../../main/engine/backends/index';
import { runTraining } from '../../../../main/engine/node-trainer';
import { LEASE_MS, createWorkerRuns } from '../../../../main/engine/worker-runs';
import { trainRun, type TrainerHost } from '../../../../main/engine-core/trainer';
import { listCheckpoints, verifyCheckpoint } from '../../../../main/runs/checkpoints';
import { readEvents } from '../../../../main/runs/run-folder';
import { apiFashionSource, apiRunStore, type CallApi } from '../../../../renderer/training/worker-store';
import { newRun, ofType, reluLenet, tmpRoot } from './train-helpers';

const DATA = '/usr/share/datasets/fashion-mnist';
// wasm: deterministic in one process like cpu, and several times faster on a shared machine.
const CONFIG: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, backend: 'wasm', epochs: 1, batchSize: 32, limit: 64, valLimit: 32, seed: 3, dataDir: DATA };

/** The worker's side of the page: its calls go to the real Api through the dispatcher, as the socket hands them over. */
function workerApi(runsRoot: string, now?: () => number): { api: Api; call: CallApi; dispose(): void } {
  const workerRuns = createWorkerRuns({ runsRoot, now });
  const api = createNodeApi({ runsRoot, workerRuns });
  // Through JSON, as over the socket: nothing but plain data crosses.
  const call: CallApi = async ({ name, arg }) => JSON.parse(JSON.stringify(await dispatch(api, name, [JSON.parse(JSON.stringify(arg))]))) as Result<unknown>;
  return { api, call, dispose: () => workerRuns.dispose() };
}

function workerHost(call: CallApi): TrainerHost {
  return {
    initBackend: (choice) => initBackend(choice, { readsAsync: true }),
    data: (dir) => apiFashionSource(call, dir),
    tick: () => new Promise((r) => setImmediate(r)),
  };
}

/** Events without what differs between any two runs: ids, folders, times, speeds. */
function comparable(events: TrainingEvent[]): unknown[] {
  return events.map((e) => {
    const { runId: _r, ...rest } = e as Record<string, unknown>;
    for (const k of ['runDir', 'path', 'samples_per_s', 'eta_s', 'seconds', 'message']) delete rest[k];
    return rest;
  });
}

async function workerRun(runsRoot: string, call: CallApi, api: Api, opts: { stopAfter?: number; resume?: string; config?: TrainConfig } = {}) {
  let runId = opts.resume;
  if (!runId) {
    const created = await api.createWorkerRun({ graph: reluLenet(), config: opts.config ?? CONFIG });
    if (!created.ok) throw new Error(created.error.message);
    runId = created.value.runId;
  }
  const runDir = path.join(runsRoot, runId);
  const events: TrainingEvent[] = [];
  let batches = 0;
  const outcome = await trainRun(apiRunStore(call, runId, runDir), workerHost(call), {
    emit: (e) => { events.push(e); if (e.event === 'batch') batches++; },
    shouldStop: () => opts.stopAfter !== undefined && batches >= opts.stopAfter,
  }, { resume: Boolean(opts.resume) });
  return { runId, runDir, events, outcome };
}

describe('the trainer on the Api store (a Web Worker\'s) and on the run folder (the training process\'s)', () => {
  it('writes the same run: events, final state and checkpoints with manifests that verify', async () => {
    const root = tmpRoot();
    const w = workerApi(root);
    try {
      const viaApi = await workerRun(root, w.call, w.api);
      const direct = newRun(reluLenet(), CONFIG, tmpRoot());
      const directEvents: TrainingEvent[] = [];
      expect(await runTraining(direct.runDir, { emit: (e) => directEvents.push(e), shouldStop: () => false })).toBe('done');
      expect(viaApi.outcome).toBe('done');

      expect(comparable(viaApi.events)).toEqual(comparable(directEvents));
      expect(comparable(readEvents(viaApi.runDir))).toEqual(comparable(readEvents(direct.runDir)));
      expect(ofType(viaApi.events, 'start')[0].runDir).toBe(viaApi.runDir);
      const final = JSON.parse(readFileSync(path.join(viaApi.runDir, 'final.json'), 'utf8'));
      expect(final).toMatchObject({ status: 'done', epochs: 1, backend: 'wasm' });
      expect(listCheckpoints(viaApi.runDir).map((c) => path.basename(c))).toEqual(listCheckpoints(direct.runDir).map((c) => path.basename(c)));
      for (const c of listCheckpoints(viaApi.runDir)) {
        expect(() => verifyCheckpoint(viaApi.runDir, c)).not.toThrow();
        // The same weights, byte for byte: the artifacts crossed the Api in parts and were written by the Node side.
        expect(readFileSync(path.join(c, 'weights.bin'))).toEqual(readFileSync(path.join(direct.runDir, 'checkpoints', path.basename(c), 'weights.bin')));
      }
      expect(existsSync(path.join(viaApi.runDir, 'running.json'))).toBe(false);
    } finally {
      w.dispose();
    }
  }, 900_000);

  // Adam's moments are Float32Arrays, which JSON cannot carry: they cross as bytes after the weights.
  const OPTIMIZERS: [string, TrainConfig][] = [
    ['plain SGD', CONFIG],
    ['Adam, its moments saved and restored through the Api', { ...CONFIG, optimizer: 'adam', lr: 0.001 }],
  ];
  it.each(OPTIMIZERS)('stops with a checkpoint and resumes from it through the Api, ending where an unbroken run ends (%s)', async (_name, config) => {
    const root = tmpRoot();
    const w = workerApi(root);
    try {
      const first = await workerRun(root, w.call, w.api, { stopAfter: 1, config });
      expect(first.outcome).toBe('stopped');
      expect(ofType(first.events, 'checkpoint').map((e) => path.basename(e.path))).toEqual(['e0000-b00001']);
      const stopped = path.join(first.runDir, 'checkpoints', 'e0000-b00001');
      // Plain SGD has no state to keep; Adam's two moments per weight fill optimizer.bin.
      expect(readFileSync(path.join(stopped, 'optimizer.bin')).length > 0).toBe(config.optimizer === 'adam');
      expect(() => verifyCheckpoint(first.runDir, stopped)).not.toThrow();
      const second = await workerRun(root, w.call, w.api, { resume: first.runId, config });
      expect(second.outcome).toBe('done');
      expect(ofType(second.events, 'resume')[0]).toMatchObject({ epoch: 0, batch: 1, checkpoint: 'e0000-b00001' });

      expect(ofType(second.events, 'start')[0].note ?? '').not.toContain('optimizer');
      const unbroken = await workerRun(root, w.call, w.api, { config });
      const losses = (es: TrainingEvent[]) => ofType(es, 'batch').map((e) => e.loss);
      expect([...losses(first.events), ...losses(second.events)]).toEqual(losses(unbroken.events));
      expect(ofType(second.events, 'epoch').at(-1)).toEqual({ ...ofType(unbroken.events, 'epoch').at(-1), runId: second.runId, samples_per_s: expect.any(Number), eta_s: expect.any(Number), seconds: expect.any(Number) });
    } finally {
      w.dispose();
    }
  }, 900_000);

  it('fails with the training process\'s words: missing data, and a run another trainer holds', async () => {
    const root = tmpRoot();
    const w = workerApi(root);
    try {
      const missing = { ...CONFIG, dataDir: path.join(root, 'no-such-folder') };
      const created = await w.api.createWorkerRun({ graph: reluLenet(), config: missing });
      if (!created.ok) throw new Error(created.error.message);
      const viaApi: TrainingEvent[] = [];
      await trainRun(apiRunStore(w.call, created.value.runId, path.join(root, created.value.runId)), workerHost(w.call), { emit: (e) => viaApi.push(e), shouldStop: () => false });
      const direct: TrainingEvent[] = [];
      await runTraining(newRun(reluLenet(), missing, tmpRoot()).runDir, { emit: (e) => direct.push(e), shouldStop: () => false });
      expect(ofType(viaApi, 'error')[0]).toEqual({ ...ofType(direct, 'error')[0], runId: created.value.runId });
      expect(ofType(viaApi, 'error')[0].code).toBe('data');

      // The Node side holds this run's lock for a worker; the training process is refused it, and so is a second worker.
      const held = await w.call({ name: 'workerRun', arg: { runId: created.value.runId, op: 'lock' } });
      expect(held.ok).toBe(true);
      const refused: TrainingEvent[] = [];
      expect(await runTraining(path.join(root, created.value.runId), { emit: (e) => refused.push(e), shouldStop: () => false })).toBe('failed');
      expect(ofType(refused, 'error')[0].code).toBe('run-locked');
      const again: TrainingEvent[] = [];
      await trainRun(apiRunStore(w.call, created.value.runId, path.join(root, created.value.runId)), workerHost(w.call), { emit: (e) => again.push(e), shouldStop: () => false });
      expect(ofType(again, 'error')[0]).toMatchObject({ code: 'run-locked', message: expect.stringContaining('already being trained') });
    } finally {
      w.dispose();
    }
  }, 900_000);
});

describe('the Node side of worker runs', () => {
  const setup = async (now?: () => number) => {
    const root = tmpRoot();
    const w = workerApi(root, now);
    const created = await w.api.createWorkerRun({ graph: reluLenet(), config: CONFIG });
    if (!created.ok) throw new Error(created.error.message);
    const ask = (op: WorkerRunOp, owner?: string) => w.call({ name: 'workerRun', arg: { runId: created.value.runId, ...op, ...(owner ? { owner } : {}) } as WorkerRunRequest });
    return { ...w, ...created.value, ask };
  };

  const WRITES: [string, WorkerRunOp][] = [
    ['append', { op: 'append', event: { event: 'queued', runId: 'x', position: 1, running: 1, limit: 1 } }],
    ['writeFinal', { op: 'writeFinal', final: {} }],
    ['writeConfig', { op: 'writeConfig', config: {} }],
    ['putWeights', { op: 'putWeights', part: '', first: true }],
    ['saveCheckpoint', { op: 'saveCheckpoint', model: { modelTopology: {}, weightSpecs: [] }, state: {} }],
    ['repairEvents', { op: 'repairEvents' }],
  ];
  it.each(WRITES)('refuses %s without the run\'s lock, naming the lock', async (_name, op) => {
    const s = await setup();
    try {
      const r = await s.ask(op);
      expect(r).toMatchObject({ ok: false, error: { code: 'run-folder', details: { problem: 'locked' } } });
    } finally {
      s.dispose();
    }
  });

  it('gives the lock up when the worker has been silent past the lease, and refuses its next write', async () => {
    let t = 0;
    const s = await setup(() => t);
    try {
      const event = { event: 'queued', runId: s.runId, position: 1, running: 1, limit: 1 } as const;
      expect((await s.ask({ op: 'lock' })).ok).toBe(true);
      expect(existsSync(path.join(s.runDir, 'running.json'))).toBe(true);
      t = LEASE_MS - 1;
      expect((await s.ask({ op: 'readEvents' })).ok).toBe(true);
      // Past the lease counted from the lock, inside the one the last call renewed.
      t = LEASE_MS + 10;
      expect(await s.ask({ op: 'append', event })).toEqual({ ok: true, value: null });
      t += LEASE_MS + 1;
      const r = await s.ask({ op: 'append', event });
      expect(r).toMatchObject({ ok: false, error: { code: 'run-folder', details: { problem: 'locked' } } });
      expect(existsSync(path.join(s.runDir, 'running.json'))).toBe(false);
      // The run reads as failed, with what resuming gives, not as running for ever.
      expect(JSON.parse(readFileSync(path.join(s.runDir, 'final.json'), 'utf8'))).toMatchObject({ status: 'failed', message: expect.stringContaining('lost its page') });
    } finally {
      s.dispose();
    }
  });

  it('tells a crashed worker like a dead training process, records the failure and frees the run', async () => {
    const s = await setup();
    try {
      await s.ask({ op: 'lock' });
      const r = await s.ask({ op: 'abandon', killed: false, reason: 'crashed (out of memory)' });
      expect(r).toEqual({ ok: true, value: { abandoned: true, otherPage: false, message: 'The training worker crashed (out of memory) before finishing; it had saved no checkpoint yet, so resuming it starts over from epoch 1.' } });
      expect(JSON.parse(readFileSync(path.join(s.runDir, 'final.json'), 'utf8'))).toMatchObject({ status: 'failed', message: expect.stringContaining('crashed (out of memory)') });
      expect(existsSync(path.join(s.runDir, 'running.json'))).toBe(false);
    } finally {
      s.dispose();
    }
  });

  it("keeps the page's heartbeat as a call, and leaves another tab's run alone when a reloaded page settles its own", async () => {
    let t = 0;
    const s = await setup(() => t);
    try {
      expect((await s.ask({ op: 'lock' }, 'tab-a')).ok).toBe(true);
      t = LEASE_MS - 1;
      expect(await s.ask({ op: 'heartbeat' }, 'tab-a')).toEqual({ ok: true, value: { held: true } });
      t += LEASE_MS - 1;
      // Alive on the heartbeat alone.
      expect(await s.ask({ op: 'heartbeat' }, 'tab-a')).toEqual({ ok: true, value: { held: true } });
      // Another tab reloading: not its run.
      expect(await s.ask({ op: 'abandon', killed: false, reason: 'stopped when its page was reloaded' }, 'tab-b')).toEqual({ ok: true, value: { abandoned: false, otherPage: true, message: null } });
      expect(existsSync(path.join(s.runDir, 'running.json'))).toBe(true);
      // The same tab, reloaded: its lost worker's run is ended and said to be so.
      const r = await s.ask({ op: 'abandon', killed: false, reason: 'stopped when its page was reloaded' }, 'tab-a');
      expect(r).toMatchObject({ ok: true, value: { abandoned: true, otherPage: false, message: expect.stringContaining('stopped when its page was reloaded before finishing') } });
      expect(existsSync(path.join(s.runDir, 'running.json'))).toBe(false);
      expect(JSON.parse(readFileSync(path.join(s.runDir, 'final.json'), 'utf8'))).toMatchObject({ status: 'failed' });
      expect(await s.ask({ op: 'heartbeat' }, 'tab-a')).toEqual({ ok: true, value: { held: false } });
    } finally {
      s.dispose();
    }
  });

  const BAD_SAMPLES: [string, unknown, string][] = [
    ['an index past the set', { split: 'test', dataDir: DATA, indices: [10_000] }, 'not an index of the test set'],
    ['a fraction', { split: 'train', dataDir: DATA, indices: [1.5] }, 'not an index'],
    ['too many at once', { split: 'train', dataDir: DATA, indices: Array.from({ length: 4097 }, (_, i) => i) }, 'At most 4096'],
    ['an unknown split', { split: 'validation', dataDir: DATA, indices: [] }, 'Expected { split'],
  ];
  it.each(BAD_SAMPLES)('refuses Fashion-MNIST samples for %s', async (_name, req, words) => {
    const s = await setup();
    try {
      const r = await s.call({ name: 'fashionSamples', arg: req as never });
      expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining(words) } });
    } finally {
      s.dispose();
    }
  }, 60_000);
});
