/**
 * Fuzzing the parser and the shape engine together: random values, random JSON text, random
 * graphs from the catalogue's vocabulary, and mutations of the templates (text and structure).
 * Over 10,000 documents; no exception may escape, every rejection must be a diagnostic, and an
 * analysis that says "ok" must really have a positive shape on every node.
 */

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/graph/catalogue';
import { parseGraph } from '../../../shared/graph/parse';
import type { GraphDoc } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/index';
import { TEMPLATES } from '../../../shared/templates/index';

let documents = 0;

/** Plain checks: vitest's expect costs more than the engine itself over thousands of documents. */
function must(ok: boolean, what: string, subject: unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(subject, null, 1)?.slice(0, 2000)}`);
}

function check(input: unknown): void {
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
  checkAnalysis(parsed.doc);
}

function checkAnalysis(doc: GraphDoc): void {
  const a = analyzeGraph(doc);
  for (const d of a.diagnostics) {
    must(d.code !== 'internal-error' && (d.severity === 'error' || d.severity === 'warning') && d.message.length > 0, 'analysis diagnostic', { d, doc });
    must(!/undefined|NaN|\[object/.test(d.message), 'message without undefined/NaN', { d, doc });
  }
  must(a.ok === !a.diagnostics.some((d) => d.severity === 'error'), 'ok iff no error', a);
  must(Number.isFinite(a.totals.params) && Number.isFinite(a.totals.macs), 'finite totals', a.totals);
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

describe('fuzzing parseGraph + analyzeGraph', () => {
  it('random values of any kind (3,000)', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 6 }), (v) => check(v)), { numRuns: 3000 });
  });

  it('random JSON text (1,500)', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 5 }), (text) => check(text)), { numRuns: 1500 });
  });

  it('random graphs from the catalogue’s vocabulary, as text and as values (4,000)', () => {
    fc.assert(fc.property(randomGraph, (g) => {
      check(JSON.stringify(g));
      check(g);
    }), { numRuns: 2000 });
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

  afterAll(() => {
    expect(documents).toBeGreaterThanOrEqual(10_000);
  });
});
