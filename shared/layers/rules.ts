/**
 * What several layers' rules share: reading pairs, the rank checks with their messages, window
 * receptive fields, and the small number formats the messages' arithmetic is written in.
 */

import type { ParamValue } from '../graph/types';
import { effectiveKernel, nextReceptiveField } from '../shapes/arith';
import type { BlockResult, ReceptiveField, ShapeIn, ShapeOut } from './layer';

export type Pair = [number, number];
/** [top, bottom, left, right], the order PyTorch's F.pad pairs are written in per dimension. */
export type Pad4 = [number, number, number, number];

export const pair = (v: ParamValue): Pair => (Array.isArray(v) ? [v[0], v[1]] : [v as number, v as number]);
export const pad4 = (v: ParamValue): Pad4 => {
  const [h, w] = pair(v);
  return [h, h, w, w];
};

/** Negative numbers with a real minus sign, as in the messages' arithmetic. */
export const n = (x: number): string => (x < 0 ? `−${-x}` : String(x));
export const hw = (h: number, w: number): string => `${n(h)}×${n(w)}`;
export const fmtShape = (s: number[]): string => `[${s.join(', ')}]`;
export const chw = (s: number[]): string => (s.length === 4 ? `${s[1]}×${s[2]}×${s[3]}` : `${s[1]} features`);
/** A fix's value: an int where both sides agree, as a user would write it. */
export const pairValue = (a: number, b: number): number | [number, number] => (a === b ? a : [a, b]);

/** Layers that slide windows need a C×H×W map; says so when they get a flat tensor. */
export function needImage(x: ShapeIn, hint = ''): boolean {
  const s = x.shapes[0];
  if (s.length === 4) return true;
  x.report({
    severity: 'error', code: 'needs-image', nodeId: x.id,
    message: `${x.type} ${x.id} works on C×H×W feature maps but gets the flat ${fmtShape(s)} from ${x.sources[0]}. Move it before the Flatten${hint}.`,
  });
  return false;
}

/** Linear and BatchNorm1d need [N, F]; the fix inserts the Flatten that PyTorch code would have. */
export function needFlat(x: ShapeIn): boolean {
  const s = x.shapes[0];
  if (s.length === 2) return true;
  const src = x.sources[0];
  x.report({
    severity: 'error', code: 'needs-flatten', nodeId: x.id,
    message: `${x.type} ${x.id} needs a flat input but gets ${fmtShape(s)} from ${src}. Insert a Flatten before it (${chw(s)} → ${s[1] * s[2] * s[3]}).`,
    fix: { kind: 'insertNode', label: `Insert Flatten before ${x.id}`, beforeNodeId: x.id, edgeSource: src, nodeType: 'Flatten' },
  });
  return false;
}

/** Element-wise layers: the input's shape and receptive field, unchanged. */
export function passThrough(x: ShapeIn): ShapeOut {
  return { shape: x.shapes[0].slice(), rf: x.rfs[0] };
}

/** The receptive field after a window layer, per dimension. */
export function windowRF(rf: ReceptiveField | null, kernel: Pair, stride: Pair, dilation: Pair = [1, 1]): ReceptiveField | null {
  if (!rf) return null;
  const h = nextReceptiveField(rf.size[0], rf.jump[0], kernel[0], stride[0], dilation[0]);
  const w = nextReceptiveField(rf.size[1], rf.jump[1], kernel[1], stride[1], dilation[1]);
  return { size: [h.size, w.size], jump: [h.jump, w.jump] };
}

/** Why a window does not fit, with the padded-input arithmetic, for nonpositive-output. */
export function describeTooSmall(k: Pair, d: Pair, x: number[], pad: number[], out: Pair): string {
  const padded = (i: number) => x[2 + i] + pad[2 * i] + pad[2 * i + 1];
  const padExpr = (i: number) => (pad[2 * i] === pad[2 * i + 1] ? `${x[2 + i]} + 2·${pad[2 * i]}` : `${x[2 + i]} + ${pad[2 * i]} + ${pad[2 * i + 1]}`);
  const kText = (i: number) => (d[i] > 1 ? `${k[i]} (dilated to ${effectiveKernel(k[i], d[i])})` : `${k[i]}`);
  const fails = [0, 1].filter((i) => out[i] < 1);
  const same = k[0] === k[1] && d[0] === d[1] && padded(0) === padded(1) && padExpr(0) === padExpr(1);
  const parts = same && fails.length === 2
    ? [`kernel ${kText(0)} is larger than the padded input ${padded(0)} (${padExpr(0)})`]
    : fails.map((i) => `kernel ${i === 0 ? 'height' : 'width'} ${kText(i)} is larger than the padded input ${i === 0 ? 'height' : 'width'} ${padded(i)} (${padExpr(i)})`);
  return `${parts.join(' and ')}, so the output would be ${hw(out[0], out[1])}`;
}

/**
 * A block's inside, reported on the block: each problem keeps the inner layer's words (they name
 * it, "Conv2d r1.conv1") but belongs to the block node, and loses its fix, which would edit a
 * node that is not in the graph.
 */
export function reportInside(x: ShapeIn, inside: BlockResult): ShapeOut | null {
  for (const { diagnostic: d } of inside.problems) {
    x.report({ severity: d.severity, code: d.code, message: d.message, nodeId: x.id });
  }
  return inside.out;
}

/**
 * A residual block's inside (Residual, ResNeXtBlock), reported on the block. Only the identity
 * shortcut can disagree with the main path (whose last layer is `main`); that is said in the
 * block's terms, with the fix PyTorch code would need: a 1×1 convolution on the shortcut.
 */
export function shortcutRule(x: ShapeIn, inside: BlockResult, main: string, strides: number): ShapeOut | null {
  const out = inside.nodes[main]?.shape;
  const mismatch = inside.problems.some((q) => q.inner === 'add' && q.diagnostic.code === 'add-shape-mismatch');
  if (!mismatch || !out) return reportInside(x, inside);
  const s = x.shapes[0];
  const differ: string[] = [];
  if (s[1] !== out[1]) differ.push(`channels (${s[1]} vs ${out[1]})`);
  if (s[2] !== out[2] || s[3] !== out[3]) differ.push(`size (${s[2]}×${s[3]} vs ${out[2]}×${out[3]}, strides ${strides})`);
  x.report({
    severity: 'error', code: 'residual-shortcut', nodeId: x.id,
    message: `${x.type} ${x.id}: the shortcut adds the input ${chw(s)} to the block's output ${out[1]}×${out[2]}×${out[3]}; they differ in ${differ.join(' and ')}. Set use_1x1conv to true, or num_channels ${s[1]} and strides 1.`,
    fix: { kind: 'setParam', label: 'Use a 1×1 convolution on the shortcut', nodeId: x.id, param: 'use_1x1conv', value: true },
  });
  return null;
}
