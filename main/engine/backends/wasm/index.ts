/**
 * Registers the training kernels the stock wasm backend lacks or gets wrong. One place, so a
 * kernel can be swapped for a faster one without touching the backend selection.
 *
 * Audit against the cpu backend (tfjs 4.22): of the kernels training our layers needs, wasm
 * misses Conv2DBackpropFilter, and its MaxPoolGrad is wrong for windows whose maximum is negative
 * or tied at 0. AvgPoolGrad, Conv2DBackpropInput and the ops of FusedBatchNorm's gradient are
 * right; test/unit/main/engine/backends/wasm/kernels.test.ts checks kernels and whole-model
 * gradients against cpu so a future gap shows up there.
 */

import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { maxPoolGradWasm } from './max-pool-grad';

/** Kernels wasm does not have: added unless someone (a newer tfjs) registered one already. */
const MISSING: KernelConfig[] = [conv2dBackpropFilterWasm];
/** Kernels wasm has but computes wrongly: always replaced by ours. */
const REPLACED: KernelConfig[] = [maxPoolGradWasm];

/** Idempotent; must run after @tensorflow/tfjs-backend-wasm is imported (its import registers the stock kernels). */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const k of MISSING) {
    if (getKernel(k.kernelName, k.backendName)) continue;
    registerKernel(k);
    added.push(k.kernelName);
  }
  for (const k of REPLACED) {
    const current = getKernel(k.kernelName, k.backendName);
    if (current?.kernelFunc === k.kernelFunc) continue;
    if (current) unregisterKernel(k.kernelName, k.backendName);
    registerKernel(k);
    added.push(k.kernelName);
  }
  return added;
}
