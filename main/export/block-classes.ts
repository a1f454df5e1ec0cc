/**
 * A Python class per block type, generated from the block's inside (its layer module's `expand`),
 * the way d2l writes Residual: `Residual(in_channels, num_channels, use_1x1conv=False, strides=1)`
 * builds its convolutions from its arguments, and the 1×1 shortcut conv exists only when
 * use_1x1conv is set.
 *
 * `expand` is a function of the block's params, not a formula, so the class is found by asking
 * it: the block is opened for probe values of its params (distinct numbers, every combination of
 * its flags) and for each inner layer's constructor argument the generator finds what explains
 * the value in every probe — a constant, in_channels or one of the block's params. Which layers
 * exist and which input feeds which must follow one flag each. The class is then checked against
 * every instance in the graph; where anything is left unexplained or disagrees, the block falls
 * back to a class per distinct instance with concrete numbers, which is always exact.
 */

import { buildLibrary, type Library } from '../../shared/graph/blocks';
import { specOf } from '../../shared/graph/resolve';
import type { GraphDoc } from '../../shared/graph/types';
import { BLOCK_TYPE_PREFIX, GRAPH_FORMAT, GRAPH_VERSION } from '../../shared/graph/types';
import { layerOf } from '../../shared/layers/index';
import { BLOCK_INPUT, type ParamSpec } from '../../shared/layers/layer';
import { exportLayerOf } from './layers/index';
import type { TorchModule } from './layers/layer';
import { planExport, type ExportPlan, type PlanNode, type PlanScope } from './plan';
import { attributeNames, docText, identifier, indent, pyLiteral, type PyValue } from './python';
import { forwardLines, initLines, lit, type Cond, type Sym, type SymInput, type SymNode, type SymScope } from './scope';

/** A class written into model.py. */
export interface ClassDef {
  name: string;
  code: string;
}

export interface ModuleCall {
  cls: string;
  args: { name: string | null; value: Sym; default?: PyValue }[];
}

type Env = Record<string, PyValue>;

const IN_CHANNELS = 'in_channels';
/** More flags than this would need 2^n probes; such a block gets concrete classes. */
const MAX_FLAGS = 4;

const same = (a: PyValue, b: PyValue): boolean => pyLiteral(a) === pyLiteral(b);

/** The literal form of a primitive's module. */
function literalCall(m: TorchModule): ModuleCall {
  return { cls: m.cls, args: m.args.map((a) => ({ name: a.name, value: lit(a.value), default: a.default })) };
}

interface Probe {
  combo: Record<string, boolean>;
  env: Env;
  scope: PlanScope;
}

export class BlockClasses {
  readonly classes: ClassDef[] = [];
  private readonly generic = new Map<string, { name: string; flags: string[]; params: ParamSpec[]; usesIn: boolean; fixed: Set<string> }>();
  private readonly callOf = new Map<PlanNode, ModuleCall>();
  /** Each class's attribute name per inner id: the state_dict keys below a block follow them. */
  private readonly attrsOfType = new Map<string, Map<string, string>>();
  private readonly attrsOfNode = new Map<PlanNode, Map<string, string>>();
  private readonly names: Set<string>;
  private readonly lib: Library;

  constructor(plan: ExportPlan, reserved: Iterable<string>) {
    this.names = new Set(reserved);
    this.lib = buildLibrary(plan.doc.blocks);
    const byType = new Map<string, PlanNode[]>();
    // Inner blocks first, so a class can call the classes of the blocks inside it.
    const visit = (scope: PlanScope): void => {
      for (const n of scope.nodes) {
        if (!n.inner) continue;
        visit(n.inner);
        const list = byType.get(n.type) ?? [];
        list.push(n);
        byType.set(n.type, list);
      }
    };
    visit(plan.top);
    for (const [type, instances] of byType) {
      if (!this.tryGeneric(type, instances)) this.concrete(type, instances);
    }
  }

  /** The constructor call building `node`: its layer's module, or its block's class. */
  call(node: PlanNode): ModuleCall | null {
    if (!node.inner) {
      const m = exportLayerOf(node.type).torch(node.params, node);
      return m ? literalCall(m) : null;
    }
    return this.callOf.get(node) ?? this.genericCall(node);
  }

