/**
 * The webgpu backend in plain Node (the training process, the CLI, browser mode's server):
 * Dawn's `navigator.gpu` (./dawn.ts) handed to the host-neutral start-up (./backend.ts), with
 * the run's GPU memory bound read from the environment.
 */

import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { adapterName, type AdapterFacts } from '../../../engine-core/webgpu/adapter';
import { SOFTWARE_ADAPTER_NOTE, WebGpuUnavailable, chooseAdapter, startWebGpuBackend, type WebGpuModule } from '../../../engine-core/webgpu/backend';
import { loadDawn, packageDir } from './dawn';
import { GPU_MEMORY_ENV } from '../../../engine-core/webgpu/memory';

const MB = 2 ** 20;

/**
 * Integrated GPUs (most laptops) take their memory from system RAM, and WebGPU does not say how
 * much a GPU has; half the RAM, at most 8 GB, leaves the machine usable and covers a laptop's
 * discrete GPU. A run that needs more fails with the batch to try instead of swapping.
 */
export function defaultGpuBudgetBytes(totalRam = os.totalmem()): number {
  return Math.min(Math.floor(totalRam / 2), 8192 * MB);
}

/** The bound `CONVSTUDIO_GPU_MEMORY_MB` sets, or the default; an error for a value that is not a size. */
export function gpuBudget(env: NodeJS.ProcessEnv = process.env): { bytes: number } | { error: string } {
  const text = env[GPU_MEMORY_ENV]?.trim();
  if (!text) return { bytes: defaultGpuBudgetBytes() };
  const n = Number(text);
  // Below 16 MB not even LeNet's first batch fits; above 1 TB is a typo.
  if (!Number.isInteger(n) || n < 16 || n > 2 ** 20) return { error: `${GPU_MEMORY_ENV} must be a whole number of megabytes from 16 to 1048576 (got "${text}")` };
  return { bytes: n * MB };
}

export function webgpuInstalled(): { ok: true } | { ok: false; missing: string[] } {
  const missing = ['webgpu', '@tensorflow/tfjs-backend-webgpu'].filter((p) => !packageDir(p));
  return missing.length ? { ok: false, missing } : { ok: true };
}

let running: { active: WebgpuActive; release(): void } | null = null;

/** Ends the webgpu backend this process started (device and Dawn), so the process can exit on its own. */
export function releaseWebgpu(): void {
  running?.release();
  running = null;
}

export interface WebgpuActive {
  name: 'webgpu';
  device: string;
  software: boolean;
  note?: string;
}

/**
 * Starts the webgpu backend. `allowSoftware` is false under auto: a software adapter is a CPU
 * pretending, slower than every CPU backend, so auto moves on and says why.
 */
export async function tryWebgpu(opts: { allowSoftware: boolean }): Promise<WebgpuActive | { error: string; software?: boolean }> {
  const installed = webgpuInstalled();
  if (!installed.ok) return { error: `the optional package${installed.missing.length > 1 ? 's' : ''} ${installed.missing.join(' and ')} ${installed.missing.length > 1 ? 'are' : 'is'} not installed (npm install ${installed.missing.join(' ')})` };
  const budget = gpuBudget();
  if ('error' in budget) return { error: budget.error };
  // Started before in this process (tests switch backends): the same device, its compiled shaders kept.
  if (running && (opts.allowSoftware || !running.active.software) && tf.findBackend('webgpu') && (await tf.setBackend('webgpu'))) return running.active;
  const dawn = await loadDawn();
  if ('error' in dawn) return { error: dawn.error };
  try {
    const mod = (await import(/* @vite-ignore */ '@tensorflow/tfjs-backend-webgpu' as string)) as WebGpuModule;
    releaseWebgpu();
    const started = await startWebGpuBackend(dawn.gpu, mod, { allowSoftware: opts.allowSoftware, memoryBudgetBytes: budget.bytes, syncReadsPossible: false });
    const active: WebgpuActive = {
      name: 'webgpu', device: started.device, software: started.software,
      ...(started.software ? { note: SOFTWARE_ADAPTER_NOTE } : {}),
    };
    running = { active, release: () => { started.release(); dawn.release(); } };
    return active;
  } catch (err) {
    // Nothing uses Dawn now: let the process exit normally.
    dawn.release();
    return { error: (err as Error).message, software: err instanceof WebGpuUnavailable && err.software };
  }
}

export interface WebgpuProbe {
  installed: boolean;
  missing: string[];
  /** Dawn could not start (Electron, package missing, bad manifest): why. */
  error?: string;
  icd: string | null;
  adapter: (AdapterFacts & { name: string; software: boolean; maxBufferBytes: number | null }) | null;
}

/** Which adapter Dawn would use here, without starting a tfjs backend (the doctor's question). */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  const installed = webgpuInstalled();
  if (!installed.ok) return { installed: false, missing: installed.missing, icd: null, adapter: null };
  const dawn = await loadDawn();
  if ('error' in dawn) return { installed: true, missing: [], error: dawn.error, icd: null, adapter: null };
  try {
    const chosen = await chooseAdapter(dawn.gpu, true);
    if (!chosen.ok) return { installed: true, missing: [], error: chosen.reason, icd: dawn.icd, adapter: null };
    const limits = chosen.adapter.limits;
    const maxBufferBytes = typeof limits.maxBufferSize === 'number' ? Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize ?? Infinity) : null;
    return { installed: true, missing: [], icd: dawn.icd, adapter: { ...chosen.facts, name: adapterName(chosen.facts), software: chosen.software, maxBufferBytes } };
  } finally {
    dawn.release();
  }
}
