/**
 * Auto-layout and edge routing, checked as geometry: no two layers overlap, and no edge (sampled
 * along the curve or the lane React Flow draws) and no shape label lies under a layer — for the
 * templates, for graphs with skip connections and branches, for random DAGs, and for 10,000-layer
 * chains, which must lay out without recursion.
 */

import fc from 'fast-check';
import { getBezierPath, Position } from '@xyflow/react';
import { describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../shared/graph/types';
import { getTemplate } from '../../../shared/templates/index';
import { fitInOrder, layoutGraph } from '../../../renderer/canvas/layout';
import { labelWidth, lanePoints, routeEdges, type Lane } from '../../../renderer/canvas/routing';
import { fromDoc, NODE_HEIGHT, NODE_WIDTH, type LayerNode, type ShapeEdge } from '../../../renderer/model/graph-model';
import { slotIndex } from '../../../renderer/model/inputs';
import { graph, input, type NodeSpecLite } from '../shared/helpers';

type Box = { x: number; y: number; w: number; h: number; id: string };
const boxOf = (n: LayerNode): Box => ({ x: n.position.x, y: n.position.y, w: n.measured?.width ?? NODE_WIDTH, h: n.measured?.height ?? NODE_HEIGHT, id: n.id });
const inside = (p: [number, number], b: Box, m = 0) => p[0] > b.x + m && p[0] < b.x + b.w - m && p[1] > b.y + m && p[1] < b.y + b.h - m;
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Layer overlaps, by a sweep over x so 10,000 layers stay cheap. */
function overlapping(nodes: LayerNode[]): string[] {
  const boxes = nodes.map(boxOf).sort((a, b) => a.x - b.x);
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].x < boxes[i].x + boxes[i].w; j++) if (overlap(boxes[i], boxes[j])) out.push(`${boxes[i].id}/${boxes[j].id}`);
  }
  return out;
}

/** Points along each edge as ShapeEdge draws it, and its label's box. */
function drawn(nodes: LayerNode[], edges: ShapeEdge[]) {
  const box = new Map(nodes.map((n) => [n.id, boxOf(n)]));
  const slots = new Map<string, number>();
  for (const e of edges) if (slotIndex(e.targetHandle) >= 0) slots.set(e.target, Math.max(slots.get(e.target) ?? 2, slotIndex(e.targetHandle) + 2));
  return edges.map((e) => {
    const s = box.get(e.source)!;
    const t = box.get(e.target)!;
    const slot = slotIndex(e.targetHandle);
    const [sx, sy] = [s.x + s.w / 2, s.y + s.h];
    const [tx, ty] = [slot >= 0 ? t.x + (t.w * (slot + 1)) / ((slots.get(e.target) ?? 2) + 1) : t.x + t.w / 2, t.y];
    const lane = (e.data as { lane?: Lane } | undefined)?.lane;
    let points: [number, number][];
    let label: [number, number];
    if (lane) {
      const r = lanePoints(sx, sy, tx, ty, lane);
      label = r.label;
      points = [];
      for (let k = 0; k + 1 < r.points.length; k++) {
        const [a, b] = [r.points[k], r.points[k + 1]];
        for (let i = 0; i <= 20; i++) points.push([a[0] + ((b[0] - a[0]) * i) / 20, a[1] + ((b[1] - a[1]) * i) / 20]);
      }
    } else {
      const [path, lx, ly] = getBezierPath({ sourceX: sx, sourceY: sy, targetX: tx, targetY: ty, sourcePosition: Position.Bottom, targetPosition: Position.Top });
      const n = path.match(/-?[\d.]+/g)!.map(Number);
      const [p0, p1, p2, p3] = [[n[0], n[1]], [n[2], n[3]], [n[4], n[5]], [n[6], n[7]]];
      points = [];
      for (let i = 0; i <= 60; i++) {
        const u = i / 60;
        const c = [(1 - u) ** 3, 3 * (1 - u) ** 2 * u, 3 * (1 - u) * u ** 2, u ** 3];
        points.push([c[0] * p0[0] + c[1] * p1[0] + c[2] * p2[0] + c[3] * p3[0], c[0] * p0[1] + c[1] * p1[1] + c[2] * p2[1] + c[3] * p3[1]]);
      }
      label = [lx, ly];
    }
    const w = labelWidth('16×28×28');
    return { e, points, labelBox: { x: label[0] - w / 2, y: label[1] - 9, w, h: 18, id: `label ${e.id}` } };
  });
}

