/**
 * Random trainable graphs for the compiled step's numerics: chains of conv blocks (every padding
 * form, strides, dilation, bias on and off, batch norm, every activation), pooling with padding,
 * PyTorch's uneven adaptive pooling, Residual blocks, Add and Concat branches, then a head of
 * Flatten, Dropout, Linear and BatchNorm1d down to 10 class scores. Each is checked by the shape
 * engine; a draw it refuses is redrawn.
 */

import type { GraphDoc, GraphNode, ParamValue } from '../../../../../../shared/graph/types';
import { analyzeGraph } from '../../../../../../shared/shapes/index';

function rng(seed: number) {
  let s = (seed * 2654435761 + 12345) >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

export interface RandomGraphOptions {
  /** Allow dilation > 1 (the tfjs backends cannot train it, so cpu comparisons leave it out). */
  dilation?: boolean;
  dropout?: boolean;
}

export function randomGraph(seed: number, opts: RandomGraphOptions = {}): GraphDoc {
  for (let attempt = 0; ; attempt++) {
    const doc = draw(seed * 7919 + attempt, opts);
    const a = analyzeGraph(doc);
    const out = a.outputId ? a.nodes[a.outputId]?.shape : null;
    if (a.ok && out && out.length === 2 && out[1] === 10) return doc;
    if (attempt > 200) throw new Error(`no valid random graph for seed ${seed}`);
  }
}

function draw(seed: number, opts: RandomGraphOptions): GraphDoc {
  const r = rng(seed);
  const size = r.int(7, 16);
  const nodes: GraphNode[] = [{ id: 'input', type: 'Input', params: { channels: 1, height: size, width: size } }];
  const edges: { source: string; target: string; targetHandle?: string }[] = [];
  let k = 0;
  const add = (type: string, params: Record<string, ParamValue>, from: string[]): string => {
    const id = `${type.toLowerCase()}${++k}`;
    nodes.push({ id, type, params });
    from.forEach((src, i) => edges.push({ source: src, target: id, ...(from.length > 1 ? { targetHandle: `in${i}` } : {}) }));
    return id;
  };
  const act = (from: string) => add(r.pick(['ReLU', 'Sigmoid', 'Tanh']), {}, [from]);
  const conv = (from: string, channels: number, strideOk = true): string => {
    const kernel = r.pick([1, 2, 3, 3]);
    const stride = strideOk && r.next() < 0.3 ? 2 : 1;
    const dilation = opts.dilation && kernel > 1 && r.next() < 0.3 ? 2 : 1;
    const padding: ParamValue = stride === 1 && r.next() < 0.25 ? 'same' : r.pick<ParamValue>([0, 1, [1, 0], [0, 1], 'valid']);
    return add('Conv2d', { out_channels: channels, kernel_size: kernel, stride, padding, dilation, bias: r.next() < 0.75 }, [from]);
  };
  let cur = 'input';
  let channels = 1;
  const blocks = r.int(2, 4);
  for (let b = 0; b < blocks; b++) {
    const kind = r.pick(['conv', 'conv', 'pool', 'residual', 'branch', 'adaptive']);
    if (kind === 'conv') {
      channels = r.int(2, 9);
      cur = conv(cur, channels);
      if (r.next() < 0.5) cur = add('BatchNorm2d', {}, [cur]);
      cur = act(cur);
    } else if (kind === 'pool') {
      const kernel = r.int(2, 3);
      cur = add(r.pick(['MaxPool2d', 'AvgPool2d']), { kernel_size: kernel, stride: r.int(1, 2), padding: r.int(0, Math.floor(kernel / 2)) }, [cur]);
    } else if (kind === 'residual') {
      const c = r.int(2, 8);
      const strides = r.int(1, 2);
      cur = add('Residual', { num_channels: c, use_1x1conv: c !== channels || strides !== 1 || r.next() < 0.3, strides }, [cur]);
      channels = c;
    } else if (kind === 'branch') {
      const concat = r.next() < 0.5;
      const c1 = r.int(2, 6), c2 = concat ? r.int(2, 6) : c1;
      // Same geometry on both sides, so the shapes join: 3×3 'same' and 1×1.
      const a = add('Conv2d', { out_channels: c1, kernel_size: 3, padding: 'same', bias: r.next() < 0.5 }, [cur]);
      const bb = add('Conv2d', { out_channels: c2, kernel_size: 1 }, [cur]);
      const joined = add(concat ? 'Concat' : 'Add', {}, r.next() < 0.5 ? [a, bb] : [bb, a]);
      channels = concat ? c1 + c2 : c1;
      cur = act(joined);
    } else {
      cur = add('AdaptiveAvgPool2d', { output_size: r.pick<ParamValue>([1, 2, 3, [3, 2], 5]) }, [cur]);
    }
  }
  cur = add('Flatten', {}, [cur]);
  if (opts.dropout && r.next() < 0.5) cur = add('Dropout', { p: r.pick([0.2, 0.5]) }, [cur]);
  cur = add('Linear', { out_features: r.int(6, 20), bias: r.next() < 0.8 }, [cur]);
  if (r.next() < 0.4) cur = add('BatchNorm1d', {}, [cur]);
  cur = act(cur);
  add('Linear', { out_features: 10 }, [cur]);
  return { format: 'convstudio.graph', version: 2, name: `random-${seed}`, nodes, edges };
}