  private genericCall(node: PlanNode): ModuleCall | null {
    const g = this.generic.get(node.type);
    if (!g) return null;
    const args: ModuleCall['args'] = [];
    if (g.usesIn) args.push({ name: null, value: lit(node.inShapes[0][1]) });
    for (const p of g.params) {
      if (g.fixed.has(p.name)) continue;
      const v = node.values[p.name] as PyValue;
      args.push(p.default === undefined ? { name: null, value: lit(v) } : { name: identifier(p.name), value: lit(v), default: p.default as PyValue });
    }
    return { cls: g.name, args };
  }

  private className(type: string, suffix = ''): string {
    let name = `${identifier(type)}${suffix}`;
    for (let i = 2; this.names.has(name); i++) name = `${identifier(type)}${suffix}_${i}`;
    this.names.add(name);
    return name;
  }

  /** One class per distinct instance, with its numbers written in. */
  private concrete(type: string, instances: PlanNode[]): void {
    const byBody = new Map<string, string>();
    const doc = layerOf(type)?.doc ?? type;
    for (const n of instances) {
      const scope = this.literalScope(n.inner as PlanScope);
      const body = JSON.stringify([initLines(scope), forwardLines(scope)]);
      let name = byBody.get(body);
      if (!name) {
        name = this.className(type, `_${byBody.size + 1}`);
        byBody.set(body, name);
        // A block of the file (or a repeat) is, in d2l, an nn.Sequential or a class of its own name:
        // the class says so, so layer_summary prints what d2l prints.
        const torch = type.startsWith('repeat:') ? 'Sequential' : type.startsWith(BLOCK_TYPE_PREFIX) ? specOf(type, this.lib)?.torch : undefined;
        const renamed = torch && torch !== name ? `\n${name}.__name__ = ${pyLiteral(torch)}\n` : '';
        this.classes.push({ name, code: classCode(name, `${docText(doc)}\n\n${inputLine(n)}; written out with its numbers.`, '', initLines(scope), forwardLines(scope)) + renamed });
      }
      this.callOf.set(n, { cls: name, args: [] });
      this.attrsOfNode.set(n, new Map(scope.nodes.map((m) => [m.id, m.attr])));
    }
  }

  /** The attribute names a block instance's class gives its inner nodes. */
  innerAttrs(node: PlanNode): Map<string, string> {
    return this.attrsOfNode.get(node) ?? this.attrsOfType.get(node.type) ?? new Map();
  }

  literalScope(scope: PlanScope): SymScope {
    const attrs = attributeNames(scope.nodes.map((n) => n.id));
    const nodes: SymNode[] = [];
    for (const n of scope.nodes) {
      const call = this.call(n);
      if (!call) continue;
      nodes.push({ id: n.id, attr: attrs.get(n.id) as string, cls: call.cls, args: call.args, presentIf: null, inputs: n.inputs.map((id) => ({ kind: 'node', id })) });
    }
    const input = scope.nodes.find((n) => n.inputs.length === 0 && n.type === 'Input')?.id ?? BLOCK_INPUT;
    return { nodes, output: { kind: 'node', id: scope.output }, input };
  }

