/** One plain message for a batch that does not fit, on wasm and webgpu alike, with the batch to try. */

import { describe, expect, it } from 'vitest';
import { DeviceMemoryError, isOutOfMemory, outOfMemoryMessage, smallerBatch } from '../../../../../../main/engine-core/out-of-memory';

const MB = 2 ** 20;

describe('what counts as out of memory', () => {
  it.each<[string, unknown, string, boolean]>([
    ['a WebAssembly trap on wasm', new WebAssembly.RuntimeError('memory access out of bounds'), 'wasm', true],
    ['Emscripten\'s abort on wasm', new Error('Aborted(). Build with -sASSERTIONS for more info.'), 'wasm', true],
    ['a heap that cannot grow', new Error('Cannot enlarge memory arrays'), 'wasm', true],
    ['the same trap on another backend', new WebAssembly.RuntimeError('memory access out of bounds'), 'native', false],
    ['a device bound hit on webgpu', new DeviceMemoryError('webgpu', 'x'), 'webgpu', true],
    ['a device error whatever the backend name says', new DeviceMemoryError('webgpu', 'x'), 'cpu', true],
    ['an ordinary error on webgpu', new Error('shape mismatch'), 'webgpu', false],
    ['a thrown string', 'out of bounds', 'wasm', false],
  ])('%s: %s', (_t, err, backend, want) => {
    expect(isOutOfMemory(err, backend)).toBe(want);
  });
});

describe('the batch to try', () => {
  it.each<[string, number, unknown, number]>([
    ['wasm: a quarter, as before', 128, new WebAssembly.RuntimeError('x'), 32],
    ['never below 1', 2, undefined, 1],
    ['one tensor over the buffer limit: batch × limit / size, a power of two', 128, new DeviceMemoryError('webgpu', 'x', 1606 * MB, 1024 * MB), 64],
    ['far over the limit', 256, new DeviceMemoryError('webgpu', 'x', 6000 * MB, 1000 * MB), 32],
    ['only just over: still at most half', 128, new DeviceMemoryError('webgpu', 'x', 1025 * MB, 1024 * MB), 64],
    ['the run over its bound (no sizes to go by): a quarter', 64, new DeviceMemoryError('webgpu', 'the GPU reported it is out of memory'), 16],
  ])('%s', (_t, batch, err, want) => {
    expect(smallerBatch(batch, err)).toBe(want);
  });
});

describe('the message', () => {
  it('wasm keeps its words: the 4 GB heap, the batch, the batch to try, the native backend', () => {
    expect(outOfMemoryMessage(new WebAssembly.RuntimeError('x'), 'wasm', 128)).toBe(
      'The wasm backend ran out of memory: WebAssembly gives it at most 4 GB, and this network\'s activations at batch size 128 do not fit. ' +
      'Lower the batch size (try 32), resize to a smaller image, or use the native backend (npm run build:native; needs g++ and libdnnl-dev).');
  });

  it('webgpu says the same thing with what did not fit on the GPU', () => {
    const err = new DeviceMemoryError('webgpu', 'one tensor needs 1,606 MB and this GPU allows at most 1,024 MB per buffer', 1606 * MB, 1024 * MB);
    expect(outOfMemoryMessage(err, 'webgpu', 128)).toBe(
      'The webgpu backend ran out of GPU memory: one tensor needs 1,606 MB and this GPU allows at most 1,024 MB per buffer, so this network\'s activations at batch size 128 do not fit. ' +
      'Lower the batch size (try 64) or resize to a smaller image.');
    // Thrown on its own (before a trainer words it), the error still reads plainly.
    expect(err.message).toBe('The webgpu backend ran out of memory: one tensor needs 1,606 MB and this GPU allows at most 1,024 MB per buffer.');
  });
});
