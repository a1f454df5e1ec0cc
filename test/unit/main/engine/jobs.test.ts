/** The job manager with real training processes (child_process.fork + tsx), on real data. */

import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createJobManager, defaultMaxConcurrent, JobError, type JobManager } from '../../../../main/engine/jobs';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { listCheckpoints } from '../../../../main/runs/checkpoints';
import { readEvents, readFinal, readRunConfig } from '../../../../main/runs/run-folder';
import { DEFAULT_TRAIN_CONFIG, type TrainingEvent } from '../../../../shared/training';
import { chain } from './graph-helpers';
import { ofType, reluLenet, tmpRoot } from './train-helpers';

const config = { ...DEFAULT_TRAIN_CONFIG, backend: 'wasm' as const, batchSize: 64, limit: 640, valLimit: 100, dataDir: SYSTEM_DATA_DIR };

let jobs: JobManager | null = null;
afterEach(() => { jobs?.dispose(); jobs = null; });

/** Collects a run's events until its process exits; `on` may act on each event as it arrives. */
function collect(m: JobManager, runId: () => string | null, on?: (e: TrainingEvent) => void): Promise<TrainingEvent[]> {
  return new Promise((resolve) => {
    const events: TrainingEvent[] = [];
    const off = m.onEvent((e) => {
      if (e.runId !== runId()) return;
      events.push(e);
      on?.(e);
      if (e.event === 'exit') { off(); resolve(events); }
    });
  });
}

// Tests fork one to three training processes each; on 2 shared, busy cores that takes minutes, so
// the time limit is generous (never asserted).
const SLOW = { timeout: 900_000 };

