/**
 * Fuzzing the parser and the shape engine together: random values, random JSON text, random
 * graphs from the catalogue's vocabulary, mutations of the templates (text and structure), and
 * large hostile graphs up to the 10,000-node limit (long cycles, deep Concat doubling, huge
 * parameters, random wiring). Over 20,000 documents; no exception may escape, every rejection
 * must be a diagnostic, an analysis that says "ok" must really have a positive shape on every
 * node, and what a reply carries (diagnostics, the training plan's error, the summary text) stays
 * bounded: linear in the graph, never the 790 M characters a 9,999-node cycle once produced.
 */

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/graph/catalogue';
import { MAX_NODES, parseGraph } from '../../../shared/graph/parse';
import { formatSummary } from '../../../shared/graph/summary';
import type { GraphDoc, GraphEdge, GraphNode, ParamValue } from '../../../shared/graph/types';
import { MAX_DIAGNOSTICS, MAX_MESSAGE_CHARS } from '../../../shared/shapes/analyze';
import { analyzeGraph } from '../../../shared/shapes/index';
import { planTraining } from '../../../shared/training/plan';
import { TEMPLATES } from '../../../shared/templates/index';

let documents = 0;

/** Plain checks: vitest's expect costs more than the engine itself over thousands of documents. */
function must(ok: boolean, what: string, subject: unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(subject, null, 1)?.slice(0, 2000)}`);
}

function check(input: unknown, { replies = false } = {}): void {
  documents++;
  const parsed = parseGraph(input);
  for (const d of parsed.diagnostics) {
    must(typeof d.code === 'string' && d.code !== 'internal-error' && d.message.length > 0, 'parse diagnostic', d);
  }
  // doc is non-null exactly when the parser raised no error.
  must((parsed.doc === null) === parsed.diagnostics.some((d) => d.severity === 'error'), 'doc iff no error', parsed);
  if (!parsed.doc) {
    must(parsed.diagnostics.length > 0, 'a rejection carries a diagnostic', parsed);
    return;
  }
  checkAnalysis(parsed.doc, replies);
}

/** What a reply about a diagnostics list may weigh at most, whatever the graph. */
const MAX_DIAGNOSTICS_JSON = (MAX_DIAGNOSTICS + 1) * (MAX_MESSAGE_CHARS + 400);

/** `replies`: also bound what the training plan and the summary make of it (big graphs). */
function checkAnalysis(doc: GraphDoc, replies: boolean): void {
  const a = analyzeGraph(doc);
  must(a.diagnostics.length <= MAX_DIAGNOSTICS + 1, 'diagnostics list bounded', a.diagnostics.length);
  for (const d of a.diagnostics) must(d.message.length <= MAX_MESSAGE_CHARS, 'message bounded', d.message.slice(0, 200));
  for (const d of a.diagnostics) {
    must(d.code !== 'internal-error' && (d.severity === 'error' || d.severity === 'warning') && d.message.length > 0, 'analysis diagnostic', { d, doc });
    must(!/undefined|NaN|\[object/.test(d.message), 'message without undefined/NaN', { d, doc });
  }
  must(a.ok === !a.diagnostics.some((d) => d.severity === 'error'), 'ok iff no error', a);
  must(Number.isFinite(a.totals.params) && Number.isFinite(a.totals.macs), 'finite totals', a.totals);
  if (replies) {
    // The replies a big graph produces: the diagnostics (the page's and the socket's), the
    // training plan's error value (what startTraining answers) and the CLI's summary table.
    must(JSON.stringify(a.diagnostics).length <= MAX_DIAGNOSTICS_JSON, 'diagnostics JSON bounded', a.diagnostics.length);
    const plan = planTraining(doc, {});
    must(JSON.stringify(plan.ok ? plan.value.analysis.diagnostics : plan.error).length <= MAX_DIAGNOSTICS_JSON + 20_000, 'plan reply bounded', plan.ok);
    const rows = formatSummary(doc, a);
    must(rows.length <= 400 * (doc.nodes.length + 10) + MAX_DIAGNOSTICS_JSON, 'summary linear in the graph', rows.length);
  }
  if (a.ok) {
    must(a.outputId !== null, 'a valid graph has one output', doc);
    for (const id of a.order) {
      const shape = a.nodes[id].shape;
      must(shape !== null && shape.every((x) => Number.isInteger(x) && x >= 1), `valid graph, positive shape at ${id}`, { doc, shape });
    }
  }
}

const types = [...CATALOGUE.map((s) => s.type), 'Conv3d', '', 'constructor', '__proto__'];
const paramNames = [...new Set(CATALOGUE.flatMap((s) => s.params.map((p) => p.name))), 'toString', 'bogus'];
const paramValue = fc.oneof(
  fc.integer({ min: -3, max: 40 }), fc.integer(), fc.double(), fc.boolean(),
  fc.constantFrom('same', 'valid', '', 'x', '__proto__'),
  fc.tuple(fc.integer({ min: -1, max: 9 }), fc.integer({ min: -1, max: 9 })),
);
const ids = fc.constantFrom('input', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'ghost', 'constructor', '__proto__', 'hasOwnProperty');
const randomGraph = fc.record({
  format: fc.constant('convstudio.graph'),
  version: fc.constant(1),
  name: fc.string(),
  nodes: fc.array(fc.record({
    id: ids,
    type: fc.constantFrom(...types),
    params: fc.dictionary(fc.constantFrom(...paramNames), paramValue, { maxKeys: 5 }),
  }), { maxLength: 9 }),
  edges: fc.array(fc.record({
    source: ids, target: ids,
    targetHandle: fc.option(fc.constantFrom('in0', 'in1', 'in2', 'in99', 'x'), { nil: undefined }),
  }, { requiredKeys: ['source', 'target'] }), { maxLength: 14 }),
});

/** A parameter value chosen to overflow: past 2^31, 2^53, or merely very large. */
const hugeValue = fc.constantFrom(2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 53 + 2, 1e15, 1e300, 16_777_216, 65_536, 4096);
const hostileShape = fc.constantFrom('cycle', 'concat', 'huge', 'random', 'chain');

/**
 * A large graph: `n` nodes after the Input. cycle: a chain of ReLUs whose last node feeds back to
 * node `k`; concat: every level concatenates the one before with itself; huge: convolutions and
 * linears with parameters past what a tensor can hold; random: random types from the catalogue,
 * each fed by one or two random nodes (earlier or not, so cycles and fan-in of all kinds); chain:
 * a plain chain of random types.
 */
const largeGraph = fc.record({
  kind: hostileShape,
  n: fc.integer({ min: 60, max: MAX_NODES + 2 }),
  seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
  huge: fc.array(hugeValue, { minLength: 8, maxLength: 8 }),
  hw: fc.constantFrom(1, 28, 224, 4096, 70_000),
}).map(({ kind, n, seed, huge, hw }): GraphDoc => {
  let r = 0;
  const pick = (m: number) => seed[r++ % seed.length] * 2654435761 % 4294967296 % Math.max(1, m) + (r % 7 === 0 ? 1 : 0);
  const at = (m: number) => Math.min(m - 1, pick(m));
  const nodes: GraphNode[] = [{ id: 'input', type: 'Input', params: { channels: 1, height: hw, width: hw } }];
  const edges: GraphEdge[] = [];
  const add = (type: string, params: Record<string, ParamValue>, sources: string[]) => {
    const id = `n${nodes.length}`;
    nodes.push({ id, type, params });
    sources.forEach((source, i) => edges.push(sources.length > 1 ? { source, target: id, targetHandle: `in${i}` } : { source, target: id }));
    return id;
  };
  let prev = 'input';
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'cycle': prev = add('ReLU', {}, [prev]); break;
      case 'concat': prev = add('Concat', {}, [prev, prev]); break;
      case 'huge': prev = i % 3 === 0 ? add('Conv2d', { out_channels: huge[i % 8], kernel_size: 1 + (i % 3) }, [prev])
        : i % 3 === 1 ? add('Linear', { out_features: huge[(i + 3) % 8] }, [add('Flatten', {}, [prev])]) : add('ReLU', {}, [prev]); break;
      case 'random': {
        const type = types[at(types.length)];
        const params: Record<string, ParamValue> = {};
        for (let k = 0; k < pick(3); k++) params[paramNames[at(paramNames.length)]] = pick(2) ? huge[at(8)] : pick(9);
        const sources = [nodes[at(nodes.length)].id];
        if (pick(3) === 0) sources.push(nodes[at(nodes.length)].id);
        prev = add(type, params, sources);
        break;
      }
      case 'chain': prev = add(types[at(types.length)], {}, [prev]); break;
    }
  }
  if (kind === 'cycle') edges.push({ source: prev, target: nodes[1 + at(nodes.length - 1)].id });
  if (kind !== 'random') add('Linear', { out_features: 10 }, [add('Flatten', {}, [prev])]);
  return { format: 'convstudio.graph', version: 2, name: `large ${kind}`, nodes, edges };
});

describe('fuzzing parseGraph + analyzeGraph', () => {
  it('random values of any kind (6,000)', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 6 }), (v) => check(v)), { numRuns: 6000 });
  });

  it('random JSON text (3,000)', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 5 }), (text) => check(text)), { numRuns: 3000 });
  });

  it('random graphs from the catalogue’s vocabulary, as text and as values (8,000)', () => {
    fc.assert(fc.property(randomGraph, (g) => {
      check(JSON.stringify(g));
      check(g);
    }), { numRuns: 4000 });
  });

  it('templates with random text edits (2,000)', () => {
    const texts = TEMPLATES.map((t) => JSON.stringify(t.build()));
    fc.assert(fc.property(
      fc.nat(texts.length - 1), fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'digit'), fc.constantFrom('{', '}', '[', ']', ',', '"', ':', '0', '9', '-', 'e', ' ')), { minLength: 1, maxLength: 4 }),
      (which, edits) => {
        let text = texts[which];
        for (const [at, op, ch] of edits) {
          const i = at % text.length;
          if (op === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (op === 'insert') text = text.slice(0, i) + ch + text.slice(i);
          else text = text.replace(/\d+/, ch === '-' ? '-1' : ch);
        }
        check(text);
      },
    ), { numRuns: 2000 });
  });

  it('templates with random structural edits (2,000)', () => {
    fc.assert(fc.property(
      fc.nat(TEMPLATES.length - 1),
      fc.array(fc.tuple(fc.constantFrom('dropEdge', 'reverseEdge', 'rewire', 'setParam', 'dropParam', 'dupNode', 'dropNode', 'retype'), fc.nat(), fc.nat(), paramValue), { minLength: 1, maxLength: 5 }),
      (which, edits) => {
        const doc = TEMPLATES[which].build();
        for (const [op, i, j, value] of edits) {
          const node = doc.nodes[i % doc.nodes.length];
          const edge = doc.edges[i % Math.max(1, doc.edges.length)];
          switch (op) {
            case 'dropEdge': doc.edges.splice(i % Math.max(1, doc.edges.length), 1); break;
            case 'reverseEdge': if (edge) [edge.source, edge.target] = [edge.target, edge.source]; break;
            case 'rewire': if (edge) edge.target = doc.nodes[j % doc.nodes.length].id; break;
            case 'setParam': node.params[paramNames[j % paramNames.length]] = value; break;
            case 'dropParam': delete node.params[Object.keys(node.params)[j % Math.max(1, Object.keys(node.params).length)]]; break;
            case 'dupNode': doc.nodes.push({ ...node, params: { ...node.params } }); break;
            case 'dropNode': doc.nodes.splice(i % doc.nodes.length, 1); break;
            case 'retype': node.type = types[j % types.length]; break;
          }
          if (doc.nodes.length === 0) break;
        }
        check(doc);
      },
    ), { numRuns: 2000 });
  });

  it('large hostile graphs, 60 to 10,002 nodes, as values and as text (80)', () => {
    fc.assert(fc.property(largeGraph, (g) => {
      check(g, { replies: true });
      check(JSON.stringify(g));
    }), { numRuns: 40 });
  }, 600_000);

  afterAll(() => {
    expect(documents).toBeGreaterThanOrEqual(20_000);
  });
});
