/**
 * The run lock: running.json in a run folder says which process trains it (pid, the process's
 * start time, host, a random token). Only the holder writes the run's events, checkpoints and
 * final state, so two `--resume`s of one run cannot both train it.
 *
 * The file is created whole or not at all (written beside, then hard-linked into place, which
 * fails if a lock is there). A lock whose process is gone — killed, crashed, the machine
 * restarted — is stale: the next trainer takes it over and says so. The pid alone cannot tell (pids
 * are reused), so on Linux the process's start time is compared too; a lock from another host is
 * never presumed stale. Of several processes taking one stale lock over at once, exactly one
 * replaces it with its own (replaceStale), and it is the one whose note says so.
 */

import { closeSync, fsyncSync, linkSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fsyncDir } from '../common/atomic';
import { RunFolderError, runFolderError } from './errors';
import type { RunLock as StoreLock } from '../engine-core/run-store';

export const RUNNING_JSON = 'running.json';

export interface LockInfo {
  pid: number;
  /** When the lock was taken (ISO). */
  since: string;
  host: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat), where the OS says; tells a reused pid apart. */
  procStart: number | null;
  token: string;
}

/** The store's lock (engine-core/run-store.ts) as running.json: release() removes the file if it is still this lock. */
export interface RunLock extends StoreLock {
  readonly info: LockInfo;
  /** The stale lock this one replaced, if any. */
  readonly tookOver: LockInfo | null;
}

/** Field 22 of /proc/<pid>/stat; null where there is no /proc (macOS, Windows) or no such process. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (!Number.isInteger(v.pid) || (v.pid as number) <= 0) return null;
    return {
      pid: v.pid as number, since: typeof v.since === 'string' ? v.since : '?', host: typeof v.host === 'string' ? v.host : os.hostname(),
      // Written before locks had tokens: judged by its pid alone.
      procStart: typeof v.procStart === 'number' ? v.procStart : null, token: typeof v.token === 'string' ? v.token : `pid-${v.pid}`,
    };
  } catch {
    return null;
  }
}

export function readLock(runDir: string): LockInfo | null {
  try {
    return parseLock(readFileSync(path.join(runDir, RUNNING_JSON), 'utf8'));
  } catch {
    return null;
  }
}

/** Whether the lock's process still runs (or might: another host's lock counts as live). */
export function lockIsLive(info: LockInfo): boolean {
  if (info.host !== os.hostname()) return true;
  if (!pidAlive(info.pid)) return false;
  if (info.procStart === null) return true;
  const now = processStartTicks(info.pid);
  return now === null || now === info.procStart;
}

/** The live lock on a run, or null when nobody trains it (no lock, a stale one, or an unreadable one). */
export function liveLock(runDir: string): LockInfo | null {
  const info = readLock(runDir);
  return info && lockIsLive(info) ? info : null;
}

export function describeHolder(info: LockInfo): string {
  const where = info.host === os.hostname() ? '' : ` on ${info.host}`;
  return `process ${info.pid}${where} (since ${info.since})`;
}

function lockedError(runDir: string, holder: LockInfo): RunFolderError {
  const fix = holder.host === os.hostname()
    ? 'Wait for it to finish, or stop it first.'
    : `If ${holder.host} no longer trains it, delete ${path.join(runDir, RUNNING_JSON)}.`;
  return new RunFolderError('locked', path.join(runDir, RUNNING_JSON), `The run ${path.basename(runDir)} is already being trained by ${describeHolder(holder)}. ${fix}`, fix);
}

