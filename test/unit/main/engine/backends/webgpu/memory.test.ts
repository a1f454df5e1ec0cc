/**
 * GPU memory on a real WebGPU device (SwiftShader here): a run's bound is kept, a tensor larger
 * than the device allows fails before the device does, and the device's own asynchronous errors
 * end the run at the next read instead of letting it train on garbage.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { compileGraph } from '../../../../../../main/engine-core/compile';
import { DeviceMemoryError, isOutOfMemory, outOfMemoryMessage } from '../../../../../../main/engine-core/out-of-memory';
import { releaseWebgpu } from '../../../../../../main/engine/backends/webgpu/index';
import { GPU_MEMORY_ENV, watchDevice } from '../../../../../../main/engine-core/webgpu/memory';
import { chain } from '../../graph-helpers';
import { SWIFTSHADER_TIMEOUT_MS, disposeFailedStep, useWebgpu } from './helpers';

/** A convolution wide enough that its activations, not its weights, fill the GPU. */
const wideConv = () => chain([1, 28, 28], ['Conv2d', { out_channels: 16, kernel_size: 5 }], ['ReLU', {}], ['Flatten', {}], ['Linear', { out_features: 10 }]);

/** One SGD step, as the trainer takes it, on random images. */
async function step(model: ReturnType<typeof compileGraph>, batch: number): Promise<number> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const opt = tf.train.sgd(0.1);
  const cost = tf.tidy(() => {
    const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
    return opt.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!;
  });
  const loss = (await cost.data())[0];
  cost.dispose();
  opt.dispose();
  return loss;
}

describe('GPU memory per run (webgpu)', () => {
  beforeAll(async () => {
    // wideConv's step at batch 128 needs about 30 MB on the GPU; at 32, under 16.
    process.env[GPU_MEMORY_ENV] = '16';
    await useWebgpu();
  }, SWIFTSHADER_TIMEOUT_MS);
  afterAll(() => releaseWebgpu());

  it('a batch over the run\'s bound fails with the plain message, and the batch it suggests trains', async () => {
    const model = compileGraph(wideConv(), { seed: 0 });
    const err = await step(model, 128).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceMemoryError);
    disposeFailedStep();
    expect(isOutOfMemory(err, 'webgpu')).toBe(true);
    const message = outOfMemoryMessage(err, 'webgpu', 128);
    expect(message).toMatch(/^The webgpu backend ran out of GPU memory: this run may hold at most 16 MB on the GPU \(CONVSTUDIO_GPU_MEMORY_MB sets the bound\)/);
    const suggested = Number(/try (\d+)\)/.exec(message)![1]);
    expect(suggested).toBe(32);
    expect(Number.isFinite(await step(model, suggested))).toBe(true);
    expect((tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU).toBeLessThanOrEqual(16 * 2 ** 20);
    model.dispose();
  }, SWIFTSHADER_TIMEOUT_MS);

  it('a tensor larger than the device\'s largest buffer fails before the device is asked for it', async () => {
    const limits = (tf.backend() as unknown as { device: { limits: { maxBufferSize: number; maxStorageBufferBindingSize: number } } }).device.limits;
    const max = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
    // 1,024 values: below tfjs's threshold of 1,000 a CPU-resident op runs on the CPU instead.
    const reps = Math.ceil(max / 4 / 1024) + 1;
    const floats = reps * 1024;
    // The op itself throws: the buffer is refused before the kernel runs.
    const err = await Promise.resolve().then(() => tf.tile(tf.ones([1024]), [reps]).data()).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceMemoryError);
    expect((err as DeviceMemoryError).detail).toBe(`one tensor needs ${Math.ceil((floats * 4) / 2 ** 20).toLocaleString('en-US')} MB and this GPU allows at most ${(max / 2 ** 20).toLocaleString('en-US')} MB per buffer`);
    // The tensor is proportional to the batch: at 128 the suggestion is the largest power of two that fits, at most half.
    expect(outOfMemoryMessage(err, 'webgpu', 128)).toMatch(/try 64\)/);
    // The device is unharmed.
    expect(Array.from(await tf.add(tf.ones([3]), 1).data())).toEqual([2, 2, 2]);
  }, SWIFTSHADER_TIMEOUT_MS);

  // Last: after this the device has reported an error, and the backend refuses to read again.
  it('an error the device reports later ends the run at the next read', async () => {
    const device = (tf.backend() as unknown as { device: { createBuffer(d: { size: number; usage: number }): unknown } }).device;
    const usage = (globalThis as unknown as { GPUBufferUsage: { MAP_READ: number; STORAGE: number } }).GPUBufferUsage;
    // MAP_READ with STORAGE is invalid: WebGPU reports it asynchronously, not as a throw.
    device.createBuffer({ size: 4, usage: usage.MAP_READ | usage.STORAGE });
    await expect(tf.add(tf.ones([2]), 1).data()).rejects.toThrow(/^The GPU reported an error \(GPUValidationError: .+\); the results since are not trustworthy\.$/);
  }, SWIFTSHADER_TIMEOUT_MS);
});

describe('device failures as a GPU would report them', () => {
  // Neither can be caused on purpose on a software device: a device fed these events stands in.
  const device = () => {
    const listeners: ((ev: { error?: { message?: string; constructor?: { name?: string } } }) => void)[] = [];
    let lose: (info: { reason?: string; message?: string }) => void = () => {};
    return {
      addEventListener: (_t: 'uncapturederror', l: (typeof listeners)[number]) => { listeners.push(l); },
      lost: new Promise<{ reason?: string; message?: string }>((r) => { lose = r; }),
      emit: (error: { message?: string; constructor?: { name?: string } }) => listeners.forEach((l) => l({ error })),
      lose: (info: { reason?: string; message?: string }) => lose(info),
    };
  };

  it('an out-of-memory error becomes the out-of-memory message', () => {
    const d = device();
    const watch = watchDevice(d);
    expect(() => watch.check()).not.toThrow();
    d.emit({ message: 'Out of memory allocating 2147483648 bytes\nmore', constructor: { name: 'GPUOutOfMemoryError' } });
    let err: unknown;
    try { watch.check(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DeviceMemoryError);
    expect(outOfMemoryMessage(err, 'webgpu', 256)).toBe('The webgpu backend ran out of GPU memory: the GPU reported it is out of memory (Out of memory allocating 2147483648 bytes), so this network\'s activations at batch size 256 do not fit. Lower the batch size (try 64) or resize to a smaller image.');
  });

  it('a lost device ends the run with the likely cause; our own destroy does not', async () => {
    const d = device();
    const watch = watchDevice(d);
    d.lose({ reason: 'unknown', message: 'Device was lost: TDR' });
    await new Promise((r) => setTimeout(r, 0));
    expect(() => watch.check()).toThrow(/^The GPU device was lost \(unknown: Device was lost: TDR\)\. .*lower the batch size\.$/);
    const mine = device();
    const calm = watchDevice(mine);
    mine.lose({ reason: 'destroyed' });
    await new Promise((r) => setTimeout(r, 0));
    expect(() => calm.check()).not.toThrow();
  });
});
