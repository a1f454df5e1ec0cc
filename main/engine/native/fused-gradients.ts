/**
 * Fused gradients on the native backend. tfjs builds some gradients from many full-size
 * element-wise ops: FusedBatchNorm's from fourteen (a ResNet has seventeen batch norms), Sigmoid's
 * from three, Relu's from three (step, cast, mul). The addon computes each in one or two passes.
 * Gradients are registered per kernel for all backends, so each registered function hands every
 * other backend (and any case the addon does not cover) to tfjs's own gradient unchanged.
 */

import { FusedBatchNorm, Relu, Sigmoid, engine, getBackend, getGradient, registerGradient, registerKernel } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon';
import { alloc } from './pool';

export const BATCH_NORM_GRAD = 'ConvStudioBatchNormGrad';
export const ACTIVATION_GRAD = 'ConvStudioActivationGrad';

let installed = false;

export function installFusedGradients(addon: NativeAddon, backendName: string): void {
  if (installed) return;
  const stock = getGradient(FusedBatchNorm);
  if (!stock) return;
  installed = true;

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
  registerGradient(config);

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
  for (const [kernelName, op] of [[Sigmoid, 7], [Relu, 8]] as const) {
    const stockAct = getGradient(kernelName);
    if (!stockAct) continue;
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
