/**
 * The one guarded way to read a small text file that came from a user or from disk (graph files
 * for every CLI command and the app's Open, a run's graph.json and config.json). A path can name
 * anything: a folder (EISDIR and a stack trace), a FIFO (a read that never returns), /dev/zero
 * (a read that fills memory until the process aborts), or a 100 MB file (read whole, then
 * refused). So the file is opened without blocking, checked to be a regular file and small
 * enough on the open descriptor (no gap between the check and the read), and read only up to the
 * limit. Every refusal is a value with one sentence naming the file and what to do; nothing is
 * thrown.
 */

import { closeSync, constants, fstatSync, openSync, readSync, promises as fsp, type Stats } from 'node:fs';
import { MAX_GRAPH_BYTES } from '../../shared/graph/parse';

export interface ReadLimits {
  /** Refused above this many bytes, before reading. */
  maxBytes: number;
  /** What the file should be, for messages: "a graph file", "the run's config.json". */
  what: string;
}

/** A convstudio.graph file: the same limit the parser holds text to. */
export const GRAPH_FILE: ReadLimits = { maxBytes: MAX_GRAPH_BYTES, what: 'a graph file' };

export type ReadFailureCode = 'not-found' | 'not-a-file' | 'too-large' | 'unreadable';

export type ReadOutcome =
  | { ok: true; text: string }
  | { ok: false; code: ReadFailureCode; message: string };

// A FIFO opened for reading blocks until a writer appears; O_NONBLOCK returns at once so fstat
// can refuse it. Windows has no such flag (and no FIFOs in the file system).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const mb = (bytes: number): string => (bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1048576).toFixed(1)} MB`);
const limitText = (bytes: number): string => (bytes < 1048576 ? `${Number((bytes / 1024).toFixed(2))} kB` : `${Number((bytes / 1048576).toFixed(2))} MB`);

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notAFile(file: string, kind: string, limits: ReadLimits): ReadOutcome {
  return { ok: false, code: 'not-a-file', message: `${file} is ${kind}, not ${limits.what}: name a regular file.` };
}

function tooLarge(file: string, size: number | null, limits: ReadLimits): ReadOutcome {
  const is = size === null ? `is larger than ${limitText(limits.maxBytes)}` : `is ${mb(size)}`;
  return { ok: false, code: 'too-large', message: `${file} ${is}; ${limits.what} is at most ${limitText(limits.maxBytes)}. Is this the right file?` };
}

/** An error from open or read, as one sentence. */
function failure(file: string, err: unknown, limits: ReadLimits): ReadOutcome {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return { ok: false, code: 'not-found', message: `${file} does not exist.` };
    case 'ENOTDIR':
      return { ok: false, code: 'not-found', message: `${file} does not exist (a part of the path is a file, not a folder).` };
    case 'EISDIR':
      return notAFile(file, 'a folder', limits);
    case 'ENXIO':
      // Linux refuses to open a Unix socket as a file this way.
      return notAFile(file, 'a socket', limits);
    case 'EACCES':
    case 'EPERM':
      return { ok: false, code: 'unreadable', message: `No permission to read ${file}: check its permissions or copy it somewhere readable.` };
    default: {
      const why = err instanceof Error ? err.message : String(err);
      return { ok: false, code: 'unreadable', message: `Cannot read ${file}: ${why}.` };
    }
  }
}

function checkStats(file: string, s: Stats, limits: ReadLimits): ReadOutcome | null {
  if (!s.isFile()) return notAFile(file, kindOf(s), limits);
  if (s.size > limits.maxBytes) return tooLarge(file, s.size, limits);
  return null;
}

/** Reads `file` as UTF-8 text if it is a regular file of at most `limits.maxBytes`. */
export function readTextFileSync(file: string, limits: ReadLimits): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    return failure(file, err, limits);
  }
  try {
    const refused = checkStats(file, fstatSync(fd), limits);
    if (refused) return refused;
    // One byte over the limit tells a file that grew since fstat from one that fits.
    const buf = Buffer.allocUnsafe(limits.maxBytes + 1);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > limits.maxBytes) return tooLarge(file, null, limits);
    }
    return { ok: true, text: buf.toString('utf8', 0, total) };
  } catch (err) {
    return failure(file, err, limits);
  } finally {
    closeSync(fd);
  }
}

/** readTextFileSync for an event loop that must not wait on the disk (the Electron main process). */
export async function readTextFile(file: string, limits: ReadLimits): Promise<ReadOutcome> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, OPEN_FLAGS);
  } catch (err) {
    return failure(file, err, limits);
  }
  try {
    const refused = checkStats(file, await handle.stat(), limits);
    if (refused) return refused;
    const buf = Buffer.allocUnsafe(limits.maxBytes + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limits.maxBytes) return tooLarge(file, null, limits);
    }
    return { ok: true, text: buf.toString('utf8', 0, total) };
  } catch (err) {
    return failure(file, err, limits);
  } finally {
    await handle.close();
  }
}
