/**
 * Small JSON state files (window bounds, recent files) in userData. Reading is forgiving (state
 * files are advisory); writing is atomic (main/common/atomic.ts) — a crash or a second instance
 * mid-write must never leave half a file that breaks the next start.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomicAsync } from './atomic';

/** The parsed value, or null when the file is missing or not JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Writes the state file atomically, creating its folder (a first start has none yet). */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomicAsync(file, value);
}
