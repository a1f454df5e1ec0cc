import { describe, expect, it } from 'vitest';
import { compare, inputs, native, tf } from './compare';

const CASES: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { a: [5, 7], b: [7, 3], ta: false, tb: false },
  { a: [7, 5], b: [7, 3], ta: true, tb: false },
  { a: [5, 7], b: [3, 7], ta: false, tb: true },
  { a: [7, 5], b: [3, 7], ta: true, tb: true },
  { a: [128, 400], b: [400, 120], ta: false, tb: false },
  { a: [2, 5, 7], b: [2, 7, 3], ta: false, tb: false },
];

// tfjs's BatchMatMul gradient does not reduce over a broadcast batch (it fails on cpu too), so
// broadcasting is checked forward only.
const BROADCAST: typeof CASES = [
  { a: [1, 5, 7], b: [3, 7, 4], ta: false, tb: false },
  { a: [3, 7, 5], b: [1, 4, 7], ta: true, tb: true },
];

const title = (c: (typeof CASES)[number]) => `${c.a.join('x')}${c.ta ? 'ᵀ' : ''} · ${c.b.join('x')}${c.tb ? 'ᵀ' : ''}`;

describe.skipIf(!native)('native matmul kernels match the cpu backend', () => {
  it.each(CASES.map((c) => [title(c), c] as const))('product and gradients: %s', async (_t, c) => {
    const err = await compare(inputs({ a: c.a, b: c.b }), (t) => {
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, c.ta, c.tb);
      const y = f(t.a, t.b);
      const [da, db] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([t.a, t.b]);
      return [y, da, db];
    });
    expect(err).toBeLessThan(1e-5);
  });

  it.each(BROADCAST.map((c) => [title(c), c] as const))('broadcast batch product: %s', async (_t, c) => {
    const err = await compare(inputs({ a: c.a, b: c.b }), (t) => tf.matMul(t.a, t.b, c.ta, c.tb));
    expect(err).toBeLessThan(1e-5);
  });

  it.each(['linear', 'relu', 'sigmoid'] as const)('fused matmul with bias and %s (a dense layer) and its gradients', async (activation) => {
    const err = await compare(inputs({ x: [16, 40], w: [40, 12], b: [12] }), (t) => {
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation });
      const y = f(t.x, t.w, t.b);
      const g = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(x, w, b))))([t.x, t.w, t.b]);
      return [y, ...g];
    });
    expect(err).toBeLessThan(1e-5);
  });
});
