import { describe, expect, it } from 'vitest';
import { getTemplate } from '../../../shared/templates/index';
import { analyzeGraph } from '../../../shared/shapes/index';
import { connectionRefusal, fromDoc, toDoc, type LayerNode } from '../../../renderer/model/graph-model';
import { applyFixTo, pushDownOverlaps } from '../../../renderer/model/edits';
import { layoutGraph } from '../../../renderer/canvas/layout';
import { NODE_HEIGHT, NODE_WIDTH } from '../../../renderer/model/graph-model';

const lenet = () => fromDoc(getTemplate('lenet')!);

describe('connectionRefusal', () => {
  const { nodes, edges } = lenet();
  it.each([
    ['conv1', 'conv1', 'cannot feed itself'],
    ['conv1', 'input', 'takes no inputs'],
    ['input', 'conv1', 'already feeds'],
    ['pool1', 'sigmoid1', 'already has its input'],
    ['nope', 'conv1', 'Both ends'],
  ])('%s → %s is refused (%s)', (s, t, why) => {
    expect(connectionRefusal(nodes, edges, s, t)).toContain(why);
  });

  it('refuses a cycle through a merge node', () => {
    const withAdd: LayerNode[] = [...nodes, { id: 'add', type: 'layer', position: { x: 0, y: 0 }, data: { type: 'Add', params: {} } }];
    const e2 = [...edges, { id: 'x', source: 'fc3', target: 'add', type: 'shape' as const }];
    expect(connectionRefusal(withAdd, e2, 'add', 'conv1')).toContain('already has its input');
    expect(connectionRefusal(withAdd, e2, 'fc3', 'add')).toContain('already feeds');
    const e3 = [...edges.filter((e) => e.target !== 'sigmoid1'), { id: 'y', source: 'fc3', target: 'add', type: 'shape' as const }];
    expect(connectionRefusal(withAdd, e3, 'add', 'sigmoid1')).toContain('cycle');
  });

  it('allows a free input to be wired', () => {
    const cut = edges.filter((e) => e.target !== 'fc1');
    expect(connectionRefusal(nodes, cut, 'flatten', 'fc1')).toBeNull();
  });
});

describe('toDoc / fromDoc', () => {
  it('round-trips a template, so saving then opening changes nothing', () => {
    const doc = getTemplate('resnet18')!;
    const laid = layoutGraph(fromDoc(doc).nodes, fromDoc(doc).edges);
    const back = toDoc(laid, fromDoc(doc).edges, doc.name);
    expect(back.nodes.map((n) => [n.id, n.type, n.params])).toEqual(doc.nodes.map((n) => [n.id, n.type, n.params]));
    expect(back.edges).toEqual(doc.edges.map((e) => ({ source: e.source, target: e.target, ...(e.targetHandle ? { targetHandle: e.targetHandle } : {}) })));
  });
});

describe('applyFixTo', () => {
  it('"Insert Flatten" rewires the edge and clears the needs-flatten error', () => {
    const { nodes, edges } = lenet();
    const cut = edges.filter((e) => e.source !== 'flatten' && e.target !== 'flatten');
    const broken = [...cut, { id: 'p->f', source: 'pool2', target: 'fc1', type: 'shape' as const }];
    const without = nodes.filter((n) => n.id !== 'flatten');
    const diag = analyzeGraph(toDoc(without, broken, 'x')).diagnostics.find((d) => d.code === 'needs-flatten');
    expect(diag?.fix?.kind).toBe('insertNode');
    const fixed = applyFixTo(without, broken, diag!.fix!)!;
    const a = analyzeGraph(toDoc(fixed.nodes, fixed.edges, 'x'));
    expect(a.ok).toBe(true);
    expect(a.nodes.fc3.shape).toEqual([1, 10]);
    // The layers after the insertion moved down to make room.
    const fc1Before = without.find((n) => n.id === 'fc1')!.position.y;
    expect(fixed.nodes.find((n) => n.id === 'fc1')!.position.y).toBeGreaterThan(fc1Before);
  });

  it('returns null for a fix that no longer applies', () => {
    const { nodes, edges } = lenet();
    expect(applyFixTo(nodes, edges, { kind: 'removeEdge', label: 'x', source: 'fc3', target: 'input' })).toBeNull();
  });
});

describe('layout', () => {
  const overlapping = (ns: LayerNode[]) => {
    const out: string[] = [];
    for (const a of ns) for (const b of ns) {
      if (a.id >= b.id) continue;
      const w = (n: LayerNode) => n.measured?.width ?? NODE_WIDTH;
      const h = (n: LayerNode) => n.measured?.height ?? NODE_HEIGHT;
      if (a.position.x < b.position.x + w(b) && b.position.x < a.position.x + w(a) && a.position.y < b.position.y + h(b) && b.position.y < a.position.y + h(a)) out.push(`${a.id}/${b.id}`);
    }
    return out;
  };

  it.each(['lenet', 'bn-lenet', 'vgg', 'vgg-small', 'resnet18'])('lays out %s with no overlapping layers', (id) => {
    const { nodes, edges } = fromDoc(getTemplate(id)!);
    expect(overlapping(layoutGraph(nodes, edges))).toEqual([]);
  });

  it('pushes layers down when one grows over them, and only then', () => {
    const { nodes, edges } = lenet();
    const laid = layoutGraph(nodes, edges);
    expect(pushDownOverlaps(laid)).toBe(laid);
    const grown = laid.map((n) => (n.id === 'pool1' ? { ...n, measured: { width: NODE_WIDTH, height: 260 } } : n));
    expect(overlapping(grown).length).toBeGreaterThan(0);
    expect(overlapping(pushDownOverlaps(grown))).toEqual([]);
  });
});
