/**
 * Fixes that fix: every fix the engine offers (the first and each alternative), applied the
 * simplest way, leaves the graph with fewer errors than before — for each kind of diagnostic, for
 * the cases the issue names, and for random graphs.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic, Fix, GraphDoc, ParamValue } from '../../../shared/graph/types';
import { analyzeGraph, type Analysis } from '../../../shared/shapes/analyze';
import { applyFixToDoc, FixChecker } from '../../../shared/shapes/fixes';
import { getTemplate } from '../../../shared/templates/index';
import { applyFix, chainOf, graph, input, type NodeSpecLite } from './helpers';
import { brokenGraphs } from './random-graphs';

const errors = (a: Analysis) => a.diagnostics.filter((d) => d.severity === 'error').length;
const offered = (d: Diagnostic): Fix[] => [...(d.fix ? [d.fix] : []), ...(d.alternatives ?? [])];

/** Every offered fix of every diagnostic, with the errors before and after applying it. */
function outcomes(doc: GraphDoc) {
  const a = analyzeGraph(doc);
  return a.diagnostics.flatMap((d) => offered(d).map((fix) => ({ d, fix, before: errors(a), after: errors(analyzeGraph(applyFix(doc, fix))) })));
}

const lenetWith = (id: string, params: Record<string, ParamValue>): GraphDoc => {
  const doc = getTemplate('lenet')!;
  Object.assign(doc.nodes.find((n) => n.id === id)!.params, params);
  return doc;
};

/** input → a and input → b, both into one merge node. */
const branches = (type: 'Add' | 'Concat', a: NodeSpecLite, b: NodeSpecLite, size = 28, channels = 1): GraphDoc =>
  graph([input(channels, size), a, b, ['m', type]], [['input', a[0]], ['input', b[0]], [a[0], 'm'], [b[0], 'm']]);

