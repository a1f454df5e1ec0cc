/**
 * Strided windows in the compiled step, over several steps against PyTorch float64: convolutions
 * and pools whose stride leaves the last padded row and column unread (3×3 stride 2 pad 1 on an
 * even size: oneDNN's right padding 0, not PyTorch's 1) or leaves input rows unread (1×1 stride 2
 * on an even size: right padding −1), on even and odd sizes, with few and many channels (oneDNN
 * picks other kernels from 16 channels on), and d2l's downsampling Residual. One step can hide a
 * wrong gradient that only a few steps reveal, so each case runs three.
 *
 * What this found was not the windows (their right padding was already the output's) but the batch
 * statistics: oneDNN's float32 sums over N·H·W values moved a following ReLU's input that was
 * within ~1e-6 of 0 to the other side (net.cc now takes them in double).
 */

import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphDoc, GraphNode } from '../../../../../../shared/graph/types';
import { loadAddon } from '../../../../../../main/engine/backends/native/addon';
import { batches, initialWeights, runCompiled, runTorch, torchAvailable, updateErrors, worst, type Batch, type Run, type TorchCase } from './compiled-helpers';

const native = loadAddon().addon?.CompiledNet ? '' : `strided compiled step tests skipped: ${loadAddon().reason === 'ok' ? 'the addon lacks CompiledNet (npm run build:native)' : loadAddon().reason}`;
const skip = native || (torchAvailable ? '' : 'strided compiled step tests skipped: /usr/bin/python3 cannot import torch (apt-get install -y python3-torch)');
if (skip) console.warn(skip);

const TOL = 1e-4;
const STEPS = 3;

type Layer = Pick<GraphNode, 'type' | 'params'>;
const LAYERS: [string, Layer][] = [
  ['conv 3x3 s2 p1', { type: 'Conv2d', params: { out_channels: 8, kernel_size: 3, stride: 2, padding: 1 } }],
  ['conv 1x1 s2', { type: 'Conv2d', params: { out_channels: 8, kernel_size: 1, stride: 2, padding: 0 } }],
  ['conv 2x2 s2', { type: 'Conv2d', params: { out_channels: 8, kernel_size: 2, stride: 2, padding: 0, bias: false } }],
  ['conv 3x3 s3 p1', { type: 'Conv2d', params: { out_channels: 8, kernel_size: 3, stride: 3, padding: 1 } }],
  ['maxpool 3x3 s2 p1', { type: 'MaxPool2d', params: { kernel_size: 3, stride: 2, padding: 1 } }],
  ['maxpool 2x2 s2', { type: 'MaxPool2d', params: { kernel_size: 2, stride: 2 } }],
  ['avgpool 3x3 s2 p1', { type: 'AvgPool2d', params: { kernel_size: 3, stride: 2, padding: 1 } }],
  ['residual 1x1conv s2', { type: 'Residual', params: { num_channels: 8, use_1x1conv: true, strides: 2 } }],
];

/**
 * Input (size²) → 3×3 conv to `channels` → BatchNorm → ReLU → the strided layer → ReLU → Flatten →
 * Linear 10: the strided layer reads a batch-normalised ReLU output, as in ResNet. The stem has
 * no bias: before a batch norm its exact gradient is 0 and its float32 update pure noise.
 */
function graph(layer: Layer, size: number, channels: number): GraphDoc {
  const chain: GraphNode[] = [
    { id: 'input', type: 'Input', params: { channels: 1, height: size, width: size } },
    { id: 'stem', type: 'Conv2d', params: { out_channels: channels, kernel_size: 3, padding: 1, bias: false } },
    { id: 'bn0', type: 'BatchNorm2d', params: {} },
    { id: 'r0', type: 'ReLU', params: {} },
    { id: 'strided', type: layer.type, params: layer.params },
    { id: 'r1', type: 'ReLU', params: {} },
    { id: 'flat', type: 'Flatten', params: {} },
    { id: 'head', type: 'Linear', params: { out_features: 10 } },
  ];
  return {
    format: 'convstudio.graph', version: 2, name: `strided ${layer.type} @${size} ×${channels}`,
    nodes: chain, edges: chain.slice(1).map((n, i) => ({ source: chain[i].id, target: n.id })),
  };
}

interface Case { name: string; doc: GraphDoc }
const CASES: Case[] = LAYERS.flatMap(([label, layer]) => [28, 15, 14].flatMap((size) => [4, 32].map((channels): Case => ({
  name: `${label} on ${size}×${size}, ${channels} channels`, doc: graph(layer, size, channels),
}))));

const results = new Map<string, { c: Run; torch: Run | { error: string }; w0: ReturnType<typeof initialWeights> }>();

describe.skipIf(!!skip)('compiled step: strided convolutions and pools over three SGD steps against PyTorch', () => {
  beforeAll(async () => {
    const torchCases: TorchCase[] = [];
    const own: { name: string; c: Run; w0: ReturnType<typeof initialWeights> }[] = [];
    const data = new Map<number, Batch[]>();
    for (const k of CASES) {
      const size = k.doc.nodes[0].params.height as number;
      if (!data.has(size)) data.set(size, await batches(k.doc, 8, STEPS, 0.05));
      const steps = data.get(size)!;
      const w0 = initialWeights(k.doc);
      own.push({ name: k.name, c: runCompiled(k.doc, w0, steps), w0 });
      torchCases.push({ name: k.name, doc: k.doc, w0, steps });
    }
    const torch = runTorch(torchCases);
    for (const o of own) results.set(o.name, { ...o, torch: torch.get(o.name)! });
  }, 10 * 60_000);

  it.each(CASES.map((k) => [k.name] as const))('%s', (name) => {
    const r = results.get(name)!;
    if ('error' in r.torch) throw new Error(`PyTorch: ${r.torch.error}`);
    const t = r.torch;
    r.c.losses.forEach((l, i) => expect(Math.abs(l - t.losses[i]) / t.losses[i], `loss at step ${i + 1}`).toBeLessThan(1e-5));
    const w = worst(updateErrors(r.w0, r.c.weights, t.weights));
    expect(w.error, `${w.name} (update scale ${w.scale.toExponential(2)})`).toBeLessThanOrEqual(TOL);
  });
});
