/**
 * LeakyReLU, the layer added to prove that a type lives in one shared module and one engine
 * module: it appears nowhere else, and it works end to end (palette, shapes, compile, forward and
 * backward equal to an independent computation and to PyTorch).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { paramSummary } from '../../../../renderer/model/format';
import { CATALOGUE } from '../../../../shared/graph/catalogue';
import { resolveParams } from '../../../../shared/graph/resolve';
import { initialParams } from '../../../../shared/layers/index';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { initBackend } from '../../../../main/engine/backends/index';
import { compileGraph } from '../../../../main/engine-core/compile';
import { chain, predictNCHW } from './graph-helpers';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (['node_modules', 'build', 'screenshots'].includes(name)) return [];
    return statSync(path.join(root, rel)).isDirectory() ? sourceFiles(rel) : [rel];
  });
}

describe('LeakyReLU lives in one shared, one engine and one export module', () => {
  it('and is named nowhere else but their tables, the format doc and the optional fast paths', () => {
    const files = ['shared', 'main', 'renderer', 'scripts', 'native', 'docs'].flatMap(sourceFiles).filter((f) => /\.(ts|tsx|mjs|js|cc|h|py|md|json)$/.test(f));
    expect(files.length).toBeGreaterThan(100);
    // docs/ARCHITECTURE.md cites LeakyReLU as the worked example of adding a type; it is prose, not knowledge of the type.
    const naming = files.filter((f) => f !== 'docs/ARCHITECTURE.md' && /leaky/i.test(readFileSync(path.join(root, f), 'utf8'))).sort();
    // Optional: the compiled native step lowers it (a type it does not know trains op by op; its
    // C++ side names the activation), and the inspector explains its (unchanged) shape.
    const optional = new Set([
      'main/engine/backends/native/compiled/lower.ts', 'native/src/compiled/binding.cc', 'native/src/compiled/net.cc',
      'native/src/compiled/plan.h', 'renderer/model/arithmetic.ts',
    ]);
    expect(naming.filter((f) => !optional.has(f))).toEqual([
      'docs/graph-format.md',
      'main/engine-core/layers/index.ts',
      'main/engine-core/layers/leaky-relu.ts',
      'main/export/layers/index.ts',
      'main/export/layers/leaky-relu.ts',
      'shared/layers/index.ts',
      'shared/layers/leaky-relu.ts',
    ]);
    // In each table: its import and its entry.
    for (const table of ['main/engine-core/layers/index.ts', 'main/export/layers/index.ts', 'shared/layers/index.ts']) {
      expect(readFileSync(path.join(root, table), 'utf8').split('\n').filter((l) => /leaky/i.test(l))).toHaveLength(2);
    }
  });
});

// Recorded with PyTorch 1.13 (/usr/bin/python3): nn.LeakyReLU(s)(torch.sin(torch.arange(24.)).reshape(1, 2, 3, 4)).
const TORCH: Record<string, number[]> = {
  0.2: [0, 0.841471, 0.909297, 0.14112, -0.15136, -0.191785, -0.055883, 0.656987, 0.989358, 0.412118, -0.108804, -0.199998,
    -0.107315, 0.420167, 0.990607, 0.650288, -0.057581, -0.19228, -0.150197, 0.149877, 0.912945, 0.836656, -0.00177, -0.169244],
  0.01: [0, 0.841471, 0.909297, 0.14112, -0.007568, -0.009589, -0.002794, 0.656987, 0.989358, 0.412118, -0.00544, -0.01,
    -0.005366, 0.420167, 0.990607, 0.650288, -0.002879, -0.009614, -0.00751, 0.149877, 0.912945, 0.836656, -8.9e-05, -0.008462],
};
const X = Array.from({ length: 24 }, (_, i) => Math.sin(i));
const nchw = (flat: number[]) => [0, 1].map((c) => [0, 1, 2].map((h) => [0, 1, 2, 3].map((w) => flat[c * 12 + h * 4 + w])));

describe('LeakyReLU end to end', () => {
  it('is in the palette with PyTorch\'s default, and a new node is valid', () => {
    expect(CATALOGUE.find((s) => s.type === 'LeakyReLU')).toMatchObject({ category: 'Activations', torch: 'LeakyReLU' });
    expect(resolveParams({ id: 'n', type: 'LeakyReLU', params: initialParams('LeakyReLU') })).toEqual({ type: 'LeakyReLU', negative_slope: 0.01 });
    expect(paramSummary('LeakyReLU', { negative_slope: 0.2 })).toBe('slope 0.2');
  });

  it('keeps the shape and receptive field, has no parameters, and refuses a negative slope', () => {
    const a = analyzeGraph(chain([2, 9, 9], ['Conv2d', { out_channels: 4, kernel_size: 3 }], ['LeakyReLU', { negative_slope: 0.1 }]));
    expect(a.ok).toBe(true);
    expect(a.nodes.n2.shape).toEqual(a.nodes.n1.shape);
    expect(a.nodes.n2.rf).toEqual(a.nodes.n1.rf);
    expect(a.nodes.n2.params).toBe(0);
    expect(a.totals.params).toBe(a.nodes.n1.params);
    const bad = analyzeGraph(chain([2, 9, 9], ['LeakyReLU', { negative_slope: -1 }]));
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['bad-param']);
  });

  it.each(['cpu', 'wasm'] as const)('compiles and runs forward and backward like PyTorch on %s', async (backend) => {
    await initBackend(backend);
    for (const [slope, params] of [[0.2, { negative_slope: 0.2 }], [0.01, {}]] as const) {
      const m = compileGraph(chain([2, 3, 4], ['LeakyReLU', params]));
      const y = predictNCHW(m, nchw(X)).flat(2);
      const independent = X.map((v) => (v >= 0 ? v : slope * v));
      y.forEach((v, i) => {
        expect(v).toBeCloseTo(independent[i], 6);
        expect(v).toBeCloseTo(TORCH[slope][i], 5);
      });
      // d/dx sum(y) is 1 above zero and the slope below.
      const x = tf.transpose(tf.tensor4d(X, [1, 2, 3, 4]), [0, 2, 3, 1]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(m.apply(t) as tf.Tensor))(x);
      const gx = Array.from(tf.transpose(g, [0, 3, 1, 2]).dataSync());
      gx.forEach((v, i) => expect(v).toBeCloseTo(X[i] > 0 ? 1 : slope, 6));
      tf.dispose([x, g]);
      m.dispose();
    }
  });
});
