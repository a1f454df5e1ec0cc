/**
 * Checkpoints: runDir/checkpoints/e0003-b00000/ = model.json + weights.bin (through the fs
 * IOHandler) + state.json (where training stands) + manifest.json (the size and SHA-256 of each
 * of those three, and of the run's graph.json when the checkpoint was saved). "e0003-b00120" means
 * three epochs complete and 120 batches of the fourth (a graceful stop mid-epoch).
 *
 * Writing goes to a temporary folder renamed into place, the manifest last, and older
 * checkpoints are pruned only after the new one exists, keeping the newest two. Loading verifies
 * every file against the manifest before it parses any: a checkpoint that fails (a file edited,
 * truncated, missing, the graph changed since) is renamed *.corrupt-<time> (kept for inspection,
 * never loaded again), reported, and the next older one is used.
 */

import type { io } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fsIOHandler } from '../engine/fs-io';
import { fsyncDir, writeFileDurable } from '../common/atomic';
import { runFolderError } from './errors';
import type { OptimizerState } from '../../shared/training/optimizer';
import '../engine-core/layers/index';
import type { LoadResult, TrainState } from '../engine-core/run-store';

export type { LoadResult, TrainState };

export const CHECKPOINTS = 'checkpoints';
const NAME = /^e(\d{4,})-b(\d{5,})$/;
const KEEP = 2;

/** state.json: the optimizer state's arrays are listed in order; their values are optimizer.bin's float32s. */
interface StateFile extends Omit<TrainState, 'optimizer'> {
  optimizer?: { kind: OptimizerState['kind']; steps: OptimizerState['steps']; slots: { name: string; shape: number[] }[] } | null;
  savedAt: string;
}

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const STATE_JSON = 'state.json';
export const MANIFEST_JSON = 'manifest.json';
/** Written when the run's optimizer has state (SGD with momentum, Adam, AdamW). */
const OPTIMIZER_BIN = 'optimizer.bin';
/** The files a checkpoint is made of, each listed in its manifest (optimizer.bin too, where there is one). */
const FILES = [MODEL_JSON, WEIGHTS_BIN, STATE_JSON] as const;
type CheckpointFile = (typeof FILES)[number] | typeof OPTIMIZER_BIN;
const MANIFEST_FORMAT = 'convstudio.checkpoint';

interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  files: Partial<Record<CheckpointFile, { bytes: number; sha256: string }>>;
  /** SHA-256 of the run's graph.json at the time: weights only fit the graph they were trained for. */
  graphSha256: string | null;
}

export function checkpointName(s: Pick<TrainState, 'epochsDone' | 'batchesDone'>): string {
  return `e${String(s.epochsDone).padStart(4, '0')}-b${String(s.batchesDone).padStart(5, '0')}`;
}

/** Valid-looking checkpoint folders, newest first. */
export function listCheckpoints(runDir: string): string[] {
  const dir = path.join(runDir, CHECKPOINTS);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => NAME.test(n))
    .sort((a, b) => {
      const [, ea, ba] = NAME.exec(a)!;
      const [, eb, bb] = NAME.exec(b)!;
      return Number(eb) - Number(ea) || Number(bb) - Number(ba);
    })
    .map((n) => path.join(dir, n));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function graphHash(runDir: string): string | null {
  const file = path.join(runDir, 'graph.json');
  return existsSync(file) ? sha256(readFileSync(file)) : null;
}

/**
 * What a checkpoint is saved from: a model here, or the artifacts a Web Worker's model saved
 * (main/runs/worker-runs.ts), written through the same handler, so both give the same files.
 */
export interface Savable {
  save(handler: io.IOHandler): Promise<unknown>;
}

export const savableArtifacts = (artifacts: io.ModelArtifacts): Savable => ({ save: (h) => h.save!(artifacts) });

export async function saveCheckpoint(runDir: string, model: Savable, state: TrainState): Promise<string> {
  const root = path.join(runDir, CHECKPOINTS);
  const name = checkpointName(state);
  const final = path.join(root, name);
  const tmp = path.join(root, `.tmp-${name}-${process.pid}`);
  try {
    mkdirSync(root, { recursive: true });
    // Only the lock holder saves, so any other temporary folder is left over from a killed save.
    for (const n of readdirSync(root)) if (n.startsWith('.tmp-')) rmSync(path.join(root, n), { recursive: true, force: true });
    await model.save(fsIOHandler(tmp));
    const { optimizer, ...rest } = state;
    const file: StateFile = {
      ...rest,
      optimizer: optimizer ? { kind: optimizer.kind, steps: optimizer.steps, slots: optimizer.slots.map((x) => ({ name: x.name, shape: x.shape })) } : null,
      savedAt: new Date().toISOString(),
    };
    writeFileDurable(path.join(tmp, STATE_JSON), JSON.stringify(file, null, 2));
    const written: CheckpointFile[] = [...FILES];
    if (optimizer) {
      writeFileDurable(path.join(tmp, OPTIMIZER_BIN), Buffer.concat(optimizer.slots.map((x) => Buffer.from(x.values.buffer, x.values.byteOffset, x.values.byteLength))));
      written.push(OPTIMIZER_BIN);
    }
    const files = Object.fromEntries(written.map((f) => {
      const bytes = readFileSync(path.join(tmp, f));
      return [f, { bytes: bytes.length, sha256: sha256(bytes) }];
    })) as Manifest['files'];
    const manifest: Manifest = { format: MANIFEST_FORMAT, version: 1, files, graphSha256: graphHash(runDir) };
    writeFileDurable(path.join(tmp, MANIFEST_JSON), JSON.stringify(manifest, null, 2));
    fsyncDir(tmp);
    // Re-saving the same point (a resumed run stopped again at once) replaces the old copy.
    if (existsSync(final)) rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    fsyncDir(root);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw runFolderError(err, final, `save checkpoint ${name}`);
  }
  for (const old of listCheckpoints(runDir).slice(KEEP)) rmSync(old, { recursive: true, force: true });
  return final;
}

