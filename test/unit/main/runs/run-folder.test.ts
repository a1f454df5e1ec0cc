/**
 * Run folders under file-system faults (issue 17, findings 4 and 5): every failure is one clear
 * error naming the file and the fix, no half-made run folder is left behind, and metrics.jsonl
 * never keeps half a line. The full disks and the read-only one are real tmpfs mounts.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
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

describe('a folder the user may not write to', () => {
  // As root (CI here) permissions do not apply, so the CLI runs as the unprivileged user nobody;
  // as anyone else the folder is made read-only for its owner. Either way a real EACCES.
  const root = process.getuid?.() === 0;
  const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
  const repo = path.resolve(__dirname, '../../../..');
  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const c = spawn(process.execPath, [tsx, path.join(repo, 'main/cli/index.ts'), 'train', ...args],
        { cwd: repo, ...(root ? { uid: 65534, gid: 65534 } : {}), env: { ...process.env, HOME: '/tmp' } });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => { stdout += d; });
      c.stderr.on('data', (d: Buffer) => { stderr += d; });
      c.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  /** A folder the CLI's user can read but not write. */
  const lockedDir = (): string => {
    const dir = tmpRoot();
    chmodSync(dir, root ? 0o755 : 0o555);
    cleanups.push(() => chmodSync(dir, 0o755));
    return dir;
  };

  it.each([
    ['--out inside it: no run folder, one line naming the folder and the fix', async () => {
      const dir = lockedDir();
      const r = await cli(['lenet', '--out', path.join(dir, 'runs'), '--data', SYSTEM_DATA_DIR, '--epochs', '1']);
      expect(existsSync(path.join(dir, 'runs'))).toBe(false);
      return { r, want: `error: Could not create the runs folder ${path.join(dir, 'runs')}: no permission to write ${path.join(dir, 'runs')}. Train into a folder you can write to, or change its permissions.` };
    }],
    ['--resume of a run in it: refused before training, one line naming running.json and the fix', async () => {
      // Readable (mkdtemp makes 0700 folders), so the CLI can see it is a run; not writable.
      const { runDir } = createRun(lockedDir(), reluLenet(), { ...config, epochs: 1, dataDir: SYSTEM_DATA_DIR });
      chmodSync(runDir, root ? 0o755 : 0o555);
      cleanups.push(() => chmodSync(runDir, 0o755));
      const r = await cli(['--resume', runDir]);
      expect(readdirSync(runDir).sort()).toEqual(['config.json', 'graph.json']);
      const file = path.join(runDir, 'running.json');
      return { r, want: `error: Could not lock the run ${path.basename(runDir)}: no permission to write ${file}. Train into a folder you can write to, or change its permissions.` };
    }],
  ])('%s', async (_what, act) => {
    const { r, want } = await act();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(want);
    expect(r.stdout).toBe('');
  }, 300_000);
});