/** `info` written whole to a file beside `file` (fsynced), whose path it returns. */
function writeBeside(file: string, info: LockInfo): string {
  const tmp = `${file}.${info.token}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = Buffer.from(`${JSON.stringify(info, null, 2)}\n`);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    // A full disk: leave no empty lock file behind in the run folder.
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/** Creates running.json holding `info` if there is none; false if there is one. */
function tryCreate(file: string, info: LockInfo): boolean {
  const tmp = writeBeside(file, info);
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Blocks this thread for `ms` (a lock is taken synchronously; the wait is a few milliseconds). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** running.json's bytes, or null when there is none. */
function readRaw(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** What names one lock file's contents: its token, or (unreadable) a digest of its bytes. */
function lockKey(raw: string): string {
  return parseLock(raw)?.token ?? `raw-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/** How many takers of one stale lock may die mid-takeover before the rest give up. */
const TAKEOVER_SLOTS = 8;

/**
 * Replaces the stale lock named `key`, if it is still in place, with this process's lock, as the
 * only process doing so. There is no compare-and-swap in a file system, so the swap is guarded: a
 * taker first creates `running.json.takeover-<key>-<slot>` (exclusively, like the lock itself),
 * then checks that running.json is still that stale lock and renames its own lock over it.
 * Nothing else can change running.json meanwhile: its holder is gone, a new lock is only created
 * where there is none, and another taker of the same lock needs the same marker. A marker whose
 * process died is passed over for the next slot. 'replaced': this process holds the lock now;
 * 'gone': the stale lock is no longer there; 'busy': another live process is taking it over.
 */
function replaceStale(file: string, key: string, me: LockInfo): 'replaced' | 'gone' | 'busy' {
  const prefix = `${file}.takeover-${key}-`;
  for (let slot = 0; slot < TAKEOVER_SLOTS; slot++) {
    const marker = `${prefix}${slot}`;
    if (!tryCreate(marker, me)) {
      const raw = readRaw(marker);
      // Its taker just finished: running.json has changed; the caller reads it again.
      if (raw === null) return 'busy';
      const holder = parseLock(raw);
      if (holder && lockIsLive(holder)) return 'busy';
      continue;
    }
    try {
      const raw = readRaw(file);
      if (raw === null || lockKey(raw) !== key) return 'gone';
      const tmp = writeBeside(file, me);
      try {
        renameSync(tmp, file);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      return 'replaced';
    } finally {
      // Every marker of this key, the dead takers' too: the lock they were for is gone, and a late
      // taker that makes one again finds running.json is no longer that lock.
      const dir = path.dirname(file);
      const base = path.basename(prefix);
      // Markers only: not another taker's marker being written beside (its name ends ".tmp").
      for (const name of readdirSync(dir)) if (name.startsWith(base) && /^\d+$/.test(name.slice(base.length))) rmSync(path.join(dir, name), { force: true });
    }
  }
  throw new RunFolderError('locked', file, `Could not take over the stale lock of run ${path.basename(path.dirname(file))}: ${TAKEOVER_SLOTS} processes died while taking it over. Delete ${file} and its .takeover files if no process trains the run.`, `Delete ${file}.`);
}

/** How often one start retries when running.json changes under it (others racing for the run). */
const ATTEMPTS = 50;

/**
 * Takes the run's lock, taking over a stale one; throws a RunFolderError ('locked') when another
 * live process holds it, or when the folder cannot be written.
 */
export function acquireRunLock(runDir: string): RunLock {
  const file = path.join(runDir, RUNNING_JSON);
  const info: LockInfo = { pid: process.pid, since: new Date().toISOString(), host: os.hostname(), procStart: processStartTicks(process.pid), token: randomBytes(8).toString('hex') };
  /** The stale lock this process replaced, if any. */
  let tookOver: LockInfo | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      if (tryCreate(file, info)) break;
      const raw = readRaw(file);
      if (raw === null) continue;
      const current = parseLock(raw);
      if (current && lockIsLive(current)) throw lockedError(runDir, current);
      if (attempt >= ATTEMPTS) throw new RunFolderError('locked', file, `Could not take the lock of run ${path.basename(runDir)}: ${file} keeps changing. Another process may be starting the run; try again.`, 'Try again.');
      // Stale (or unreadable: a lock is written whole, so that is not a live one half-written).
      const taken = replaceStale(file, lockKey(raw), info);
      if (taken === 'replaced') {
        tookOver = current;
        break;
      }
      if (taken === 'busy') pause(5);
    }
    fsyncDir(runDir);
  } catch (err) {
    throw runFolderError(err, file, `lock the run ${path.basename(runDir)}`);
  }
  let released = false;
  return {
    info,
    tookOver,
    held: () => readLock(runDir)?.token === info.token,
    release() {
      if (released) return;
      released = true;
      if (readLock(runDir)?.token === info.token) rmSync(file, { force: true });
    },
  };
}