  private tryGeneric(type: string, instances: PlanNode[]): boolean {
    const layer = layerOf(type);
    if (!layer) return false;
    const params = layer.params;
    const flags = params.filter((p) => p.type === 'bool').map((p) => p.name);
    if (flags.length > MAX_FLAGS) return false;
    // Params that cannot be probed (pairs, padding words) must agree across instances; they stay constants.
    const fixed = new Set<string>();
    for (const p of params) {
      if (p.type === 'int' || p.type === 'float' || p.type === 'bool') continue;
      if (!instances.every((n) => same(n.values[p.name] as PyValue, instances[0].values[p.name] as PyValue))) return false;
      fixed.add(p.name);
    }
    const probes = this.probe(type, params, flags, instances[0]);
    if (!probes) return false;
    const sym = this.symbolize(probes, flags);
    if (!sym) return false;

    const usesIn = sym.scope.nodes.some((n) => n.args.some((a) => mentions(a.value, IN_CHANNELS)));
    const name = this.className(type);
    this.generic.set(type, { name, flags: sym.flags, params, usesIn, fixed });
    // Exact for the graph, or not used at all.
    for (const n of instances) {
      if (!this.matches(sym.scope, n)) {
        this.generic.delete(type);
        this.names.delete(name);
        return false;
      }
    }
    const signature = [
      ...(usesIn ? [IN_CHANNELS] : []),
      ...params.filter((p) => !fixed.has(p.name) && p.default === undefined).map((p) => identifier(p.name)),
      ...params.filter((p) => !fixed.has(p.name) && p.default !== undefined).map((p) => `${identifier(p.name)}=${pyLiteral(p.default as PyValue)}`),
    ];
    this.attrsOfType.set(type, new Map(sym.scope.nodes.map((m) => [m.id, m.attr])));
    const keep = sym.flags.map((f) => `self.${f} = ${f}`);
    this.classes.push({ name, code: classCode(name, docText(layer.doc), signature.join(', '), [...keep, ...initLines(sym.scope)], forwardLines(sym.scope)) });
    return true;
  }

  /** The block opened for probe values; null when some combination of flags never opens. */
  private probe(type: string, params: readonly ParamSpec[], flags: string[], model: PlanNode): Probe[] | null {
    const numeric = params.filter((p) => p.type === 'int' || p.type === 'float');
    const inShape = model.inShapes[0];
    const assignments = (combo: Record<string, boolean>): Env[] => {
      const base = (pick: (p: ParamSpec, i: number) => number, inC: number): Env => {
        const env: Env = { [IN_CHANNELS]: inC };
        for (const p of params) {
          if (p.type === 'bool') env[p.name] = combo[p.name];
          else if (p.type === 'int' || p.type === 'float') env[p.name] = pick(p, numeric.indexOf(p));
          else env[p.name] = model.values[p.name] as PyValue;
        }
        return env;
      };
      const distinct = (start: number) => (p: ParamSpec, i: number) => clampTo(p, p.type === 'float' ? 0.1 + 0.07 * (i + start / 100) : start + 4 + 6 * i);
      const low = (p: ParamSpec) => clampTo(p, p.type === 'float' ? (typeof p.default === 'number' ? p.default : p.min ?? 0) : Math.max(p.min ?? 1, 1));
      const list = [base(distinct(97), 97), base(distinct(211), 211)];
      // Ties: in_channels equal to one param, the rest as small as allowed (an identity shortcut needs them).
      for (const q of numeric.filter((p) => p.type === 'int')) {
        list.push(base((p, i) => (p === q ? distinct(97)(p, i) : low(p)), distinct(97)(q, numeric.indexOf(q))));
      }
      list.push(base((p) => low(p), 1));
      return list;
    };
    const probes: Probe[] = [];
    for (let mask = 0; mask < 1 << flags.length; mask++) {
      const combo = Object.fromEntries(flags.map((f, i) => [f, (mask & (1 << i)) !== 0]));
      let opened = 0;
      for (const env of assignments(combo)) {
        const scope = openProbe(type, env, inShape);
        if (!scope) continue;
        probes.push({ combo, env, scope });
        opened++;
      }
      if (opened === 0) return null;
    }
    return probes;
  }

