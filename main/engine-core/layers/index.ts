/**
 * The engine's layer table: a builder for every Layer in shared/layers/index.ts, checked by the
 * typecheck both ways (a missing type and an extra one are errors). Blocks are absent on purpose:
 * the compiler builds them from their inside. Importing this also registers ConvStudio's custom
 * tfjs layers (torch-flatten, padded-max-pool, adaptive-avg-pool, torch-batch-norm, which the
 * builders use), as loading a checkpoint needs.
 */

import type { ParamsOf, PrimitiveType } from '../../../shared/layers/index';
import { adaptiveAvgPool2d } from './adaptive-avg-pool2d';
import { add } from './add';
import { avgPool2d } from './avg-pool2d';
import { batchNorm1d } from './batch-norm1d';
import { batchNorm2d } from './batch-norm2d';
import { concat } from './concat';
import { conv2d } from './conv2d';
import { dropout } from './dropout';
import { flatten } from './flatten';
import { input } from './input';
import type { EngineLayer } from './layer';
import { leakyReLU } from './leaky-relu';
import { linear } from './linear';
import { maxPool2d } from './max-pool2d';
import { relu } from './relu';
import { sigmoid } from './sigmoid';
import { tanh } from './tanh';

export const ENGINE_LAYERS = {
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
} satisfies { [T in PrimitiveType]: EngineLayer<ParamsOf<T>> };
