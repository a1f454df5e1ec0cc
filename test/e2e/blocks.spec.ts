import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { dragFromPalette, edgeLabels, openApp, screenshot, selectNode, settle } from './helpers';

/**
 * Blocks as a student uses them: open a Residual and read the shapes inside it; make a block
 * from three layers, repeat it three times, and fold it open and shut on the canvas.
 */

test('open a Residual: its inside, with a shape on every internal edge', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-resnet18');
  await expect(page.getByTestId('shape-b3')).toHaveText('→ 128×12×12');

  // ResNet-18's stage b3 is d2l's block(2, 128): open it, then its first Residual.
  await page.getByTestId('node-b3').dblclick();
  await expect(page.getByTestId('crumb-here')).toContainText('b3');
  await expect(page.getByTestId('shape-in')).toHaveText('→ 64×24×24');
  await expect(page.getByTestId('shape-res1')).toHaveText('→ 128×12×12');
  await settle(page);
  await page.getByTestId('node-res1').dblclick();
  await expect(page.getByTestId('crumb-here')).toContainText('res1');
  await expect(page.getByTestId('crumb-note')).toContainText('Built in');
  await settle(page);

  // d2l 8.6's Residual(128, use_1x1conv=True, strides=2) on 64×24×24, layer by layer.
  const labels = await edgeLabels(page);
  expect(Object.fromEntries(labels)).toEqual({
    'in->conv1': '64×24×24', 'conv1->bn1': '128×12×12', 'bn1->relu1': '128×12×12', 'relu1->conv2': '128×12×12',
    'conv2->bn2': '128×12×12', 'in->conv3': '64×24×24', 'bn2->add': '128×12×12', 'conv3->add': '128×12×12', 'add->relu': '128×12×12',
  });
  await expect(page.getByTestId('shape-relu')).toHaveText('→ 128×12×12');
  await selectNode(page, 'conv1');
  await expect(page.getByTestId('inspector-shape')).toHaveText('[1, 128, 12, 12]');
  await screenshot(page, 'block-residual-inside');

  // Back up through the breadcrumb: the graph is as it was.
  await page.getByTestId('crumb-0').click();
  await expect(page.getByTestId('block-breadcrumb')).toHaveCount(0);
  await expect(page.getByTestId('shape-last')).toHaveText('→ 10');
  expect(errors).toEqual([]);
});

