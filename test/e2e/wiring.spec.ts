import { expect, test, type Locator, type Page } from '@playwright/test';
import { dragFromPalette, edgeLabels, expectNoOverlap, openApp, screenshot, selectNode, settle } from './helpers';

/**
 * Wiring as a student does it: wires dropped anywhere on a layer, layers appended to the
 * selected one from the palette, a middle layer deleted with its neighbours joined, numbered
 * inputs on Add, and a selected edge that shows what it carries.
 */

/** Drags a wire from a layer's output handle and drops it on `to`'s body, well away from its handles. */
async function wireToBody(page: Page, from: string, to: string): Promise<void> {
  // A layer that grew (a diagnostic appeared) pans the view to it: wait until the view has stopped, as a user's eye would.
  const where = async () => JSON.stringify([await page.getByTestId(`node-${from}`).boundingBox(), await page.getByTestId(`node-${to}`).boundingBox()]);
  for (let last = await where(); ; ) {
    await settle(page);
    await page.waitForTimeout(50);
    const now = await where();
    if (now === last) break;
    last = now;
  }
  const handle = (await page.getByTestId(`node-${from}`).locator('.react-flow__handle.source').boundingBox())!;
  const body = (await page.getByTestId(`node-${to}`).boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  const [x, y] = [body.x + body.width * 0.85, body.y + body.height / 2];
  for (let i = 1; i <= 12; i++) await page.mouse.move(handle.x + ((x - handle.x) * i) / 12, handle.y + ((y - handle.y) * i) / 12);
  await page.mouse.up();
}

const layers = (page: Page): Locator => page.locator('[data-testid^="node-"]');

test('a wire dropped on a layer’s body connects to its free input; Add numbers its inputs', async ({ page }) => {
  const errors = await openApp(page);
  const box = (await page.getByTestId('canvas').boundingBox())!;
  await dragFromPalette(page, 'palette-Conv2d', { x: box.width * 0.3, y: box.height * 0.55 });
  await dragFromPalette(page, 'palette-ReLU', { x: box.width * 0.65, y: box.height * 0.55 });
  await dragFromPalette(page, 'palette-Add', { x: box.width * 0.45, y: box.height * 0.85 });
  await expect(layers(page)).toHaveCount(4);

  await wireToBody(page, 'input', 'conv2d_1');
  await expect(page.getByTestId('edge-label-input->conv2d_1')).toHaveText('1×28×28');
  await wireToBody(page, 'input', 'relu_1');
  // The one-input layer is taken now: a second wire onto its body is refused with the reason.
  await wireToBody(page, 'conv2d_1', 'relu_1');
  await expect(page.getByTestId('toast').last()).toContainText('already has its input');

  // Into an Add, each wire dropped on the body takes the next free numbered input.
  await wireToBody(page, 'conv2d_1', 'add_1');
  await wireToBody(page, 'relu_1', 'add_1');
  await expect(page.getByTestId('edge-label-conv2d_1->add_1:in0')).toBeVisible();
  await expect(page.getByTestId('edge-label-relu_1->add_1:in1')).toBeVisible();
  const slots = page.getByTestId('node-add_1').locator('.slot-number');
  await expect(slots).toHaveText(['1', '2', '3']);
  // Conv2d makes 16 channels, ReLU passes the image's 1: the Add says so and offers fixes.
  await expect(page.getByTestId('node-add_1')).toHaveAttribute('data-severity', 'error');
  await settle(page);
  await screenshot(page, 'wire-to-body');
  expect(errors).toEqual([]);
});

test('with a layer selected, palette clicks append after it, wired, and in between', async ({ page }) => {
  const errors = await openApp(page);
  await selectNode(page, 'input');
  for (const type of ['Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear']) await page.getByTestId(`palette-${type}`).click();
  await expect(layers(page)).toHaveCount(6);
  const chain = ['input', 'conv2d_1', 'relu_1', 'maxpool2d_1', 'flatten_1', 'linear_1'];
  const labels = await edgeLabels(page);
  expect([...labels.keys()].sort()).toEqual(chain.slice(1).map((id, i) => `${chain[i]}->${id}`).sort());
  await expect(page.getByTestId('shape-linear_1')).toHaveText('→ 10');
  // The last one added is selected, so the chain grows from the end.
  await expect(page.getByTestId('inspector')).toContainText('linear_1');

  // Selecting a middle layer and adding inserts after it, before the layer it fed.
  await selectNode(page, 'conv2d_1');
  await page.getByTestId('palette-BatchNorm2d').click();
  await expect(page.getByTestId('edge-label-conv2d_1->batchnorm2d_1')).toHaveText('16×26×26');
  await expect(page.getByTestId('edge-label-batchnorm2d_1->relu_1')).toHaveText('16×26×26');
  await expect(page.getByTestId('edge-label-conv2d_1->relu_1')).toHaveCount(0);
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await settle(page);
  await expectNoOverlap(page);
  await screenshot(page, 'append-to-selected');
  expect(errors).toEqual([]);
});

test('deleting a middle layer joins its neighbours, in one undo step', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await expect(layers(page)).toHaveCount(13);
  await selectNode(page, 'sigmoid1');
  await page.keyboard.press('Delete');
  await expect(layers(page)).toHaveCount(12);
  await expect(page.getByTestId('edge-label-conv1->pool1')).toHaveText('6×28×28');
  await expect(page.locator('[data-severity="error"]')).toHaveCount(0);
  await settle(page);
  await screenshot(page, 'delete-and-bridge');

  await page.getByTestId('undo').click();
  await expect(layers(page)).toHaveCount(13);
  await expect(page.getByTestId('edge-label-conv1->sigmoid1')).toHaveText('6×28×28');
  await expect(page.getByTestId('edge-label-sigmoid1->pool1')).toHaveText('6×28×28');
  await expect(page.getByTestId('edge-label-conv1->pool1')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a selected edge is highlighted and inspected: shape, ends, delete', async ({ page }) => {
  const errors = await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  const label = page.getByTestId('edge-label-pool1->conv2');
  await label.click();
  const inspector = page.getByTestId('edge-inspector');
  await expect(inspector).toContainText('pool1 → conv2');
  await expect(page.getByTestId('edge-shape')).toHaveText('[1, 6, 14, 14]');
  await expect(label).toHaveClass(/selected/);
  await expect(page.locator('.react-flow__edge.selected')).toHaveCount(1);
  await screenshot(page, 'edge-inspector');

  await page.getByTestId('delete-edge').click();
  await expect(label).toHaveCount(0);
  await expect(page.getByTestId('node-conv2')).toHaveAttribute('data-severity', 'error');
  await page.getByTestId('undo').click();
  await expect(label).toHaveText('6×14×14');
  expect(errors).toEqual([]);
});
