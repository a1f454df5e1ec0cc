/**
 * Training in a Web Worker of the page on the browser's own WebGPU (issue 15 part 2): Chromium's
 * SwiftShader gives the page a (software) WebGPU adapter, the Training panel starts LeNet on
 * `webgpu`, the worker runs the host-neutral trainer, and the server writes the run folder from
 * the worker's Api calls. The folder must be a normal one — config.json, metrics.jsonl, final.json
 * and a checkpoint whose manifest verifies — and its losses must be the cpu backend's for the
 * same seed, trained by the real CLI in a real process. SwiftShader compiles every shader for
 * every shape, so this is slow; it asserts no times.
 */

import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainingEvent } from '../../shared/training';
import { listCheckpoints, verifyCheckpoint } from '../../main/runs/checkpoints';
import { openApp, dragFromPalette, screenshot } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');

// The flags of docs/GPU.md: WebGPU on SwiftShader's Vulkan in headless Chromium.
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
      '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  },
});

/** The panel's fields; the seed is the default one (not a panel field), read back from config.json for the cpu run. */
const SETTINGS = { epochs: 1, batchSize: 32, lr: 0.1, limit: 96, valLimit: 64 };

const readEvents = (runDir: string): TrainingEvent[] =>
  fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainingEvent);

const batchLosses = (events: TrainingEvent[]): number[] => events.flatMap((e) => (e.event === 'batch' ? [e.loss] : []));

/** The run folder the page's run wrote: the newest under the shared runs root (other specs train too) with these settings on webgpu. */
function workerRunDir(settings: { limit: number; valLimit: number } = SETTINGS): string {
  const root = process.env.CS_RUNS!;
  const mine = fs.readdirSync(root).map((n) => path.join(root, n)).filter((d) => fs.existsSync(path.join(d, 'config.json'))).map((d) => ({ d, c: JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')) }))
    .filter(({ c }) => c.config.backend === 'webgpu' && c.config.limit === settings.limit && c.config.valLimit === settings.valLimit)
    .sort((a, b) => String(b.c.startedAt).localeCompare(String(a.c.startedAt)));
  expect(mine.length, `a webgpu run folder in ${root}`).toBeGreaterThan(0);
  return mine[0].d;
}

/** The same graph, settings and seed on the cpu backend, through `convstudio train` in its own process. */
function cpuReference(graphFile: string, seed: number): TrainingEvent[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'convstudio-webgpu-worker-cpu-'));
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'main/cli/index.ts', 'train', graphFile,
      '--backend', 'cpu', '--epochs', String(SETTINGS.epochs), '--batch-size', String(SETTINGS.batchSize), '--lr', String(SETTINGS.lr),
      '--limit', String(SETTINGS.limit), '--val-limit', String(SETTINGS.valLimit), '--seed', String(seed), '--out', out, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // The CLI prints epochs, not batches: its run folder's metrics.jsonl has every event.
    const [run] = fs.readdirSync(out).filter((n) => fs.existsSync(path.join(out, n, 'metrics.jsonl')));
    return readEvents(path.join(out, run));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

test('LeNet trained in a Web Worker on WebGPU writes a normal run folder, with the cpu backend\'s losses', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = await openApp(page);
  expect(await page.evaluate(async () => Boolean(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter())), 'Chromium offers WebGPU here').toBe(true);
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('tab-train').click();
  for (const [key, value] of Object.entries(SETTINGS)) await page.getByTestId(`cfg-${key}`).fill(String(value), { timeout: 15_000 });
  await page.getByTestId('cfg-backend').selectOption('webgpu');
  await page.getByTestId('train-start').click();

  const status = page.getByTestId('run-status');
  await expect(page.getByTestId('run-backend')).toContainText('backend webgpu', { timeout: 120_000 });
  await expect(page.getByTestId('run-backend')).toContainText('software');
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 540_000 });
  await screenshot(page, 'webgpu-worker');

  const runDir = workerRunDir();
  const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
  expect(config.config).toMatchObject({ ...SETTINGS, backend: 'webgpu' });
  const events = readEvents(runDir);
  const start = events.find((e) => e.event === 'start');
  expect(start).toMatchObject({ backend: 'webgpu', runDir });
  expect(start?.event === 'start' && start.device).toMatch(/^software: .*SwiftShader/i);
  expect(events.at(-1)).toMatchObject({ event: 'done', stopped: false, epochs: 1 });
  expect(JSON.parse(fs.readFileSync(path.join(runDir, 'final.json'), 'utf8'))).toMatchObject({ status: 'done', backend: 'webgpu', epochs: 1 });
  // The lock the server held for the worker is given back.
  expect(fs.existsSync(path.join(runDir, 'running.json'))).toBe(false);
  const [checkpoint] = listCheckpoints(runDir);
  expect(path.basename(checkpoint ?? '')).toBe('e0001-b00000');
  expect(() => verifyCheckpoint(runDir, checkpoint)).not.toThrow();

  const want = cpuReference(path.join(runDir, 'graph.json'), config.config.seed);
  const got = batchLosses(events);
  expect(got).toHaveLength(SETTINGS.limit / SETTINGS.batchSize);
  expect(batchLosses(want)).toHaveLength(got.length);
  batchLosses(want).forEach((l, i) => expect(Math.abs(got[i] - l) / l, `batch ${i + 1}: webgpu ${got[i]}, cpu ${l}`).toBeLessThan(1e-4));
  const epoch = (es: TrainingEvent[]) => es.find((e) => e.event === 'epoch') as Extract<TrainingEvent, { event: 'epoch' }>;
  expect(Math.abs(epoch(events).val_loss - epoch(want).val_loss) / epoch(want).val_loss).toBeLessThan(1e-4);
  expect(epoch(events).val_acc).toBe(epoch(want).val_acc);
  expect(errors).toEqual([]);
});

