import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameRefusal } from '../../../shared/graph/ids';
import type { GraphDoc } from '../../../shared/graph/types';
import { analyzeGraph, type Analysis } from '../../../shared/shapes/analyze';
import { applyFixToDoc } from '../../../shared/shapes/fixes';
import { getTemplate } from '../../../shared/templates/index';
import { appendAfter, applyFixTo, deleteWithBridges, dropHandle, pasteOffset, renameNode } from '../../../renderer/model/edits';
import { fromDoc, NODE_HEIGHT, NODE_WIDTH, toDoc, type LayerNode, type ShapeEdge } from '../../../renderer/model/graph-model';
import { freeSlot, slotCount, withSlots } from '../../../renderer/model/inputs';
import { graph, input } from '../shared/helpers';
import { brokenGraphs } from '../shared/random-graphs';

const lenet = () => fromDoc(getTemplate('lenet')!);
const chain = (edges: readonly ShapeEdge[]) => edges.map((e) => `${e.source}->${e.target}${e.targetHandle ? `:${e.targetHandle}` : ''}`).sort();
const analysed = (g: { nodes: LayerNode[]; edges: ShapeEdge[] }) => analyzeGraph(toDoc(g.nodes, g.edges, 'x'));
const errors = (a: Analysis) => a.diagnostics.filter((d) => d.severity === 'error').length;

