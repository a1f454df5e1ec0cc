/**
 * GPU memory for one run: a bound on what tfjs-backend-webgpu may allocate, and the device's own
 * errors turned into exceptions. WebGPU reports failures asynchronously (an `uncapturederror`
 * event, a lost device) and keeps computing with the broken buffers, so without this a batch too
 * large for the GPU trains on zeros, or the device dies with a driver message nobody can act on.
 * Host-neutral: only WebGPU and tfjs-backend-webgpu's objects, so it serves Dawn in Node and a
 * page's WebGPU alike.
 */

import { DeviceMemoryError, formatMegabytes as mb } from '../out-of-memory';

/** The environment variable that sets the bound, in MB (read by the Node entry). */
export const GPU_MEMORY_ENV = 'CONVSTUDIO_GPU_MEMORY_MB';

interface BufferLike {
  size: number;
  destroy(): void;
}

/** The parts of tfjs-backend-webgpu 4.x's BufferManager this file relies on. */
export interface BufferManagerLike {
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): BufferLike;
  freeBuffers: Map<string, BufferLike[]>;
  numBytesUsed: number;
  numBytesAllocated: number;
  numFreeBuffers: number;
}

export function isBufferManager(bm: unknown): bm is BufferManagerLike {
  const m = bm as Partial<BufferManagerLike> | null;
  return !!m && typeof m.acquireBuffer === 'function' && m.freeBuffers instanceof Map && typeof m.numBytesUsed === 'number' && typeof m.numBytesAllocated === 'number';
}

/** Destroys the pool of released buffers tfjs keeps for reuse; returns the bytes given back. */
function trimFreePool(bm: BufferManagerLike): number {
  let freed = 0;
  for (const buffers of bm.freeBuffers.values()) {
    for (const b of buffers) {
      freed += b.size;
      b.destroy();
    }
    bm.numFreeBuffers -= buffers.length;
    buffers.length = 0;
  }
  bm.numBytesAllocated -= freed;
  return freed;
}

export interface MemoryBound {
  /** Bytes of GPU buffers this run may hold at once. */
  budgetBytes: number;
  /** The device's largest buffer that can be bound to a shader (tfjs binds whole tensors). */
  maxBufferBytes: number;
  /**
   * Submits the work tfjs has recorded: buffers of tensors disposed since are released only then
   * (tfjs-backend-webgpu's submitQueue), so without it they count as held.
   */
  flush?: () => void;
}

/**
 * Makes every buffer tfjs asks for pass the run's bound first. Released buffers stay pooled for
 * reuse, as tfjs does, until a new one would cross the bound; then the pool goes, and only what
 * live tensors hold counts. A request that still does not fit throws DeviceMemoryError inside
 * the kernel, which tfjs unwinds like any kernel error (tidy scopes free their tensors).
 */
export function boundBufferManager(bm: BufferManagerLike, bound: MemoryBound): void {
  const acquire = bm.acquireBuffer.bind(bm);
  bm.acquireBuffer = (size, usage, mappedAtCreation = false, reuse = true) => {
    if (size > bound.maxBufferBytes) {
      throw new DeviceMemoryError('webgpu', `one tensor needs ${mb(size)} and this GPU allows at most ${mb(bound.maxBufferBytes)} per buffer`, size, bound.maxBufferBytes);
    }
    // tfjs's own pool key (buffer_manager.ts): a pooled buffer of this size and usage costs nothing new.
    const pooled = reuse && (bm.freeBuffers.get(`${size}_${usage}`)?.length ?? 0) > 0;
    if (!pooled && bm.numBytesAllocated + size > bound.budgetBytes) {
      bound.flush?.();
      trimFreePool(bm);
    }
    if (!pooled && bm.numBytesUsed + size > bound.budgetBytes) {
      throw new DeviceMemoryError('webgpu', `this run may hold at most ${mb(bound.budgetBytes)} on the GPU (${GPU_MEMORY_ENV} sets the bound) and needs more`);
    }
    return acquire(size, usage, mappedAtCreation, reuse);
  };
}

interface DeviceLike {
  addEventListener(type: 'uncapturederror', listener: (ev: { error?: { message?: string; constructor?: { name?: string } } }) => void): void;
  lost: Promise<{ reason?: string; message?: string }>;
}

export interface DeviceWatch {
  /** Throws the first failure the device has reported since the run started, if any. */
  check(): void;
}

/**
 * Records the device's asynchronous failures so the next read of a result throws them. An
 * out-of-memory error becomes DeviceMemoryError (the plain message with the batch to try); any
 * other error means the results since are garbage, so it ends the run too rather than training on.
 */
export function watchDevice(device: DeviceLike): DeviceWatch {
  let failure: Error | null = null;
  device.addEventListener('uncapturederror', (ev) => {
    if (failure) return;
    const e = ev.error;
    const kind = e?.constructor?.name ?? '';
    const text = (e?.message ?? '').trim().split('\n')[0];
    failure = kind === 'GPUOutOfMemoryError' || /out of memory/i.test(text)
      ? new DeviceMemoryError('webgpu', `the GPU reported it is out of memory${text ? ` (${text})` : ''}`)
      : new Error(`The GPU reported an error (${kind || 'GPUError'}: ${text || 'no message'}); the results since are not trustworthy.`);
  });
  device.lost.then((info) => {
    // Our own device.destroy() at the end of a run reports 'destroyed'.
    if (failure || info.reason === 'destroyed') return;
    failure = new Error(`The GPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message.trim().split('\n')[0]}` : ''}). ` +
      'A driver that resets a GPU busy for too long (Windows does after 2 s) ends the run this way: lower the batch size.');
  }, () => { /* never rejects per the spec; nothing to record */ });
  return {
    check() {
      if (failure) throw failure;
    },
  };
}
