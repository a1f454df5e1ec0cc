/**
 * A Conv2d that starts from fixed weights (GraphNode.init, the Kernel lab's "use this kernel")
 * and may be frozen (params.frozen): the file format carries both, the shape engine says when the
 * weights no longer fit, the compiler puts them in place exactly, and the real trainer on the real
 * Fashion-MNIST files leaves a frozen kernel as it was, through a checkpoint and a resume.
 */

import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraph } from '../../../../main/engine-core/compile';
import { runTraining } from '../../../../main/engine/node-trainer';
import { loadFashionMnist, type FashionMnist } from '../../../../main/data/fashion-mnist';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { loadLatestCheckpoint } from '../../../../main/runs/checkpoints';
import { readRunConfig } from '../../../../main/runs/run-folder';
import { writeJsonAtomic } from '../../../../main/common/atomic';
import { parseGraph } from '../../../../shared/graph/parse';
import type { GraphDoc, GraphNode, ParamValue } from '../../../../shared/graph/types';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { chain, grid, predictNCHW } from './graph-helpers';
import { newRun, ofType } from './train-helpers';
import path from 'node:path';

const X3 = grid(3, 3, (i, j) => i * 3 + j);

/** Input → one Conv2d with these params and init. */
function oneConv(input: [number, number, number], params: Record<string, ParamValue>, init?: GraphNode['init']): GraphDoc {
  const doc = chain(input, ['Conv2d', params]);
  if (init) doc.nodes[1].init = init;
  return doc;
}

describe('init in the file format', () => {
  const base = { format: 'convstudio.graph', version: 1, name: 't', edges: [] };
  it.each([
    ['a weight list', { weight: [1, -1] }, true],
    ['weight and bias', { weight: [1, -1], bias: [0.5] }, true],
    ['a string in the weights', { weight: [1, 'x'] }, false],
    ['no weight', { bias: [1] }, false],
    ['a bias that is not a list', { weight: [1], bias: 2 }, false],
    ['too many values', { weight: new Array(65_537).fill(0) }, false],
    ['a list instead of an object', [1, -1], false],
  ] as const)('%s: accepted = %s', (_what, init, accepted) => {
    const r = parseGraph({ ...base, nodes: [{ id: 'k', type: 'Conv2d', params: { out_channels: 1, kernel_size: 1 }, init }] });
    expect(r.doc !== null).toBe(accepted);
    if (accepted) expect(r.doc!.nodes[0].init).toEqual(init);
    else expect(r.diagnostics[0]).toMatchObject({ code: 'bad-node', message: expect.stringContaining('"init"') });
  });

  it('round-trips through JSON text', () => {
    const doc = oneConv([1, 3, 3], { out_channels: 1, kernel_size: 2, bias: false, frozen: true }, { weight: [0, 1, 2, 3] });
    expect(parseGraph(JSON.stringify(doc)).doc).toEqual(doc);
  });
});

describe('the shape engine checks that init fits', () => {
  it.each([
    ['fits: 1 × 1 × 2×2', [1, 3, 3], { out_channels: 1, kernel_size: 2, bias: false }, { weight: [0, 1, 2, 3] }, null],
    ['fits with bias', [2, 3, 3], { out_channels: 3, kernel_size: 1 }, { weight: [1, 2, 3, 4, 5, 6], bias: [0, 0, 1] }, null],
    ['the kernel was enlarged', [1, 3, 3], { out_channels: 1, kernel_size: 3, bias: false }, { weight: [0, 1, 2, 3] }, 'hold 4 values, but 1 output × 1 input channels × a 3×3 kernel need 9'],
    ['the input has more channels', [3, 3, 3], { out_channels: 1, kernel_size: 2, bias: false }, { weight: [0, 1, 2, 3] }, 'need 12'],
    ['bias values with bias off', [1, 3, 3], { out_channels: 1, kernel_size: 2, bias: false }, { weight: [0, 1, 2, 3], bias: [1] }, 'but bias is off'],
    ['a bias for the wrong channel count', [1, 3, 3], { out_channels: 1, kernel_size: 2 }, { weight: [0, 1, 2, 3], bias: [1, 2] }, 'Set out_channels to 2'],
  ] as const)('%s', (_what, input, params, init, message) => {
    const a = analyzeGraph(oneConv(input as unknown as [number, number, number], params, structuredClone(init) as unknown as GraphNode['init']));
    const errors = a.diagnostics.filter((d) => d.code === 'init-mismatch');
    if (message === null) {
      expect(a.diagnostics).toEqual([]);
    } else {
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toContain(message);
      expect(a.nodes.n1.shape).toBeNull();
    }
  });

  it('refuses init on a layer that cannot take it', () => {
    const doc = chain([1, 4, 4], ['MaxPool2d', { kernel_size: 2 }]);
    doc.nodes[1].init = { weight: [1] };
    expect(analyzeGraph(doc).diagnostics).toMatchObject([{ code: 'init-mismatch', message: expect.stringContaining('only Conv2d') }]);
  });
});

