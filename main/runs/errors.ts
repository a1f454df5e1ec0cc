/**
 * A file-system failure of a run folder as the one RunFolderError (main/engine-core/), naming the
 * file and the fix.
 */

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { RunFolderError, type RunFolderProblem } from '../engine-core/run-folder-error';

export { RunFolderError, type RunFolderProblem } from '../engine-core/run-folder-error';

/** The nearest existing ancestor of `p` that is not a folder (the file in the way of a mkdir), if any. */
function fileInTheWay(p: string): string | null {
  for (let dir = path.resolve(p); ; dir = path.dirname(dir)) {
    if (existsSync(dir)) {
      try {
        return statSync(dir).isDirectory() ? null : dir;
      } catch {
        return null;
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * `err` (from node:fs) while doing `what` ("create the run folder", "write metrics.jsonl") to
 * `file`, as a RunFolderError. Anything that is not an errno error is passed through untouched.
 */
export function runFolderError(err: unknown, file: string, what: string): unknown {
  if (err instanceof RunFolderError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code !== 'string') return err;
  const make = (problem: RunFolderProblem, why: string, fix: string) => new RunFolderError(problem, file, `Could not ${what}: ${why}. ${fix}`, fix);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return make('disk-full', `the disk holding ${file} is full`, 'Free some space on it, or train into a folder on another disk.');
    case 'EROFS':
      return make('read-only', `${file} is on a read-only file system`, 'Train into a folder you can write to.');
    case 'EACCES':
    case 'EPERM':
      return make('no-permission', `no permission to write ${file}`, 'Train into a folder you can write to, or change its permissions.');
    case 'ENOTDIR':
    case 'EEXIST': {
      const blocker = fileInTheWay(file);
      if (blocker) return make('not-a-folder', `${blocker} is a file, not a folder`, 'Choose a folder for the runs (or move the file away).');
      return make('other', `${file}: ${(err as Error).message}`, 'Check the path.');
    }
    case 'ENOENT':
      return make('missing', `${file} does not exist`, 'Check the path; the run folder may have been moved or deleted.');
    case 'ENAMETOOLONG':
      return make('other', `the path ${file} is too long`, 'Choose a shorter folder path.');
    default:
      return make('other', `${(err as Error).message}`, 'Check that the folder is writable and has space.');
  }
}

/** Runs `fn`, turning a file-system failure into a RunFolderError about `file`. */
export function guardFs<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw runFolderError(err, file, what);
  }
}
