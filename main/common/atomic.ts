/**
 * Atomic file writes, the one implementation for every file the app writes whole (run folders,
 * checkpoints, downloads, saved graphs, window and recent-file state): write a temporary file
 * beside the target, fsync it, rename it over the target, fsync the folder. A crash at any point
 * leaves either the old file or the new one, never half of one. The sync forms serve the engine
 * and the CLI; the async forms the Electron main process, whose event loop a write must not hold.
 */

import { closeSync, fsyncSync, openSync, promises as fs, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

let counter = 0;

/** A sibling temporary name, unique per call so concurrent writes of one file cannot collide. */
function tempFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
}

const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? Buffer.from(data) : data);
const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export function fsyncDir(dir: string): void {
  // Not every platform can open a directory for fsync (Windows); there rename is already durable enough.
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* best effort */ }
}

/** Writes and fsyncs `file` in place (for files inside a folder that is itself renamed into place). */
export function writeFileDurable(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    const bytes = bytesOf(data);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tempFor(file);
  try {
    writeFileDurable(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, jsonText(value));
}

async function fsyncDirAsync(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, 'r');
    try { await h.sync(); } finally { await h.close(); }
  } catch { /* best effort, as fsyncDir */ }
}

export async function writeFileAtomicAsync(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempFor(file);
  try {
    const h = await fs.open(tmp, 'w');
    try {
      await h.writeFile(bytesOf(data));
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDirAsync(path.dirname(file));
}

export async function writeJsonAtomicAsync(file: string, value: unknown): Promise<void> {
  await writeFileAtomicAsync(file, jsonText(value));
}
