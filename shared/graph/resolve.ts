/**
 * A node's params checked against the catalogue, defaults applied and int-or-pair values expanded,
 * so the shape engine and the compiler read one normalised form.
 */

import { nodeSpec, type NodeSpec, type ParamSpec } from './catalogue';
import type { Diagnostic, GraphNode, ParamValue } from './types';
import { samePadding } from '../shapes/arith';

type Pair = [number, number];
/** [top, bottom, left, right], the order PyTorch's F.pad pairs are written in per dimension. */
type Pad4 = [number, number, number, number];

export interface InputParams { type: 'Input'; channels: number; height: number; width: number }
export interface Conv2dParams {
  type: 'Conv2d'; out_channels: number; kernel: Pair; stride: Pair; padding: Pad4; dilation: Pair; bias: boolean;
  /** How padding was written: PyTorch refuses "same" with a stride other than 1. */
  paddingMode: 'explicit' | 'same' | 'valid';
}
export interface PoolParams { type: 'MaxPool2d' | 'AvgPool2d'; kernel: Pair; stride: Pair; padding: Pad4 }
export interface AdaptivePoolParams { type: 'AdaptiveAvgPool2d'; output_size: Pair }
export interface BatchNormParams { type: 'BatchNorm2d' | 'BatchNorm1d'; eps: number; momentum: number }
export interface LinearParams { type: 'Linear'; out_features: number; bias: boolean }
export interface DropoutParams { type: 'Dropout'; p: number }
export interface ResidualParams { type: 'Residual'; num_channels: number; use_1x1conv: boolean; strides: number }
export interface PlainParams { type: 'ReLU' | 'Sigmoid' | 'Tanh' | 'Flatten' | 'Add' | 'Concat' }

export type ResolvedParams =
  | InputParams | Conv2dParams | PoolParams | AdaptivePoolParams | BatchNormParams | LinearParams
  | DropoutParams | ResidualParams | PlainParams;

/** Largest whole number accepted for a size or count: far beyond any real network, small enough that products stay exact. */
export const INT_CAP = 1 << 24;

