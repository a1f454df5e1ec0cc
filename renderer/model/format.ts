/**
 * How params are written on the canvas and in the inspector, and how inspector text is read back.
 * Shapes and counts are shared/format.ts's.
 */

import { nodeSpec, type ParamSpec } from '../../shared/graph/catalogue';
import type { ParamValue } from '../../shared/graph/types';

export function formatPair(v: ParamValue | undefined): string {
  if (Array.isArray(v)) return v[0] === v[1] ? String(v[0]) : `${v[0]}×${v[1]}`;
  return v === undefined ? '' : String(v);
}

/** Inspector text for a param: pairs as "5" or "3×5", strings and numbers as written. */
export function paramText(v: ParamValue | undefined): string {
  if (Array.isArray(v)) return `${v[0]}×${v[1]}`;
  if (v === undefined) return '';
  return String(v);
}

export type ParsedParam = { value: ParamValue } | { error: string };

/** Reads what the user typed for a param of this spec; names the problem when it cannot. */
export function parseParamText(spec: ParamSpec, text: string): ParsedParam {
  const t = text.trim().toLowerCase();
  const range = (n: number): string | null => {
    if (spec.min !== undefined && n < spec.min) return `${spec.name} must be at least ${spec.min}`;
    if (spec.max !== undefined && n > spec.max) return `${spec.name} must be at most ${spec.max}`;
    return null;
  };
  const int = (s: string): number | null => (/^-?\d+$/.test(s) ? Number(s) : null);
  switch (spec.type) {
    case 'bool':
      return t === 'true' || t === 'false' ? { value: t === 'true' } : { error: `${spec.name} is true or false` };
    case 'int': {
      const n = int(t);
      if (n === null) return { error: `${spec.name} must be a whole number` };
      const r = range(n);
      return r ? { error: r } : { value: n };
    }
    case 'float': {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n)) return { error: `${spec.name} must be a number` };
      const r = range(n);
      return r ? { error: r } : { value: n };
    }
    case 'intPair':
    case 'padding': {
      if (spec.type === 'padding' && (t === 'same' || t === 'valid')) return { value: t };
      // "[3, 5]" and "(3, 5)" as in PyTorch code, "3,5", "3×5" and "3 x 5" as people write them.
      const bare = /^\[.*\]$|^\(.*\)$/.test(t) ? t.slice(1, -1).trim() : t;
      const parts = bare.split(/\s*(?:×|x|,|\*)\s*|\s+/).filter(Boolean);
      const nums = parts.map(int);
      const hint = spec.type === 'padding' ? 'an int, [h, w] (or h×w), "same" or "valid"' : 'an int or [h, w] (or h×w)';
      if (nums.length < 1 || nums.length > 2 || nums.some((n) => n === null)) return { error: `${spec.name} must be ${hint}` };
      for (const n of nums as number[]) {
        const r = range(n);
        if (r) return { error: r };
      }
      return nums.length === 1 ? { value: nums[0] as number } : { value: [nums[0] as number, nums[1] as number] };
    }
  }
}

/** Whether a value written out is just the param's numeric default (stride 1 as 1 or [1, 1]). */
function isNumericDefault(v: ParamValue, d: unknown): boolean {
  if (typeof d !== 'number') return false;
  return typeof v === 'number' ? v === d : Array.isArray(v) && v[0] === d && v[1] === d;
}

/**
 * One line under the node title, e.g. "6 · k5 · p2" for Conv2d(6, kernel_size=5, padding=2). The
 * abbreviations are the layer module's (ParamSpec.short). A bool shows only when it is not its
 * default, and so does a number other than the first param written out at its default (the
 * Kernel lab writes stride 1, padding 0, dilation 1), so the line keeps room for the unusual.
 */
export function paramSummary(type: string, params: Record<string, ParamValue>): string {
  const specs = nodeSpec(type)?.params ?? [];
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const spec = specs.find((p) => p.name === k);
    if (typeof v === 'boolean') {
      if (spec ? v !== spec.default : v) parts.push(spec?.short ?? k);
      continue;
    }
    // The first param says what the layer is (out_channels, output_size, p): always shown.
    if (spec && specs.indexOf(spec) > 0 && isNumericDefault(v, spec.default)) continue;
    parts.push(spec?.short === undefined ? `${k}=${formatPair(v)}` : `${spec.short}${formatPair(v)}`);
  }
  return parts.join(' · ');
}
