import { describe, expect, it } from 'vitest';
import { createNodeApi } from '../../../../main/api/node-api';
import { getTemplate } from '../../../../shared/templates/index';
import { chain } from '../engine/graph-helpers';

const api = createNodeApi({ runsRoot: '/tmp/cs-host-api-runs' });
const lenet = getTemplate('lenet')!;

describe('startTraining checks the request through the training plan', () => {
  it('a sound graph and settings pass the checks (and, without a job manager, meet "unavailable")', async () => {
    const r = await api.startTraining({ graph: lenet, config: { epochs: 2, limit: 1000 } as never });
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
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
  ])('refuses %j as bad-request, naming %s in the message and in details.settings', async (config, field) => {
    const r = await api.startTraining({ graph: lenet, config: config as never });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('bad-request');
    expect(r.error.message).toContain(field);
    expect((r.error.details as { settings: Record<string, string> }).settings[field]).toContain(field);
  });

  it.each([
    ['an unknown field', { surprise: true }, 'surprise'],
    ['a config that is not an object', 'fast', 'must be an object'],
  ])('refuses %s as bad-request', async (_what, config, says) => {
    const r = await api.startTraining({ graph: lenet, config: config as never });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    if (!r.ok) expect(r.error.message).toContain(says);
  });

  it('refuses a graph that is not a convstudio.graph before anything else', async () => {
    const r = await api.startTraining({ graph: { nodes: 'lots' }, config: { epochs: -1 } } as never);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('invalid-graph');
  });

  it('refuses a graph with shape errors as invalid-graph, with the diagnostics as details', async () => {
    const bad = chain([1, 28, 28], ['Conv2d', { out_channels: 4, kernel_size: 40 }], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const r = await api.startTraining({ graph: bad, config: {} as never });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-graph', details: { diagnostics: [{ nodeId: 'n1' }] } } });
  });

  it('refuses a sound graph that cannot train on Fashion-MNIST as not-trainable, on the node concerned', async () => {
    const rgb = chain([3, 28, 28], ['Flatten', {}], ['Linear', { out_features: 10 }]);
    const r = await api.startTraining({ graph: rgb, config: {} as never });
    expect(r).toMatchObject({ ok: false, error: { code: 'not-trainable', details: { diagnostics: [{ code: 'input-channels', nodeId: 'in' }] } } });
    if (!r.ok) expect(r.error.message).toMatch(/1 channel/);
  });
});

describe('createNodeApi without a job manager', () => {
  it('reports its host', async () => {
    expect(await api.info()).toMatchObject({ ok: true, value: { host: 'browser' } });
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
