/**
 * What the user says about a run after it was made: its name, kept in meta.json beside the run's
 * own files and written whole (main/common/atomic.ts). config.json is the trainer's record of what
 * was asked and stays as it was written; a rename never touches it.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../common/atomic';
import { guardFs } from './errors';

export const META_JSON = 'meta.json';

/** Long enough for "LeNet, Adam 1e-3, 20 epochs at 28 px (second try)", short enough for a table cell. */
export const MAX_RUN_NAME = 120;

export interface RunMeta {
  name: string;
}

/** The name as stored, or why it cannot be one (null: fine). An empty name clears it. */
export function runNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'A run name is text.';
  if (name.trim().length > MAX_RUN_NAME) return `A run name is at most ${MAX_RUN_NAME} characters (this one has ${name.trim().length}).`;
  // Control characters would break the history table and the terminal the CLI prints to.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'A run name cannot contain line breaks or control characters.';
  return null;
}

/** The user's name for the run, or null when it has none (or meta.json is unreadable: the graph's name stands). */
export function readRunMeta(runDir: string): RunMeta | null {
  const file = path.join(runDir, META_JSON);
  if (!existsSync(file)) return null;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunMeta>;
    return typeof v.name === 'string' && v.name.trim() ? { name: v.name.trim() } : null;
  } catch {
    return null;
  }
}

/** Writes the run's name (trimmed); throws a RunFolderError naming the file when the folder cannot take it. */
export function writeRunName(runDir: string, name: string): string {
  const file = path.join(runDir, META_JSON);
  const trimmed = name.trim();
  guardFs(file, `rename the run (write ${META_JSON})`, () => writeJsonAtomic(file, { name: trimmed } satisfies RunMeta));
  return trimmed;
}
