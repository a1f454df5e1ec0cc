/**
 * The node catalogue as data (like Netron's metadata JSON): kind -> label, category, params with
 * types and defaults, ports. The palette, the inspector, validation and the compiler all read it.
 * Names and defaults are PyTorch's; input channels are inferred like d2l's Lazy modules.
 */

import type { ParamValue } from './types';

export type Category = 'Input' | 'Layers' | 'Pooling' | 'Normalisation' | 'Blocks' | 'Merge' | 'Activations';

/**
 * int: a whole number; float: any finite number; bool; intPair: an int or [h, w];
 * padding: an int, [h, w], "same" or "valid".
 */
export type ParamType = 'int' | 'float' | 'bool' | 'intPair' | 'padding';

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Absent means required. The string 'kernel_size' means "defaults to the kernel size". */
  default?: ParamValue | 'kernel_size';
  min?: number;
  max?: number;
  doc: string;
}

export interface NodeSpec {
  type: string;
  label: string;
  category: Category;
  /** How many inputs: 0 (Input), 1, or 'many' (Add, Concat: two or more). */
  inputs: 0 | 1 | 'many';
  params: ParamSpec[];
  doc: string;
  /** The PyTorch module it mirrors, for summaries and export. */
  torch: string;
}

const spatial = (min = 1): ParamSpec => ({ name: 'kernel_size', type: 'intPair', min, doc: 'Window size, an int or [h, w].' });

