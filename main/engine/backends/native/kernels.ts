/**
 * The kernels the 'native' backend runs in the addon instead of tfjs's JavaScript. Each one
 * handles the cases the addon supports (float32, NHWC, plain broadcasts) and hands every other
 * case to the stock cpu kernel, so the backend stays exactly as general as 'cpu'.
 */

import {
  Add, AvgPool, FusedBatchNorm, Mean, RealDiv, Slice, Square, SquaredDifference, Tile, slice_util, AvgPoolGrad, BatchMatMul, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput,
  FusedConv2D, MaxPool, MaxPoolGrad, Multiply, PadV2, Relu, Sigmoid, Step, Sub, Sum, Transpose, _FusedMatMul,
  backend_util, getKernel, util,
} from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon';
import { alloc, hold, markEscaped, unhold } from './pool';

type Args = { inputs: Record<string, TensorInfo>; backend: MathBackendCPU; attrs?: NamedAttrMap };
type Handler = (addon: NativeAddon, args: Args) => TensorInfo | null;

function f32(backend: MathBackendCPU, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/** The key under which a lazy output's entry keeps its release function for disposeData. */
export const LAZY_DISPOSE = Symbol('convstudio.lazyDispose');

/**
 * An output computed on first read. tfjs's fused conv2d gradient computes the input gradient
 * even when nothing needs it (the first layer's, whose input is data); a lazy output that is
 * disposed unread costs nothing. The closure holds the input arrays, which tfjs never mutates
 * (variables get new arrays on assign), so a late computation sees the same data.
 */
function lazyOutput(backend: MathBackendCPU, shape: number[], held: Float32Array[], compute: () => Float32Array): TensorInfo {
  // CONVSTUDIO_NATIVE_EAGER=1 computes at once, so a profile charges the time to this kernel
  // rather than to whichever kernel first reads the result.
  if (process.env.CONVSTUDIO_NATIVE_EAGER === '1') return output(backend, shape, compute());
  const info = backend.makeTensorInfo(shape, 'float32', undefined as unknown as Float32Array);
  const entry = backend.data.get(info.dataId) as { values?: unknown; [LAZY_DISPOSE]?: () => void };
  // The inputs stay out of the pool until the value is computed or the output is disposed unread.
  held.forEach(hold);
  let open = true;
  const done = () => {
    if (open) held.forEach(unhold);
    open = false;
  };
  let values: unknown = null;
  Object.defineProperty(entry, 'values', {
    configurable: true,
    enumerable: true,
    get: () => {
      if (values === null) {
        values = compute();
        done();
      }
      return values;
    },
    set: (v: unknown) => { values = v; },
  });
  entry[LAZY_DISPOSE] = done;
  return info;
}

/** The 17 numbers the addon's conv functions take, from tfjs's own conv arithmetic. */
export function convGeom(c: backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    c.padInfo.top, c.padInfo.left, c.padInfo.bottom, c.padInfo.right,
  ]);
}

export function poolGeom(c: backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left,
  ]);
}

function channelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || backend_util.convertConv2DDataFormat(dataFormat as 'NHWC' | 'NCHW') === 'channelsLast';
}

const ACT: Record<string, number> = { linear: 0, relu: 1, sigmoid: 2 };

function conv2d(addon: NativeAddon, { inputs, backend, attrs }: Args, fused: boolean): TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const a = attrs as any;
  if (!channelsLast(a.dataFormat) || x.shape.length !== 4) return null;
  const activation = fused ? (a.activation ?? 'linear') : 'linear';
  if (!(activation in ACT) || preluActivationWeights) return null;
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (!xv || !wv) return null;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number], a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  let bv: Float32Array | null = null;
  if (fused && bias) {
    bv = f32(backend, bias);
    if (!bv || bv.length !== info.outChannels || bias.shape[bias.shape.length - 1] !== info.outChannels) return null;
  }
  const y = alloc(util.sizeFromShape(info.outShape));
  addon.conv2dForward(xv, wv, bv, y, convGeom(info), ACT[activation]);
  return output(backend, info.outShape, y);
}

