/**
 * Cached whole-validation evaluations: runDir/evaluations/<checkpoint>.json, one per checkpoint
 * evaluated (issue 12). Evaluating 10,000 images is seconds to minutes; the answer cannot change
 * while the checkpoint does not, so it is computed once.
 *
 * A cache entry names what it was computed from — the SHA-256 of the checkpoint's manifest (which
 * itself pins every weight byte and the graph) and the validation subset's size — and is used
 * only while both still hold: a checkpoint re-saved at the same point (a resumed run stopped
 * again) or a changed config makes it stale, and it is recomputed. Written atomically; a torn or
 * foreign file is ignored, never trusted, never fatal.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Evaluation } from '../../shared/insight';
import { writeJsonAtomic } from '../common/atomic';
import { runFolderError } from './errors';

export const EVALUATIONS = 'evaluations';
const FORMAT = 'convstudio.evaluation';
/** Far above any real entry (10,000 predictions are ~30 kB), so a stray huge file is not read. */
const MAX_BYTES = 8 * 1024 * 1024;

/** What an evaluation was computed from: it is valid exactly while these are unchanged. */
export interface EvaluationKey {
  /** The checkpoint's folder name, or "initial" for the weights the run started from. */
  checkpoint: string;
  /** SHA-256 of the checkpoint's manifest.json (for "initial": of graph.json and the seed). */
  sourceSha256: string;
  samples: number;
}

interface CacheFile {
  format: typeof FORMAT;
  version: 1;
  key: EvaluationKey;
  evaluation: Omit<Evaluation, 'cached'>;
}

export const sha256Of = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

export function evaluationFile(runDir: string, checkpoint: string): string {
  return path.join(runDir, EVALUATIONS, `${checkpoint}.json`);
}

/** The cached evaluation for `key`, or null when there is none or it no longer matches. */
export function readEvaluation(runDir: string, key: EvaluationKey): Evaluation | null {
  const file = evaluationFile(runDir, key.checkpoint);
  try {
    if (!existsSync(file) || readFileSync(file).length > MAX_BYTES) return null;
    const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (c?.format !== FORMAT || c.version !== 1 || !c.key || !c.evaluation) return null;
    if (c.key.checkpoint !== key.checkpoint || c.key.sourceSha256 !== key.sourceSha256 || c.key.samples !== key.samples) return null;
    if (!Array.isArray(c.evaluation.confusion) || c.evaluation.samples !== key.samples) return null;
    return { ...c.evaluation, cached: true };
  } catch {
    // Unreadable or torn (it cannot be torn by us: writes are atomic): recompute and overwrite.
    return null;
  }
}

/** Whether a valid cache entry exists, without parsing more than needed by the caller's listing. */
export function hasEvaluation(runDir: string, key: EvaluationKey): boolean {
  return readEvaluation(runDir, key) !== null;
}

export function writeEvaluation(runDir: string, key: EvaluationKey, evaluation: Evaluation): void {
  const { cached: _cached, ...rest } = evaluation;
  const file = evaluationFile(runDir, key.checkpoint);
  const body: CacheFile = { format: FORMAT, version: 1, key, evaluation: rest };
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeJsonAtomic(file, body);
  } catch (err) {
    throw runFolderError(err, file, 'cache the evaluation');
  }
}
