/**
 * Starts tfjs-backend-webgpu on a given `GPU` object (`navigator.gpu`): picks the adapter, says
 * whether it is a software one, opens a device with the limits tfjs needs, bounds its memory and
 * registers it as tfjs's "webgpu" backend. Host-neutral on purpose: Node passes Dawn's GPU
 * (./dawn.ts), a page or a Web Worker passes its own `navigator.gpu` (issue 15 part 2), and both
 * get the same adapter policy, memory bound and failure messages.
 */

import * as tf from '@tensorflow/tfjs-core';
import { adapterFacts, adapterName, deviceLine, isSoftwareAdapter, type AdapterFacts } from './adapter';
import { boundBufferManager, isBufferManager, watchDevice, type DeviceWatch } from './memory';

/** The slice of WebGPU's GPUAdapter used here (typed locally: WebGPU's types are not in TypeScript's DOM lib). */
export interface AdapterLike {
  info?: Partial<AdapterFacts>;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<any>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

/** What `import('@tensorflow/tfjs-backend-webgpu')` gives; passed in so each host loads it its own way. */
export interface WebGpuModule {
  WebGPUBackend: new (device: any, adapterInfo?: unknown) => tf.KernelBackend;
}

export interface WebGpuOptions {
  /** Explicit `--backend webgpu` takes a software adapter (and says so); `auto` never does. */
  allowSoftware: boolean;
  /** The run's bound on GPU buffers (memory.ts). */
  memoryBudgetBytes: number;
  /**
   * Whether the host can read GPU results synchronously (dataSync). A page can, slowly, through
   * OffscreenCanvas; Dawn in Node cannot at all, so there a synchronous read must fail plainly.
   */
  syncReadsPossible: boolean;
}

/** WebGPU is there but will not be used: no adapter, or (under auto) only a software one. */
export class WebGpuUnavailable extends Error {
  override name = 'WebGpuUnavailable';
  constructor(message: string, readonly software = false) {
    super(message);
  }
}

export type AdapterChoice =
  | { ok: true; adapter: AdapterLike; facts: AdapterFacts; software: boolean }
  | { ok: false; reason: string; facts?: AdapterFacts; software?: boolean };

/**
 * The adapter WebGPU offers for compute. `high-performance` asks for the discrete GPU on a laptop
 * that also has an integrated one, as tfjs-backend-webgpu itself does.
 */
export async function chooseAdapter(gpu: GpuLike, allowSoftware: boolean): Promise<AdapterChoice> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { ok: false, reason: 'WebGPU found no adapter (no GPU driver it can use)' };
  const facts = adapterFacts(adapter);
  const software = isSoftwareAdapter(facts);
  if (software && !allowSoftware) {
    return { ok: false, facts, software, reason: `the only WebGPU adapter is a software one, ${adapterName(facts)} (a CPU emulating a GPU, slower than the CPU backends); auto does not use it (ask for --backend webgpu to use it anyway)` };
  }
  return { ok: true, adapter, facts, software };
}

/** Limits tfjs-backend-webgpu's own start-up requests (its base.ts), so large tensors get the adapter's maximum. */
const REQUIRED_LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];

export interface StartedWebGpu {
  name: 'webgpu';
  device: string;
  facts: AdapterFacts;
  software: boolean;
  /** Destroys the device: the run is over (and Dawn lets the process exit). */
  release(): void;
}

/** The start event's note when a run trains on a software adapter (only ever by explicit choice). */
export const SOFTWARE_ADAPTER_NOTE = 'This WebGPU adapter is software (a CPU emulating a GPU): results are right, but it is slower than the native and wasm backends.';

/** A synchronous read in Node; exported so a caller (and its tests) can tell this failure from others. */
export const SYNC_READ_MESSAGE = 'The webgpu backend cannot read results synchronously in Node (dataSync): WebGPU only reads asynchronously, ' +
  'and this code still reads synchronously. Use another backend until it reads with await tensor.data().';

/**
 * Opens a device on the chosen adapter and makes it tfjs's active "webgpu" backend. Throws with
 * a message naming what failed (no device, tfjs refused it).
 */
export async function startWebGpuBackend(gpu: GpuLike, mod: WebGpuModule, opts: WebGpuOptions): Promise<StartedWebGpu> {
  const chosen = await chooseAdapter(gpu, opts.allowSoftware);
  if (!chosen.ok) throw new WebGpuUnavailable(chosen.reason, chosen.software === true);
  const { adapter, facts, software } = chosen;
  const requiredLimits = Object.fromEntries(REQUIRED_LIMITS.filter((k) => typeof adapter.limits[k] === 'number').map((k) => [k, adapter.limits[k]]));
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  if (!device) throw new Error(`the adapter ${deviceLine(facts)} gave no device`);
  const watch: DeviceWatch = watchDevice(device);

  // Subclassed rather than patched: reads are where WebGPU's asynchronous errors surface.
  class ConvStudioWebGpuBackend extends mod.WebGPUBackend {
    override async read(dataId: object): Promise<any> {
      watch.check();
      const values = await super.read(dataId);
      watch.check();
      return values;
    }

    override readSync(dataId: object): any {
      watch.check();
      // Values already on the CPU (uploaded, or read before) come back without touching the GPU.
      const cached = (this as any).tensorMap?.get(dataId)?.values;
      if (cached != null || opts.syncReadsPossible) return super.readSync(dataId);
      throw new Error(SYNC_READ_MESSAGE);
    }
  }
  const backend = new ConvStudioWebGpuBackend(device, (adapter.info ?? facts));
  const bm = (backend as any).bufferManager;
  const maxBufferBytes = Math.min(device.limits?.maxBufferSize ?? Infinity, device.limits?.maxStorageBufferBindingSize ?? Infinity);
  const b = backend as any;
  const flush = typeof b.submitQueue === 'function' && typeof b.endComputePassEncoder === 'function'
    ? () => {
      if (!b.commandEncoder) return;
      b.endComputePassEncoder();
      b.submitQueue();
    }
    : undefined;
  if (isBufferManager(bm)) boundBufferManager(bm, { budgetBytes: opts.memoryBudgetBytes, maxBufferBytes, flush });

  // The package registers its own factory when navigator.gpu exists at import time; ours
  // replaces it, so tfjs never opens a second device on an adapter we did not choose.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => backend);
  if (!(await tf.setBackend('webgpu'))) {
    device.destroy();
    throw new Error('tfjs could not start the webgpu backend on this device');
  }
  await tf.ready();
  return {
    name: 'webgpu', device: deviceLine(facts), facts, software,
    release: () => {
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      device.destroy();
    },
  };
}
