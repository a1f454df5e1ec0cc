import { describe, expect, it } from 'vitest';
import { compare, inputs, kernelsRun, native, skipReason, tf } from './compare';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase { x: number[]; f: number[]; stride: number | [number, number]; pad: Pad; dilation?: number }

// Shapes NHWC / HWIO. Includes batch > 1, asymmetric 'same' padding (even input, stride 2),
// explicit asymmetric padding, one input channel (LeNet), 1x1 stride-2 shortcuts and the 7x7
// stride-2 stem of ResNet.
const CASES: ConvCase[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [3, 28, 28, 1], f: [5, 5, 1, 6], stride: 1, pad: 2 },
  { x: [2, 14, 14, 6], f: [5, 5, 6, 16], stride: 1, pad: 'valid' },
  { x: [2, 10, 11, 4], f: [3, 2, 4, 3], stride: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 7, 7, 8], f: [1, 1, 8, 16], stride: 2, pad: 'valid' },
  { x: [2, 20, 20, 1], f: [7, 7, 1, 8], stride: 2, pad: 3 },
  { x: [1, 12, 12, 16], f: [3, 3, 16, 32], stride: 1, pad: 1 },
];

const title = (c: ConvCase) => `x ${c.x.join('x')} filter ${c.f.join('x')} stride ${JSON.stringify(c.stride)} pad ${JSON.stringify(c.pad)}`;
const TOL = 1e-5;

describe.skipIf(!native)('native conv2d kernels match the cpu backend', () => {
  it.each(CASES.map((c) => [title(c), c] as const))('forward and both gradients: %s', async (_t, c) => {
    const ins = inputs({ x: c.x, f: c.f });
    const err = await compare(ins, (t) => {
      const conv = (x: tf.Tensor, f: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad as any);
      const y = conv(t.x, t.f);
      // A non-uniform upstream gradient, so every dy element matters.
      const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(conv(x, f), tf.sin(tf.reshape(tf.range(0, y.size), y.shape)))));
      const [dx, df] = g([t.x, t.f]);
      return [y, dx, df];
    });
    expect(err).toBeLessThan(TOL);
  });

  it('runs Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter in the addon path', async () => {
    const ins = inputs({ x: [2, 8, 8, 3], f: [3, 3, 3, 4] });
    const names = await kernelsRun(ins, (t) => {
      const [dx, df] = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))([t.x, t.f]);
      return tf.add(tf.sum(dx), tf.sum(df));
    });
    expect([...names]).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']));
  });

  it.each([[1], [2]])('forward with dilation %i', async (d) => {
    const ins = inputs({ x: [2, 11, 11, 3], f: [3, 3, 3, 4] });
    const err = await compare(ins, (t) => tf.conv2d(t.x as tf.Tensor4D, t.f as tf.Tensor4D, 1, 'same', 'NHWC', d));
    expect(err).toBeLessThan(TOL);
  });

  it.each(['linear', 'relu', 'sigmoid'] as const)('fused conv2d with bias and %s, and its gradients', async (activation) => {
    const ins = inputs({ x: [2, 9, 9, 3], f: [3, 3, 3, 4], b: [4] });
    const err = await compare(ins, (t) => {
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 2, pad: 'same', activation });
      const y = f(t.x, t.f, t.b);
      const [dx, dw, db] = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(x, w, b))))([t.x, t.f, t.b]);
      return [y, dx, dw, db];
    });
    expect(err).toBeLessThan(TOL);
  });

  it('falls back to the cpu kernel for NCHW data', async () => {
    const ins = inputs({ x: [2, 3, 6, 6], f: [3, 3, 3, 2] });
    const err = await compare(ins, (t) => tf.conv2d(t.x as tf.Tensor4D, t.f as tf.Tensor4D, 1, 'valid', 'NCHW'));
    expect(err).toBeLessThan(TOL);
  });
});

describe.skipIf(native)('native backend', () => {
  it('is skipped', () => {
    console.warn(skipReason);
  });
});
