import { describe, expect, it } from 'vitest';
import { createNodeApi, validateTrainConfig } from '../../../../main/api/node-api';

const api = createNodeApi({ runsRoot: '/tmp/cs-host-api-runs' });

describe('validateTrainConfig', () => {
  it('fills absent fields from the defaults', () => {
    const r = validateTrainConfig({ epochs: 2, limit: 1000 });
    expect(r.ok && r.value).toMatchObject({ epochs: 2, limit: 1000, batchSize: 128, backend: 'auto' });
  });

  it.each([
    [{ epochs: 0 }, 'epochs'],
    [{ epochs: 1.5 }, 'epochs'],
    [{ batchSize: '128' }, 'batchSize'],
    [{ lr: -1 }, 'lr'],
    [{ lr: Number.NaN }, 'lr'],
    [{ backend: 'gpu' }, 'backend'],
    [{ limit: 0 }, 'limit'],
    [{ resize: 100000 }, 'resize'],
    [{ dataDir: 5 }, 'dataDir'],
    [{ surprise: true }, 'surprise'],
  ])('refuses %j, naming %s', (config, field) => {
    const r = validateTrainConfig(config);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(field);
  });

  it('refuses a config that is not an object', () => {
    expect(validateTrainConfig('fast').ok).toBe(false);
  });
});

describe('createNodeApi without a job manager', () => {
  it('reports its host', async () => {
    expect(await api.info()).toMatchObject({ ok: true, value: { host: 'browser' } });
  });

  it('refuses a graph that is not a convstudio.graph before anything else', async () => {
    const r = await api.startTraining({ graph: { nodes: 'lots' }, config: {} } as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('invalid-graph');
  });

  it('refuses a run id that could escape the runs folder', async () => {
    const r = await api.getRun({ runId: '../../etc' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('bad-request');
  });

  it('says training is unavailable rather than failing', async () => {
    const r = await api.listRuns();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unavailable');
  });

  it('leaves file dialogs to the page (they are desktop calls)', () => {
    expect('openGraphFile' in api).toBe(false);
    expect('saveGraphFile' in api).toBe(false);
  });
});
