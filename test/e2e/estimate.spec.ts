/**
 * The session before Start (issue 10, items 2–4), in Chromium against the real browser-mode
 * server: training readiness and every setting checked as the graph and fields are edited, with
 * Start disabled and the reason beside it; the estimate of memory and time (measured in the real
 * engine service on this machine) shown before Start; and a smaller training size one click away,
 * changing the Input, updating the estimate and undone by Ctrl+Z.
 */

import { expect, test, type Page } from '@playwright/test';
import { dragFromPalette, openApp, screenshot, selectNode } from './helpers';

async function startDisabledBecause(page: Page, reason: string | RegExp): Promise<void> {
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await expect(page.getByTestId('start-reason')).toContainText(reason);
}

test('readiness problems are listed before Start, and Start is disabled with the reason', async ({ page }) => {
  const errors = await openApp(page);
  // A new document is only an Input: not a network Fashion-MNIST can train.
  await page.getByTestId('tab-inspect').click();
  await expect(page.getByTestId('problems')).toContainText('Fashion-MNIST needs 10 class scores');
  await page.getByTestId('tab-train').click();
  await startDisabledBecause(page, 'Fashion-MNIST needs 10 class scores');

  await dragFromPalette(page, 'template-lenet');
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await expect(page.getByTestId('start-reason')).toHaveCount(0);

  // A 3-channel Input: listed in Problems as it is typed, and Start says why it is disabled.
  await selectNode(page, 'input');
  await page.getByTestId('tab-inspect').click();
  await page.getByTestId('param-channels').fill('3');
  await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await expect(page.getByTestId('problems')).toContainText('Fashion-MNIST images have 1 channel but the Input has 3');
  await screenshot(page, 'estimate-readiness-problems');
  await page.getByTestId('tab-train').click();
  await startDisabledBecause(page, 'Fashion-MNIST images have 1 channel but the Input has 3');
  await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('train-start')).toBeEnabled();

  // Each setting is checked as it is typed, the message beside its field.
  const fields: [string, string, RegExp][] = [
    ['epochs', '0', /Epochs must be a whole number from 1 to 1000 \(got 0\)/],
    ['batchSize', '100000', /Batch size must be a whole number from 1 to 60000 \(got 100000\)/],
    ['lr', '50', /Learning rate must be a number above 0 and at most 10 \(got 50\)/],
  ];
  for (const [name, bad, message] of fields) {
    const field = page.getByTestId(`cfg-${name}`);
    const good = await field.inputValue();
    await field.fill(bad);
    await expect(page.getByTestId(`cfg-${name}-problem`)).toContainText(message);
    await startDisabledBecause(page, message);
    if (name === 'lr') await screenshot(page, 'estimate-field-problem');
    await field.fill(good);
    await expect(page.getByTestId(`cfg-${name}-problem`)).toHaveCount(0);
    await expect(page.getByTestId('train-start')).toBeEnabled();
  }
  // The resize setting follows the Input: there is no field for it.
  await expect(page.getByTestId('cfg-resize')).toHaveCount(0);

  // Settings each valid but not together are refused as they are set, beside the field to change.
  await page.getByTestId('cfg-nesterov').check();
  await expect(page.getByTestId('cfg-nesterov-problem')).toContainText('Nesterov needs a momentum above 0');
  await startDisabledBecause(page, 'Nesterov needs a momentum above 0');
  // A field another setting makes meaningless is greyed with the reason, and does not block Start.
  await page.getByTestId('cfg-optimizer').selectOption('adam');
  await expect(page.getByTestId('cfg-momentum')).toBeDisabled();
  await expect(page.getByTestId('cfg-nesterov')).toBeDisabled();
  await expect(page.getByTestId('cfg-momentum-only')).toHaveText('(SGD only)');
  await expect(page.getByTestId('cfg-nesterov-problem')).toHaveCount(0);
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await expect(page.getByTestId('cfg-gamma')).toBeDisabled();
  await page.getByTestId('cfg-schedule').selectOption('step');
  await expect(page.getByTestId('cfg-gamma')).toBeEnabled();
  await screenshot(page, 'estimate-settings-that-apply');
  await page.getByTestId('cfg-optimizer').selectOption('sgd');
  await page.getByTestId('cfg-nesterov').uncheck();
  await expect(page.getByTestId('train-start')).toBeEnabled();
  expect(errors).toEqual([]);
});

test('the estimate is shown before Start: memory against this machine, time measured on it', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('image-size')).toContainText('Fashion-MNIST 28×28, trained at its own size');
  await expect(page.getByTestId('estimate-memory')).toContainText(/Memory ≥ [\d.]+ MB at batch 128/);
  await expect(page.getByTestId('estimate-memory')).toContainText("this machine's memory is");
  // The first measurement starts the engine service (tfjs) and times a few steps: generous on a loaded machine.
  const time = page.getByTestId('estimate-time');
  await expect(time).toHaveAttribute('data-source', 'measured', { timeout: 180_000 });
  await expect(time).toContainText(/≈ [\d.]+ (s|min|h) per epoch, [\d.]+ (s|min|h|days) for 10 epochs on \w+/);
  await expect(page.getByTestId('estimate-basis')).toContainText('measured on this machine,');
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await screenshot(page, 'estimate-before-start');

  // More epochs: the same measurement, a longer run.
  const total = async () => (await time.textContent())!.match(/for (\d+) epochs/)![1];
  await page.getByTestId('cfg-epochs').fill('20');
  await expect.poll(total).toBe('20');

  // The Summary shows each layer's memory at the batch size.
  await page.getByTestId('tab-summary').click();
  await expect(page.getByTestId('summary-act-conv1')).toHaveText(`${((6 * 28 * 28 * 4 * 128 * 2) / 2 ** 20).toFixed(1)} MB`);
  expect(errors).toEqual([]);
});

test('one click trains VGG at a smaller size by changing the Input, with the estimate updated; Ctrl+Z undoes it', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-vgg');
  await page.getByTestId('tab-train').click();
  const size = page.getByTestId('image-size');
  const memory = page.getByTestId('estimate-memory');
  await expect(size).toContainText('Fashion-MNIST 28×28 → resized to 224×224');
  const at224 = await memory.textContent();

  await page.getByTestId('train-at-160').click();
  await expect(size).toContainText('resized to 160×160');
  await expect(memory).not.toHaveText(at224!);
  await selectNode(page, 'input');
  await page.getByTestId('tab-inspect').click();
  await expect(page.getByTestId('param-height')).toHaveValue('160');
  await expect(page.getByTestId('param-width')).toHaveValue('160');

  await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+z');
  await page.getByTestId('tab-train').click();
  await expect(size).toContainText('resized to 224×224');
  await expect(memory).toHaveText(at224!);
  await screenshot(page, 'estimate-vgg-sizes');
  expect(errors).toEqual([]);
});
