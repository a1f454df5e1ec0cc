import { describe, expect, it } from 'vitest';
import { compare, inputs, kernelsRun, native, tf } from './compare';

interface PoolCase { kind: 'avg' | 'max'; x: number[]; size: number | [number, number]; stride: number | [number, number]; pad: 'valid' | 'same' }

// 'same' with an even input and stride 2 pads asymmetrically; odd sizes leave partial windows.
const CASES: PoolCase[] = [
  { kind: 'avg', x: [3, 28, 28, 6], size: 2, stride: 2, pad: 'valid' },
  { kind: 'avg', x: [2, 9, 9, 4], size: 3, stride: 2, pad: 'same' },
  { kind: 'avg', x: [2, 8, 7, 3], size: [2, 3], stride: [2, 1], pad: 'same' },
  { kind: 'max', x: [2, 8, 8, 5], size: 3, stride: 2, pad: 'same' },
  { kind: 'max', x: [2, 9, 9, 4], size: 3, stride: 1, pad: 'same' },
  { kind: 'max', x: [3, 12, 12, 6], size: 2, stride: 2, pad: 'valid' },
  { kind: 'max', x: [2, 7, 6, 3], size: [3, 2], stride: [1, 2], pad: 'valid' },
];

const title = (c: PoolCase) => `${c.kind} x ${c.x.join('x')} size ${JSON.stringify(c.size)} stride ${JSON.stringify(c.stride)} ${c.pad}`;

function pool(c: PoolCase, x: tf.Tensor): tf.Tensor {
  const f = c.kind === 'avg' ? tf.avgPool : tf.maxPool;
  return f(x as tf.Tensor4D, c.size, c.stride, c.pad);
}

describe.skipIf(!native)('native pooling kernels match the cpu backend', () => {
  it.each(CASES.map((c) => [title(c), c] as const))('forward and gradient: %s', async (_t, c) => {
    const err = await compare(inputs({ x: c.x }), (t) => {
      const y = pool(c, t.x);
      const w = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
      const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(pool(c, x), w)))(t.x);
      return [y, dx];
    });
    expect(err).toBeLessThan(1e-6);
  });

  it('max pooling gradient picks the first of tied maxima, as the cpu kernel does', async () => {
    // Constant input: every window is one big tie.
    const ins = { x: { shape: [1, 4, 4, 2], values: new Float32Array(32).fill(0.5) } };
    const err = await compare(ins, (t) => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 1, 'same')))(t.x));
    expect(err).toBe(0);
  });

  it.each(['avg', 'max'] as const)('runs %s pooling and its gradient in the addon path', async (kind) => {
    const c: PoolCase = { kind, x: [2, 6, 6, 3], size: 2, stride: 2, pad: 'valid' };
    const names = await kernelsRun(inputs({ x: c.x }), (t) => tf.grad((x: tf.Tensor) => tf.sum(pool(c, x)))(t.x));
    const expected = kind === 'avg' ? ['AvgPool', 'AvgPoolGrad'] : ['MaxPool', 'MaxPoolGrad'];
    expect([...names]).toEqual(expect.arrayContaining(expected));
  });
});
