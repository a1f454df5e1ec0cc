/**
 * Export in browser mode, in Chromium, against the real server: the toolbar's Export… and a run's
 * Export button open the dialog, and Export downloads one zip. The zip is read back by Python's
 * zipfile and its model.onnx runs in onnxruntime, so what the page hands over is a working export.
 */

import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { dragFromPalette, openApp, screenshot, selectNode } from './helpers';

const OUT = path.resolve(import.meta.dirname, '../../test-results/export');

/** Clicks Export in the dialog and keeps the zip it downloads. */
async function downloadExport(page: Page, name: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-go').click()]);
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, name);
  await download.saveAs(file);
  expect(download.suggestedFilename()).toBe(name);
  return file;
}

/** Python's reading of a zip: entries with sizes, CRCs checked; and the bytes of one entry. */
function unzip(file: string, member?: string): { bad: string | null; entries: string[]; data?: Buffer } {
  const code = 'import json, sys, zipfile, base64; z = zipfile.ZipFile(sys.argv[1]); m = sys.argv[2] if len(sys.argv) > 2 else None; print(json.dumps({"bad": z.testzip(), "entries": z.namelist(), "data": base64.b64encode(z.read(m)).decode() if m else None}))';
  const r = spawnSync('/usr/bin/python3', ['-c', code, file, ...(member ? [member] : [])], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.stderr).toBe('');
  const parsed = JSON.parse(r.stdout) as { bad: string | null; entries: string[]; data: string | null };
  return { bad: parsed.bad, entries: parsed.entries, data: parsed.data ? Buffer.from(parsed.data, 'base64') : undefined };
}

test('the canvas exports to ONNX as a zip whose model runs in onnxruntime', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('export-source')).toHaveValue('canvas');
  await page.getByTestId('export-format-onnx').check();
  const file = await downloadExport(page, 'LeNet-onnx.zip');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('toast').last()).toContainText('Exported model.onnx to LeNet-onnx.zip');

  const z = unzip(file, 'LeNet-onnx/model.onnx');
  expect(z.bad).toBeNull();
  expect(z.entries).toEqual(['LeNet-onnx/model.onnx']);
  const session = await ort.InferenceSession.create(z.data!);
  const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(2 * 28 * 28).fill(0.5), [2, 1, 28, 28]) });
  expect(out.logits.dims).toEqual([2, 10]);
  expect(errors).toEqual([]);
});

test('a graph with errors: the dialog says why and stays open', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  // Without its first convolution LeNet's Input feeds nothing.
  await selectNode(page, 'conv1');
  await page.keyboard.press('Delete');
  await page.getByTestId('export').click();
  await page.getByTestId('export-go').click();
  await expect(page.getByTestId('export-error')).toContainText('Cannot export');
  await screenshot(page, 'export-dialog-error');
  await expect(page.getByTestId('export-dialog')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('export-dialog')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a trained run exports to PyTorch from its row: model.py, weights, train.py, README', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-epochs').fill('1');
  await page.getByTestId('cfg-batchSize').fill('64');
  await page.getByTestId('cfg-limit').fill('256');
  await page.getByTestId('cfg-valLimit').fill('128');
  await page.getByTestId('cfg-backend').selectOption('wasm');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });

  await page.getByTestId('run-export').first().click();
  await expect(page.getByTestId('export-source')).toHaveValue(/^run:/);
  const epoch = page.getByTestId('export-epoch');
  await expect(epoch.locator('option')).toHaveText(['the newest checkpoint (epoch 1)', 'epoch 1', 'epoch 0 (the initial weights)']);
  await screenshot(page, 'export-dialog-run');
  const file = await downloadExport(page, 'LeNet-pytorch.zip');
  const z = unzip(file);
  expect(z.bad).toBeNull();
  expect(z.entries).toEqual(['model.py', 'weights.safetensors', 'train.py', 'README.md'].map((f) => `LeNet-pytorch/${f}`));
  expect(errors).toEqual([]);
});
