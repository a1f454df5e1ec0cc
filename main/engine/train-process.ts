/**
 * The training process: `train-process <runDir> [--resume] [--epochs N]`. Forked by the job manager
 * (child_process.fork for the CLI and browser mode, Electron's utilityProcess.fork in the app),
 * so training never blocks the parent's event loop and a crash here ends only this process.
 *
 * Parent → child: { type: 'stop' } (graceful: finish the batch, checkpoint, exit 130).
 * Child → parent: { type: 'event', event: TrainingEvent }. A hard stop is the parent killing us.
 * SIGINT, SIGHUP and the parent's death (the IPC channel closing) stop gracefully too.
 * Exit code: 0 done, 1 failed, 130 stopped. Without an IPC channel (run by hand) events are
 * printed to stdout as JSON lines.
 */

import type { TrainingEvent } from '../../shared/training';
import { runTraining, type Outcome } from './node-trainer';

export type ParentMessage = { type: 'stop' };
export type ChildMessage = { type: 'event'; event: TrainingEvent };

export const EXIT_CODES: Record<Outcome, number> = { done: 0, failed: 1, stopped: 130 };

const USAGE = 'usage: train-process <runDir> [--resume] [--epochs N]\n';

function parseTrainArgs(argv: string[]): { runDir: string; resume: boolean; epochs?: number } | null {
  let runDir: string | null = null;
  let resume = false;
  let epochs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--resume') resume = true;
    else if (a === '--epochs') {
      epochs = Number(argv[++i]);
      if (!Number.isInteger(epochs)) return null;
    } else if (a.startsWith('--') || runDir !== null) return null;
    else runDir = a;
  }
  return runDir === null ? null : { runDir, resume, ...(epochs !== undefined ? { epochs } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const args = parseTrainArgs(argv);
  if (!args) {
    process.stderr.write(USAGE);
    return 2;
  }
  let stop = false;
  const requestStop = () => { stop = true; };
  process.on('message', (m: unknown) => {
    if (m && typeof m === 'object' && (m as ParentMessage).type === 'stop') requestStop();
  });
  // Ctrl-C in a terminal reaches the whole process group: treat it like the parent's graceful stop.
  // So is SIGHUP (the terminal closed): a stop costs one batch and keeps everything, an exit by the
  // signal's default loses the epoch so far. (SIGTERM is left to its default: handling it here made
  // tsx's signal relay kill the CLI above a dev-mode run on Ctrl-C.)
  for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, requestStop);

  // A parent that dies (killed, crashed) takes the IPC channel and our stdout/stderr pipes with it.
  // Training on unseen would hold the run's lock with nobody to stop it, and the next write to a
  // dead pipe would kill us mid-epoch (EPIPE) without a checkpoint; stop gracefully instead, so the
  // run is checkpointed and can be resumed. Every event is in metrics.jsonl, so none is lost.
  const forked = typeof process.send === 'function';
  process.on('disconnect', requestStop);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => { /* the reader is gone: see above */ });

  const send = (event: TrainingEvent) => {
    if (forked) {
      // With a callback a write to a parent that has just died (EPIPE, before 'disconnect') is
      // handed to us instead of being thrown as the process's 'error' event, which would kill it.
      if (process.connected) process.send!({ type: 'event', event } satisfies ChildMessage, undefined, undefined, (err) => { if (err) requestStop(); });
    } else process.stdout.write(`${JSON.stringify(event)}\n`);
  };
  const outcome = await runTraining(args.runDir, { emit: send, shouldStop: () => stop }, { resume: args.resume, ...(args.epochs !== undefined ? { epochs: args.epochs } : {}) });
  return EXIT_CODES[outcome];
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let queued IPC messages drain before leaving.
    process.exitCode = code;
    if (typeof process.send === 'function' && process.connected) process.send({ type: 'bye' }, () => process.exit(code));
    else process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`training process: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
