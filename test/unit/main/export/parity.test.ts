/**
 * Trained runs exported through the CLI and run elsewhere: PyTorch (Debian's torch 1.13, through
 * the export's own model.py, load_weights and data loader) and onnxruntime (the npm package) on
 * 256 test images give ConvStudio's logits within 1e-4 and the same classes; the export's d2l
 * layer_summary is ConvStudio's; onnx.checker accepts the ONNX file.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { runTraining } from '../../../../main/engine/node-trainer';
import { loadFashionMnist, type FashionMnist } from '../../../../main/data/fashion-mnist';
import { SYSTEM_DATA_DIR } from '../../../../main/data/locate';
import { listCheckpoints } from '../../../../main/runs/checkpoints';
import { parseGraph } from '../../../../shared/graph/parse';
import { formatD2lSummary } from '../../../../shared/graph/summary';
import type { GraphDoc } from '../../../../shared/graph/types';
import { analyzeGraph } from '../../../../shared/shapes/index';
import { getTemplate } from '../../../../shared/templates/index';
import type { TrainConfig } from '../../../../shared/training';
import { newRun } from '../engine/train-helpers';
import { HAS_ONNX, HAS_TORCH, NEEDS_TORCH, PYTHON, argmaxRows, cli, convstudioLogits, maxAbsDiff, run, testImages, tmpDir, torchCheck } from './helpers';

const N = 256;
const TOLERANCE = 1e-4;

const fixture = (name: string): GraphDoc =>
  parseGraph(readFileSync(path.join(__dirname, '../../../fixtures/graphs', name), 'utf8')).doc as GraphDoc;

interface Case {
  title: string;
  graph: () => GraphDoc;
  config: Partial<TrainConfig>;
  /** BatchNorm's num_batches_tracked after training: epochs × batches per epoch. */
  steps: number;
}

const CASES: Case[] = [
  // d2l's LeNet at the book's learning rate, so two small epochs move the weights well away from the start.
  { title: 'a trained LeNet run', graph: () => getTemplate('lenet') as GraphDoc, config: { epochs: 2, batchSize: 128, lr: 0.9, limit: 1024, valLimit: 256, backend: 'auto' }, steps: 0 },
  { title: 'a trained BN + Residual + Concat run', graph: () => fixture('bn-residual-concat.json'), config: { epochs: 2, batchSize: 64, lr: 0.1, limit: 512, valLimit: 256, backend: 'auto' }, steps: 16 },
];

interface Prepared {
  c: Case;
  runDir: string;
  torchDir: string;
  onnxDir: string;
  logits: Float32Array;
}

let data: FashionMnist;
let images: Float32Array;
const prepared: Prepared[] = [];

describe.skipIf(!HAS_TORCH)(`exported runs compute ConvStudio's logits (${NEEDS_TORCH})`, () => {
  beforeAll(async () => {
    data = await loadFashionMnist({ dir: SYSTEM_DATA_DIR });
    images = testImages(data, N);
    for (const c of CASES) {
      const { runDir } = newRun(c.graph(), c.config);
      const outcome = await runTraining(runDir, { emit: () => {}, shouldStop: () => false }, { data });
      expect(outcome).toBe('done');
      const torchDir = path.join(tmpDir('cs-export-'), 'pytorch');
      const onnxDir = path.join(tmpDir('cs-export-'), 'onnx');
      for (const [to, dir] of [['pytorch', torchDir], ['onnx', onnxDir]]) {
        const r = await cli(['export', runDir, '--to', to, '--out', dir]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      prepared.push({ c, runDir, torchDir, onnxDir, logits: await convstudioLogits(listCheckpoints(runDir)[0], images, N) });
    }
  }, 600_000);

  it.each(CASES.map((c, i) => [c.title, i] as const))('%s: PyTorch logits within 1e-4, same classes, same d2l summary', async (_t, i) => {
    const p = prepared[i];
    const torch = await torchCheck(['logits', String(N), p.torchDir]);
    const logits = torch.logits as number[];
    expect(logits.length).toBe(N * 10);
    expect(maxAbsDiff(logits, p.logits)).toBeLessThan(TOLERANCE);
    expect(argmaxRows(logits, 10)).toEqual(argmaxRows(p.logits, 10));
    const doc = JSON.parse(readFileSync(path.join(p.runDir, 'graph.json'), 'utf8')) as GraphDoc;
    expect(torch.summary).toBe(formatD2lSummary(analyzeGraph(doc)));
    expect(torch.params).toBe(analyzeGraph(doc).totals.params);
    expect(torch.metadata.epochs_done).toBe('2');
    for (const steps of Object.values(torch.steps as Record<string, number>)) expect(steps).toBe(p.c.steps);
  });

  it.each(CASES.map((c, i) => [c.title, i] as const))('%s: onnxruntime logits within 1e-4, same classes', async (_t, i) => {
    const p = prepared[i];
    const session = await ort.InferenceSession.create(path.join(p.onnxDir, 'model.onnx'));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    const out = await session.run({ input: new ort.Tensor('float32', images, [N, 1, 28, 28]) });
    const logits = out.logits.data as Float32Array;
    expect(out.logits.dims).toEqual([N, 10]);
    expect(maxAbsDiff(logits, p.logits)).toBeLessThan(TOLERANCE);
    expect(argmaxRows(logits, 10)).toEqual(argmaxRows(p.logits, 10));
  });

  it('a checkpoint edited since it was saved is refused, exit 2, and the older epoch still exports', async () => {
    const copy = path.join(tmpDir('cs-export-damaged-'), 'run');
    cpSync(prepared[0].runDir, copy, { recursive: true });
    const [newest] = listCheckpoints(copy);
    const bin = path.join(newest, 'weights.bin');
    const bytes = readFileSync(bin);
    bytes[100] ^= 0xff;
    writeFileSync(bin, bytes);
    const bad = await cli(['export', copy, '--to', 'onnx', '--out', path.join(tmpDir('cs-export-'), 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is damaged: weights\.bin does not match its SHA-256 in manifest\.json \(edited or corrupt\)\. Export another epoch \(--epoch\), or re-train\./);
    const older = await cli(['export', copy, '--to', 'onnx', '--epoch', '1', '--out', path.join(tmpDir('cs-export-'), 'y')]);
    expect(older.stderr).toBe('');
    expect(older.code).toBe(0);
  }, 300_000);

  it.skipIf(!HAS_ONNX).each(CASES.map((c, i) => [c.title, i] as const))('%s: onnx.checker accepts model.onnx (full check, opset 13)', async (_t, i) => {
    const file = path.join(prepared[i].onnxDir, 'model.onnx');
    const code = `import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version, m.ir_version)`;
    const r = await run(PYTHON, ['-c', code, file]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('13 7');
  });
});
