/**
 * The output size written out with the student's numbers, in d2l 7.3's form:
 * ⌊(n − k + p + s) / s⌋, where p is the padding of both sides together and a dilated kernel
 * counts its spread-out extent d·(k − 1) + 1. Equal to PyTorch's (shared/shapes/arith.ts).
 */

import { effectiveKernel, windowOutSize } from '../../shared/shapes/arith';

const m = (x: number) => (x < 0 ? `−${-x}` : String(x));

export interface FormulaLine {
  dim: string;
  text: string;
  out: number;
}

export function sizeFormula(dim: string, n: number, k: number, s: number, padLo: number, padHi: number, d = 1): FormulaLine {
  const keff = effectiveKernel(k, d);
  const p = padLo + padHi;
  const out = windowOutSize(n, k, s, padLo, padHi, d);
  const kText = d > 1 ? `${keff} (= ${d}·(${k} − 1) + 1, dilated)` : String(k);
  const pText = padLo === padHi ? `${p}` : `${p} (${padLo} + ${padHi})`;
  return { dim, out, text: `⌊(${n} − ${d > 1 ? keff : k} + ${pText} + ${s}) / ${s}⌋ = ${m(out)}${d > 1 ? `   with k = ${kText}` : ''}` };
}