/** input → a → b (a branch point: also a → c), b and c into Add "m" at slots in0 and in1. */
const merge = () => fromDoc(graph(
  [input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid'], ['c', 'Tanh'], ['m', 'Add'], ['out', 'Flatten']],
  [['input', 'a'], ['a', 'b'], ['a', 'c'], { source: 'b', target: 'm', targetHandle: 'in0' }, { source: 'c', target: 'm', targetHandle: 'in1' }, ['m', 'out']],
));

describe('deleting layers bridges their neighbours', () => {
  it.each([
    [['sigmoid1'], 'conv1->pool1'],
    [['sigmoid1', 'pool1'], 'conv1->conv2'],
    [['flatten'], 'pool2->fc1'],
  ])('LeNet without %j keeps its chain through %s, valid', (ids, bridge) => {
    const { nodes, edges } = lenet();
    const next = deleteWithBridges(nodes, edges, new Set(ids), new Set())!;
    expect(chain(next.edges)).toContain(bridge);
    expect(next.edges).toHaveLength(edges.length - ids.length);
    if (!ids.includes('flatten')) expect(analysed(next).ok).toBe(true);
  });

  it('keeps the input slot of the layer it bridges into', () => {
    const { nodes, edges } = merge();
    const next = deleteWithBridges(nodes, edges, new Set(['c']), new Set())!;
    expect(chain(next.edges)).toContain('a->m:in1');
    expect(analysed(next).ok).toBe(true);
  });

  it.each([
    ['a layer with two inputs (Add)', ['m'], []],
    ['the Input', ['input'], []],
    ['a layer whose input edge is deleted with it', ['b'], ['a->b']],
  ])('does not bridge %s', (_what, ids, edgeIds) => {
    const { nodes, edges } = merge();
    const next = deleteWithBridges(nodes, edges, new Set(ids), new Set(edgeIds))!;
    const kept = edges.filter((e) => !ids.includes(e.source) && !ids.includes(e.target) && !edgeIds.includes(e.id));
    expect(chain(next.edges)).toEqual(chain(kept));
  });

  it('deleting only an edge deletes only that edge', () => {
    const { nodes, edges } = lenet();
    const next = deleteWithBridges(nodes, edges, new Set(), new Set(['sigmoid1->pool1']))!;
    expect(next.nodes).toHaveLength(nodes.length);
    expect(chain(next.edges)).not.toContain('sigmoid1->pool1');
    expect(deleteWithBridges(nodes, edges, new Set(), new Set())).toBeNull();
  });
});

describe('appending after the selected layer', () => {
  it('goes between a layer and the one it fed, moving the rest down', () => {
    const { nodes, edges } = lenet();
    const next = appendAfter(nodes, edges, 'conv1', 'ReLU', {})!;
    expect(next.select).toBe('relu_1');
    expect(chain(next.edges)).toEqual(expect.arrayContaining(['conv1->relu_1', 'relu_1->sigmoid1']));
    expect(chain(next.edges)).not.toContain('conv1->sigmoid1');
    const y = (g: LayerNode[], id: string) => g.find((n) => n.id === id)!.position.y;
    expect(y(next.nodes, 'relu_1')).toBeGreaterThan(y(nodes, 'conv1'));
    expect(y(next.nodes, 'sigmoid1')).toBeGreaterThan(y(next.nodes, 'relu_1'));
    expect(next.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['relu_1']);
    expect(analysed(next).ok).toBe(true);
  });

  it('after the last layer, continues the chain', () => {
    const { nodes, edges } = lenet();
    const next = appendAfter(nodes, edges, 'fc3', 'Sigmoid', {})!;
    expect(chain(next.edges)).toContain('fc3->sigmoid_1');
    expect(analysed(next).outputId).toBe('sigmoid_1');
  });

  it('after a branch point, starts a new branch beside the others', () => {
    const { nodes, edges } = merge();
    const next = appendAfter(nodes, edges, 'a', 'ReLU', {})!;
    expect(chain(next.edges)).toEqual(expect.arrayContaining(['a->b', 'a->c', 'a->relu_1']));
    const box = (id: string) => next.nodes.find((n) => n.id === id)!.position;
    for (const other of ['b', 'c']) expect(box('relu_1').x).toBeGreaterThanOrEqual(box(other).x + NODE_WIDTH);
  });

  it('an Add appended goes to its first input slot; an Input is not wired', () => {
    const { nodes, edges } = lenet();
    expect(chain(appendAfter(nodes, edges, 'conv1', 'Add', {})!.edges)).toContain('conv1->add_1:in0');
    const withInput = appendAfter(nodes, edges, 'fc3', 'Input', {})!;
    expect(withInput.edges).toHaveLength(edges.length);
  });
});

describe('input slots', () => {
  it('a wire dropped on an Add takes its lowest free slot; on a one-input layer, its only one', () => {
    const { nodes, edges } = merge();
    expect(dropHandle(nodes, edges, 'm')).toBe('in2');
    expect(dropHandle(nodes, edges.filter((e) => e.targetHandle !== 'in0'), 'm')).toBe('in0');
    expect(dropHandle(nodes, edges, 'out')).toBeNull();
    expect(slotCount(edges, 'm')).toBe(3);
    expect(slotCount([], 'm')).toBe(2);
  });

  it('files without slots get them in the order the engine reads the inputs', () => {
    const doc = graph([input(1, 8), ['a', 'ReLU'], ['b', 'Sigmoid'], ['cat', 'Concat']], [['input', 'a'], ['input', 'b'], ['b', 'cat'], { source: 'a', target: 'cat', targetHandle: 'in0' }]);
    const edges = withSlots(doc.edges, (id) => doc.nodes.find((n) => n.id === id)?.type);
    expect(edges.filter((e) => e.target === 'cat').map((e) => [e.source, e.targetHandle])).toEqual([['b', 'in1'], ['a', 'in0']]);
    const before = analyzeGraph(doc).inputsOf.cat;
    expect(analyzeGraph({ ...doc, edges }).inputsOf.cat).toEqual(before);
    expect(freeSlot(edges, 'cat')).toBe('in2');
  });
});

describe('names', () => {
  it.each([
    ['conv_1', null],
    ['Stage2', null],
    ['', 'needs a name'],
    ['2conv', 'starting with a letter'],
    ['my conv', 'letters, digits and _'],
    ['r1.conv1', 'letters, digits and _'],
    ['pool1', 'already the name'],
    ['x'.repeat(65), 'at most 64'],
  ])('%j → %s', (name, why) => {
    const r = nameRefusal(name, 'conv1', new Set(['conv1', 'pool1']));
    if (why === null) expect(r).toBeNull();
    else expect(r?.toLowerCase()).toContain(why.toLowerCase());
  });

  it('renaming keeps the edges and the shapes', () => {
    const { nodes, edges } = lenet();
    const next = renameNode(nodes, edges, 'conv1', 'stem');
    expect(chain(next.edges)).toEqual(expect.arrayContaining(['input->stem', 'stem->sigmoid1']));
    expect(analysed(next).nodes.stem.shape).toEqual([1, 6, 28, 28]);
  });
});

describe('pasting', () => {
  it('puts copies where they cover no layer, the originals included', () => {
    const { nodes } = lenet();
    const laid = nodes.map((n, i) => ({ ...n, position: { x: (i % 3) * 300, y: Math.floor(i / 3) * 150 } }));
    const copies = laid.slice(2, 5).map((n) => ({ position: n.position }));
    const d = pasteOffset(laid, copies);
    for (const c of copies) {
      for (const n of laid) {
        const apart = c.position.x + d.x >= n.position.x + NODE_WIDTH || n.position.x >= c.position.x + d.x + NODE_WIDTH || c.position.y + d.y >= n.position.y + NODE_HEIGHT || n.position.y >= c.position.y + d.y + NODE_HEIGHT;
        expect(apart).toBe(true);
      }
    }
  });
});

describe('the canvas applies every fix as the engine checked it (property)', () => {
  it('same errors after the canvas applies a fix as after the document-level apply', () => {
    fc.assert(fc.property(brokenGraphs, (doc: GraphDoc) => {
      const flow = fromDoc(doc);
      for (const d of analyzeGraph(doc).diagnostics) {
        for (const fix of [...(d.fix ? [d.fix] : []), ...(d.alternatives ?? [])]) {
          const canvas = applyFixTo(flow.nodes, flow.edges, fix)!;
          const plain = applyFixToDoc(toDoc(flow.nodes, flow.edges, 'x'), fix)!;
          expect(errors(analysed(canvas)), fix.label).toBe(errors(analyzeGraph(plain)));
        }
      }
    }), { numRuns: 300 });
  });
});
