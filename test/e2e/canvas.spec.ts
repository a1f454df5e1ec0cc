import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { chainFrom, dragFromPalette, edgeLabels, expectNoOverlap, openApp, screenshot, selectNode, settle } from './helpers';

/**
 * LeNet's layer_summary((1, 1, 28, 28)) as d2l 7.6 prints it, one row per layer:
 * Conv2d [1,6,28,28], Sigmoid [1,6,28,28], AvgPool2d [1,6,14,14], Conv2d [1,16,10,10],
 * Sigmoid [1,16,10,10], AvgPool2d [1,16,5,5], Flatten [1,400], Linear [1,120], Sigmoid [1,120],
 * Linear [1,84], Sigmoid [1,84], Linear [1,10].
 */
const D2L_LENET = [
  [1, 6, 28, 28], [1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 10, 10], [1, 16, 5, 5],
  [1, 400], [1, 120], [1, 120], [1, 84], [1, 84], [1, 10],
];
const label = (s: number[]) => s.slice(1).join('×');

test('(a) LeNet template: every edge is labelled with d2l\'s layer_summary shape', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(13);

  const chain = chainFrom(await edgeLabels(page), 'input');
  // The edge out of the Input carries the image; each later edge carries its source layer's output.
  expect(chain.map(([, l]) => l)).toEqual(['1×28×28', ...D2L_LENET.slice(0, -1).map(label)]);
  await expect(page.getByTestId('shape-fc3')).toHaveText('→ 10');

  await page.getByTestId('tab-summary').click();
  const rows = await page.locator('[data-testid^="summary-shape-"]').allTextContents();
  expect(rows.slice(1)).toEqual(D2L_LENET.map((s) => `[${s.join(', ')}]`));
  await expect(page.getByTestId('totals')).toContainText('61,706'); // d2l LeNet's parameter count
  await screenshot(page, 'lenet-summary');
  await page.getByTestId('tab-inspect').click();
  await page.keyboard.press('Escape');
  await expectNoOverlap(page);
  await screenshot(page, 'lenet');
  expect(errors).toEqual([]);
});

test('(b) a broken padding shows a badge and its arithmetic; the fix button clears it', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await selectNode(page, 'pool1');
  await page.getByTestId('param-padding').fill('2');

  const badge = page.getByTestId('badge-pool1');
  await expect(badge).toBeVisible();
  await expect(page.getByTestId('node-pool1')).toHaveAttribute('data-severity', 'error');
  await expect(page.getByTestId('diag-pool1')).toContainText('padding 2 is more than half the kernel 2');
  await expect(page.getByTestId('inspector')).toContainText('PyTorch refuses this');
  await screenshot(page, 'padding-error');

  await page.getByTestId('fix-pool1').click();
  await expect(badge).toHaveCount(0);
  await expect(page.getByTestId('node-pool1')).toHaveAttribute('data-severity', 'ok');
  await expect(page.getByTestId('param-padding')).toHaveValue('1');
  await expect(page.getByTestId('shape-pool1')).toHaveText('→ 6×15×15');
  expect(errors).toEqual([]);
});

