/**
 * Reading a convstudio.graph document from untrusted text or an IPC payload. It checks the JSON
 * structure only (what the GraphDoc type promises); what the graph means — types, params, edges
 * that point nowhere, cycles — is analyzeGraph's job, because the canvas produces such graphs too.
 * Never throws: every rejection is a diagnostic, and `doc` is non-null exactly when there is no
 * error.
 */

import { hasControlCharacters, terminalSafe } from '../format';
import { GRAPH_FORMAT, GRAPH_VERSION, type Diagnostic, type GraphDoc, type GraphEdge, type GraphNode, type ParamValue, type XY } from './types';

/**
 * The one size limit on a graph document, everywhere one arrives: files are refused past it
 * before they are read (main/common/read-file.ts: every CLI command, the app's Open, a run's
 * graph.json), text past it before it is parsed, and browser mode's messages are sized from it.
 * A 500-node graph is ~100 kB and the largest graph the parser takes (10,000 nodes, 40,000
 * edges) fits; anything larger is not a graph someone drew. Text is measured in UTF-16 units,
 * never more than its UTF-8 bytes, so a file within the limit always parses.
 */
export const MAX_GRAPH_BYTES = 5 * 1024 * 1024;
/** A graph document nests five deep (doc → nodes → node → params → pair). */
export const MAX_DEPTH = 16;
export const MAX_NODES = 10_000;
export const MAX_EDGES = 40_000;
const MAX_ID = 200;
/** Structural problems reported before giving up, so a broken file does not drown the user. */
const MAX_REPORTED = 20;

export interface ParseResult {
  doc: GraphDoc | null;
  diagnostics: Diagnostic[];
}

const err = (code: string, message: string): Diagnostic => ({ severity: 'error', code, message });
const fail = (code: string, message: string): ParseResult => ({ doc: null, diagnostics: [err(code, message)] });

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${terminalSafe(v.length > 30 ? `${v.slice(0, 27)}...` : v, { line: true })}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
};

/** Nesting depth of JSON text, counted without parsing, so hostile nesting never reaches JSON.parse. */
function textDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

/** Objects and lists an in-memory payload may hold: about ten per node, one per edge, with room to spare. */
const MAX_VALUES = 16 * (MAX_NODES + MAX_EDGES);

/** Checks an already-parsed value (an IPC payload) for hostile nesting, size or self-reference. */
function valueShapeProblem(root: unknown): 'deep' | 'large' | null {
  const stack: { v: unknown; d: number }[] = [{ v: root, d: 0 }];
  let visited = 0;
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_DEPTH) return 'deep';
    if (++visited > MAX_VALUES) return 'large';
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push({ v: c, d: d + 1 });
  }
  return null;
}

function paramValue(v: unknown): v is ParamValue {
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'boolean') return true;
  if (typeof v === 'string') return v.length <= 100 && !hasControlCharacters(v);
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' && Number.isFinite(v[0]) && Number.isFinite(v[1]);
}