test('group three layers into a block, repeat it ×3, collapse and expand', async ({ page }, info) => {
  const errors = await openApp(page);
  // A small network whose conv–BN–ReLU keeps 8×28×28, so three in a row fit.
  const file = info.outputPath('convs.convstudio.json');
  const chain = [['input', 'Input', { channels: 1, height: 28, width: 28 }], ['conv', 'Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }], ['bn', 'BatchNorm2d', {}],
    ['relu', 'ReLU', {}], ['pool', 'MaxPool2d', { kernel_size: 2 }], ['flatten', 'Flatten', {}], ['fc', 'Linear', { out_features: 10 }]] as const;
  fs.writeFileSync(file, JSON.stringify({
    format: 'convstudio.graph', version: 2, name: 'convs',
    nodes: chain.map(([id, type, params]) => ({ id, type, params })),
    edges: chain.slice(1).map(([id], i) => ({ source: chain[i][0], target: id })),
  }));
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open').click();
  await (await chooser).setFiles(file);
  await expect(page.getByTestId('shape-fc')).toHaveText('→ 10');

  await selectNode(page, 'conv');
  for (const id of ['bn', 'relu']) await page.getByTestId(`node-${id}`).locator('.layer-head').click({ modifiers: ['Control'] });
  await page.getByTestId('group-selected').click();
  await page.getByTestId('block-name').fill('conv_bn_relu');
  await screenshot(page, 'block-group-dialog');
  await page.getByTestId('group-ok').click();
  const block = page.getByTestId('node-conv_bn_relu_1');
  await expect(block).toBeVisible();
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(5);
  await expect(page.getByTestId('shape-conv_bn_relu_1')).toHaveText('→ 8×28×28');
  await expect(page.getByTestId('palette-block-conv_bn_relu')).toBeVisible();

  // ×3: three copies in series, each with its own weights (8·1·9+8 + 16 for the first, 8·8·9+8 + 16 after).
  await selectNode(page, 'conv_bn_relu_1');
  await page.getByTestId('param-repeat').fill('3');
  await expect(block.getByTestId('repeat-badge')).toHaveText('×3');
  await expect(page.getByTestId('shape-conv_bn_relu_1')).toHaveText('→ 8×28×28');
  await expect(block).toContainText('1,296 params');
  await expect(page.getByTestId('shape-fc')).toHaveText('→ 10');
  await screenshot(page, 'block-repeated');

  await page.getByTestId('expand-conv_bn_relu_1').click();
  const inside = page.getByTestId('inside-conv_bn_relu_1');
  await expect(inside.locator('li')).toHaveCount(12);
  await expect(inside).toContainText('2.conv');
  await settle(page);
  await screenshot(page, 'block-expanded');
  await page.getByTestId('expand-conv_bn_relu_1').click();
  await expect(inside).toHaveCount(0);
  await screenshot(page, 'block-collapsed');

  // The saved file holds the block and the repeat.
  const download = page.waitForEvent('download');
  await page.getByTestId('save').click();
  const saved = JSON.parse(fs.readFileSync(await (await download).path(), 'utf8'));
  expect(saved.version).toBe(2);
  expect(Object.keys(saved.blocks)).toEqual(['conv_bn_relu']);
  expect(saved.nodes.find((n: { id: string }) => n.id === 'conv_bn_relu_1')).toMatchObject({ type: 'block:conv_bn_relu', repeat: 3 });

  // Open it (copy 0's shapes), widen its convolution, and go back: every copy changed.
  await block.dblclick();
  await expect(page.getByTestId('crumb-note')).toContainText('changes apply to all 3 uses of it in this network. Shapes are those of conv_bn_relu_1 (copy 0)');
  await expect(page.getByTestId('shape-in')).toHaveText('→ 1×28×28');
  await expect(page.getByTestId('edge-label-conv->bn')).toHaveText('8×28×28');
  await selectNode(page, 'conv');
  await page.getByTestId('param-out_channels').fill('16');
  await expect(page.getByTestId('edge-label-bn->relu')).toHaveText('16×28×28');
  await page.getByTestId('leave-block').click();
  await expect(page.getByTestId('shape-conv_bn_relu_1')).toHaveText('→ 16×28×28');
  await expect(page.getByTestId('shape-flatten')).toHaveText('→ 3136');
  expect(errors).toEqual([]);
});

test('d2l 8.6 ex. 3: open ResNet-50’s bottleneck and read its shapes; the Summary has a line per block', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-resnet50');
  await expect(page.getByTestId('shape-last')).toHaveText('→ 10');

  // The Summary: one line per stage with its totals, unfolding to its blocks and their layers.
  await page.getByTestId('tab-summary').click();
  await expect(page.getByTestId('summary-shape-b3')).toHaveText('[1, 512, 12, 12]');
  await expect(page.getByTestId('summary-row-b3.down')).toHaveCount(0);
  await page.getByTestId('summary-toggle-b3').click();
  await expect(page.getByTestId('summary-shape-b3.down')).toHaveText('[1, 512, 12, 12]');
  await expect(page.getByTestId('summary-row-b3.rest')).toContainText('Bottleneck ×3');
  await expect(page.getByTestId('summary-row-b3.down.conv1')).toHaveCount(0);
  await page.getByTestId('summary-toggle-b3.down').click();
  await expect(page.getByTestId('summary-shape-b3.down.conv2')).toHaveText('[1, 128, 12, 12]');
  await screenshot(page, 'block-summary-rows');

  // Stage b3 (128 wide, stride 2) on b2's 256×24×24: its first bottleneck reshapes the shortcut.
  await page.getByTestId('node-b3').dblclick();
  await settle(page);
  await page.getByTestId('node-down').dblclick();
  await expect(page.getByTestId('crumb-here')).toContainText('down');
  await settle(page);
  const labels = Object.fromEntries(await edgeLabels(page));
  expect(labels).toMatchObject({
    'in->conv1': '256×24×24', 'conv1->bn1': '128×24×24', 'relu1->conv2': '128×24×24', 'conv2->bn2': '128×12×12',
    'relu2->conv3': '128×12×12', 'conv3->bn3': '512×12×12', 'in->conv4': '256×24×24', 'conv4->bn4': '512×12×12', 'add->relu': '512×12×12',
  });
  await expect(page.getByTestId('crumb-note')).toContainText('Editing the block BottleneckDown: changes apply to all 4 uses of it in this network');
  await screenshot(page, 'block-bottleneck-inside');
  expect(errors).toEqual([]);
});
