import { describe, expect, it } from 'vitest';
import { compare, inputs, kernelsRun, native, tf } from './compare';

describe.skipIf(!native)('native element-wise, reduction and pad kernels match the cpu backend', () => {
  it('sigmoid over a wide range, with its gradient', async () => {
    const x = Float32Array.from({ length: 40001 }, (_, i) => (i - 20000) / 200); // -100 .. 100
    const err = await compare({ x: { shape: [40001], values: x } }, (t) => [tf.sigmoid(t.x), tf.grad((v: tf.Tensor) => tf.sum(tf.sigmoid(v)))(t.x)]);
    expect(err).toBeLessThan(1e-6);
  });

  it('sigmoid, relu and step keep NaN as NaN', async () => {
    const x = Float32Array.from([NaN, -1, 0, 2]);
    const err = await compare({ x: { shape: [4], values: x } }, (t) => [tf.sigmoid(t.x), tf.relu(t.x), tf.step(t.x)]);
    expect(err).toBeLessThan(1e-6);
  });

  it('relu and its gradient (step) on a large tensor', async () => {
    const err = await compare(inputs({ x: [4, 30, 30, 8] }), (t) => [tf.relu(t.x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), v)))(t.x)]);
    expect(err).toBe(0);
  });

  const SHAPES: [string, number[], number[]][] = [
    ['same shapes', [3, 5, 5, 4], [3, 5, 5, 4]],
    ['a bias along the last axis', [3, 5, 5, 4], [4]],
    ['a bias over a large tensor', [16, 28, 28, 6], [6]],
    ['a bias with leading ones', [6, 10], [1, 10]],
    ['a scalar on the right', [3, 7], []],
    ['a scalar on the left', [], [3, 7]],
    ['a bias on the left', [4], [2, 3, 4]],
    ['a column (cpu fallback)', [3, 1], [3, 4]],
  ];
  it.each(SHAPES)('add, sub and mul with %s, and their gradients', async (_t, sa, sb) => {
    const err = await compare(inputs({ a: sa, b: sb }), (t) => {
      const outs: tf.Tensor[] = [];
      for (const op of [tf.add, tf.sub, tf.mul]) {
        outs.push(op(t.a, t.b));
        outs.push(...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(op(a, b))))([t.a, t.b]));
      }
      return outs;
    });
    expect(err).toBeLessThan(1e-6);
  });

  const AXES: [string, number[], number | number[], boolean][] = [
    ['leading three axes of NHWC (a conv bias gradient)', [8, 6, 6, 5], [0, 1, 2], false],
    ['a LeNet-sized conv output (many blocks)', [64, 28, 28, 6], [0, 1, 2], false],
    ['the batch axis of a dense output', [128, 10], 0, false],
    ['leading axes with keepDims', [4, 3, 5], [1, 0], true],
    ['every axis (cpu fallback)', [4, 3], [0, 1], false],
    ['the last axis (cpu fallback)', [4, 3], 1, false],
  ];
  it.each(AXES)('sum over %s', async (_t, shape, axis, keepDims) => {
    const err = await compare(inputs({ x: shape }), (t) => tf.sum(t.x, axis, keepDims));
    expect(err).toBeLessThan(1e-6);
  });

  it.each([
    ['NHWC spatial padding, asymmetric', [2, 5, 6, 3], [[0, 0], [2, 1], [0, 3], [0, 0]], 0],
    ['every axis with a constant', [2, 3, 4], [[1, 0], [0, 2], [3, 1]], 1.5],
    ['a vector', [5], [[2, 3]], -1],
    ['LeNet input padding (one channel)', [3, 28, 28, 1], [[0, 0], [2, 2], [2, 2], [0, 0]], 0],
    ['only the first axis', [3, 4, 5], [[1, 2], [0, 0], [0, 0]], 0],
  ] as const)('pad: %s, and its gradient', async (_t, shape, paddings, value) => {
    const p = paddings as unknown as Array<[number, number]>;
    const err = await compare(inputs({ x: [...shape] }), (t) => [
      tf.pad(t.x, p, value),
      tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.pad(x, p, value))))(t.x),
    ]);
    expect(err).toBe(0);
  });

  it.each([
    ['NHWC to NCHW (torch-order flatten)', [3, 5, 4, 6], [0, 3, 1, 2]],
    ['NCHW to NHWC', [2, 6, 5, 4], [0, 2, 3, 1]],
    ['a matrix', [7, 9], [1, 0]],
    ['identity', [2, 3, 4], [0, 1, 2]],
    ['rank 5, reversed', [2, 3, 1, 4, 5], [4, 3, 2, 1, 0]],
  ] as const)('transpose: %s, and its gradient', async (_t, shape, perm) => {
    const p = [...perm];
    const err = await compare(inputs({ x: [...shape] }), (t) => [
      tf.transpose(t.x, p),
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.transpose(x, p), tf.transpose(x, p))))(t.x),
    ]);
    expect(err).toBeLessThan(1e-6);
  });

  it.each(SHAPES)('div, squared difference and square with %s, and their gradients', async (_t, sa, sb) => {
    const ins = inputs({ a: sa, b: sb });
    ins.b.values = ins.b.values.map((v) => v + (v >= 0 ? 0.5 : -0.5)); // keep divisors away from 0
    const err = await compare(ins, (t) => {
      // tfjs's SquaredDifference gradient does not reduce over broadcast axes (on cpu either),
      // so its gradient is checked with equal shapes only.
      const outs: tf.Tensor[] = [tf.square(t.a), tf.div(t.a, t.b), tf.squaredDifference(t.a, t.b)];
      outs.push(...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.div(a, b)))([t.a, t.b]));
      if (sa.join() === sb.join()) outs.push(...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.squaredDifference(a, b)))([t.a, t.b]));
      return outs;
    });
    expect(err).toBeLessThan(1e-5);
  });

  it.each([
    ['leading three axes of NHWC (batch-norm statistics)', [8, 6, 6, 5], [0, 1, 2], false],
    ['leading axes with keepDims', [4, 3, 5], [0, 1], true],
    ['the last axis (cpu fallback)', [4, 3], 1, false],
  ] as const)('mean over %s, and moments', async (_t, shape, axis, keepDims) => {
    const ax = axis as number | number[];
    const err = await compare(inputs({ x: [...shape] }), (t) => {
      const m = tf.moments(t.x, ax, keepDims);
      return [tf.mean(t.x, ax, keepDims), m.mean, m.variance];
    });
    expect(err).toBeLessThan(1e-5);
  });

  it.each([
    ['an interior box of NHWC', [2, 7, 6, 3], [0, 1, 2, 0], [2, 4, 3, 3]],
    ['a row range of a matrix', [9, 4], [3, 0], [5, 4]],
    ['a single element', [3, 3, 3], [1, 2, 0], [1, 1, 1]],
    ['the interior of a padded one-channel image', [3, 32, 32, 1], [0, 2, 2, 0], [3, 28, 28, 1]],
    ['rows of a matrix, whole trailing axes', [6, 4, 5], [2, 0, 0], [3, 4, 5]],
  ] as const)('slice: %s, and its gradient', async (_t, shape, begin, size) => {
    const b = [...begin];
    const z = [...size];
    const err = await compare(inputs({ x: [...shape] }), (t) => [
      tf.slice(t.x, b, z),
      tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.slice(x, b, z))))(t.x),
    ]);
    expect(err).toBe(0);
  });

  it.each([
    ['a channel vector over NHW', [1, 1, 1, 5], [4, 3, 2, 1]],
    ['every axis', [2, 3], [3, 2]],
    ['the last axis', [2, 3], [1, 4]],
  ] as const)('tile: %s', async (_t, shape, reps) => {
    const r = [...reps];
    const err = await compare(inputs({ x: [...shape] }), (t) => tf.tile(t.x, r));
    expect(err).toBe(0);
  });

  it.each([
    ['per-channel parameters', true],
    ['no offset or scale', false],
  ] as const)('batchNorm with %s', async (_t, withParams) => {
    const ins = inputs({ x: [4, 5, 5, 6], mean: [6], variance: [6], offset: [6], scale: [6] });
    ins.variance.values = ins.variance.values.map((v) => Math.abs(v) + 0.1);
    const err = await compare(ins, (t) => {
      // Without a scale tfjs cannot take the gradient at all (it saves the missing input), on
      // cpu as well: forward only.
      if (!withParams) return tf.batchNorm(t.x, t.mean, t.variance, undefined, undefined, 1e-5);
      const f = (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.batchNorm(x, t.mean, t.variance, o, s, 1e-5);
      return [f(t.x, t.scale, t.offset), ...tf.grads((x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.square(f(x, s, o))))([t.x, t.scale, t.offset])];
    });
    expect(err).toBeLessThan(1e-5);
  });

  it.each([
    ['NHWC, as tfjs-layers trains it', [4, 5, 5, 6]],
    ['a dense batch norm', [16, 12]],
  ] as const)('batch norm over batch statistics (%s): the fused gradient matches tfjs', async (_t, shape) => {
    const c = shape[shape.length - 1];
    const axes = shape.map((_, i) => i).slice(0, -1);
    const err = await compare(inputs({ x: [...shape], scale: [c], offset: [c], w: [...shape] }), (t) => {
      const f = (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const m = tf.moments(x, axes);
        return tf.sum(tf.mul(tf.batchNorm(x, m.mean, m.variance, o, s, 1e-5), t.w));
      };
      return tf.grads(f)([t.x, t.scale, t.offset]);
    });
    expect(err).toBeLessThan(1e-4);
  });

  it('runs the fused batch-norm gradient kernel on the native backend', async () => {
    const names = await kernelsRun(inputs({ x: [4, 3, 3, 5], scale: [5], offset: [5] }), (t) =>
      tf.grad((x: tf.Tensor) => {
        const m = tf.moments(x, [0, 1, 2]);
        return tf.sum(tf.square(tf.batchNorm(x, m.mean, m.variance, t.offset, t.scale, 1e-5)));
      })(t.x));
    expect(names.has('ConvStudioBatchNormGrad')).toBe(true);
  });

  it.each(['sigmoid', 'relu'] as const)('the fused %s gradient matches tfjs and runs in the addon', async (act) => {
    const f = act === 'sigmoid' ? tf.sigmoid : tf.relu;
    const ins = inputs({ x: [4, 7, 7, 6], w: [4, 7, 7, 6] });
    ins.x.values[3] = NaN;
    const err = await compare(ins, (t) => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), t.w)))(t.x));
    expect(err).toBeLessThan(1e-6);
    const names = await kernelsRun(ins, (t) => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), t.w)))(t.x));
    expect(names.has('ConvStudioActivationGrad')).toBe(true);
  });

  it.each([
    ['NHWC over N, H, W', [4, 5, 5, 6], [0, 1, 2], false],
    ['with keepDims', [4, 5, 6], [0, 1], true],
    ['a matrix over rows', [16, 12], [0], false],
    ['the last axis (tfjs gradient)', [4, 6], [1], false],
  ] as const)('the mean gradient (%s) matches tfjs', async (_t, shape, axes, keepDims) => {
    const ax = [...axes];
    const err = await compare(inputs({ x: [...shape] }), (t) =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.sin(tf.mean(x, ax, keepDims))))(t.x));
    expect(err).toBeLessThan(1e-6);
  });

  it('runs the fused mean gradient kernel for batch-norm statistics', async () => {
    const names = await kernelsRun(inputs({ x: [4, 5, 5, 6] }), (t) => tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.mean(x, [0, 1, 2]))))(t.x));
    expect(names.has('ConvStudioMeanGrad')).toBe(true);
  });

  it.each([
    ['equal shapes', [4, 5, 6], [4, 5, 6]],
    ['a batch mean (keepDims)', [4, 5, 5, 6], [1, 1, 1, 6]],
  ] as const)('the squared-difference gradient for its first input (%s) matches tfjs and runs in the addon', async (_t, sa, sb) => {
    const ins = inputs({ a: [...sa], b: [...sb], w: [...sa] });
    const f = (t: Record<string, tf.Tensor>) => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.squaredDifference(a, t.b), t.w)))(t.a);
    expect(await compare(ins, f)).toBeLessThan(1e-6);
    expect((await kernelsRun(ins, f)).has('ConvStudioSquaredDifferenceGrad')).toBe(true);
  });
});
