/**
 * A document's block definitions (GraphDoc.blocks) made usable: each definition checked once —
 * its params, its inner graph's plumbing (ids, edges from "in", input counts, cycles, one output),
 * its expressions and the blocks it uses (a block may use other blocks, never itself) — and
 * instantiated per node by substituting the node's arguments into the inner params. What an
 * instance computes is then the walk of an ordinary BlockGraph, exactly as for a built-in block
 * such as Residual, so the shape engine, the compiler and the exports treat a block as its
 * expansion.
 */

import { nodeSpec } from './catalogue';
import { evaluate, expressionNames, expressionProblem, isExpression } from './expr';
import { valueProblem } from './resolve';
import { BLOCK_TYPE_PREFIX, type BlockDef, type BlockParam, type GraphEdge, type GraphNode, type NodeInit, type ParamValue } from './types';
import { BLOCK_INPUT, type BlockGraph, type BlockNode, type NodeSpec, type ParamSpec } from '../layers/layer';
import type { LayerType } from '../layers/index';

/** A node repeated more often than this is a typo, not a network. */
export const MAX_REPEAT = 1000;
/** Repeat 0 is the identity (an empty nn.Sequential), so `block(1, ...)` with "$num_residuals - 1" more copies works. */
export const MIN_REPEAT = 0;
/** Block, param and inner node names: Python identifiers, so exports can use them as they are. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** One inner node of a checked definition, inputs named inline, values possibly expressions. */
export interface TemplateNode {
  id: string;
  type: string;
  params: Record<string, ParamValue>;
  repeat?: number | string;
  inputs: string[];
  /** Fixed initial weights (a Kernel lab kernel grouped into the block): every use starts from them. */
  init?: NodeInit;
}

export interface BlockEntry {
  name: string;
  /** "block:<name>", the type its nodes carry. */
  type: string;
  spec: NodeSpec;
  /** Inner nodes in topological order; null when the definition is broken. */
  order: TemplateNode[] | null;
  output: string | null;
  /** Why it cannot be used, in words; `node` names the inner node where there is one. */
  problems: { message: string; node?: string }[];
  /** The block definitions it uses directly, by name. */
  uses: string[];
}

export interface Library {
  entries: Map<string, BlockEntry>;
}

export const EMPTY_LIBRARY: Library = { entries: new Map() };

export const blockType = (name: string): string => `${BLOCK_TYPE_PREFIX}${name}`;
/** The definition a node type names, or null for a layer or built-in block type. */
export const blockNameOf = (type: string): string | null => (type.startsWith(BLOCK_TYPE_PREFIX) ? type.slice(BLOCK_TYPE_PREFIX.length) : null);

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function handleIndex(h: unknown): number {
  if (typeof h !== 'string') return -1;
  const m = /^in(\d{1,6})$/.exec(h);
  return m ? Number(m[1]) : -1;
}

/** Each target's sources in input-slot order: the graph's rule (targetHandle "inN" first, then edge order). */
export function orderedInputs(edges: readonly GraphEdge[]): Map<string, string[]> {
  const byTarget = new Map<string, { source: string; key: number }[]>();
  edges.forEach((e, at) => {
    const h = handleIndex(e.targetHandle);
    const list = byTarget.get(e.target) ?? [];
    list.push({ source: e.source, key: h >= 0 ? h : 1e7 + at });
    byTarget.set(e.target, list);
  });
  const out = new Map<string, string[]>();
  for (const [t, list] of byTarget) out.set(t, list.sort((a, b) => a.key - b.key).map((x) => x.source));
  return out;
}

function paramSpecs(name: string, params: readonly BlockParam[], problems: BlockEntry['problems']): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const seen = new Set<string>();
  for (const p of params) {
    if (!IDENTIFIER.test(p.name)) {
      problems.push({ message: `param "${p.name.slice(0, 40)}" must be a name like num_convs (letters, digits, _).` });
      continue;
    }
    if (seen.has(p.name)) {
      problems.push({ message: `param ${p.name} is declared twice.` });
      continue;
    }
    seen.add(p.name);
    const spec: ParamSpec = { name: p.name, type: p.type, doc: p.doc ?? `${p.name} of ${name}.`, short: `${p.name}=` };
    if (p.min !== undefined) spec.min = p.min;
    if (p.max !== undefined) spec.max = p.max;
    if (p.default !== undefined) {
      const why = valueProblem(spec, p.default);
      if (why) problems.push({ message: `param ${p.name}: its default must be ${why}.` });
      else spec.default = p.default;
    }
    specs.push(spec);
  }
  return specs;
}

function isChain(order: TemplateNode[]): boolean {
  let prev = BLOCK_INPUT;
  const fed = new Map<string, number>();
  for (const n of order) for (const s of n.inputs) fed.set(s, (fed.get(s) ?? 0) + 1);
  for (const n of order) {
    if (n.inputs.length !== 1 || n.inputs[0] !== prev || (fed.get(prev) ?? 0) !== 1) return false;
    prev = n.id;
  }
  return true;
}

