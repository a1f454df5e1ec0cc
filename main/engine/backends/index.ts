/**
 * Chooses the tfjs backend at run time. Order for "auto": tensorflow when it really runs on a GPU
 * (tfjs-node-gpu with CUDA), webgpu when its adapter is a real GPU, native (ConvStudio's oneDNN
 * addon, when built), tensorflow on the CPU (libtensorflow beats wasm), wasm, cpu. Every step is
 * guarded: the optional packages are often absent, and a backend that fails to start is
 * reported, not fatal. A software WebGPU adapter (SwiftShader, lavapipe, WARP) is never chosen
 * by auto: it is a CPU emulating a GPU, slower than every CPU backend here.
 */

import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleDir } from '../../common/module-dir';
import { BACKENDS, type BackendChoice } from '../../../shared/training';
import type { BackendInfo } from '../../../shared/api';
import type { ActiveBackend } from '../../engine-core/trainer';
import { registerWasmTrainingKernels } from './wasm/index';
import { runningInElectron } from './webgpu/dawn';
import { tryWebgpu, webgpuInstalled } from './webgpu/index';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';

export type { BackendChoice };

export type { ActiveBackend };

export interface InitOptions {
  /**
   * The caller reads results only asynchronously (await tensor.data()), never with dataSync().
   * WebGPU in Node cannot read synchronously at all, so auto considers webgpu only for such a
   * caller; an explicit webgpu starts anyway, and a synchronous read then fails saying so.
   */
  readsAsync?: boolean;
}

type Attempt = ActiveBackend | { error: string };

const SYNC_CALLER = 'this caller reads results synchronously (dataSync), which WebGPU cannot do in Node';

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

async function tryTensorflow(): Promise<(ActiveBackend & { onGpu: boolean }) | { error: string }> {
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
        if (onGpu) return { name: 'tensorflow', device: 'gpu (CUDA)', onGpu: true };
        if (typeof b?.isUsingGpuDevice !== 'boolean') {
          return {
            name: 'tensorflow', device: 'unknown (tfjs-node-gpu)', onGpu: false,
            note: 'tfjs-node-gpu did not report whether it found a GPU; without CUDA 11.2 and cuDNN 8.1 it silently runs on the CPU.',
          };
        }
        return {
          name: 'tensorflow', device: 'cpu (libtensorflow)', onGpu: false,
          note: 'tfjs-node-gpu is installed but TensorFlow found no usable GPU (needs CUDA 11.2 and cuDNN 8.1; convstudio doctor says what is missing); it is running on the CPU.',
        };
      }
      return { name: 'tensorflow', device: 'cpu (libtensorflow)', onGpu: false };
    } catch (err) {
      return { error: `${pkg} failed to load: ${(err as Error).message}` };
    }
  }
  return { error: 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (they are optional: npm install @tensorflow/tfjs-node needs internet to fetch libtensorflow)' };
}

async function tryNative(): Promise<Attempt> {
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

async function tryWasm(): Promise<Attempt> {
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

async function tryCpu(): Promise<Attempt> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) return { error: 'the cpu backend failed to initialise' };
  await tf.ready();
  return { name: 'cpu', device: 'cpu (plain JavaScript, slow)' };
}

const TRY: Record<Exclude<BackendChoice, 'auto' | 'webgpu' | 'tensorflow'>, () => Promise<Attempt>> = {
  native: tryNative, wasm: tryWasm, cpu: tryCpu,
};

/** The fields a caller sees: the tensorflow attempt's GPU flag is auto's business. */
const plain = ({ name, device, note }: ActiveBackend): ActiveBackend => (note ? { name, device, note } : { name, device });

async function explicit(choice: Exclude<BackendChoice, 'auto'>): Promise<Attempt> {
  switch (choice) {
    case 'tensorflow': {
      const got = await tryTensorflow();
      return 'error' in got ? got : plain(got);
    }
    case 'webgpu': {
      const got = await tryWebgpu({ allowSoftware: true });
      return 'error' in got ? got : plain(got);
    }
    case 'native':
    case 'wasm':
    case 'cpu':
      return TRY[choice]();
  }
}

