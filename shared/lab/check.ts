/**
 * The one check of a Kernel lab request, used by the page (as the student types) and by the Node
 * side (everything arriving there is untrusted). The window arithmetic and its messages are the
 * canvas's: a cross-correlation is checked as the two-node graph Input → Conv2d and a pooling as
 * Input → MaxPool2d / AvgPool2d, through the same shape engine, so a kernel larger than the
 * padded input or a stride of 0 reads exactly as it does on a node. Only what the canvas has no
 * words for — a grid cell that is not a number, 3-D windows, a learning rate — is worded here.
 */

import { analyzeGraph } from '../shapes/analyze';
import { tryResolveParams } from '../graph/resolve';
import type { Diagnostic, GraphDoc, IntOrPair, ParamValue } from '../graph/types';
import type { Conv2dParams } from '../layers/conv2d';
import type { PoolParams } from '../layers/pool';
import { windowOutSize } from '../shapes/arith';
import { correlateGraph, labGraph, LAB_CONV_ID, LAB_POOL_ID, poolGraph } from './graphs';
import { torchConvInit } from './torch-init';
import type { Conv1x1Request, CorrelateRequest, FashionImageRequest, Grid, LabProblem, LearnRequest, PoolMode } from './types';

/** Sides and channels a student types or paints; Fashion-MNIST's 28×28 fits with room to spare. */
export const LAB_LIMITS = {
  side: 64,
  channels: 4,
  /** |value| bound: float32 keeps sums of products of such numbers meaningful. */
  magnitude: 1e6,
  learnKernelSide: 8,
  steps: 500,
  lrMax: 10,
  pool3dSide: 16,
} as const;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: LabProblem };

const problem = (message: string, diagnostics: Diagnostic[] = []): { ok: false; error: LabProblem } => ({ ok: false, error: { message, diagnostics } });
const bad = (message: string) => problem(message, [{ severity: 'error', code: 'bad-lab-input', message }]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown): string => {
  if (typeof v === 'string') return `"${v.length > 20 ? `${v.slice(0, 17)}...` : v}"`;
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
};

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A rectangular grid of finite numbers no larger than the lab's limits. Cells are named as
 * PyTorch indexes them, from 0: X[1, 2], or X[0, 1, 2] for a channel of a stack (`at`).
 */
export function readGrid(v: unknown, name: string, maxSide: number = LAB_LIMITS.side, at: number[] = []): Checked<Grid> {
  const cell = (i: number, j: number) => `${name}[${[...at, i, j].join(', ')}]`;
  const whole = at.length ? `${name}[${at.join(', ')}]` : name;
  if (!Array.isArray(v) || v.length === 0) return bad(`${whole} must be a grid of numbers (a list of rows); it is ${Array.isArray(v) ? 'empty' : show(v)}.`);
  if (v.length > maxSide) return bad(`${whole} has ${v.length} rows; the lab takes at most ${maxSide}.`);
  const width = Array.isArray(v[0]) ? v[0].length : -1;
  if (width < 1) return bad(`${whole}'s first row must be a list of numbers; it is ${Array.isArray(v[0]) ? 'empty' : show(v[0])}.`);
  if (width > maxSide) return bad(`${whole} has ${width} columns; the lab takes at most ${maxSide}.`);
  const rows: Grid = [];
  for (let i = 0; i < v.length; i++) {
    const row = v[i];
    if (!Array.isArray(row)) return bad(`${whole}'s row ${i} must be a list of numbers; it is ${show(row)}.`);
    if (row.length !== width) return bad(`${whole} must be rectangular: row ${i} has ${count(row.length, 'value')}, row 0 has ${width}.`);
    const out: number[] = new Array(width);
    for (let j = 0; j < width; j++) {
      const x = row[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) return bad(`${cell(i, j)} is ${show(x)}, not a number. Type a number such as 0.5 or −1.`);
      if (Math.abs(x) > LAB_LIMITS.magnitude) return bad(`${cell(i, j)} is ${x}; the lab takes values between −1,000,000 and 1,000,000.`);
      out[j] = x;
    }
    rows.push(out);
  }
  return { ok: true, value: rows };
}

