// The main-side bundles (scripts/build-main.mjs) as the packaged app runs them: the sandboxed
// preload is one CommonJS file needing only `electron`; the main bundle needs only Electron, Node
// and the runtime dependencies electron-builder ships; and the bundled training process — the
// same entry the CLI runs, plus the utilityProcess shim — trains a real LeNet on the real
// Fashion-MNIST files when forked by the real job manager (with plain Node's fork: utilityProcess
// needs Electron's binary). A killed training process is reported as an error event.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingEvent } from '../../../../shared/training';
import { DEFAULT_TRAIN_CONFIG } from '../../../../shared/training';
import { getTemplate } from '../../../../shared/templates/index';
import { createJobManager, forkSpawn, type JobManager } from '../../../../main/engine/jobs';
import { createEngineService } from '../../../../main/engine/service/client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
// Inside the project (out/ is git-ignored) so the bundles resolve node_modules as in the app.
const outdir = path.join(root, 'out', `.shell-build-test-${process.pid}`);
const runsRoot = mkdtempSync(path.join(os.tmpdir(), 'convstudio-bundle-runs-'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const runtime = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
const dataDir = '/usr/share/datasets/fashion-mnist';

beforeAll(async () => {
  const { buildMain } = await import('../../../../scripts/build-main.mjs');
  await buildMain(root, { outdir });
});
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(runsRoot, { recursive: true, force: true });
});

/** Module names a CommonJS bundle requires or imports at run time. */
function requiredModules(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)) names.add(m[1]);
  return [...names].sort();
}
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);

describe('buildMain bundles', () => {
  it('writes the main, preload, training and native-backend bundles', () => {
    for (const f of ['index.cjs', 'preload.cjs', 'train-process.cjs', 'engine-service.cjs']) expect(existsSync(path.join(outdir, f)), f).toBe(true);
  });

  it('makes the preload one CommonJS file that needs only electron', () => {
    const file = path.join(outdir, 'preload.cjs');
    expect(requiredModules(file)).toEqual(['electron']);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/^\s*(import|export)\s/m);
    expect(text).toContain('exposeInMainWorld');
  });

  it('leaves only Electron, Node built-ins and shipped runtime dependencies external', () => {
    for (const bundle of ['index.cjs', 'train-process.cjs', 'engine-service.cjs']) {
      const foreign = requiredModules(path.join(outdir, bundle)).filter((m) => m !== 'electron' && !isBuiltin(m) && !runtime.has(packageOf(m)));
      expect(foreign, bundle).toEqual([]);
    }
    expect(requiredModules(path.join(outdir, 'train-process.cjs'))).not.toContain('electron');
    expect(requiredModules(path.join(outdir, 'engine-service.cjs'))).not.toContain('electron');
  });
});

describe('the bundled engine service', () => {
  it('computes the Kernel lab\'s corr2d when forked, as the app forks it', async () => {
    // The app forks it with utilityProcess (no Electron binary here); the bundle is the same file.
    const engine = createEngineService({ entry: path.join(outdir, 'engine-service.cjs'), spawn: forkSpawn });
    try {
      const r = await engine.call('lab.correlate', { x: [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]], k: [[[[0, 1], [2, 3]]]], stride: 1, padding: 0, dilation: 1, terms: false });
      expect(r).toMatchObject({ ok: true, value: { y: [[[19, 25], [37, 43]]] } });
      expect(engine.backend()?.name).toBeTruthy();
    } finally {
      engine.dispose();
    }
  });
});

describe.skipIf(!existsSync(path.join(dataDir, 'train-images-idx3-ubyte.gz')))('the bundled training process', () => {
  let jobs: JobManager;
  const events: TrainingEvent[] = [];
  beforeAll(() => {
    const entry = path.join(outdir, 'train-process.cjs');
    jobs = createJobManager({ runsRoot, spawn: (_module, args) => forkSpawn(entry, args) });
    jobs.onEvent((e) => events.push(e));
  });
  afterAll(() => jobs.dispose());

  const finished = (runId: string) =>
    new Promise<TrainingEvent[]>((resolve) => {
      const check = () => {
        const mine = events.filter((e) => e.runId === runId);
        if (mine.some((e) => e.event === 'exit')) resolve(mine);
        else setTimeout(check, 50);
      };
      check();
    });

  it('trains LeNet on real Fashion-MNIST and streams events', async () => {
    const config = { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 64, limit: 256, valLimit: 128, backend: 'wasm' as const, dataDir };
    const { runId } = await jobs.start({ graph: getTemplate('lenet')!, config });
    const mine = await finished(runId);
    const kinds = mine.map((e) => e.event);
    expect(kinds[0]).toBe('start');
    expect(kinds).toContain('epoch');
    const done = mine.find((e) => e.event === 'done');
    expect(done && done.event === 'done' && Number.isFinite(done.train_loss)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ event: 'exit', code: 0 });
  });

  it('reports a killed training process as an error event, and keeps working', async () => {
    const config = { ...DEFAULT_TRAIN_CONFIG, epochs: 50, batchSize: 64, limit: 1024, valLimit: 128, backend: 'wasm' as const, dataDir };
    const { runId } = await jobs.start({ graph: getTemplate('lenet')!, config });
    await new Promise<void>((resolve) => {
      const off = jobs.onEvent((e) => {
        if (e.runId === runId && e.event === 'batch') {
          off();
          resolve();
        }
      });
    });
    expect(jobs.stop(runId, 'kill')).toBe(true);
    const mine = await finished(runId);
    expect(mine.find((e) => e.event === 'error')).toMatchObject({ code: 'process-exit' });
    expect((await jobs.listRuns()).some((r) => r.runId === runId)).toBe(true);
  });
});
