/**
 * A run is a folder: graph.json (what was trained), config.json (how), metrics.jsonl (every
 * event, appended as it happens, so a crash loses nothing already reported), checkpoints/, while
 * a process trains it running.json (the run lock, run-lock.ts) and, once finished, final.json.
 * Everything a resumed run or the UI's history needs is in it; nothing lives only in memory.
 *
 * Every file-system failure becomes a RunFolderError naming the file and the fix (errors.ts). A
 * run folder appears whole or not at all, and metrics.jsonl never keeps half a line: a write cut
 * short is undone, and one cut short by a crash is repaired when the run is next opened.
 */

import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { GraphDoc } from '../../shared/graph/types';
import type { RunSummary, TrainConfig, TrainingEvent } from '../../shared/training';
import { fsyncDir, writeJsonAtomic } from '../common/atomic';
import { RunFolderError, guardFs, runFolderError } from './errors';
import { RUNNING_JSON, liveLock } from './run-lock';
import { readRunMeta } from './run-meta';
import { GRAPH_JSON, type FinalFile, type RunConfigFile } from '../engine-core/run-store';

export { GRAPH_JSON, type FinalFile, type RunConfigFile };

export { RUNNING_JSON };

export const CONFIG_JSON = 'config.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const FINAL_JSON = 'final.json';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Run ids arrive from the renderer: accept only plain folder names, never paths. */
export function isRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID.test(id) && !id.includes('..');
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32) || 'graph';
}

