import { describe, expect, it } from 'vitest';
import { alloc, hold, markEscaped, pooledByteCount, release, unhold } from '../../../../../../main/engine/backends/native/pool';

// Distinct sizes per test: the pool is one module-wide free list.
describe('tensor storage pool', () => {
  it('hands a released array back for the next output of the same size', () => {
    const a = alloc(5000);
    release(a);
    expect(pooledByteCount()).toBeGreaterThanOrEqual(5000 * 4);
    expect(alloc(5000)).toBe(a);
    expect(alloc(5000)).not.toBe(a);
  });

  it('never recycles an array that escaped (read by the caller) or that it did not allocate', () => {
    const a = alloc(5001);
    markEscaped(a);
    release(a);
    expect(alloc(5001)).not.toBe(a);
    const foreign = new Float32Array(5002);
    release(foreign);
    expect(alloc(5002)).not.toBe(foreign);
  });

  it('defers recycling a held array until the hold ends', () => {
    const a = alloc(5003);
    hold(a);
    release(a);
    expect(alloc(5003)).not.toBe(a);
    unhold(a);
    expect(alloc(5003)).toBe(a);
  });

  it('does not pool small arrays', () => {
    const a = alloc(16);
    release(a);
    expect(alloc(16)).not.toBe(a);
  });
});
