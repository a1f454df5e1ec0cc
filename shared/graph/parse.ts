/**
 * Reading a convstudio.graph document from untrusted text or an IPC payload. It checks the JSON
 * structure only (what the GraphDoc type promises); what the graph means — types, params, edges
 * that point nowhere, cycles, what a block definition contains — is analyzeGraph's job, because
 * the canvas produces such graphs too. Never throws: every rejection is a diagnostic, and `doc` is
 * non-null exactly when there is no error.
 *
 * Version 1 documents (no blocks) are migrated on reading: a version 1 document is a version 2
 * document without `blocks`, whose nodes never repeat; fields version 1 did not have are ignored
 * there, as version 1 itself ignored them (docs/graph-format.md, "Versions").
 */

import { hasControlCharacters, terminalSafe } from '../format';
import { GRAPH_FORMAT, GRAPH_VERSION, type BlockDef, type BlockParam, type Diagnostic, type GraphDoc, type GraphEdge, type GraphNode, type NodeInit, type ParamValue, type XY } from './types';

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
/** Block definitions per document; a network has a handful. */
export const MAX_BLOCKS = 1000;
/** Block and param names: identifiers, never "__proto__" and the like (they become object keys and Python names). */
const NAME = /^(?!__)[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PARAM_TYPES = new Set(['int', 'float', 'bool', 'intPair', 'padding']);
/** Versions read: 1 (migrated) and the current one. */
const READABLE = new Set([1, GRAPH_VERSION]);
/** Values in one node's fixed initial weights: a 64×64×4×4 kernel; the lab's are far smaller. */
export const MAX_INIT_VALUES = 65_536;
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

/** A node's fixed initial weights: lists of finite numbers; whether they fit the layer is the shape engine's call. */
function readInit(v: unknown, name: string, problems: Diagnostic[]): NodeInit | null {
  const list = (x: unknown): x is number[] => Array.isArray(x) && x.length <= MAX_INIT_VALUES && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!isObject(v) || !list(v.weight) || (v.bias !== undefined && !list(v.bias))) {
    problems.push(err('bad-node', `${name}: "init" must be {"weight": [numbers], "bias": [numbers]} (bias optional, at most ${MAX_INIT_VALUES} finite numbers each) or left out.`));
    return null;
  }
  return v.bias === undefined ? { weight: [...v.weight] } : { weight: [...v.weight], bias: [...(v.bias as number[])] };
}

function readNode(v: unknown, at: number, problems: Diagnostic[], version: number, within = ''): GraphNode | null {
  const here = `${within}nodes[${at}]`;
  if (!isObject(v)) {
    problems.push(err('bad-node', `${here} must be an object like {"id": "c1", "type": "Conv2d", "params": {...}}; it is ${describe(v)}.`));
    return null;
  }
  const { id, type, params, position, repeat, expanded, init } = v;
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
  // Version 1 had neither field; it ignored unknown fields, so its files keep meaning the same.
  if (version >= 2 && repeat !== undefined) {
    if (!((typeof repeat === 'number' && Number.isFinite(repeat)) || (typeof repeat === 'string' && repeat.length <= 100))) {
      problems.push(err('bad-node', `${name}: "repeat" must be a whole number (or, inside a block, an expression such as "$num_convs"); it is ${describe(repeat)}.`));
      return null;
    }
    node.repeat = repeat;
  }
  if (version >= 2 && expanded !== undefined) {
    if (typeof expanded !== 'boolean') {
      problems.push(err('bad-node', `${name}: "expanded" must be true or false; it is ${describe(expanded)}.`));
      return null;
    }
    if (expanded) node.expanded = true;
  }
  if (init !== undefined) {
    const read = readInit(init, name, problems);
    if (!read) return null;
    node.init = read;
  }
  return node;
}

