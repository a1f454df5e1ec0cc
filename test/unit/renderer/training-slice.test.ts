import { describe, expect, it } from 'vitest';
import { blankRun, foldEvent, type RunData } from '../../../renderer/store/training-slice';
import type { TrainingEvent } from '../../../shared/training';

const blank: RunData = blankRun('r');

describe('foldEvent', () => {
  it('places batches on an epoch axis and advances progress', () => {
    const events: TrainingEvent[] = [
      { event: 'start', runId: 'r', runDir: '/x', backend: 'wasm', device: 'cpu', epochs: 2, batchesPerEpoch: 4, trainSamples: 512, valSamples: 100 },
      { event: 'batch', runId: 'r', epoch: 1, batch: 2, batchesPerEpoch: 4, loss: 2.3, samples_per_s: 500, eta_s: 3 },
      { event: 'epoch', runId: 'r', epoch: 1, train_loss: 2.2, train_acc: 0.25, val_loss: 2.1, val_acc: 0.3, samples_per_s: 500, eta_s: 2, seconds: 1 },
      { event: 'batch', runId: 'r', epoch: 2, batch: 1, batchesPerEpoch: 4, loss: 2.0, samples_per_s: 500, eta_s: 1 },
    ];
    const run = events.reduce(foldEvent, blank);
    expect(run.batches).toEqual([{ x: 0.5, loss: 2.3 }, { x: 1.25, loss: 2.0 }]);
    expect(run.epochRows).toEqual([{ epoch: 1, train_loss: 2.2, val_loss: 2.1, val_acc: 0.3, train_acc: 0.25 }]);
    expect(run.progress).toBeCloseTo(1.25 / 2);
    expect(run).toMatchObject({ status: 'running', backend: 'wasm', device: 'cpu' });
  });

  it('a stop keeps the progress reached; a crash is reported', () => {
    const stopped = foldEvent({ ...blank, status: 'running', progress: 0.4 }, { event: 'done', runId: 'r', stopped: true, epochs: 1, train_loss: 1, val_loss: 1, val_acc: 0.5, seconds: 3 });
    expect(stopped).toMatchObject({ status: 'stopped', progress: 0.4 });
    const crashed = foldEvent({ ...blank, status: 'running' }, { event: 'exit', runId: 'r', code: null, signal: 'SIGKILL' });
    expect(crashed.status).toBe('failed');
    expect(crashed.error).toContain('SIGKILL');
  });

  const start: TrainingEvent = { event: 'start', runId: 'r', runDir: '/x', backend: 'wasm', device: 'cpu', epochs: 4, batchesPerEpoch: 2, trainSamples: 256, valSamples: 100 };
  const batch = (epoch: number, b: number): TrainingEvent => ({ event: 'batch', runId: 'r', epoch, batch: b, batchesPerEpoch: 2, loss: 2 - epoch / 10, samples_per_s: 100, eta_s: 9 });
  const epoch = (n: number): TrainingEvent => ({ event: 'epoch', runId: 'r', epoch: n, train_loss: 1, train_acc: 0.1 * n, val_loss: 1, val_acc: 0.1 * n, samples_per_s: 100, eta_s: 5, seconds: 1 });

  it('a queued run says its place, and its start ends the wait', () => {
    const queued = foldEvent(blank, { event: 'queued', runId: 'r', position: 2, running: 1, limit: 1 });
    expect(queued).toMatchObject({ status: 'queued', queuePosition: 2 });
    expect(foldEvent(queued, start)).toMatchObject({ status: 'running', queuePosition: null, backend: 'wasm' });
  });

  it('a resume drops what the new attempt redoes and keeps what its checkpoint holds', () => {
    // Two attempts: the first got to epoch 2, batch 1 and was killed; its checkpoint was after epoch 1.
    const first = [start, batch(1, 1), batch(1, 2), epoch(1), batch(2, 1)].reduce(foldEvent, blank);
    const resumed = foldEvent(first, { event: 'resume', runId: 'r', epoch: 1, batch: 0, checkpoint: 'epoch-1', previous: 'interrupted', superseded: 1, message: 'Continuing from checkpoint epoch-1.' });
    expect(resumed.batches.map((b) => b.x)).toEqual([0.5, 1]);
    expect(resumed.epochRows.map((r) => r.epoch)).toEqual([1]);
    expect(resumed).toMatchObject({ status: 'starting', resumed: 'Continuing from checkpoint epoch-1.', progress: 0.25 });
    const again = [start, batch(2, 1)].reduce(foldEvent, resumed);
    expect(again.batches.map((b) => b.x)).toEqual([0.5, 1, 1.5]);
    expect(again.progress).toBeCloseTo(1.5 / 4);
  });

  it('progress is the whole run\'s: epoch 2 of 4 halfway is 37.5 %, not the epoch\'s 50 %', () => {
    const run = [start, batch(1, 1), batch(1, 2), epoch(1), batch(2, 1)].reduce(foldEvent, blank);
    expect(run.progress).toBeCloseTo(0.375);
  });

  const stoppingCases: [string, TrainingEvent, RunData['status']][] = [
    ['a batch still arriving', batch(1, 2), 'stopping'],
    ['an epoch still arriving', epoch(1), 'stopping'],
    ['the stop acknowledged', { event: 'done', runId: 'r', stopped: true, epochs: 1, train_loss: 1, val_loss: 1, val_acc: 0.2, seconds: 1 }, 'stopped'],
    ['the process dying instead', { event: 'exit', runId: 'r', code: 1, signal: null }, 'failed'],
  ];
  it.each(stoppingCases)('stopping…, then %s: %s', (_title, e, status) => {
    const stopping: RunData = { ...[start, batch(1, 1)].reduce(foldEvent, blank), status: 'stopping' };
    expect(foldEvent(stopping, e).status).toBe(status);
  });
});
