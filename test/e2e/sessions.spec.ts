/**
 * Training sessions a student can trust (issue 10, items 1, 6, 7), in Chromium against the real
 * browser-mode server, real training processes and the real Fashion-MNIST files: the canvas and
 * a running run survive a reload; runs are compared, renamed, reopened, resumed and deleted; the
 * panel says "stopping…", drops a previous graph's run, and explains the sigmoid plateau.
 */

import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { getTemplate } from '../../shared/templates/index';
import { dragFromPalette, openApp, screenshot } from './helpers';

/** Accepts every confirm and beforeunload prompt, as a user clicking OK. */
function acceptDialogs(page: Page): void {
  page.on('dialog', (d) => void d.accept());
}

async function setSettings(page: Page, values: Record<string, string>): Promise<void> {
  for (const [k, v] of Object.entries(values)) {
    const field = page.getByTestId(`cfg-${k}`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(v);
    else await field.fill(v);
  }
}

/** Trains one short run to its end and returns its id. */
async function trainToEnd(page: Page, values: Record<string, string>): Promise<string> {
  await setSettings(page, values);
  const before = new Set(await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id'))));
  await page.getByTestId('train-start').click();
  // The new run first: until it is shown, the panel still shows the previous run, done.
  const fresh = async () => (await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')!))).filter((id) => !before.has(id));
  await expect.poll(async () => (await fresh()).length, { timeout: 60_000 }).toBe(1);
  const [id] = await fresh();
  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-run-id', id);
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(row(page, id)).toHaveAttribute('data-status', 'done');
  return id;
}

const row = (page: Page, runId: string) => page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
const canvasNodes = (page: Page) => page.locator('.react-flow__node');
const SHORT = { batchSize: '64', limit: '300', valLimit: '200', backend: 'wasm' };

test('reload mid-training: the canvas comes back and the run re-attaches with its own settings and whole-run progress', async ({ page }) => {
  test.setTimeout(300_000);
  acceptDialogs(page);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-bn-lenet');
  const nodes = getTemplate('bn-lenet')!.nodes.length;
  await expect(canvasNodes(page)).toHaveCount(nodes);
  await page.getByTestId('tab-train').click();
  // Settings unlike the panel's defaults, so the re-attached panel can only show them if they are the run's.
  // Long enough (4 × 40,000 samples) that a quiet machine cannot finish it before Stop is clicked.
  await setSettings(page, { epochs: '4', batchSize: '32', lr: '0.05', limit: '40000', valLimit: '300', backend: 'wasm' });
  await page.getByTestId('train-start').click();
  const bar = page.getByTestId('progress-bar');
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  await expect.poll(async () => Number(await bar.getAttribute('data-progress')), { timeout: 90_000 }).toBeGreaterThan(0);
  // The autosave is on the server's side, a second after the last edit.
  await expect.poll(() => fs.existsSync(path.join(process.env.CS_RUNS!, 'autosave.json')), { timeout: 15_000 }).toBe(true);

  await page.reload();
  await expect(page.getByTestId('restored-note')).toBeVisible();
  await expect(page.getByTestId('restored-note')).toContainText('autosaved');
  await expect(canvasNodes(page)).toHaveCount(nodes);
  await expect(page.getByTestId('doc-title')).toContainText('BN-LeNet');
  await page.getByTestId('tab-train').click();
  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', /running|stopping/, { timeout: 30_000 });
  for (const [k, v] of Object.entries({ epochs: '4', batchSize: '32', lr: '0.05', limit: '40000' })) await expect(page.getByTestId(`cfg-${k}`), k).toHaveValue(v);
  await expect(page.getByTestId('run-settings')).toContainText('lr 0.05 · batch 32 · 4 epochs');
  await expect(page.getByTestId('run-backend')).toContainText('backend wasm');
  // Whole-run progress: "epoch e of 4", and the bar is that fraction of all four epochs.
  await expect(page.getByTestId('run-progress')).toContainText(/epoch [1-4] of 4 · \d+ % of the run/);
  const text = (await page.getByTestId('run-progress').textContent())!;
  const epoch = Number(/epoch (\d) of 4/.exec(text)![1]);
  const progress = Number(await bar.getAttribute('data-progress'));
  expect(progress).toBeLessThanOrEqual(epoch / 4 + 1e-6);
  expect(progress).toBeGreaterThanOrEqual((epoch - 1) / 4 - 1e-6);
  await screenshot(page, 'sessions-reattached');

  // Another graph on the canvas while it trains: the run stays, and the banner says it is not this graph.
  await page.getByRole('button', { name: 'New' }).click();
  await expect(canvasNodes(page)).not.toHaveCount(nodes);
  await expect(page.getByTestId('graph-differs')).toBeVisible();
  await page.getByTestId('banner-reopen').click();
  await expect(canvasNodes(page)).toHaveCount(nodes);
  await expect(page.getByTestId('graph-differs')).toHaveCount(0);

  // A small batch stops within milliseconds: every state the run line shows is recorded, not sampled.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenStates: string[] }).seenStates = seen;
    const el = document.querySelector('[data-testid="run-state"]')!;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
  });
  await page.getByTestId('train-stop').click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 120_000 });
  const seen = await page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);
  expect(seen.indexOf('stopping…')).toBeGreaterThanOrEqual(0);
  expect(seen.indexOf('stopping…')).toBeLessThan(seen.lastIndexOf('stopped'));
  expect(errors).toEqual([]);
});

