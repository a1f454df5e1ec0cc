/**
 * Fused gradients on the native backend. tfjs builds some gradients from many full-size
 * element-wise ops: FusedBatchNorm's from fourteen (a ResNet has seventeen batch norms), Sigmoid's
 * from three, Relu's from three (step, cast, mul), Mean's over leading axes (batch-norm statistics)
 * from a ones tensor, a multiply and a divide, SquaredDifference's (the variance in moments) from
 * three. The addon computes each in one or two passes.
 * Gradients are registered per kernel for all backends, so each registered function hands every
 * other backend (and any case the addon does not cover) to tfjs's own gradient unchanged.
 */

import { FusedBatchNorm, Mean, Relu, Sigmoid, SquaredDifference, engine, getBackend, reshape, util, getGradient, registerGradient, registerKernel } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon';
import { alloc } from './pool';

export const BATCH_NORM_GRAD = 'ConvStudioBatchNormGrad';
export const ACTIVATION_GRAD = 'ConvStudioActivationGrad';
export const MEAN_GRAD = 'ConvStudioMeanGrad';
export const SQDIFF_GRAD = 'ConvStudioSquaredDifferenceGrad';

let installed = false;

export function installFusedGradients(addon: NativeAddon, backendName: string): void {
  if (installed) return;
  const stock = getGradient(FusedBatchNorm);
  if (!stock) return;
  installed = true;
  // CONVSTUDIO_NATIVE_DISABLE also names fused gradients (by their kernel) to keep tfjs's own.
  const disabled = new Set((process.env.CONVSTUDIO_NATIVE_DISABLE ?? '').split(',').map((x) => x.trim()));
  const on = (kernel: string) => !disabled.has(kernel);

  registerKernel({
    kernelName: BATCH_NORM_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as MathBackendCPU;
      const v = (t: TensorInfo | undefined) => (t ? (b.data.get(t.dataId).values as Float32Array) : null);
      const { dy, x, mean, variance, scale } = inputs as Record<string, TensorInfo>;
      const c = mean.shape[0];
      const dx = alloc(x.shape.reduce((p, q) => p * q, 1));
      const outs = [new Float32Array(c), new Float32Array(c), new Float32Array(c), new Float32Array(c)];
      addon.batchNormGrad(v(dy)!, v(x)!, v(mean)!, v(variance)!, v(scale), (attrs as NamedAttrMap).varianceEpsilon as number, dx, ...(outs as [Float32Array, Float32Array, Float32Array, Float32Array]));
      return [b.makeTensorInfo(x.shape, 'float32', dx), ...outs.map((o) => b.makeTensorInfo([c], 'float32', o))];
    },
  });

  const config: GradConfig = {
    kernelName: FusedBatchNorm,
    inputsToSave: stock.inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const d = Array.isArray(dy) ? dy[0] : dy;
      const c = x.shape[x.shape.length - 1];
      const fits = (t: Tensor | undefined) => !!t && t.dtype === 'float32' && t.rank === 1 && t.shape[0] === c;
      if (getBackend() !== backendName || d.dtype !== 'float32' || !fits(mean) || !fits(variance) || (scale != null && !fits(scale))) {
        return stock.gradFunc(dy, saved, attrs);
      }
      const inputs: Record<string, Tensor> = { dy: d, x, mean, variance };
      if (scale != null) inputs.scale = scale;
      const [dx, dmean, dvar, dscale, doffset] = engine().runKernel(BATCH_NORM_GRAD, inputs as any, attrs as any) as unknown as Tensor[];
      return { x: () => dx, mean: () => dmean, variance: () => dvar, scale: () => dscale, offset: () => doffset };
    },
  };
  if (on(BATCH_NORM_GRAD)) registerGradient(config);

  // dy and y (sigmoid) or dy and x (relu), same shape: op 7 or 8 of the addon's binary kernel.
  registerKernel({
    kernelName: ACTIVATION_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as MathBackendCPU;
      const { dy, v } = inputs as Record<string, TensorInfo>;
      const dyv = b.data.get(dy.dataId).values as Float32Array;
      const out = alloc(dyv.length);
      addon.binary(dyv, b.data.get(v.dataId).values as Float32Array, out, (attrs as NamedAttrMap).op as number);
      return b.makeTensorInfo(dy.shape, 'float32', out);
    },
  });
  // Mean over leading axes: dx = dy / count repeated over those axes (one tile pass).
  registerKernel({
    kernelName: MEAN_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as MathBackendCPU;
      const dy = (inputs as Record<string, TensorInfo>).dy;
      const shape = (attrs as NamedAttrMap).shape as number[];
      const dyv = b.data.get(dy.dataId).values as Float32Array;
      const count = util.sizeFromShape(shape) / dyv.length;
      const scaled = dyv.map((v) => v / count);
      const out = alloc(util.sizeFromShape(shape));
      const kept = shape.length - dy.shape.length;
      addon.tile(scaled, Int32Array.from([...shape.slice(0, kept).map(() => 1), ...dy.shape]), out, Int32Array.from(shape));
      return b.makeTensorInfo(shape, 'float32', out);
    },
  });
  const stockMean = getGradient(Mean);
  if (stockMean && on(MEAN_GRAD)) {
    registerGradient({
      kernelName: Mean,
      inputsToSave: stockMean.inputsToSave,
      gradFunc: (dy, saved, attrs) => {
        const d = Array.isArray(dy) ? dy[0] : dy;
        const [x] = saved;
        const axes = util.parseAxisParam((attrs as NamedAttrMap).axis as number[], x.shape).sort((p, q) => p - q);
        const kept = x.shape.slice(axes.length);
        const leading = axes.length > 0 && axes.length < x.rank && axes.every((ax, i) => ax === i);
        // dy arrives without the reduced axes or (keepDims) with them as ones; both hold `kept`.
        const dyFits = d.dtype === 'float32' && d.size === util.sizeFromShape(kept) && d.shape.slice(-kept.length).join() === kept.join();
        if (getBackend() !== backendName || !leading || !dyFits || x.dtype !== 'float32') return stockMean.gradFunc(dy, saved, attrs);
        const dyKept = d.rank === kept.length ? d : reshape(d, kept);
        return { x: () => engine().runKernel(MEAN_GRAD, { dy: dyKept } as any, { shape: x.shape } as any) as Tensor };
      },
    });
  }
  // d/da (a - b)^2 = 2 (a - b) dy, with b the same size as a or repeating along it.
  registerKernel({
    kernelName: SQDIFF_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const bk = backend as MathBackendCPU;
      const { dy, a, b } = inputs as Record<string, TensorInfo>;
      const v = (t: TensorInfo) => bk.data.get(t.dataId).values as Float32Array;
      const out = alloc(v(a).length);
      addon.sqDiffGrad(v(dy), v(a), v(b), out);
      return bk.makeTensorInfo(a.shape, 'float32', out);
    },
  });
  const stockSq = getGradient(SquaredDifference);
  if (stockSq && on(SQDIFF_GRAD)) {
    registerGradient({
      kernelName: SquaredDifference,
      inputsToSave: stockSq.inputsToSave,
      gradFunc: (dy, saved, attrs) => {
        const stock = stockSq.gradFunc(dy, saved, attrs);
        const d = Array.isArray(dy) ? dy[0] : dy;
        const [a, b] = saved;
        // b, leading ones aside, must be the trailing part of a's shape (a bias-like broadcast).
        const firstNonOne = b.shape.findIndex((x) => x !== 1);
        const bs = firstNonOne < 0 ? [] : b.shape.slice(firstNonOne);
        const trailing = bs.length <= a.rank && bs.every((x, i) => x === a.shape[a.rank - bs.length + i]);
        const fits = d.dtype === 'float32' && a.dtype === 'float32' && b.dtype === 'float32' && d.shape.join() === a.shape.join() && trailing;
        if (getBackend() !== backendName || !fits) return stock;
        return { ...stock, a: () => engine().runKernel(SQDIFF_GRAD, { dy: d, a, b } as any, {}) as Tensor };
      },
    });
  }
  for (const [kernelName, op] of [[Sigmoid, 7], [Relu, 8]] as const) {
    const stockAct = getGradient(kernelName);
    if (!stockAct || !on(ACTIVATION_GRAD)) continue;
    registerGradient({
      kernelName,
      inputsToSave: stockAct.inputsToSave,
      outputsToSave: stockAct.outputsToSave,
      gradFunc: (dy, saved, attrs) => {
        const d = Array.isArray(dy) ? dy[0] : dy;
        const [v] = saved;
        if (getBackend() !== backendName || d.dtype !== 'float32' || v.dtype !== 'float32' || d.shape.join() !== v.shape.join()) {
          return stockAct.gradFunc(dy, saved, attrs);
        }
        return { x: () => engine().runKernel(ACTIVATION_GRAD, { dy: d, v } as any, { op } as any) as Tensor };
      },
    });
  }
}