export const CATALOGUE: readonly NodeSpec[] = [
  {
    type: 'Input', label: 'Input', category: 'Input', inputs: 0, torch: 'Input',
    doc: 'The image batch entering the network (NCHW, batch 1 in summaries).',
    params: [
      { name: 'channels', type: 'int', default: 1, min: 1, doc: 'Colour channels (1 for Fashion-MNIST).' },
      { name: 'height', type: 'int', default: 28, min: 1, doc: 'Image height in pixels.' },
      { name: 'width', type: 'int', default: 28, min: 1, doc: 'Image width in pixels.' },
    ],
  },
  {
    type: 'Conv2d', label: 'Conv2d', category: 'Layers', inputs: 1, torch: 'Conv2d',
    doc: '2-D cross-correlation over all input channels, plus a bias per output channel.',
    params: [
      { name: 'out_channels', type: 'int', min: 1, doc: 'Number of filters (output channels).' },
      spatial(),
      { name: 'stride', type: 'intPair', default: 1, min: 1, doc: 'Step between windows.' },
      { name: 'padding', type: 'padding', default: 0, min: 0, doc: 'Zeros added on each side; "same" keeps H×W (stride 1 only).' },
      { name: 'dilation', type: 'intPair', default: 1, min: 1, doc: 'Spacing between kernel taps.' },
      { name: 'bias', type: 'bool', default: true, doc: 'Learn an additive bias.' },
    ],
  },
  {
    type: 'Linear', label: 'Linear', category: 'Layers', inputs: 1, torch: 'Linear',
    doc: 'Fully connected layer on a flat tensor.',
    params: [
      { name: 'out_features', type: 'int', min: 1, doc: 'Output features.' },
      { name: 'bias', type: 'bool', default: true, doc: 'Learn an additive bias.' },
    ],
  },
  {
    type: 'Flatten', label: 'Flatten', category: 'Layers', inputs: 1, torch: 'Flatten',
    doc: 'C×H×W → C·H·W (PyTorch order: channel-major).', params: [],
  },
  {
    type: 'Dropout', label: 'Dropout', category: 'Layers', inputs: 1, torch: 'Dropout',
    doc: 'Zeroes each activation with probability p while training.',
    params: [{ name: 'p', type: 'float', default: 0.5, min: 0, max: 1, doc: 'Drop probability.' }],
  },
  {
    type: 'MaxPool2d', label: 'MaxPool2d', category: 'Pooling', inputs: 1, torch: 'MaxPool2d',
    doc: 'Maximum over each window; padding counts as −∞.',
    params: [
      spatial(),
      { name: 'stride', type: 'intPair', default: 'kernel_size', min: 1, doc: 'Step between windows (defaults to kernel_size).' },
      { name: 'padding', type: 'intPair', default: 0, min: 0, doc: 'Padding on each side, at most half the kernel.' },
    ],
  },
  {
    type: 'AvgPool2d', label: 'AvgPool2d', category: 'Pooling', inputs: 1, torch: 'AvgPool2d',
    doc: 'Mean over each window; padded zeros count (count_include_pad=True).',
    params: [
      spatial(),
      { name: 'stride', type: 'intPair', default: 'kernel_size', min: 1, doc: 'Step between windows (defaults to kernel_size).' },
      { name: 'padding', type: 'intPair', default: 0, min: 0, doc: 'Padding on each side, at most half the kernel.' },
    ],
  },
  {
    type: 'AdaptiveAvgPool2d', label: 'AdaptiveAvgPool2d', category: 'Pooling', inputs: 1, torch: 'AdaptiveAvgPool2d',
    doc: 'Averages into a fixed output grid whatever the input size.',
    params: [{ name: 'output_size', type: 'intPair', default: 1, min: 1, doc: 'Output H×W, an int or [h, w].' }],
  },
  {
    type: 'BatchNorm2d', label: 'BatchNorm2d', category: 'Normalisation', inputs: 1, torch: 'BatchNorm2d',
    doc: 'Normalises each channel over the batch and H×W, then scales and shifts.',
    params: [
      { name: 'eps', type: 'float', default: 1e-5, min: 0, doc: 'Added to the variance.' },
      { name: 'momentum', type: 'float', default: 0.1, min: 0, max: 1, doc: 'Running-statistics update rate (PyTorch convention).' },
    ],
  },
  {
    type: 'BatchNorm1d', label: 'BatchNorm1d', category: 'Normalisation', inputs: 1, torch: 'BatchNorm1d',
    doc: 'Normalises each feature of a flat tensor over the batch.',
    params: [
      { name: 'eps', type: 'float', default: 1e-5, min: 0, doc: 'Added to the variance.' },
      { name: 'momentum', type: 'float', default: 0.1, min: 0, max: 1, doc: 'Running-statistics update rate (PyTorch convention).' },
    ],
  },
  {
    type: 'Residual', label: 'Residual', category: 'Blocks', inputs: 1, torch: 'Residual',
    doc: 'd2l 8.6: conv3×3(stride)→BN→ReLU→conv3×3→BN, plus the input (through a 1×1 conv when use_1x1conv), then ReLU.',
    params: [
      { name: 'num_channels', type: 'int', min: 1, doc: 'Output channels of both convolutions.' },
      { name: 'use_1x1conv', type: 'bool', default: false, doc: 'Reshape the shortcut with a 1×1 convolution.' },
      { name: 'strides', type: 'int', default: 1, min: 1, doc: 'Stride of the first convolution (and the shortcut).' },
    ],
  },
  { type: 'Add', label: 'Add', category: 'Merge', inputs: 'many', torch: 'Add', doc: 'Element-wise sum of two or more tensors of equal shape.', params: [] },
  { type: 'Concat', label: 'Concat', category: 'Merge', inputs: 'many', torch: 'Concat', doc: 'Joins tensors along the channel axis; H×W must match.', params: [] },
  { type: 'ReLU', label: 'ReLU', category: 'Activations', inputs: 1, torch: 'ReLU', doc: 'max(0, x).', params: [] },
  { type: 'Sigmoid', label: 'Sigmoid', category: 'Activations', inputs: 1, torch: 'Sigmoid', doc: '1 / (1 + e^−x).', params: [] },
  { type: 'Tanh', label: 'Tanh', category: 'Activations', inputs: 1, torch: 'Tanh', doc: 'Hyperbolic tangent.', params: [] },
];

const BY_TYPE = new Map(CATALOGUE.map((s) => [s.type, s]));

export function nodeSpec(type: string): NodeSpec | undefined {
  return BY_TYPE.get(type);
}

export const CATEGORIES: readonly Category[] = ['Input', 'Layers', 'Pooling', 'Normalisation', 'Blocks', 'Merge', 'Activations'];
