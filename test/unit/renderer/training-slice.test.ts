import { describe, expect, it } from 'vitest';
import { foldEvent, type RunData } from '../../../renderer/store/training-slice';
import type { TrainingEvent } from '../../../shared/training';

const blank: RunData = { runId: 'r', backend: null, device: null, note: null, epochs: 0, batchesPerEpoch: 0, trainSamples: 0, batches: [], epochRows: [], progress: 0, etaS: null, samplesPerS: null, status: 'starting', error: null };

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
    expect(run.epochRows).toEqual([{ epoch: 1, train_loss: 2.2, val_loss: 2.1, val_acc: 0.3 }]);
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
});