/** A stack of grids of one size: [C][H][W]. */
function readStack(v: unknown, name: string, what: string, maxCount: number, maxSide: number = LAB_LIMITS.side, at: number[] = []): Checked<Grid[]> {
  if (!Array.isArray(v) || v.length === 0) return bad(`${name} must be a list of ${what}s (grids); it is ${Array.isArray(v) ? 'empty' : show(v)}.`);
  if (v.length > maxCount) return bad(`${name} has ${count(v.length, what)}; the lab takes at most ${maxCount}.`);
  const out: Grid[] = [];
  for (let c = 0; c < v.length; c++) {
    const g = readGrid(v[c], name, maxSide, [...at, c]);
    if (!g.ok) return g;
    if (c > 0 && (g.value.length !== out[0].length || g.value[0].length !== out[0][0].length)) {
      return bad(`${name}: every ${what} must have the same size; ${name}[${[...at, c].join(', ')}] is ${g.value.length}×${g.value[0].length}, ${name}[${[...at, 0].join(', ')}] is ${out[0].length}×${out[0][0].length}.`);
    }
    out.push(g.value);
  }
  return { ok: true, value: out };
}

/** The layer's output shape [C, H, W] and typed params, or the shape engine's own diagnostics. */
function throughShapeEngine<P>(doc: GraphDoc): Checked<{ doc: GraphDoc; params: P; out: [number, number, number] }> {
  const layer = doc.nodes[1];
  const analysis = analyzeGraph(doc);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  const info = analysis.nodes[layer.id];
  if (errors.length || !info?.shape) return problem(errors.map((d) => d.message).join(' ') || `${layer.type} ${layer.id} has no output.`, errors);
  const resolved = tryResolveParams(layer).params as P;
  const [, c, h, w] = info.shape;
  return { ok: true, value: { doc, params: resolved, out: [c, h, w] } };
}

/** Left out means PyTorch's default. */
const given = (v: unknown, fallback: ParamValue): ParamValue => (v === undefined || v === null ? fallback : (v as ParamValue));

export interface CheckedCorrelate {
  request: Required<Omit<CorrelateRequest, 'terms'>> & { terms: boolean };
  /** X → Conv2d K with k as its weights: what the engine compiles. */
  doc: GraphDoc;
  conv: Conv2dParams;
  /** [C_out, oh, ow] */
  out: [number, number, number];
}

export function checkCorrelate(req: unknown): Checked<CheckedCorrelate> {
  if (!isObject(req)) return bad('Expected { x, k, stride, padding, dilation }.');
  const x = readStack(req.x, 'X', 'channel', LAB_LIMITS.channels);
  if (!x.ok) return x;
  if (!Array.isArray(req.k) || req.k.length === 0) return bad(`K must be a list of kernels, one per output channel; it is ${Array.isArray(req.k) ? 'empty' : show(req.k)}.`);
  if (req.k.length > LAB_LIMITS.channels) return bad(`K has ${count(req.k.length, 'output channel')}; the lab takes at most ${LAB_LIMITS.channels}.`);
  const cin = x.value.length;
  const k: Grid[][] = [];
  for (let o = 0; o < req.k.length; o++) {
    const name = `K[${o}]`;
    const ko = readStack(req.k[o], 'K', 'channel', LAB_LIMITS.channels, LAB_LIMITS.side, [o]);
    if (!ko.ok) return ko;
    if (ko.value.length !== cin) {
      return bad(`${req.k.length > 1 ? name : 'K'} has ${count(ko.value.length, 'input channel')} but X has ${cin}: a kernel holds one 2-D slice per input channel, and their cross-correlations are summed (d2l 7.4.1).`);
    }
    if (o > 0 && (ko.value[0].length !== k[0][0].length || ko.value[0][0].length !== k[0][0][0].length)) {
      return bad(`Every output channel's kernel must have the same size; ${name} is ${ko.value[0].length}×${ko.value[0][0].length}, K[0] is ${k[0][0].length}×${k[0][0][0].length}.`);
    }
    k.push(ko.value);
  }
  const stride = given(req.stride, 1);
  const padding = given(req.padding, 0);
  const dilation = given(req.dilation, 1);
  const shaped = throughShapeEngine<Conv2dParams>(correlateGraph([cin, x.value[0].length, x.value[0][0].length], k, { stride, padding, dilation }));
  if (!shaped.ok) return shaped;
  return {
    ok: true,
    value: {
      doc: shaped.value.doc,
      request: { x: x.value, k, stride: stride as IntOrPair, padding: padding as IntOrPair | 'same' | 'valid', dilation: dilation as IntOrPair, terms: req.terms === true },
      conv: shaped.value.params,
      out: shaped.value.out,
    },
  };
}

