/**
 * A network with the Kernel lab's fixed kernels exported to PyTorch: build_model() starts each
 * such Conv2d at its kernel (a top-level layer and one inside a block), a frozen one does not
 * require gradients, and `python train.py` leaves the frozen kernel as it was while it trains the
 * other one, as ConvStudio's trainer does (test/unit/main/engine/init-frozen.test.ts).
 */

import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { parseGraph } from '../../../../shared/graph/parse';
import { HAS_TORCH, NEEDS_TORCH, PYTHON, cli, printed, run, tmpDir } from './helpers';

const EDGE = [1, -1];
/** A vertical-edge detector of 1×3 (bias 0.5), fixed but trained, inside a block. */
const EDGE3 = { weight: [1, 0, -1], bias: [0.5] };

const GRAPH = {
  format: 'convstudio.graph', version: 2, name: 'Edges',
  blocks: {
    edge_relu: {
      nodes: [
        { id: 'conv', type: 'Conv2d', params: { out_channels: 1, kernel_size: [1, 3] }, init: EDGE3 },
        { id: 'relu', type: 'ReLU' },
      ],
      edges: [{ source: 'in', target: 'conv' }, { source: 'conv', target: 'relu' }],
    },
  },
  nodes: [
    { id: 'input', type: 'Input', params: { channels: 1, height: 28, width: 28 } },
    { id: 'k', type: 'Conv2d', params: { out_channels: 1, kernel_size: [1, 2], bias: false, frozen: true }, init: { weight: EDGE } },
    { id: 'b', type: 'block:edge_relu' },
    { id: 'flat', type: 'Flatten' },
    { id: 'fc', type: 'Linear', params: { out_features: 10 } },
  ],
  edges: [
    { source: 'input', target: 'k' }, { source: 'k', target: 'b' }, { source: 'b', target: 'flat' }, { source: 'flat', target: 'fc' },
  ],
};

/** What build_model() and (given a checkpoint) train.py made of the fixed layers. */
const INSPECT = `
import json, sys
import torch
from model import FIXED_WEIGHTS, FROZEN, build_model
m = build_model()
if len(sys.argv) > 1:
    m.load_state_dict(torch.load(sys.argv[1], map_location='cpu')['model'])
layer = lambda p: m.get_submodule(p)
print(json.dumps({
    'fixed': {p: {'weight': layer(p).weight.flatten().tolist(),
                  'bias': None if layer(p).bias is None else layer(p).bias.tolist()} for p in FIXED_WEIGHTS},
    'frozen': FROZEN,
    'needs_grad': {n: q.requires_grad for n, q in m.named_parameters()},
}))
`;

describe.skipIf(!HAS_TORCH)(`the Kernel lab's fixed kernels in model.py and train.py (${NEEDS_TORCH})`, () => {
  it('start where ConvStudio starts them; the frozen one stays put in train.py, the other trains', async () => {
    const doc = parseGraph(JSON.stringify(GRAPH)).doc;
    expect(doc && analyzeGraph(doc).ok).toBe(true);
    const dir = tmpDir('cs-fixed-');
    const file = path.join(dir, 'edges.json');
    writeFileSync(file, JSON.stringify(GRAPH));
    const out = path.join(dir, 'export');
    const exported = await cli(['export', file, '--to', 'pytorch', '--out', out]);
    expect(exported.code, printed(exported)).toBe(0);
    writeFileSync(path.join(out, 'check_fixed.py'), INSPECT);

    const fresh = await run(PYTHON, ['check_fixed.py'], { cwd: out, env: { OMP_NUM_THREADS: '1' } });
    expect(fresh.code, printed(fresh)).toBe(0);
    const start = JSON.parse(fresh.stdout);
    const paths = Object.keys(start.fixed);
    const top = paths.find((p) => p.endsWith('k')) as string;
    const inner = paths.find((p) => p !== top) as string;
    expect(paths).toHaveLength(2);
    expect(inner).toMatch(/\.conv$/);
    expect(start.fixed[top]).toEqual({ weight: EDGE, bias: null });
    expect(start.fixed[inner].weight).toEqual(EDGE3.weight);
    expect(start.fixed[inner].bias).toEqual(EDGE3.bias);
    expect(start.frozen).toEqual([top]);
    // Only the frozen layer's parameters need no gradient.
    expect(Object.entries(start.needs_grad).filter(([, g]) => !g).map(([n]) => n)).toEqual([`${top}.weight`]);

    const trained = path.join(dir, 'torch-run');
    const t = await run(PYTHON, ['train.py', '--device', 'cpu', '--epochs', '1', '--limit', '512', '--val-limit', '128', '--batch-size', '64', '--lr', '0.5', '--out', trained],
      { cwd: out, env: { OMP_NUM_THREADS: '1' }, timeoutMs: 300_000 });
    expect(t.code, printed(t)).toBe(0);
    const after = await run(PYTHON, ['check_fixed.py', path.join(trained, 'checkpoint.pt')], { cwd: out, env: { OMP_NUM_THREADS: '1' } });
    expect(after.code, printed(after)).toBe(0);
    const end = JSON.parse(after.stdout);
    expect(end.fixed[top].weight).toEqual(EDGE);
    expect(end.fixed[inner].weight).not.toEqual(EDGE3.weight);
  }, 600_000);
});
