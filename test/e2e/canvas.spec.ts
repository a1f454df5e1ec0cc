import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import { flattenDoc } from '../../shared/graph/flatten';
import { getTemplate } from '../../shared/templates/index';
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

/** Opens a graph document through the Open button, as a user would pick a file. */
async function openDoc(page: Page, file: string, doc: unknown): Promise<void> {
  fs.writeFileSync(file, JSON.stringify(doc));
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open').click();
  await (await chooser).setFiles(file);
}

const errorsShown = (page: Page) => page.locator('[data-severity="error"]').count();
/** The formula the inspector shows for one output dimension ("H", "W", "params"). */
const arith = (page: Page, what: string) => page.getByTestId(`arith-${what}`).locator('dd');

test('LeNet with conv1 kernel 40: the offered fix ends with fewer errors (none), not every layer at 1×1', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await selectNode(page, 'conv1');
  await page.getByTestId('param-kernel_size').fill('40');
  await expect(page.getByTestId('node-conv1')).toHaveAttribute('data-severity', 'error');
  const before = await errorsShown(page);
  expect(before).toBeGreaterThan(0);
  // The inspector offers every checked fix: the largest kernel that the later layers fit, the
  // padding that does, and the value conv1 had when it last worked.
  const fixes = page.getByTestId('inspector').getByTestId('fixes').getByRole('button');
  await expect(fixes).toHaveText(['Kernel 21 gives 12×12 (the later layers fit too)', 'Padding 12 gives 13×13 (the later layers fit too)', 'Revert kernel_size to 5']);
  await expect(arith(page, 'H')).toHaveText(/= −7$/);
  await screenshot(page, 'fix-kernel-40');

  await page.getByTestId('fix-conv1').click();
  await expect(page.getByTestId('param-kernel_size')).toHaveValue('21');
  expect(await errorsShown(page)).toBeLessThan(before);
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await expect(page.getByTestId('shape-pool1')).toHaveText('→ 6×6×6');
  await expect(page.getByTestId('shape-fc3')).toHaveText('→ 10');
  expect(errors).toEqual([]);
});

test('an Add of 16 and 32 channels is fixed by the offered 1×1 conv on the shortcut', async ({ page }, info) => {
  const errors = await openApp(page);
  await openDoc(page, info.outputPath('add-mismatch.convstudio.json'), {
    format: 'convstudio.graph', version: 1, name: 'add-mismatch',
    nodes: [
      { id: 'input', type: 'Input', params: { channels: 1, height: 28, width: 28 } },
      { id: 'c1', type: 'Conv2d', params: { out_channels: 16, kernel_size: 3, padding: 1 } },
      { id: 'c2', type: 'Conv2d', params: { out_channels: 32, kernel_size: 3, padding: 1 } },
      { id: 'sum', type: 'Add', params: {} },
      { id: 'flat', type: 'Flatten', params: {} },
    ],
    edges: [{ source: 'input', target: 'c1' }, { source: 'c1', target: 'c2' }, { source: 'c2', target: 'sum' }, { source: 'c1', target: 'sum' }, { source: 'sum', target: 'flat' }],
  });
  await expect(page.getByTestId('node-sum')).toHaveAttribute('data-severity', 'error');
  await expect(page.getByTestId('diag-sum')).toContainText('differ in channels (32 from c2 vs 16 from c1)');
  const fix = page.getByTestId('fix-sum');
  await expect(fix).toHaveText('1×1 conv on c1: 16 → 32 channels');
  await settle(page);
  // Laid out before it was measured, the Add arrives tall with its error: it must not cover Flatten.
  await expectNoOverlap(page);
  await screenshot(page, 'fix-add-mismatch');
  await fix.click();
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await expect(page.getByTestId('edge-label-c1->conv2d_1')).toHaveText('16×28×28');
  await expect(page.getByTestId('edge-label-conv2d_1->sum:in1')).toHaveText('32×28×28');
  await expect(page.getByTestId('shape-sum')).toHaveText('→ 32×28×28');
  await settle(page);
  await expectNoOverlap(page);
  await screenshot(page, 'fixed-add-mismatch');
  expect(errors).toEqual([]);
});

