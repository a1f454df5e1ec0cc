/**
 * The checked graph → the compiled step's plan (native/src/compiled/plan.h): operations on
 * numbered tensors with per-sample NCHW shapes, in topological order, each layer's parameters
 * named as the tfjs model (main/engine-core/compile.ts) names them so checkpoints move between the two.
 * Blocks and repeats are expanded into the layers inside them, and an
 * activation that is the only reader of a conv, linear or batch-norm output is fused into it.
 *
 * Everything the lowering needs to know about ConvStudio's layers is in this one file, so the
 * layer refactor (shared/layers/) only has to be mirrored here.
 */

import type { GraphDoc, GraphNode } from '../../../../../shared/graph/types';
import { resolveParams, type ResolvedParams } from '../../../../../shared/graph/resolve';
import { LayerNames } from '../../../../engine-core/layer-names';
import { flattenWithPaths } from '../../../../../shared/graph/flatten';
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

const ACTS: Record<string, ActKind> = { ReLU: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', LeakyReLU: 'leaky_relu' };

/** Names one node's layers: `suffix` for its helpers ("pad"), as compile.ts's Namer does. */
type LayerName = (suffix?: string) => string;

class Lowerer {
  readonly tensors: number[][] = [];
  readonly ops: PlanOp[] = [];
  // Layer names exactly as compile.ts gives them, so every parameter has its tfjs variable's name.
  private readonly names = new LayerNames();

  tensor(shape: number[]): number {
    this.tensors.push(shape);
    return this.tensors.length - 1;
  }

  /**
   * The layer namer for a node at `path` from the top. compile.ts names a top-level node's
   * layers `${id}_${suffix}` and a block's inner layers after the top node and the rest of the
   * path joined by "_", with a helper's suffix appended bare ("b1_convs_0_convpad").
   */
  namer(path: readonly string[]): LayerName {
    if (path.length === 1) return (suffix) => this.names.name(path[0], suffix);
    const rest = path.slice(1).join('_');
    return (suffix) => this.names.name(path[0], `${rest}${suffix ?? ''}`);
  }

  node(node: GraphNode, p: ResolvedParams | null, inputs: number[], shape: number[], name: LayerName): number {
    const x = inputs[0];
    const single = (op: PlanOp) => {
      this.ops.push(op);
      return op.out;
    };
    if (node.type in ACTS) {
      name();
      const act = ACTS[node.type];
      const slope = Number((node.params as Record<string, unknown>).negative_slope ?? 0.01);
      return single({ kind: 'act', in: [x], out: this.tensor(shape), act, ...(act === 'leaky_relu' ? { alpha: slope } : {}) });
    }
    if (!p) throw new Error(`${node.type} ${node.id}: no parameters`);
    switch (p.type) {
      case 'Input':
        name();
        return single({ kind: 'input', in: [], out: this.tensor(shape) });
      case 'Conv2d': {
        const [t, b, l, r] = p.padding;
        if (t || b || l || r) name('pad'); // compile.ts's ZeroPadding2D layer
        const layer = name();
        return single({
          kind: 'conv', in: [x], out: this.tensor(shape), outChannels: p.out_channels, kh: p.kernel[0], kw: p.kernel[1], sh: p.stride[0], sw: p.stride[1],
          dh: p.dilation[0], dw: p.dilation[1], pt: t, pb: b, pl: l, pr: r, groups: p.groups, bias: p.bias,
          weight: `${layer}/kernel`, ...(p.bias ? { biasName: `${layer}/bias` } : {}),
        });
      }
      case 'Linear': {
        const layer = name();
        return single({ kind: 'linear', in: [x], out: this.tensor(shape), outChannels: p.out_features, bias: p.bias, weight: `${layer}/kernel`, ...(p.bias ? { biasName: `${layer}/bias` } : {}) });
      }
      case 'MaxPool2d':
      case 'AvgPool2d': {
        const [t, b, l, r] = p.padding;
        if (p.type === 'AvgPool2d' && (t || b || l || r)) name('pad');
        name();
        return single({ kind: 'pool', in: [x], out: this.tensor(shape), max: p.type === 'MaxPool2d', kh: p.kernel[0], kw: p.kernel[1], sh: p.stride[0], sw: p.stride[1], pt: t, pb: b, pl: l, pr: r });
      }
      case 'AdaptiveAvgPool2d':
        name();
        return single({ kind: 'adaptive', in: [x], out: this.tensor(shape), oh: p.output_size[0], ow: p.output_size[1] });
      case 'BatchNorm2d':
      case 'BatchNorm1d': {
        const layer = name();
        return single({
          kind: 'batchnorm', in: [x], out: this.tensor(shape), eps: p.eps, momentum: p.momentum,
          gamma: `${layer}/gamma`, beta: `${layer}/beta`, runningMean: `${layer}/moving_mean`, runningVar: `${layer}/moving_variance`,
        });
      }
      case 'Dropout':
        name();
        return single({ kind: 'dropout', in: [x], out: this.tensor(shape), p: p.p });
      case 'Flatten':
        name();
        return single({ kind: 'flatten', in: [x], out: this.tensor(shape) });
      case 'Add':
      case 'Concat':
        name();
        return single({ kind: p.type === 'Add' ? 'add' : 'concat', in: inputs, out: this.tensor(shape) });
      default:
        throw new Error(`${node.type} ${node.id} has no compiled form`);
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

/**
 * Lowers a graph; a graph that cannot be compiled gives the reason as one line. Blocks and
 * repeats are lowered as the layers inside them (flattenWithPaths), each named after its path
 * as the compiler names it, so a block's weights keep their tfjs names.
 */
export function lowerGraph(doc: GraphDoc, given?: Analysis): Lowering {
  const analysis = given ?? analyzeGraph(doc);
  if (!analysis.ok || !analysis.inputId || !analysis.outputId) {
    const first = analysis.diagnostics.find((d) => d.severity === 'error');
    return { ok: false, reason: `the graph does not check (${first?.message ?? 'no single input and output'})` };
  }
  const { doc: flat, paths } = flattenWithPaths(doc, analysis);
  const flatAnalysis = analyzeGraph(flat);
  if (!flatAnalysis.ok || !flatAnalysis.inputId || !flatAnalysis.outputId) {
    const first = flatAnalysis.diagnostics.find((d) => d.severity === 'error');
    return { ok: false, reason: `the graph's blocks do not expand to a checked graph (${first?.message ?? 'no single input and output'})` };
  }
  const l = new Lowerer();
  const tensorOf = new Map<string, number>();
  try {
    // In the order flattening emits them, which is compile.ts's build order, so that names
    // de-duplicate alike; it is topological, as a block's inner nodes are.
    for (const node of flat.nodes) {
      const id = node.id;
      const info = flatAnalysis.nodes[id];
      if (!info?.shape) return { ok: false, reason: `${node.type} ${id} has no shape` };
      const params = node.type in ACTS ? null : resolveParams(node);
      const inputs = (flatAnalysis.inputsOf[id] ?? []).map((src) => tensorOf.get(src)!);
      tensorOf.set(id, l.node(node, params, inputs, info.shape.slice(1), l.namer(paths.get(id) ?? [id])));
    }
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const output = tensorOf.get(flatAnalysis.outputId)!;
  if (l.tensors[output].length !== 1) return { ok: false, reason: `the output is [${l.tensors[output].join(', ')}] per sample, not flat class scores` };
  l.fuse(output);
  return { ok: true, plan: { tensors: l.tensors, ops: l.ops, input: tensorOf.get(flatAnalysis.inputId)!, output }, analysis };
}
