/**
 * Window arithmetic against PyTorch itself: test/fixtures/graphs/torch_windows.json holds the
 * output sizes real torch 1.13 layers produced (see torch_windows.py for how), and a property
 * test checks the closed formula against brute-force counting of window positions.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../shared/shapes/index';
import { countWindowPositions, samePadding, windowOutSize } from '../../../shared/shapes/arith';
import { resolveParams } from '../../../shared/graph/resolve';
import { chainOf, input } from './helpers';

interface ConvCase { in: number; k: number; s: number; p: number; d: number; out: number | null }
interface PoolCase { op: 'max' | 'avg'; in: number; k: number; s: number; p: number; out: number | null }
interface SameCase { in: [number, number]; k: number; d: number; out: [number, number]; top: number; left: number }

const torch = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/graphs/torch_windows.json', import.meta.url)), 'utf8')) as {
  conv: ConvCase[]; pool: PoolCase[]; same: SameCase[];
};

describe('Conv2d output size equals PyTorch over kernel × stride × padding × dilation', () => {
  it.each(torch.conv)('in $in, k $k, s $s, p $p, d $d → $out', (c) => {
    const a = analyzeGraph(chainOf([input(1, c.in), ['c', 'Conv2d', { out_channels: 1, kernel_size: c.k, stride: c.s, padding: c.p, dilation: c.d }]]));
    if (c.out === null) {
      expect(a.nodes.c.shape).toBeNull();
      expect(a.nodes.c.diagnostics.map((d) => d.code)).toEqual(['nonpositive-output']);
    } else {
      expect(a.nodes.c.shape).toEqual([1, 1, c.out, c.out]);
      expect(a.ok).toBe(true);
    }
  });
});

describe('MaxPool2d / AvgPool2d output size equals PyTorch, including its refusals', () => {
  it.each(torch.pool)('$op in $in, k $k, s $s, p $p → $out', (c) => {
    const type = c.op === 'max' ? 'MaxPool2d' : 'AvgPool2d';
    const a = analyzeGraph(chainOf([input(1, c.in), ['p', type, { kernel_size: c.k, stride: c.s, padding: c.p }]]));
    if (c.out === null) {
      expect(a.nodes.p.shape).toBeNull();
      const codes = a.nodes.p.diagnostics.map((d) => d.code);
      expect(codes).toHaveLength(1);
      expect(['pool-padding', 'nonpositive-output']).toContain(codes[0]);
    } else {
      expect(a.nodes.p.shape).toEqual([1, 1, c.out, c.out]);
    }
  });
});

describe('padding "same" splits like PyTorch (smaller half top/left)', () => {
  it.each(torch.same)('in $in, k $k, d $d → top $top, left $left', (c) => {
    const p = resolveParams({ id: 'c', type: 'Conv2d', params: { out_channels: 1, kernel_size: c.k, padding: 'same', dilation: c.d } });
    if (p.type !== 'Conv2d') throw new Error('expected Conv2d');
    expect(p.padding[0]).toBe(c.top);
    expect(p.padding[2]).toBe(c.left);
    expect(p.padding[0] + p.padding[1]).toBe(c.d * (c.k - 1));
    const a = analyzeGraph(chainOf([input(1, c.in[0], c.in[1]), ['c', 'Conv2d', { out_channels: 1, kernel_size: c.k, padding: 'same', dilation: c.d }]]));
    expect(a.nodes.c.shape).toEqual([1, 1, ...c.out]);
  });

  it('is a pure function of kernel and dilation', () => {
    expect(samePadding(4, 1)).toEqual([1, 2]);
    expect(samePadding(3, 2)).toEqual([2, 2]);
  });
});

describe('d2l 7.3 padding and stride on 8×8', () => {
  const cases: [string, Record<string, number | [number, number]>, [number, number]][] = [
    ['kernel 3, padding 1', { kernel_size: 3, padding: 1 }, [8, 8]],
    ['kernel (5, 3), padding (2, 1)', { kernel_size: [5, 3], padding: [2, 1] }, [8, 8]],
    ['kernel 3, padding 1, stride 2', { kernel_size: 3, padding: 1, stride: 2 }, [4, 4]],
    ['kernel (3, 5), padding (0, 1), stride (3, 4)', { kernel_size: [3, 5], padding: [0, 1], stride: [3, 4] }, [2, 2]],
  ];
  it.each(cases)('%s → %j', (_title, params, hw) => {
    const a = analyzeGraph(chainOf([input(1, 8), ['c', 'Conv2d', { out_channels: 1, ...params }]]));
    expect(a.nodes.c.shape).toEqual([1, 1, ...hw]);
  });

  const pools: [string, Record<string, number | [number, number]>, number[]][] = [
    ['MaxPool2d(3) on 4×4', { kernel_size: 3 }, [1, 1, 1, 1]],
    ['MaxPool2d(3, padding=1, stride=2) on 4×4', { kernel_size: 3, padding: 1, stride: 2 }, [1, 1, 2, 2]],
    ['MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1)) on 4×4', { kernel_size: [2, 3], stride: [2, 3], padding: [0, 1] }, [1, 1, 2, 2]],
  ];
  it.each(pools)('d2l 7.5: %s → %j', (_title, params, shape) => {
    const a = analyzeGraph(chainOf([input(1, 4), ['p', 'MaxPool2d', params]]));
    expect(a.nodes.p.shape).toEqual(shape);
  });
});

describe('the formula agrees with brute-force counting of window positions', () => {
  it('for any size, kernel, stride, padding (lo, hi) and dilation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 5 }),
        (n, k, s, lo, hi, d) => {
          const formula = windowOutSize(n, k, s, lo, hi, d);
          const counted = countWindowPositions(n, k, s, lo, hi, d);
          // A formula ≤ 0 means "no window fits": PyTorch refuses, and the count is 0.
          expect(Math.max(formula, 0)).toBe(counted);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('and the engine reports exactly that count in both dimensions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }),
        (h, w, kh, kw, sh, sw, ph, pw, d) => {
          const a = analyzeGraph(chainOf([input(2, h, w), ['c', 'Conv2d', { out_channels: 3, kernel_size: [kh, kw], stride: [sh, sw], padding: [ph, pw], dilation: d }]]));
          const oh = countWindowPositions(h, kh, sh, ph, ph, d);
          const ow = countWindowPositions(w, kw, sw, pw, pw, d);
          if (oh > 0 && ow > 0) {
            expect(a.nodes.c.shape).toEqual([1, 3, oh, ow]);
            expect(a.nodes.c.params).toBe(3 * 2 * kh * kw + 3);
            expect(a.nodes.c.macs).toBe(3 * oh * ow * 2 * kh * kw);
          } else {
            expect(a.nodes.c.shape).toBeNull();
            expect(a.nodes.c.diagnostics[0].code).toBe('nonpositive-output');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
