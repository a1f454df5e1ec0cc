/**
 * The one error a run store raises for a failure of the run's storage: typed, naming the file or
 * folder and saying what to do, so every host can show it as one line (the CLI on stderr, the app
 * as a toast, the training process as an error event) instead of an errno and a stack. Raised by
 * the Node run folder (main/runs/errors.ts turns errno errors into it) and rebuilt from an Api
 * error by a Web Worker's store, so the trainer handles both the same way.
 */

export type RunFolderProblem = 'disk-full' | 'read-only' | 'no-permission' | 'not-a-folder' | 'missing' | 'locked' | 'other';

export const RUN_FOLDER_PROBLEMS: readonly RunFolderProblem[] = ['disk-full', 'read-only', 'no-permission', 'not-a-folder', 'missing', 'locked', 'other'];

export class RunFolderError extends Error {
  override name = 'RunFolderError';
  readonly code = 'run-folder';
  constructor(
    readonly problem: RunFolderProblem,
    /** The file or folder concerned. */
    readonly file: string,
    message: string,
    /** What to do about it, already part of the message; kept apart for hosts that show it separately. */
    readonly fix: string,
  ) {
    super(message);
  }
}