test('a worker run lost with its page in a reload is said to be so, and Resume continues it in the page to its last epoch', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('tab-train').click();
  const settings = { epochs: 2, batchSize: 32, lr: 0.1, limit: 160, valLimit: 32 };
  for (const [key, value] of Object.entries(settings)) await page.getByTestId(`cfg-${key}`).fill(String(value), { timeout: 15_000 });
  await page.getByTestId('cfg-backend').selectOption('webgpu');
  await page.getByTestId('train-start').click();
  const bar = page.getByTestId('progress-bar');
  await expect.poll(async () => Number(await bar.getAttribute('data-progress')), { timeout: 240_000 }).toBeGreaterThan(0);

  // The reload ends the page's worker; the reloaded tab says what became of its run at once.
  await page.reload();
  await page.getByTestId('tab-train').click();
  const runDir = workerRunDir(settings);
  const runId = path.basename(runDir);
  const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  await expect(row).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(row.getByTestId('run-reason')).toContainText('stopped when its page was reloaded');
  expect(fs.existsSync(path.join(runDir, 'running.json'))).toBe(false);
  await screenshot(page, 'webgpu-worker-reloaded');

  // Resume: in a new worker of this page, from the run's checkpoint (or epoch 1 if it had none).
  await row.getByTestId('run-resume').click();
  await expect(page.getByTestId('run-backend')).toContainText('backend webgpu', { timeout: 120_000 });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 540_000 });
  await expect(page.getByTestId('run-progress')).toContainText('epoch 2 of 2');
  await expect(row).toHaveAttribute('data-status', 'done');
  const events = readEvents(runDir);
  expect(events.some((e) => e.event === 'resume')).toBe(true);
  expect(events.at(-1)).toMatchObject({ event: 'done', stopped: false, epochs: 2 });
  expect(JSON.parse(fs.readFileSync(path.join(runDir, 'final.json'), 'utf8'))).toMatchObject({ status: 'done', backend: 'webgpu', epochs: 2 });
  expect(fs.existsSync(path.join(runDir, 'running.json'))).toBe(false);
  expect(errors).toEqual([]);
});