export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${slug(name)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates the run folder whole: its files are written into a hidden sibling that is renamed into
 * place, so a full disk or a crash leaves no half-made run behind (and nothing in the history).
 */
/**
 * mkdir -p one level at a time: Node's recursive mkdir reports ENOENT for a read-only or
 * unwritable parent, and the message must say which it was.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  // An existing path that is a file: mkdir would have said EEXIST; say it as ENOTDIR does.
  if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
}

export function createRun(runsRoot: string, graph: GraphDoc, config: TrainConfig): { runId: string; runDir: string } {
  guardFs(runsRoot, `create the runs folder ${runsRoot}`, () => makeFolders(runsRoot));
  const runId = newRunId(graph.name);
  const runDir = path.join(runsRoot, runId);
  const building = path.join(runsRoot, `.${runId}.creating`);
  try {
    mkdirSync(building);
    writeJsonAtomic(path.join(building, GRAPH_JSON), graph);
    const file: RunConfigFile = { runId, name: graph.name, startedAt: new Date().toISOString(), config };
    writeJsonAtomic(path.join(building, CONFIG_JSON), file);
    renameSync(building, runDir);
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    throw runFolderError(err, runsRoot, `create a run folder in ${runsRoot}`);
  }
  fsyncDir(runsRoot);
  return { runId, runDir };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The run's config.json; a RunFolderError when it is missing or not a config (the folder is then not a run). */
export function readRunConfig(runDir: string): RunConfigFile {
  const file = path.join(runDir, CONFIG_JSON);
  const broken = (problem: 'missing' | 'other', why: string, fix: string) => new RunFolderError(problem, file, `${why} ${fix}`, fix);
  if (!existsSync(file)) throw broken('missing', `${runDir} is not a run folder (no ${CONFIG_JSON}).`, 'Name a folder convstudio train created.');
  let cfg: RunConfigFile;
  try {
    cfg = readJson<RunConfigFile>(file);
  } catch (err) {
    if (err instanceof SyntaxError) throw broken('other', `${file} is not valid JSON (${err.message}).`, 'Restore it, or train the graph again.');
    throw runFolderError(err, file, `read ${file}`);
  }
  if (!cfg || typeof cfg !== 'object' || typeof cfg.runId !== 'string') throw broken('other', `${file} is not a run's config (no runId).`, 'Restore it, or train the graph again.');
  return cfg;
}

/**
 * Appends one event as one line. The line goes to the OS in one write (no user-space buffer, so
 * a killed process loses nothing it reported); a write that fails part-way (a full disk) is cut
 * back off, so the file never keeps half a line. Events that mark progress are also fsynced.
 */
export function appendEvent(runDir: string, event: TrainingEvent): void {
  const file = path.join(runDir, METRICS_JSONL);
  const bytes = Buffer.from(`${JSON.stringify(event)}\n`);
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (err) {
    throw runFolderError(err, file, `write ${METRICS_JSONL}`);
  }
  let size = -1;
  try {
    size = fstatSync(fd).size;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    if (event.event !== 'batch') fsyncSync(fd);
  } catch (err) {
    if (size >= 0) {
      try { ftruncateSync(fd, size); } catch { /* repaired on the next open (repairMetrics) */ }
    }
    throw runFolderError(err, file, `write ${METRICS_JSONL}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Cuts a torn last line (a write the OS never finished: the process killed mid-write, a disk
 * full before the truncation above could run) off metrics.jsonl, so the next event starts on a
 * line of its own. Returns the bytes removed, or null when the file was whole.
 */
export function repairMetrics(runDir: string): { bytes: number; text: string } | null {
  const file = path.join(runDir, METRICS_JSONL);
  if (!existsSync(file)) return null;
  return guardFs(file, `repair ${METRICS_JSONL}`, () => {
    const fd = openSync(file, 'r');
    let keep = -1;
    let size = 0;
    let tail = '';
    try {
      size = fstatSync(fd).size;
      if (size === 0) return null;
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] === 0x0a) return null;
      // Walk back in chunks to the last newline: only the torn line is read, however long the file.
      const chunk = Buffer.alloc(64 * 1024);
      for (let end = size; end > 0 && keep < 0;) {
        const start = Math.max(0, end - chunk.length);
        const n = readSync(fd, chunk, 0, end - start, start);
        const at = chunk.subarray(0, n).lastIndexOf(0x0a);
        if (at >= 0) keep = start + at + 1;
        end = start;
      }
      if (keep < 0) keep = 0;
      const torn = Buffer.alloc(Math.min(size - keep, 200));
      readSync(fd, torn, 0, torn.length, keep);
      tail = torn.toString('utf8');
    } finally {
      closeSync(fd);
    }
    truncateSync(file, keep);
    return { bytes: size - keep, text: tail };
  });
}

/** Every event recorded; a torn last line (the process was killed mid-write) is skipped. */
export function readEvents(runDir: string): TrainingEvent[] {
  const file = path.join(runDir, METRICS_JSONL);
  if (!existsSync(file)) return [];
  const out: TrainingEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as TrainingEvent);
    } catch { /* torn line */ }
  }
  return out;
}

export function writeFinal(runDir: string, final: FinalFile): void {
  const file = path.join(runDir, FINAL_JSON);
  guardFs(file, `write ${FINAL_JSON}`, () => writeJsonAtomic(file, final));
}

export function readFinal(runDir: string): FinalFile | null {
  const file = path.join(runDir, FINAL_JSON);
  if (!existsSync(file)) return null;
  try {
    return readJson<FinalFile>(file);
  } catch {
    return null;
  }
}

/** Whether a live process other than the caller's jobs holds the run's lock (the app while the CLI trains it). */
export function isRunningElsewhere(runDir: string): boolean {
  return liveLock(runDir) !== null;
}

export function summarizeRun(runDir: string, running: boolean): RunSummary | null {
  let cfg: RunConfigFile;
  try {
    cfg = readRunConfig(runDir);
  } catch {
    return null;
  }
  const final = readFinal(runDir);
  const events = readEvents(runDir);
  const epochs = events.filter((e): e is Extract<TrainingEvent, { event: 'epoch' }> => e.event === 'epoch');
  const last = epochs[epochs.length - 1];
  const status: RunSummary['status'] = running || (!final && isRunningElsewhere(runDir)) ? 'running' : final ? final.status : 'interrupted';
  let backend: string | null = final?.backend ?? null;
  let lastError: string | null = null;
  for (const e of events) {
    if (e.event === 'start') backend = e.backend;
    else if (e.event === 'error') lastError = e.message;
  }
  return {
    runId: cfg.runId,
    runDir,
    name: readRunMeta(runDir)?.name ?? cfg.name,
    graphName: cfg.name,
    startedAt: cfg.startedAt,
    status,
    epochsDone: final?.epochs ?? (last ? last.epoch : 0),
    config: cfg.config,
    final: final
      ? { train_loss: final.train_loss, val_loss: final.val_loss, val_acc: final.val_acc }
      : last ? { train_loss: last.train_loss, val_loss: last.val_loss, val_acc: last.val_acc } : null,
    seconds: final?.seconds ?? null,
    backend,
    // A run that trains again has no reason yet; one that ended says why, or the last error it reported.
    message: status === 'running' ? null : final?.message ?? (status === 'failed' || status === 'interrupted' ? lastError : null),
  };
}

/** Newest first. */
export function listRunDirs(runsRoot: string): string[] {
  if (!existsSync(runsRoot)) return [];
  return readdirSync(runsRoot)
    .filter((n) => isRunId(n) && existsSync(path.join(runsRoot, n, CONFIG_JSON)))
    .map((n) => path.join(runsRoot, n))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}