describe('job manager', SLOW, () => {
  it('a hard kill mid-epoch leaves a run that resumes from its last checkpoint', async () => {
    const m = (jobs = createJobManager({ runsRoot: tmpRoot() }));
    let id: string | null = null;
    const done = collect(m, () => id, (e) => {
      if (e.event === 'batch' && e.epoch === 2 && e.batch === 3) m.stop(e.runId, 'kill');
    });
    const { runId, runDir } = await m.start({ graph: reluLenet(), config: { ...config, epochs: 3 } });
    id = runId;
    const events = await done;
    const exit = ofType(events, 'exit')[0];
    expect(exit.signal).toBe('SIGKILL');
    expect(ofType(events, 'error')[0]).toMatchObject({ code: 'process-exit', message: expect.stringMatching(/can be resumed from its last checkpoint \(e0001-b00000\)/) });
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual(['e0001-b00000']);
    const [summary] = await m.listRuns();
    expect(summary).toMatchObject({ runId, status: 'interrupted', epochsDone: 1 });
    // The killed process never released its lock; its batches past the checkpoint are on disk.
    const killedPid = JSON.parse(readFileSync(path.join(runDir, 'running.json'), 'utf8')).pid as number;
    const lostBatches = ofType(events, 'batch').filter((e) => e.epoch === 2);
    expect(lostBatches.length).toBeGreaterThanOrEqual(3);

    const resumed = collect(m, () => id);
    expect(await m.resume(runDir)).toEqual({ runId, runDir });
    const after = await resumed;
    expect(ofType(after, 'exit')[0].code).toBe(0);
    expect(ofType(after, 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
    expect(ofType(after, 'batch')[0]).toMatchObject({ epoch: 2, batch: 1 });
    expect(readFinal(runDir)).toMatchObject({ status: 'done', epochs: 3 });
    expect((await m.listRuns())[0]).toMatchObject({ status: 'done', epochsDone: 3 });
    // Every event of both processes is on disk, in order, and the break between them is marked.
    const stored = await m.getRunEvents(runId);
    expect(ofType(stored, 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3]);
    const firstAttempt = stored.slice(0, stored.findIndex((e) => e.event === 'resume'));
    expect(ofType(firstAttempt, 'batch').filter((e) => e.epoch === 2).map((e) => e.batch)).toEqual(lostBatches.map((e) => e.batch));
    const [resume] = ofType(stored, 'resume');
    expect(resume).toMatchObject({ previous: 'interrupted', epoch: 1, batch: 0, checkpoint: 'e0001-b00000', superseded: lostBatches.length });
    expect(resume.message).toContain(`The previous attempt ended without finishing at epoch 2, batch ${lostBatches.at(-1)!.batch} (the process was killed or crashed).`);
    expect(resume.message).toContain(`Took over the run lock of process ${killedPid}`);
    expect(stored[stored.indexOf(resume) + 1].event).toBe('start');
    expect(existsSync(path.join(runDir, 'running.json'))).toBe(false);
  });

  it('a kill before the first checkpoint does not promise a resume from one', async () => {
    const m = (jobs = createJobManager({ runsRoot: tmpRoot() }));
    let id: string | null = null;
    const done = collect(m, () => id, (e) => { if (e.event === 'batch' && e.batch === 2) m.stop(e.runId, 'kill'); });
    id = (await m.start({ graph: reluLenet(), config: { ...config, epochs: 1 } })).runId;
    const [err] = ofType(await done, 'error');
    expect(err.message).toMatch(/^The training process was killed \(SIGKILL\) before finishing; it had saved no checkpoint yet, so resuming it starts over from epoch 1\.$/);
  });

  it('two resumes of one run at once: one trains, the other is refused by the run lock and writes nothing', async () => {
    const root = tmpRoot();
    const first = (jobs = createJobManager({ runsRoot: root }));
    const second = createJobManager({ runsRoot: root });
    try {
      let id: string | null = null;
      const done = collect(first, () => id);
      const { runId, runDir } = await first.start({ graph: reluLenet(), config: { ...config, epochs: 1 } });
      id = runId;
      await done;
      const before = readEvents(runDir).length;
      // Both ask before either process has started, so both spawn one; the lock decides.
      const a = collect(first, () => runId);
      const b = collect(second, () => runId);
      await Promise.all([first.resume(runDir, { epochs: 3 }), second.resume(runDir, { epochs: 3 })]);
      const [ea, eb] = await Promise.all([a, b]);
      const trained = ofType(ea, 'epoch').length ? ea : eb;
      const refused = trained === ea ? eb : ea;
      expect(ofType(trained, 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
      expect(ofType(refused, 'epoch')).toEqual([]);
      expect(ofType(refused, 'error')[0]).toMatchObject({ code: 'run-locked', message: expect.stringMatching(/^The run .* is already being trained by process \d+ \(since .*\)\. Wait for it to finish, or stop it first\.$/) });
      expect(ofType(refused, 'exit')[0].code).toBe(1);
      const stored = readEvents(runDir).slice(before);
      expect(ofType(stored, 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
      expect(ofType(stored, 'done')).toHaveLength(1);
      expect(ofType(stored, 'error')).toEqual([]);
      expect(readFinal(runDir)).toMatchObject({ status: 'done', epochs: 3 });

      // While one trains, a resume elsewhere is refused at once, before any process starts.
      let refusal: unknown = null;
      const c = collect(first, () => runId, (e) => {
        if (e.event === 'batch' && e.batch === 1 && !refusal) refusal = second.resume(runDir, { epochs: 5 }).then(() => 'started', (x: unknown) => x);
      });
      await first.resume(runDir, { epochs: 4 });
      await c;
      expect(await refusal).toMatchObject({ code: 'busy', message: expect.stringMatching(/already being trained by process \d+/) });
      expect(readRunConfig(runDir).config.epochs).toBe(4);
    } finally {
      second.dispose();
    }
  });

  it('a graceful stop finishes the batch, checkpoints, and exits 130', async () => {
    const root = tmpRoot();
    const m = (jobs = createJobManager({ runsRoot: root }));
    let id: string | null = null;
    let asked = false;
    // Another process's view of the same runs folder (the app while the CLI trains).
    const other = createJobManager({ runsRoot: root });
    let otherSaw: Promise<string> | null = null;
    const done = collect(m, () => id, (e) => {
      if (e.event === 'batch' && !asked) {
        asked = true;
        otherSaw = other.listRuns().then((r) => r[0].status);
        expect(m.stop(e.runId, 'graceful')).toBe(true);
      }
    });
    const { runId, runDir } = await m.start({ graph: reluLenet(), config: { ...config, epochs: 2 } });
    id = runId;
    const events = await done;
    expect(ofType(events, 'done')[0]).toMatchObject({ stopped: true });
    expect(ofType(events, 'exit')[0].code).toBe(130);
    expect(listCheckpoints(runDir)).toHaveLength(1);
    expect(readFinal(runDir)?.status).toBe('stopped');
    expect(m.stop(runId, 'graceful')).toBe(false);
    expect(await otherSaw).toBe('running');
    expect((await other.listRuns())[0].status).toBe('stopped');
  });

  it('refuses bad requests before spawning anything', async () => {
    const m = (jobs = createJobManager({ runsRoot: tmpRoot() }));
    const bad = chain([1, 28, 28], ['Conv2d', { out_channels: 4, kernel_size: 40 }], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const refusal = (req: unknown) => m.start(req as never).then(() => null, (x: unknown) => x as JobError);
    expect(await refusal({ graph: bad, config })).toMatchObject({ code: 'invalid-graph', details: { diagnostics: [{ nodeId: 'n1' }] } });
    expect(await refusal({ graph: { junk: true }, config })).toMatchObject({ code: 'invalid-graph' });
    const e = await refusal({ graph: reluLenet(), config: { ...config, epochs: -1 } });
    expect(e).toBeInstanceOf(JobError);
    expect(e).toMatchObject({ code: 'bad-request', details: { settings: { epochs: expect.stringMatching(/epochs/) } } });
    await expect(m.resume('/nonexistent/run', { epochs: 0 })).rejects.toThrow(/not a run folder/);
    await expect(m.getRunEvents('../../etc')).rejects.toThrow(/run folder name/);
    await expect(m.resume('/nonexistent/run')).rejects.toThrow(/not a run folder/);
    expect(m.running()).toEqual([]);
  });
});

describe('bounded training concurrency', SLOW, () => {
  const tiny = { ...config, epochs: 1, limit: 64, valLimit: 32 };

  it('defaults to half the cores, at least 1 and at most 4', () => {
    expect([1, 2, 3, 4, 8, 16, 64].map((c) => defaultMaxConcurrent(c))).toEqual([1, 1, 1, 2, 4, 4, 4]);
  });

  it('with one slot, three runs train one after another; the waiting ones are told their place and shown as queued', async () => {
    const m = (jobs = createJobManager({ runsRoot: tmpRoot(), maxConcurrent: 1 }));
    const events: TrainingEvent[] = [];
    let most = 0;
    let exits = 0;
    const all = new Promise<void>((resolve) => m.onEvent((e) => {
      events.push(e);
      most = Math.max(most, m.running().length);
      if (e.event === 'exit' && ++exits === 3) resolve();
    }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await m.start({ graph: reluLenet(), config: tiny })).runId);
    expect(m.running()).toEqual([ids[0]]);
    expect(m.queued()).toEqual([ids[1], ids[2]]);
    expect((await m.listRuns()).map((r) => [r.runId, r.status]).sort()).toEqual([[ids[0], 'running'], [ids[1], 'queued'], [ids[2], 'queued']].sort());
    await all;
    expect(most).toBe(1);
    const order = events.filter((e) => e.event === 'start' || e.event === 'exit').map((e) => `${e.event} ${ids.indexOf(e.runId)}`);
    expect(order).toEqual(['start 0', 'exit 0', 'start 1', 'exit 1', 'start 2', 'exit 2']);
    const places = (k: number) => ofType(events, 'queued').filter((e) => e.runId === ids[k]).map((e) => e.position);
    expect(places(1)[0]).toBe(1);
    expect(places(2)[0]).toBe(2);
    expect(places(2).at(-1)).toBe(1);
    expect(ofType(events, 'queued').every((e) => e.limit === 1 && e.running === 1)).toBe(true);
    expect(ofType(events, 'exit').map((e) => e.code)).toEqual([0, 0, 0]);
    // The queue is the parent's business, not the run's history.
    expect(readEvents(ofType(events, 'start')[1].runDir).some((e) => e.event === 'queued')).toBe(false);
  });

  it('a queued run can be stopped before it starts; a full queue refuses more', async () => {
    const m = (jobs = createJobManager({ runsRoot: tmpRoot(), maxConcurrent: 1, maxQueued: 1 }));
    const firstDone = collect(m, () => first);
    const first = (await m.start({ graph: reluLenet(), config: tiny })).runId;
    const waiting = await m.start({ graph: reluLenet(), config: tiny });
    const refused = await m.start({ graph: reluLenet(), config: tiny }).then(() => null, (x: unknown) => x);
    expect(refused).toMatchObject({ code: 'busy', message: '1 run is training and 1 more is waiting; wait for one to finish, or stop one, before starting another.' });
    const cancelled = collect(m, () => waiting.runId);
    expect(m.stop(waiting.runId, 'graceful')).toBe(true);
    const events = await cancelled;
    expect(events.map((e) => e.event)).toEqual(['done', 'exit']);
    expect(ofType(events, 'done')[0]).toMatchObject({ stopped: true, epochs: 0 });
    expect(readFinal(waiting.runDir)).toMatchObject({ status: 'stopped', epochs: 0 });
    expect(m.queued()).toEqual([]);
    expect(ofType(await firstDone, 'exit')[0].code).toBe(0);
    expect(m.running()).toEqual([]);
  });
});