function readNode(v: unknown, at: number, problems: Diagnostic[]): GraphNode | null {
  const here = `nodes[${at}]`;
  if (!isObject(v)) {
    problems.push(err('bad-node', `${here} must be an object like {"id": "c1", "type": "Conv2d", "params": {...}}; it is ${describe(v)}.`));
    return null;
  }
  const { id, type, params, position } = v;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID || hasControlCharacters(id)) {
    problems.push(err('bad-node', `${here}: "id" must be a non-empty text of at most ${MAX_ID} printable characters; it is ${describe(id)}.`));
    return null;
  }
  const name = `node ${id.slice(0, 40)}`;
  if (typeof type !== 'string' || type.length === 0 || type.length > 100 || hasControlCharacters(type)) {
    problems.push(err('bad-node', `${name}: "type" must be a node type such as "Conv2d"; it is ${describe(type)}.`));
    return null;
  }
  if (params !== undefined && !isObject(params)) {
    problems.push(err('bad-node', `${name}: "params" must be an object of name: value; it is ${describe(params)}.`));
    return null;
  }
  const entries: [string, ParamValue][] = [];
  for (const [k, pv] of Object.entries(params ?? {})) {
    if (hasControlCharacters(k)) {
      problems.push(err('bad-param-value', `${name}: param name ${describe(k)} must be printable text.`));
      return null;
    }
    if (!paramValue(pv)) {
      problems.push(err('bad-param-value', `${name}: param "${k.slice(0, 40)}" must be a number, true/false, a short text or a pair [h, w]; it is ${describe(pv)}.`));
      return null;
    }
    entries.push([k, Array.isArray(pv) ? [pv[0], pv[1]] : pv]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary (unknown) param.
  const node: GraphNode = { id, type, params: Object.fromEntries(entries) };
  if (position !== undefined) {
    if (!isObject(position) || typeof position.x !== 'number' || typeof position.y !== 'number' || !Number.isFinite(position.x) || !Number.isFinite(position.y)) {
      problems.push(err('bad-node', `${name}: "position" must be {"x": number, "y": number} or left out; it is ${describe(position)}.`));
      return null;
    }
    node.position = { x: position.x, y: position.y } satisfies XY;
  }
  return node;
}

function readEdge(v: unknown, at: number, problems: Diagnostic[]): GraphEdge | null {
  const here = `edges[${at}]`;
  if (!isObject(v)) {
    problems.push(err('bad-edge', `${here} must be an object like {"source": "c1", "target": "p1"}; it is ${describe(v)}.`));
    return null;
  }
  const { source, target, targetHandle, sourceHandle } = v;
  if (typeof source !== 'string' || typeof target !== 'string' || source.length > MAX_ID || target.length > MAX_ID || hasControlCharacters(source) || hasControlCharacters(target)) {
    problems.push(err('bad-edge', `${here}: "source" and "target" must be node ids (text); they are ${describe(source)} and ${describe(target)}.`));
    return null;
  }
  const edge: GraphEdge = { source, target };
  for (const [key, h] of [['targetHandle', targetHandle], ['sourceHandle', sourceHandle]] as const) {
    if (h === undefined || h === null) continue;
    if (typeof h !== 'string' || h.length > 50 || hasControlCharacters(h)) {
      problems.push(err('bad-edge', `${here}: "${key}" must be a short text such as "in0"; it is ${describe(h)}.`));
      return null;
    }
    edge[key] = h;
  }
  return edge;
}

function readDoc(value: unknown): ParseResult {
  if (!isObject(value)) return fail('not-a-graph', `This is not a ConvStudio graph: expected a JSON object with "format": "${GRAPH_FORMAT}", found ${describe(value)}.`);
  if (value.format !== GRAPH_FORMAT) {
    return fail('wrong-format', `This is not a ConvStudio graph: "format" is ${value.format === undefined ? 'missing' : describe(value.format)}, expected "${GRAPH_FORMAT}".`);
  }
  if (value.version !== GRAPH_VERSION) {
    const newer = typeof value.version === 'number' && value.version > GRAPH_VERSION;
    return fail('wrong-version', newer
      ? `This graph is format version ${value.version}, written by a newer ConvStudio; this one reads version ${GRAPH_VERSION}. Update ConvStudio to open it.`
      : `Unsupported graph version ${value.version === undefined ? '(missing)' : describe(value.version)}; this ConvStudio reads version ${GRAPH_VERSION}.`);
  }
  if (value.name !== undefined && typeof value.name !== 'string') return fail('bad-document', `"name" must be text; it is ${describe(value.name)}.`);
  if (!Array.isArray(value.nodes)) return fail('bad-document', `"nodes" must be a list of nodes; it is ${value.nodes === undefined ? 'missing' : describe(value.nodes)}.`);
  if (!Array.isArray(value.edges)) return fail('bad-document', `"edges" must be a list of edges; it is ${value.edges === undefined ? 'missing' : describe(value.edges)}.`);
  if (value.nodes.length > MAX_NODES) return fail('too-large', `The graph has ${value.nodes.length} nodes; ConvStudio handles at most ${MAX_NODES}.`);
  if (value.edges.length > MAX_EDGES) return fail('too-large', `The graph has ${value.edges.length} edges; ConvStudio handles at most ${MAX_EDGES}.`);

  const problems: Diagnostic[] = [];
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < value.nodes.length && problems.length < MAX_REPORTED; i++) {
    const node = readNode(value.nodes[i], i, problems);
    if (node) nodes.push(node);
  }
  for (let i = 0; i < value.edges.length && problems.length < MAX_REPORTED; i++) {
    const edge = readEdge(value.edges[i], i, problems);
    if (edge) edges.push(edge);
  }
  if (problems.length > 0) return { doc: null, diagnostics: problems };
  const name = typeof value.name === 'string' ? value.name.slice(0, 200) : 'Untitled';
  return { doc: { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, nodes, edges }, diagnostics: [] };
}

/** JSON text or an already-parsed value in; a clean, copied GraphDoc or diagnostics out. */
export function parseGraph(input: string | unknown): ParseResult {
  try {
    let value: unknown = input;
    if (typeof input === 'string') {
      if (input.length > MAX_GRAPH_BYTES) {
        return fail('too-large', `The file is ${(input.length / 1048576).toFixed(1)} MB; a graph file is at most ${MAX_GRAPH_BYTES / 1048576} MB. Is this the right file?`);
      }
      if (input.trim() === '') return fail('empty', 'The file is empty; expected a ConvStudio graph (JSON).');
      if (textDepthExceeds(input, MAX_DEPTH)) return fail('too-deep', `The JSON nests deeper than ${MAX_DEPTH} levels; a graph file never does. Is this the right file?`);
      try {
        value = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
      } catch (e) {
        // NULs and undecodable bytes near the start: an image, archive or program, not a text file.
        // eslint-disable-next-line no-control-regex -- finding NUL bytes is the point
        if (/[\u0000\ufffd]/.test(input.slice(0, 1024))) {
          return fail('bad-json', 'The file is binary data, not a ConvStudio graph (a JSON text file).');
        }
        // eslint-disable-next-line no-control-regex -- control characters must not reach a terminal
        const why = (e instanceof Error ? e.message : String(e)).replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
        return fail('bad-json', `The file is not valid JSON (${why.slice(0, 160)}). A ConvStudio graph is a JSON document.`);
      }
    } else {
      const problem = valueShapeProblem(input);
      if (problem === 'deep') return fail('too-deep', `The graph data nests deeper than ${MAX_DEPTH} levels; a graph never does.`);
      if (problem === 'large') return fail('too-large', `The graph data holds more than ${MAX_VALUES} objects; ConvStudio handles at most ${MAX_NODES} nodes.`);
    }
    return readDoc(value);
  } catch (e) {
    return fail('internal-error', `Reading the graph failed unexpectedly: ${e instanceof Error ? e.message : String(e)}.`);
  }
}