function readBlockParam(v: unknown, where: string, problems: Diagnostic[]): BlockParam | null {
  if (!isObject(v)) {
    problems.push(err('bad-block', `${where} must be an object like {"name": "out_channels", "type": "int"}; it is ${describe(v)}.`));
    return null;
  }
  const { name, type, default: def, min, max, doc } = v;
  if (typeof name !== 'string' || !NAME.test(name)) {
    problems.push(err('bad-block', `${where}: "name" must be a param name like out_channels (letters, digits, _); it is ${describe(name)}.`));
    return null;
  }
  if (typeof type !== 'string' || !PARAM_TYPES.has(type)) {
    problems.push(err('bad-block', `${where} (${name}): "type" must be one of ${[...PARAM_TYPES].join(', ')}; it is ${describe(type)}.`));
    return null;
  }
  const p: BlockParam = { name, type: type as BlockParam['type'] };
  if (def !== undefined) {
    if (!paramValue(def)) {
      problems.push(err('bad-block', `${where} (${name}): "default" must be a number, true/false, a short text or a pair; it is ${describe(def)}.`));
      return null;
    }
    p.default = Array.isArray(def) ? [def[0], def[1]] : def;
  }
  for (const [key, bound] of [['min', min], ['max', max]] as const) {
    if (bound === undefined) continue;
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      problems.push(err('bad-block', `${where} (${name}): "${key}" must be a number; it is ${describe(bound)}.`));
      return null;
    }
    p[key] = bound;
  }
  if (doc !== undefined) {
    if (typeof doc !== 'string') {
      problems.push(err('bad-block', `${where} (${name}): "doc" must be text; it is ${describe(doc)}.`));
      return null;
    }
    p.doc = doc.slice(0, 500);
  }
  return p;
}

/** Counts what a document holds in all, so block definitions cannot get around the node limits. */
interface Budget { nodes: number; edges: number }

function readBlock(name: string, v: unknown, problems: Diagnostic[], budget: Budget): BlockDef | null {
  const where = `block ${name}`;
  if (!isObject(v)) {
    problems.push(err('bad-block', `${where} must be an object with "params", "nodes" and "edges"; it is ${describe(v)}.`));
    return null;
  }
  const { params, nodes, edges, torch, doc } = v;
  for (const [key, list] of [['params', params], ['nodes', nodes], ['edges', edges]] as const) {
    if (list !== undefined && !Array.isArray(list)) {
      problems.push(err('bad-block', `${where}: "${key}" must be a list; it is ${describe(list)}.`));
      return null;
    }
  }
  const paramList = (params ?? []) as unknown[];
  const nodeList = (nodes ?? []) as unknown[];
  const edgeList = (edges ?? []) as unknown[];
  budget.nodes += nodeList.length;
  budget.edges += edgeList.length;
  if (budget.nodes > MAX_NODES || budget.edges > MAX_EDGES) return null;
  const def: BlockDef = { params: [], nodes: [], edges: [] };
  for (let i = 0; i < paramList.length && problems.length < MAX_REPORTED; i++) {
    const p = readBlockParam(paramList[i], `${where}: params[${i}]`, problems);
    if (p) def.params.push(p);
  }
  for (let i = 0; i < nodeList.length && problems.length < MAX_REPORTED; i++) {
    const n = readNode(nodeList[i], i, problems, GRAPH_VERSION, `${where}: `);
    if (n) def.nodes.push(n);
  }
  for (let i = 0; i < edgeList.length && problems.length < MAX_REPORTED; i++) {
    const e = readEdge(edgeList[i], i, problems, `${where}: `);
    if (e) def.edges.push(e);
  }
  for (const [key, text] of [['torch', torch], ['doc', doc]] as const) {
    if (text === undefined) continue;
    if (typeof text !== 'string' || (key === 'torch' && !NAME.test(text))) {
      problems.push(err('bad-block', `${where}: "${key}" must be ${key === 'torch' ? 'a class name such as "Inception"' : 'text'}; it is ${describe(text)}.`));
      return null;
    }
    def[key] = text.slice(0, 500);
  }
  return def;
}

