/**
 * The run lock (issue 17, finding 8): running.json refuses a second trainer while its holder
 * lives, is taken over with a note once the holder is gone (a dead pid, or a pid the OS has given
 * to another process since), is never presumed stale when another host wrote it, and of several
 * processes taking it at the same moment exactly one gets it. The holders are real processes.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunFolderError } from '../../../../main/runs/errors';
import { RUNNING_JSON, acquireRunLock, processStartTicks, readLock, type LockInfo } from '../../../../main/runs/run-lock';
import { smallDisk, smallDiskSkip } from './small-disk';

if (smallDiskSkip) console.warn(`skipped: ${smallDiskSkip}`);

const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); });

const runDir = () => mkdtempSync(path.join(os.tmpdir(), 'cs-lock-'));

/** A real process that stays alive until the test ends. */
function liveProcess(): number {
  const c = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

/** The pid of a real process that has exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

function writeLock(dir: string, info: Partial<LockInfo> | string): void {
  writeFileSync(path.join(dir, RUNNING_JSON), typeof info === 'string' ? info : JSON.stringify(info));
}

const mine = (pid: number, extra: Partial<LockInfo> = {}): Partial<LockInfo> =>
  ({ pid, since: '2026-01-02T03:04:05.000Z', host: os.hostname(), procStart: processStartTicks(pid), token: 'other', ...extra });

type Outcome = { took: 'none' | 'over'; pid?: 'dead' | 'live' } | { refused: RegExp };

const CASES: [string, (dir: string) => { pid?: number }, Outcome][] = [
  ['no lock: taken', () => ({}), { took: 'none' }],
  ['a live process holds it: refused, naming the process and what to do', (d) => {
    const pid = liveProcess();
    writeLock(d, mine(pid));
    return { pid };
  }, { refused: /^The run cs-lock-\w+ is already being trained by process \d+ \(since 2026-01-02T03:04:05\.000Z\)\. Wait for it to finish, or stop it first\.$/ }],
  ['a lock of a process that has exited: taken over, with its pid', (d) => {
    const pid = deadPid();
    writeLock(d, mine(pid, { procStart: 12345 }));
    return { pid };
  }, { took: 'over', pid: 'dead' }],
  ['a live pid with another start time (the pid was reused): taken over', (d) => {
    const pid = liveProcess();
    writeLock(d, mine(pid, { procStart: (processStartTicks(pid) ?? 0) + 1 }));
    return { pid };
  }, { took: 'over', pid: 'live' }],
  ['another host\'s lock, even with a pid dead here: refused, saying when to delete it', (d) => {
    writeLock(d, mine(deadPid(), { host: 'lab-machine-7' }));
    return {};
  }, { refused: /on lab-machine-7 .*If lab-machine-7 no longer trains it, delete .*running\.json\.$/ }],
  ['a lock written before locks had start times, of a live process: refused', (d) => {
    const pid = liveProcess();
    writeLock(d, { pid, since: 'yesterday' });
    return { pid };
  }, { refused: /already being trained by process \d+ \(since yesterday\)/ }],
  ['an unreadable lock (not JSON): taken over', (d) => { writeLock(d, '{"pid": 12'); return {}; }, { took: 'over' }],
];

describe('taking the run lock', () => {
  it.each(CASES)('%s', (_what, setup, want) => {
    const dir = runDir();
    const { pid } = setup(dir);
    if ('refused' in want) {
      const before = readFileSync(path.join(dir, RUNNING_JSON), 'utf8');
      let err: unknown = null;
      try { acquireRunLock(dir); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(RunFolderError);
      expect((err as RunFolderError).problem).toBe('locked');
      expect((err as Error).message).toMatch(want.refused);
      // The holder's lock is untouched.
      expect(readFileSync(path.join(dir, RUNNING_JSON), 'utf8')).toBe(before);
      return;
    }
    const lock = acquireRunLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, token: lock.info.token, procStart: processStartTicks(process.pid) });
    expect(lock.held()).toBe(true);
    if (want.took === 'none') expect(lock.tookOver).toBeNull();
    else if (pid !== undefined) expect(lock.tookOver?.pid).toBe(pid);
    else expect(lock.tookOver).toBeNull();
    lock.release();
    expect(existsSync(path.join(dir, RUNNING_JSON))).toBe(false);
  });

  it('a lock deleted or replaced under its holder is no longer held, and its release leaves the other one alone', () => {
    const dir = runDir();
    const lock = acquireRunLock(dir);
    rmSync(path.join(dir, RUNNING_JSON));
    expect(lock.held()).toBe(false);
    const other = liveProcess();
    writeLock(dir, mine(other));
    expect(lock.held()).toBe(false);
    lock.release();
    expect(readLock(dir)?.pid).toBe(other);
  });
});

describe('a stale lock being taken over (running.json.takeover-<token>-<slot> guards its replacement)', () => {
  const marker = (dir: string, slot: number, pid: number) =>
    writeFileSync(path.join(dir, `${RUNNING_JSON}.takeover-other-${slot}`), JSON.stringify(mine(pid, { token: `taker-${slot}` })));

  it('by processes that died on the way: their markers are passed over, the lock taken over, and no marker left', () => {
    const dir = runDir();
    const pid = deadPid();
    writeLock(dir, mine(pid, { procStart: 12345 }));
    marker(dir, 0, deadPid());
    marker(dir, 1, deadPid());
    const lock = acquireRunLock(dir);
    expect(lock.tookOver?.pid).toBe(pid);
    expect(readdirSync(dir)).toEqual([RUNNING_JSON]);
    lock.release();
  });

  it('by a live process: this one does not remove it under that one, and says to try again', () => {
    const dir = runDir();
    writeLock(dir, mine(deadPid(), { procStart: 12345 }));
    const before = readFileSync(path.join(dir, RUNNING_JSON), 'utf8');
    marker(dir, 0, liveProcess());
    let err: unknown = null;
    try { acquireRunLock(dir); } catch (e) { err = e; }
    expect((err as RunFolderError).problem).toBe('locked');
    expect((err as Error).message).toMatch(/keeps changing\. Another process may be starting the run; try again\.$/);
    expect(readFileSync(path.join(dir, RUNNING_JSON), 'utf8')).toBe(before);
  });
});

describe('a full disk', () => {
  it.skipIf(smallDiskSkip !== null)('the lock cannot be written: one message saying so, and no file of it left in the run folder', () => {
    const disk = smallDisk(64);
    try {
      const dir = path.join(disk.dir, 'run');
      mkdirSync(dir);
      disk.fillLeaving(0);
      let err: unknown = null;
      try { acquireRunLock(dir); } catch (e) { err = e; }
      expect((err as RunFolderError).problem).toBe('disk-full');
      expect((err as Error).message).toBe(`Could not lock the run run: the disk holding ${path.join(dir, RUNNING_JSON)} is full. Free some space on it, or train into a folder on another disk.`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      disk.unmount();
    }
  });
});

describe('processes racing for one lock', () => {
  const tsxLoader = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  const lockModule = path.resolve(__dirname, '../../../../main/runs/run-lock.ts');

  it.each([
    ['a free run', false],
    ['a run with a stale lock (all of them try to take it over at once)', true],
  ])('%s: of six processes starting together, exactly one gets it', async (_what, stale) => {
    const dir = runDir();
    if (stale) writeLock(dir, mine(deadPid(), { procStart: 1 }));
    const go = path.join(dir, 'go');
    const release = path.join(dir, 'release');
    const script = path.join(dir, 'take.mts');
    // Each process waits for the go file, so all try within a few milliseconds; a winner holds the
    // lock until the test has heard from everyone.
    writeFileSync(script, `
      import { existsSync } from 'node:fs';
      import { acquireRunLock } from ${JSON.stringify(pathToFileURL(lockModule).href)};
      const wait = (f) => new Promise((r) => { const t = setInterval(() => { if (existsSync(f)) { clearInterval(t); r(); } }, 2); });
      console.log('ready');
      await wait(${JSON.stringify(go)});
      try {
        const lock = acquireRunLock(${JSON.stringify(dir)});
        console.log('got' + (lock.tookOver ? ' took-over' : ''));
        await wait(${JSON.stringify(release)});
        lock.release();
      } catch (err) {
        console.log('refused ' + err.problem);
      }
    `);
    const outputs = Array.from({ length: 6 }, () => {
      const c = spawn(process.execPath, ['--import', tsxLoader, script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      let out = '';
      const ready = new Promise<void>((r) => c.stdout!.on('data', (d: Buffer) => { out += d; if (out.includes('ready')) r(); }));
      const answered = new Promise<string>((r) => c.stdout!.on('data', () => { const m = /(got.*|refused.*)\n/.exec(out); if (m) r(m[1]); }));
      const closed = new Promise<void>((r) => c.on('close', () => r()));
      return { ready, answered, closed };
    });
    await Promise.all(outputs.map((o) => o.ready));
    writeFileSync(go, '');
    const answers = await Promise.all(outputs.map((o) => o.answered));
    writeFileSync(release, '');
    await Promise.all(outputs.map((o) => o.closed));
    // The one that gets it is the one that replaced the stale lock, so its note says so.
    expect(answers.filter((a) => a.startsWith('got'))).toEqual([stale ? 'got took-over' : 'got']);
    expect(answers.filter((a) => a === 'refused locked')).toHaveLength(5);
    expect(existsSync(path.join(dir, RUNNING_JSON))).toBe(false);
  }, 300_000);
});
