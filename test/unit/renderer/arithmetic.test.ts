import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../shared/shapes/analyze';
import { getTemplate } from '../../../shared/templates/index';
import { nodeArithmetic } from '../../../renderer/model/arithmetic';
import { chainOf, input } from '../shared/helpers';

/** Evaluates a printed formula independently: ⌊·⌋ is floor, · is ×, − is minus. */
function evaluate(text: string): number {
  const [expr, shown] = text.split(' = ');
  const js = expr.replace(/⌊/g, 'Math.floor(').replace(/⌋/g, ')').replace(/·/g, '*').replace(/−/g, '-');
  expect(js).toMatch(/^[\d\s+\-*/().Mathflor]+$/);
  const value = new Function(`return ${js};`)() as number;
  expect(Number(shown.replace('−', '-').replace(/,/g, ''))).toBe(value);
  return value;
}

const lineOf = (doc: ReturnType<typeof chainOf>, id: string) => {
  const a = analyzeGraph(doc);
  const node = doc.nodes.find((n) => n.id === id)!;
  return nodeArithmetic(node, a.inputsOf[id].map((s) => a.nodes[s].shape));
};

describe('the inspector’s arithmetic', () => {
  it('LeNet conv2: the formula from the issue, for a valid layer', () => {
    const lines = lineOf(getTemplate('lenet')!, 'conv2');
    expect(lines).toEqual([
      { what: 'C', text: 'out_channels = 16' },
      { what: 'H', text: '⌊(14 + 2·0 − 1·(5 − 1) − 1)/1⌋ + 1 = 10' },
      { what: 'W', text: '⌊(14 + 2·0 − 1·(5 − 1) − 1)/1⌋ + 1 = 10' },
      { what: 'params', text: '16·6·5·5 + 16 = 2,416' },
    ]);
  });

  it.each([
    ['flatten', 'features', '16·5·5 = 400'],
    ['fc1', 'params', '400·120 + 120 = 48,120'],
    ['pool1', 'H', '⌊(28 + 2·0 − 1·(2 − 1) − 1)/2⌋ + 1 = 14'],
    ['sigmoid1', 'shape', 'unchanged: 6×28×28'],
  ])('LeNet %s %s: %s', (id, what, text) => {
    expect(lineOf(getTemplate('lenet')!, id).find((l) => l.what === what)?.text).toBe(text);
  });

  it('a broken layer shows the negative size PyTorch would refuse', () => {
    const doc = getTemplate('lenet')!;
    doc.nodes.find((n) => n.id === 'conv1')!.params.kernel_size = 40;
    expect(lineOf(doc, 'conv1').find((l) => l.what === 'H')?.text).toBe('⌊(28 + 2·2 − 1·(40 − 1) − 1)/1⌋ + 1 = −7');
  });

  it('"same" padding, asymmetric for an even kernel, is written out per side', () => {
    const doc = chainOf([input(1, 9), ['c', 'Conv2d', { out_channels: 1, kernel_size: [4, 3], padding: 'same' }]]);
    expect(lineOf(doc, 'c').filter((l) => l.what === 'H' || l.what === 'W').map((l) => l.text)).toEqual(['⌊(9 + 1 + 2 − 1·(4 − 1) − 1)/1⌋ + 1 = 9', '⌊(9 + 2·1 − 1·(3 − 1) − 1)/1⌋ + 1 = 9']);
  });

  it('nothing when an input’s shape is unknown', () => {
    expect(nodeArithmetic({ id: 'c', type: 'Conv2d', params: { out_channels: 1, kernel_size: 3 } }, [null])).toEqual([]);
  });

  it('agrees with the engine for any conv or pooling layer (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom('Conv2d', 'MaxPool2d', 'AvgPool2d'),
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }),
      (h, w, type, k, s, p, d) => {
        const params: Record<string, number> = type === 'Conv2d' ? { out_channels: 3, kernel_size: k, stride: s, padding: p, dilation: d } : { kernel_size: k, stride: s, padding: Math.min(p, Math.floor(k / 2)) };
        const doc = chainOf([input(2, h, w), ['x', type, params]]);
        const shape = analyzeGraph(doc).nodes.x.shape;
        const lines = lineOf(doc, 'x');
        const hv = evaluate(lines.find((l) => l.what === 'H')!.text);
        const wv = evaluate(lines.find((l) => l.what === 'W')!.text);
        if (shape) expect([hv, wv]).toEqual([shape[2], shape[3]]);
        else expect(Math.min(hv, wv)).toBeLessThan(1);
        if (type === 'Conv2d' && shape) expect(evaluate(lines.find((l) => l.what === 'params')!.text)).toBe(analyzeGraph(doc).nodes.x.params);
      },
    ), { numRuns: 1000 });
  });
});
