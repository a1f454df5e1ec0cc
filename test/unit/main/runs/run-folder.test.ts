/**
 * Run folders under file-system faults (issue 17, findings 4 and 5): every failure is one clear
 * error naming the file and the fix, no half-made run folder is left behind, and metrics.jsonl
 * never keeps half a line. The full disks and the read-only one are real tmpfs mounts.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TRAIN_CONFIG, type TrainingEvent } from '../../../../shared/training';
import { appendEvent, createRun, readEvents } from '../../../../main/runs/run-folder';
import { reluLenet, tmpRoot } from '../engine/train-helpers';
import { readOnlyDisk, smallDisk, smallDiskSkip } from './small-disk';

if (smallDiskSkip) console.warn(`skipped: ${smallDiskSkip}`);

const config = { ...DEFAULT_TRAIN_CONFIG };
const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

/** The error createRun throws, or null. */
function createError(root: string): Error | null {
  try {
    createRun(root, reluLenet(), config);
    return null;
  } catch (err) {
    return err as Error;
  }
}

describe('creating a run folder', () => {
  it('--out naming a file: one sentence naming the file and the fix', () => {
    const file = path.join(tmpRoot(), 'notes.txt');
    writeFileSync(file, 'not a folder');
    const err = createError(file);
    expect(err?.name).toBe('RunFolderError');
    expect(err?.message).toBe(`Could not create the runs folder ${file}: ${file} is a file, not a folder. Choose a folder for the runs (or move the file away).`);
  });

  it('a runs folder below a file names the file in the way', () => {
    const file = path.join(tmpRoot(), 'notes.txt');
    writeFileSync(file, 'not a folder');
    const err = createError(path.join(file, 'runs', 'today'));
    expect(err?.message).toMatch(new RegExp(`: ${file} is a file, not a folder\\. Choose a folder`));
  });

  it.skipIf(smallDiskSkip !== null)('a read-only file system: says so, and creates nothing', () => {
    const disk = readOnlyDisk();
    cleanups.push(disk.unmount);
    const err = createError(path.join(disk.dir, 'runs'));
    expect(err?.message).toMatch(/is on a read-only file system\. Train into a folder you can write to\.$/);
    expect(readdirSync(disk.dir)).toEqual([]);
  });

  it.skipIf(smallDiskSkip !== null)('a full disk at start: says the disk is full, and leaves no half-made run folder', () => {
    const disk = smallDisk(128);
    cleanups.push(disk.unmount);
    const root = path.join(disk.dir, 'runs');
    mkdirSync(root);
    disk.fillLeaving(0);
    const err = createError(root);
    expect(err?.message).toMatch(new RegExp(`^Could not create a run folder in ${root}: the disk holding ${root} is full\\. Free some space`));
    expect(readdirSync(root)).toEqual([]);
    // With room again, the same call works.
    disk.unfill();
    expect(readdirSync(path.dirname(createRun(root, reluLenet(), config).runDir))).toHaveLength(1);
  });
});

describe('appending metrics', () => {
  const event = (batch: number, pad = 0): TrainingEvent =>
    ({ event: 'batch', runId: 'r', epoch: 1, batch, batchesPerEpoch: 9, loss: 2.3 + pad * 0, samples_per_s: 1, eta_s: 1, ...(pad ? { padding: 'x'.repeat(pad) } : {}) }) as TrainingEvent;

  it.skipIf(smallDiskSkip !== null)('a full disk mid-write leaves no half line, and a clear error naming metrics.jsonl', () => {
    const disk = smallDisk(128);
    cleanups.push(disk.unmount);
    const { runDir } = createRun(path.join(disk.dir, 'runs'), reluLenet(), config);
    appendEvent(runDir, event(1));
    appendEvent(runDir, event(2));
    const before = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
    disk.fillLeaving(0);
    // The file's last page has room for part of this event: the OS takes ~4 KB of it, then ENOSPC.
    let err: Error | null = null;
    try { appendEvent(runDir, event(3, 6000)); } catch (e) { err = e as Error; }
    expect(err?.message).toBe(`Could not write metrics.jsonl: the disk holding ${path.join(runDir, 'metrics.jsonl')} is full. Free some space on it, or train into a folder on another disk.`);
    expect(readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).toBe(before);
    disk.unfill();
    appendEvent(runDir, event(4));
    expect(readEvents(runDir).map((e) => (e as { batch: number }).batch)).toEqual([1, 2, 4]);
  });
});