const conv2dBackpropInput: Handler = (addon, { inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  const a = attrs as any;
  if (!channelsLast(a.dataFormat)) return null;
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const info = backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number],
    a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const geom = convGeom(info);
  return lazyOutput(backend, info.inShape, [dyv, wv], () => {
    const dx = alloc(util.sizeFromShape(info.inShape));
    addon.conv2dBackpropInput(dyv, wv, dx, geom);
    return dx;
  });
};

const conv2dBackpropFilter: Handler = (addon, { inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  const a = attrs as any;
  if (!channelsLast(a.dataFormat)) return null;
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  if (!xv || !dyv) return null;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape,
    a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const dw = alloc(util.sizeFromShape(info.filterShape));
  addon.conv2dBackpropFilter(xv, dyv, dw, convGeom(info));
  return output(backend, info.filterShape, dw);
};

function matMul(addon: NativeAddon, { inputs, backend, attrs }: Args, fused: boolean): TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = inputs;
  const at = attrs as any;
  const activation = fused ? (at.activation ?? 'linear') : 'linear';
  if (!(activation in ACT) || preluActivationWeights || a.shape.length < 2 || b.shape.length < 2) return null;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv) return null;
  const ta = Boolean(at.transposeA);
  const tb = Boolean(at.transposeB);
  const ar = a.shape.length;
  const br = b.shape.length;
  const M = ta ? a.shape[ar - 1] : a.shape[ar - 2];
  const K = ta ? a.shape[ar - 2] : a.shape[ar - 1];
  const K2 = tb ? b.shape[br - 1] : b.shape[br - 2];
  const N = tb ? b.shape[br - 2] : b.shape[br - 1];
  if (K !== K2) return null; // let the cpu kernel report the mismatch in its own words
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = util.sizeFromShape(outer);
  if (!((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1))) return null;
  let biasV: Float32Array | null = null;
  if (fused && bias) {
    biasV = f32(backend, bias);
    if (!biasV || biasV.length !== N || bias.shape[bias.shape.length - 1] !== N) return null;
  }
  const c = alloc(batch * M * N);
  addon.matMul(av, bv, c, biasV, Int32Array.from([batchA, batchB, M, N, K, ta ? 1 : 0, tb ? 1 : 0]), ACT[activation]);
  return output(backend, [...outer, M, N], c);
}

