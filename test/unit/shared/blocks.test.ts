/**
 * Block definitions (format version 2): a block node is exactly its expansion, definitions are
 * checked once with plain messages, arguments substitute into expressions, and version 1 files
 * migrate unchanged.
 */

import { describe, expect, it } from 'vitest';
import { buildLibrary } from '../../../shared/graph/blocks';
import { evaluate, expressionProblem } from '../../../shared/graph/expr';
import { flattenDoc } from '../../../shared/graph/flatten';
import { parseGraph } from '../../../shared/graph/parse';
import { formatD2lSummary, formatSummary } from '../../../shared/graph/summary';
import type { BlockDef, GraphDoc, ParamValue } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/index';
import { chainBlock } from '../../../shared/templates/chain';
import { TEMPLATES, getTemplate } from '../../../shared/templates/index';
import { BLOCK_CASES, withBlocks } from './block-cases';
import { chainOf, input } from './helpers';

describe('a block is exactly its expansion (shape engine)', () => {
  it.each([...BLOCK_CASES, ...TEMPLATES.filter((t) => t.build().blocks).map((t) => [`template ${t.id}`, t.build()] as [string, GraphDoc])])(
    '%s: the same shapes, receptive fields, parameters and MACs',
    (_name, doc) => {
      const block = analyzeGraph(doc);
      const flatDoc = flattenDoc(doc);
      const flat = analyzeGraph(flatDoc);
      expect(block.diagnostics).toEqual([]);
      expect(flat.diagnostics).toEqual([]);
      expect(flatDoc.blocks).toBeUndefined();
      // Every node of the flat graph is a layer: no block, no repeat is left.
      expect(flatDoc.nodes.every((n) => !n.type.startsWith('block:') && n.repeat === undefined && !['Residual', 'ResNeXtBlock'].includes(n.type))).toBe(true);
      expect(flat.totals).toEqual(block.totals);
      expect(flat.nodes[flat.outputId!].shape).toEqual(block.nodes[block.outputId!].shape);
      // Each block's output is the flat node its output became; their numbers agree.
      for (const id of block.order) {
        const out = flat.nodes[id] ?? flat.nodes[flatDoc.nodes.filter((n) => n.id.startsWith(`${id}.`)).map((n) => n.id).find((fid) => !flatDoc.edges.some((e) => e.source === fid && e.target.startsWith(`${id}.`)))!];
        expect([id, out.shape, out.rf]).toEqual([id, block.nodes[id].shape, block.nodes[id].rf]);
        const inside = flatDoc.nodes.filter((n) => n.id === id || n.id.startsWith(`${id}.`));
        expect([id, inside.reduce((s, n) => s + flat.nodes[n.id].params, 0), inside.reduce((s, n) => s + flat.nodes[n.id].macs, 0)])
          .toEqual([id, block.nodes[id].params, block.nodes[id].macs]);
      }
    },
  );

  it('inner layers are named by module path in the expansion and in messages', () => {
    const flat = flattenDoc(BLOCK_CASES[0][1]);
    expect(flat.nodes.map((n) => n.id)).toEqual([
      'input', 'b1.convs.0.conv', 'b1.convs.0.relu', 'b1.convs.1.conv', 'b1.convs.1.relu', 'b1.pool', 'b2.convs.0.conv', 'b2.convs.0.relu', 'b2.pool', 'f', 'fc',
    ]);
    const tooSmall = withBlocks(chainOf([input(1, 2), ['b1', 'block:vgg_block', { num_convs: 1, out_channels: 4 }], ['b2', 'block:vgg_block', { num_convs: 1, out_channels: 4 }]]), getTemplate('vgg')!.blocks!);
    const a = analyzeGraph(tooSmall);
    expect(a.nodes.b2.diagnostics.map((d) => d.message)).toEqual([
      'MaxPool2d b2.pool: kernel 2 is larger than the padded input 1 (1 + 2·0), so the output would be 0×0. Reduce kernel_size to at most 1×1 or remove earlier downsampling.',
    ]);
  });
});

