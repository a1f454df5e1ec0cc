/**
 * Conv2d → nn.Conv2d with its in-channels from the shape engine; weights HWIO → OIHW; ONNX Conv
 * with explicit pads (PyTorch's "same" pads the extra row and column at the end, as ONNX's pads
 * list can say).
 */

import type { Conv2dParams } from '../../../shared/layers/conv2d';
import { exportLayer, f32, hwioToOihw, pairArg, tfjsWeight, type TorchArg } from './layer';
import { ints, int } from '../onnx/graph';

/** Grouped convolutions (ResNeXt) arrive with the blocks work; until then every conv has one group. */
export const groupsOf = (p: Conv2dParams): number => (p as Conv2dParams & { groups?: number }).groups ?? 1;

function paddingArg(p: Conv2dParams): TorchArg {
  if (p.paddingMode !== 'explicit') return { name: 'padding', value: p.paddingMode, default: 0 };
  const [t, , l] = p.padding;
  return { name: 'padding', value: pairArg([t, l]), default: 0 };
}

export const conv2d = exportLayer<Conv2dParams>({
  torch: (p, x) => ({
    cls: 'nn.Conv2d',
    args: [
      { name: null, value: x.inShapes[0][1] },
      { name: null, value: p.out_channels },
      { name: 'kernel_size', value: pairArg(p.kernel) },
      { name: 'stride', value: pairArg(p.stride), default: 1 },
      paddingArg(p),
      { name: 'dilation', value: pairArg(p.dilation), default: 1 },
      { name: 'groups', value: groupsOf(p), default: 1 },
      { name: 'bias', value: p.bias, default: true },
    ],
  }),
  weights: (p, w, x) => {
    const shape = [p.kernel[0], p.kernel[1], x.inShapes[0][1] / groupsOf(p), p.out_channels];
    const kernel = tfjsWeight(w, 'kernel', shape);
    return {
      weight: f32([shape[3], shape[2], shape[0], shape[1]], hwioToOihw(kernel, shape)),
      ...(p.bias ? { bias: f32([p.out_channels], tfjsWeight(w, 'bias', [p.out_channels])) } : {}),
    };
  },
  onnx: (p, g, inputs, w) => {
    const [t, b, l, r] = p.padding;
    const args = [inputs[0], g.initializer('weight', w.weight), ...(w.bias ? [g.initializer('bias', w.bias)] : [])];
    return g.node('Conv', args, {
      kernel_shape: ints(p.kernel), strides: ints(p.stride), pads: ints([t, l, b, r]), dilations: ints(p.dilation), group: int(groupsOf(p)),
    });
  },
});
