/**
 * An ONNX model under construction: nodes in topological order, weights as initializers, one
 * NCHW float input with a free batch dimension and one output, encoded as an onnx.ModelProto
 * (field numbers from onnx/onnx.proto). Opset 13 is the target: every operator the layers need
 * exists there with the semantics PyTorch has, onnx 1.12's checker knows it, and every
 * onnxruntime since 1.6 runs it.
 */

import type { Tensor } from '../layers/layer';
import { Message } from './proto';

export const ONNX_OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
export const ONNX_IR_VERSION = 7;

const FLOAT = 1;
const INT64 = 7;

export type OnnxAttr =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number };

export const int = (value: number): OnnxAttr => ({ kind: 'int', value });
export const ints = (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value });
export const float = (value: number): OnnxAttr => ({ kind: 'float', value });

interface OnnxNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
}

function tensorProto(name: string, t: Tensor): Message {
  const m = new Message();
  for (const d of t.shape) m.int(1, d);
  m.int(2, t.dtype === 'F32' ? FLOAT : INT64);
  m.string(8, name);
  m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return m;
}

function valueInfo(name: string, dims: (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensor = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensor));
}

function attribute(name: string, a: OnnxAttr): Message {
  const m = new Message().string(1, name);
  switch (a.kind) {
    case 'int': return m.int(3, a.value).int(20, 2);
    case 'float': return m.float(2, a.value).int(20, 1);
    case 'ints':
      for (const v of a.value) m.int(8, v);
      return m.int(20, 7);
  }
}

export class OnnxGraph {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: { name: string; tensor: Tensor }[] = [];
  private readonly used = new Set<string>();

  /** Names what the next nodes and initializers belong to (a layer's path, "b2_res1.conv1"). */
  prefix = '';

  /** `names` are kept for the caller (the graph's input and output). */
  constructor(names: string[] = []) {
    for (const n of names) this.used.add(n);
  }

  /** A value name nothing else has: ONNX names are one namespace for values and initializers. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns the name of its (single) output. `name` also names the output, unless `output` (a kept name) does. */
  node(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, name?: string, output?: string): string {
    const base = name ?? this.prefix;
    const nodeName = this.fresh(base && !this.used.has(base) ? base : `${base ? `${base}/` : ''}${op}`);
    this.nodes.push({ op, name: nodeName, inputs, outputs: [output ?? nodeName], attrs });
    return output ?? nodeName;
  }

  initializer(name: string, tensor: Tensor): string {
    const n = this.fresh(this.prefix ? `${this.prefix}.${name}` : name);
    this.initializers.push({ name: n, tensor });
    return n;
  }

  int64s(name: string, values: readonly number[]): string {
    return this.initializer(name, { shape: [values.length], dtype: 'I64', data: BigInt64Array.from(values.map((v) => BigInt(v))) });
  }

  /** The ModelProto, as byte chunks in file order. */
  encode(opts: { graphName: string; input: { name: string; dims: (number | string)[] }; output: { name: string; dims: (number | string)[] }; doc: string; producerVersion: string; metadata: Record<string, string> }): Uint8Array[] {
    const g = new Message();
    for (const n of this.nodes) {
      const m = new Message();
      for (const i of n.inputs) m.string(1, i);
      for (const o of n.outputs) m.string(2, o);
      m.string(3, n.name).string(4, n.op);
      for (const [k, a] of Object.entries(n.attrs)) m.message(5, attribute(k, a));
      g.message(1, m);
    }
    g.string(2, opts.graphName);
    for (const i of this.initializers) g.message(5, tensorProto(i.name, i.tensor));
    g.string(10, opts.doc);
    g.message(11, valueInfo(opts.input.name, opts.input.dims));
    g.message(12, valueInfo(opts.output.name, opts.output.dims));

    const model = new Message()
      .int(1, ONNX_IR_VERSION)
      .string(2, 'ConvStudio')
      .string(3, opts.producerVersion)
      .string(6, opts.doc)
      .message(7, g)
      .message(8, new Message().string(1, '').int(2, ONNX_OPSET));
    for (const [k, v] of Object.entries(opts.metadata)) model.message(14, new Message().string(1, k).string(2, v));
    return model.chunks;
  }
}