test('kernel_size accepts [3, 5], (3,5), 3,5 and 3 x 5; the arithmetic shows for a valid layer', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await selectNode(page, 'conv1');
  const field = page.getByTestId('param-kernel_size');
  for (const text of ['[3, 5]', '(3,5)', '3,5', '3 x 5', '3×5']) {
    await field.fill(text);
    await expect(field).not.toHaveClass(/invalid/);
    await expect(page.getByTestId('shape-conv1')).toHaveText('→ 6×30×28');
  }
  await field.fill('[3, 5]');
  await expect(field).toHaveValue('[3, 5]');
  await expect(arith(page, 'H')).toHaveText('⌊(28 + 2·2 − 1·(3 − 1) − 1)/1⌋ + 1 = 30');
  await expect(arith(page, 'W')).toHaveText('⌊(28 + 2·2 − 1·(5 − 1) − 1)/1⌋ + 1 = 28');
  await screenshot(page, 'kernel-pair-and-arithmetic');
  await field.fill('[3, 5');
  await expect(field).toHaveClass(/invalid/);
  await expect(page.getByTestId('inspector')).toContainText('an int or [h, w]');

  // conv2, valid all along, shows its arithmetic too.
  await selectNode(page, 'conv2');
  await expect(arith(page, 'H')).toHaveText('⌊(15 + 2·0 − 1·(5 − 1) − 1)/1⌋ + 1 = 11');
  expect(errors).toEqual([]);
});

test('a second template asks: replace, add beside, or cancel', async ({ page }) => {
  const errors = await openApp(page);
  const layers = page.locator('[data-testid^="node-"]');
  await dragFromPalette(page, 'template-lenet');
  await expect(layers).toHaveCount(13);

  await dragFromPalette(page, 'template-bn-lenet');
  const question = page.getByTestId('template-question');
  await expect(question).toContainText('The canvas already holds a network (12 layers)');
  await screenshot(page, 'template-question');
  await page.getByTestId('template-cancel').click();
  await expect(question).toHaveCount(0);
  await expect(layers).toHaveCount(13);

  await page.getByTestId('template-bn-lenet').click();
  await page.getByTestId('template-add').click();
  await expect(layers).toHaveCount(13 + 17);
  await page.getByTestId('undo').click();
  await expect(layers).toHaveCount(13);

  await page.getByTestId('template-bn-lenet').click();
  await page.getByTestId('template-replace').click();
  await expect(layers).toHaveCount(17);
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await expect(page.getByTestId('doc-title')).toContainText('BN-LeNet');
  await page.getByTestId('undo').click();
  await expect(layers).toHaveCount(13);
  expect(errors).toEqual([]);
});

test('layers can be renamed; a bad name is refused with the reason', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await selectNode(page, 'conv1');
  const name = page.getByTestId('layer-name');
  await name.fill('pool1');
  await expect(page.getByTestId('inspector')).toContainText('"pool1" is already the name of another layer');
  await name.fill('1st conv');
  await expect(name).toHaveClass(/invalid/);
  await name.fill('b.conv');
  await expect(name).toHaveClass(/invalid/);
  await name.fill('stem');
  await name.press('Enter');
  await expect(page.getByTestId('node-stem')).toBeVisible();
  await expect(page.getByTestId('edge-label-stem->sigmoid1')).toHaveText('6×28×28');
  await expect(page.getByTestId('node-conv1')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('Fit keeps every layer clear of the zoom controls and the minimap; pastes never cover originals', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-resnet18');
  await page.keyboard.press('f');
  await settle(page);
  await page.waitForTimeout(300);
  const covered = async () => {
    const overlays = [await page.locator('.react-flow__controls').boundingBox(), await page.locator('.react-flow__minimap').boundingBox()];
    const nodes = await page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height })));
    return nodes.filter((n) => overlays.some((o) => o && n.x < o.x + o.width && o.x < n.x + n.width && n.y < o.y + o.height && o.y < n.y + n.height)).length;
  };
  expect(await covered()).toBe(0);
  await screenshot(page, 'fit-clear-of-overlays');

  // ResNet-18 is d2l's b1, b2..b5 and last (blocks): seven layers, and two pasted copies of b1.
  await selectNode(page, 'b1');
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await page.keyboard.press('Control+v');
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(9);
  await page.keyboard.press('f');
  await settle(page);
  await page.waitForTimeout(300);
  await expectNoOverlap(page);
  expect(errors).toEqual([]);
});