/** One definition's checks; what it uses is checked for cycles once every entry exists. */
function checkDefinition(name: string, def: BlockDef, names: ReadonlySet<string>): BlockEntry {
  const problems: BlockEntry['problems'] = [];
  const type = blockType(name);
  if (!IDENTIFIER.test(name)) problems.push({ message: 'its name must be a name like vgg_block (letters, digits, _; 64 at most).' });
  const params = paramSpecs(name, def.params, problems);
  const paramNames = new Set(params.map((p) => p.name));
  const uses = new Set<string>();
  const nodes = new Map<string, GraphNode>();
  for (const n of def.nodes) {
    const where = `node ${n.id.slice(0, 40)}`;
    if (n.id === BLOCK_INPUT) problems.push({ message: `"${BLOCK_INPUT}" names the block's input; rename the node.`, node: n.id });
    else if (!IDENTIFIER.test(n.id)) problems.push({ message: `${where}: inner ids are names like conv1 (letters, digits, _), so they can be module names.`, node: n.id });
    else if (nodes.has(n.id)) problems.push({ message: `two nodes share the id ${n.id}.`, node: n.id });
    else nodes.set(n.id, n);
    const used = blockNameOf(n.type);
    if (used !== null) {
      if (!names.has(used)) problems.push({ message: `${where} uses the block "${used.slice(0, 40)}", which is not defined.`, node: n.id });
      else uses.add(used);
    } else if (!nodeSpec(n.type)) {
      problems.push({ message: `${where} has the unknown type "${n.type.slice(0, 40)}".`, node: n.id });
    } else if (n.type === 'Input') {
      problems.push({ message: `${where}: a block takes its input from "${BLOCK_INPUT}", not from an Input node.`, node: n.id });
    }
    const values: [string, ParamValue][] = Object.entries(n.params);
    if (n.repeat !== undefined) values.push(['repeat', n.repeat]);
    for (const [k, v] of values) {
      if (!isExpression(v)) continue;
      const why = expressionProblem(v);
      const unknown = why ? [] : expressionNames(v).filter((x) => !paramNames.has(x));
      if (why) problems.push({ message: `${where}: ${k} "${v}" is not an expression ConvStudio reads (${why}).`, node: n.id });
      else if (unknown.length) problems.push({ message: `${where}: ${k} "${v}" uses $${unknown[0]}, which is not a param of ${name}.`, node: n.id });
    }
    if (typeof n.repeat === 'number' && !(Number.isInteger(n.repeat) && n.repeat >= MIN_REPEAT && n.repeat <= MAX_REPEAT)) {
      problems.push({ message: `${where}: repeat must be a whole number from ${MIN_REPEAT} to ${MAX_REPEAT}; it is ${n.repeat}.`, node: n.id });
    }
  }
  const entry: BlockEntry = {
    name, type, order: null, output: null, problems, uses: [...uses],
    spec: { type, label: name, category: 'Blocks', inputs: 1, params, doc: def.doc ?? `Block ${name}: ${def.nodes.length} node${def.nodes.length === 1 ? '' : 's'}.`, torch: def.torch ?? name },
  };
  if (problems.length) return entry;

  const inputs = orderedInputs(def.edges);
  const outs = new Map<string, string[]>([[BLOCK_INPUT, []], ...[...nodes.keys()].map((id) => [id, []] as [string, string[]])]);
  for (const e of def.edges) {
    if (!outs.has(e.source) || !nodes.has(e.target)) {
      const bad = !outs.has(e.source) ? e.source : e.target;
      problems.push({ message: `the edge ${e.source} → ${e.target} points to "${bad.slice(0, 40)}", which is not in the block${e.target === BLOCK_INPUT ? ` ("${BLOCK_INPUT}" only feeds)` : ''}.` });
      continue;
    }
    outs.get(e.source)!.push(e.target);
  }
  for (const [id, n] of nodes) {
    const count = inputs.get(id)?.length ?? 0;
    const spec = blockNameOf(n.type) !== null || n.repeat !== undefined ? { inputs: 1 } : nodeSpec(n.type)!;
    if (spec.inputs === 1 && count !== 1) problems.push({ message: `node ${id} takes one input and has ${count}.`, node: id });
    if (spec.inputs === 'many' && count < 2) problems.push({ message: `node ${id} joins two or more inputs and has ${count}.`, node: id });
  }
  if (nodes.size === 0) problems.push({ message: `it has no layers; add some and connect the first to "${BLOCK_INPUT}".` });
  if (problems.length) return entry;

  // Kahn from the block's input, in definition order, so equal definitions give equal orders.
  const indeg = new Map([...nodes.keys()].map((id) => [id, inputs.get(id)?.length ?? 0]));
  const order: TemplateNode[] = [];
  const ready = [BLOCK_INPUT, ...[...nodes.keys()].filter((id) => indeg.get(id) === 0)];
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    if (id !== BLOCK_INPUT) {
      const n = nodes.get(id)!;
      order.push({ id, type: n.type, params: n.params, ...(n.repeat !== undefined ? { repeat: n.repeat } : {}), inputs: inputs.get(id) ?? [], ...(n.init ? { init: n.init } : {}) });
    }
    for (const t of outs.get(id)!) {
      const d = indeg.get(t)! - 1;
      indeg.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  if (order.length < nodes.size) {
    const stuck = [...nodes.keys()].filter((id) => (indeg.get(id) ?? 0) > 0);
    problems.push({ message: `its nodes ${stuck.slice(0, 4).join(', ')} are on a cycle; data must flow one way from "${BLOCK_INPUT}".`, node: stuck[0] });
    return entry;
  }
  const reached = new Set([BLOCK_INPUT]);
  for (const n of order) if (n.inputs.some((s) => reached.has(s))) reached.add(n.id);
  const cut = order.filter((n) => !reached.has(n.id));
  if (cut.length) problems.push({ message: `node ${cut[0].id} gets no data from "${BLOCK_INPUT}"; connect it or delete it.`, node: cut[0].id });
  const sinks = order.filter((n) => outs.get(n.id)!.length === 0);
  if (sinks.length > 1) problems.push({ message: `it has ${sinks.length} outputs (${sinks.slice(0, 4).map((s) => s.id).join(', ')}); a block has one. Merge them (Add, Concat) or delete the extra ones.`, node: sinks[1].id });
  if (problems.length) return entry;
  entry.order = order;
  entry.output = sinks[0].id;
  if (def.torch === undefined && isChain(order)) entry.spec.torch = 'Sequential';
  return entry;
}

/** Every definition of a document, checked. Definitions that use each other in a circle are broken. */
export function buildLibrary(blocks: Readonly<Record<string, BlockDef>> | undefined): Library {
  const entries = new Map<string, BlockEntry>();
  if (!blocks) return { entries };
  const names = new Set(Object.keys(blocks).filter((k) => own(blocks, k)));
  for (const name of names) entries.set(name, checkDefinition(name, blocks[name], names));
  // A definition that reaches itself through the blocks it uses would expand forever.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      for (const n of new Set(cycle)) {
        const e = entries.get(n)!;
        if (!e.problems.some((p) => p.message.startsWith('it uses itself'))) {
          e.problems.push({ message: `it uses itself (${cycle.join(' → ')}); a block cannot contain itself.` });
          e.order = null;
        }
      }
      return;
    }
    state.set(name, 'open');
    for (const u of entries.get(name)!.uses) visit(u, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of names) visit(name, []);
  return { entries };
}