export function checkConv1x1(req: unknown): Checked<Conv1x1Request & { out: [number, number, number] }> {
  if (!isObject(req)) return bad('Expected { x, k }.');
  const x = readStack(req.x, 'X', 'channel', LAB_LIMITS.channels);
  if (!x.ok) return x;
  const k = readGrid(req.k, 'K', LAB_LIMITS.channels);
  if (!k.ok) return k;
  if (k.value[0].length !== x.value.length) {
    return bad(`K has ${count(k.value[0].length, 'column')} but X has ${count(x.value.length, 'channel')}: a 1×1 kernel holds one weight per input channel for each output channel.`);
  }
  return { ok: true, value: { x: x.value, k: k.value, out: [k.value.length, x.value[0].length, x.value[0][0].length] } };
}

const isMode = (m: unknown): m is PoolMode => m === 'max' || m === 'avg';

export interface CheckedPool2d {
  dims: 2;
  request: { dims: 2; mode: PoolMode; x: Grid[]; kernel: IntOrPair; stride: IntOrPair; padding: IntOrPair };
  doc: GraphDoc;
  pool: PoolParams;
  out: [number, number, number];
}

export interface CheckedPool3d {
  dims: 3;
  request: { dims: 3; mode: PoolMode; x: Grid[]; kernel: [number, number, number]; stride: [number, number, number]; padding: [number, number, number] };
  out: [number, number, number];
}

export function checkPool(req: unknown): Checked<CheckedPool2d | CheckedPool3d> {
  if (!isObject(req)) return bad('Expected { dims, mode, x, kernel, stride, padding }.');
  if (!isMode(req.mode)) return bad(`mode must be "max" or "avg"; it is ${show(req.mode)}.`);
  if (req.dims === 3) return checkPool3d(req, req.mode);
  if (req.dims !== 2) return bad(`dims must be 2 or 3; it is ${show(req.dims)}.`);
  const x = readStack(req.x, 'X', 'channel', LAB_LIMITS.channels);
  if (!x.ok) return x;
  const kernel = given(req.kernel, 2);
  const stride = given(req.stride, kernel);
  const padding = given(req.padding, 0);
  const shaped = throughShapeEngine<PoolParams>(poolGraph([x.value.length, x.value[0].length, x.value[0][0].length], req.mode, { kernel, stride, padding }));
  if (!shaped.ok) return shaped;
  const request = { dims: 2 as const, mode: req.mode, x: x.value, kernel: kernel as IntOrPair, stride: stride as IntOrPair, padding: padding as IntOrPair };
  return { ok: true, value: { dims: 2, request, doc: shaped.value.doc, pool: shaped.value.params, out: shaped.value.out } };
}

const DIMS3 = ['depth', 'height', 'width'] as const;

function triple(v: unknown, name: string, min: number): Checked<[number, number, number]> {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= LAB_LIMITS.pool3dSide;
  if (ok(v)) return { ok: true, value: [v, v, v] };
  if (Array.isArray(v) && v.length === 3 && v.every(ok)) return { ok: true, value: [v[0], v[1], v[2]] };
  return bad(`${LAB_POOL_ID} ${name} must be a whole number from ${min} to ${LAB_LIMITS.pool3dSide} or a triple [d, h, w] of them; it is ${Array.isArray(v) ? `[${v.map(show).join(', ')}]` : show(v)}.`);
}

/**
 * MaxPool3d / AvgPool3d: no canvas node has three window dimensions, so these checks are worded
 * here, after the 2-D rule's own (shared/layers/pool.ts): padding at most half the kernel, and a
 * window that fits the padded input in every dimension.
 */
