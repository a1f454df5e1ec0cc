/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (tfjs issue 8474), so no
 * convolution could be trained there.
 *
 * The filter gradient is itself a cross-correlation: dW[i,j,ci,co] = Σ_{b,y,x}
 * xpad[b, y·s + i·d, x·s + j·d, ci] · dy[b, y, x, co]. Swapping the roles of batch and channels
 * (input → [ci, H, W, b], dy → a [oh, ow, b, co] filter) turns it into an ordinary convolution
 * whose dilation is the forward stride and whose stride is the forward dilation; its top-left
 * kh×kw corner is the gradient. This is the correctness version; a faster one would be
 * registered in its place from wasm/index.ts.
 */

import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function asTensor(info: TensorInfo): tf.Tensor4D {
  // The engine hands kernels the very Tensor objects the op received; keep a fallback for
  // backends that pass bare TensorInfos.
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

export function conv2dBackpropFilter(args: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap }): tf.Tensor {
  const attrs = args.attrs as unknown as Attrs;
  const { filterShape, strides, pad, dimRoundingMode } = attrs;
  return tf.tidy(() => {
    let x = asTensor(args.inputs.x as TensorInfo);
    let dy = asTensor(args.inputs.dy as TensorInfo);
    if (attrs.dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }
    const info = backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { top, bottom, left, right } = info.padInfo;
    const [kh, kw, ci, co] = filterShape;
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const dilated = info.strideHeight > 1 || info.strideWidth > 1;
    const r = tf.conv2d(xt, dyAsFilter, 1, 'valid', 'NHWC', dilated ? [info.strideHeight, info.strideWidth] : 1);
    const corner = tf.slice(r, [0, 0, 0, 0], [ci, kh, kw, co]);
    return tf.transpose(corner, [1, 2, 0, 3]);
  });
}

export const conv2dBackpropFilterWasm: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
