/**
 * Checkpoints: runDir/checkpoints/e0003-b00000/ = model.json + weights.bin (through the fs
 * IOHandler) + state.json (where training stands and the SHA-256 of weights.bin). "e0003-b00120"
 * means three epochs complete and 120 batches of the fourth (a graceful stop mid-epoch).
 *
 * Writing goes to a temporary folder renamed into place, and older checkpoints are pruned only
 * after the new one exists, keeping the newest two. A checkpoint that fails to verify on resume
 * is renamed *.corrupt-<time> (kept for inspection, never loaded again) and the next older one
 * is used.
 */

import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsIOHandler } from '../engine/fs-io';
import { fsyncDir, writeFileDurable } from '../common/atomic';
import '../engine/layers/index';

export const CHECKPOINTS = 'checkpoints';
const NAME = /^e(\d{4,})-b(\d{5,})$/;
const KEEP = 2;

export interface TrainState {
  /** Epochs fully completed. */
  epochsDone: number;
  /** Batches already trained in the next epoch (non-zero only after a mid-epoch stop). */
  batchesDone: number;
  /** Sum and count of the batch losses of that partial epoch, so its mean stays right. */
  partialLossSum: number;
  partialLossCount: number;
  /** Last completed epoch's metrics. */
  last: { train_loss: number; val_loss: number; val_acc: number } | null;
  /** Wall time spent so far (seconds), across resumes. */
  seconds: number;
}

interface StateFile extends TrainState {
  weightsSha256: string;
  savedAt: string;
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

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export async function saveCheckpoint(runDir: string, model: LayersModel, state: TrainState): Promise<string> {
  const root = path.join(runDir, CHECKPOINTS);
  mkdirSync(root, { recursive: true });
  const final = path.join(root, checkpointName(state));
  const tmp = path.join(root, `.tmp-${checkpointName(state)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await model.save(fsIOHandler(tmp));
    const file: StateFile = { ...state, weightsSha256: sha256(path.join(tmp, 'weights.bin')), savedAt: new Date().toISOString() };
    writeFileDurable(path.join(tmp, 'state.json'), JSON.stringify(file, null, 2));
    fsyncDir(tmp);
    // Re-saving the same point (a resumed run stopped again at once) replaces the old copy.
    if (existsSync(final)) rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    fsyncDir(root);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  for (const old of listCheckpoints(runDir).slice(KEEP)) rmSync(old, { recursive: true, force: true });
  return final;
}

export interface LoadResult {
  loaded: { model: LayersModel; state: TrainState; path: string } | null;
  /** Newer checkpoints that failed to load, with the reason (already set aside). */
  rejected: { path: string; reason: string }[];
}

async function loadOne(dir: string): Promise<{ model: LayersModel; state: TrainState }> {
  const statePath = path.join(dir, 'state.json');
  if (!existsSync(statePath)) throw new Error('state.json is missing');
  let state: StateFile;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as StateFile;
  } catch (err) {
    throw new Error(`state.json is not valid JSON (${(err as Error).message})`);
  }
  if (!Number.isInteger(state.epochsDone) || !Number.isInteger(state.batchesDone)) throw new Error('state.json has no epoch/batch position');
  const weights = path.join(dir, 'weights.bin');
  if (existsSync(weights) && sha256(weights) !== state.weightsSha256) throw new Error('weights.bin does not match its SHA-256 in state.json (corrupt)');
  const model = await loadLayersModel(fsIOHandler(dir));
  const { weightsSha256: _h, savedAt: _s, ...rest } = state;
  return { model, state: rest };
}

/** The newest checkpoint that loads, setting aside (and reporting) any newer broken ones. */
export async function loadLatestCheckpoint(runDir: string): Promise<LoadResult> {
  const rejected: LoadResult['rejected'] = [];
  for (const dir of listCheckpoints(runDir)) {
    try {
      const { model, state } = await loadOne(dir);
      return { loaded: { model, state, path: dir }, rejected };
    } catch (err) {
      const aside = `${dir}.corrupt-${Date.now()}`;
      try { renameSync(dir, aside); } catch { /* leave it; it is skipped next time too */ }
      rejected.push({ path: dir, reason: (err as Error).message });
    }
  }
  return { loaded: null, rejected };
}