  private symbolize(probes: Probe[], flags: string[]): { scope: SymScope; flags: string[] } | null {
    // Node order: the union of every probe's order, each new node placed after its predecessor there.
    const order: string[] = [];
    for (const p of probes) {
      let after = -1;
      for (const n of p.scope.nodes) {
        const at = order.indexOf(n.id);
        if (at >= 0) after = at;
        else order.splice(++after, 0, n.id);
      }
    }
    const combos = [...new Set(probes.map((p) => JSON.stringify(p.combo)))].map((c) => JSON.parse(c) as Record<string, boolean>);
    const comboKey = (c: Record<string, boolean>) => JSON.stringify(c);
    const usedFlags = new Set<string>();
    const attrs = attributeNames(order, flags);
    const nodes: SymNode[] = [];

    for (const id of order) {
      const seen = probes.map((p) => ({ p, n: p.scope.nodes.find((m) => m.id === id) })).filter((x): x is { p: Probe; n: PlanNode } => !!x.n);
      // Present in a combination of flags iff present in each of its probes.
      const presentIn = new Set(seen.map((s) => comboKey(s.p.combo)));
      const inEvery = (c: Record<string, boolean>) => probes.filter((p) => comboKey(p.combo) === comboKey(c)).every((p) => p.scope.nodes.some((m) => m.id === id));
      if (combos.some((c) => presentIn.has(comboKey(c)) !== inEvery(c))) return null;
      let presentIf: Cond | null = null;
      if (presentIn.size < combos.length) {
        presentIf = flagExplaining(flags, combos, (c) => presentIn.has(comboKey(c)));
        if (!presentIf) return null;
        usedFlags.add(presentIf.flag);
      }
      const calls = seen.map((s) => this.call(s.n));
      if (calls.some((c) => !c) || calls.some((c) => c!.cls !== calls[0]!.cls || c!.args.length !== calls[0]!.args.length)) return null;
      const first = calls[0] as ModuleCall;
      const args: SymNode['args'] = [];
      for (let k = 0; k < first.args.length; k++) {
        if (calls.some((c) => c!.args[k].name !== first.args[k].name)) return null;
        const values = calls.map((c) => evalSym(c!.args[k].value, {}));
        const s = explain(values, seen.map((x) => x.p.env));
        if (!s) return null;
        args.push({ name: first.args[k].name, value: s, default: first.args[k].default });
      }
      const inputs: SymInput[] = [];
      const arity = seen[0].n.inputs.length;
      if (seen.some((s) => s.n.inputs.length !== arity)) return null;
      for (let k = 0; k < arity; k++) {
        const src = chooser(flags, seen.map((s) => ({ combo: s.p.combo, value: s.n.inputs[k] })));
        if (!src) return null;
        if (src.kind === 'choose') usedFlags.add(src.flag);
        inputs.push(src);
      }
      nodes.push({ id, attr: attrs.get(id) as string, cls: first.cls, args, presentIf, inputs });
    }
    const output = chooser(flags, probes.map((p) => ({ combo: p.combo, value: p.scope.output })));
    if (!output) return null;
    if (output.kind === 'choose') usedFlags.add(output.flag);
    return { scope: { nodes, output, input: BLOCK_INPUT }, flags: flags.filter((f) => usedFlags.has(f)) };
  }

  /** Whether the class builds exactly this instance's inside. */
  private matches(scope: SymScope, node: PlanNode): boolean {
    const inner = node.inner as PlanScope;
    const env: Env = { [IN_CHANNELS]: node.inShapes[0][1] };
    for (const [k, v] of Object.entries(node.values)) env[k] = v as PyValue;
    const pick = (i: SymInput): string => (i.kind === 'node' ? i.id : env[i.flag] ? i.ifTrue : i.ifFalse);
    const present = scope.nodes.filter((n) => !n.presentIf || env[n.presentIf.flag] === n.presentIf.when);
    const real = inner.nodes.filter((n) => this.call(n) !== null);
    if (present.length !== real.length || pick(scope.output) !== inner.output) return false;
    return present.every((s) => {
      const r = real.find((n) => n.id === s.id);
      const call = r ? this.call(r) : null;
      if (!r || !call || call.cls !== s.cls || call.args.length !== s.args.length) return false;
      if (s.inputs.length !== r.inputs.length || s.inputs.some((i, k) => pick(i) !== r.inputs[k])) return false;
      return s.args.every((a, k) => a.name === call.args[k].name && same(evalSym(a.value, env), evalSym(call.args[k].value, {})));
    });
  }
}

function clampTo(p: ParamSpec, v: number): number {
  const lo = p.min ?? (p.type === 'int' ? 1 : 0);
  const hi = p.max ?? Number.POSITIVE_INFINITY;
  return Math.min(Math.max(v, lo), hi);
}

