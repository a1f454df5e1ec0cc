/**
 * The webgpu backend in tests. There is no GPU on the build machines, so on Linux the tests point
 * Dawn at Chromium's SwiftShader (a software Vulkan driver; .ci/run installs chromium), exactly as
 * a user would with CONVSTUDIO_WEBGPU_ICD=swiftshader. Elsewhere they use the machine's own GPU.
 */

import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type ActiveBackend } from '../../../../../../main/engine/backends/index';
import { ICD_ENV, findSwiftShader } from '../../../../../../main/engine/backends/webgpu/dawn';

/** The environment a test process (or a process it starts) needs for a WebGPU adapter here. */
export function webgpuTestEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (process.platform !== 'linux' || env[ICD_ENV]) return env;
  if (!findSwiftShader()) throw new Error('the webgpu tests need SwiftShader on Linux: apt-get install -y chromium (it ships vk_swiftshader_icd.json)');
  return { ...env, [ICD_ENV]: 'swiftshader' };
}

/** Makes webgpu this test process's backend; the callers read results asynchronously, as WebGPU requires. */
export async function useWebgpu(): Promise<ActiveBackend> {
  Object.assign(process.env, webgpuTestEnv());
  return initBackend('webgpu', { readsAsync: true });
}

/**
 * After a training step throws, tfjs (4.22) keeps the tensors it saved for the backward pass:
 * they were kept out of every tidy scope and only its finished backward pass disposes them. A run
 * ends its process after an out-of-memory failure, so only a test that trains on in the same
 * process needs this to see the memory the failed step held come back.
 */
export function disposeFailedStep(): void {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null } }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

/** Long enough for SwiftShader to compile a network's shaders on a loaded two-core machine. */
export const SWIFTSHADER_TIMEOUT_MS = 900_000;
