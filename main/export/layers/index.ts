/**
 * The exporters' table: a PyTorch module, weight conversion and ONNX nodes for every layer type
 * in shared/layers/index.ts, checked by the typecheck both ways like the engine's table. Blocks
 * are absent on purpose: they are exported from their inside (a class per block type in model.py,
 * their layers in ONNX).
 */

import type { ParamsOf, PrimitiveType } from '../../../shared/layers/index';
import { adaptiveAvgPool2d } from './adaptive-avg-pool2d';
import { avgPool2d } from './avg-pool2d';
import { batchNorm1d } from './batch-norm1d';
import { batchNorm2d } from './batch-norm2d';
import { conv2d } from './conv2d';
import { dropout } from './dropout';
import { input } from './input';
import type { ExportLayer } from './layer';
import { leakyReLU } from './leaky-relu';
import { linear } from './linear';
import { maxPool2d } from './max-pool2d';
import { add, concat, flatten, relu, sigmoid, tanh } from './simple';

export const EXPORT_LAYERS = {
  Input: input,
  Conv2d: conv2d,
  Linear: linear,
  Flatten: flatten,
  Dropout: dropout,
  MaxPool2d: maxPool2d,
  AvgPool2d: avgPool2d,
  AdaptiveAvgPool2d: adaptiveAvgPool2d,
  BatchNorm2d: batchNorm2d,
  BatchNorm1d: batchNorm1d,
  Add: add,
  Concat: concat,
  ReLU: relu,
  LeakyReLU: leakyReLU,
  Sigmoid: sigmoid,
  Tanh: tanh,
} satisfies { [T in PrimitiveType]: ExportLayer<ParamsOf<T>> };

/** A layer's exporter; the table is typed per type, a call site over any layer is not. */
export function exportLayerOf(type: string): ExportLayer<any> {
  return (EXPORT_LAYERS as Record<string, ExportLayer<any>>)[type];
}