describe('the summary of a block network', () => {
  it('prints d2l’s top-level rows, and a line per block inside each block', () => {
    const doc = BLOCK_CASES[1][1];
    const a = analyzeGraph(doc);
    expect(formatD2lSummary(a).split('\n').map((l) => l.split(' ')[0])).toEqual(['Sequential', 'Sequential', 'Sequential', 'Sequential']);
    const lines = formatSummary(doc, a).split('\n');
    expect(lines.filter((l) => /^ +b3\./.test(l)).map((l) => l.trim().split(/ {2,}/).slice(0, 3))).toEqual([
      ['b3.res1', 'Residual', '[1, 8, 3, 3]'], ['b3.res2', 'Residual ×2', '[1, 8, 3, 3]'], ['b3.res2.0', 'Residual', '[1, 8, 3, 3]'], ['b3.res2.1', 'Residual', '[1, 8, 3, 3]'],
    ]);
    // Each block line carries its own totals: the stage is the sum of its Residuals.
    const count = (path: string) => Number(lines.find((l) => l.trim().startsWith(`${path} `))!.trim().split(/ {2,}/)[3].replace(/,/g, ''));
    expect(count('b3')).toBe(count('b3.res1') + count('b3.res2'));
    expect(count('b3.res2')).toBe(count('b3.res2.0') + count('b3.res2.1'));
  });
});

describe('arguments and expressions', () => {
  it.each([
    ['$a', { a: 3 }, 3], ['$a - 1', { a: 3 }, 2], ['2 * ($a + $b) // 3', { a: 2, b: 3 }, 3], ['$p[1]', { p: [4, 5] }, 5], ['$p[0]', { p: 7 }, 7],
    ['-$a % 4', { a: 5 }, 3], ['$flag', { flag: true }, true], ['$a / 4', { a: 2 }, 0.5],
  ] as const)('%s with %j is %j (Python’s arithmetic)', (text, args, value) => {
    expect(evaluate(text, args as Record<string, ParamValue>)).toEqual(value);
  });

  it.each([
    ['$', '"$" must be followed by a param name'], ['$a +', 'the expression ends too early'], ['($a', 'a "(" is not closed'],
    ['$a ** 2', 'unexpected "*"'], ['$a $b', 'unexpected "$b"'], ['$a; 1', 'unexpected ";"'],
  ])('%s is refused: %s', (text, why) => {
    expect(expressionProblem(text)).toContain(why);
  });

  it('an argument that breaks an inner layer is reported in that layer’s words; a repeat below 0 names the expression', () => {
    const stage = chainBlock([{ name: 'n', type: 'int', min: 0 }], [{ id: 'first', type: 'ReLU' }, { id: 'rest', type: 'ReLU', repeat: '$n - 1' }]);
    const a = analyzeGraph(withBlocks(chainOf([input(1, 8), ['s', 'block:stage', { n: 0 }]]), { stage }));
    expect(a.nodes.s.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['bad-block', 'stage s: rest: repeat "$n - 1" is -1; it must be a whole number from 0 to 1000.'],
    ]);
    const vgg = getTemplate('vgg')!.blocks!;
    const b = analyzeGraph(withBlocks(chainOf([input(1, 8), ['v', 'block:vgg_block', { num_convs: 1, out_channels: 2.5 }]]), vgg));
    expect(b.nodes.v.diagnostics.map((d) => d.message)).toEqual(['vgg_block v: out_channels must be a whole number from 1 to 16777216; it is 2.5.']);
    const c = analyzeGraph(withBlocks(chainOf([input(1, 8), ['v', 'block:vgg_block', { num_convs: 1 }]]), vgg));
    expect(c.nodes.v.diagnostics[0].code).toBe('missing-param');
  });
});