function pool(addon: NativeAddon, { inputs, backend, attrs }: Args, kind: 'avg' | 'max'): TensorInfo | null {
  const { x } = inputs;
  const a = attrs as any;
  const xv = f32(backend, x);
  if (!xv || x.shape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const y = alloc(util.sizeFromShape(info.outShape));
  (kind === 'avg' ? addon.avgPool : addon.maxPool)(xv, y, poolGeom(info));
  return output(backend, info.outShape, y);
}

const avgPoolGrad: Handler = (addon, { inputs, backend, attrs }) => {
  const { dy, input } = inputs;
  const a = attrs as any;
  const dyv = f32(backend, dy);
  if (!dyv || input.shape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad);
  const dx = alloc(util.sizeFromShape(input.shape));
  addon.avgPoolGrad(dyv, dx, poolGeom(info));
  return output(backend, input.shape, dx);
};

const maxPoolGrad: Handler = (addon, { inputs, backend, attrs }) => {
  const { dy, input } = inputs;
  const a = attrs as any;
  const dyv = f32(backend, dy);
  const xv = f32(backend, input);
  if (!dyv || !xv || input.shape.length !== 4) return null;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const dx = alloc(util.sizeFromShape(input.shape));
  addon.maxPoolGrad(dyv, xv, dx, poolGeom(info));
  return output(backend, input.shape, dx);
};

function unary(op: number): Handler {
  return (addon, { inputs, backend, attrs }) => {
    const { x } = inputs;
    if (op === 2 && ((attrs as any)?.alpha ?? 0) !== 0) return null;
    const xv = f32(backend, x);
    if (!xv) return null;
    const y = alloc(xv.length);
    addon.unary(xv, y, op);
    return output(backend, x.shape, y);
  };
}

/** True when `small`, leading ones aside, is the trailing part of `big` (a bias, a scalar, equal shapes). */
function trailing(big: number[], small: number[]): boolean {
  let i = 0;
  while (i < small.length && small[i] === 1) i++;
  const s = small.slice(i);
  if (s.length > big.length) return false;
  return s.every((d, j) => d === big[big.length - s.length + j]);
}

// A scalar operand is widened to one row so the addon's inner loop stays vectorisable.
function widen(v: Float32Array, big: number[]): Float32Array {
  return v.length === 1 && big.length > 0 ? new Float32Array(big[big.length - 1]).fill(v[0]) : v;
}

// The addon's op codes: 0 add, 1 sub, 2 mul, 3 reversed sub, 4 div, 5 reversed div, 6 squared
// difference. Swapping the operands turns sub into reversed sub and div into reversed div.
const SWAPPED: Record<number, number> = { 0: 0, 1: 3, 2: 2, 4: 5, 6: 6 };
function binary(op: 0 | 1 | 2 | 4 | 6): Handler {
  return (addon, { inputs, backend }) => {
    const { a, b } = inputs;
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (!av || !bv) return null;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = util.sizeFromShape(outShape);
    if (size === 0) return null;
    const y = alloc(size);
    if (av.length === size && trailing(a.shape, b.shape)) {
      addon.binary(av, widen(bv, a.shape), y, op);
    } else if (bv.length === size && trailing(b.shape, a.shape)) {
      addon.binary(bv, widen(av, b.shape), y, SWAPPED[op]);
    } else {
      return null;
    }
    return output(backend, outShape, y);
  };
}

// Reductions over leading axes (bias gradients: sum of NHWC dy over N, H, W) go to the addon.
/** Sums x over its leading `axis` run in the addon; null when the axes are not a leading run. */
function sumLeading(addon: NativeAddon, { inputs, backend, attrs }: Args) {
  const { x } = inputs;
  const a = attrs as any;
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0) return null;
  const axes = util.parseAxisParam(a.axis, x.shape).sort((p, q) => p - q);
  if (axes.length === 0 || axes.length === x.shape.length || axes.some((ax, i) => ax !== i)) return null;
  const kept = x.shape.slice(axes.length);
  const y = alloc(util.sizeFromShape(kept));
  addon.sumRows(xv, y);
  return { y, count: xv.length / y.length, shape: a.keepDims ? [...axes.map(() => 1), ...kept] : kept };
}

const sum: Handler = (addon, args) => {
  const r = sumLeading(addon, args);
  return r && output(args.backend, r.shape, r.y);
};

/**
 * Trailing axes that are copied whole (unpadded, or unsliced) fold into the last moved axis, so
 * the addon copies long rows: padding [128, 28, 28, 1] would otherwise be 100k one-float copies.
 */
function foldTrailing(shape: number[], whole: (axis: number) => boolean): { keep: number; inner: number } {
  let keep = shape.length;
  while (keep > 1 && whole(keep - 1)) keep--;
  const inner = shape.slice(keep).reduce((a, b) => a * b, 1);
  return { keep, inner };
}

const padV2: Handler = (addon, { inputs, backend, attrs }) => {
  const { x } = inputs;
  const a = attrs as any;
  const xv = f32(backend, x);
  const paddings = a.paddings as Array<[number, number]>;
  if (!xv || x.shape.length === 0 || x.shape.length > 8 || paddings.length !== x.shape.length) return null;
  if (paddings.some(([p, q]) => p < 0 || q < 0)) return null;
  const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const y = alloc(util.sizeFromShape(outShape));
  const { keep, inner } = foldTrailing(x.shape, (i) => paddings[i][0] === 0 && paddings[i][1] === 0);
  const xs = x.shape.slice(0, keep);
  const before = paddings.slice(0, keep).map((p) => p[0]);
  const ys = outShape.slice(0, keep);
  xs[keep - 1] *= inner;
  before[keep - 1] *= inner;
  ys[keep - 1] *= inner;
  addon.pad(xv, Int32Array.from(xs), Int32Array.from(before), y, Int32Array.from(ys), a.constantValue ?? 0);
  return output(backend, outShape, y);
};

