/** docs/graph-format.md must describe what the code does: every node type, param, default and diagnostic code. */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/graph/catalogue';
import { parseGraph } from '../../../shared/graph/parse';
import { analyzeGraph } from '../../../shared/shapes/index';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/graph-format.md', import.meta.url)), 'utf8');

describe('docs/graph-format.md', () => {
  it.each(CATALOGUE.map((s) => [s.type, s] as const))('documents %s with its params and defaults', (type, spec) => {
    const start = doc.indexOf(`### ${type}\n`);
    expect(start).toBeGreaterThan(0);
    const section = doc.slice(start, doc.indexOf('\n### ', start + 1) >>> 0 || undefined);
    for (const p of spec.params) {
      const def = p.default === undefined ? 'required' : p.default === 'kernel_size' ? 'kernel_size' : JSON.stringify(p.default);
      expect(section).toContain(`| \`${p.name}\` |`);
      expect(section).toMatch(new RegExp(`\\| \`${p.name}\` \\|[^\\n]*\\| ${def.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|`));
    }
  });

  it('its example is a valid graph', () => {
    const example = /## Example\n\n```json\n([\s\S]*?)```/.exec(doc)?.[1];
    const parsed = parseGraph(example ?? '');
    expect(parsed.diagnostics).toEqual([]);
    expect(analyzeGraph(parsed.doc!).nodes.c1.shape).toEqual([1, 6, 28, 28]);
  });

  it('lists the diagnostic codes the engine emits', () => {
    const codes = ['nonpositive-output', 'same-needs-stride-1', 'pool-padding', 'needs-flatten', 'needs-image', 'residual-shortcut',
      'add-shape-mismatch', 'concat-size-mismatch', 'merge-rank', 'cycle', 'unreachable', 'no-input', 'multiple-inputs', 'multiple-outputs',
      'too-many-inputs', 'too-few-inputs', 'input-has-inputs', 'missing-param', 'bad-param', 'unknown-param', 'unknown-type',
      'duplicate-id', 'dangling-edge', 'no-layers', 'conv-groups', 'bad-block', 'init-mismatch', 'size-overflow', 'more-problems', 'bad-document', 'bad-node', 'bad-edge', 'bad-json', 'wrong-format', 'wrong-version', 'too-large', 'too-deep'];
    for (const code of codes) expect(doc).toContain(`\`${code}\``);
    // And the list above is complete: every code string in the engine appears in it.
    const layers = fileURLToPath(new URL('../../../shared/layers/', import.meta.url));
    const files = ['../../../shared/shapes/analyze.ts', '../../../shared/graph/resolve.ts', '../../../shared/graph/blocks.ts', '../../../shared/graph/init.ts'].map((p) => fileURLToPath(new URL(p, import.meta.url)))
      .concat(readdirSync(layers).filter((f) => f.endsWith('.ts')).map((f) => path.join(layers, f)));
    const sources = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    const used = new Set([...sources.matchAll(/code: '([a-z0-9-]+)'/g)].map((m) => m[1]));
    used.delete('internal-error');
    for (const code of used) expect(codes).toContain(code);
  });
});
