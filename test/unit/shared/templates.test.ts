/**
 * d2l's layer summaries (the book's printed layer_summary tables) and PyTorch's parameter counts
 * for every template.
 * test/fixtures/graphs/torch_reference.json was produced by running the d2l 1.0.3 model code with
 * Debian's PyTorch 1.13 (`/usr/bin/python3 test/fixtures/graphs/torch_reference.py`): for each
 * template, sum(p.numel() for p in net.parameters()) and the shape after every layer.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../../shared/graph/parse';
import { analyzeGraph } from '../../../shared/shapes/index';
import { TEMPLATES, getTemplate } from '../../../shared/templates/index';
import { chainOf, input } from './helpers';

type Rows = [string, number[]][];
const reference = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/graphs/torch_reference.json', import.meta.url)), 'utf8')) as
  Record<string, { params: number; rows?: Rows; shape?: number[] }>;

function analyzed(id: string) {
  const doc = getTemplate(id);
  if (!doc) throw new Error(`no template ${id}`);
  return { doc, a: analyzeGraph(doc) };
}

/** The rows after the Input, as d2l's layer_summary prints them: [module class, shape]. */
function rows(id: string): Rows {
  const { a } = analyzed(id);
  return a.order.filter((n) => n !== a.inputId).map((n) => [a.nodes[n].type, a.nodes[n].shape as number[]]);
}

describe('d2l’s layer summaries', () => {
  it('LeNet at 1×28×28: every row of d2l 7.6', () => {
    expect(rows('lenet')).toEqual([
      ['Conv2d', [1, 6, 28, 28]], ['Sigmoid', [1, 6, 28, 28]], ['AvgPool2d', [1, 6, 14, 14]],
      ['Conv2d', [1, 16, 10, 10]], ['Sigmoid', [1, 16, 10, 10]], ['AvgPool2d', [1, 16, 5, 5]],
      ['Flatten', [1, 400]], ['Linear', [1, 120]], ['Sigmoid', [1, 120]], ['Linear', [1, 84]],
      ['Sigmoid', [1, 84]], ['Linear', [1, 10]],
    ]);
  });

  it('VGG at 1×224×224: the block outputs, Flatten 25088 and the head of d2l 8.2', () => {
    const { a } = analyzed('vgg');
    // d2l prints one row per vgg_block (a Sequential): its output is the block's max-pool.
    expect(['b1_pool', 'b2_pool', 'b3_pool', 'b4_pool', 'b5_pool'].map((id) => a.nodes[id].shape)).toEqual([
      [1, 64, 112, 112], [1, 128, 56, 56], [1, 256, 28, 28], [1, 512, 14, 14], [1, 512, 7, 7],
    ]);
    expect(rows('vgg').slice(-8)).toEqual([
      ['Flatten', [1, 25088]], ['Linear', [1, 4096]], ['ReLU', [1, 4096]], ['Dropout', [1, 4096]],
      ['Linear', [1, 4096]], ['ReLU', [1, 4096]], ['Dropout', [1, 4096]], ['Linear', [1, 10]],
    ]);
  });

  it('ResNet-18 at 1×96×96: stages 64×24×24, 64×24×24, 128×12×12, 256×6×6, 512×3×3, then 10 (d2l 8.6)', () => {
    const { a } = analyzed('resnet18');
    // d2l's rows are the Sequentials b1..b5 and last; here they end at these nodes.
    expect(['stem_pool', 'b2_res2', 'b3_res2', 'b4_res2', 'b5_res2', 'fc'].map((id) => a.nodes[id].shape)).toEqual([
      [1, 64, 24, 24], [1, 64, 24, 24], [1, 128, 12, 12], [1, 256, 6, 6], [1, 512, 3, 3], [1, 10],
    ]);
  });

  it('Residual(3) on 4×3×6×6 gives 4×3×6×6, and Residual(6, use_1x1conv, strides=2) gives 4×6×3×3', () => {
    const plain = analyzeGraph(chainOf([input(3, 6), ['r', 'Residual', { num_channels: 3 }]]), { batch: 4 });
    expect(plain.nodes.r.shape).toEqual(reference['residual(3)'].shape);
    expect(plain.nodes.r.shape).toEqual([4, 3, 6, 6]);
    expect(plain.nodes.r.params).toBe(reference['residual(3)'].params);
    const down = analyzeGraph(chainOf([input(3, 6), ['r', 'Residual', { num_channels: 6, use_1x1conv: true, strides: 2 }]]), { batch: 4 });
    expect(down.nodes.r.shape).toEqual([4, 6, 3, 3]);
    expect(down.nodes.r.params).toBe(reference['residual(6,1x1,2)'].params);
  });
});

describe.each(TEMPLATES.map((t) => [t.id, t] as const))('template %s', (id, t) => {
  const ref = reference[id];

  it(`has PyTorch’s parameter count (${ref.params.toLocaleString('en')})`, () => {
    const { a } = analyzed(id);
    expect(a.ok).toBe(true);
    expect(a.diagnostics).toEqual([]);
    expect(a.totals.params).toBe(ref.params);
  });

  it('matches PyTorch’s shape after every layer', () => {
    const ours = rows(id);
    // PyTorch's Residual rows are single nodes here too, so the row lists line up one to one.
    expect(ours).toEqual(ref.rows);
  });

  it('is an ordinary graph: it round-trips through the file format', () => {
    const doc = t.build();
    const parsed = parseGraph(JSON.stringify(doc));
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.doc).toEqual(doc);
    expect(t.build()).not.toBe(doc);
  });
});

describe('template registry', () => {
  it('LeNet has 61,706 parameters', () => {
    expect(analyzed('lenet').a.totals.params).toBe(61_706);
  });

  it('uses d2l’s input sizes', () => {
    const size = (id: string) => analyzed(id).a.nodes.input.shape;
    expect([size('lenet'), size('bn-lenet'), size('vgg'), size('vgg-small'), size('resnet18')]).toEqual([
      [1, 1, 28, 28], [1, 1, 28, 28], [1, 1, 224, 224], [1, 1, 224, 224], [1, 1, 96, 96],
    ]);
  });

  it('returns null for an unknown id', () => {
    expect(getTemplate('alexnet')).toBeNull();
  });
});

describe('the example graph file test/fixtures/graphs/branches.json', () => {
  it('matches PyTorch (Conv2d "same", [1, 5] kernel, Concat in handle order, Add, max-pool)', () => {
    // Checked with torch 1.13: the same layers built by hand in nn, shapes after each, and
    // sum(p.numel()) = 15,954.
    const text = readFileSync(fileURLToPath(new URL('../../fixtures/graphs/branches.json', import.meta.url)), 'utf8');
    const a = analyzeGraph(parseGraph(text).doc!);
    expect(a.ok).toBe(true);
    expect(['a', 'b', 'cat', 'mix', 'sum', 'pool', 'flatten', 'fc'].map((id) => a.nodes[id].shape)).toEqual([
      [1, 8, 28, 28], [1, 8, 28, 28], [1, 16, 28, 28], [1, 8, 28, 28], [1, 8, 28, 28], [1, 8, 14, 14], [1, 1568], [1, 10],
    ]);
    expect(a.totals.params).toBe(15_954);
    expect(a.inputsOf.sum).toEqual(['mix', 'a']);
  });
});
