/**
 * The Node side of the estimate before Start: this machine's memory, and step measurements —
 * made by the engine service's probe (./probe.ts) and cached with their dates in the user data
 * folder (`estimates.json`), so a graph measured once is estimated at once after a restart, and
 * each backend's latest throughput stands in for graphs not measured yet. Loads no tfjs itself.
 */

import os from 'node:os';
import { fail, ok, type Result } from '../../../shared/api';
import type { EstimateBasis, StepMeasurement } from '../../../shared/training/estimate';
import { readJsonFile, writeJsonFile } from '../../common/json-file';

/** The engine service's side the estimator needs (main/engine/service/client.ts). */
export interface ProbeEngine {
  call(op: string, args: unknown, opts?: { timeoutMs?: number }): Promise<Result<unknown>>;
}

export interface EstimatorOptions {
  /** The cache file, in the user data folder. */
  file: string;
  /** The engine service that trains on `backend` ("auto" included), or null where there is none. */
  engineFor(backend: string): ProbeEngine | null;
  /** For tests: the machine's memory. */
  memory?: () => { totalBytes: number; freeBytes: number };
}

export interface Estimator {
  basis(): Promise<EstimateBasis>;
  /** The cached measurement for `key`, or a fresh probe of the checked graph and config (then cached). */
  measure(key: string, backend: string, request: { graph: unknown; config: unknown }, fresh?: boolean): Promise<Result<StepMeasurement>>;
}

interface CacheFile {
  format: 'convstudio.estimates';
  version: 1;
  /** What "auto" trained on when last measured. */
  auto: string | null;
  measurements: StepMeasurement[];
}

/** Measurements kept: one per graph, batch and backend tried lately. */
const MAX_KEPT = 64;
/** VGG-11 at 224 px on a loaded 2-core machine: a warm-up and two steps of 14 samples take about 10 s, loading tfjs more. */
const PROBE_TIMEOUT_MS = 120_000;

const isMeasurement = (m: unknown): m is StepMeasurement => {
  const x = m as Partial<StepMeasurement> | null;
  return !!x && typeof x.key === 'string' && typeof x.backend === 'string' && typeof x.secondsPerSample === 'number' && x.secondsPerSample > 0
    && typeof x.macsPerS === 'number' && typeof x.measuredAt === 'string';
};

export function createEstimator(opts: EstimatorOptions): Estimator {
  const memory = opts.memory ?? (() => ({ totalBytes: os.totalmem(), freeBytes: os.freemem() }));
  let cache: CacheFile | null = null;
  // Writes in order, so two probes finishing together cannot write an older list last.
  let writing: Promise<void> = Promise.resolve();

  async function load(): Promise<CacheFile> {
    if (cache) return cache;
    const raw = (await readJsonFile(opts.file)) as Partial<CacheFile> | null;
    // The cache is advisory: an unreadable or foreign file means measuring again, not an error.
    const measurements = raw && raw.format === 'convstudio.estimates' && Array.isArray(raw.measurements) ? raw.measurements.filter(isMeasurement) : [];
    cache = { format: 'convstudio.estimates', version: 1, auto: typeof raw?.auto === 'string' ? raw.auto : null, measurements };
    return cache;
  }

  async function remember(m: StepMeasurement, requested: string): Promise<void> {
    const c = await load();
    c.measurements = [m, ...c.measurements.filter((x) => x.key !== m.key)].slice(0, MAX_KEPT);
    if (requested === 'auto') c.auto = m.backend;
    const snapshot = { ...c, measurements: [...c.measurements] };
    writing = writing.then(() => writeJsonFile(opts.file, snapshot)).catch(() => {
      // A read-only user data folder costs only the cache: the estimate itself was made.
    });
    await writing;
  }

  return {
    async basis() {
      const c = await load();
      const throughput: Record<string, StepMeasurement> = {};
      for (const m of c.measurements) throughput[m.backend] ??= m;
      return { ...memory(), auto: c.auto, throughput };
    },

    async measure(key, backend, request, fresh = false) {
      const c = await load();
      const cached = c.measurements.find((m) => m.key === key);
      if (cached && !fresh) return ok(cached);
      const engine = opts.engineFor(backend);
      if (!engine) return fail('unavailable', `Training steps cannot be measured on ${backend} in this host (no engine service for it); the estimate uses the backend's last throughput where there is one.`);
      const r = await engine.call('estimate.probe', request, { timeoutMs: PROBE_TIMEOUT_MS });
      if (!r.ok) return r;
      const m = r.value as StepMeasurement;
      if (!isMeasurement(m)) return fail('bad-reply', 'The engine service answered the step measurement with something that is not one.');
      await remember(m, backend);
      return ok(m);
    },
  };
}

/**
 * "auto" measures on the host's warm engine service; another backend gets an engine service of
 * its own, started on its first measurement (wasm's steps must be timed on wasm), kept warm, and
 * disposed with the host.
 */
export function enginesPerBackend<E extends ProbeEngine & { dispose(): void }>(auto: ProbeEngine | null | undefined, create: (backend: string) => E): { engineFor(backend: string): ProbeEngine | null; dispose(): void } {
  const started = new Map<string, E>();
  return {
    engineFor(backend) {
      if (backend === 'auto') return auto ?? null;
      let e = started.get(backend);
      if (!e) started.set(backend, (e = create(backend)));
      return e;
    },
    dispose() {
      for (const e of started.values()) e.dispose();
      started.clear();
    },
  };
}