/**
 * A block's inside for one node: the node's (checked, defaults filled) arguments substituted into
 * every inner expression. A failure is the reason in words, naming the inner node.
 */
export function instantiate(entry: BlockEntry, args: Readonly<Record<string, ParamValue>>): { graph: BlockGraph } | { error: string } {
  if (!entry.order || !entry.output) return { error: `block ${entry.name} cannot be used: ${entry.problems[0]?.message ?? 'it is broken'}` };
  const nodes: BlockNode[] = [];
  for (const n of entry.order) {
    const params: Record<string, ParamValue> = {};
    for (const k of Object.keys(n.params)) {
      const v = n.params[k];
      if (!isExpression(v)) {
        params[k] = v;
        continue;
      }
      try {
        params[k] = evaluate(v, args);
      } catch (e) {
        return { error: `${n.id}: ${k} "${v}" cannot be computed: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    let repeat: number | undefined;
    if (n.repeat !== undefined) {
      let r: ParamValue;
      try {
        r = isExpression(n.repeat) ? evaluate(n.repeat, args) : n.repeat;
      } catch (e) {
        return { error: `${n.id}: repeat "${n.repeat}" cannot be computed: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (typeof r !== 'number' || !Number.isInteger(r) || r < MIN_REPEAT || r > MAX_REPEAT) {
        return { error: `${n.id}: repeat ${isExpression(n.repeat) ? `"${n.repeat}" is ${JSON.stringify(r)}; it ` : ''}must be a whole number from ${MIN_REPEAT} to ${MAX_REPEAT}` };
      }
      repeat = r;
    }
    nodes.push({ id: n.id, type: n.type as LayerType, params, inputs: n.inputs, ...(repeat !== undefined ? { repeat } : {}), ...(n.init ? { init: n.init } : {}) });
  }
  return { graph: { nodes, output: entry.output } };
}

/**
 * A node applied `times` times in series: copies named 0, 1, ... like nn.Sequential's children.
 * No copies is the identity: the output is the block's input.
 */
export function repeatGraph(node: { type: string; params: Record<string, ParamValue>; init?: NodeInit }, times: number): BlockGraph {
  const nodes: BlockNode[] = [];
  for (let i = 0; i < times; i++) {
    nodes.push({ id: String(i), type: node.type as LayerType, params: node.params, inputs: [i === 0 ? BLOCK_INPUT : String(i - 1)], ...(node.init ? { init: node.init } : {}) });
  }
  return { nodes, output: times === 0 ? BLOCK_INPUT : String(times - 1) };
}
