/**
 * How the lab writes numbers and reads what the student types. Integers stay integers, as the
 * notebook prints them ("19", "−1"); other values keep four significant decimals; negative
 * numbers take a real minus sign. Cells are text while edited, so "abc" stays on screen and the
 * check can say which cell it is.
 */

import type { Grid } from '../../shared/lab/types';

export type TextGrid = string[][];

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '−∞' : 'NaN';
  // Float32 noise around an integer (0.9999999) reads as the integer; −0 as 0.
  const r = Math.round(v);
  if (Math.abs(v - r) < 1e-6 * Math.max(1, Math.abs(v))) return r === 0 ? '0' : r < 0 ? `−${-r}` : String(r);
  const a = Math.abs(v);
  const digits = a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : 4;
  const s = a.toFixed(digits).replace(/\.?0+$/, '');
  return v < 0 ? `−${s}` : s;
}

/** A factor in a written-out product: negative numbers in parentheses, "2·(−1)". */
export const factor = (v: number): string => (v < 0 && fmt(v) !== '0' ? `(${fmt(v)})` : fmt(v));

/** Small differences in scientific form: 1.2·10⁻⁶. */
export function fmtSmall(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e-3) return fmt(v);
  const e = Math.floor(Math.log10(Math.abs(v)));
  const m = v / 10 ** e;
  const sup = String(e).replace(/-/g, '⁻').replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]);
  return `${m.toFixed(1)}·10${sup}`;
}

const NUMBER = /^[-−]?(\d+\.?\d*|\.\d+)(e[-+−]?\d+)?$/i;

/** A cell's value, or what was typed when it is not a number (the check names it); null when empty. */
export function parseCell(text: string): number | string | null {
  const t = text.trim();
  if (t === '') return null;
  if (!NUMBER.test(t)) return t;
  return Number(t.replace(/−/g, '-'));
}

export const toText = (g: Grid): TextGrid => g.map((row) => row.map(fmt));
export const parseGrid = (g: TextGrid): unknown[][] => g.map((row) => row.map(parseCell));

/** A grid resized to rows × cols, keeping what fits and filling with "0". */
export function resize(g: TextGrid, rows: number, cols: number): TextGrid {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => g[i]?.[j] ?? '0'));
}

/** Numbers of a grid whose cells all parsed (display only; the check has the last word). */
export function numbers(g: TextGrid): Grid | null {
  const out = g.map((row) => row.map(parseCell));
  return out.every((row) => row.every((v) => typeof v === 'number')) ? (out as Grid) : null;
}

export const shapeText = (dims: readonly number[]): string => dims.join(' × ');

/** The preset a grid is, if it is one (a scene's 3×3 X is the "3×3: 0 … 8" preset); "" otherwise. */
export function presetMatching(presets: { id: string; grid: Grid }[], grid: TextGrid): string {
  const text = JSON.stringify(grid);
  return presets.find((p) => JSON.stringify(toText(p.grid)) === text)?.id ?? '';
}
