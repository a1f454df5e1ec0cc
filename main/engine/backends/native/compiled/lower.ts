/**
 * The checked graph → the compiled step's plan (native/src/compiled/plan.h): operations on
 * numbered tensors with per-sample NCHW shapes, in topological order, each layer's parameters
 * named as the tfjs model (main/engine/compile.ts) names them so checkpoints move between the two.
 * Blocks are expanded (Residual = d2l 8.6's conv-BN-ReLU-conv-BN + shortcut, then ReLU), and an
 * activation that is the only reader of a conv, linear or batch-norm output is fused into it.
 *
 * Everything the lowering needs to know about ConvStudio's layers is in this one file, so the
 * layer refactor (shared/layers/) only has to be mirrored here.
 */

import type { GraphDoc, GraphNode } from '../../../../../shared/graph/types';
import { resolveParams, type ResolvedParams } from '../../../../../shared/graph/resolve';
import { analyzeGraph, type Analysis } from '../../../../../shared/shapes/index';

export type ActKind = 'relu' | 'sigmoid' | 'tanh' | 'leaky_relu';

interface OpBase { in: number[]; out: number }
export type PlanOp =
  | ({ kind: 'input' } & OpBase)
  | ({
    kind: 'conv'; outChannels: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
    pt: number; pb: number; pl: number; pr: number; groups: number; bias: boolean; act?: ActKind; alpha?: number; weight: string; biasName?: string;
  } & OpBase)
  | ({ kind: 'linear'; outChannels: number; bias: boolean; act?: ActKind; alpha?: number; weight: string; biasName?: string } & OpBase)
  | ({ kind: 'batchnorm'; eps: number; momentum: number; act?: 'relu'; gamma: string; beta: string; runningMean: string; runningVar: string } & OpBase)
  | ({ kind: 'pool'; max: boolean; kh: number; kw: number; sh: number; sw: number; pt: number; pb: number; pl: number; pr: number } & OpBase)
  | ({ kind: 'adaptive'; oh: number; ow: number } & OpBase)
  | ({ kind: 'act'; act: ActKind; alpha?: number } & OpBase)
  | ({ kind: 'dropout'; p: number } & OpBase)
  | ({ kind: 'flatten' } & OpBase)
  | ({ kind: 'add' } & OpBase)
  | ({ kind: 'concat' } & OpBase);

export interface Plan {
  /** Per-sample shape of each tensor: [C, H, W] or [F]. */
  tensors: number[][];
  ops: PlanOp[];
  input: number;
  output: number;
}

export type Lowering = { ok: true; plan: Plan; analysis: Analysis } | { ok: false; reason: string };

/**
 * Layer names exactly as compile.ts's Builder gives them (node id, sanitised, a suffix for the
 * parts of a block and for padding layers, de-duplicated in build order), so that every
 * parameter here has the name of its tfjs variable.
 */
