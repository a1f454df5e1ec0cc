/**
 * Every diagnostic the engine promises: code, node, a message with the arithmetic, and where a fix
 * is obvious, a fix that — applied as plain data — really removes the problem.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, Fix, GraphDoc, ParamValue } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/index';
import { applyFix, chainOf, graph, input } from './helpers';

function only(doc: GraphDoc, code: string): Diagnostic {
  const a = analyzeGraph(doc);
  const found = a.diagnostics.filter((d) => d.code === code);
  expect(found, JSON.stringify(a.diagnostics, null, 1)).toHaveLength(1);
  expect(a.ok).toBe(false);
  return found[0];
}

function fixClears(doc: GraphDoc, d: Diagnostic): void {
  expect(d.fix).toBeDefined();
  const after = analyzeGraph(applyFix(doc, d.fix as Fix));
  expect(after.diagnostics).toEqual([]);
  expect(after.ok).toBe(true);
}

describe('non-positive output size', () => {
  it('says so with the arithmetic, the fix and a one-click kernel or padding', () => {
    const doc = chainOf([input(1, 3), ['c3', 'Conv2d', { out_channels: 4, kernel_size: 5 }]]);
    const d = only(doc, 'nonpositive-output');
    expect(d.message).toBe('Conv2d c3: kernel 5 is larger than the padded input 3 (3 + 2·0), so the output would be −1×−1. Reduce kernel_size or add padding ≥ 1.');
    expect(d.nodeId).toBe('c3');
    expect(d.severity).toBe('error');
    expect(d.fix).toEqual({ kind: 'setParam', label: 'Kernel 3 gives 1×1', nodeId: 'c3', param: 'kernel_size', value: 3 });
    expect(d.alternatives).toEqual([{ kind: 'setParam', label: 'Padding 1 gives 1×1', nodeId: 'c3', param: 'padding', value: 1 }]);
    fixClears(doc, d);
    fixClears(doc, { ...d, fix: d.alternatives![0] });
  });

  it('names the dimension when only one is too small, and counts dilation', () => {
    const doc = chainOf([input(1, 4, 30), ['c', 'Conv2d', { out_channels: 1, kernel_size: 3, dilation: 2 }]]);
    const d = only(doc, 'nonpositive-output');
    expect(d.message).toContain('kernel height 3 (dilated to 5) is larger than the padded input height 4 (4 + 2·0), so the output would be 0×26');
    fixClears(doc, d);
  });

  it('for pooling, offers a kernel that fits', () => {
    const doc = chainOf([input(1, 2), ['p', 'MaxPool2d', { kernel_size: 3 }]]);
    const d = only(doc, 'nonpositive-output');
    expect(d.message).toContain('MaxPool2d p: kernel 3 is larger than the padded input 2 (2 + 2·0), so the output would be 0×0');
    fixClears(doc, d);
  });

  it('keeps the shapes up to the failing node and none after it', () => {
    const doc = chainOf([input(1, 8), ['c1', 'Conv2d', { out_channels: 2, kernel_size: 5 }], ['c2', 'Conv2d', { out_channels: 2, kernel_size: 5 }], ['r', 'ReLU']]);
    const a = analyzeGraph(doc);
    expect(a.nodes.c1.shape).toEqual([1, 2, 4, 4]);
    expect(a.nodes.c2.shape).toBeNull();
    expect(a.nodes.r.shape).toBeNull();
    // The cause is reported once, not again on every node downstream.
    expect(a.diagnostics.map((d) => d.nodeId)).toEqual(['c2']);
  });
});

describe('Linear or BatchNorm1d fed a feature map', () => {
  it.each(['Linear', 'BatchNorm1d'])('%s: an error whose fix inserts a Flatten', (type) => {
    const doc = chainOf([input(16, 5), ['x', type, type === 'Linear' ? { out_features: 10 } : {}]]);
    const d = only(doc, 'needs-flatten');
    expect(d.message).toBe(`${type} x needs a flat input but gets [1, 16, 5, 5] from input. Insert a Flatten before it (16×5×5 → 400).`);
    expect(d.fix).toEqual({ kind: 'insertNode', label: 'Insert Flatten before x', beforeNodeId: 'x', edgeSource: 'input', nodeType: 'Flatten' });
    fixClears(doc, d);
  });

  it('Conv2d fed a flat tensor is the mirror error', () => {
    const doc = chainOf([input(1, 4), ['f', 'Flatten'], ['c', 'Conv2d', { out_channels: 1, kernel_size: 1 }]]);
    expect(only(doc, 'needs-image').message).toContain('gets the flat [1, 16] from f');
  });
});

describe('Add with unequal inputs', () => {
  // input → a (conv 5×5, no padding: 28 → 24) and input → b (conv 1×1): Add(a, b).
  const branches = (aParams: Record<string, number>) => graph(
    [input(1, 28), ['a', 'Conv2d', { out_channels: 8, kernel_size: 5, ...aParams }], ['b', 'Conv2d', { out_channels: 8, kernel_size: 1 }], ['sum', 'Add']],
    [['input', 'a'], ['input', 'b'], ['b', 'sum'], ['a', 'sum']],
  );

  it('says which dimensions differ, and offers the padding that keeps 28×28', () => {
    const doc = branches({});
    const d = only(doc, 'add-shape-mismatch');
    expect(d.message).toBe('Add sum: inputs must have equal shapes, but [1, 8, 28, 28] (b) and [1, 8, 24, 24] (a) differ in height and width (28×28 vs 24×24).');
    expect(d.fix).toEqual({ kind: 'setParam', label: 'Padding 2 keeps 28×28', nodeId: 'a', param: 'padding', value: 2 });
    fixClears(doc, d);
  });

  it('names a channel difference and offers matching out_channels', () => {
    const doc = graph(
      [input(1, 8), ['a', 'Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }], ['b', 'Conv2d', { out_channels: 4, kernel_size: 3, padding: 1 }], ['sum', 'Add']],
      [['input', 'a'], ['input', 'b'], ['a', 'sum'], ['b', 'sum']],
    );
    const d = only(doc, 'add-shape-mismatch');
    expect(d.message).toContain('differ in channels (8 from a vs 4 from b)');
    fixClears(doc, d);
  });

  it('follows targetHandle order rather than edge order', () => {
    const doc = graph(
      [input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid'], ['cat', 'Concat']],
      [['input', 'a'], ['input', 'b'], { source: 'b', target: 'cat', targetHandle: 'in1' }, { source: 'a', target: 'cat', targetHandle: 'in0' }],
    );
    const a = analyzeGraph(doc);
    expect(a.inputsOf.cat).toEqual(['a', 'b']);
    expect(a.nodes.cat.shape).toEqual([1, 2, 8, 8]);
  });
});

describe('Residual', () => {
  it('without use_1x1conv but a channel change: error with the 1×1 fix', () => {
    const doc = chainOf([input(3, 6), ['r', 'Residual', { num_channels: 6 }]]);
    const d = only(doc, 'residual-shortcut');
    expect(d.message).toBe('Residual r: the shortcut adds the input 3×6×6 to the block\'s output 6×6×6; they differ in channels (3 vs 6). Set use_1x1conv to true, or num_channels 3 and strides 1.');
    expect(d.fix).toMatchObject({ kind: 'setParam', param: 'use_1x1conv', value: true });
    fixClears(doc, d);
  });

  it('without use_1x1conv but strides 2: error naming the size', () => {
    const doc = chainOf([input(4, 6), ['r', 'Residual', { num_channels: 4, strides: 2 }]]);
    const d = only(doc, 'residual-shortcut');
    expect(d.message).toContain('size (6×6 vs 3×3, strides 2)');
    fixClears(doc, d);
  });
});

describe('Concat', () => {
  it('needs equal height×width and sums channels', () => {
    const doc = graph(
      [input(1, 28), ['a', 'Conv2d', { out_channels: 8, kernel_size: 3 }], ['b', 'Conv2d', { out_channels: 4, kernel_size: 1 }], ['cat', 'Concat']],
      [['input', 'b'], ['input', 'a'], ['b', 'cat'], ['a', 'cat']],
    );
    const d = only(doc, 'concat-size-mismatch');
    expect(d.message).toBe('Concat cat: joins along channels, so height×width must match, but b is 28×28 and a is 26×26.');
    expect(d.fix?.label).toBe('Padding 1 keeps 28×28');
    const fixed = applyFix(doc, d.fix as Fix);
    expect(analyzeGraph(fixed).nodes.cat.shape).toEqual([1, 12, 28, 28]);
  });
});

describe('graph structure', () => {
  it('a cycle names its path once, marks its nodes and offers to cut it', () => {
    const doc = graph(
      [input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid'], ['c', 'Tanh'], ['out', 'Flatten']],
      [['input', 'a'], ['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'out']],
    );
    const a = analyzeGraph(doc);
    const cyc = a.diagnostics.filter((d) => d.code === 'cycle');
    expect(cyc).toHaveLength(1);
    for (const id of ['a', 'b', 'c']) expect(a.nodes[id].diagnostics).toEqual(cyc);
    expect(cyc[0].message).toBe('A cycle runs through 3 nodes (a → b → c → a); data must flow one way from the Input. Remove the edge c → a.');
    expect(a.order.slice(0, 1)).toEqual(['input']);
    expect(a.order).toHaveLength(5);
    const fixed = analyzeGraph(applyFix(doc, cyc[0].fix as Fix));
    expect(fixed.diagnostics.filter((d) => d.code === 'cycle')).toEqual([]);
  });

  it('a self-loop is a cycle', () => {
    const doc = graph([input(1, 8), ['a', 'Add']], [['input', 'a'], ['a', 'a']]);
    expect(analyzeGraph(doc).diagnostics.map((d) => d.code)).toContain('cycle');
  });

  it('a node not reachable from the Input', () => {
    const doc = graph([input(1, 8), ['a', 'ReLU'], ['lost', 'Conv2d', { out_channels: 1, kernel_size: 1 }]], [['input', 'a']]);
    const d = only(doc, 'unreachable');
    expect(d.message).toBe('Conv2d lost has no input, so no data reaches it. Connect it or delete it.');
    fixClears(doc, d);
  });

  it('more than one Input', () => {
    const doc = graph([input(1, 8), ['input2', 'Input'], ['a', 'Add']], [['input', 'a'], ['input2', 'a']]);
    const d = only(doc, 'multiple-inputs');
    expect(d.nodeId).toBe('input2');
    expect(d.message).toContain('a network takes one input');
  });

  it('no Input at all', () => {
    expect(only(graph([['a', 'ReLU']], []), 'no-input').message).toContain('no Input node');
  });

  it('more than one output (sink)', () => {
    const doc = graph([input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid']], [['input', 'a'], ['input', 'b']]);
    const a = analyzeGraph(doc);
    expect(a.diagnostics.filter((d) => d.code === 'multiple-outputs').map((d) => d.nodeId)).toEqual(['a', 'b']);
    expect(a.outputId).toBeNull();
  });

  it('an edge to a missing node, a duplicate id, a node with two inputs', () => {
    const doc = graph(
      [input(1, 8), ['a', 'ReLU'], ['a', 'Sigmoid'], ['b', 'ReLU']],
      [['input', 'a'], ['a', 'ghost'], ['input', 'b'], ['a', 'b']],
    );
    const codes = analyzeGraph(doc).diagnostics.map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['dangling-edge', 'duplicate-id', 'too-many-inputs']));
  });

  it('ids that are names of Object.prototype members are ordinary ids', () => {
    const a = analyzeGraph(chainOf([input(1, 8), ['__proto__', 'ReLU'], ['constructor', 'Flatten'], ['toString', 'Linear', { out_features: 2 }]]));
    expect(a.ok).toBe(true);
    expect(a.order).toEqual(['input', '__proto__', 'constructor', 'toString']);
    expect(a.nodes['toString' as string].shape).toEqual([1, 2]);
    expect(a.inputsOf['constructor' as string]).toEqual(['__proto__']);
  });

  it('Add with a single input', () => {
    const doc = chainOf([input(1, 8), ['sum', 'Add']]);
    expect(only(doc, 'too-few-inputs').message).toBe('Add sum has one input (input); it sums two or more. Connect another layer to it, or delete it.');
  });
});

describe('params', () => {
  it('missing', () => {
    const d = only(chainOf([input(1, 8), ['c', 'Conv2d', { kernel_size: 3 }]]), 'missing-param');
    expect(d.message).toBe('Conv2d c: out_channels is missing; set it to a whole number from 1 to 16777216 (number of filters (output channels)).');
  });

  it.each([
    ['Conv2d', { out_channels: 2.5, kernel_size: 3 }, 'out_channels must be a whole number from 1 to 16777216; it is 2.5.'],
    ['Conv2d', { out_channels: 2, kernel_size: [3, 3, 3] }, 'kernel_size must be a whole number ≥ 1 or a pair [h, w] of them'],
    ['Conv2d', { out_channels: 2, kernel_size: 3, padding: 'full' }, 'padding must be a whole number ≥ 0, a pair [h, w] of them, "same" or "valid"; it is "full".'],
    ['Conv2d', { out_channels: 2, kernel_size: 3, bias: 'yes' }, 'bias must be true or false; it is "yes".'],
    ['Dropout', { p: 1.5 }, 'p must be a number from 0 to 1; it is 1.5.'],
    ['MaxPool2d', { kernel_size: 0 }, 'kernel_size must be a whole number ≥ 1 or a pair [h, w] of them; it is 0.'],
  ] as [string, Record<string, unknown>, string][])('%s %j is wrongly typed', (type, params, text) => {
    // Deliberately outside ParamValue: the canvas and IPC can deliver anything.
    const d = only(chainOf([input(1, 8), ['x', type, params as Record<string, ParamValue>]]), 'bad-param');
    expect(d.message).toContain(text);
  });

  it('an unknown param is a warning, not an error', () => {
    const a = analyzeGraph(chainOf([input(1, 8), ['x', 'ReLU', { inplace: true }]]));
    expect(a.ok).toBe(true);
    expect(a.diagnostics.map((d) => [d.code, d.severity])).toEqual([['unknown-param', 'warning']]);
  });

  it('an unknown node type', () => {
    const d = only(chainOf([input(1, 8), ['x', 'Conv3d', { out_channels: 1 }]]), 'unknown-type');
    expect(d.message).toContain('unknown node type "Conv3d". Known types: Input, Conv2d,');
    expect(d.fix).toEqual({ kind: 'removeNode', label: 'Delete x', nodeId: 'x' });
  });
});

describe('PyTorch’s refusals', () => {
  it('padding "same" with a stride other than 1', () => {
    const doc = chainOf([input(1, 28), ['c', 'Conv2d', { out_channels: 4, kernel_size: 3, stride: 2, padding: 'same' }]]);
    const d = only(doc, 'same-needs-stride-1');
    expect(d.message).toContain('padding "same" works only with stride 1');
    expect(d.fix).toEqual({ kind: 'setParam', label: 'Padding 1 gives 14×14', nodeId: 'c', param: 'padding', value: 1 });
    fixClears(doc, d);
  });

  it('pooling padding over half the kernel', () => {
    const doc = chainOf([input(1, 28), ['p', 'MaxPool2d', { kernel_size: 3, padding: 2 }]]);
    const d = only(doc, 'pool-padding');
    expect(d.message).toBe('MaxPool2d p: padding 2 is more than half the kernel 3 (at most 1); PyTorch refuses this. Set padding ≤ 1 or enlarge kernel_size.');
    fixClears(doc, d);
  });
});

describe('per-node numbers', () => {
  it('BatchNorm counts 2C, AdaptiveAvgPool2d gives output_size, receptive field and jump grow', () => {
    const a = analyzeGraph(chainOf([
      input(3, 32),
      ['c', 'Conv2d', { out_channels: 8, kernel_size: 3, stride: 2, padding: 1, bias: false }],
      ['bn', 'BatchNorm2d'],
      ['p', 'MaxPool2d', { kernel_size: 2 }],
      ['gap', 'AdaptiveAvgPool2d', { output_size: [2, 3] }],
    ]));
    expect(a.nodes.c.params).toBe(8 * 3 * 9);
    expect(a.nodes.bn.params).toBe(16);
    expect(a.nodes.gap.shape).toEqual([1, 8, 2, 3]);
    expect(a.nodes.c.rf).toEqual({ size: [3, 3], jump: [2, 2] });
    expect(a.nodes.p.rf).toEqual({ size: [5, 5], jump: [4, 4] });
    expect(a.totals.params).toBe(8 * 27 + 16);
    expect(a.inputId).toBe('input');
    expect(a.outputId).toBe('gap');
  });
});

describe('offered fixes work for any sizes (property)', () => {
  it('applying a Conv2d or pooling fix removes the problem it was offered for', () => {
    const pair = fc.oneof(fc.integer({ min: 1, max: 7 }), fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })));
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom('Conv2d', 'MaxPool2d', 'AvgPool2d'),
      pair, pair, fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant('same'), fc.constant('valid')), fc.integer({ min: 1, max: 3 }),
      (h, w, type, kernel, stride, padding, dilation) => {
        const params: Record<string, ParamValue> = type === 'Conv2d'
          ? { out_channels: 2, kernel_size: kernel, stride, padding, dilation }
          : { kernel_size: kernel, stride, padding: typeof padding === 'number' ? padding : 0 };
        const doc = chainOf([input(1, h, w), ['x', type, params]]);
        for (const d of analyzeGraph(doc).nodes.x.diagnostics) {
          if (!d.fix) continue;
          const after = analyzeGraph(applyFix(doc, d.fix)).nodes.x.diagnostics.map((e) => e.code);
          expect(after, `${d.message} → ${d.fix.label}`).not.toContain(d.code);
        }
      },
    ), { numRuns: 2000 });
  });
});