describe('definitions are checked once, with plain messages', () => {
  const relu = { id: 'r', type: 'ReLU', params: {} };
  it.each([
    ['an inner graph with two outputs', { params: [], nodes: [relu, { id: 's', type: 'Sigmoid', params: {} }], edges: [{ source: 'in', target: 'r' }, { source: 'in', target: 's' }] }, 'Block b: it has 2 outputs (r, s); a block has one. Merge them (Add, Concat) or delete the extra ones.'],
    ['a node nothing feeds', { params: [], nodes: [relu, { id: 's', type: 'Sigmoid', params: {} }], edges: [{ source: 'in', target: 'r' }, { source: 's', target: 'r' }] }, 'Block b: node r takes one input and has 2.'],
    ['an Input inside', { params: [], nodes: [{ id: 'i', type: 'Input', params: {} }], edges: [] }, 'Block b: node i: a block takes its input from "in", not from an Input node.'],
    ['a cycle', { params: [], nodes: [relu, { id: 'a', type: 'Add', params: {} }], edges: [{ source: 'in', target: 'a' }, { source: 'r', target: 'a' }, { source: 'a', target: 'r' }] }, 'Block b: its nodes r, a are on a cycle; data must flow one way from "in".'],
    ['an unknown param in an expression', { params: [], nodes: [{ id: 'c', type: 'Conv2d', params: { out_channels: '$width', kernel_size: 1 } }], edges: [{ source: 'in', target: 'c' }] }, 'Block b: node c: out_channels "$width" uses $width, which is not a param of b.'],
    ['a bad default', { params: [{ name: 'n', type: 'int', min: 1, default: 0 }], nodes: [relu], edges: [{ source: 'in', target: 'r' }] }, 'Block b: param n: its default must be a whole number from 1 to 16777216.'],
    ['an id that is not a name', { params: [], nodes: [{ id: 'x.y', type: 'ReLU', params: {} }], edges: [{ source: 'in', target: 'x.y' }] }, 'Block b: node x.y: inner ids are names like conv1 (letters, digits, _), so they can be module names.'],
    ['no layers', { params: [], nodes: [], edges: [] }, 'Block b: it has no layers; add some and connect the first to "in".'],
  ] as [string, BlockDef, string][])('%s', (_name, def, message) => {
    const a = analyzeGraph(withBlocks(chainOf([input(1, 4), ['n', 'block:b']]), { b: def }));
    expect(a.diagnostics.find((d) => d.code === 'bad-block' && d.block?.name === 'b')?.message).toBe(message);
    // The node that uses it says it cannot be used, rather than computing something wrong.
    expect(a.nodes.n.shape).toBeNull();
    expect(a.nodes.n.diagnostics[0].message).toMatch(/^b n: block b cannot be used: /);
  });

  it('blocks that use each other in a circle are refused, and nothing expands forever', () => {
    const loop = (other: string): BlockDef => chainBlock([], [{ id: 'x', type: `block:${other}` }]);
    const a = analyzeGraph(withBlocks(chainOf([input(1, 4), ['n', 'block:a']]), { a: loop('b'), b: loop('a') }));
    expect(a.diagnostics.filter((d) => d.code === 'bad-block' && !d.nodeId).map((d) => d.message)).toEqual([
      'Block a: it uses itself (a → b → a); a block cannot contain itself.', 'Block b: it uses itself (a → b → a); a block cannot contain itself.',
    ]);
  });

  it('a node of a block the document does not define is an unknown type, with the blocks it has', () => {
    const a = analyzeGraph(withBlocks(chainOf([input(1, 4), ['n', 'block:vgg']]), getTemplate('vgg')!.blocks!));
    expect(a.nodes.n.diagnostics.map((d) => [d.code, d.message])).toEqual([['unknown-type', 'n: the block "vgg" is not defined in this document (its blocks: conv_relu, vgg_block). Replace or delete it.']]);
  });

  it('an expansion too large to walk stops with too-large instead of running for ever', () => {
    const wide = chainBlock([], [{ id: 'r', type: 'ReLU', repeat: 1000 }]);
    const nest = chainBlock([], [{ id: 'w', type: 'block:wide', repeat: 1000 }]);
    const a = analyzeGraph(withBlocks(chainOf([input(1, 2), ['n', 'block:nest']]), { wide, nest }));
    expect(a.nodes.n.diagnostics.map((d) => d.code)).toEqual(['too-large']);
  });

  it('the PyTorch class: Sequential for a chain, the block’s name for a graph, or what `torch` says', () => {
    const lib = buildLibrary({ ...getTemplate('densenet')!.blocks!, ...getTemplate('googlenet')!.blocks! });
    expect(['conv_block', 'dense_layer', 'DenseBlock', 'Inception', 'b3'].map((n) => lib.entries.get(n)!.spec.torch)).toEqual(['Sequential', 'dense_layer', 'DenseBlock', 'Inception', 'Sequential']);
  });

  it('a repeat needs a node with one input', () => {
    const doc = chainOf([input(1, 4), ['a', 'ReLU'], ['m', 'Add']]);
    doc.edges.push({ source: 'input', target: 'm' });
    doc.nodes[2].repeat = 2;
    expect(analyzeGraph(doc).nodes.m.diagnostics.map((d) => d.message)).toContain('Add m: only a node with one input can be repeated (each copy feeds the next); remove repeat.');
  });
});

