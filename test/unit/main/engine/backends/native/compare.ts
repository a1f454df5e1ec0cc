/**
 * Runs the same tfjs computation on the cpu backend (the reference) and on the native backend
 * and returns both results, so each test states only the computation and the tolerance.
 */

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';
import { tryRegisterNativeBackend, nativeStatus } from '../../../../../../main/engine/backends/native/index';

export const native = await tryRegisterNativeBackend();
export const skipReason = native ? '' : `native backend tests skipped: ${nativeStatus()}`;
if (!native) console.warn(skipReason);

/** Deterministic inputs: a small LCG, values in [-1, 1). */
export function data(shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export type Inputs = Record<string, { shape: number[]; values: Float32Array }>;

export function inputs(shapes: Record<string, number[]>, seed = 1): Inputs {
  const out: Inputs = {};
  Object.entries(shapes).forEach(([k, shape], i) => { out[k] = { shape, values: data(shape, seed + i) }; });
  return out;
}

async function runOn(backend: string, ins: Inputs, fn: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(ins)) ts[k] = tf.tensor(v.values, v.shape);
    const out = fn(ts);
    return (Array.isArray(out) ? out : [out]).map((t) => {
      const shape = t.shape.join('x');
      const values = t.dataSync() as Float32Array;
      return Object.assign(Float32Array.from(values), { shape });
    });
  });
}

/** Largest |native - cpu| relative to the reference's scale; shapes must match exactly. */
export async function compare(ins: Inputs, fn: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]): Promise<number> {
  const ref = await runOn('cpu', ins, fn);
  const got = await runOn('native', ins, fn);
  if (ref.length !== got.length) throw new Error(`cpu gave ${ref.length} outputs, native ${got.length}`);
  let worst = 0;
  ref.forEach((r, k) => {
    const g = got[k];
    const rs = (r as unknown as { shape: string }).shape;
    const gs = (g as unknown as { shape: string }).shape;
    if (rs !== gs) throw new Error(`output ${k}: cpu shape ${rs}, native shape ${gs}`);
    let scale = 1;
    for (const v of r) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < r.length; i++) {
      const d = Math.abs(r[i] - g[i]);
      const rel = Number.isNaN(d) ? (Number.isNaN(r[i]) && Number.isNaN(g[i]) ? 0 : Infinity) : d / scale;
      worst = Math.max(worst, rel);
    }
  });
  return worst;
}

/** Counts kernel invocations by name on the native backend, to prove the addon path ran. */
export async function kernelsRun(ins: Inputs, fn: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]): Promise<Set<string>> {
  await tf.setBackend('native');
  const names = new Set<string>();
  const prof = await tf.profile(() => {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(ins)) ts[k] = tf.tensor(v.values, v.shape);
    return fn(ts) as tf.Tensor;
  });
  for (const k of prof.kernels) names.add(k.name);
  return names;
}

export { tf };
