/**
 * Real training processes on a real disk that fills up (issue 17: ENOSPC at start, mid-metrics
 * and mid-checkpoint): each fault ends the run with one message naming the file and the fix, says
 * honestly whether a checkpoint can be resumed from, leaves metrics.jsonl whole (every line an
 * event) and no half-written checkpoint, and once there is room again the run resumes and
 * finishes. The disk is a tmpfs of a few hundred KiB (see ../runs/small-disk.ts).
 */

import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createJobManager, type JobManager } from '../../../../main/engine/jobs';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { listCheckpoints } from '../../../../main/runs/checkpoints';
import { readEvents, readFinal } from '../../../../main/runs/run-folder';
import { DEFAULT_TRAIN_CONFIG, type TrainingEvent } from '../../../../shared/training';
import { smallDisk, smallDiskSkip, type SmallDisk } from '../runs/small-disk';
import { ofType, reluLenet } from './train-helpers';

if (smallDiskSkip) console.warn(`skipped: ${smallDiskSkip}`);

const config = { ...DEFAULT_TRAIN_CONFIG, backend: 'wasm' as const, dataDir: SYSTEM_DATA_DIR, valLimit: 50 };

let jobs: JobManager | null = null;
let disk: SmallDisk | null = null;
afterEach(() => {
  jobs?.dispose();
  jobs = null;
  disk?.unmount();
  disk = null;
});

function untilExit(m: JobManager, runId: string): Promise<TrainingEvent[]> {
  return new Promise((resolve) => {
    const events: TrainingEvent[] = [];
    const off = m.onEvent((e) => {
      if (e.runId !== runId) return;
      events.push(e);
      if (e.event === 'exit') { off(); resolve(events); }
    });
  });
}

/** Every line of metrics.jsonl is a whole event. */
function metricsWhole(runDir: string): boolean {
  const text = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
  return text.endsWith('\n') && text.slice(0, -1).split('\n').every((l) => { try { JSON.parse(l); return true; } catch { return false; } });
}

/** Frees the disk, resumes the run and waits for it: it must finish. */
async function resumeWithRoom(m: JobManager, runDir: string): Promise<TrainingEvent[]> {
  disk!.unfill();
  const { runId } = await m.resume(runDir);
  const events = await untilExit(m, runId);
  expect(ofType(events, 'error')).toEqual([]);
  expect(ofType(events, 'exit')[0].code).toBe(0);
  expect(metricsWhole(runDir)).toBe(true);
  return events;
}

describe.skipIf(smallDiskSkip !== null)('a full disk', () => {
  it('at start: refused with the reason, and no run folder is left behind', async () => {
    disk = smallDisk(256);
    const root = path.join(disk.dir, 'runs');
    const m = (jobs = createJobManager({ runsRoot: root }));
    await m.listRuns();
    disk.fillLeaving(0);
    const err = await m.start({ graph: reluLenet(), config: { ...config, epochs: 1 } }).then(() => null, (x: unknown) => x);
    expect(err).toMatchObject({ code: 'run-folder', message: expect.stringMatching(/the disk holding .* is full\. Free some space on it, or train into a folder on another disk\.$/) });
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
    expect(await m.listRuns()).toEqual([]);
  });

  it('mid-metrics: the run fails saying so and that no checkpoint exists yet; no half line; with room it resumes from the start', async () => {
    disk = smallDisk(512);
    const m = (jobs = createJobManager({ runsRoot: path.join(disk.dir, 'runs') }));
    // 125 batches of 16 write ~25 KB of events before the first checkpoint; leave room for ~8 KB.
    const { runId, runDir } = await m.start({ graph: reluLenet(), config: { ...config, epochs: 1, batchSize: 16, limit: 2000 } });
    disk.fillLeaving(12 * 1024);
    const events = await untilExit(m, runId);
    const [err] = ofType(events, 'error');
    expect(err).toMatchObject({ code: 'run-folder' });
    expect(err.message).toBe(`Could not write metrics.jsonl: the disk holding ${path.join(runDir, 'metrics.jsonl')} is full. Free some space on it, or train into a folder on another disk. No checkpoint was saved yet, so resuming would start over from epoch 1.`);
    expect(ofType(events, 'exit')[0].code).toBe(1);
    expect(ofType(events, 'batch').length).toBeGreaterThan(5);
    expect(ofType(events, 'batch').length).toBeLessThan(125);
    expect(metricsWhole(runDir)).toBe(true);
    const after = await resumeWithRoom(m, runDir);
    expect(ofType(after, 'resume')[0]).toMatchObject({ previous: 'interrupted', checkpoint: null, epoch: 0, batch: 0 });
    expect(ofType(after, 'batch')[0]).toMatchObject({ epoch: 1, batch: 1 });
    expect(readFinal(runDir)).toMatchObject({ status: 'done', epochs: 1 });
    // Nothing the first attempt recorded was lost.
    expect(ofType(readEvents(runDir), 'batch').length).toBe(ofType(events, 'batch').length + 125);
  });

  it('mid-checkpoint: the older checkpoint is kept and named, no half-written one is left; with room it resumes from it', async () => {
    disk = smallDisk(1024);
    const m = (jobs = createJobManager({ runsRoot: path.join(disk.dir, 'runs') }));
    const { runId, runDir } = await m.start({ graph: reluLenet(), config: { ...config, epochs: 2, batchSize: 64, limit: 640 } });
    // A LeNet checkpoint takes ~270 KB: room for the first, not for the second beside it.
    disk.fillLeaving(400 * 1024);
    const events = await untilExit(m, runId);
    const [err] = ofType(events, 'error');
    expect(err.code).toBe('run-folder');
    expect(err.message).toMatch(/^Could not save checkpoint e0002-b00000: the disk holding .*e0002-b00000 is full\. Free some space on it, or train into a folder on another disk\. The run can be resumed from its checkpoint e0001-b00000 once that is fixed\.$/);
    expect(ofType(events, 'epoch').map((e) => e.epoch)).toEqual([1, 2]);
    expect(readdirSync(path.join(runDir, 'checkpoints'))).toEqual(['e0001-b00000']);
    expect(metricsWhole(runDir)).toBe(true);
    expect(readFinal(runDir)).toMatchObject({ status: 'failed', message: err.message });
    const after = await resumeWithRoom(m, runDir);
    expect(ofType(after, 'resume')[0]).toMatchObject({ previous: 'failed', checkpoint: 'e0001-b00000', epoch: 1, superseded: 1 + 10 });
    expect(ofType(after, 'epoch').map((e) => e.epoch)).toEqual([2]);
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual(['e0002-b00000', 'e0001-b00000']);
  });
});