/**
 * Edge paths that pass under a layer other than their own two ends, sampled every 4 px along the
 * drawn SVG path in screen coordinates.
 */
async function edgesUnderLayers(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rects = [...document.querySelectorAll<HTMLElement>('.react-flow__node')].map((el) => ({ id: el.dataset.id ?? '', r: el.getBoundingClientRect() }));
    const out: string[] = [];
    for (const g of document.querySelectorAll<SVGGElement>('.react-flow__edge')) {
      const path = g.querySelector<SVGPathElement>('path.react-flow__edge-path');
      const id = g.dataset.id ?? '';
      const [source, rest] = id.split('->');
      const target = (rest ?? '').replace(/:.*$/, '');
      const m = path?.getScreenCTM();
      if (!path || !m) continue;
      const length = path.getTotalLength();
      for (let at = 0; at <= length; at += 4) {
        const p = path.getPointAtLength(at);
        const [x, y] = [m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f];
        const hit = rects.find(({ id: n, r }) => n !== source && n !== target && x > r.left + 1 && x < r.right - 1 && y > r.top + 1 && y < r.bottom - 1);
        if (hit) {
          out.push(`${id} passes under ${hit.id}`);
          break;
        }
      }
    }
    return out;
  });
}

test('Auto-layout of ResNet-18 after layers were dragged onto each other: no layer, label or edge under a layer', async ({ page }, info) => {
  const errors = await openApp(page);
  // The template's blocks written out as plain layers (b2.res1.conv1, ...), so every skip connection is on the canvas.
  await openDoc(page, info.outputPath('resnet18-flat.convstudio.json'), flattenDoc(getTemplate('resnet18')!));
  await expect(page.getByTestId('shape-last.fc')).toHaveText('→ 10');
  // Mess it up first, so the layout has work to do: three layers dragged onto others.
  for (const [from, onto] of [['b1.conv', 'last.fc'], ['b1.bn', 'last.gap'], ['last.flatten', 'b1.conv']]) {
    const a = (await page.getByTestId(`node-${from}`).locator('.layer-head').boundingBox())!;
    const b = (await page.getByTestId(`node-${onto}`).boundingBox())!;
    await page.mouse.move(a.x + 20, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + 30, b.y + 10, { steps: 8 });
    await page.mouse.up();
  }
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await settle(page);
  await page.waitForTimeout(400);
  await expectNoOverlap(page);
  expect(await edgesUnderLayers(page)).toEqual([]);
  // The last layer dragged is selected: a file's id with a dot, kept as it is, is not a typing error.
  await expect(page.getByTestId('layer-name')).toHaveValue('last.flatten');
  await expect(page.getByTestId('layer-name')).not.toHaveClass(/invalid/);
  await expect(page.getByTestId('inspector')).toContainText('As the file names it');
  await screenshot(page, 'auto-layout-resnet18');
  expect(errors).toEqual([]);
});

