/**
 * d2l's layer summaries (the book's printed layer_summary tables) and PyTorch's parameter counts
 * for every template.
 * test/fixtures/graphs/torch_reference.json was produced by running the d2l 1.0.3 model code with
 * Debian's PyTorch 1.13 (`/usr/bin/python3 test/fixtures/graphs/torch_reference.py`): for each
 * template, sum(p.numel() for p in net.parameters()) and the class and output shape of every
 * top-level module of `net`, as d2l's layer_summary prints them (a vgg_block is a Sequential row).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../../shared/graph/parse';
import { analyzeGraph } from '../../../shared/shapes/index';
import { TEMPLATES, getTemplate } from '../../../shared/templates/index';
import type { ParamValue } from '../../../shared/graph/types';
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
  return a.order.filter((n) => n !== a.inputId).map((n) => [a.nodes[n].torch, a.nodes[n].shape as number[]]);
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

  it('VGG at 1×224×224: five vgg_block rows (Sequential), Flatten 25088 and the head, as d2l 8.2 prints them', () => {
    expect(rows('vgg')).toEqual([
      ['Sequential', [1, 64, 112, 112]], ['Sequential', [1, 128, 56, 56]], ['Sequential', [1, 256, 28, 28]],
      ['Sequential', [1, 512, 14, 14]], ['Sequential', [1, 512, 7, 7]],
      ['Flatten', [1, 25088]], ['Linear', [1, 4096]], ['ReLU', [1, 4096]], ['Dropout', [1, 4096]],
      ['Linear', [1, 4096]], ['ReLU', [1, 4096]], ['Dropout', [1, 4096]], ['Linear', [1, 10]],
    ]);
  });

  it('ResNet-18 at 1×96×96: six Sequential rows 64×24×24, 64×24×24, 128×12×12, 256×6×6, 512×3×3, 10, as d2l 8.6 prints them', () => {
    expect(rows('resnet18')).toEqual([
      ['Sequential', [1, 64, 24, 24]], ['Sequential', [1, 64, 24, 24]], ['Sequential', [1, 128, 12, 12]],
      ['Sequential', [1, 256, 6, 6]], ['Sequential', [1, 512, 3, 3]], ['Sequential', [1, 10]],
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

describe('the book’s block examples, as their template blocks', () => {
  /** One block node of a template's definitions on an input of the given NCHW shape. */
  function blockOn(template: string, type: string, params: Record<string, ParamValue>, [n, c, h, w]: number[]) {
    const doc = getTemplate(template)!;
    const g = chainOf([input(c, h, w), ['blk', type, params]]);
    return analyzeGraph({ ...g, blocks: doc.blocks }, { batch: n }).nodes.blk;
  }

  it.each([
    ['resnext(32,16,1)', 'resnext', 'ResNeXtBlock', { num_channels: 32, groups: 16, bot_mul: 1 }, [4, 32, 96, 96]],
    ['resnext(64,16,0.5,1x1,2)', 'resnext', 'ResNeXtBlock', { num_channels: 64, groups: 16, bot_mul: 0.5, use_1x1conv: true, strides: 2 }, [2, 32, 12, 12]],
    ['inception(64,(96,128),(16,32),32)', 'googlenet', 'block:Inception', { c1: 64, c2: [96, 128], c3: [16, 32], c4: 32 }, [1, 192, 12, 12]],
    ['bottleneck(16)', 'resnet50', 'block:Bottleneck', { num_channels: 16 }, [4, 64, 8, 8]],
    ['bottleneck(16,1x1,2)', 'resnet50', 'block:BottleneckDown', { num_channels: 16, strides: 2 }, [4, 3, 8, 8]],
    ['preact(3)', 'preact-resnet18', 'block:PreActResidual', { num_channels: 3 }, [4, 3, 6, 6]],
    ['preact(6,1x1,2)', 'preact-resnet18', 'block:PreActResidualDown', { num_channels: 6, strides: 2 }, [4, 3, 6, 6]],
    ['denseblock(2,10)', 'densenet', 'block:DenseBlock', { num_convs: 2, num_channels: 10 }, [4, 3, 8, 8]],
    ['transition(10)', 'densenet', 'block:transition_block', { num_channels: 10 }, [4, 23, 8, 8]],
  ] as const)('%s: PyTorch’s output shape and parameter count', (key, template, type, params, shape) => {
    const info = blockOn(template, type, params as Record<string, ParamValue>, [...shape]);
    expect(info.diagnostics).toEqual([]);
    expect([info.shape, info.params]).toEqual([reference[key].shape, reference[key].params]);
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

  it('matches PyTorch’s class and shape after every top-level module (d2l’s layer_summary)', () => {
    expect(rows(id)).toEqual(ref.rows);
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
    const size = (id: string) => analyzed(id).a.nodes.input.shape?.[2];
    expect(Object.fromEntries(TEMPLATES.map((t) => [t.id, size(t.id)]))).toEqual({
      lenet: 28, 'bn-lenet': 28, alexnet: 224, vgg: 224, 'vgg-small': 224, vgg16: 224, vgg19: 224, nin: 224, googlenet: 96,
      resnet18: 96, resnet50: 96, 'preact-resnet18': 96, resnext: 96, densenet: 96,
    });
  });

  it('returns null for an unknown id', () => {
    expect(getTemplate('lenet-7')).toBeNull();
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