/** The block alone on an input of the instance's shape, opened by the export plan; null when that does not analyse. */
function openProbe(type: string, env: Env, inShape: number[]): PlanScope | null {
  const values = Object.fromEntries(Object.entries(env).filter(([k]) => k !== IN_CHANNELS));
  const c = env[IN_CHANNELS] as number;
  const flat = inShape.length !== 4;
  const doc: GraphDoc = {
    format: GRAPH_FORMAT, version: GRAPH_VERSION, name: 'probe',
    nodes: [
      { id: 'in', type: 'Input', params: flat ? { channels: c, height: 1, width: 1 } : { channels: c, height: inShape[2], width: inShape[3] } },
      ...(flat ? [{ id: 'flat', type: 'Flatten', params: {} }] : []),
      { id: 'block', type, params: values as GraphDoc['nodes'][number]['params'] },
    ],
    edges: flat ? [{ source: 'in', target: 'flat' }, { source: 'flat', target: 'block' }] : [{ source: 'in', target: 'block' }],
  };
  try {
    const plan = planExport(doc);
    return plan.top.nodes.find((n) => n.id === 'block')?.inner ?? null;
  } catch {
    return null;
  }
}

function evalSym(s: Sym, env: Env): PyValue {
  switch (s.kind) {
    case 'lit': return s.value;
    case 'var': return env[s.name];
    case 'tuple': return s.items.map((i) => evalSym(i, env));
  }
}

function mentions(s: Sym, name: string): boolean {
  return s.kind === 'var' ? s.name === name : s.kind === 'tuple' ? s.items.some((i) => mentions(i, name)) : false;
}

/** What explains `values` in every probe: a constant, or the one name whose value they always are. */
function explain(values: PyValue[], envs: Env[]): Sym | null {
  if (values.every(Array.isArray)) {
    const len = (values[0] as PyValue[]).length;
    if (values.some((v) => (v as PyValue[]).length !== len)) return null;
    const items: Sym[] = [];
    for (let i = 0; i < len; i++) {
      const s = explain(values.map((v) => (v as PyValue[])[i]), envs);
      if (!s) return null;
      items.push(s);
    }
    return { kind: 'tuple', items };
  }
  if (values.some(Array.isArray)) return null;
  if (values.every((v) => same(v, values[0]))) return lit(values[0]);
  if (values.some((v) => typeof v !== 'number' && typeof v !== 'boolean')) return null;
  const names = Object.keys(envs[0]).filter((k) => envs.every((e, i) => e[k] === values[i]));
  return names.length === 1 ? { kind: 'var', name: names[0] === IN_CHANNELS ? IN_CHANNELS : identifier(names[0]) } : null;
}

/** A flag and value that holds exactly where `holds` does, over the combinations seen. */
function flagExplaining(flags: string[], combos: Record<string, boolean>[], holds: (c: Record<string, boolean>) => boolean): Cond | null {
  for (const flag of flags) {
    for (const when of [true, false]) {
      if (combos.every((c) => (c[flag] === when) === holds(c))) return { flag: identifier(flag), when };
    }
  }
  return null;
}

/** One source, or two told apart by a flag. */
function chooser(flags: string[], seen: { combo: Record<string, boolean>; value: string }[]): SymInput | null {
  const values = [...new Set(seen.map((s) => s.value))];
  if (values.length === 1) return { kind: 'node', id: values[0] };
  if (values.length !== 2) return null;
  for (const flag of flags) {
    const whenTrue = new Set(seen.filter((s) => s.combo[flag]).map((s) => s.value));
    const whenFalse = new Set(seen.filter((s) => !s.combo[flag]).map((s) => s.value));
    if (whenTrue.size === 1 && whenFalse.size === 1) {
      const [t] = whenTrue;
      const [f] = whenFalse;
      if (t !== f) return { kind: 'choose', flag: identifier(flag), ifTrue: t, ifFalse: f };
    }
  }
  return null;
}

const inputLine = (n: PlanNode): string => `Input ${n.inShapes[0].slice(1).join('×')}, output ${n.outShape.slice(1).join('×')}`;

/** The class source from its docstring, constructor parameters, __init__ and forward lines. */
export function classCode(name: string, doc: string, signature: string, init: string[], forward: string[]): string {
  return [
    `class ${name}(nn.Module):`,
    indent(`"""${doc}"""`, 4),
    '',
    `    def __init__(self${signature ? `, ${signature}` : ''}):`,
    '        super().__init__()',
    indent(init.join('\n'), 8),
    '',
    '    def forward(self, x):',
    indent(forward.join('\n'), 8),
  ].join('\n');
}

