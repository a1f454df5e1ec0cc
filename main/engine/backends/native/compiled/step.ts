/**
 * The compiled training step: the whole network — forward, softmax cross-entropy, backward and
 * the optimizer update — built from the checked graph into oneDNN primitives by the addon, and
 * run as one call per batch (evaluation likewise). Weights, activations and gradients stay in
 * oneDNN's preferred layouts between steps; they are converted only when weights go in or out,
 * in the tfjs checkpoint's layout and names, so a run moves freely between this step and the
 * tfjs backends (see tfjs-weights.ts).
 *
 *   const s = createCompiledStep({ doc }, { threads, optimizer });
 *   if ('fallback' in s) …the tfjs path, telling the user s.fallback
 *   else s.importWeights(weightsFromModel(model)); loss = s.step(x, labels, lr); …
 */

import os from 'node:os';
import type { GraphDoc } from '../../../../../shared/graph/types';
import type { Analysis } from '../../../../../shared/shapes/index';
import { loadAddon, USER_OMP_NUM_THREADS, type CompiledNetHandle } from '../addon';
import { lowerGraph, type Plan } from './lower';
import type { OptimizerSpec } from '../../../../../shared/training/optimizer';

// The run's optimizer, as the tfjs path takes it too (shared/training/optimizer.ts).
export type { OptimizerSpec };

export interface CompiledStepConfig {
  /** OpenMP threads; absent or null: OMP_NUM_THREADS if the user set it, else every core (PyTorch's default). */
  threads?: number | null;
  /** Seeds dropout masks. */
  seed?: number;
  optimizer?: OptimizerSpec;
}

/** A parameter in the tfjs checkpoint's layout (HWIO filters, [in, out] dense kernels). */
export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface OptimizerState {
  /** Per parameter, the optimizer steps taken (PyTorch's `step`). */
  steps: Record<string, number>;
  /** Momentum buffers (`<param>/momentum_buffer`) or Adam's moments (`<param>/exp_avg`, `<param>/exp_avg_sq`). */
  slots: NamedWeight[];
}

export interface CompiledStep {
  readonly plan: Plan;
  readonly threads: number;
  /** For the device line, e.g. "cpu (oneDNN 2.6.3 (OpenMP), compiled step, 2 threads)". */
  readonly device: string;
  /**
   * One training step on a batch (x: N·C·H·W floats, NCHW; labels: N class indices); the loss
   * before the update. With `logits` ([N, classes]), the training pass's logits are written there.
   */
  step(x: Float32Array, labels: Int32Array, lr: number, logits?: Float32Array): number;
  /** Logits [n, classes] in evaluation mode (running statistics, no dropout). */
  evaluate(x: Float32Array): Float32Array;
  exportWeights(): NamedWeight[];
  /** Replaces the named parameters; every name must exist with the same shape. */
  importWeights(weights: NamedWeight[]): void;
  exportOptimizerState(): OptimizerState;
  importOptimizerState(state: OptimizerState): void;
  setOptimizer(optimizer: OptimizerSpec): void;
  setThreads(threads: number | null): void;
  /** Primitive by primitive, what the last built training step runs (implementation names included). */
  describe(): string[];
  /** Per-primitive milliseconds of the last call (with CONVSTUDIO_COMPILED_PROFILE=1). */
  profile(): { what: string; ms: number }[];
  memory(): { arenaBytes: number; paramBytes: number };
  dispose(): void;
}

export type CompiledStepResult = CompiledStep | { fallback: string };

/** The thread count and where it came from: the setting, the user's OMP_NUM_THREADS, or all cores. */
export function compiledThreads(setting?: number | null): { threads: number; source: 'setting' | 'OMP_NUM_THREADS' | 'all cores' } {
  if (setting != null && Number.isInteger(setting) && setting > 0) return { threads: setting, source: 'setting' };
  const env = Number(USER_OMP_NUM_THREADS);
  if (Number.isInteger(env) && env > 0) return { threads: env, source: 'OMP_NUM_THREADS' };
  return { threads: Math.max(1, os.availableParallelism?.() ?? os.cpus().length), source: 'all cores' };
}

const SLOT_NAMES: Record<OptimizerSpec['kind'], string[]> = { sgd: ['momentum_buffer'], adam: ['exp_avg', 'exp_avg_sq'], adamw: ['exp_avg', 'exp_avg_sq'] };

