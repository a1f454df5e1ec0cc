/**
 * Insight (issue 12) as a student uses it, in Chromium against the real browser-mode server:
 * LeNet and BN-LeNet are trained for real (the CLI's `train`, a real training process, on a
 * small subset of the real Fashion-MNIST), opened from the Training panel's run list, and every
 * view is checked against something computed without the page — `convstudio eval --json` run as
 * a real process, the validation labels read from the data set's own file, the run's
 * metrics.jsonl, and the layer shapes the page prints.
 */

import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { INSIGHT_LIMITS } from '../../shared/insight';
import { chain, input } from '../../shared/templates/chain';
import { openApp, screenshot } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DATA = '/usr/share/datasets/fashion-mnist';
const VAL = 400;

interface TrainedRun {
  template: string;
  runId: string;
  runDir: string;
  epochs: number;
}

/** `convstudio …` as a real process, as a user would type it. */
function cli(args: string[], timeout = 300_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'main/cli/index.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function train(template: string, extra: string[], size: string[] = ['--epochs', '2', '--limit', '1500', '--val-limit', String(VAL)]): TrainedRun {
  const r = cli(['train', template, ...size, '--batch-size', '64', '--data', DATA, '--out', process.env.CS_RUNS!, '--json', ...extra]);
  expect(r.status, `${template} training failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; runId: string; runDir?: string });
  const start = lines.find((l) => l.event === 'start')!;
  return { template, runId: start.runId, runDir: start.runDir!, epochs: 2 };
}

/** The first `n` test labels, counted per class, from the data set's own file. */
function classCounts(n: number): number[] {
  const labels = zlib.gunzipSync(fs.readFileSync(path.join(DATA, 't10k-labels-idx1-ubyte.gz'))).subarray(8, 8 + n);
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

/** val_acc the trainer recorded for an epoch, from the run folder's metrics.jsonl. */
function recordedValAcc(runDir: string, epoch: number): number {
  const events = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; epoch?: number; val_acc?: number });
  return events.filter((e) => e.event === 'epoch' && e.epoch === epoch).at(-1)!.val_acc!;
}

async function confusionOnScreen(page: Page): Promise<number[][]> {
  const m: number[][] = [];
  for (let i = 0; i < 10; i++) {
    const row: number[] = [];
    for (let j = 0; j < 10; j++) row.push(Number(await page.getByTestId(`cm-${i}-${j}`).getAttribute('data-count')));
    m.push(row);
  }
  return m;
}

/** Opens a run's Insight from the Training panel's run list, as a student would. */
async function openInsight(page: Page, runId: string): Promise<void> {
  await page.getByTestId('view-canvas').click();
  await page.getByTestId('tab-train').click();
  const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await row.getByTestId('run-insight').click();
  await expect(page.getByTestId('insight')).toBeVisible();
  await expect(page.getByTestId('insight-run')).toHaveValue(runId);
}

/** Every layer row on screen: the channels its shape says and the tiles drawn for it. */
async function layerTiles(page: Page, slot: number): Promise<{ path: string; shape: number[]; channels: number; shown: number; tiles: number }[]> {
  return page.getByTestId('layers').locator('.layer-row').evaluateAll((rows, s) =>
    rows.map((row) => {
      const maps = row.querySelector(`[data-testid^="maps-${s}-"]`)!;
      const canvas = maps.querySelector('canvas')!;
      return {
        path: row.getAttribute('data-testid')!.slice('layer-'.length),
        shape: row.getAttribute('data-shape')!.split(',').map(Number),
        channels: Number(maps.getAttribute('data-channels')),
        shown: Number(maps.getAttribute('data-shown')),
        tiles: Number(canvas.dataset.tiles),
      };
    }), slot);
}

const runs: TrainedRun[] = [];

test.describe.serial('Insight on LeNet and BN-LeNet trained on a subset', () => {
  test.beforeAll(() => {
    test.setTimeout(600_000);
    // LeNet's sigmoids need d2l's large step to move in two short epochs; BN-LeNet learns at 0.1 too.
    runs.push(train('lenet', ['--lr', '0.9']));
    runs.push(train('bn-lenet', ['--lr', '0.1']));
    // A network with a block in it, trained only to have a checkpoint.
    const graph = chain('tiny-residual', [
      input(1, 28),
      { id: 'c1', type: 'Conv2d', params: { out_channels: 8, kernel_size: 3, padding: 1 } },
      { id: 'r1', type: 'Residual', params: { num_channels: 8 } },
      { id: 'gap', type: 'AdaptiveAvgPool2d', params: { output_size: 1 } },
      { id: 'flat', type: 'Flatten' },
      { id: 'fc', type: 'Linear', params: { out_features: 10 } },
    ]);
    const file = path.join(process.env.CS_RUNS!, '..', `tiny-residual-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify(graph));
    try {
      const run = train(file, ['--lr', '0.1'], ['--epochs', '1', '--limit', '256', '--val-limit', '100']);
      runs.push({ ...run, template: 'tiny-residual' });
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('a block shows its output; opened, the layers inside it, each with as many maps as its shape says', async ({ page }) => {
    test.setTimeout(180_000);
    const run = runs.find((r) => r.template === 'tiny-residual')!;
    const errors = await openApp(page);
    await openInsight(page, run.runId);
    await page.getByTestId('insight-section-inside').click();
    const block = page.getByTestId('layer-r1');
    await expect(block).toHaveAttribute('data-shape', '8,28,28', { timeout: 120_000 });
    await expect(page.locator('.layer-row.inner')).toHaveCount(0);
    await page.getByTestId('open-r1').click();
    const inner = page.locator('.layer-row.inner');
    await expect.poll(() => inner.count(), { timeout: 60_000 }).toBeGreaterThan(3);
    await expect.poll(async () => (await layerTiles(page, 0)).every((l) => l.tiles > 0), { timeout: 60_000 }).toBe(true);
    const layers = await layerTiles(page, 0);
    const inside = layers.filter((l) => l.path.startsWith('r1.'));
    expect(inside.length).toBe(await inner.count());
    // The block's row comes first, its inside under it, then the layers after it.
    const at = layers.findIndex((l) => l.path === 'r1');
    expect(layers.slice(at + 1, at + 1 + inside.length).map((l) => l.path)).toEqual(inside.map((l) => l.path));
    for (const l of layers) expect(l.channels, l.path).toBe(l.shape[0]);
    await page.getByTestId('open-r1').click();
    await expect(inner).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  for (const which of ['lenet', 'bn-lenet']) {
    test(`${which}: the confusion matrix equals convstudio eval --json, rows are the subset's class counts, accuracy is the run's val_acc`, async ({ page }) => {
      test.setTimeout(300_000);
      const run = runs.find((r) => r.template === which)!;
      const errors = await openApp(page);
      await openInsight(page, run.runId);
      await expect(page.getByTestId('eval-summary')).toBeVisible({ timeout: 180_000 });
      const onScreen = await confusionOnScreen(page);
      const epoch = Number(await page.getByTestId('eval-summary').getAttribute('data-epoch'));
      expect(epoch).toBe(run.epochs);

      const r = cli(['eval', run.runDir, '--epoch', String(epoch), '--json']);
      expect(r.status, r.stderr).toBe(0);
      const cliEval = JSON.parse(r.stdout) as { confusion: number[][]; accuracy: number };
      expect(onScreen).toEqual(cliEval.confusion);

      const counts = classCounts(VAL);
      expect(onScreen.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
      for (let i = 0; i < 10; i++) await expect(page.getByTestId(`cm-row-${i}`)).toHaveText(String(counts[i]));
      const accuracy = Number(await page.getByTestId('eval-summary').getAttribute('data-accuracy'));
      expect(accuracy).toBeCloseTo(recordedValAcc(run.runDir, epoch), 6);
      expect(accuracy).toBeCloseTo(onScreen.reduce((a, row, i) => a + row[i], 0) / VAL, 9);
      // Per-class accuracy on screen is the diagonal over the row, class by class.
      for (let i = 0; i < 10; i++) {
        const cells = page.getByTestId(`class-${i}`).locator('td');
        await expect(cells.nth(1)).toHaveText(String(counts[i]));
        await expect(cells.nth(2)).toContainText(counts[i] ? `${((onScreen[i][i] / counts[i]) * 100).toFixed(1)} %` : '—');
      }

      // The gallery: all mistakes, then only one cell's, each thumbnail of that cell.
      const mistakes = VAL - onScreen.reduce((a, row, i) => a + row[i], 0);
      await expect(page.getByTestId('gallery-caption')).toContainText(`${mistakes} of ${VAL}`);
      let worst = { i: 0, j: 1, n: -1 };
      for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) if (i !== j && onScreen[i][j] > worst.n) worst = { i, j, n: onScreen[i][j] };
      await page.getByTestId(`cm-${worst.i}-${worst.j}`).click();
      const gallery = page.getByTestId('gallery');
      await expect(gallery.locator('.thumb')).toHaveCount(Math.min(worst.n, 40));
      const pairs = await gallery.locator('.thumb').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-label')), Number(e.getAttribute('data-predicted'))]));
      expect(new Set(pairs.map((p) => p.join('>')))).toEqual(new Set([`${worst.i}>${worst.j}`]));
      if (which === 'bn-lenet') await screenshot(page, 'insight-results');
      expect(errors).toEqual([]);
    });
  }

  for (const which of ['lenet', 'bn-lenet']) {
    test(`${which}: a sweater beside a coat — every layer has as many maps as its shape says, top-5 and Grad-CAM shown`, async ({ page }) => {
      test.setTimeout(240_000);
      const run = runs.find((r) => r.template === which)!;
      const errors = await openApp(page);
      await openInsight(page, run.runId);
      await page.getByTestId('insight-section-inside').click();
      // Image A: the first pullover (sweater) of the test set, found by class and place.
      await page.getByTestId('pick-class-0').selectOption({ label: 'Pullover' });
      await page.getByTestId('pick-nth-0').fill('1');
      await page.getByTestId('pick-find-0').click();
      await expect(page.getByTestId('image-0')).toContainText('true class: Pullover', { timeout: 120_000 });
      await page.getByTestId('compare-on').click();
      await page.getByTestId('pick-class-1').selectOption({ label: 'Coat' });
      await page.getByTestId('pick-find-1').click();
      await expect(page.getByTestId('image-1')).toContainText('true class: Coat', { timeout: 120_000 });

      for (const slot of [0, 1]) {
        await expect(page.getByTestId(`image-${slot}`).getByTestId('top5').locator('li')).toHaveCount(5);
        await expect(page.getByTestId(`cam-${slot}`)).toBeVisible({ timeout: 120_000 });
        await expect.poll(async () => (await layerTiles(page, slot)).every((l) => l.tiles > 0), { timeout: 60_000 }).toBe(true);
        const layers = await layerTiles(page, slot);
        expect(layers.length).toBeGreaterThan(5);
        for (const l of layers) {
          expect(l.channels, l.path).toBe(l.shape[0]);
          expect(l.tiles, l.path).toBe(Math.min(l.shape[0], l.shape.length === 1 ? INSIGHT_LIMITS.vectorValues : INSIGHT_LIMITS.channels));
        }
      }
      // Probabilities in the top 5 are sorted and sum to at most 1.
      const ps = await page.getByTestId('image-0').getByTestId('top5').locator('li').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-p'))));
      expect([...ps].sort((a, b) => b - a)).toEqual(ps);
      expect(ps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
      // Grad-CAM is on the last convolution by default; choosing the first moves it there.
      const convs = await page.getByTestId('cam-layer').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
      await expect(page.getByTestId('cam-0')).toHaveAttribute('data-layer', convs.at(-1)!);
      await page.getByTestId('cam-layer').selectOption(convs[0]);
      await expect(page.getByTestId('cam-0')).toHaveAttribute('data-layer', convs[0], { timeout: 60_000 });
      await page.getByTestId('cam-layer').selectOption('');
      await expect(page.getByTestId('cam-0')).toHaveAttribute('data-layer', convs.at(-1)!, { timeout: 60_000 });
      if (which === 'bn-lenet') await screenshot(page, 'insight-compare');
      expect(errors).toEqual([]);
    });
  }

  test('an uploaded PNG and a drawing are prepared in the page, their steps listed, and the network answers for them', async ({ page }) => {
    test.setTimeout(180_000);
    const run = runs.find((r) => r.template === 'bn-lenet')!;
    const errors = await openApp(page);
    await openInsight(page, run.runId);
    await page.getByTestId('insight-section-inside').click();
    // A dark trouser shape on a white 60×90 picture, made by the browser's own PNG encoder.
    const png = await page.evaluate(async () => {
      const c = new OffscreenCanvas(60, 90);
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 60, 90);
      ctx.fillStyle = '#222';
      ctx.fillRect(14, 5, 14, 80);
      ctx.fillRect(32, 5, 14, 80);
      ctx.fillRect(14, 5, 32, 12);
      const blob = await c.convertToBlob({ type: 'image/png' });
      return [...new Uint8Array(await blob.arrayBuffer())];
    });
    await page.getByTestId('source-upload-0').click();
    await page.getByTestId('upload-0').setInputFiles({ name: 'trousers.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    const steps = page.getByTestId('image-0').getByTestId('prep-steps');
    await expect(steps).toContainText('resized 60×90 → 19×28');
    await expect(steps).toContainText('inverted');
    await expect(page.getByTestId('image-0')).toContainText('trousers.png');
    await expect(page.getByTestId('image-0').getByTestId('top5').locator('li')).toHaveCount(5, { timeout: 60_000 });
    await expect(page.getByTestId('layers')).toBeVisible();
    await screenshot(page, 'insight-upload');

    // Not an image: a clear message, and the last image stays.
    await page.getByTestId('upload-0').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
    await expect(page.getByTestId('upload-error-0')).toContainText('notes.png is not an image the browser can decode');
    await expect(page.getByTestId('image-0')).toContainText('trousers.png');

    // A drawing: one vertical stroke on the pad.
    await page.getByTestId('source-draw-0').click();
    const pad = page.getByTestId('draw-pad');
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.85, { steps: 10 });
    await page.mouse.up();
    await expect(page.getByTestId('image-0')).toContainText('drawn');
    await expect(page.getByTestId('image-0').getByTestId('top5').locator('li')).toHaveCount(5, { timeout: 60_000 });
    expect(errors).toEqual([]);
  });

  for (const which of ['lenet', 'bn-lenet']) {
    test(`${which}: what the layers hold — the first convolution's filters one by one, a deeper one per output channel, and histograms for every layer`, async ({ page }) => {
      test.setTimeout(180_000);
      const run = runs.find((r) => r.template === which)!;
      const errors = await openApp(page);
      await openInsight(page, run.runId);
      await page.getByTestId('insight-section-layers').click();
      // LeNet and BN-LeNet alike: conv1 is 6×1×5×5, conv2 16×6×5×5.
      await expect(page.getByTestId('filter-shape')).toHaveAttribute('data-shape', '6,1,5,5', { timeout: 120_000 });
      await expect(page.getByTestId('filter-tiles')).toHaveAttribute('data-tiles', '6');
      const layers = await page.getByTestId('filter-layer').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
      expect(layers.length).toBe(2);
      await page.getByTestId('filter-layer').selectOption(layers[1]);
      await expect(page.getByTestId('filter-shape')).toHaveAttribute('data-shape', '16,6,5,5', { timeout: 60_000 });
      await expect(page.getByTestId('filter-grid').locator('figure')).toHaveCount(16);
      const tiles = await page.getByTestId('filter-grid').locator('canvas').evaluateAll((cs) => cs.map((c) => Number((c as HTMLCanvasElement).dataset.tiles)));
      expect(tiles).toEqual(new Array(16).fill(6));

      const hists = page.getByTestId('histograms');
      await expect(hists).toBeVisible({ timeout: 120_000 });
      // Every weight of conv1 is counted once: 6·1·5·5 weights and 6 biases.
      await expect(hists.locator('[data-testid$="-weight"]').first()).toHaveAttribute('data-count', '150');
      await expect(hists.locator('[data-testid^="hist-g-"]').first()).toBeVisible();
      if (which === 'bn-lenet') await screenshot(page, 'insight-layers');
      expect(errors).toEqual([]);
    });
  }
});
