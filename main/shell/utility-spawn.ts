/**
 * The job manager's SpawnFn on Electron's utilityProcess.fork: training runs in a Chromium
 * utility process with Node, off the main process's event loop, and a crash in it (native abort,
 * out of memory) ends only that process — the job manager sees the exit and reports the run as
 * failed while the window stays up.
 *
 * The child is always the bundled training entry (out/main/train-process.cjs, built from the
 * same main/engine/train-process.ts the CLI runs): the job manager may name a .ts source, which
 * Electron cannot load.
 */

import type { ChildLike, SpawnFn } from '../engine/jobs';
export type { ChildLike, SpawnFn };

/** The slice of Electron's UtilityProcess used here. */
export interface UtilityChild {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface UtilityForker {
  fork(modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'inherit' | 'pipe' | 'ignore'; env?: Record<string, string | undefined> }): UtilityChild;
}

/** `serviceName` is what the OS task manager shows; the engine service passes its own. */
export function createUtilitySpawn({ utilityProcess, entry, serviceName = 'ConvStudio training' }: { utilityProcess: UtilityForker; entry: string; serviceName?: string }): SpawnFn {
  return (_modulePath, args) => {
    const child = utilityProcess.fork(entry, args, { serviceName, stdio: 'inherit' });
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    return {
      send(msg) {
        // postMessage on an exited process throws; a stop request racing the exit is harmless.
        if (!exited) child.postMessage(msg);
      },
      onMessage(cb) {
        child.on('message', cb);
      },
      onExit(cb) {
        // utilityProcess reports only an exit code; a fatal signal shows up as a non-zero code.
        child.on('exit', (code) => cb(code, null));
      },
      kill() {
        if (!exited) child.kill();
      },
    };
  };
}
