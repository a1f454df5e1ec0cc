/**
 * Every node type, one module each, in palette order. The catalogue, parameter resolution, the
 * shape engine and the compiler all read this list, and the engine's own table
 * (main/engine-core/layers/index.ts) must name every Layer here, so a type added to only one side
 * fails the typecheck. Adding a type is its module here, its builder there, and an import and an
 * entry in each list; a test in test/unit/main/engine/ holds the last type added to exactly that.
 */

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
import { leakyReLU } from './leaky-relu';
import type { BlockGraph, CompositeParams, Layer, ParamValues, ShapeIn, ShapeOut } from './layer';
import { linear } from './linear';
import { maxPool2d } from './max-pool2d';
import { relu } from './relu';
import { residual } from './residual';
import { resnextBlock } from './resnext-block';
import { reportInside } from './rules';
import { sigmoid } from './sigmoid';
import { tanh } from './tanh';

export const LAYER_LIST = [
  input,
  conv2d,
  linear,
  flatten,
  dropout,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  batchNorm2d,
  batchNorm1d,
  residual,
  resnextBlock,
  add,
  concat,
  relu,
  leakyReLU,
  sigmoid,
  tanh,
] as const;

type AnyLayer = (typeof LAYER_LIST)[number];
export type LayerType = AnyLayer['type'];
/** The module of one type. */
export type LayerOf<T extends LayerType> = Extract<AnyLayer, { type: T }>;
/** Types the compiler builds from tfjs layers; the rest are blocks it builds from their inside. */
export type PrimitiveType = Extract<AnyLayer, Layer>['type'];
export type ParamsOf<T extends LayerType> = ReturnType<LayerOf<T>['resolve']>;
/** Any node's params in the typed form, told apart by `type`; 'composite' for document blocks and repeats. */
export type ResolvedParams = { [T in LayerType]: ParamsOf<T> }[LayerType] | CompositeParams;

// A Map, not an object: node types come from files, and "constructor" must not find anything.
const BY_TYPE = new Map<string, AnyLayer>(LAYER_LIST.map((l) => [l.type, l]));

export function layerOf(type: string): AnyLayer | undefined {
  return BY_TYPE.get(type);
}

/** A block's inside, or null for a layer the compiler builds from tfjs layers itself. */
export function insideOf(p: ResolvedParams): BlockGraph | null {
  if (p.type === 'composite') return p.graph;
  const def = BY_TYPE.get(p.type) as AnyLayer;
  return def.kind === 'block' ? (def.expand as (p: ResolvedParams) => BlockGraph)(p) : null;
}

/** Runs a node's rule; the one place the union of rules meets the union of params. */
export function shapeOf(x: ShapeIn, p: ResolvedParams): ShapeOut | null {
  // A document block or a repeat is exactly its inside; what goes wrong there keeps the inner words.
  if (p.type === 'composite') return reportInside(x, x.walk(p.graph));
  const rule = (BY_TYPE.get(p.type) as AnyLayer).shape as (x: ShapeIn, p: ResolvedParams) => ShapeOut | null;
  return rule(x, p);
}

/** The params a new node of this type starts with (a fresh copy: the canvas owns it). */
export function initialParams(type: string): ParamValues {
  return { ...(BY_TYPE.get(type)?.initial ?? {}) };
}
