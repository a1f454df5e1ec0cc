import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { openApp, screenshot } from './helpers';

/**
 * The Training panel's GPU check runs the real doctor in the browser-mode server (its probe
 * processes start Dawn): each backend gets a row with its device, and where it cannot use a GPU,
 * the reason and the fix. The build machines have no GPU, so every row says why not.
 */
test('Check GPU lists every backend with its device, and why none can use a GPU here', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = await openApp(page);
  await page.getByTestId('tab-train').click();
  await page.getByTestId('gpu-check-run').click();
  await expect(page.getByTestId('gpu-check-run')).toHaveText('Checking GPU…');
  const report = page.getByTestId('gpu-report');
  await expect(report).toBeVisible({ timeout: 150_000 });
  for (const name of ['tensorflow', 'webgpu', 'native', 'wasm', 'cpu']) await expect(page.getByTestId(`gpu-backend-${name}`), name).toBeVisible();
  await expect(report).toContainText('No backend can use a GPU here.');
  await expect(page.locator('[data-gpu="yes"]')).toHaveCount(0);
  // tfjs-node is not installed here: its row says so and names what it would need.
  await expect(page.getByTestId('gpu-backend-tensorflow')).toContainText('not installed');
  await expect(page.getByTestId('gpu-backend-tensorflow')).toContainText('cuDNN 8.1');
  // With no GPU visible, the webgpu row says that, not merely "no adapter".
  if (!fs.existsSync('/dev/dri')) await expect(page.getByTestId('gpu-backend-webgpu')).toContainText('the kernel shows no GPU');
  const auto = await page.getByTestId('gpu-auto').textContent();
  expect(['native', 'wasm']).toContain(auto);
  await page.getByTestId('gpu-backend-webgpu').locator('summary').click();
  if (fs.existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) await expect(page.getByTestId('gpu-backend-webgpu')).toContainText('SwiftShader');
  await screenshot(page, 'gpu-check');
  expect(errors).toEqual([]);
});
