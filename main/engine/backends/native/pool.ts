/**
 * Recycles the Float32Arrays of disposed tensors for the next outputs of the same size.
 *
 * A training step allocates hundreds of multi-megabyte tensors and disposes them within the
 * step, but V8 frees their memory only when it next collects garbage, so without reuse every
 * output lands on fresh pages and pays a page fault per 4 kB (measured: 5 ms for one 4.7 MB
 * activation, ten times the kernel). An array is recycled only when nothing else can still see
 * it: it was allocated here, never handed out by readSync/read, never aliased by a view another
 * kernel made, and not held by a lazily computed output that has yet to read it (its recycling
 * then waits for the hold to end).
 */

const MIN_LENGTH = 4096; // small arrays are cheap to allocate; pooling them only adds bookkeeping
const MAX_POOLED_BYTES = 512 * 2 ** 20;

const ours = new WeakSet<Float32Array>();
const escaped = new WeakSet<Float32Array>();
const free = new Map<number, Float32Array[]>();
const holds = new Map<Float32Array, number>();
const waiting = new Set<Float32Array>();
let pooledBytes = 0;

/** An uninitialised array (every addon kernel writes its whole output), recycled when possible. */
export function alloc(n: number): Float32Array {
  if (n < MIN_LENGTH) return new Float32Array(n);
  const list = free.get(n);
  const reused = list?.pop();
  if (reused) {
    pooledBytes -= n * 4;
    return reused;
  }
  const b = Buffer.allocUnsafeSlow(n * 4);
  const a = new Float32Array(b.buffer, b.byteOffset, n);
  ours.add(a);
  return a;
}

/** Never recycle `values`: someone outside the backend's bookkeeping may still read it. */
export function markEscaped(values: unknown): void {
  if (values instanceof Float32Array) escaped.add(values);
}

/** Keeps `values` out of the pool until the matching unhold, even if its tensor is disposed. */
export function hold(values: Float32Array): void {
  holds.set(values, (holds.get(values) ?? 0) + 1);
}

export function unhold(values: Float32Array): void {
  const n = (holds.get(values) ?? 1) - 1;
  if (n > 0) {
    holds.set(values, n);
    return;
  }
  holds.delete(values);
  if (waiting.delete(values)) release(values);
}

/** Called with the values of a tensor whose data the backend has just deleted. */
export function release(values: unknown): void {
  if (!(values instanceof Float32Array) || !ours.has(values) || escaped.has(values)) return;
  if (holds.has(values)) {
    waiting.add(values);
    return;
  }
  if (pooledBytes + values.byteLength > MAX_POOLED_BYTES) return;
  let list = free.get(values.length);
  if (!list) free.set(values.length, (list = []));
  list.push(values);
  pooledBytes += values.byteLength;
}

/** Bytes currently held for reuse (for tests and the memory report). */
export function pooledByteCount(): number {
  return pooledBytes;
}