function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_JSON);
  if (!existsSync(file)) throw new Error(`${MANIFEST_JSON} is missing (the checkpoint is incomplete)`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(`${MANIFEST_JSON} is not valid JSON (${(err as Error).message})`);
  }
  if (m?.format !== MANIFEST_FORMAT || m.version !== 1 || !m.files || typeof m.files !== 'object') throw new Error(`${MANIFEST_JSON} is not a checkpoint manifest`);
  return m;
}

/** Every file against the manifest, before any of them is parsed. Throws the first mismatch, in words. (The exporter checks with it too.) */
export function verifyCheckpoint(runDir: string, dir: string): void {
  const m = readManifest(dir);
  for (const f of [...FILES, ...(m.files[OPTIMIZER_BIN] ? [OPTIMIZER_BIN] : [])] as CheckpointFile[]) {
    const want = m.files[f];
    if (!want || typeof want.sha256 !== 'string' || !Number.isInteger(want.bytes)) throw new Error(`${MANIFEST_JSON} does not list ${f}`);
    const p = path.join(dir, f);
    if (!existsSync(p)) throw new Error(`${f} is missing`);
    const size = statSync(p).size;
    if (size !== want.bytes) throw new Error(`${f} holds ${size} bytes where the manifest says ${want.bytes} (truncated or overwritten)`);
    if (sha256(readFileSync(p)) !== want.sha256) throw new Error(`${f} does not match its SHA-256 in ${MANIFEST_JSON} (edited or corrupt)`);
  }
  const graph = graphHash(runDir);
  if (m.graphSha256 !== graph) throw new Error('the run\'s graph.json has changed since this checkpoint was saved, so its weights belong to another network');
}

async function loadOne<T>(runDir: string, dir: string, open: (h: io.IOHandler) => Promise<T>): Promise<{ model: T; state: TrainState }> {
  verifyCheckpoint(runDir, dir);
  const state = JSON.parse(readFileSync(path.join(dir, STATE_JSON), 'utf8')) as StateFile;
  if (!Number.isInteger(state.epochsDone) || !Number.isInteger(state.batchesDone) || state.epochsDone < 0 || state.batchesDone < 0) throw new Error(`${STATE_JSON} has no epoch/batch position`);
  if (checkpointName(state) !== path.basename(dir)) throw new Error(`${STATE_JSON} says ${checkpointName(state)}, not ${path.basename(dir)}`);
  const optimizer = state.optimizer ? readOptimizerState(dir, state.optimizer) : null;
  const model = await open(fsIOHandler(dir));
  const { savedAt: _s, optimizer: _o, ...rest } = state;
  return { model, state: optimizer ? { ...rest, optimizer } : rest };
}

/** optimizer.bin cut into the arrays state.json lists (the manifest has already vouched for its bytes). */
function readOptimizerState(dir: string, listed: NonNullable<StateFile['optimizer']>): OptimizerState {
  const file = path.join(dir, OPTIMIZER_BIN);
  if (!existsSync(file)) throw new Error(`${STATE_JSON} lists optimizer state but ${OPTIMIZER_BIN} is missing`);
  const bytes = readFileSync(file);
  const sizes = listed.slots.map((x) => x.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.length !== total * 4) throw new Error(`${OPTIMIZER_BIN} holds ${bytes.length} bytes where ${STATE_JSON}'s optimizer state needs ${total * 4}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  const slots = listed.slots.map((x, i) => {
    const values = all.slice(at, at + sizes[i]);
    at += sizes[i];
    return { name: x.name, shape: x.shape, values };
  });
  return { kind: listed.kind, steps: listed.steps, slots };
}

/** The newest checkpoint that loads, setting aside (and reporting) any newer broken ones. */
export function loadLatestCheckpoint(runDir: string): Promise<LoadResult> {
  return loadLatest<LayersModel>(runDir, (h) => loadLayersModel(h));
}

/** The same, as verified artifacts for a Web Worker's trainer to build its model from. */
export function readLatestCheckpoint(runDir: string): Promise<Omit<LoadResult, 'loaded'> & { loaded: { model: io.ModelArtifacts; state: TrainState; path: string } | null }> {
  return loadLatest(runDir, (h) => h.load!());
}

async function loadLatest<T>(runDir: string, open: (h: io.IOHandler) => Promise<T>): Promise<Omit<LoadResult, 'loaded'> & { loaded: { model: T; state: TrainState; path: string } | null }> {
  const rejected: LoadResult['rejected'] = [];
  for (const dir of listCheckpoints(runDir)) {
    try {
      const { model, state } = await loadOne(runDir, dir, open);
      return { loaded: { model, state, path: dir }, rejected };
    } catch (err) {
      const aside = `${dir}.corrupt-${Date.now()}`;
      try { renameSync(dir, aside); } catch { /* leave it; it is skipped next time too */ }
      rejected.push({ path: dir, reason: (err as Error).message });
    }
  }
  return { loaded: null, rejected };
}
