/**
 * 300 random graphs — branches joined by Add/Concat in shuffled targetHandle order, Residual
 * blocks, every padding form, dilation, bias off — run through real PyTorch 1.13 by
 * test/fixtures/graphs/torch_random.py. The shape engine must agree with PyTorch on every node's
 * shape and parameter count, and must stop at exactly the node where PyTorch raised.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../shared/graph/types';
import { analyzeGraph } from '../../../shared/shapes/index';

interface Case { doc: GraphDoc; torch: { failedAt: string | null; shapes: Record<string, number[]>; params: Record<string, number> } }
const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/graphs/torch_random.json', import.meta.url)), 'utf8')) as Case[];

describe('random graphs agree with PyTorch', () => {
  it.each(cases.map((c) => [c.doc.name, c.torch.failedAt ?? 'valid', c] as const))('%s (%s)', (_name, _outcome, c) => {
    const a = analyzeGraph(c.doc);
    for (const [id, shape] of Object.entries(c.torch.shapes)) {
      expect(a.nodes[id].shape, id).toEqual(shape);
      expect(a.nodes[id].params, id).toBe(c.torch.params[id]);
    }
    if (c.torch.failedAt === null) {
      expect(a.diagnostics).toEqual([]);
      expect(a.ok).toBe(true);
    } else {
      expect(a.ok).toBe(false);
      expect(a.nodes[c.torch.failedAt].shape).toBeNull();
      const errors = a.diagnostics.filter((d) => d.severity === 'error');
      // PyTorch stops at its first failure; the engine reports that node, and nothing upstream.
      expect(errors.map((d) => d.nodeId)).toContain(c.torch.failedAt);
      for (const d of errors) expect(Object.keys(c.torch.shapes)).not.toContain(d.nodeId);
    }
  });

  it('covers valid and refused graphs alike', () => {
    const valid = cases.filter((c) => c.torch.failedAt === null).length;
    expect(valid).toBeGreaterThan(80);
    expect(cases.length - valid).toBeGreaterThan(80);
  });
});