function checkPool3d(req: Record<string, unknown>, mode: PoolMode): Checked<CheckedPool3d> {
  const x = readStack(req.x, 'X', 'depth slice', LAB_LIMITS.pool3dSide, LAB_LIMITS.pool3dSide);
  if (!x.ok) return x;
  const kernel = triple(given(req.kernel, 2), 'kernel_size', 1);
  if (!kernel.ok) return kernel;
  const stride = triple(req.stride ?? kernel.value, 'stride', 1);
  if (!stride.ok) return stride;
  const padding = triple(given(req.padding, 0), 'padding', 0);
  if (!padding.ok) return padding;
  const type = mode === 'max' ? 'MaxPool3d' : 'AvgPool3d';
  const size = [x.value.length, x.value[0].length, x.value[0][0].length];
  for (let i = 0; i < 3; i++) {
    const max = Math.floor(kernel.value[i] / 2);
    if (padding.value[i] > max) {
      const message = `${type} ${LAB_POOL_ID}: ${DIMS3[i]} padding ${padding.value[i]} is more than half the kernel ${kernel.value[i]} (at most ${max}); PyTorch refuses this. Set padding ≤ ${max} or enlarge kernel_size.`;
      return problem(message, [{ severity: 'error', code: 'pool-padding', nodeId: LAB_POOL_ID, message }]);
    }
  }
  const out = [0, 1, 2].map((i) => windowOutSize(size[i], kernel.value[i], stride.value[i], padding.value[i], padding.value[i])) as [number, number, number];
  const fails = [0, 1, 2].filter((i) => out[i] < 1);
  if (fails.length) {
    const parts = fails.map((i) => `kernel ${DIMS3[i]} ${kernel.value[i]} is larger than the padded input ${DIMS3[i]} ${size[i] + 2 * padding.value[i]} (${size[i]} + 2·${padding.value[i]})`);
    const message = `${type} ${LAB_POOL_ID}: ${parts.join(' and ')}, so the output would be ${out.map((o) => (o < 0 ? `−${-o}` : String(o))).join('×')}. Reduce kernel_size or add padding.`;
    return problem(message, [{ severity: 'error', code: 'nonpositive-output', nodeId: LAB_POOL_ID, message }]);
  }
  return { ok: true, value: { dims: 3, request: { dims: 3, mode, x: x.value, kernel: kernel.value, stride: stride.value, padding: padding.value }, out } };
}

export interface CheckedLearn {
  request: LearnRequest & { kernel: [number, number] };
  /** X → Conv2d K (no bias) starting from PyTorch's draw for the seed. */
  doc: GraphDoc;
  conv: Conv2dParams;
}

export function checkLearn(req: unknown): Checked<CheckedLearn> {
  if (!isObject(req)) return bad('Expected { x, y, kernel, lr, steps, seed }.');
  const x = readGrid(req.x, 'X');
  if (!x.ok) return x;
  const y = readGrid(req.y, 'Y');
  if (!y.ok) return y;
  const kernel = given(req.kernel, [1, 2]);
  const input: [number, number, number] = [1, x.value.length, x.value[0].length];
  const shaped = throughShapeEngine<Conv2dParams>(labGraph(input, { id: LAB_CONV_ID, type: 'Conv2d', params: { out_channels: 1, kernel_size: kernel, bias: false } }));
  if (!shaped.ok) return shaped;
  const [kh, kw] = shaped.value.params.kernel;
  if (kh > LAB_LIMITS.learnKernelSide || kw > LAB_LIMITS.learnKernelSide) return bad(`A learned kernel is at most ${LAB_LIMITS.learnKernelSide}×${LAB_LIMITS.learnKernelSide}; ${kh}×${kw} was asked for.`);
  const [, oh, ow] = shaped.value.out;
  if (oh !== y.value.length || ow !== y.value[0].length) {
    return bad(`Y is ${y.value.length}×${y.value[0].length}, but a ${kh}×${kw} kernel on the ${x.value.length}×${x.value[0].length} X gives ${oh}×${ow} (no padding, stride 1). Choose a ${x.value.length - y.value.length + 1}×${x.value[0].length - y.value[0].length + 1} kernel, or make Y from X with a kernel of the size you learn.`);
  }
  const lr = req.lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0 || lr > LAB_LIMITS.lrMax) return bad(`The learning rate must be a number above 0 and at most ${LAB_LIMITS.lrMax}; it is ${show(lr)}. The notebook uses 3e-2.`);
  const steps = req.steps;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > LAB_LIMITS.steps) return bad(`Steps must be a whole number from 1 to ${LAB_LIMITS.steps}; it is ${show(steps)}. The notebook takes 10.`);
  const seed = req.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return bad(`The seed must be a whole number from 0 to 4294967295; it is ${show(seed)}.`);
  const doc = labGraph(input, { ...shaped.value.doc.nodes[1], init: { weight: torchConvInit(seed, kh, kw).flat() } });
  return { ok: true, value: { request: { x: x.value, y: y.value, kernel: [kh, kw], lr, steps, seed }, doc, conv: shaped.value.params } };
}

export function checkFashionImage(req: unknown, testSamples: number): Checked<FashionImageRequest> {
  if (!isObject(req)) return bad('Expected { index }.');
  const i = req.index;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= testSamples) return bad(`The image index must be a whole number from 0 to ${testSamples - 1} (the Fashion-MNIST test set); it is ${show(i)}.`);
  return { ok: true, value: { index: i } };
}

