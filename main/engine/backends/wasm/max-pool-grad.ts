/**
 * MaxPoolGrad for the wasm backend, replacing the one tfjs-backend-wasm 4.22 ships: that one starts
 * each window's running maximum at 0, so a window whose maximum is negative passes no gradient at
 * all, and a window of ties at 0 (after a ReLU) sends it to the wrong place. A net with a
 * convolution straight into a max pool then trains differently on wasm than on cpu, native and
 * PyTorch from its second step.
 *
 * The gradient of a max pool routes each output's gradient to the first maximum of its window in
 * row-major order (the cpu backend's and PyTorch's choice among ties), summed where windows
 * overlap. This runs in JavaScript on the wasm heap itself: one pass over the windows, no copies,
 * which costs little next to the convolutions around it.
 */

import { backend_util, util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

interface Attrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The slice of tfjs-backend-wasm's BackendWasm this kernel uses (the package exports no type for it). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** dx for x [n, h, w, c] (NHWC, the only layout tfjs pools in) and dy [n, oh, ow, c]. */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const kh = info.effectiveFilterHeight;
  const kw = info.effectiveFilterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dx.fill(0);
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c;
    const yb = b * oh * ow * c;
    for (let yr = 0; yr < oh; yr++) {
      // Positions outside the input are padding, which never holds the maximum (the cpu backend
      // skips them the same way).
      const r0 = Math.max(0, yr * sh - top);
      const r1 = Math.min(h, yr * sh - top + kh);
      for (let yc = 0; yc < ow; yc++) {
        const c0 = Math.max(0, yc * sw - left);
        const c1 = Math.min(w, yc * sw - left + kw);
        const yo = yb + (yr * ow + yc) * c;
        for (let d = 0; d < c; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = r0; r < r1; r++) {
            for (let col = c0; col < c1; col++) {
              const i = xb + (r * w + col) * c + d;
              if (x[i] > best) { best = x[i]; at = i; }
            }
          }
          if (at >= 0) dx[at] += dy[yo + d];
        }
      }
    }
  }
}

export function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as Attrs;
  const backend = args.backend as WasmHeapBackend;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const dx = backend.makeOutput(input.shape, 'float32');
  // Views taken after the output's allocation, which may have grown (and so moved) the heap.
  const xv = backend.typedArrayFromHeap(input);
  const dyv = backend.typedArrayFromHeap(dy);
  const dxv = backend.typedArrayFromHeap(dx);
  util.assert(dyv.length === info.batchSize * info.outHeight * info.outWidth * info.inChannels, () => 'MaxPoolGrad: dy does not match the pool\'s output shape');
  maxPoolGradInto(xv, dyv, dxv, info);
  return dx;
}

export const maxPoolGradWasm: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelConfig['kernelFunc'],
};