const transpose: Handler = (addon, { inputs, backend, attrs }) => {
  const { x } = inputs;
  const perm = (attrs as any).perm as number[];
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0 || x.shape.length > 8 || perm.length !== x.shape.length) return null;
  const y = alloc(xv.length);
  addon.transpose(xv, Int32Array.from(x.shape), Int32Array.from(perm), y);
  return output(backend, perm.map((p) => x.shape[p]), y);
};

// Mean over leading axes: batch-norm statistics over N, H, W of NHWC.
const mean: Handler = (addon, args) => {
  const r = sumLeading(addon, args);
  if (!r) return null;
  const { y, count } = r;
  for (let i = 0; i < y.length; i++) y[i] /= count;
  return output(args.backend, r.shape, y);
};

const slice: Handler = (addon, { inputs, backend, attrs }) => {
  const { x } = inputs;
  const a = attrs as any;
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0 || x.shape.length > 8) return null;
  const [begin, size] = slice_util.parseSliceParams(x, a.begin, a.size);
  slice_util.assertParamsValid(x, begin, size);
  const y = alloc(util.sizeFromShape(size));
  if (y.length > 0) {
    const { keep, inner } = foldTrailing(x.shape, (i) => begin[i] === 0 && size[i] === x.shape[i]);
    const xs = x.shape.slice(0, keep);
    const b = begin.slice(0, keep);
    const z = size.slice(0, keep);
    xs[keep - 1] *= inner;
    b[keep - 1] *= inner;
    z[keep - 1] *= inner;
    addon.slice(xv, Int32Array.from(xs), Int32Array.from(b), y, Int32Array.from(z));
  }
  return output(backend, size, y);
};

const tile: Handler = (addon, { inputs, backend, attrs }) => {
  const { x } = inputs;
  const reps = (attrs as any).reps as number[];
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0 || x.shape.length > 8 || reps.length !== x.shape.length || xv.length === 0) return null;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const y = alloc(util.sizeFromShape(outShape));
  if (y.length > 0) addon.tile(xv, Int32Array.from(x.shape), y, Int32Array.from(outShape));
  return output(backend, outShape, y);
};

const fusedBatchNorm: Handler = (addon, { inputs, backend, attrs }) => {
  const { x, mean: m, variance, offset, scale } = inputs;
  const xv = f32(backend, x);
  const mv = f32(backend, m);
  const vv = f32(backend, variance);
  const ov = offset ? f32(backend, offset) : null;
  const sv = scale ? f32(backend, scale) : null;
  if (!xv || !mv || !vv || (offset && !ov) || (scale && !sv) || x.shape.length === 0) return null;
  const c = x.shape[x.shape.length - 1];
  const fits = (v: Float32Array | null) => v === null || v.length === 1 || v.length === c;
  if (!fits(mv) || !fits(vv) || !fits(ov) || !fits(sv)) return null;
  const y = alloc(xv.length);
  addon.batchNorm(xv, mv, vv, ov, sv, (attrs as any).varianceEpsilon ?? 0.001, y);
  return output(backend, x.shape, y);
};

