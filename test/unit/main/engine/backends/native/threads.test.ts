import { describe, expect, it } from 'vitest';
import { threadsToUse } from '../../../../../../main/engine/backends/native/addon';

describe('threadsToUse', () => {
  it.each([
    [2, 0, 2],
    [2, 0.4, 2],
    [2, 1.2, 1],
    [2, 7, 1],
    [8, 3, 5],
    [1, 0, 1],
  ])('%i cores at load %f -> %i OpenMP threads', (cores, load, want) => {
    expect(threadsToUse(cores, load)).toBe(want);
  });
});