function clashes(doc: GraphDoc): string[] {
  const flow = fromDoc(doc);
  const nodes = layoutGraph(flow.nodes, flow.edges);
  const edges = routeEdges({ nodes, edges: flow.edges, label: () => '16×28×28' });
  const out = overlapping(nodes);
  const boxes = nodes.map(boxOf);
  for (const { e, points, labelBox } of drawn(nodes, edges)) {
    for (const b of boxes) {
      // An edge may touch its own ends; 2 px of slack for the handles' overhang.
      const hit = points.find((p) => inside(p, b, 2) && !((b.id === e.source || b.id === e.target) && !inside(p, b, 12)));
      if (hit && b.id !== e.source && b.id !== e.target) out.push(`${e.id} crosses ${b.id} at ${hit.map(Math.round).join(',')}`);
      if (overlap(labelBox, b)) out.push(`${labelBox.id} is under ${b.id}`);
    }
  }
  return out;
}

/** input → stem, then `blocks` residual blocks whose shortcut skips two layers into an Add. */
function skips(blocks: number): GraphDoc {
  const nodes: NodeSpecLite[] = [input(1, 28), ['stem', 'Conv2d', { out_channels: 16, kernel_size: 3, padding: 1 }]];
  const edges: Parameters<typeof graph>[1] = [['input', 'stem']];
  let prev = 'stem';
  for (let b = 0; b < blocks; b++) {
    nodes.push([`c${b}`, 'Conv2d', { out_channels: 16, kernel_size: 3, padding: 1 }], [`r${b}`, 'ReLU'], [`a${b}`, 'Add']);
    edges.push([prev, `c${b}`], [`c${b}`, `r${b}`], { source: `r${b}`, target: `a${b}`, targetHandle: 'in0' }, { source: prev, target: `a${b}`, targetHandle: 'in1' });
    prev = `a${b}`;
  }
  return graph(nodes, edges);
}

/** GoogLeNet's Inception: four branches from one layer into a Concat. */
const inception = () => graph(
  [input(1, 28), ['stem', 'ReLU'], ['b1', 'ReLU'], ['b2a', 'ReLU'], ['b2b', 'ReLU'], ['b3a', 'ReLU'], ['b3b', 'ReLU'], ['b4a', 'ReLU'], ['b4b', 'ReLU'], ['cat', 'Concat'], ['out', 'Flatten']],
  [['input', 'stem'], ['stem', 'b1'], ['stem', 'b2a'], ['b2a', 'b2b'], ['stem', 'b3a'], ['b3a', 'b3b'], ['stem', 'b4a'], ['b4a', 'b4b'],
    { source: 'b1', target: 'cat', targetHandle: 'in0' }, { source: 'b2b', target: 'cat', targetHandle: 'in1' }, { source: 'b3b', target: 'cat', targetHandle: 'in2' }, { source: 'b4b', target: 'cat', targetHandle: 'in3' }, ['cat', 'out']],
);

const chain = (n: number): GraphDoc => graph([input(1, 8), ...Array.from({ length: n - 1 }, (_, i): NodeSpecLite => [`n${i}`, 'ReLU'])], Array.from({ length: n - 1 }, (_, i): [string, string] => [i === 0 ? 'input' : `n${i - 1}`, `n${i}`]));