const HANDLERS: Record<string, Handler> = {
  [Conv2D]: (addon, args) => conv2d(addon, args, false),
  [FusedConv2D]: (addon, args) => conv2d(addon, args, true),
  [Conv2DBackpropInput]: conv2dBackpropInput,
  [Conv2DBackpropFilter]: conv2dBackpropFilter,
  [BatchMatMul]: (addon, args) => matMul(addon, args, false),
  [_FusedMatMul]: (addon, args) => matMul(addon, args, true),
  [AvgPool]: (addon, args) => pool(addon, args, 'avg'),
  [MaxPool]: (addon, args) => pool(addon, args, 'max'),
  [AvgPoolGrad]: avgPoolGrad,
  [MaxPoolGrad]: maxPoolGrad,
  [Sigmoid]: unary(0),
  [Relu]: unary(1),
  [Step]: unary(2),
  [Add]: binary(0),
  [Sub]: binary(1),
  [Multiply]: binary(2),
  [RealDiv]: binary(4),
  [SquaredDifference]: binary(6),
  [Square]: unary(3),
  [Mean]: mean,
  [Slice]: slice,
  [Tile]: tile,
  [FusedBatchNorm]: fusedBatchNorm,
  [Sum]: sum,
  [PadV2]: padV2,
  [Transpose]: transpose,
};

/** Kernel names the addon overrides (for tests and the benchmark's report). */
export const NATIVE_KERNELS: readonly string[] = Object.keys(HANDLERS);

/**
 * The kernel configs for `backendName`: the cpu backend's own, with the overridden ones trying
 * the addon first and falling back to the cpu implementation for anything it declines.
 */
/** Values of a TensorInfo without triggering a lazy computation. */
function peek(backend: MathBackendCPU, t: TensorInfo | undefined): unknown {
  if (!t) return undefined;
  const entry = backend.data.get(t.dataId);
  const d = entry ? Object.getOwnPropertyDescriptor(entry, 'values') : undefined;
  return d && 'value' in d ? d.value : undefined;
}

/**
 * Runs a stock cpu kernel. Some of them (a contiguous Slice, Split, Unpack) return views into
 * their input's storage; such storage must never be recycled while the view lives.
 */
function runCpu(fallback: KernelFunc, args: Parameters<KernelFunc>[0]): ReturnType<KernelFunc> {
  const out = fallback(args);
  const backend = args.backend as MathBackendCPU;
  const ins = Object.values(args.inputs).map((t) => peek(backend, t as TensorInfo)).filter((v): v is Float32Array => v instanceof Float32Array);
  if (ins.length === 0) return out;
  for (const o of Array.isArray(out) ? out : [out]) {
    const v = peek(backend, o);
    if (!(v instanceof Float32Array)) continue;
    for (const i of ins) {
      if (i.buffer === v.buffer && i !== v) {
        markEscaped(i);
        markEscaped(v);
      }
    }
  }
  return out;
}

export function nativeKernelConfigs(addon: NativeAddon, backendName: string, cpuKernels: readonly KernelConfig[]): KernelConfig[] {
  // CONVSTUDIO_NATIVE_DISABLE=Kernel,Kernel keeps those on the JavaScript implementation: for
  // measuring what each override is worth, and for ruling one out when chasing a bug.
  const disabled = new Set((process.env.CONVSTUDIO_NATIVE_DISABLE ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  return cpuKernels.map((k) => {
    const handler = disabled.has(k.kernelName) ? undefined : HANDLERS[k.kernelName];
    const fallback = k.kernelFunc;
    if (!handler) return { ...k, backendName, kernelFunc: (args) => runCpu(fallback, args) };
    const trace = process.env.CONVSTUDIO_NATIVE_TRACE === '1';
    const kernelFunc: KernelFunc = (args) => {
      const got = handler(addon, args as unknown as Args);
      if (got) return got;
      // CONVSTUDIO_NATIVE_TRACE=1 names every call the addon declined (a slow JS fallback).
      if (trace) console.error(`native: ${k.kernelName} fell back to cpu for ${Object.entries(args.inputs).map(([n, t]) => `${n}=${(t as TensorInfo)?.dtype}[${(t as TensorInfo)?.shape}]`).join(' ')}`);
      return runCpu(fallback, args);
    };
    return { ...k, backendName, kernelFunc };
  });
}

/** The cpu kernel a name maps to, for tests that compare the two. */
export function cpuKernel(name: string): KernelConfig | undefined {
  return getKernel(name, 'cpu');
}
