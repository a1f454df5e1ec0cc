/** The job manager with real training processes (child_process.fork + tsx), on real data. */

import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createJobManager, JobError, type JobManager } from '../../../../main/engine/jobs';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { listCheckpoints } from '../../../../main/runs/checkpoints';
import { readFinal } from '../../../../main/runs/run-folder';
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

describe('job manager', () => {
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
    expect(ofType(events, 'error')[0]).toMatchObject({ code: 'process-exit' });
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual(['e0001-b00000']);
    const [summary] = await m.listRuns();
    expect(summary).toMatchObject({ runId, status: 'interrupted', epochsDone: 1 });

    const resumed = collect(m, () => id);
    expect(await m.resume(runDir)).toEqual({ runId, runDir });
    const after = await resumed;
    expect(ofType(after, 'exit')[0].code).toBe(0);
    expect(ofType(after, 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
    expect(ofType(after, 'batch')[0]).toMatchObject({ epoch: 2, batch: 1 });
    expect(readFinal(runDir)).toMatchObject({ status: 'done', epochs: 3 });
    expect((await m.listRuns())[0]).toMatchObject({ status: 'done', epochsDone: 3 });
    // every event of both processes is on disk, in order
    const stored = await m.getRunEvents(runId);
    expect(ofType(stored, 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3]);
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
