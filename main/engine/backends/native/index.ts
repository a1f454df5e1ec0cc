/**
 * The 'native' tfjs backend: tfjs's CPU backend with its hot kernels (convolutions and their
 * gradients, matmuls, pooling, the large element-wise ops) run by a oneDNN addon on every core.
 * Training code needs no changes — tensors live in the same Float32Arrays the cpu backend uses.
 */

import { getKernelsForBackend, registerBackend, registerKernel, getKernel, findBackendFactory } from '@tensorflow/tfjs-core';
import { loadAddon } from './addon';
import { nativeKernelConfigs } from './kernels';
import { NativeBackendCPU } from './backend';
import { installFusedGradients } from './fused-gradients';

export const NATIVE_BACKEND = 'native';

function device(): string {
  const { addon } = loadAddon();
  const n = addon?.threads() ?? 0;
  return addon ? `cpu (${addon.version()}, ${n} thread${n === 1 ? '' : 's'})` : 'unavailable';
}

/** Whether the addon is built and passes its self-test, without registering anything. */
export async function isNativeAvailable(): Promise<boolean> {
  return loadAddon().addon !== null;
}

/** Why the native backend is unavailable ('ok' when it is available). */
export function nativeStatus(): string {
  return loadAddon().reason;
}

/**
 * Registers the 'native' backend (once) and returns its name and device, or null when the addon
 * is absent or broken — the caller then falls back to wasm. Does not switch backends.
 */
export async function tryRegisterNativeBackend(): Promise<{ name: string; device: string } | null> {
  const { addon } = loadAddon();
  if (!addon) return null;
  if (!findBackendFactory(NATIVE_BACKEND)) {
    // Priority 0 keeps tfjs from picking it implicitly; the engine chooses backends explicitly.
    registerBackend(NATIVE_BACKEND, () => new NativeBackendCPU(), 0);
  }
  if (!getKernel('Conv2D', NATIVE_BACKEND)) {
    for (const k of nativeKernelConfigs(addon, NATIVE_BACKEND, getKernelsForBackend('cpu'))) registerKernel(k);
  }
  installFusedGradients(addon, NATIVE_BACKEND);
  return { name: NATIVE_BACKEND, device: device() };
}
