/** Reading graph files and IPC payloads: the format, and every kind of bad input as one clear diagnostic. */

import { describe, expect, it } from 'vitest';
import { MAX_GRAPH_BYTES, parseGraph } from '../../../shared/graph/parse';
import { analyzeGraph } from '../../../shared/shapes/index';

/** The example in docs/graph-format.md. */
const FORMAT_EXAMPLE = `{"format": "convstudio.graph", "version": 1, "name": "LeNet",
 "nodes": [{"id": "input", "type": "Input", "params": {"channels": 1, "height": 28, "width": 28}, "position": {"x": 0, "y": 0}},
           {"id": "c1", "type": "Conv2d", "params": {"out_channels": 6, "kernel_size": 5, "padding": 2}}],
 "edges": [{"source": "input", "target": "c1"}]}`;

function rejected(input: unknown, code: string): string {
  const r = parseGraph(input);
  expect(r.doc).toBeNull();
  expect(r.diagnostics.map((d) => d.code)).toContain(code);
  expect(r.diagnostics.every((d) => d.severity === 'error' && d.message.length > 10)).toBe(true);
  return r.diagnostics[0].message;
}

describe('the format', () => {
  it('reads the example of docs/graph-format.md, position optional', () => {
    const r = parseGraph(FORMAT_EXAMPLE);
    expect(r.diagnostics).toEqual([]);
    expect(r.doc?.nodes.map((n) => n.position ?? null)).toEqual([{ x: 0, y: 0 }, null]);
    const a = analyzeGraph(r.doc!);
    expect(a.nodes.c1.shape).toEqual([1, 6, 28, 28]);
  });

  it('takes an already-parsed value (an IPC payload) and returns a copy', () => {
    const value = JSON.parse(FORMAT_EXAMPLE);
    const r = parseGraph(value);
    // Read as version 2: a version 1 document is migrated on reading (docs/graph-format.md).
    expect(r.doc).toEqual({ ...value, version: 2, nodes: [value.nodes[0], value.nodes[1]] });
    expect(r.doc).not.toBe(value);
    expect(r.doc!.nodes[0].params).not.toBe(value.nodes[0].params);
  });

  it('keeps targetHandle and sourceHandle, drops unknown fields, accepts a byte-order mark', () => {
    const r = parseGraph('\ufeff' + JSON.stringify({
      format: 'convstudio.graph', version: 1, name: 'x', extra: { anything: true },
      nodes: [{ id: 'a', type: 'Add', params: {}, ui: 'ignored' }], edges: [{ source: 'a', target: 'a', targetHandle: 'in1', sourceHandle: 'out' }],
    }));
    expect(r.diagnostics).toEqual([]);
    expect(r.doc).toEqual({ format: 'convstudio.graph', version: 2, name: 'x', nodes: [{ id: 'a', type: 'Add', params: {} }], edges: [{ source: 'a', target: 'a', targetHandle: 'in1', sourceHandle: 'out' }] });
  });

  it('a missing name or params gets a default', () => {
    const r = parseGraph({ format: 'convstudio.graph', version: 1, nodes: [{ id: 'r', type: 'ReLU' }], edges: [] });
    expect(r.doc?.name).toBe('Untitled');
    expect(r.doc?.nodes[0].params).toEqual({});
  });

  it('a "__proto__" param stays an ordinary unknown param and pollutes nothing', () => {
    const r = parseGraph('{"format":"convstudio.graph","version":1,"name":"p","nodes":[{"id":"r","type":"ReLU","params":{"__proto__":5}}],"edges":[]}');
    expect(Object.getPrototypeOf(r.doc!.nodes[0].params)).toBe(Object.prototype);
    expect(Object.keys(r.doc!.nodes[0].params)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bad input: one clear diagnostic, never an exception', () => {
  it('unreadable JSON', () => {
    expect(rejected('{"format": "convstudio.graph", nodes: [}', 'bad-json')).toMatch(/^The file is not valid JSON \(.+\)\. A ConvStudio graph is a JSON document\.$/);
  });

  it('a binary file, and control characters kept out of the message', () => {
    expect(rejected('\u007fELF\u0002\u0001\u0001\u0000\u0000', 'bad-json')).toBe('The file is binary data, not a ConvStudio graph (a JSON text file).');
    expect([...rejected('{"a":\u0001}', 'bad-json')].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });

  it('an empty file', () => {
    expect(rejected('  \n', 'empty')).toContain('empty');
  });

  it('a wrong format', () => {
    expect(rejected('{"format": "onnx", "version": 1}', 'wrong-format')).toBe('This is not a ConvStudio graph: "format" is "onnx", expected "convstudio.graph".');
    expect(rejected('[1, 2, 3]', 'not-a-graph')).toContain('found a list');
    expect(rejected('{"nodes": []}', 'wrong-format')).toContain('"format" is missing');
  });

  it('a wrong version', () => {
    expect(rejected('{"format": "convstudio.graph", "version": 3, "nodes": [], "edges": []}', 'wrong-version')).toContain('written by a newer ConvStudio');
    expect(rejected('{"format": "convstudio.graph", "version": 0, "nodes": [], "edges": []}', 'wrong-version')).toContain('reads versions 1 to 2');
    expect(rejected('{"format": "convstudio.graph", "version": "1", "nodes": [], "edges": []}', 'wrong-version')).toContain('Unsupported graph version "1"');
  });

  it('a 10 MB file', () => {
    const big = `{"format": "convstudio.graph", "version": 1, "name": "${'x'.repeat(10 * 1024 * 1024)}", "nodes": [], "edges": []}`;
    expect(big.length).toBeGreaterThan(MAX_GRAPH_BYTES);
    expect(rejected(big, 'too-large')).toBe('The file is 10.0 MB; a graph file is at most 5 MB. Is this the right file?');
  });

  it('deeply nested junk, as text and as a value', () => {
    expect(rejected('['.repeat(200_000) + ']'.repeat(200_000), 'too-deep')).toContain('nests deeper than');
    // Brackets inside strings do not count.
    expect(parseGraph(`{"format": "convstudio.graph", "version": 1, "name": "${'['.repeat(100)}", "nodes": [], "edges": []}`).doc).not.toBeNull();
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { nodes: [deep] };
    rejected(deep, 'too-deep');
    const loop: Record<string, unknown> = { format: 'convstudio.graph', version: 1, nodes: [], edges: [] };
    loop.self = loop;
    rejected(loop, 'too-deep');
  });

  it.each([
    [{ nodes: 'x', edges: [] }, 'bad-document', '"nodes" must be a list of nodes; it is "x".'],
    [{ nodes: [], edges: {} }, 'bad-document', '"edges" must be a list of edges; it is an object.'],
    [{ nodes: [5], edges: [] }, 'bad-node', 'nodes[0] must be an object'],
    [{ nodes: [{ id: '', type: 'ReLU' }], edges: [] }, 'bad-node', '"id" must be a non-empty text'],
    [{ nodes: [{ id: 'a', type: 7 }], edges: [] }, 'bad-node', 'node a: "type" must be a node type such as "Conv2d"; it is 7.'],
    [{ nodes: [{ id: 'a', type: 'ReLU', params: [] }], edges: [] }, 'bad-node', '"params" must be an object'],
    [{ nodes: [{ id: 'a', type: 'Conv2d', params: { padding: null } }], edges: [] }, 'bad-param-value', 'param "padding" must be a number, true/false, a short text or a pair [h, w]; it is null.'],
    [{ nodes: [{ id: 'a', type: 'Conv2d', params: { kernel_size: [1, 2, 3] } }], edges: [] }, 'bad-param-value', 'it is a list'],
    [{ nodes: [{ id: 'a', type: 'ReLU', position: { x: 'left' } }], edges: [] }, 'bad-node', '"position" must be {"x": number, "y": number}'],
    [{ nodes: [], edges: [{ source: 1, target: 'b' }] }, 'bad-edge', 'edges[0]: "source" and "target" must be node ids'],
    [{ nodes: [], edges: [{ source: 'a', target: 'b', targetHandle: 3 }] }, 'bad-edge', '"targetHandle" must be a short text'],
    [{ nodes: Array.from({ length: 10_001 }, (_, i) => ({ id: `n${i}`, type: 'ReLU' })), edges: [] }, 'too-large', 'at most 10000'],
  ])('%j → %s', (body, code, text) => {
    const message = rejected({ format: 'convstudio.graph', version: 1, name: 'x', ...body }, code);
    expect(message).toContain(text);
  });

  it('reports a bounded number of problems for a badly broken file', () => {
    const r = parseGraph({ format: 'convstudio.graph', version: 1, name: 'x', nodes: Array(5000).fill(null), edges: [] });
    expect(r.doc).toBeNull();
    expect(r.diagnostics.length).toBeLessThanOrEqual(20);
  });
});

describe('identifiers are printable text', () => {
  const base = () => ({ format: 'convstudio.graph', version: 1, nodes: [{ id: 'a', type: 'ReLU', params: {} as Record<string, unknown> }], edges: [] as Record<string, unknown>[] });
  it.each([
    ['a node id', (d: ReturnType<typeof base>) => { d.nodes[0].id = 'a\x1b[2J'; }, /"id" must be a non-empty text of at most 200 printable characters; it is "a\\u001b\[2J"/],
    ['a node type', (d: ReturnType<typeof base>) => { d.nodes[0].type = 'Re\u009bLU'; }, /"type" must be a node type such as "Conv2d"; it is "Re\\u009bLU"/],
    ['a param name', (d: ReturnType<typeof base>) => { d.nodes[0].params['x\ny'] = 1; }, /param name "x\\u000ay" must be printable text/],
    ['a text param', (d: ReturnType<typeof base>) => { d.nodes[0].params.padding = 'same\r'; }, /param "padding" must be .*; it is "same\\u000d"/],
    ['an edge end', (d: ReturnType<typeof base>) => { d.edges.push({ source: 'a', target: 'b\u202e' }); }, /"source" and "target" must be node ids \(text\)/],
    ['a handle', (d: ReturnType<typeof base>) => { d.edges.push({ source: 'a', target: 'a', targetHandle: 'in0\x07' }); }, /"targetHandle" must be a short text/],
  ])('%s with a control character is refused, quoted with visible escapes', (_what, edit, message) => {
    const d = base();
    edit(d);
    const r = parseGraph(JSON.stringify(d));
    expect(r.doc).toBeNull();
    expect(r.diagnostics[0].message).toMatch(message);
    // eslint-disable-next-line no-control-regex -- the point
    expect(r.diagnostics[0].message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});