describe('the file format, version 2', () => {
  it('a template with blocks round-trips through the text format', () => {
    for (const t of TEMPLATES) {
      const doc = t.build();
      expect(parseGraph(JSON.stringify(doc))).toEqual({ doc, diagnostics: [] });
    }
  });

  it.each([
    ['blocks as a list', 'bad-document', '"blocks" must be an object of name: definition; it is a list.', { blocks: [] }],
    ['a block name with a space', 'bad-block', 'The block name "my block" must be a name like vgg_block', { blocks: { 'my block': { nodes: [], edges: [] } } }],
    ['a block name starting with "__"', 'bad-block', 'must be a name like vgg_block (letters, digits, _; not starting with "__")', { blocks: { __proto__x: { nodes: [], edges: [] } } }],
    ['nodes that are not a list', 'bad-block', 'block b: "nodes" must be a list; it is 3.', { blocks: { b: { nodes: 3 } } }],
    ['an unknown param type', 'bad-block', 'block b: params[0] (n): "type" must be one of int, float, bool, intPair, padding; it is "integer".', { blocks: { b: { params: [{ name: 'n', type: 'integer' }] } } }],
    ['a repeat that is a list', 'bad-node', 'node r: "repeat" must be a whole number', { blocks: { b: { nodes: [{ id: 'r', type: 'ReLU', repeat: [2] }] } } }],
    ['a torch name that is not a class name', 'bad-block', 'block b: "torch" must be a class name such as "Inception"; it is "nn.Module".', { blocks: { b: { torch: 'nn.Module' } } }],
    ['more nodes in the blocks than a graph may have', 'too-large', 'more than 10000 nodes', { blocks: { b: { nodes: Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, type: 'ReLU' })) } } }],
  ] as [string, string, string, Record<string, unknown>][])('%s gives %s', (_name, code, text, body) => {
    const r = parseGraph({ format: 'convstudio.graph', version: 2, name: 'x', nodes: [{ id: 'i', type: 'Input' }], edges: [], ...body });
    expect(r.doc).toBeNull();
    expect(r.diagnostics.find((d) => d.code === code)?.message).toContain(text);
  });
});

describe('version 1 files migrate unchanged', () => {
  const v1 = (extra: Record<string, unknown> = {}, node: Record<string, unknown> = {}) => JSON.stringify({
    format: 'convstudio.graph', version: 1, name: 'old',
    nodes: [{ id: 'input', type: 'Input', params: { channels: 3, height: 8, width: 8 } }, { id: 'r1', type: 'Residual', params: { num_channels: 3 }, ...node }],
    edges: [{ source: 'input', target: 'r1' }],
    ...extra,
  });

  it('opens as version 2 with the same nodes, edges, shapes and counts', () => {
    const r = parseGraph(v1());
    expect(r.diagnostics).toEqual([]);
    expect(r.doc).toEqual({ ...JSON.parse(v1()), version: 2 });
    const a = analyzeGraph(r.doc!);
    expect([a.ok, a.nodes.r1.shape, a.totals.params]).toEqual([true, [1, 3, 8, 8], 180]);
  });

  it('ignores the fields version 1 did not have, as version 1 did', () => {
    const r = parseGraph(v1({ blocks: { b: { nodes: [], edges: [] } } }, { repeat: 3, expanded: true }));
    expect(r.doc).toEqual({ ...JSON.parse(v1()), version: 2 });
  });

  it('saving writes version 2, which it reads back', () => {
    const doc = parseGraph(v1()).doc!;
    expect(JSON.parse(JSON.stringify(doc)).version).toBe(2);
    expect(parseGraph(JSON.stringify(doc)).doc).toEqual(doc);
  });
});

describe('docs/graph-format.md', () => {
  it('its blocks example is a valid graph with d2l’s first VGG row', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../../docs/graph-format.md', import.meta.url), 'utf8');
    const example = /## Blocks[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1];
    const parsed = parseGraph(example ?? '');
    expect(parsed.diagnostics).toEqual([]);
    expect(analyzeGraph(parsed.doc!).nodes.b1.shape).toEqual([1, 64, 112, 112]);
  });
});