test('a file without positions: branches and a skip connection laid out in layers, clear of every layer; loose layers in a readable grid', async ({ page }, info) => {
  const errors = await openApp(page);
  const loose = Array.from({ length: 14 }, (_, i) => ({ id: `spare${i}`, type: ['ReLU', 'Dropout', 'BatchNorm2d', 'Sigmoid'][i % 4], params: {} }));
  await openDoc(page, info.outputPath('branches-and-spares.convstudio.json'), {
    format: 'convstudio.graph', version: 1, name: 'branches-and-spares',
    nodes: [
      { id: 'input', type: 'Input', params: { channels: 1, height: 28, width: 28 } },
      { id: 'stem', type: 'Conv2d', params: { out_channels: 8, kernel_size: 3, padding: 1 } },
      { id: 'b1', type: 'Conv2d', params: { out_channels: 8, kernel_size: 1 } },
      { id: 'b2a', type: 'Conv2d', params: { out_channels: 8, kernel_size: 1 } },
      { id: 'b2b', type: 'Conv2d', params: { out_channels: 8, kernel_size: 3, padding: 1 } },
      { id: 'b3a', type: 'MaxPool2d', params: { kernel_size: 3, stride: 1, padding: 1 } },
      { id: 'b3b', type: 'Conv2d', params: { out_channels: 8, kernel_size: 1 } },
      { id: 'cat', type: 'Concat', params: {} },
      { id: 'sum', type: 'Add', params: {} },
      { id: 'proj', type: 'Conv2d', params: { out_channels: 24, kernel_size: 1 } },
      ...loose,
    ],
    edges: [
      { source: 'input', target: 'stem' },
      { source: 'stem', target: 'b1' }, { source: 'stem', target: 'b2a' }, { source: 'b2a', target: 'b2b' }, { source: 'stem', target: 'b3a' }, { source: 'b3a', target: 'b3b' },
      { source: 'b1', target: 'cat', targetHandle: 'in0' }, { source: 'b2b', target: 'cat', targetHandle: 'in1' }, { source: 'b3b', target: 'cat', targetHandle: 'in2' },
      { source: 'stem', target: 'proj' }, { source: 'cat', target: 'sum', targetHandle: 'in0' }, { source: 'proj', target: 'sum', targetHandle: 'in1' },
    ],
  });
  await expect(page.getByTestId('shape-sum')).toHaveText('→ 24×28×28');
  await settle(page);
  await page.waitForTimeout(400);
  await expectNoOverlap(page);
  expect(await edgesUnderLayers(page)).toEqual([]);
  // Fourteen loose layers in rows and columns, not one row fourteen layers wide.
  const spares = await page.locator('[data-testid^="node-spare"]').evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => [Math.round(r.x), Math.round(r.y)]));
  expect(new Set(spares.map(([x]) => x)).size).toBeGreaterThan(1);
  expect(new Set(spares.map(([, y]) => y)).size).toBeGreaterThan(1);
  await screenshot(page, 'layout-branches-and-spares');
  expect(errors).toEqual([]);
});

test('a layer that grows with a new error off screen is brought into view', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await selectNode(page, 'pool2');
  // Pan pool2 out of sight, dragging the empty canvas, as a user scrolls away from a layer.
  const canvas = (await page.getByTestId('canvas').boundingBox())!;
  // The top right corner is empty after Fit (the zoom controls and the minimap are at the bottom).
  await page.mouse.move(canvas.x + canvas.width - 15, canvas.y + 15);
  await page.mouse.down();
  await page.mouse.move(canvas.x + canvas.width - 15 - 600, canvas.y + 15 + 400, { steps: 10 });
  await page.mouse.up();
  await expect(page.getByTestId('inspector')).toContainText('pool2');
  const inView = async () => {
    const n = (await page.getByTestId('node-pool2').boundingBox())!;
    return n.x >= canvas.x && n.y >= canvas.y && n.x + n.width <= canvas.x + canvas.width && n.y + n.height <= canvas.y + canvas.height;
  };
  expect(await inView()).toBe(false);
  await page.getByTestId('param-padding').fill('2');
  await expect(page.getByTestId('node-pool2')).toHaveAttribute('data-severity', 'error');
  await expect.poll(inView).toBe(true);
  await screenshot(page, 'reveal-grown-layer');
  expect(errors).toEqual([]);
});