const show = (v: unknown): string => {
  let s: string;
  try {
    s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

const isIntPair = (v: unknown, min: number, max: number): v is Pair =>
  Array.isArray(v) && v.length === 2 && isInt(v[0], min, max) && isInt(v[1], min, max);

function expectation(p: ParamSpec): string {
  const min = p.min ?? 0;
  const max = p.max ?? INT_CAP;
  switch (p.type) {
    case 'int': return `a whole number from ${min} to ${max}`;
    case 'float': return `a number from ${min} to ${p.max ?? 'any size'}`;
    case 'bool': return 'true or false';
    case 'intPair': return `a whole number ≥ ${min} or a pair [h, w] of them`;
    case 'padding': return `a whole number ≥ ${min}, a pair [h, w] of them, "same" or "valid"`;
  }
}

function valid(p: ParamSpec, v: unknown): boolean {
  const min = p.min ?? 0;
  const max = p.max ?? INT_CAP;
  switch (p.type) {
    case 'int': return isInt(v, min, max);
    case 'float': return typeof v === 'number' && Number.isFinite(v) && v >= min && (p.max === undefined || v <= p.max);
    case 'bool': return typeof v === 'boolean';
    case 'intPair': return isInt(v, min, max) || isIntPair(v, min, max);
    case 'padding': return v === 'same' || v === 'valid' || isInt(v, min, max) || isIntPair(v, min, max);
  }
}

const NAMES = new Map<NodeSpec, Set<string>>();
/** Param names per node type, built once: checkParams runs for every node on every edit. */
function paramNames(spec: NodeSpec): Set<string> {
  let names = NAMES.get(spec);
  if (!names) NAMES.set(spec, (names = new Set(spec.params.map((p) => p.name))));
  return names;
}

/**
 * Checks params against the catalogue. Returns the values with defaults filled in (only when
 * every param is well-typed) and a diagnostic per problem. Unknown types are the caller's concern.
 */
export function checkParams(node: GraphNode): { values: Record<string, ParamValue> | null; diagnostics: Diagnostic[] } {
  const spec = nodeSpec(node.type);
  const diagnostics: Diagnostic[] = [];
  if (!spec) return { values: null, diagnostics };
  const raw: Record<string, unknown> = node.params !== null && typeof node.params === 'object' ? node.params : {};
  const values: Record<string, ParamValue> = {};
  const where = `${node.type} ${node.id}`;
  for (const p of spec.params) {
    const has = Object.prototype.hasOwnProperty.call(raw, p.name);
    const v = has ? raw[p.name] : undefined;
    if (v === undefined || v === null) {
      if (p.default === undefined) {
        diagnostics.push({
          severity: 'error', code: 'missing-param', nodeId: node.id,
          message: `${where}: ${p.name} is missing; set it to ${expectation(p)} (${p.doc.replace(/\.$/, '').toLowerCase()}).`,
        });
      }
      continue;
    }
    if (!valid(p, v)) {
      diagnostics.push({
        severity: 'error', code: 'bad-param', nodeId: node.id,
        message: `${where}: ${p.name} must be ${expectation(p)}; it is ${show(v)}.`,
      });
      continue;
    }
    values[p.name] = v as ParamValue;
  }
  for (const name in raw) {
    if (!Object.prototype.hasOwnProperty.call(raw, name)) continue;
    if (!paramNames(spec).has(name)) {
      const known = spec.params.map((p) => p.name).join(', ') || 'none';
      diagnostics.push({
        severity: 'warning', code: 'unknown-param', nodeId: node.id,
        message: `${where}: unknown param "${name.slice(0, 40)}" is ignored (${spec.type} takes: ${known}).`,
      });
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { values: null, diagnostics };
  for (const p of spec.params) {
    if (values[p.name] === undefined && p.default !== undefined) {
      values[p.name] = p.default === 'kernel_size' ? values.kernel_size : p.default;
    }
  }
  return { values, diagnostics };
}

const pair = (v: ParamValue): Pair => (Array.isArray(v) ? [v[0], v[1]] : [v as number, v as number]);
const pad4 = (v: ParamValue): Pad4 => {
  const [h, w] = pair(v);
  return [h, h, w, w];
};

/** Builds the typed form from values that checkParams accepted. */
function build(type: string, v: Record<string, ParamValue>): ResolvedParams | null {
  switch (type) {
    case 'Input':
      return { type, channels: v.channels as number, height: v.height as number, width: v.width as number };
    case 'Conv2d': {
      const kernel = pair(v.kernel_size);
      const dilation = pair(v.dilation);
      const mode = v.padding === 'same' ? 'same' : v.padding === 'valid' ? 'valid' : 'explicit';
      let padding: Pad4;
      if (mode === 'same') {
        const [t, b] = samePadding(kernel[0], dilation[0]);
        const [l, r] = samePadding(kernel[1], dilation[1]);
        padding = [t, b, l, r];
      } else if (mode === 'valid') {
        padding = [0, 0, 0, 0];
      } else {
        padding = pad4(v.padding);
      }
      return { type, out_channels: v.out_channels as number, kernel, stride: pair(v.stride), padding, dilation, bias: v.bias as boolean, paddingMode: mode };
    }
    case 'MaxPool2d':
    case 'AvgPool2d':
      return { type, kernel: pair(v.kernel_size), stride: pair(v.stride), padding: pad4(v.padding) };
    case 'AdaptiveAvgPool2d':
      return { type, output_size: pair(v.output_size) };
    case 'BatchNorm2d':
    case 'BatchNorm1d':
      return { type, eps: v.eps as number, momentum: v.momentum as number };
    case 'Linear':
      return { type, out_features: v.out_features as number, bias: v.bias as boolean };
    case 'Dropout':
      return { type, p: v.p as number };
    case 'Residual':
      return { type, num_channels: v.num_channels as number, use_1x1conv: v.use_1x1conv as boolean, strides: v.strides as number };
    case 'ReLU': case 'Sigmoid': case 'Tanh': case 'Flatten': case 'Add': case 'Concat':
      return { type };
    default:
      return null;
  }
}

/** The non-throwing form the shape engine uses: params, or null with the reasons. */
export function tryResolveParams(node: GraphNode): { params: ResolvedParams | null; diagnostics: Diagnostic[] } {
  const { values, diagnostics } = checkParams(node);
  return { params: values ? build(node.type, values) : null, diagnostics };
}

/**
 * Catalogue defaults applied and pairs expanded. Throws when the node's type is unknown or its
 * params are invalid: callers (the compiler) only see graphs that analyzeGraph accepted.
 */
export function resolveParams(node: GraphNode): ResolvedParams {
  if (!nodeSpec(node.type)) throw new Error(`Unknown node type "${node.type}" (node ${node.id}).`);
  const { params, diagnostics } = tryResolveParams(node);
  if (!params) throw new Error(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n'));
  return params;
}
