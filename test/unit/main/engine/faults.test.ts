/**
 * Real training processes under faults (issue 17). A real disk that fills up (ENOSPC at start,
 * mid-metrics and mid-checkpoint): each fault ends the run with one message naming the file and
 * the fix, says honestly whether a checkpoint can be resumed from, leaves metrics.jsonl whole
 * (every line an event) and no half-written checkpoint, and once there is room again the run
 * resumes and finishes. The disk is a tmpfs of a few hundred KiB (see ../runs/small-disk.ts).
 * And processes that go away: a parent killed under a training process, or the process asked to
 * end by a signal, stops it gracefully with a checkpoint instead of losing the epoch.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJobManager, type JobManager } from '../../../../main/engine/jobs';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { listCheckpoints } from '../../../../main/runs/checkpoints';
import { readEvents, readFinal } from '../../../../main/runs/run-folder';
import { readLock } from '../../../../main/runs/run-lock';
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

// Each test forks training processes (two, with the resume); on 2 shared, busy cores a process takes
// minutes to start and train, so the time limit is generous (never asserted).
const SLOW = { timeout: 900_000 };

describe.skipIf(smallDiskSkip !== null)('a full disk', SLOW, () => {
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

const repo = path.resolve(__dirname, '../../../..');
// tsx's loader, not its CLI: the CLI runs the script in a child of its own, and the test must kill the real parent.
const tsxLoader = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
/** The parent pid of `pid` (field 4 of /proc/<pid>/stat). */
const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, timeoutMs = 400_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); await sleep(100)) if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
}

type Ending = 'parent-sigkill' | 'SIGHUP';

describe('a training process whose parent dies or that is asked to end', SLOW, () => {
  // Before: a parent killed under it left the child to die on its next write to the dead pipe (EPIPE)
  // mid-epoch, with no checkpoint and a stale lock; SIGHUP ended it the same way.
  it.each<[string, Ending, number | null]>([
    ['the CLI above it is killed (SIGKILL): it checkpoints and stops on its own', 'parent-sigkill', null],
    ['SIGHUP (the terminal closed): it checkpoints and stops; the CLI exits 130', 'SIGHUP', 130],
  ])('%s, and the run resumes from that batch', async (_what, ending, cliCode) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-orphan-'));
    const graph = path.join(dir, 'net.json');
    writeFileSync(graph, JSON.stringify(reluLenet()));
    const runsRoot = path.join(dir, 'runs');
    const cli = spawn(process.execPath, ['--import', tsxLoader, path.join(repo, 'main/cli/index.ts'), 'train', graph, '--json', '--out', runsRoot, '--backend', 'wasm',
      '--data', SYSTEM_DATA_DIR, '--epochs', '1', '--batch-size', '32', '--limit', '3200', '--val-limit', '50'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => { out += d; });
    cli.stderr.on('data', () => { /* the child's output, relayed */ });
    const cliExit = new Promise<number | null>((r) => cli.on('close', (code) => r(code)));
    await until('the start event', () => out.includes('"event":"start"'));
    const runDir = (JSON.parse(out.split('\n')[0]) as { runDir: string }).runDir;
    const child = readLock(runDir)!.pid;
    expect(parentOf(child)).toBe(cli.pid);
    await until('three batches', () => ofType(readEvents(runDir), 'batch').length >= 3);

    if (ending === 'parent-sigkill') cli.kill('SIGKILL');
    else process.kill(child, ending);
    const code = await cliExit;
    if (cliCode !== null) expect(code).toBe(cliCode);
    await until('the training process to exit', () => !alive(child));

    const events = readEvents(runDir);
    const batches = ofType(events, 'batch').map((e) => e.batch);
    expect(batches.length).toBeLessThan(100);
    expect(events.slice(-2).map((e) => e.event)).toEqual(['checkpoint', 'done']);
    expect(ofType(events, 'done')[0]).toMatchObject({ stopped: true });
    expect(listCheckpoints(runDir).map((p) => path.basename(p))).toEqual([`e0000-b${String(batches.length).padStart(5, '0')}`]);
    expect(readFinal(runDir)).toMatchObject({ status: 'stopped' });
    expect(existsSync(path.join(runDir, 'running.json'))).toBe(false);
    expect(metricsWhole(runDir)).toBe(true);

    const m = (jobs = createJobManager({ runsRoot }));
    const { runId } = await m.resume(runDir);
    const after = await untilExit(m, runId);
    expect(ofType(after, 'exit')[0].code).toBe(0);
    expect(ofType(after, 'resume')[0]).toMatchObject({ previous: 'stopped', batch: batches.length, superseded: 0 });
    // Not one batch lost or trained twice across the two processes.
    expect(ofType(readEvents(runDir), 'batch').map((e) => e.batch)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});
