/**
 * Every template exports: its model.py builds in Debian's PyTorch with exactly ConvStudio's
 * parameter count and d2l layer_summary, and (where the file stays small enough for CI) its
 * model.onnx passes onnx.checker and runs in onnxruntime with the template's input and 10 logits.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { exportNetwork, writeExport } from '../../../../main/export/export';
import { formatD2lSummary } from '../../../../shared/graph/summary';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { TEMPLATES } from '../../../../shared/templates/index';
import { HAS_ONNX, HAS_TORCH, NEEDS_TORCH, PYTHON, run, tmpDir, torchCheck } from './helpers';

/** VGG-11's 129 M parameters make a 515 MB model.onnx: written and checked by the CLI, not in every test run. */
const ONNX_MAX_PARAMS = 20_000_000;

const root = tmpDir('cs-export-templates-');
const folder = (id: string, to: string) => path.join(root, `${id}-${to}`);
const rows = new Map<string, { params: number; summary: string; class: string }>();

const templates = TEMPLATES.map((t) => ({ id: t.id, doc: t.build(), analysis: analyzeGraph(t.build()) }));

describe.skipIf(!HAS_TORCH)(`every template exports to PyTorch (${NEEDS_TORCH})`, () => {
  beforeAll(async () => {
    for (const t of templates) {
      const e = await exportNetwork({ kind: 'graph', graph: t.doc, label: `template ${t.id}` }, 'pytorch', { version: '0.1.0' });
      writeExport(e, folder(t.id, 'pytorch'), false);
    }
    // One Python process for all of them: importing torch is the slow part.
    const described = (await torchCheck(['params', ...templates.map((t) => folder(t.id, 'pytorch'))])) as { folder: string; params: number; summary: string; class: string }[];
    described.forEach((d, i) => rows.set(templates[i].id, d));
  }, 600_000);

  it.each(templates.map((t) => [t.id, t] as const))('%s: PyTorch counts ConvStudio\'s parameters and prints its d2l summary', (_id, t) => {
    const row = rows.get(t.id)!;
    expect(row.params).toBe(t.analysis.totals.params);
    expect(row.summary).toBe(formatD2lSummary(t.analysis));
  });
});

describe('every small template exports to ONNX', () => {
  const small = templates.filter((t) => t.analysis.totals.params <= ONNX_MAX_PARAMS);

  it('covers more than LeNet', () => {
    expect(small.map((t) => t.id)).toEqual(expect.arrayContaining(['lenet', 'bn-lenet', 'resnet18']));
  });

  it.each(small.map((t) => [t.id, t] as const))('%s: onnxruntime takes its input and gives 10 logits; onnx.checker passes', async (_id, t) => {
    const e = await exportNetwork({ kind: 'graph', graph: t.doc, label: `template ${t.id}` }, 'onnx', { version: '0.1.0' });
    const [file] = writeExport(e, folder(t.id, 'onnx'), false);
    const session = await ort.InferenceSession.create(file);
    const shape = [2, ...t.analysis.nodes[t.analysis.inputId!].shape!.slice(1)];
    const input = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape);
    const out = await session.run({ input });
    expect(out.logits.dims).toEqual([2, 10]);
    expect([...(out.logits.data as Float32Array)].every(Number.isFinite)).toBe(true);
    if (HAS_ONNX) {
      const r = await run(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  }, 120_000);
});