test('three runs overlaid with a legend; rename, reopen, resume and delete from the history', async ({ page }) => {
  test.setTimeout(600_000);
  acceptDialogs(page);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-bn-lenet');
  await page.getByTestId('tab-train').click();
  const a = await trainToEnd(page, { ...SHORT, epochs: '1', lr: '0.05' });
  const b = await trainToEnd(page, { ...SHORT, epochs: '1', lr: '0.1' });
  const c = await trainToEnd(page, { ...SHORT, epochs: '2', lr: '0.2' });

  // Rename the first before comparing, so the legend names it.
  await row(page, a).getByTestId('run-rename').click();
  await page.getByTestId('run-name-input').fill('slow lr');
  await page.getByTestId('run-name-input').press('Enter');
  await expect(row(page, a).getByTestId('run-show')).toHaveText('slow lr');

  await row(page, a).getByTestId('run-overlay').check();
  await row(page, b).getByTestId('run-overlay').check();
  const chart = page.getByTestId('chart');
  await expect(chart).toHaveAttribute('data-runs', '3');
  const legend = page.getByTestId('legend-run');
  await expect(legend).toHaveCount(3);
  await expect(legend.nth(1)).toContainText('slow lr');
  await expect(legend.nth(1)).toContainText('lr 0.05');
  await expect(legend.nth(2)).toContainText('lr 0.1');
  await expect(legend.nth(0)).toContainText('lr 0.2');
  const colours = await legend.evaluateAll((els) => els.map((e) => e.getAttribute('data-colour')));
  expect(new Set(colours).size).toBe(3);
  // The book's BN-LeNet figure, drawn when asked for and named in the legend.
  await page.getByTestId('book-reference').check();
  await expect(page.getByTestId('legend-book')).toContainText('0.876');
  await screenshot(page, 'sessions-overlay');
  await page.getByTestId('book-reference').uncheck();

  // Reopen: a new graph, then the run's graph back on the canvas.
  await page.getByRole('button', { name: 'New' }).click();
  await expect(page.getByTestId('run-status')).toHaveCount(0);
  await row(page, c).getByTestId('run-reopen').click();
  await expect(canvasNodes(page)).toHaveCount(getTemplate('bn-lenet')!.nodes.length);
  await expect(page.getByTestId('run-status')).toBeVisible();
  await expect(page.getByTestId('graph-differs')).toHaveCount(0);

  // Resume: a run stopped early continues from its checkpoint to its last epoch.
  await setSettings(page, { ...SHORT, epochs: '3', limit: '600', lr: '0.1' });
  const ids = () => page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')!));
  const known = new Set(await ids());
  await page.getByTestId('train-start').click();
  const bar = page.getByTestId('progress-bar');
  await expect.poll(async () => Number(await bar.getAttribute('data-progress')), { timeout: 120_000 }).toBeGreaterThan(0);
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'stopped', { timeout: 120_000 });
  await expect.poll(async () => (await ids()).filter((id) => !known.has(id)).length).toBe(1);
  const d = (await ids()).find((id) => !known.has(id))!;
  await expect(row(page, d)).toHaveAttribute('data-status', 'stopped');
  await row(page, d).getByTestId('run-resume').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('run-progress')).toContainText('epoch 3 of 3');
  await expect(row(page, d)).toHaveAttribute('data-status', 'done');
  await expect(row(page, d)).toContainText('3/3 ep.');

  // More…: the finished run trains on to a new epoch total (as --resume RUN --epochs 4).
  await row(page, d).getByTestId('run-more').click();
  const total = row(page, d).getByTestId('run-more-epochs');
  await total.fill('3');
  await expect(row(page, d).getByTestId('run-more-go')).toBeDisabled();
  await total.fill('4');
  await row(page, d).getByTestId('run-more-go').click();
  // The run was done before More…: its fourth epoch, not its status, says the new attempt finished.
  await expect(page.getByTestId('run-progress')).toContainText('epoch 4 of 4', { timeout: 240_000 });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(row(page, d)).toContainText('4/4 ep.');

  // Delete, after the confirmation: gone from the history and from the runs folder.
  await row(page, b).getByTestId('run-delete').click();
  await expect(row(page, b)).toHaveCount(0);
  expect(fs.existsSync(path.join(process.env.CS_RUNS!, b))).toBe(false);
  await page.reload();
  await page.getByTestId('tab-train').click();
  await expect(row(page, a)).toBeVisible();
  await expect(row(page, b)).toHaveCount(0);
  await screenshot(page, 'sessions-history');
  expect(errors).toEqual([]);
});