/**
 * Walks auto's order (see the top of this file). Notes what it skipped where that is news: a
 * software-only WebGPU, or every fast backend missing so that it settled for plain JavaScript.
 */
async function auto(opts: InitOptions): Promise<ActiveBackend> {
  const skipped: string[] = [];
  const notes: string[] = [];
  const tensorflow = await tryTensorflow();
  if (!('error' in tensorflow) && tensorflow.onGpu) return plain(tensorflow);
  if ('error' in tensorflow) skipped.push(`tensorflow: ${tensorflow.error}`);

  const webgpu = opts.readsAsync ? await tryWebgpu({ allowSoftware: false }) : { error: SYNC_CALLER };
  if (!('error' in webgpu)) return plain(webgpu);
  skipped.push(`webgpu: ${webgpu.error}`);
  if ('software' in webgpu && webgpu.software) notes.push(`webgpu was not used: ${webgpu.error.replace(/ \(ask for.*\)$/, '')}.`);

  const finish = (got: ActiveBackend): ActiveBackend => {
    const all = [got.note, ...notes, got.name === 'cpu' && skipped.length ? `faster backends unavailable: ${skipped.join('; ')}` : undefined].filter(Boolean);
    return all.length ? { ...plain(got), note: all.join(' ') } : plain(got);
  };
  const native = await tryNative();
  if (!('error' in native)) return finish(native);
  skipped.push(`native: ${native.error}`);
  // libtensorflow on the CPU is still faster than wasm; it was loaded above, so switch back to it.
  if (!('error' in tensorflow) && (await tf.setBackend('tensorflow'))) return finish(tensorflow);
  for (const name of ['wasm', 'cpu'] as const) {
    const got = await TRY[name]();
    if (!('error' in got)) return finish(got);
    skipped.push(`${name}: ${got.error}`);
  }
  throw new Error(`no tfjs backend could be started: ${skipped.join('; ')}`);
}

/**
 * Makes `choice` the active backend. An explicit choice that is unavailable is an error naming
 * why; "auto" walks the preference order.
 */
export async function initBackend(choice: BackendChoice, opts: InitOptions = {}): Promise<ActiveBackend> {
  quiet();
  if (!BACKENDS.includes(choice)) throw new Error(`unknown backend "${String(choice)}"; choose one of ${BACKENDS.join(', ')}`);
  if (choice === 'auto') return auto(opts);
  const got = await explicit(choice);
  if ('error' in got) throw new Error(`backend "${choice}" is not available: ${got.error}`);
  return got;
}

/**
 * Whether TensorFlow, once loaded, runs on a GPU (the doctor's probe process asks; it switches
 * this process's backend). null where neither tfjs-node package is installed.
 */
export async function probeTensorflow(): Promise<{ onGpu: boolean; error?: string } | null> {
  if (!resolvable('@tensorflow/tfjs-node-gpu') && !resolvable('@tensorflow/tfjs-node')) return null;
  quiet();
  const got = await tryTensorflow();
  return 'error' in got ? { onGpu: false, error: got.error } : { onGpu: got.onGpu };
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
    webgpuInfo(),
    { name: 'native', available: nativeOk, device: 'cpu (native code)', note: nativeNote },
    { name: 'wasm', available: true, device: 'cpu (WebAssembly, 1 thread)' },
    { name: 'cpu', available: true, device: 'cpu (plain JavaScript, slow)' },
  ];
}

/** Listed from what is installed; which adapter it would get takes Dawn, so that is the doctor's to say. */
function webgpuInfo(): BackendInfo {
  if (runningInElectron()) return { name: 'webgpu', available: false, device: 'none', note: 'in the desktop app WebGPU comes from its own renderer (not yet); use browser mode or the CLI' };
  const installed = webgpuInstalled();
  if (!installed.ok) return { name: 'webgpu', available: false, device: 'none', note: `npm install ${installed.missing.join(' ')}` };
  return { name: 'webgpu', available: true, device: 'the GPU WebGPU finds (Check GPU says which)' };
}
