/**
 * Deleting a run folder without racing its trainer. The folder is first renamed aside, so a
 * trainer that starts after that finds no run; then the run lock is read in the moved folder. A
 * live lock means a process trains it: the folder goes back where it was and the delete is
 * refused. Only an unlocked folder is removed.
 */

import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../common/atomic';
import { RunFolderError, runFolderError } from './errors';
import { describeHolder, liveLock } from './run-lock';

/** Removes the run folder `runsRoot/runId`; a RunFolderError ('missing', 'locked', or the disk's) when it cannot. */
export function deleteRunFolder(runsRoot: string, runId: string): void {
  const runDir = path.join(runsRoot, runId);
  if (!existsSync(runDir)) throw new RunFolderError('missing', runDir, `There is no run ${runId} in ${runsRoot} (already deleted?).`, 'Refresh the list of runs.');
  const aside = path.join(runsRoot, `.${runId}.deleting`);
  try {
    renameSync(runDir, aside);
  } catch (err) {
    throw runFolderError(err, runDir, `delete the run ${runId}`);
  }
  const holder = liveLock(aside);
  if (holder) {
    renameSync(aside, runDir);
    throw new RunFolderError('locked', path.join(runDir, 'running.json'), `The run ${runId} is being trained by ${describeHolder(holder)}; it was not deleted. Stop it first.`, 'Stop it first.');
  }
  try {
    rmSync(aside, { recursive: true, force: true });
  } catch (err) {
    throw runFolderError(err, aside, `delete the run ${runId}`);
  }
  fsyncDir(runsRoot);
}
