/**
 * Writing Python source: literals, identifiers that cannot collide with Python or nn.Module, and
 * class names from graph names. Every generated file goes through these, so a node id such as
 * "train", "2x" or "fc-1" becomes a name PyTorch accepts and keeps meaning the same node.
 */

/** A Python expression written verbatim (a parameter name, `None`, a call). */
export interface PyExpr {
  expr: string;
}

export type PyValue = number | boolean | string | null | PyExpr | readonly PyValue[];

export const expr = (text: string): PyExpr => ({ expr: text });

const isExpr = (v: unknown): v is PyExpr => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as PyExpr).expr === 'string';

/** A number as Python reads it back exactly: integers bare, floats with the shortest round-trip digits. */
export function pyNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "float('nan')" : n > 0 ? "float('inf')" : "-float('inf')";
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const s = String(n);
  // JS writes 1e-5; Python accepts it too, but 1e21 must not read as an int, and "5e-324" is fine.
  return s.includes('e') || s.includes('.') ? s : `${s}.0`;
}

/** A string literal in single quotes, escaped for Python. */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** Any value as a Python literal; arrays become tuples (PyTorch's kernel_size=(3, 5)). */
export function pyLiteral(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyString(v);
  if (isExpr(v)) return v.expr;
  const items = (v as readonly PyValue[]).map(pyLiteral);
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** A JSON-like value as a Python literal with lists and dicts (for CONFIG tables). */
export function pyData(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyData).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyString(k)}: ${pyData(x)}`).join(', ')}}`;
}

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'match', 'case', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'type', '_',
]);

/**
 * What an nn.Module already has (PyTorch 1.13 and 2.x): a submodule stored under one of these names
 * would hide the method (a layer called "train" would break model.train()).
 */
const MODULE_ATTRIBUTES = new Set([
  'T_destination', 'add_module', 'apply', 'bfloat16', 'buffers', 'call_super_init', 'children', 'compile', 'cpu', 'cuda', 'double',
  'dump_patches', 'eval', 'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter', 'get_submodule', 'half',
  'ipu', 'load_state_dict', 'modules', 'mtia', 'named_buffers', 'named_children', 'named_modules', 'named_parameters', 'parameters',
  'register_backward_hook', 'register_buffer', 'register_forward_hook', 'register_forward_pre_hook', 'register_full_backward_hook',
  'register_full_backward_pre_hook', 'register_load_state_dict_post_hook', 'register_load_state_dict_pre_hook', 'register_module',
  'register_parameter', 'register_state_dict_post_hook', 'register_state_dict_pre_hook', 'requires_grad_', 'set_extra_state',
  'set_submodule', 'share_memory', 'state_dict', 'to', 'to_empty', 'train', 'training', 'xpu', 'zero_grad',
  // Names the generated code itself uses inside a model class.
  'net', 'layer_summary', 'self',
]);

/** Names a generated forward() uses for its own purposes. */
const LOCAL_NAMES = new Set(['x', 'self', 'torch', 'nn', 'F']);

/** An identifier from any text: invalid characters become "_", a leading digit gets "n". */
export function identifier(text: string): string {
  let s = text.replace(/[^A-Za-z0-9_]/g, '_');
  if (s === '' || /^[0-9]/.test(s)) s = `n${s}`;
  return s;
}

/**
 * Python attribute names for the ids of one scope (a model, or a block class), unique within it
 * and clear of Python keywords and nn.Module's own attributes. `taken` holds names the scope
 * already uses (its flags, say).
 */
export function attributeNames(ids: readonly string[], taken: Iterable<string> = []): Map<string, string> {
  const used = new Set<string>(taken);
  const out = new Map<string, string>();
  for (const id of ids) {
    let base = identifier(id);
    if (KEYWORDS.has(base) || MODULE_ATTRIBUTES.has(base) || LOCAL_NAMES.has(base) || base.startsWith('__')) base = `${base}_`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}

/** "BN-LeNet" → "BNLeNet", "ResNet-18" → "ResNet18", "my net" → "MyNet"; "Net" when nothing is left. */
export function className(name: string, fallback = 'Net'): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let s = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('').slice(0, 60);
  if (s === '') s = fallback;
  if (/^[0-9]/.test(s)) s = `${fallback}${s}`;
  return KEYWORDS.has(s) ? `${s}_` : s;
}

/** Indents every non-empty line of `text` by `n` spaces. */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text.split('\n').map((l) => (l ? pad + l : l)).join('\n');
}

/** A docstring's text: no triple quotes inside, no backslashes to escape. */
export function docText(s: string): string {
  return s.replace(/\\/g, '/').replace(/"""/g, "'''");
}