function readBlocks(v: unknown, problems: Diagnostic[], budget: Budget): Record<string, BlockDef> | null {
  if (!isObject(v)) {
    problems.push(err('bad-document', `"blocks" must be an object of name: definition; it is ${describe(v)}.`));
    return null;
  }
  const names = Object.keys(v);
  if (names.length > MAX_BLOCKS) {
    problems.push(err('too-large', `The graph defines ${names.length} blocks; ConvStudio handles at most ${MAX_BLOCKS}.`));
    return null;
  }
  const out: [string, BlockDef][] = [];
  for (const name of names) {
    if (!NAME.test(name)) {
      problems.push(err('bad-block', `The block name "${name.slice(0, 40)}" must be a name like vgg_block (letters, digits, _; not starting with "__").`));
      continue;
    }
    const def = readBlock(name, v[name], problems, budget);
    if (budget.nodes > MAX_NODES || budget.edges > MAX_EDGES) {
      problems.push(err('too-large', `The graph and its blocks have more than ${MAX_NODES} nodes or ${MAX_EDGES} edges in all; ConvStudio handles at most that.`));
      return null;
    }
    if (def) out.push([name, def]);
    if (problems.length >= MAX_REPORTED) break;
  }
  return Object.fromEntries(out);
}

function readEdge(v: unknown, at: number, problems: Diagnostic[], within = ''): GraphEdge | null {
  const here = `${within}edges[${at}]`;
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
  if (typeof value.version !== 'number' || !READABLE.has(value.version)) {
    const newer = typeof value.version === 'number' && value.version > GRAPH_VERSION;
    return fail('wrong-version', newer
      ? `This graph is format version ${value.version}, written by a newer ConvStudio; this one reads versions 1 to ${GRAPH_VERSION}. Update ConvStudio to open it.`
      : `Unsupported graph version ${value.version === undefined ? '(missing)' : describe(value.version)}; this ConvStudio reads versions 1 to ${GRAPH_VERSION}.`);
  }
  const version = value.version;
  if (value.name !== undefined && typeof value.name !== 'string') return fail('bad-document', `"name" must be text; it is ${describe(value.name)}.`);
  if (!Array.isArray(value.nodes)) return fail('bad-document', `"nodes" must be a list of nodes; it is ${value.nodes === undefined ? 'missing' : describe(value.nodes)}.`);
  if (!Array.isArray(value.edges)) return fail('bad-document', `"edges" must be a list of edges; it is ${value.edges === undefined ? 'missing' : describe(value.edges)}.`);
  if (value.nodes.length > MAX_NODES) return fail('too-large', `The graph has ${value.nodes.length} nodes; ConvStudio handles at most ${MAX_NODES}.`);
  if (value.edges.length > MAX_EDGES) return fail('too-large', `The graph has ${value.edges.length} edges; ConvStudio handles at most ${MAX_EDGES}.`);

  const problems: Diagnostic[] = [];
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const budget: Budget = { nodes: value.nodes.length, edges: value.edges.length };
  const blocks = version >= 2 && value.blocks !== undefined ? readBlocks(value.blocks, problems, budget) : null;
  for (let i = 0; i < value.nodes.length && problems.length < MAX_REPORTED; i++) {
    const node = readNode(value.nodes[i], i, problems, version);
    if (node) nodes.push(node);
  }
  for (let i = 0; i < value.edges.length && problems.length < MAX_REPORTED; i++) {
    const edge = readEdge(value.edges[i], i, problems);
    if (edge) edges.push(edge);
  }
  if (problems.length > 0) return { doc: null, diagnostics: problems };
  const name = typeof value.name === 'string' ? value.name.slice(0, 200) : 'Untitled';
  return { doc: { format: GRAPH_FORMAT, version: GRAPH_VERSION, name, ...(blocks ? { blocks } : {}), nodes, edges }, diagnostics: [] };
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
