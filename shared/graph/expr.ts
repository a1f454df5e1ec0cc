/**
 * Param expressions inside block definitions: "$out_channels", "$num_convs - 1", "$c2[0]",
 * "$growth * 2 // 3". The syntax is a small subset of Python's (names written `$name`, integer and
 * decimal literals, + − * / // %, unary minus, parentheses, [0]/[1] on a pair), so an exporter can
 * write an expression into PyTorch code by dropping the `$`. A value that is exactly one name (or
 * one element of a pair) keeps its type: "$use_1x1conv" is a bool, "$kernel" may be a pair.
 */

import type { ParamValue } from './types';

/** A param value is an expression exactly when it is text containing "$". */
export const isExpression = (v: unknown): v is string => typeof v === 'string' && v.includes('$');

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^\d+(\.\d+)?/;
const OPS = ['//', '+', '-', '*', '/', '%', '(', ')', '[', ']'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest[0] === ' ') {
      i++;
      continue;
    }
    if (rest[0] === '$') {
      const m = NAME.exec(rest.slice(1));
      if (!m) throw new Error(`"$" must be followed by a param name (at "${rest.slice(0, 8)}")`);
      tokens.push({ kind: 'name', value: m[0] });
      i += 1 + m[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      tokens.push({ kind: 'num', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (!op) throw new Error(`unexpected "${rest[0]}"; write params as $name, numbers and + − * / // %`);
    tokens.push({ kind: 'op', value: op });
    i += op.length;
  }
  return tokens;
}

/** The names an expression uses, in order (for checking them against the block's params). */
export function expressionNames(text: string): string[] {
  return tokenize(text).filter((t) => t.kind === 'name').map((t) => t.value);
}

/** Checks the syntax without values; null when it parses, else why not. */
export function expressionProblem(text: string): string | null {
  try {
    const tokens = tokenize(text);
    new Parser(tokens, null).parseAll();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The value of an expression given the block's arguments; throws with a plain reason. */
export function evaluate(text: string, args: Readonly<Record<string, ParamValue>>): ParamValue {
  return new Parser(tokenize(text), args).parseAll();
}

type Value = ParamValue | null;

class Parser {
  private at = 0;
  /** args null: syntax only, every name stands for 1. */
  constructor(private readonly tokens: Token[], private readonly args: Readonly<Record<string, ParamValue>> | null) {}

  parseAll(): ParamValue {
    if (this.tokens.length === 0) throw new Error('the expression is empty');
    const v = this.sum();
    if (this.at < this.tokens.length) throw new Error(`unexpected "${this.show(this.tokens[this.at])}"`);
    return v as ParamValue;
  }

  private show(t: Token): string {
    return t.kind === 'name' ? `$${t.value}` : String(t.value);
  }

  private peekOp(): string | null {
    const t = this.tokens[this.at];
    return t?.kind === 'op' ? t.value : null;
  }

  private sum(): Value {
    let v = this.product();
    for (let op = this.peekOp(); op === '+' || op === '-'; op = this.peekOp()) {
      this.at++;
      const r = this.product();
      v = op === '+' ? num(v, op) + num(r, op) : num(v, op) - num(r, op);
    }
    return v;
  }

  private product(): Value {
    let v = this.unary();
    for (let op = this.peekOp(); op === '*' || op === '/' || op === '//' || op === '%'; op = this.peekOp()) {
      this.at++;
      const a = num(v, op);
      const b = num(this.unary(), op);
      if (op === '*') v = a * b;
      else {
        if (b === 0 && this.args) throw new Error('division by zero');
        // Python's semantics: // and % round towards −∞.
        v = op === '/' ? a / b : op === '//' ? Math.floor(a / b) : a - b * Math.floor(a / b);
      }
    }
    return v;
  }

  private unary(): Value {
    if (this.peekOp() === '-') {
      this.at++;
      return -num(this.unary(), '-');
    }
    return this.atom();
  }

  private atom(): Value {
    const t = this.tokens[this.at++];
    if (!t) throw new Error('the expression ends too early');
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op') {
      if (t.value !== '(') throw new Error(`unexpected "${t.value}"`);
      const v = this.sum();
      if (this.tokens[this.at++]?.kind !== 'op' || this.tokens[this.at - 1].value !== ')') throw new Error('a "(" is not closed');
      return v;
    }
    let v: Value = 1;
    if (this.args) {
      if (!Object.prototype.hasOwnProperty.call(this.args, t.value)) throw new Error(`$${t.value} is not a param of this block`);
      v = this.args[t.value];
    }
    if (this.peekOp() === '[') {
      this.at++;
      const index = this.tokens[this.at++];
      if (index?.kind !== 'num' || (index.value !== 0 && index.value !== 1)) throw new Error(`$${t.value}[...] takes 0 or 1`);
      if (this.tokens[this.at++]?.kind !== 'op' || this.tokens[this.at - 1].value !== ']') throw new Error('a "[" is not closed');
      if (this.args) {
        // An int stands for [n, n], as everywhere an int or a pair is accepted.
        if (typeof v === 'number') return v;
        if (!Array.isArray(v)) throw new Error(`$${t.value} is ${JSON.stringify(v)}, not a pair`);
        return v[index.value];
      }
    }
    return v;
  }
}

function num(v: Value, op: string): number {
  if (typeof v !== 'number') throw new Error(`"${op}" needs numbers, not ${JSON.stringify(v)}`);
  return v;
}
