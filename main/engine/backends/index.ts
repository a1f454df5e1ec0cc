/**
 * Chooses the tfjs backend at run time. Order for "auto": tensorflow (tfjs-node-gpu, then
 * tfjs-node), native (ConvStudio's oneDNN addon, when built), wasm, cpu. Every step is guarded: the optional
 * packages are usually absent, and a backend that fails to start is reported, not fatal.
 */

import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleDir } from '../../common/module-dir';
import { BACKENDS, type BackendChoice } from '../../../shared/training';
import type { BackendInfo } from '../../../shared/api';
import { registerWasmTrainingKernels } from './wasm/index';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';

export type { BackendChoice };

export interface ActiveBackend {
  name: string;
  device: string;
  note?: string;
}

// A variable specifier keeps bundlers and tsc from insisting that optional modules exist.
async function importOptional(specifier: string): Promise<any> {
  return import(/* @vite-ignore */ specifier);
}

function requireHere(): NodeJS.Require {
  // import.meta.url is empty in a CommonJS bundle (the Electron build); __filename is not in ESM.
  try {
    return createRequire(import.meta.url);
  } catch {
    return createRequire(__filename);
  }
}

function resolvable(specifier: string): boolean {
  try {
    requireHere().resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

const here = () => moduleDir(import.meta.url);

function nativeModulePath(): string | null {
  for (const name of ['native/index.ts', 'native/index.js', 'native/index.cjs', 'native/index.mjs']) {
    const p = path.join(here(), name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** From sources tsx resolves the extensionless path; a bundled .cjs needs a file URL (Windows). */
function nativeSpecifier(p: string): string {
  return p.endsWith('.ts') ? p.slice(0, -3) : pathToFileURL(p).href;
}

function quiet(): void {
  // tfjs prints a "install tfjs-node" banner through console.warn unless PROD is set; in the
  // training process that would interleave with progress output.
  tf.env().set('PROD', true);
}

async function tryTensorflow(): Promise<ActiveBackend | { error: string }> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (!resolvable(pkg)) continue;
    try {
      await importOptional(pkg);
      if (!(await tf.setBackend('tensorflow'))) continue;
      await tf.ready();
      const b = tf.backend() as any;
      if (pkg.endsWith('-gpu')) {
        // tfjs-node-gpu quietly runs on the CPU when its CUDA 11.2 / cuDNN 8.1 libraries are not
        // found; the binding's flag is the only reliable signal it gives.
        const onGpu = b?.isGPUPackage === true && b?.isUsingGpuDevice === true;
        if (onGpu) return { name: 'tensorflow', device: 'gpu (CUDA)' };
        if (typeof b?.isUsingGpuDevice !== 'boolean') {
          return {
            name: 'tensorflow', device: 'unknown (tfjs-node-gpu)',
            note: 'tfjs-node-gpu did not report whether it found a GPU; without CUDA 11.2 and cuDNN 8.1 it silently runs on the CPU.',
          };
        }
        return {
          name: 'tensorflow', device: 'cpu (libtensorflow)',
          note: 'tfjs-node-gpu is installed but TensorFlow found no usable GPU (needs CUDA 11.2 and cuDNN 8.1); it is running on the CPU.',
        };
      }
      return { name: 'tensorflow', device: 'cpu (libtensorflow)' };
    } catch (err) {
      return { error: `${pkg} failed to load: ${(err as Error).message}` };
    }
  }
  return { error: 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (they are optional: npm install @tensorflow/tfjs-node needs internet to fetch libtensorflow)' };
}

async function tryNative(): Promise<ActiveBackend | { error: string }> {
  const p = nativeModulePath();
  if (!p) return { error: 'the native backend is not part of this build' };
  try {
    const mod = await importOptional(nativeSpecifier(p));
    if (typeof mod.tryRegisterNativeBackend !== 'function') return { error: 'the native module exports no tryRegisterNativeBackend' };
    const got = await mod.tryRegisterNativeBackend();
    if (!got) return { error: 'the native addon is not built (fell back)' };
    if (!(await tf.setBackend(got.name))) return { error: `backend ${got.name} failed to initialise` };
    await tf.ready();
    return { name: got.name, device: got.device };
  } catch (err) {
    return { error: `native backend failed: ${(err as Error).message}` };
  }
}

async function tryWasm(): Promise<ActiveBackend | { error: string }> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Bundled builds (Electron) ship the .wasm files next to the bundle and say where.
    // (or copies them next to the bundle, where the package's own lookup would miss them).
    const dir = process.env.CONVSTUDIO_WASM_DIR ?? (existsSync(path.join(here(), 'tfjs-backend-wasm.wasm')) ? here() : null);
    if (dir) wasm.setWasmPaths(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) return { error: 'the wasm backend failed to initialise' };
    await tf.ready();
    return { name: 'wasm', device: 'cpu (WebAssembly, 1 thread)' };
  } catch (err) {
    return { error: `wasm backend failed: ${(err as Error).message}` };
  }
}

async function tryCpu(): Promise<ActiveBackend | { error: string }> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) return { error: 'the cpu backend failed to initialise' };
  await tf.ready();
  return { name: 'cpu', device: 'cpu (plain JavaScript, slow)' };
}

