/**
 * AdaptiveAvgPool2d → nn.AdaptiveAvgPool2d. ONNX has no adaptive pooling: a 1×1 output is
 * GlobalAveragePool, an output that divides the input an AveragePool, and anything else averages
 * PyTorch's overlapping windows row by row, then column by column (the engine's own method).
 */

import type { AdaptivePoolParams } from '../../../shared/layers/adaptive-avg-pool2d';
import { int, ints } from '../onnx/graph';
import type { OnnxGraph } from '../onnx/graph';
import { exportLayer, noWeights, pairArg } from './layer';

function windows(inSize: number, outSize: number): [number, number][] {
  const w: [number, number][] = [];
  for (let i = 0; i < outSize; i++) w.push([Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)]);
  return w;
}

function poolAxis(g: OnnxGraph, x: string, axis: 2 | 3, inSize: number, outSize: number): string {
  if (inSize === outSize) return x;
  const parts = windows(inSize, outSize).map(([s, e]) => {
    const slice = g.node('Slice', [x, g.int64s('starts', [s]), g.int64s('ends', [e]), g.int64s('axes', [axis])]);
    return g.node('ReduceMean', [slice], { axes: ints([axis]), keepdims: int(1) });
  });
  return g.node('Concat', parts, { axis: int(axis) });
}

export const adaptiveAvgPool2d = exportLayer<AdaptivePoolParams>({
  torch: (p) => ({ cls: 'nn.AdaptiveAvgPool2d', args: [{ name: null, value: pairArg(p.output_size) }] }),
  weights: noWeights,
  onnx: (p, g, inputs, _w, x) => {
    const [, , h, w] = x.inShapes[0];
    const [oh, ow] = p.output_size;
    if (oh === 1 && ow === 1) return g.node('GlobalAveragePool', inputs);
    if (h % oh === 0 && w % ow === 0) {
      const k = [h / oh, w / ow];
      return g.node('AveragePool', inputs, { kernel_shape: ints(k), strides: ints(k) });
    }
    return poolAxis(g, poolAxis(g, inputs[0], 2, h, oh), 3, w, ow);
  },
});
