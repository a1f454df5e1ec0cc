/**
 * A run is a folder: graph.json (what was trained), config.json (how), metrics.jsonl (every
 * event, appended and flushed as it happens, so a crash loses nothing already reported),
 * checkpoints/ and, once finished, final.json. Everything a resumed run or the UI's history
 * needs is in it; nothing lives only in memory.
 */

import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { GraphDoc } from '../../shared/graph/types';
import type { RunSummary, TrainConfig, TrainingEvent } from '../../shared/training';
import { writeJsonAtomic } from '../common/atomic';

export const GRAPH_JSON = 'graph.json';
export const CONFIG_JSON = 'config.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const FINAL_JSON = 'final.json';
/** Present while a training process works on the run: { pid }. Lets another process (the app
 * while the CLI trains) tell "running" from "interrupted". */
export const RUNNING_JSON = 'running.json';

export interface RunConfigFile {
  runId: string;
  name: string;
  startedAt: string;
  config: TrainConfig;
}

export interface FinalFile {
  status: 'done' | 'stopped' | 'failed';
  epochs: number;
  train_loss: number | null;
  val_loss: number | null;
  val_acc: number | null;
  seconds: number;
  backend: string | null;
  device: string | null;
  message?: string;
  finishedAt: string;
}

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

export function createRun(runsRoot: string, graph: GraphDoc, config: TrainConfig): { runId: string; runDir: string } {
  mkdirSync(runsRoot, { recursive: true });
  const runId = newRunId(graph.name);
  const runDir = path.join(runsRoot, runId);
  mkdirSync(runDir);
  writeJsonAtomic(path.join(runDir, GRAPH_JSON), graph);
  const file: RunConfigFile = { runId, name: graph.name, startedAt: new Date().toISOString(), config };
  writeJsonAtomic(path.join(runDir, CONFIG_JSON), file);
  return { runId, runDir };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function readRunConfig(runDir: string): RunConfigFile {
  const file = path.join(runDir, CONFIG_JSON);
  if (!existsSync(file)) throw new Error(`${runDir} is not a run folder (no ${CONFIG_JSON})`);
  return readJson<RunConfigFile>(file);
}

/** Appends one event per line. appendFileSync hands each line to the OS at once (no user-space buffer). */
export function appendEvent(runDir: string, event: TrainingEvent): void {
  appendFileSync(path.join(runDir, METRICS_JSONL), `${JSON.stringify(event)}\n`);
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
  writeJsonAtomic(path.join(runDir, FINAL_JSON), final);
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

export function markRunning(runDir: string): void {
  writeJsonAtomic(path.join(runDir, RUNNING_JSON), { pid: process.pid, since: new Date().toISOString() });
}

export function clearRunning(runDir: string): void {
  rmSync(path.join(runDir, RUNNING_JSON), { force: true });
}

/** Whether the process recorded in running.json is still alive (a killed one leaves the file behind). */
export function isRunningElsewhere(runDir: string): boolean {
  const file = path.join(runDir, RUNNING_JSON);
  if (!existsSync(file)) return false;
  try {
    const { pid } = readJson<{ pid: number }>(file);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive but someone else's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  return {
    runId: cfg.runId,
    runDir,
    name: cfg.name,
    startedAt: cfg.startedAt,
    status,
    epochsDone: final?.epochs ?? (last ? last.epoch : 0),
    config: cfg.config,
    final: final
      ? { train_loss: final.train_loss, val_loss: final.val_loss, val_acc: final.val_acc }
      : last ? { train_loss: last.train_loss, val_loss: last.val_loss, val_acc: last.val_acc } : null,
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