const TRY: Record<Exclude<BackendChoice, 'auto'>, () => Promise<ActiveBackend | { error: string }>> = {
  tensorflow: tryTensorflow, native: tryNative, wasm: tryWasm, cpu: tryCpu,
};

/**
 * Makes `choice` the active backend. An explicit choice that is unavailable is an error naming
 * why; "auto" walks the preference order and notes what it skipped when it had to settle for a
 * slow backend.
 */
export async function initBackend(choice: BackendChoice): Promise<ActiveBackend> {
  quiet();
  if (!BACKENDS.includes(choice)) throw new Error(`unknown backend "${String(choice)}"; choose one of ${BACKENDS.join(', ')}`);
  if (choice !== 'auto') {
    const got = await TRY[choice]();
    if ('error' in got) throw new Error(`backend "${choice}" is not available: ${got.error}`);
    return got;
  }
  const skipped: string[] = [];
  for (const name of BACKENDS.filter((b): b is Exclude<BackendChoice, 'auto'> => b !== 'auto')) {
    const got = await TRY[name]();
    if (!('error' in got)) {
      const notes = [got.note, name === 'cpu' && skipped.length ? `faster backends unavailable: ${skipped.join('; ')}` : undefined].filter(Boolean);
      return notes.length ? { ...got, note: notes.join(' ') } : got;
    }
    skipped.push(`${name}: ${got.error}`);
  }
  throw new Error(`no tfjs backend could be started: ${skipped.join('; ')}`);
}

/**
 * What could run here, without switching the current process's backend: the optional packages
 * are only resolved, not loaded (loading libtensorflow in the app's main process is not wanted).
 */
export async function listBackends(): Promise<BackendInfo[]> {
  const gpu = resolvable('@tensorflow/tfjs-node-gpu');
  const node = resolvable('@tensorflow/tfjs-node');
  const nativePath = nativeModulePath();
  let nativeOk = false;
  let nativeNote = nativePath ? 'the native addon is not built' : 'not part of this build';
  if (nativePath) {
    try {
      const mod = await importOptional(nativeSpecifier(nativePath));
      const probe = typeof mod.isNativeAvailable === 'function' ? await mod.isNativeAvailable() : typeof mod.tryRegisterNativeBackend === 'function';
      nativeOk = Boolean(probe);
      if (nativeOk) nativeNote = 'oneDNN addon';
    } catch (err) {
      nativeNote = `failed to load: ${(err as Error).message}`;
    }
  }
  return [
    {
      name: 'tensorflow', available: gpu || node,
      device: gpu ? 'gpu if CUDA 11.2/cuDNN 8.1 match, else cpu' : node ? 'cpu (libtensorflow)' : 'none',
      note: gpu || node ? undefined : 'install @tensorflow/tfjs-node (or -gpu); it downloads libtensorflow',
    },
    { name: 'native', available: nativeOk, device: 'cpu (native code)', note: nativeNote },
    { name: 'wasm', available: true, device: 'cpu (WebAssembly, 1 thread)' },
    { name: 'cpu', available: true, device: 'cpu (plain JavaScript, slow)' },
  ];
}