/** One graph per diagnostic kind that carries a fix, and the fix kinds it must offer. */
const CASES: { title: string; doc: GraphDoc; code: string; kinds: Fix['kind'][] }[] = [
  { title: 'conv kernel larger than its input', code: 'nonpositive-output', kinds: ['setParam'], doc: chainOf([input(1, 3), ['c', 'Conv2d', { out_channels: 2, kernel_size: 5 }]]) },
  { title: 'LeNet with conv1 kernel 40 (the later layers must fit too)', code: 'nonpositive-output', kinds: ['setParam'], doc: lenetWith('conv1', { kernel_size: 40 }) },
  { title: 'LeNet with conv2 kernel 15', code: 'nonpositive-output', kinds: ['setParam'], doc: lenetWith('conv2', { kernel_size: 15 }) },
  { title: 'dilated conv wider than its input', code: 'nonpositive-output', kinds: ['setParam'], doc: chainOf([input(1, 6), ['c', 'Conv2d', { out_channels: 2, kernel_size: 3, dilation: 4 }], ['p', 'MaxPool2d', { kernel_size: 2 }]]) },
  { title: 'pooling window larger than its input', code: 'nonpositive-output', kinds: ['setParam'], doc: chainOf([input(1, 2), ['p', 'MaxPool2d', { kernel_size: 3 }]]) },
  { title: 'pooling padding over half the kernel', code: 'pool-padding', kinds: ['setParam'], doc: lenetWith('pool1', { padding: 2 }) },
  { title: 'padding "same" with stride 2', code: 'same-needs-stride-1', kinds: ['setParam'], doc: chainOf([input(1, 28), ['c', 'Conv2d', { out_channels: 4, kernel_size: 3, stride: 2, padding: 'same' }]]) },
  { title: 'Linear on a feature map', code: 'needs-flatten', kinds: ['insertNode'], doc: chainOf([input(4, 5), ['fc', 'Linear', { out_features: 3 }]]) },
  { title: 'Add of different channels', code: 'add-shape-mismatch', kinds: ['insertNode', 'setParam'], doc: branches('Add', ['a', 'Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }], ['b', 'ReLU']) },
  { title: 'Add of a strided main path and its shortcut (ResNet without use_1x1conv)', code: 'add-shape-mismatch', kinds: ['insertNode'], doc: branches('Add', ['a', 'Conv2d', { out_channels: 16, kernel_size: 3, padding: 1, stride: 2 }], ['b', 'ReLU'], 28, 8) },
  { title: 'Add of an unpadded conv and its shortcut', code: 'add-shape-mismatch', kinds: ['setParam'], doc: branches('Add', ['a', 'Conv2d', { out_channels: 1, kernel_size: 5 }], ['b', 'ReLU']) },
  { title: 'Add of flat tensors of different widths', code: 'add-shape-mismatch', kinds: ['insertNode'], doc: graph([input(1, 4), ['f', 'Flatten'], ['a', 'Linear', { out_features: 8 }], ['b', 'Linear', { out_features: 3 }], ['m', 'Add']], [['input', 'f'], ['f', 'a'], ['f', 'b'], ['a', 'm'], ['b', 'm']]) },
  { title: 'Concat of an unpadded conv and its input', code: 'concat-size-mismatch', kinds: ['setParam'], doc: branches('Concat', ['a', 'Conv2d', { out_channels: 4, kernel_size: 3 }], ['b', 'ReLU']) },
  { title: 'Concat of a strided conv and its input', code: 'concat-size-mismatch', kinds: ['insertNode'], doc: branches('Concat', ['a', 'Conv2d', { out_channels: 4, kernel_size: 1, stride: 2 }], ['b', 'ReLU']) },
  { title: 'Residual changing channels without use_1x1conv', code: 'residual-shortcut', kinds: ['setParam'], doc: chainOf([input(3, 8), ['r', 'Residual', { num_channels: 6 }]]) },
  { title: 'a cycle', code: 'cycle', kinds: ['removeEdge'], doc: graph([input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid'], ['c', 'Tanh'], ['o', 'Flatten']], [['input', 'a'], ['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'o']]) },
  { title: 'a layer fed by nothing', code: 'unreachable', kinds: ['removeNode'], doc: graph([input(1, 8), ['a', 'ReLU'], ['lost', 'Sigmoid']], [['input', 'a']]) },
  { title: 'a second Input', code: 'multiple-inputs', kinds: ['removeNode'], doc: graph([input(1, 8), ['input2', 'Input'], ['a', 'ReLU']], [['input', 'a']]) },
  { title: 'an edge to a missing node', code: 'dangling-edge', kinds: ['removeEdge'], doc: graph([input(1, 8), ['a', 'ReLU']], [['input', 'a'], ['a', 'ghost']]) },
  { title: 'an unknown layer type', code: 'unknown-type', kinds: ['removeNode'], doc: graph([input(1, 8), ['a', 'ReLU'], ['x', 'Conv3d']], [['input', 'a']]) },
  { title: 'an edge into the Input', code: 'input-has-inputs', kinds: ['removeEdge'], doc: graph([input(1, 8), ['a', 'ReLU'], ['x', 'Sigmoid']], [['input', 'a'], ['x', 'input']]) },
  { title: 'a one-input layer with two inputs', code: 'too-many-inputs', kinds: ['removeEdge'], doc: graph([input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid']], [['input', 'a'], ['input', 'b'], ['a', 'b']]) },
];

describe('each diagnostic kind offers fixes that leave fewer errors', () => {
  it.each(CASES)('$code: $title', ({ doc, code, kinds }) => {
    const a = analyzeGraph(doc);
    const ds = a.diagnostics.filter((d) => d.code === code);
    expect(ds.length, JSON.stringify(a.diagnostics)).toBeGreaterThan(0);
    const fixes = ds.flatMap(offered);
    expect(new Set(fixes.map((f) => f.kind))).toEqual(new Set(kinds));
    for (const o of outcomes(doc)) expect(o.after, `${o.d.message} → ${o.fix.label}`).toBeLessThan(o.before);
  });
});

describe('the cases from the issue', () => {
  it('LeNet with conv1 kernel 40: the first fix leaves no errors, and pool1 is not broken on the way', () => {
    const doc = lenetWith('conv1', { kernel_size: 40 });
    const d = analyzeGraph(doc).diagnostics[0];
    expect(d.fix).toMatchObject({ kind: 'setParam', nodeId: 'conv1', param: 'kernel_size', value: 21 });
    expect(d.fix!.label).toBe('Kernel 21 gives 12×12 (the later layers fit too)');
    expect(d.alternatives).toEqual([expect.objectContaining({ param: 'padding', value: 12, label: 'Padding 12 gives 13×13 (the later layers fit too)' })]);
    for (const fix of offered(d)) {
      const after = analyzeGraph(applyFix(doc, fix));
      expect(after.diagnostics).toEqual([]);
      expect(after.nodes.fc3.shape).toEqual([1, 10]);
    }
  });

  it('an Add of 16 and 32 channels offers a 1×1 conv on the shortcut first', () => {
    const doc = graph(
      [input(1, 28), ['c1', 'Conv2d', { out_channels: 16, kernel_size: 3, padding: 1 }], ['c2', 'Conv2d', { out_channels: 32, kernel_size: 3, padding: 1 }], ['sum', 'Add']],
      [['input', 'c1'], ['c1', 'c2'], ['c2', 'sum'], ['c1', 'sum']],
    );
    const d = analyzeGraph(doc).diagnostics[0];
    expect(d.fix).toEqual({ kind: 'insertNode', label: '1×1 conv on c1: 16 → 32 channels', beforeNodeId: 'sum', edgeSource: 'c1', nodeType: 'Conv2d', params: { out_channels: 32, kernel_size: 1 } });
    expect(d.alternatives?.map((f) => f.label)).toEqual(['1×1 conv on c2: 32 → 16 channels', 'out_channels 32 matches c2', 'out_channels 16 matches c1']);
    const fixed = analyzeGraph(applyFix(doc, d.fix!));
    expect(fixed.ok).toBe(true);
    expect(fixed.nodes.sum.shape).toEqual([1, 32, 28, 28]);
  });

  it('a downsampling main path gets a strided 1×1 conv on its shortcut, as in ResNet', () => {
    const doc = branches('Add', ['a', 'Conv2d', { out_channels: 16, kernel_size: 3, padding: 1, stride: 2 }], ['b', 'ReLU'], 28, 8);
    const d = analyzeGraph(doc).diagnostics[0];
    expect(d.fix).toMatchObject({ kind: 'insertNode', edgeSource: 'b', params: { out_channels: 16, kernel_size: 1, stride: 2 }, label: '1×1 conv on b: 8 → 16 channels, stride 2' });
    expect(analyzeGraph(applyFix(doc, d.fix!)).nodes.m.shape).toEqual([1, 16, 14, 14]);
  });

  it('a proposed fix that only moves the error is not offered', () => {
    // Deleting the second Input leaves the Add with one input: one error for another.
    const doc = graph([input(1, 8), ['input2', 'Input', { channels: 1, height: 8, width: 8 }], ['a', 'Add']], [['input', 'a'], ['input2', 'a']]);
    const raw = analyzeGraph(doc, { checkFixes: false }).diagnostics.find((x) => x.code === 'multiple-inputs')!;
    expect(raw.fix).toEqual({ kind: 'removeNode', label: 'Delete input2', nodeId: 'input2' });
    const d = analyzeGraph(doc).diagnostics.find((x) => x.code === 'multiple-inputs')!;
    expect(d.fix).toBeUndefined();
    expect(d.alternatives).toBeUndefined();
  });
});

describe('the checker', () => {
  it('applies each fix kind as data, and says when a fix no longer applies', () => {
    const doc = graph([input(1, 8), ['a', 'ReLU'], ['m', 'Add']], [['input', 'a'], { source: 'a', target: 'm', targetHandle: 'in1' }]);
    const inserted = applyFixToDoc(doc, { kind: 'insertNode', label: '', beforeNodeId: 'm', edgeSource: 'a', nodeType: 'Conv2d', params: { out_channels: 2, kernel_size: 1 } })!;
    expect(inserted.nodes.map((n) => n.id)).toEqual(['input', 'a', 'm', 'conv2d_1']);
    expect(inserted.edges).toEqual([{ source: 'input', target: 'a' }, { source: 'a', target: 'conv2d_1' }, { source: 'conv2d_1', target: 'm', targetHandle: 'in1' }]);
    expect(applyFixToDoc(doc, { kind: 'removeEdge', label: '', source: 'm', target: 'a' })).toBeNull();
    expect(applyFixToDoc(doc, { kind: 'removeNode', label: '', nodeId: 'ghost' })).toBeNull();
    expect(applyFixToDoc(doc, { kind: 'setParam', label: '', nodeId: 'ghost', param: 'p', value: 1 })).toBeNull();
    expect(applyFixToDoc(doc, { kind: 'insertNode', label: '', beforeNodeId: 'm', edgeSource: 'input', nodeType: 'ReLU' })).toBeNull();
    // The original is untouched.
    expect(doc.nodes).toHaveLength(3);
  });

  it('re-analyses within its budget and offers nothing it did not check', () => {
    const doc = lenetWith('conv1', { kernel_size: 40 });
    const raw = analyzeGraph(doc, { checkFixes: false });
    let calls = 0;
    const cost = doc.nodes.length + doc.edges.length + 1;
    const checker = new FixChecker(doc, raw, (d) => (calls++, analyzeGraph(d, { checkFixes: false })), 5 * cost);
    expect(checker.check(raw.diagnostics[0].fix!, 'error')).toBeNull();
    expect(calls).toBe(5);
  });
});

describe('offered fixes leave fewer errors (property, random graphs)', () => {
  it('for every diagnostic, the fix and every alternative', () => {
    let seen = 0;
    fc.assert(fc.property(brokenGraphs, (doc) => {
      for (const o of outcomes(doc)) {
        seen++;
        expect(o.after, `${o.d.message} → ${o.fix.label}\n${JSON.stringify(doc)}`).toBeLessThan(o.before);
      }
    }), { numRuns: 600 });
    // The generator breaks graphs often enough for the property to mean something.
    expect(seen).toBeGreaterThan(300);
  });
});
