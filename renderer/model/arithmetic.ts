/**
 * A layer's arithmetic with its numbers, for the inspector: how each output dimension and the
 * parameter count follow from the input and the params — for every layer, not only broken ones,
 * so a student sees ⌊(14 + 2·0 − 1·(5 − 1) − 1)/1⌋ + 1 = 10 beside conv2. The window formula is
 * shared/shapes/arith.ts's (its value is windowOutSize's), the params resolved as the engine
 * resolves them, so the text cannot disagree with the shape on the canvas.
 */

import { tryResolveParams } from '../../shared/graph/resolve';
import type { GraphNode } from '../../shared/graph/types';
import { formatCount } from '../../shared/format';
import type { LayerType, ParamsOf } from '../../shared/layers/index';
import { windowOutFormula } from '../../shared/shapes/arith';

export interface ArithmeticLine {
  /** What the line computes: "H", "W", "C", "features", "params". */
  what: string;
  text: string;
}

type Explain<T extends LayerType> = (p: ParamsOf<T>, ins: readonly number[][]) => ArithmeticLine[];

const count = (x: number) => formatCount(x);

function windows(ins: readonly number[][], kernel: [number, number], stride: [number, number], padding: readonly number[], dilation: [number, number] = [1, 1]): ArithmeticLine[] {
  const s = ins[0];
  if (s.length !== 4) return [];
  return [
    { what: 'H', text: windowOutFormula(s[2], kernel[0], stride[0], padding[0], padding[1], dilation[0]).text },
    { what: 'W', text: windowOutFormula(s[3], kernel[1], stride[1], padding[2], padding[3], dilation[1]).text },
  ];
}

const unchanged = (ins: readonly number[][]): ArithmeticLine[] => [{ what: 'shape', text: `unchanged: ${ins[0].slice(1).join('×')}` }];

const pool = (p: ParamsOf<'MaxPool2d' | 'AvgPool2d'>, ins: readonly number[][]) => windows(ins, p.kernel, p.stride, p.padding);

const EXPLAIN: { [T in LayerType]?: Explain<T> } = {
  Conv2d: (p, ins) => {
    const s = ins[0];
    if (s.length !== 4) return [];
    const [kh, kw] = p.kernel;
    const weights = p.out_channels * s[1] * kh * kw + (p.bias ? p.out_channels : 0);
    return [
      { what: 'C', text: `out_channels = ${p.out_channels}` },
      ...windows(ins, p.kernel, p.stride, p.padding, p.dilation),
      { what: 'params', text: `${p.out_channels}·${s[1]}·${kh}·${kw}${p.bias ? ` + ${p.out_channels}` : ''} = ${count(weights)}` },
    ];
  },
  MaxPool2d: pool,
  AvgPool2d: pool,
  AdaptiveAvgPool2d: (p) => [{ what: 'H×W', text: `output_size = ${p.output_size[0]}×${p.output_size[1]}, whatever the input` }],
  Flatten: (_p, ins) => {
    const s = ins[0];
    return s.length === 4 ? [{ what: 'features', text: `${s[1]}·${s[2]}·${s[3]} = ${count(s[1] * s[2] * s[3])}` }] : unchanged(ins);
  },
  Linear: (p, ins) => {
    const f = ins[0];
    if (f.length !== 2) return [];
    return [
      { what: 'features', text: `out_features = ${p.out_features}` },
      { what: 'params', text: `${f[1]}·${p.out_features}${p.bias ? ` + ${p.out_features}` : ''} = ${count(f[1] * p.out_features + (p.bias ? p.out_features : 0))}` },
    ];
  },
  BatchNorm2d: (_p, ins) => [...unchanged(ins), { what: 'params', text: `2·${ins[0][1]} = ${count(2 * ins[0][1])} (a scale and a shift per channel)` }],
  BatchNorm1d: (_p, ins) => [...unchanged(ins), { what: 'params', text: `2·${ins[0][1]} = ${count(2 * ins[0][1])} (a scale and a shift per feature)` }],
  Concat: (_p, ins) => [{ what: 'C', text: `${ins.map((s) => s[1]).join(' + ')} = ${count(ins.reduce((a, s) => a + s[1], 0))}` }],
  Add: (_p, ins) => [{ what: 'shape', text: `${ins.map((s) => s.slice(1).join('×')).join(' + ')}, element-wise` }],
  ReLU: (_p, ins) => unchanged(ins),
  LeakyReLU: (_p, ins) => unchanged(ins),
  Sigmoid: (_p, ins) => unchanged(ins),
  Tanh: (_p, ins) => unchanged(ins),
  Dropout: (_p, ins) => unchanged(ins),
};

/**
 * The arithmetic of one node, given the shapes of its inputs in input order (empty when an
 * input's shape is unknown, or for a type without a formula of its own, such as a block).
 */
export function nodeArithmetic(node: GraphNode, inputs: readonly (number[] | null)[]): ArithmeticLine[] {
  if (inputs.length === 0 || inputs.some((s) => !s)) return [];
  const { params } = tryResolveParams(node);
  // A block or a repeat has no formula of its own: its layers have theirs.
  if (!params || params.type === 'composite') return [];
  const explain = EXPLAIN[params.type] as Explain<LayerType> | undefined;
  return explain ? explain(params as ParamsOf<LayerType>, inputs as number[][]) : [];
}
