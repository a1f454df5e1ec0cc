/**
 * The estimate's Node side as the hosts wire it: the Api's measureTraining planning the request
 * as Start does, the probe in a real engine service process (forked from the sources), the
 * measurement cached in a file with its date and read back by a later estimator.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeApi } from '../../../../main/api/node-api';
import { createEstimator, enginesPerBackend } from '../../../../main/engine/estimate/estimator';
import { probeBatch } from '../../../../main/engine/estimate/probe';
import { createEngineService, type EngineService } from '../../../../main/engine/service/client';
import { analyzeGraph } from '../../../../shared/shapes/analyze';
import { getTemplate } from '../../../../shared/templates/index';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training/settings';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-estimate-'));
const services: EngineService[] = [];
afterAll(() => {
  for (const s of services) s.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function host(file: string) {
  const engine = createEngineService();
  services.push(engine);
  const engines = enginesPerBackend(engine, (b) => {
    const e = createEngineService({ backend: b as 'cpu' });
    services.push(e);
    return e;
  });
  const estimator = createEstimator({ file, engineFor: engines.engineFor });
  return { engine, estimator, api: createNodeApi({ runsRoot: path.join(tmp, 'runs'), engine, estimator }) };
}

const lenet = getTemplate('lenet')!;
const config = { ...DEFAULT_TRAIN_CONFIG };

describe('probeBatch', () => {
  const macs = (id: string) => analyzeGraph(getTemplate(id)!).totals.macs;
  it.each([
    { title: 'LeNet keeps the run\'s batch', batch: 128, net: 'lenet', expect: (b: number) => b === 128 },
    { title: 'VGG-11 (small) at 224 times fewer samples', batch: 128, net: 'vgg-small', expect: (b: number) => b >= 2 && b < 32 },
    { title: 'ResNet-18 at 96 times fewer samples', batch: 128, net: 'resnet18', expect: (b: number) => b >= 2 && b < 64 },
    { title: 'never more than the run\'s batch', batch: 1, net: 'lenet', expect: (b: number) => b === 1 },
  ])('$title', ({ batch, net, expect: ok }) => {
    expect(ok(probeBatch(batch, macs(net)))).toBe(true);
  });
});

describe('measureTraining', () => {
  const file = path.join(tmp, 'estimates.json');

  it('measures LeNet in the engine service, caches it with its date, and answers from the cache after', async () => {
    const { api, engine } = host(file);
    const first = await api.measureTraining({ graph: lenet, config });
    expect(first.ok, JSON.stringify(first)).toBe(true);
    if (!first.ok) return;
    const m = first.value;
    expect(m.backend).toBe(engine.backend()?.name);
    expect(m.graph).toBe('LeNet');
    expect(m.batch).toBe(128);
    expect(m.steps).toBeGreaterThanOrEqual(2);
    expect(m.secondsPerSample).toBeGreaterThan(0);
    expect(m.macsPerS).toBeCloseTo((3 * analyzeGraph(lenet).totals.macs) / m.secondsPerSample, 0);
    expect(Number.isNaN(Date.parse(m.measuredAt))).toBe(false);

    const again = await api.measureTraining({ graph: { ...lenet, name: 'renamed' }, config });
    expect(again).toEqual(first);

    // A later start of the app reads the file: the measurement and the backend auto chose.
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(saved.measurements[0].key).toBe(m.key);
    const later = createEstimator({ file, engineFor: () => null });
    const basis = await later.basis();
    expect(basis.auto).toBe(m.backend);
    expect(basis.throughput[m.backend]).toEqual(m);
    expect(basis.totalBytes).toBe(os.totalmem());
  }, 180_000);

  it('measures again when asked for a fresh measurement', async () => {
    const { api } = host(file);
    const cached = await api.measureTraining({ graph: lenet, config });
    const fresh = await api.measureTraining({ graph: lenet, config, fresh: true });
    expect(cached.ok && fresh.ok).toBe(true);
    if (cached.ok && fresh.ok) expect(fresh.value.measuredAt > cached.value.measuredAt).toBe(true);
  }, 180_000);

  it.each([
    { title: 'a 3-channel Input', graph: { ...lenet, nodes: lenet.nodes.map((n) => (n.type === 'Input' ? { ...n, params: { ...n.params, channels: 3 } } : n)) }, cfg: config, code: 'not-trainable' },
    { title: 'a graph that is only an Input', graph: { ...lenet, nodes: lenet.nodes.filter((n) => n.type === 'Input'), edges: [] }, cfg: config, code: 'not-trainable' },
    { title: 'epochs 0', graph: lenet, cfg: { ...config, epochs: 0 }, code: 'bad-request' },
  ])('refuses $title as Start would, without starting an engine', async ({ graph, cfg, code }) => {
    const { api, engine } = host(path.join(tmp, 'unused.json'));
    const r = await api.measureTraining({ graph, config: cfg });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
    expect(engine.starts()).toBe(0);
  });

  it('an unreadable cache file means measuring again, not an error', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"format": "convstudio.estimates", "measurements": [{"key": 1}]');
    const basis = await createEstimator({ file: bad, engineFor: () => null }).basis();
    expect(basis.throughput).toEqual({});
    const r = await createEstimator({ file: bad, engineFor: () => null }).measure('k', 'auto', { graph: lenet, config });
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('cannot be measured') } });
  });
});
