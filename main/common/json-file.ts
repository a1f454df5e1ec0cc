/**
 * Small JSON state files (window bounds, recent files) in userData. Written atomically — a
 * crash or a second instance mid-write must never leave half a file that breaks the next start.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The parsed value, or null when the file is missing or not JSON (state files are advisory). */
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

let counter = 0;

/** Write to a sibling temp file, then rename over the target (atomic on one filesystem). */
export async function writeJsonFileAtomic(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${counter++}.tmp`;
  try {
    await fs.writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
