/**
 * A run that does not fit in its backend's memory, told the same way on every backend that can
 * run out: what ran out, that this batch size is the cause, and the smaller batch to try. The
 * trainer asks `isOutOfMemory` of whatever a step threw and shows `outOfMemoryMessage`.
 * Host-neutral: no Node, so a trainer in a Web Worker (issue 15 part 2) uses the same words.
 */

/** Thrown by a device backend (webgpu) when a run would exceed its memory, before the device fails. */
export class DeviceMemoryError extends Error {
  override name = 'DeviceMemoryError';
  readonly code = 'out-of-memory';
  constructor(
    readonly backend: string,
    /** What did not fit, as a clause: "one tensor needs 1,606 MB and this GPU allows 1,024 MB per buffer". */
    readonly detail: string,
    /**
     * For one tensor larger than the device's largest buffer: its size and that limit. A tensor's
     * size is proportional to the batch, so these say which batch would fit; a run's total at the
     * moment it crossed a bound says nothing of the same kind (it is only a lower bound).
     */
    readonly tensorBytes?: number,
    readonly bufferLimitBytes?: number,
  ) {
    super(`The ${backend} backend ran out of memory: ${detail}.`);
  }
}

/**
 * The wasm backend's heap is one WebAssembly memory of at most 4 GB; a batch whose activations do
 * not fit traps ("memory access out of bounds", "Aborted()") instead of throwing a tfjs error.
 */
function isWasmHeapFailure(err: unknown): boolean {
  if (err instanceof WebAssembly.RuntimeError) return true;
  return /out of bounds|Aborted\(|out of memory|Cannot enlarge memory/i.test((err as Error)?.message ?? '');
}

/** Whether `err`, thrown while training on `backend`, means the batch did not fit in memory. */
export function isOutOfMemory(err: unknown, backend: string | null | undefined): boolean {
  if (err instanceof DeviceMemoryError) return true;
  if (backend === 'wasm') return isWasmHeapFailure(err);
  return false;
}

const MB = 2 ** 20;
const mb = (bytes: number) => `${Math.ceil(bytes / MB).toLocaleString('en-US')} MB`;
export { mb as formatMegabytes };

/** The largest power of two ≤ n (batch sizes people try are powers of two). */
const powerOfTwoBelow = (n: number) => 2 ** Math.floor(Math.log2(Math.max(1, n)));

/**
 * The batch to suggest. A tensor grows linearly with the batch, so for one tensor over the
 * device's buffer limit the batch that fits is about batch × limit / size (never more than half:
 * a batch that only just fits leaves nothing for the rest of the step). Otherwise a quarter, as
 * the wasm message has always said.
 */
export function smallerBatch(batchSize: number, err?: unknown): number {
  const half = Math.max(1, Math.floor(batchSize / 2));
  if (err instanceof DeviceMemoryError && err.tensorBytes && err.bufferLimitBytes && err.tensorBytes > err.bufferLimitBytes) {
    return Math.min(half, powerOfTwoBelow(Math.floor((batchSize * err.bufferLimitBytes) / err.tensorBytes)));
  }
  return Math.max(1, Math.floor(batchSize / 4));
}

/** The message a run shows when `isOutOfMemory(err, backend)` holds. */
export function outOfMemoryMessage(err: unknown, backend: string, batchSize: number): string {
  const smaller = smallerBatch(batchSize, err);
  if (err instanceof DeviceMemoryError) {
    return `The ${err.backend} backend ran out of GPU memory: ${err.detail}, so this network's activations at batch size ${batchSize} do not fit. ` +
      `Lower the batch size (try ${smaller}) or resize to a smaller image.`;
  }
  if (backend === 'wasm') {
    return `The wasm backend ran out of memory: WebAssembly gives it at most 4 GB, and this network's activations at batch size ${batchSize} do not fit. ` +
      `Lower the batch size (try ${smaller}), resize to a smaller image, or use the native backend (npm run build:native; needs g++ and libdnnl-dev).`;
  }
  return `The ${backend} backend ran out of memory at batch size ${batchSize}. Lower the batch size (try ${smaller}) or resize to a smaller image.`;
}
