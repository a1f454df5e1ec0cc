/**
 * The memory estimate while designing (issue 17): the Summary tab says what training needs at the
 * Training panel's batch size, in all and per layer, and warns before Start where
 * wasm's 4 GB cannot hold it, naming a batch size that fits.
 */

import { expect, test } from '@playwright/test';
import { dragFromPalette, openApp, screenshot } from './helpers';

test('LeNet: a few MB at batch 128, per layer and in all; the estimate follows the batch size', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('tab-summary').click();
  const memory = page.getByTestId('memory');
  await expect(memory).toContainText(/≥ \d+(\.\d)? MB to train at batch 128/);
  await expect(page.getByTestId('memory-warning')).toHaveCount(0);
  // The Input's row: its output kept for the backward pass, 1×28×28 floats × 128, no gradient.
  await expect(page.getByTestId('summary-act-input')).toHaveText(`${(28 * 28 * 4 * 128 / 1024).toFixed(1)} kB`);
  const at128 = await memory.textContent();

  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-batchSize').fill('256');
  await page.getByTestId('tab-summary').click();
  await expect(memory).toContainText('to train at batch 256');
  expect(await memory.textContent()).not.toBe(at128);
  expect(errors).toEqual([]);
});

test('VGG-11 at 224×224 on wasm: a warning before Start naming a batch size that fits', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-vgg');
  await page.getByTestId('tab-summary').click();
  await expect(page.getByTestId('memory-warning')).toHaveCount(0);
  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-backend').selectOption('wasm');
  await page.getByTestId('tab-summary').click();
  const warning = page.getByTestId('memory-warning');
  await expect(warning).toContainText("the wasm backend's memory");
  await expect(warning).toContainText(/\(\d+ would fit\)/);
  await screenshot(page, 'memory-warning');
  expect(errors).toEqual([]);
});
