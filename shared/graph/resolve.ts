/**
 * A node's params checked against the catalogue, defaults applied and int-or-pair values expanded,
 * so the shape engine and the compiler read one normalised form. The checks here are generic (the
 * ParamSpec types); each layer module's `resolve` builds its own typed form.
 */

import type { Library } from './blocks';
import { nodeSpec, type NodeSpec, type ParamSpec } from './catalogue';
import { BLOCK_TYPE_PREFIX, type Diagnostic, type GraphNode, type ParamValue } from './types';
import { layerOf, type ResolvedParams } from '../layers/index';
import { instantiate, MAX_REPEAT, MIN_REPEAT, repeatGraph } from './blocks';

// Each type's typed form lives in its module; these are the ones read outside shared/layers/.
export type { ResolvedParams } from '../layers/index';
export type { Conv2dParams } from '../layers/conv2d';

/** Largest whole number accepted for a size or count: far beyond any real network, small enough that products stay exact. */
export const INT_CAP = 1 << 24;

type Pair = [number, number];

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

/** Why a value does not fit a param ("a whole number from 1 to ..."), or null when it does. */
export function valueProblem(p: ParamSpec, v: unknown): string | null {
  return valid(p, v) ? null : expectation(p);
}

/** A node type's spec: the catalogue's, or the document block's for "block:<name>". */
export function specOf(type: string, lib?: Library | null): NodeSpec | undefined {
  if (!type.startsWith(BLOCK_TYPE_PREFIX)) return nodeSpec(type);
  return lib?.entries.get(type.slice(BLOCK_TYPE_PREFIX.length))?.spec;
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
export function checkParams(node: GraphNode, lib?: Library | null): { values: Record<string, ParamValue> | null; diagnostics: Diagnostic[] } {
  const spec = specOf(node.type, lib);
  const diagnostics: Diagnostic[] = [];
  if (!spec) return { values: null, diagnostics };
  const raw: Record<string, unknown> = node.params !== null && typeof node.params === 'object' ? node.params : {};
  const values: Record<string, ParamValue> = {};
  // A document block is named as the user wrote it: "vgg_block b1", not "block:vgg_block b1".
  const where = `${node.type.startsWith(BLOCK_TYPE_PREFIX) ? spec.label : node.type} ${node.id}`;
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

/**
 * The non-throwing form the shape engine uses: params, or null with the reasons. A node of one of
 * the document's blocks, or with `repeat`, resolves to its substituted inside ('composite').
 */
export function tryResolveParams(node: GraphNode, lib?: Library | null): { params: ResolvedParams | null; diagnostics: Diagnostic[] } {
  if (node.repeat !== undefined) return resolveRepeat(node, lib);
  const entry = node.type.startsWith(BLOCK_TYPE_PREFIX) ? lib?.entries.get(node.type.slice(BLOCK_TYPE_PREFIX.length)) : undefined;
  // A broken definition is the one thing to fix; its params may be what is broken.
  if (entry && !entry.order) {
    return { params: null, diagnostics: [{ severity: 'error', code: 'bad-block', nodeId: node.id, message: `${entry.name} ${node.id}: block ${entry.name} cannot be used: ${entry.problems[0]?.message ?? 'it is broken'}` }] };
  }
  const { values, diagnostics } = checkParams(node, lib);
  if (!values) return { params: null, diagnostics };
  if (node.type.startsWith(BLOCK_TYPE_PREFIX)) {
    if (!entry) return { params: null, diagnostics };
    const inside = instantiate(entry, values);
    if ('error' in inside) {
      diagnostics.push({ severity: 'error', code: 'bad-block', nodeId: node.id, message: `${entry.name} ${node.id}: ${inside.error}.` });
      return { params: null, diagnostics };
    }
    return { params: { type: 'composite', kind: 'block', of: node.type, graph: inside.graph }, diagnostics };
  }
  const layer = layerOf(node.type);
  return { params: layer ? (layer.resolve(values) as ResolvedParams) : null, diagnostics };
}

/** A repeated node: its own params checked once (not once per copy), then the chain of copies. */
function resolveRepeat(node: GraphNode, lib?: Library | null): { params: ResolvedParams | null; diagnostics: Diagnostic[] } {
  const { repeat, ...single } = node;
  const one = tryResolveParams(single, lib);
  const spec = specOf(node.type, lib);
  if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < MIN_REPEAT || repeat > MAX_REPEAT) {
    one.diagnostics.push({
      severity: 'error', code: 'bad-param', nodeId: node.id,
      message: `${spec?.label ?? node.type} ${node.id}: repeat must be a whole number from ${MIN_REPEAT} to ${MAX_REPEAT}; it is ${show(repeat)}.`,
    });
    return { params: null, diagnostics: one.diagnostics };
  }
  if (spec && spec.inputs !== 1) {
    one.diagnostics.push({
      severity: 'error', code: 'bad-param', nodeId: node.id,
      message: `${spec.label} ${node.id}: only a node with one input can be repeated (each copy feeds the next); remove repeat.`,
    });
    return { params: null, diagnostics: one.diagnostics };
  }
  if (!one.params) return one;
  return { params: { type: 'composite', kind: 'repeat', of: node.type, graph: repeatGraph(single, repeat) }, diagnostics: one.diagnostics };
}

/**
 * Catalogue defaults applied and pairs expanded. Throws when the node's type is unknown or its
 * params are invalid: callers (the compiler) only see graphs that analyzeGraph accepted.
 */
export function resolveParams(node: GraphNode, lib?: Library | null): ResolvedParams {
  if (!specOf(node.type, lib)) throw new Error(`Unknown node type "${node.type}" (node ${node.id}).`);
  const { params, diagnostics } = tryResolveParams(node, lib);
  if (!params) throw new Error(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n'));
  return params;
}