class Namer {
  private used = new Set<string>();
  name(id: string, suffix?: string): string {
    const base = `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}${suffix ? `_${suffix}` : ''}`;
    let name = /^[A-Za-z]/.test(base) ? base : `n${base}`;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

const ACTS: Record<string, ActKind> = { ReLU: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', LeakyReLU: 'leaky_relu' };

interface Conv {
  out_channels: number; kernel: [number, number]; stride: [number, number]; padding: [number, number, number, number];
  dilation: [number, number]; bias: boolean; groups: number;
}

class Lowerer {
  readonly tensors: number[][] = [];
  readonly ops: PlanOp[] = [];
  private readonly names = new Namer();

  tensor(shape: number[]): number {
    this.tensors.push(shape);
    return this.tensors.length - 1;
  }

  conv(x: number, id: string, c: Conv, outShape: number[], suffix = ''): number {
    const [t, b, l, r] = c.padding;
    if (t || b || l || r) this.names.name(id, `${suffix}pad`); // compile.ts's ZeroPadding2D layer
    const layer = this.names.name(id, suffix || undefined);
    const out = this.tensor(outShape);
    this.ops.push({
      kind: 'conv', in: [x], out, outChannels: c.out_channels, kh: c.kernel[0], kw: c.kernel[1], sh: c.stride[0], sw: c.stride[1],
      dh: c.dilation[0], dw: c.dilation[1], pt: t, pb: b, pl: l, pr: r, groups: c.groups, bias: c.bias,
      weight: `${layer}/kernel`, ...(c.bias ? { biasName: `${layer}/bias` } : {}),
    });
    return out;
  }

  batchNorm(x: number, id: string, eps: number, momentum: number, suffix?: string): number {
    const layer = this.names.name(id, suffix);
    const out = this.tensor(this.tensors[x]);
    this.ops.push({
      kind: 'batchnorm', in: [x], out, eps, momentum,
      gamma: `${layer}/gamma`, beta: `${layer}/beta`, runningMean: `${layer}/moving_mean`, runningVar: `${layer}/moving_variance`,
    });
    return out;
  }

  act(x: number, id: string, act: ActKind, alpha?: number, suffix?: string): number {
    this.names.name(id, suffix);
    const out = this.tensor(this.tensors[x]);
    this.ops.push({ kind: 'act', in: [x], out, act, ...(alpha !== undefined ? { alpha } : {}) });
    return out;
  }

  node(node: GraphNode, p: ResolvedParams | null, inputs: number[], shape: number[]): number {
    const id = node.id;
    const x = inputs[0];
    if (node.type in ACTS) {
      const act = ACTS[node.type];
      const slope = Number((node.params as Record<string, unknown>).negative_slope ?? 0.01);
      return this.act(x, id, act, act === 'leaky_relu' ? slope : undefined);
    }
    if (!p) throw new Error(`${node.type} ${id}: no parameters`);
    switch (p.type) {
      case 'Input':
        this.names.name(id);
        this.ops.push({ kind: 'input', in: [], out: this.tensor(shape) });
        return this.ops[this.ops.length - 1].out;
      case 'Conv2d': {
        // `groups` arrives with the canvas work; until then every conv is dense.
        const groups = Number((p as { groups?: number }).groups ?? (node.params as Record<string, unknown>).groups ?? 1);
        return this.conv(x, id, { ...p, groups }, shape);
      }
      case 'Linear': {
        const layer = this.names.name(id);
        const out = this.tensor(shape);
        this.ops.push({ kind: 'linear', in: [x], out, outChannels: p.out_features, bias: p.bias, weight: `${layer}/kernel`, ...(p.bias ? { biasName: `${layer}/bias` } : {}) });
        return out;
      }
      case 'MaxPool2d':
      case 'AvgPool2d': {
        const [t, b, l, r] = p.padding;
        if (p.type === 'AvgPool2d' && (t || b || l || r)) this.names.name(id, 'pad');
        this.names.name(id);
        const out = this.tensor(shape);
        this.ops.push({ kind: 'pool', in: [x], out, max: p.type === 'MaxPool2d', kh: p.kernel[0], kw: p.kernel[1], sh: p.stride[0], sw: p.stride[1], pt: t, pb: b, pl: l, pr: r });
        return out;
      }
      case 'AdaptiveAvgPool2d': {
        this.names.name(id);
        const out = this.tensor(shape);
        this.ops.push({ kind: 'adaptive', in: [x], out, oh: p.output_size[0], ow: p.output_size[1] });
        return out;
      }
      case 'BatchNorm2d':
      case 'BatchNorm1d':
        return this.batchNorm(x, id, p.eps, p.momentum);
      case 'Dropout': {
        this.names.name(id);
        const out = this.tensor(shape);
        this.ops.push({ kind: 'dropout', in: [x], out, p: p.p });
        return out;
      }
      case 'Flatten': {
        this.names.name(id);
        const out = this.tensor(shape);
        this.ops.push({ kind: 'flatten', in: [x], out });
        return out;
      }
      case 'Residual': {
        const s = p.strides;
        const c = p.num_channels;
        const conv3 = (k: number, stride: number, pad: number): Conv => ({
          out_channels: c, kernel: [k, k], stride: [stride, stride], padding: [pad, pad, pad, pad], dilation: [1, 1], bias: true, groups: 1,
        });
        let y = this.conv(x, id, conv3(3, s, 1), shape, 'conv1');
        y = this.batchNorm(y, id, 1e-5, 0.1, 'bn1');
        y = this.act(y, id, 'relu', undefined, 'relu1');
        y = this.conv(y, id, conv3(3, 1, 1), shape, 'conv2');
        y = this.batchNorm(y, id, 1e-5, 0.1, 'bn2');
        const shortcut = p.use_1x1conv ? this.conv(x, id, conv3(1, s, 0), shape, 'conv3') : x;
        this.names.name(id, 'add');
        const sum = this.tensor(shape);
        this.ops.push({ kind: 'add', in: [y, shortcut], out: sum });
        return this.act(sum, id, 'relu');
      }
      case 'Add':
      case 'Concat': {
        this.names.name(id);
        const out = this.tensor(shape);
        this.ops.push({ kind: p.type === 'Add' ? 'add' : 'concat', in: inputs, out });
        return out;
      }
      default:
        throw new Error(`${node.type} ${id} has no compiled form`);
    }
  }

  /** An activation that alone reads a conv/linear (any activation) or batch-norm (ReLU) output runs inside that layer. */
  fuse(output: number): void {
    const readers = new Map<number, number>();
    for (const op of this.ops) for (const t of op.in) readers.set(t, (readers.get(t) ?? 0) + 1);
    const producer = new Map<number, PlanOp>();
    for (const op of this.ops) producer.set(op.out, op);
    const fused = new Set<PlanOp>();
    for (const op of this.ops) {
      if (op.kind !== 'act') continue;
      const t = op.in[0];
      const p = producer.get(t);
      if (!p || readers.get(t) !== 1 || t === output) continue;
      const ok = ((p.kind === 'conv' || p.kind === 'linear') && !p.act) || (p.kind === 'batchnorm' && !p.act && op.act === 'relu');
      if (!ok) continue;
      (p as { act?: ActKind; alpha?: number }).act = op.act;
      if (op.alpha !== undefined) (p as { alpha?: number }).alpha = op.alpha;
      p.out = op.out;
      fused.add(op);
    }
    const kept = this.ops.filter((op) => !fused.has(op));
    this.ops.length = 0;
    this.ops.push(...kept);
  }
}

/** Lowers a graph; a graph that cannot be compiled gives the reason as one line. */
export function lowerGraph(doc: GraphDoc, given?: Analysis): Lowering {
  const analysis = given ?? analyzeGraph(doc);
  if (!analysis.ok || !analysis.inputId || !analysis.outputId) {
    const first = analysis.diagnostics.find((d) => d.severity === 'error');
    return { ok: false, reason: `the graph does not check (${first?.message ?? 'no single input and output'})` };
  }
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const l = new Lowerer();
  const tensorOf = new Map<string, number>();
  try {
    for (const id of analysis.order) {
      const node = byId.get(id);
      if (!node) continue;
      const info = analysis.nodes[id];
      if (!info?.shape) return { ok: false, reason: `${node.type} ${id} has no shape` };
      const params = node.type in ACTS ? null : resolveParams(node);
      const inputs = (analysis.inputsOf[id] ?? []).map((src) => tensorOf.get(src)!);
      tensorOf.set(id, l.node(node, params, inputs, info.shape.slice(1)));
    }
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const output = tensorOf.get(analysis.outputId)!;
  if (l.tensors[output].length !== 1) return { ok: false, reason: `the output is [${l.tensors[output].join(', ')}] per sample, not flat class scores` };
  l.fuse(output);
  return { ok: true, plan: { tensors: l.tensors, ops: l.ops, input: tensorOf.get(analysis.inputId)!, output }, analysis };
}
