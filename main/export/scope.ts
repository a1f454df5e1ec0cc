/**
 * One nn.Module's body in model.py: its submodules (`self.conv1 = nn.Conv2d(...)`) and a forward
 * that calls them in topological order, one line per node. Values are symbols, so the same
 * printer writes a model with concrete numbers and a block class whose numbers are its
 * constructor's parameters (`nn.Conv2d(in_channels, num_channels, kernel_size=3, ...)`), and
 * whose optional layers exist only under a flag (`... if use_1x1conv else None`).
 */

import { pyLiteral, type PyValue } from './python';

export type Sym =
  | { kind: 'lit'; value: PyValue }
  | { kind: 'var'; name: string }
  | { kind: 'tuple'; items: Sym[] };

export const lit = (value: PyValue): Sym => ({ kind: 'lit', value });

export function symText(s: Sym): string {
  switch (s.kind) {
    case 'lit': return pyLiteral(s.value);
    case 'var': return s.name;
    case 'tuple': return `(${s.items.map(symText).join(', ')})`;
  }
}

export interface SymArg {
  name: string | null;
  value: Sym;
  default?: PyValue;
}

/** A flag of the block's constructor and the value that turns a node on. */
export interface Cond {
  flag: string;
  when: boolean;
}

/** A node's input slot: one source, or one of two sources chosen by a flag. */
export type SymInput = { kind: 'node'; id: string } | { kind: 'choose'; flag: string; ifTrue: string; ifFalse: string };

export interface SymNode {
  id: string;
  /** Attribute and local variable name. */
  attr: string;
  cls: string;
  args: SymArg[];
  presentIf: Cond | null;
  inputs: SymInput[];
}

export interface SymScope {
  nodes: SymNode[];
  /** The id the forward returns (INPUT for the argument itself); chosen by a flag when it differs. */
  output: SymInput;
  /** The id standing for forward()'s argument. */
  input: string;
}

const isDefault = (a: SymArg): boolean =>
  a.default !== undefined && a.value.kind === 'lit' && pyLiteral(a.value.value) === pyLiteral(a.default);

export function ctorText(n: Pick<SymNode, 'cls' | 'args'>): string {
  const args = n.args.filter((a) => a.name === null || !isDefault(a)).map((a) => (a.name === null ? symText(a.value) : `${a.name}=${symText(a.value)}`));
  return `${n.cls}(${args.join(', ')})`;
}

const condText = (c: Cond, self: boolean): string => `${c.when ? '' : 'not '}${self ? 'self.' : ''}${c.flag}`;

/** `self.x = ...` lines, in node order. */
export function initLines(scope: SymScope): string[] {
  return scope.nodes.map((n) => {
    const ctor = ctorText(n);
    return n.presentIf ? `self.${n.attr} = ${ctor} if ${condText(n.presentIf, false)} else None` : `self.${n.attr} = ${ctor}`;
  });
}

/** The forward's lines after `def forward(self, x):`. */
export function forwardLines(scope: SymScope): string[] {
  const varOf = new Map<string, string>([[scope.input, 'x']]);
  for (const n of scope.nodes) varOf.set(n.id, n.attr);
  const inputText = (i: SymInput): string =>
    i.kind === 'node' ? (varOf.get(i.id) as string) : `${varOf.get(i.ifTrue)} if self.${i.flag} else ${varOf.get(i.ifFalse)}`;
  const lines: string[] = [];
  const last = scope.nodes[scope.nodes.length - 1];
  for (const n of scope.nodes) {
    const args = n.inputs.map((i) => (i.kind === 'choose' && n.inputs.length > 1 ? `(${inputText(i)})` : inputText(i))).join(', ');
    const call = `self.${n.attr}(${args})`;
    // The last node, when it is the output, is returned directly, as d2l's forwards do.
    if (n === last && !n.presentIf && scope.output.kind === 'node' && scope.output.id === n.id) return [...lines, `return ${call}`];
    lines.push(n.presentIf ? `${n.attr} = ${call} if ${condText(n.presentIf, true)} else None` : `${n.attr} = ${call}`);
  }
  lines.push(`return ${inputText(scope.output)}`);
  return lines;
}
