import { expect, test } from '@playwright/test';
import { dragFromPalette, openApp, screenshot } from './helpers';
import { BACKENDS, DEFAULT_TRAIN_CONFIG, SETTINGS, SETTING_KEYS, settingInapplicable, type SettingSpec } from '../../shared/training/settings';

/** The panel's fields come from the settings table: the same bounds the Api enforces, the same labels. */
test('the Training panel shows each setting with the table\'s label and bounds, and the backends in auto\'s order', async ({ page }) => {
  const errors = await openApp(page);
  await page.getByTestId('tab-train').click();
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key] as SettingSpec;
    const field = page.getByTestId(`cfg-${key}`);
    if (!spec.panel) {
      await expect(field, key).toHaveCount(0);
      continue;
    }
    // A field the defaults make meaningless (the step schedule's step under 'constant') says why.
    const only = settingInapplicable(key, DEFAULT_TRAIN_CONFIG);
    await expect(page.locator(`label[for="cfg-${key}"]`), key).toHaveText(only ? `${spec.label} (${only})` : spec.label);
    if (only) await expect(field, key).toBeDisabled();
    if (spec.kind === 'int' || spec.kind === 'number') {
      await expect(field, key).toHaveAttribute('min', String(spec.min));
      await expect(field, key).toHaveAttribute('max', String(spec.max));
      await expect(field, key).toHaveAttribute('step', String(spec.kind === 'int' ? 1 : spec.step));
      if (spec.nullable) await expect(field, key).toHaveAttribute('placeholder', spec.nullMeans!);
    }
  }
  const options = await page.getByTestId('cfg-backend').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(options).toEqual([...BACKENDS]);
  expect(errors).toEqual([]);
});

/**
 * (d) Real training: the server's job manager forks the real training process, which reads the
 * real Fashion-MNIST files and trains BN-LeNet on the wasm backend. A small subset keeps it short.
 */
test('(d) train on a subset: progress advances, curves move, Stop stops it', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = await openApp(page);
  // BN-LeNet (d2l 8.5) learns within a few epochs even on 1,000 images, so the curves show it.
  await dragFromPalette(page, 'template-bn-lenet');
  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-epochs').fill('30');
  await page.getByTestId('cfg-batchSize').fill('64');
  await page.getByTestId('cfg-lr').fill('0.1');
  await page.getByTestId('cfg-limit').fill('1000');
  await page.getByTestId('cfg-valLimit').fill('500');
  await page.getByTestId('cfg-backend').selectOption('wasm');
  await page.getByTestId('train-start').click();

  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect(page.getByTestId('run-backend')).toContainText('backend wasm');

  const bar = page.getByTestId('progress-bar');
  const chart = page.getByTestId('chart');
  await expect.poll(async () => Number(await bar.getAttribute('data-progress')), { timeout: 60_000 }).toBeGreaterThan(0);
  const firstProgress = Number(await bar.getAttribute('data-progress'));
  const firstPoints = Number(await chart.getAttribute('data-points'));
  // Two epochs in: val loss and val acc have points, and the train-loss curve has grown.
  await expect.poll(async () => Number(await bar.getAttribute('data-progress')), { timeout: 120_000 }).toBeGreaterThanOrEqual(2 / 30);
  expect(Number(await bar.getAttribute('data-progress'))).toBeGreaterThan(firstProgress);
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(firstPoints);
  await expect(chart.locator('canvas')).toHaveCount(1);
  await screenshot(page, 'training');

  await page.getByTestId('train-stop').click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  const runs = page.getByTestId('runs');
  await expect(runs).toContainText('stopped');
  const stoppedId = await runs.locator('tbody tr.shown').getAttribute('data-run-id');
  // The runs folder is shared by every spec (the export spec trains one too): count from here.
  const before = await runs.locator('tbody tr').count();

  // A second, short run to completion; then the first one's curves overlaid on it.
  await page.getByTestId('cfg-epochs').fill('1');
  await page.getByTestId('cfg-limit').fill('500');
  await page.getByTestId('train-start').click();
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(runs.locator('tbody tr')).toHaveCount(before + 1);
  await expect(chart).toHaveAttribute('data-series', '3');
  await runs.locator(`tbody tr[data-run-id="${stoppedId}"]`).getByTestId('run-overlay').check();
  await expect(chart).toHaveAttribute('data-series', '6');
  await screenshot(page, 'training-overlay');
  expect(errors).toEqual([]);
});