describe.each(['cpu', 'wasm'] as const)('the compiler on %s', (backend) => {
  beforeAll(async () => { await initBackend(backend); });

  it('puts PyTorch-ordered weights in place: corr2d_multi_in gives [[56, 72], [104, 120]]', () => {
    const m = compileGraph(oneConv([2, 3, 3], { out_channels: 1, kernel_size: 2, bias: false }, { weight: [0, 1, 2, 3, 1, 2, 3, 4] }));
    expect(predictNCHW(m, [X3, X3.map((r) => r.map((v) => v + 1))])).toEqual([[[56, 72], [104, 120]]]);
  });

  it.each([
    ['given', { weight: [0, 1, 2, 3, 0, 0, 0, 0], bias: [5, -1] }, [[[24, 30], [42, 48]], [[-1, -1], [-1, -1]]]],
    ['left out (zeros)', { weight: [0, 1, 2, 3, 0, 0, 0, 0] }, [[[19, 25], [37, 43]], [[0, 0], [0, 0]]]],
  ] as const)('a bias %s', (_what, init, want) => {
    const m = compileGraph(oneConv([1, 3, 3], { out_channels: 2, kernel_size: 2 }, { weight: [...init.weight], ...('bias' in init ? { bias: [...init.bias] } : {}) }));
    expect(predictNCHW(m, [X3])).toEqual(want);
  });

  it("leaves every other layer's initial weights as they were", () => {
    const doc = chain([1, 6, 6], ['Conv2d', { out_channels: 1, kernel_size: 2, bias: false }], ['Conv2d', { out_channels: 2, kernel_size: 3 }]);
    const withInit = structuredClone(doc);
    withInit.nodes[1].init = { weight: [1, 0, 0, -1] };
    const a = compileGraph(doc, { seed: 3 });
    const b = compileGraph(withInit, { seed: 3 });
    expect(Array.from(b.getLayer('n1').getWeights()[0].dataSync())).toEqual([1, 0, 0, -1]);
    expect(Array.from(b.getLayer('n2').getWeights()[0].dataSync())).toEqual(Array.from(a.getLayer('n2').getWeights()[0].dataSync()));
  });

  it('puts fixed weights on a dilated kernel too: taps 2 apart on 0 … 8 give 0·0 + 2·1 + 6·2 + 8·3 = [[38]]', () => {
    const m = compileGraph(oneConv([1, 3, 3], { out_channels: 1, kernel_size: 2, dilation: 2, bias: false }, { weight: [0, 1, 2, 3] }));
    expect(predictNCHW(m, [X3])).toEqual([[[38]]]);
  });

  it.each([[true, 1], [false, 1], [true, 2], [false, 2]])('frozen = %s (dilation %i) decides whether the optimizer sees the weights', (frozen, dilation) => {
    const m = compileGraph(chain([1, 6, 6], ['Conv2d', { out_channels: 1, kernel_size: 2, dilation, frozen }], ['Conv2d', { out_channels: 2, kernel_size: 3 }]));
    const names = m.trainableWeights.map((w) => w.originalName);
    expect(names.some((n) => n.startsWith('n1/'))).toBe(!frozen);
    expect(names.some((n) => n.startsWith('n2/'))).toBe(true);
    expect(m.weights.filter((w) => w.originalName.startsWith('n1/'))).toHaveLength(2);
  });
});

const haveData = existsSync(path.join(SYSTEM_DATA_DIR, 't10k-images-idx3-ubyte.gz'));

describe.skipIf(!haveData)('training with a kernel from the lab (wasm, real Fashion-MNIST)', () => {
  let data: FashionMnist;
  beforeAll(async () => { data = await loadFashionMnist({ dir: SYSTEM_DATA_DIR }); });

  const net = (frozen: boolean): GraphDoc => {
    const doc = chain([1, 28, 28],
      ['Conv2d', { out_channels: 1, kernel_size: [1, 2], bias: false, frozen }],
      ['Conv2d', { out_channels: 4, kernel_size: 3, stride: 2 }], ['ReLU', {}],
      ['Flatten', {}], ['Linear', { out_features: 10 }]);
    doc.nodes[1].init = { weight: [1, -1] };
    return doc;
  };
  const train = (runDir: string, resume = false) => runTraining(runDir, { emit: () => {}, shouldStop: () => false }, { data, resume });
  const kernelOf = async (runDir: string, layer: string) => {
    const { loaded } = await loadLatestCheckpoint(runDir);
    const w = Array.from(loaded!.model.getLayer(layer).getWeights()[0].dataSync());
    loaded!.model.dispose();
    return w;
  };

  it('a frozen kernel stays [1, −1] through training, a checkpoint and a resume; the rest learns', async () => {
    const { runDir } = newRun(net(true), { epochs: 1, batchSize: 32, lr: 0.1, limit: 256, valLimit: 64 });
    expect(await train(runDir)).toBe('done');
    expect(await kernelOf(runDir, 'n1')).toEqual([1, -1]);
    const before = await kernelOf(runDir, 'n2');
    writeJsonAtomic(path.join(runDir, 'config.json'), { ...readRunConfig(runDir), config: { ...readRunConfig(runDir).config, epochs: 2 } });
    expect(await train(runDir, true)).toBe('done');
    expect(await kernelOf(runDir, 'n1')).toEqual([1, -1]);
    expect(await kernelOf(runDir, 'n2')).not.toEqual(before);
  });

  it('the same kernel not frozen is trained like any other', async () => {
    const events: { event: string }[] = [];
    const { runDir } = newRun(net(false), { epochs: 1, batchSize: 32, lr: 0.1, limit: 256, valLimit: 64 });
    expect(await runTraining(runDir, { emit: (e) => events.push(e), shouldStop: () => false }, { data })).toBe('done');
    expect(ofType(events as never, 'error')).toEqual([]);
    expect(await kernelOf(runDir, 'n1')).not.toEqual([1, -1]);
  });
});
