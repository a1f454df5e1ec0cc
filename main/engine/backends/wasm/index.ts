/**
 * Registers the training kernels the stock wasm backend lacks. One place, so a kernel can be
 * swapped for a faster one without touching the backend selection.
 *
 * Audit against the cpu backend (tfjs 4.22): of the kernels training our layers needs, wasm only
 * misses Conv2DBackpropFilter. MaxPoolGrad, AvgPoolGrad, Conv2DBackpropInput and the ops of
 * FusedBatchNorm's gradient are present; test/unit/main/engine/backends/wasm/kernels.test.ts checks whole-model
 * gradients against cpu so a future gap shows up there.
 */

import { getKernel, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';

const WASM_KERNELS: KernelConfig[] = [conv2dBackpropFilterWasm];

/** Idempotent; leaves alone kernels someone else (a newer tfjs) registered already. */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const k of WASM_KERNELS) {
    if (getKernel(k.kernelName, k.backendName)) continue;
    registerKernel(k);
    added.push(k.kernelName);
  }
  return added;
}
