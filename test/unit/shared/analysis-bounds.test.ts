/**
 * What the shape engine says about hostile graphs stays linear in the graph and bounded in total
 * (a 9,999-node cycle used to put the whole cycle in every node's message: 790 M characters), and
 * sizes that no tensor can have are errors, not "valid" (1,100 levels of Concat doubling gave
 * Infinity channels).
 */

import { describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../shared/graph/types';
import { MAX_DIAGNOSTICS, MAX_MESSAGE_CHARS, analyzeGraph, type Analysis } from '../../../shared/shapes/analyze';
import { graph, input, type NodeSpecLite } from './helpers';

/** input → r0 → r1 → … → r(n−1) → r0. */
function cycle(n: number): GraphDoc {
  const nodes: NodeSpecLite[] = [input(1, 8)];
  const edges: [string, string][] = [['input', 'r0']];
  for (let i = 0; i < n; i++) {
    nodes.push([`r${i}`, 'ReLU']);
    edges.push([`r${i}`, `r${(i + 1) % n}`]);
  }
  return graph(nodes, edges);
}

/** Each level concatenates the previous level with itself: channels double per level. */
function concatDoubling(levels: number, c = 1, hw = 4): GraphDoc {
  const nodes: NodeSpecLite[] = [input(c, hw)];
  const edges: { source: string; target: string; targetHandle: string }[] = [];
  let prev = 'input';
  for (let i = 0; i < levels; i++) {
    nodes.push([`c${i}`, 'Concat']);
    edges.push({ source: prev, target: `c${i}`, targetHandle: 'in0' }, { source: prev, target: `c${i}`, targetHandle: 'in1' });
    prev = `c${i}`;
  }
  nodes.push(['flat', 'Flatten'], ['fc', 'Linear', { out_features: 10 }]);
  return graph(nodes, [...edges, { source: prev, target: 'flat' }, { source: 'flat', target: 'fc' }]);
}

const textOf = (a: Analysis): number => a.diagnostics.reduce((n, d) => n + d.message.length + (d.fix?.label.length ?? 0), 0);
const bounds = (a: Analysis) => {
  expect(a.diagnostics.length).toBeLessThanOrEqual(MAX_DIAGNOSTICS + 1);
  for (const d of a.diagnostics) expect(d.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  expect(textOf(a)).toBeLessThanOrEqual((MAX_DIAGNOSTICS + 1) * (MAX_MESSAGE_CHARS + 200));
};

describe('diagnostics are linear in the graph', () => {
  it.each([3, 7, 100, 9_999])('a %d-node cycle is reported once, its path shortened, and marked on every node on it', (n) => {
    const a = analyzeGraph(cycle(n));
    const cycles = a.diagnostics.filter((d) => d.code === 'cycle');
    expect(cycles).toHaveLength(1);
    const [d] = cycles;
    expect(d.message.length).toBeLessThan(400);
    expect(d.fix).toEqual({ kind: 'removeEdge', label: `Remove r${n - 1} → r0`, source: `r${n - 1}`, target: 'r0' });
    if (n <= 6) expect(d.message).toContain(`(${[...Array.from({ length: n }, (_, i) => `r${i}`), 'r0'].join(' → ')})`);
    else expect(d.message).toContain(`(r0 → r1 → r2 → r3 → … → r${n - 1} → r0, and ${(n - 5).toLocaleString('en-US')} more)`);
    for (let i = 0; i < n; i++) expect(a.nodes[`r${i}`].diagnostics).toContain(d);
    expect(a.ok).toBe(false);
    // The whole analysis serialises (it used to throw RangeError: Invalid string length).
    expect(JSON.stringify(a.diagnostics).length).toBeLessThan(2_000);
    bounds(a);
  });

  it('two separate cycles are each reported once', () => {
    const doc = graph(
      [input(1, 8), ['a', 'Add'], ['b', 'ReLU'], ['x', 'Add'], ['y', 'ReLU'], ['z', 'Tanh']],
      [['input', 'a'], ['a', 'b'], ['b', 'a'], ['input', 'x'], ['x', 'y'], ['y', 'z'], ['z', 'x']],
    );
    const cycles = analyzeGraph(doc).diagnostics.filter((d) => d.code === 'cycle');
    expect(cycles.map((d) => d.edge)).toEqual([{ source: 'b', target: 'a' }, { source: 'z', target: 'x' }]);
  });

  it('a self-loop is one node feeding itself', () => {
    const d = analyzeGraph(graph([input(1, 8), ['a', 'Add']], [['input', 'a'], ['a', 'a']])).diagnostics.find((x) => x.code === 'cycle');
    expect(d?.message).toBe('Add a feeds itself; data must flow one way from the Input. Remove the edge a → a.');
  });

  it('9,999 dead ends: each names a few others, the list stops at the limit and counts the rest', () => {
    const nodes: NodeSpecLite[] = [input(1, 8)];
    const edges: [string, string][] = [];
    for (let i = 0; i < 9_999; i++) {
      nodes.push([`d${i}`, 'ReLU']);
      edges.push(['input', `d${i}`]);
    }
    const a = analyzeGraph(graph(nodes, edges));
    expect(a.counts.errors).toBe(9_999);
    expect(a.diagnostics).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(a.diagnostics[0].message).toBe('ReLU d0 is one of 9,999 outputs (also d1, d2, d3, d4 and 9,994 more); a network has one. Connect the dead ends onward or delete them.');
    expect(a.diagnostics.at(-1)).toMatchObject({ severity: 'error', code: 'more-problems' });
    expect(a.diagnostics.at(-1)!.message).toContain(`… and ${(9_999 - MAX_DIAGNOSTICS).toLocaleString('en-US')} errors more`);
    for (let i = 0; i < 9_999; i++) expect(a.nodes[`d${i}`].diagnostics.map((d) => d.code)).toEqual(['multiple-outputs']);
    bounds(a);
  });

  it('a node with 9,999 inputs names a few of them', () => {
    const nodes: NodeSpecLite[] = [input(1, 8), ['sink', 'ReLU']];
    const edges: [string, string][] = [];
    for (let i = 0; i < 9_999; i++) {
      nodes.push([`s${i}`, 'ReLU']);
      edges.push(['input', `s${i}`], [`s${i}`, 'sink']);
    }
    const a = analyzeGraph(graph(nodes, edges));
    const d = a.diagnostics.find((x) => x.code === 'too-many-inputs')!;
    expect(d.message).toBe('ReLU sink has 9,999 inputs (s0, s1, s2, s3 and 9,995 more) but takes one. Merge them first with Add or Concat, or remove the edge from s9998.');
    bounds(a);
  });

  it('a Concat of 9,999 inputs with differing sizes stays within the message limit', () => {
    const nodes: NodeSpecLite[] = [input(1, 8), ['cat', 'Concat'], ['flat', 'Flatten']];
    const edges: [string, string][] = [['cat', 'flat']];
    for (let i = 0; i < 9_999; i++) {
      nodes.push([`p${i}`, 'MaxPool2d', { kernel_size: 1 + (i % 3) }]);
      edges.push(['input', `p${i}`], [`p${i}`, 'cat']);
    }
    bounds(analyzeGraph(graph(nodes, edges)));
  });
});

describe('sizes no tensor can have are errors', () => {
  it('1,100 levels of Concat doubling: an error where the channels pass 2^53, and nothing downstream is Infinity', () => {
    const a = analyzeGraph(concatDoubling(1_100));
    const over = a.diagnostics.filter((d) => d.code === 'size-overflow');
    expect(over).toHaveLength(1);
    // Level i has 2^(i+1) channels of 4×4: 2^(i+5) elements, past 2^53 − 1 at i = 48.
    expect(over[0].nodeId).toBe('c48');
    expect(over[0].message).toMatch(/^Concat c48: its output \[1, 562949953421312, 4, 4\] has 9\.01e\+15 elements, past 2\^53/);
    expect(a.nodes.c47.shape).toEqual([1, 2 ** 48, 4, 4]);
    expect(a.nodes.c48.shape).toBeNull();
    expect(a.nodes.fc.shape).toBeNull();
    expect(a.ok).toBe(false);
    for (const id of a.order) {
      const info = a.nodes[id];
      expect(Number.isSafeInteger(info.params) && Number.isSafeInteger(info.macs)).toBe(true);
      for (const x of info.shape ?? []) expect(Number.isSafeInteger(x)).toBe(true);
    }
    expect(Number.isSafeInteger(a.totals.params) && Number.isSafeInteger(a.totals.macs)).toBe(true);
  });

  it.each([
    // 16.7M output channels on 28×28: params 1.5e8 are exact, MACs 1.2e17 are not.
    ['a 16.7M-channel convolution after another', [input(1, 28), ['a', 'Conv2d', { out_channels: 16_777_216, kernel_size: 3, padding: 1 }], ['b', 'Conv2d', { out_channels: 16_777_216, kernel_size: 3, padding: 1 }]], 'b', /Conv2d b would have .* MACs, past 2\^53/],
    ['a Linear on 4096×4096×4096 features', [input(4096, 4096), ['flat', 'Flatten'], ['fc', 'Linear', { out_features: 16_777_216 }]], 'fc', /Linear fc would have .* parameters, past 2\^53/],
  ] as [string, NodeSpecLite[], string, RegExp][])('%s', (_what, nodes, at, message) => {
    const doc = graph(nodes, nodes.slice(1).map((n, i) => [nodes[i][0], n[0]] as [string, string]));
    const a = analyzeGraph(doc);
    const d = a.diagnostics.find((x) => x.code === 'size-overflow');
    expect(d?.nodeId).toBe(at);
    expect(d?.message).toMatch(message);
    expect(a.nodes[at].shape).toBeNull();
  });

  it('counts that are each exact but add up past 2^53 are an error on the network', () => {
    // 9 Linears of 2^26 × 2^24 weights: 1.1e15 each, 1.0e16 together.
    const nodes: NodeSpecLite[] = [input(1, 8192), ['flat', 'Flatten']];
    const edges: [string, string][] = [['input', 'flat']];
    const sum: string[] = [];
    for (let i = 0; i < 9; i++) {
      nodes.push([`fc${i}`, 'Linear', { out_features: 16_777_216 }]);
      edges.push(['flat', `fc${i}`], [`fc${i}`, 'add']);
      sum.push(`fc${i}`);
    }
    nodes.push(['add', 'Add']);
    const a = analyzeGraph(graph(nodes, edges));
    const d = a.diagnostics.find((x) => x.code === 'size-overflow');
    expect(d?.nodeId).toBeUndefined();
    expect(d?.message).toMatch(/^The network's parameters add up to 1\.01e\+16, past 2\^53/);
    expect(a.ok).toBe(false);
  });

  it('a Residual block whose inside overflows says so on the block', () => {
    const a = analyzeGraph(graph(
      [input(16_777_216, 512), ['res', 'Residual', { num_channels: 16_777_216 }]],
      [['input', 'res']],
    ));
    const d = a.diagnostics.find((x) => x.code === 'size-overflow');
    expect(d?.nodeId).toBe('res');
    expect(d?.message).toMatch(/res\.conv1/);
  });
});