function checkOptimizer(o: OptimizerSpec): void {
  const bad = (what: string) => { throw new Error(`optimizer: ${what}`); };
  if (!['sgd', 'adam', 'adamw'].includes(o.kind)) bad(`kind must be sgd, adam or adamw (got ${String(o.kind)})`);
  for (const k of ['momentum', 'dampening', 'weightDecay', 'eps'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) bad(`${k} must be a number ≥ 0 (got ${String(v)})`);
  }
  for (const k of ['beta1', 'beta2'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v < 1)) bad(`${k} must be in [0, 1) (got ${String(v)})`);
  }
}

export function createCompiledStep(graph: { doc: GraphDoc; analysis?: Analysis }, config: CompiledStepConfig = {}): CompiledStepResult {
  const { addon, reason } = loadAddon();
  if (!addon) return { fallback: reason };
  if (typeof addon.CompiledNet !== 'function') return { fallback: 'the native addon was built from older sources without the compiled step (run `npm run build:native`)' };
  const lowered = lowerGraph(graph.doc, graph.analysis);
  if (!lowered.ok) return { fallback: lowered.reason };
  const plan = lowered.plan;
  let threads = compiledThreads(config.threads).threads;
  let net: CompiledNetHandle;
  try {
    net = new addon.CompiledNet(plan, { threads, seed: config.seed ?? 0 });
  } catch (err) {
    return { fallback: `the compiled step could not be built: ${(err as Error).message}` };
  }
  let optimizer: OptimizerSpec = config.optimizer ?? { kind: 'sgd' };
  const apply = (o: OptimizerSpec) => {
    checkOptimizer(o);
    net.setOptimizer(o);
    optimizer = o;
  };
  try {
    apply(optimizer);
  } catch (err) {
    net.dispose();
    return { fallback: `the compiled step could not be built: ${(err as Error).message}` };
  }
  const perSample = plan.tensors[plan.input].reduce((a, b) => a * b, 1);
  const classes = plan.tensors[plan.output][0];
  const params = net.params();
  const byName = new Map(params.map((p) => [p.name, p]));
  const version = addon.version();
  const device = () => `cpu (${version}, compiled step, ${threads} thread${threads === 1 ? '' : 's'})`;
  let disposed = false;
  const live = () => {
    if (disposed) throw new Error('this compiled step was disposed');
  };

  return {
    plan,
    get threads() { return threads; },
    get device() { return device(); },
    step(x, labels, lr, logits) {
      live();
      return net.step(x, labels, lr, logits);
    },
    evaluate(x) {
      live();
      const n = Math.floor(x.length / perSample);
      const logits = new Float32Array(n * classes);
      net.evaluate(x, logits);
      return logits;
    },
    exportWeights() {
      live();
      return params.map((p) => ({ name: p.name, shape: p.shape, values: net.getParam(p.name) }));
    },
    importWeights(weights) {
      live();
      for (const w of weights) {
        const p = byName.get(w.name);
        if (!p) throw new Error(`the compiled network has no parameter ${w.name}`);
        if (p.shape.length !== w.shape.length || p.shape.some((d, i) => d !== w.shape[i])) {
          throw new Error(`${w.name} is [${w.shape.join(', ')}]; the compiled network's is [${p.shape.join(', ')}]`);
        }
        net.setParam(w.name, w.values);
      }
    },
    exportOptimizerState() {
      live();
      const steps: Record<string, number> = {};
      const slots: NamedWeight[] = [];
      for (const p of net.params()) {
        if (!p.trainable) continue;
        steps[p.name] = net.getSteps(p.name);
        if (!p.slotsLive) continue;
        SLOT_NAMES[optimizer.kind].forEach((slot, i) => slots.push({ name: `${p.name}/${slot}`, shape: p.shape, values: net.getParam(p.name, i) }));
      }
      return { steps, slots };
    },
    importOptimizerState(state) {
      live();
      for (const [name, n] of Object.entries(state.steps)) {
        if (!byName.has(name)) throw new Error(`the compiled network has no parameter ${name}`);
        net.setSteps(name, n);
      }
      for (const s of state.slots) {
        const cut = s.name.lastIndexOf('/');
        const name = s.name.slice(0, cut);
        const index = SLOT_NAMES[optimizer.kind].indexOf(s.name.slice(cut + 1));
        if (!byName.has(name) || index < 0) throw new Error(`${s.name} is not optimizer state of this network for ${optimizer.kind}`);
        net.setParam(name, s.values, index);
      }
    },
    setOptimizer(o) {
      live();
      apply(o);
    },
    setThreads(t) {
      live();
      threads = compiledThreads(t).threads;
      net.setThreads(threads);
    },
    describe() {
      live();
      return net.info().actions;
    },
    profile() {
      live();
      return net.profile();
    },
    memory() {
      live();
      const i = net.info();
      return { arenaBytes: i.arenaBytes, paramBytes: i.paramBytes };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      net.dispose();
    },
  };
}