test('(c) build a network from the palette, connect it, save it and open it again', async ({ page }, info) => {
  const errors = await openApp(page);
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  const types = ['Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear'];
  for (const [i, t] of types.entries()) await dragFromPalette(page, `palette-${t}`, { x: 120 + i * 120, y: box.height - 120 - (i % 2) * 130 });
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(6);
  await page.getByTestId('layout').click();

  const ids = ['input', 'conv2d_1', 'relu_1', 'maxpool2d_1', 'flatten_1', 'linear_1'];
  for (let i = 0; i + 1 < ids.length; i++) {
    await page.getByTestId(`node-${ids[i]}`).locator('.react-flow__handle.source').dragTo(page.getByTestId(`node-${ids[i + 1]}`).locator('.react-flow__handle.target'));
  }
  // An impossible wire is refused with the reason.
  await page.getByTestId('node-relu_1').locator('.react-flow__handle.source').dragTo(page.getByTestId('node-conv2d_1').locator('.react-flow__handle.target'));
  await expect(page.getByTestId('toast').last()).toContainText('already has its input');

  await page.getByTestId('layout').click();
  const chain = chainFrom(await edgeLabels(page), 'input');
  expect(chain.map(([, l]) => l)).toEqual(['1×28×28', '16×26×26', '16×26×26', '16×13×13', '2704']);
  await expect(page.getByTestId('shape-linear_1')).toHaveText('→ 10');
  await settle(page);
  await expectNoOverlap(page);
  await screenshot(page, 'hand-built');

  const download = page.waitForEvent('download');
  await page.getByTestId('save').click();
  const file = info.outputPath((await download).suggestedFilename());
  await (await download).saveAs(file);
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(saved).toMatchObject({ format: 'convstudio.graph', version: 2 });
  expect(saved.nodes).toHaveLength(6);
  expect(saved.edges).toHaveLength(5);
  await expect(page.getByTestId('doc-title')).not.toContainText('•');

  // A fresh page, then open the saved file.
  await openApp(page);
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open').click();
  await (await chooser).setFiles(file);
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(6);
  expect(chainFrom(await edgeLabels(page), 'input').map(([, l]) => l)).toEqual(chain.map(([, l]) => l));

  // A bad file shows its diagnostics and leaves the canvas as it was.
  const bad = info.outputPath('bad.convstudio.json');
  fs.writeFileSync(bad, JSON.stringify({ format: 'convstudio.graph', version: 99, nodes: [] }));
  const chooser2 = page.waitForEvent('filechooser');
  await page.getByTestId('open').click();
  await (await chooser2).setFiles(bad);
  await expect(page.getByTestId('open-problem')).toContainText('Cannot open bad.convstudio.json');
  await expect(page.getByTestId('open-problem')).toContainText('version');
  await screenshot(page, 'open-bad-file');
  await page.getByTestId('open-problem').getByRole('button', { name: 'OK' }).click();
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(6);
  expect(errors).toEqual([]);
});

test('(e) undo and redo a parameter edit', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  const edge = page.getByTestId('edge-label-conv1->sigmoid1');
  await expect(edge).toHaveText('6×28×28');
  await selectNode(page, 'conv1');
  await page.getByTestId('param-out_channels').fill('8');
  await expect(edge).toHaveText('8×28×28');

  await page.getByTestId('undo').click();
  await expect(edge).toHaveText('6×28×28');
  await expect(page.getByTestId('param-out_channels')).toHaveValue('6');
  await page.getByTestId('redo').click();
  await expect(edge).toHaveText('8×28×28');
  await expect(page.getByTestId('param-out_channels')).toHaveValue('8');

  // The keyboard does the same from the canvas.
  await page.getByTestId('canvas').locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+z');
  await expect(edge).toHaveText('6×28×28');
  await page.keyboard.press('Control+Shift+z');
  await expect(edge).toHaveText('8×28×28');

  // Copy, paste, delete: each one undoable.
  const layers = page.locator('[data-testid^="node-"]');
  await selectNode(page, 'conv1');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect(layers).toHaveCount(14);
  await expect(page.getByTestId('node-conv2d_1')).toBeVisible();
  await page.keyboard.press('Delete');
  await expect(layers).toHaveCount(13);
  await page.keyboard.press('Control+z');
  await expect(layers).toHaveCount(14);
  await page.keyboard.press('Control+z');
  await expect(layers).toHaveCount(13);
  await expect(edge).toHaveText('8×28×28');

  await page.keyboard.press('?');
  await expect(page.getByTestId('help-overlay')).toContainText('Undo the last edit');
  await screenshot(page, 'shortcuts-help');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help-overlay')).toHaveCount(0);

  // Unsaved edits: New asks first; declining keeps the graph, accepting clears it.
  await expect(page.getByTestId('doc-title')).toContainText('•');
  page.once('dialog', (d) => void d.dismiss());
  await page.getByRole('button', { name: 'New' }).click();
  await expect(layers).toHaveCount(13);
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'New' }).click();
  await expect(layers).toHaveCount(1);
  expect(errors).toEqual([]);
});

for (const id of ['bn-lenet', 'vgg', 'vgg-small', 'resnet18']) {
  test(`template ${id} arrives valid and laid out without overlaps`, async ({ page }) => {
    const errors = await openApp(page);
    await dragFromPalette(page, `template-${id}`);
    await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
    await expect(page.locator('[data-testid^="edge-label-"]').first()).toBeVisible();
    await settle(page);
    await expectNoOverlap(page);
    await screenshot(page, `template-${id}`);
    expect(errors).toEqual([]);
  });
}