describe('layout and routing leave every layer, edge and label visible', () => {
  it.each(['lenet', 'bn-lenet', 'vgg', 'vgg-small', 'resnet18'])('template %s', (id) => {
    expect(clashes(getTemplate(id)!)).toEqual([]);
  });

  it.each([1, 2, 5, 12])('%i residual blocks with explicit skip connections', (n) => {
    expect(clashes(skips(n))).toEqual([]);
  });

  it('an Inception module (four branches into a Concat)', () => {
    expect(clashes(inception())).toEqual([]);
  });

  it('loose layers go in a grid, not one long row', () => {
    const doc = graph([input(1, 8), ['a', 'ReLU'], ...Array.from({ length: 14 }, (_, i): NodeSpecLite => [`l${i}`, 'ReLU'])], [['input', 'a']]);
    const flow = fromDoc(doc);
    const laid = layoutGraph(flow.nodes, flow.edges);
    expect(overlapping(laid)).toEqual([]);
    const loose = laid.filter((n) => n.id.startsWith('l'));
    const xs = new Set(loose.map((n) => n.position.x));
    const ys = new Set(loose.map((n) => n.position.y));
    expect(xs.size).toBeLessThanOrEqual(3);
    expect(ys.size).toBeLessThanOrEqual(6);
  });

  it('random DAGs of branches and merges (property)', () => {
    const dag = fc.array(fc.record({ from: fc.nat(), second: fc.option(fc.nat(), { nil: undefined }) }), { minLength: 1, maxLength: 24 }).map((spec) => {
      const nodes: NodeSpecLite[] = [input(1, 8)];
      const edges: Parameters<typeof graph>[1] = [];
      spec.forEach(({ from, second }, i) => {
        const id = `n${i}`;
        const a = nodes[nodes.length - 1 - (from % Math.min(3, nodes.length))][0];
        const b = second === undefined ? undefined : nodes[second % nodes.length][0];
        nodes.push([id, b !== undefined && b !== a ? 'Add' : 'ReLU']);
        if (b !== undefined && b !== a) edges.push({ source: a, target: id, targetHandle: 'in0' }, { source: b, target: id, targetHandle: 'in1' });
        else edges.push([a, id]);
      });
      return graph(nodes, edges);
    });
    fc.assert(fc.property(dag, (doc) => {
      expect(clashes(doc), JSON.stringify(doc.edges)).toEqual([]);
    }), { numRuns: 200 });
  });

  it.each([3000, 10_000])('a %i-layer chain without positions lays out (no recursion) without overlaps', (n) => {
    const flow = fromDoc(chain(n));
    const laid = layoutGraph(flow.nodes, flow.edges);
    expect(laid).toHaveLength(n);
    expect(overlapping(laid)).toEqual([]);
    // Folded into columns: far wider than one column, far shorter than one rank per row.
    const height = Math.max(...laid.map((l) => l.position.y));
    expect(height).toBeLessThan(n * 10);
    const routed = routeEdges({ nodes: laid, edges: flow.edges, label: () => '8×8×1' });
    // Only the edges from one column to the next need a lane.
    const lanes = routed.filter((e) => (e.data as { lane?: Lane } | undefined)?.lane);
    expect(lanes.length).toBe(new Set(laid.map((l) => l.position.x)).size - 1);
  });
});

describe('fitInOrder (least squares under order and spacing)', () => {
  it('keeps what already fits', () => {
    expect(fitInOrder([0, 100, 300], [1, 1, 1], [50, 50])).toEqual([0, 100, 300]);
  });

  it('pulls two layers that want one spot apart around it', () => {
    expect(fitInOrder([100, 100], [1, 1], [60])).toEqual([70, 130]);
  });

  it('always keeps the order and the gaps (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: -500, max: 500 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 30 }), (xs) => {
      const out = fitInOrder(xs.map((x) => x[0]), xs.map((x) => x[1]), xs.slice(1).map((x) => x[2]));
      for (let i = 1; i < out.length; i++) expect(out[i] - out[i - 1]).toBeGreaterThanOrEqual(xs[i][2] - 1e-9);
    }));
  });
});
