/**
 * `convstudio eval` and `convstudio predict` as a user runs them (real processes, a run trained by
 * `convstudio train`, real Fashion-MNIST), and the app's side of the same numbers: the Api's
 * insightEvaluate through the real engine service process must give eval --json's matrix.
 */

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBytes, type Evaluation } from '../../../../shared/insight';
import { createNodeApi } from '../../../../main/api/node-api';
import { readIdxFile } from '../../../../main/data/idx';
import { SYSTEM_DATA_DIR, filesIn } from '../../../../main/data/locate';
import { createEngineService, type EngineService } from '../../../../main/engine/service/client';
import { readEvents } from '../../../../main/runs/run-folder';
import { reluLenet } from '../engine/train-helpers';
import { trainRun, value, type TrainedRun } from '../engine/insight/helpers';
import { cli } from '../export/helpers';

const VAL = 300;
const files = filesIn(SYSTEM_DATA_DIR)!;
const images = readIdxFile(files.testImages).data;
const labels = readIdxFile(files.testLabels).data;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-predict-'));

/** Test image i as a file: gray PNG, its negative (dark on light, as a photo on white would be), RGB JPEG. */
function writeImage(i: number, kind: 'png' | 'negative' | 'jpeg'): string {
  const px = images.subarray(i * 784, (i + 1) * 784);
  const rgba = Buffer.alloc(784 * 4);
  for (let k = 0; k < 784; k++) {
    const v = kind === 'negative' ? 255 - px[k] : px[k];
    rgba.set([v, v, v, 255], k * 4);
  }
  const file = path.join(dir, `test-${i}-${kind}.${kind === 'jpeg' ? 'jpg' : 'png'}`);
  if (kind === 'jpeg') writeFileSync(file, jpeg.encode({ data: rgba, width: 28, height: 28 }, 95).data);
  else {
    const png = new PNG({ width: 28, height: 28 });
    rgba.copy(png.data);
    writeFileSync(file, PNG.sync.write(png));
  }
  return file;
}

let run: TrainedRun;
let evaluation: { confusion: number[][]; accuracy: number; predictions: number[]; samples: number; perClass: { count: number }[] };

beforeAll(async () => {
  run = await trainRun(reluLenet(), ['--epochs', '2', '--limit', '1500', '--val-limit', String(VAL), '--batch-size', '64', '--lr', '0.1']);
  const r = await cli(['eval', run.runDir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  evaluation = JSON.parse(r.stdout);
}, 240_000);

describe('convstudio eval', () => {
  it('prints the 10×10 confusion matrix (rows = true class) that sums to the subset and matches val_acc', () => {
    expect(evaluation.confusion.length).toBe(10);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < VAL; i++) counts[labels[i]]++;
    expect(evaluation.confusion.map((row) => row.length)).toEqual(new Array(10).fill(10));
    expect(evaluation.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
    const last = readEvents(run.runDir).filter((e) => e.event === 'epoch').at(-1) as { val_acc: number };
    expect(evaluation.accuracy).toBeCloseTo(last.val_acc, 9);
    expect(evaluation.predictions.length).toBe(VAL);
  });

  it('prints the matrix and per-class figures for a person, from the cache the first call wrote', async () => {
    const r = await cli(['eval', run.runDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(cached\)/);
    expect(r.stdout).toMatch(/rows = true class/);
    for (const name of ['T-shirt/top', 'Ankle boot']) expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/precision\s+recall/);
  });
});

describe('convstudio predict', () => {
  it('gives a PNG of test image i the class the evaluation gave image i, and its negative the same', async () => {
    const picks = [0, 1, 2, 3, 4, 5];
    const pngs = picks.map((i) => writeImage(i, 'png'));
    const negatives = picks.map((i) => writeImage(i, 'negative'));
    const r = await cli(['predict', run.runDir, ...pngs, ...negatives, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { images: { file: string; inverted: boolean; steps: string[]; top5: { classIndex: number; probability: number }[] }[] };
    expect(out.images.length).toBe(picks.length * 2);
    picks.forEach((i, k) => {
      expect(out.images[k].top5[0].classIndex, `image ${i}`).toBe(evaluation.predictions[i]);
      expect(out.images[k].inverted).toBe(false);
      const neg = out.images[picks.length + k];
      expect(neg.inverted).toBe(true);
      expect(neg.top5[0].classIndex, `negative of image ${i}`).toBe(evaluation.predictions[i]);
      expect(neg.top5).toHaveLength(5);
    });
  }, 120_000);

  it('reads JPEG and prints the preprocessing and top five for a person', async () => {
    const r = await cli(['predict', run.runDir, writeImage(7, 'jpeg')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/JPEG 28×28; converted to grayscale/);
    expect(r.stdout.trim().split('\n').filter((l) => / %$/.test(l))).toHaveLength(5);
  });

  const bad: [string, () => string[], RegExp][] = [
    ['a text file', () => [run.runDir, (writeFileSync(path.join(dir, 'notes.png'), 'hello'), path.join(dir, 'notes.png'))], /not a PNG or JPEG image/],
    ['a file that is not there', () => [run.runDir, path.join(dir, 'nope.png')], /nope.png does not exist/],
    ['a truncated PNG', () => {
      const f = writeImage(1, 'png');
      const cut = path.join(dir, 'cut.png');
      writeFileSync(cut, readFileSync(f).subarray(0, 40));
      return [run.runDir, cut];
    }, /could not be decoded as a PNG.*truncated or damaged/],
    ['a PNG that claims to be huge', () => {
      const f = readFileSync(writeImage(1, 'png'));
      f.writeUInt32BE(100_000, 16);
      f.writeUInt32BE(100_000, 20);
      const huge = path.join(dir, 'huge.png');
      writeFileSync(huge, f);
      return [run.runDir, huge];
    }, /100000×100000 PNG; at most 40 megapixels/],
    ['a folder that is not a run', () => { const d = path.join(dir, 'empty'); mkdirSync(d, { recursive: true }); return [d, writeImage(1, 'png')]; }, /is not a run folder/],
    ['an epoch the run has no checkpoint for', () => [run.runDir, writeImage(1, 'png'), '--epoch', '9'], /no checkpoint for epoch 9/],
    ['no image', () => [run.runDir], /name one or more PNG or JPEG images/],
  ];
  it.each(bad)('refuses %s with exit code 2 and says why', async (_t, args, message) => {
    const r = await cli(['predict', ...args()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  }, 60_000);
});

describe("the app's evaluation, through the Api and the engine service process", () => {
  let engine: EngineService;
  beforeAll(() => {
    engine = createEngineService({ backend: 'auto' });
  });
  afterAll(() => engine.dispose());

  it('equals convstudio eval --json for the same run and epoch', async () => {
    const api = createNodeApi({ runsRoot: path.dirname(run.runDir), engine });
    const e = value(await api.insightEvaluate({ runId: run.runId, epoch: 2 })) as Evaluation;
    expect(e.confusion).toEqual(evaluation.confusion);
    expect(e.accuracy).toBe(evaluation.accuracy);
    expect(Array.from(decodeBytes(e.predictions))).toEqual(evaluation.predictions);
    const img = value(await api.insightImages({ indices: [4] }));
    expect(img[0].label).toBe(labels[4]);
    expect(decodeBytes(img[0].pixels)).toEqual(Uint8Array.from(images.subarray(4 * 784, 5 * 784)));
    const missing = await api.insightEvaluate({ runId: 'no-such-run' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  }, 180_000);
});