test('the sigmoid plateau is explained, and switching graphs clears the previous run', async ({ page }) => {
  test.setTimeout(300_000);
  acceptDialogs(page);
  const errors = await openApp(page);
  // d2l's sigmoid LeNet on a few hundred images for one epoch: still at chance, as in the book's first epochs.
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('tab-train').click();
  await trainToEnd(page, { ...SHORT, epochs: '1', lr: '0.1' });
  await expect(page.getByTestId('plateau-hint')).toContainText('2–4 epochs');
  await expect(page.getByTestId('chart')).not.toHaveAttribute('data-series', '0');
  await page.getByRole('button', { name: 'New' }).click();
  await expect(page.getByTestId('run-status')).toHaveCount(0);
  await expect(page.getByTestId('plateau-hint')).toHaveCount(0);
  await expect(page.getByTestId('chart')).toHaveAttribute('data-series', '0');
  expect(errors).toEqual([]);
});

test('Adam on BN-LeNet (2,000 samples, 2 epochs) beats chance', async ({ page }) => {
  test.setTimeout(300_000);
  acceptDialogs(page);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-bn-lenet');
  await page.getByTestId('tab-train').click();
  await trainToEnd(page, { optimizer: 'adam', lr: '0.001', epochs: '2', batchSize: '64', limit: '2000', valLimit: '500', backend: 'wasm' });
  const acc = Number(await page.locator('[data-testid="run-row"]').first().locator('td.num').textContent());
  // Chance is 0.1; 0.5 cannot be reached by guessing on 500 validation images.
  expect(acc).toBeGreaterThan(0.5);
  expect(errors).toEqual([]);
});
