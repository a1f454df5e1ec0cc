/**
 * A run trained in several attempts (stopped and resumed, killed and resumed): how the last one
 * ended and what a new one supersedes, read from metrics.jsonl, so the 'resume' event that marks
 * the break can say it. Every clean end records 'done' or 'error' last; anything else means the
 * process never got to (killed, crashed, the machine lost power).
 */

import type { AttemptEnd, TrainingEvent } from '../../shared/training';

export interface PreviousAttempt {
  end: AttemptEnd;
  /** The last batch it reported, 1-based like the events. */
  reached: { epoch: number; batch: number } | null;
}

export function previousAttempt(events: readonly TrainingEvent[]): PreviousAttempt {
  let reached: PreviousAttempt['reached'] = null;
  for (let i = events.length - 1; i >= 0 && !reached; i--) {
    const e = events[i];
    if (e.event === 'batch') reached = { epoch: e.epoch, batch: e.batch };
  }
  const last = events[events.length - 1];
  if (!last) return { end: 'none', reached };
  if (last.event === 'done') return { end: last.stopped ? 'stopped' : 'done', reached };
  if (last.event === 'error') return { end: 'failed', reached };
  return { end: 'interrupted', reached };
}

/** Batch and epoch events past the point a new attempt continues from (`epochsDone` epochs and `batchesDone` batches of the next). */
export function supersededCount(events: readonly TrainingEvent[], epochsDone: number, batchesDone: number): number {
  let n = 0;
  for (const e of events) {
    if (e.event === 'batch' && (e.epoch - 1 > epochsDone || (e.epoch - 1 === epochsDone && e.batch > batchesDone))) n++;
    if (e.event === 'epoch' && e.epoch > epochsDone) n++;
  }
  return n;
}

export interface BreakFacts {
  previous: PreviousAttempt;
  /** Where the new attempt continues. */
  epochsDone: number;
  batchesDone: number;
  checkpoint: string | null;
  superseded: number;
  /** The stale lock taken over, if any. */
  staleLock: { pid: number; since: string } | null;
  /** The torn line cut off metrics.jsonl, if any. */
  torn: { bytes: number } | null;
}

const position = (epochsDone: number, batchesDone: number): string =>
  batchesDone > 0 ? `epoch ${epochsDone + 1}, after batch ${batchesDone}` : `${epochsDone} epoch${epochsDone === 1 ? '' : 's'} complete`;

/** The 'resume' event's message: what happened to the previous attempt, what was repaired, where training goes on. */
export function breakMessage(f: BreakFacts): string {
  const parts: string[] = [];
  const at = f.previous.reached ? ` at epoch ${f.previous.reached.epoch}, batch ${f.previous.reached.batch}` : '';
  switch (f.previous.end) {
    case 'interrupted': parts.push(`The previous attempt ended without finishing${at} (the process was killed or crashed).`); break;
    case 'stopped': parts.push('The previous attempt was stopped.'); break;
    case 'failed': parts.push('The previous attempt failed.'); break;
    case 'done': parts.push('The run had finished.'); break;
    case 'none': break;
  }
  if (f.staleLock) parts.push(`Took over the run lock of process ${f.staleLock.pid} (since ${f.staleLock.since}), which is no longer running.`);
  if (f.torn) parts.push(`metrics.jsonl ended in half a line (${f.torn.bytes} bytes of an event whose write was cut short); it was removed.`);
  parts.push(f.checkpoint ? `Continuing from checkpoint ${f.checkpoint} (${position(f.epochsDone, f.batchesDone)}).` : 'No usable checkpoint: training starts over from epoch 1.');
  if (f.superseded > 0) parts.push(`${f.superseded} event${f.superseded === 1 ? '' : 's'} of earlier attempts past that point ${f.superseded === 1 ? 'is' : 'are'} superseded.`);
  return parts.join(' ');
}
