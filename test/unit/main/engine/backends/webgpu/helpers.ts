/**
 * The webgpu backend in tests. There is no GPU on the build machines, so on Linux the tests point
 * Dawn at Chromium's SwiftShader (a software Vulkan driver; .ci/run installs chromium), exactly as
 * a user would with CONVSTUDIO_WEBGPU_ICD=swiftshader. Elsewhere they use the machine's own GPU.
 */

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
