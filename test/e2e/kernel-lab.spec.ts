/**
 * The Kernel lab in Chromium against the real browser-mode server: every tensor d2l 7.2–7.5
 * prints appears from the lab's scenes, computed by the engine service the server forks; bad input
 * is explained in the canvas's words; a kernel goes into the network on the canvas. Each state is
 * photographed (test-results/screenshots, or docs/screenshots with `npm run screenshots`).
 */

import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openApp, screenshot } from './helpers';

/** The numbers a lab grid shows, as a student reads them: a field's value, else the cell's value as its tooltip gives it. */
async function grid(page: Page, testId: string): Promise<number[][]> {
  return page.getByTestId(testId).evaluate((el) => {
    const rows = Number(el.getAttribute('data-rows'));
    const cols = Number(el.getAttribute('data-cols'));
    const out = Array.from({ length: rows }, () => new Array<number>(cols).fill(Number.NaN));
    for (const cell of el.querySelectorAll('[data-cell]')) {
      const [i, j] = cell.getAttribute('data-cell')!.split(',').map(Number);
      const text = cell instanceof HTMLInputElement ? cell.value : cell.getAttribute('data-value') ?? '';
      out[i][j] = Number(text.replace('−', '-'));
    }
    return out;
  });
}

/** Polls a grid until it shows `want` (the engine answers asynchronously; the first answer starts it). */
async function expectGrid(page: Page, testId: string, want: number[][], timeout = 60_000): Promise<void> {
  await expect.poll(() => grid(page, testId).catch(() => null), { timeout, message: testId }).toEqual(want);
}

/**
 * One page per group of tests, as a student keeps the app open between exercises (and loading
 * the app once per group keeps the suite short); each test picks its view, section and scene.
 */
function sharedPage(): { page(): Page; errors(): string[] } {
  let page: Page;
  let errors: string[];
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, acceptDownloads: true });
    errors = await openApp(page);
  });
  test.afterAll(async () => {
    await page.close();
  });
  return { page: () => page, errors: () => errors };
}

async function openLab(page: Page, section: 'correlate' | 'channels' | 'pool' | 'learn'): Promise<void> {
  await page.getByTestId('view-lab').click();
  await page.getByTestId(`lab-section-${section}`).click();
}

const rows = (n: number, row: number[]) => Array.from({ length: n }, () => [...row]);

test.describe('cross-correlation (d2l 7.2–7.3)', () => {
  const shared = sharedPage();
  const scenes: [string, string, number[][] | [number, number]][] = [
    ['corr2d', 'corr2d(X, K) = [[19, 25], [37, 43]]', [[19, 25], [37, 43]]],
    ['edges', 'the edge image with [1, −1]: a column of 1 and a column of −1', rows(6, [0, 1, 0, 0, 0, -1, 0])],
    ['edges-t', 'corr2d(X.t(), K) is all zeros', rows(8, [0, 0, 0, 0, 0])],
    ['horizontal', 'the horizontal-edge exercise', [0, 1, 0, -1, 0].map((v) => new Array(8).fill(v))],
    ['pad-3', '7.3: kernel 3, padding 1 keeps 8×8', [8, 8]],
    ['pad-5x3', '7.3: kernel (5, 3), padding (2, 1) keeps 8×8', [8, 8]],
    ['stride-2', '7.3: stride 2 gives 4×4', [4, 4]],
    ['stride-3x4', '7.3: kernel (3, 5), padding (0, 1), stride (3, 4) gives 2×2', [2, 2]],
  ];
  for (const [id, what, want] of scenes) {
    test(`${what}`, async () => {
      const page = shared.page();
      const errors = shared.errors();
      await openLab(page, 'correlate');
      await page.getByTestId(`lab-scene-${id}`).click();
      if (Array.isArray(want[0])) {
        await expectGrid(page, 'lab-y', want as number[][]);
      } else {
        await expect(page.getByTestId('lab-y-shape')).toHaveText(`${want[0]}×${want[1]}`, { timeout: 60_000 });
        await expect(page.getByTestId('lab-formula')).toContainText(`= ${want[0]}`);
      }
      await expect(page.getByTestId('lab-engine')).toContainText('Computed by ConvStudio\'s engine');
      await screenshot(page, `kernel-lab-corr-${id}`);
      expect(errors).toEqual([]);
    });
  }

  test('hovering an output cell outlines its window in X and writes out the sum of products', async () => {
    const page = shared.page();
    await openLab(page, 'correlate');
    await page.getByTestId('lab-scene-corr2d').click();
    await expectGrid(page, 'lab-y', [[19, 25], [37, 43]]);
    await page.getByTestId('lab-y').locator('[data-cell="1,0"]').hover();
    await expect(page.getByTestId('lab-explain-sum')).toHaveText('= 3·0 + 4·1 + 6·2 + 7·3 = 37');
    const lit = await page.getByTestId('lab-x').locator('.lit').evaluateAll((els) => els.map((e) => e.getAttribute('data-cell')));
    expect(lit.sort()).toEqual(['1,0', '1,1', '2,0', '2,1']);
    await expect(page.getByTestId('lab-formula')).toContainText('height ⌊(3 − 2 + 0 + 1) / 1⌋ = 2');
    await screenshot(page, 'kernel-lab-corr-hover');
  });

  test('with padding the window reaches into the padding ring, which counts 0', async () => {
    const page = shared.page();
    await openLab(page, 'correlate');
    await page.getByTestId('lab-scene-corr2d').click();
    await page.getByTestId('lab-padding').fill('1');
    await expectGrid(page, 'lab-y', [[0, 3, 8, 4], [9, 19, 25, 10], [21, 37, 43, 16], [6, 7, 8, 0]]);
    await page.getByTestId('lab-y').locator('[data-cell="0,0"]').hover();
    await expect(page.getByTestId('lab-explain-sum')).toHaveText('= 0·0 + 0·1 + 0·2 + 0·3 = 0');
    await expect(page.getByTestId('lab-x').locator('[data-pad].lit')).toHaveCount(3);
  });

  test('a Fashion-MNIST image through the edge kernel', async () => {
    const page = shared.page();
    const errors = shared.errors();
    await openLab(page, 'correlate');
    await page.getByTestId('lab-scene-edges').click();
    await page.getByTestId('lab-x-preset').selectOption('fashion');
    await expect(page.getByTestId('lab-fashion-label')).toHaveText('Ankle boot (label 9)', { timeout: 60_000 });
    await expect(page.getByTestId('lab-x-shape')).toHaveText('28×28');
    await expect(page.getByTestId('lab-y-shape')).toHaveText('28×27', { timeout: 60_000 });
    const x = await grid(page, 'lab-x');
    const y = await grid(page, 'lab-y');
    // [1, −1] is the difference of neighbouring pixels, to the 4 decimals the grid shows.
    expect(Math.abs(y[14][10] - (x[14][10] - x[14][11]))).toBeLessThan(2e-4);
    expect(y.flat().some((v) => v > 0.2) && y.flat().some((v) => v < -0.2)).toBe(true);
    await page.getByTestId('lab-fashion-index').fill('1');
    await expect(page.getByTestId('lab-fashion-label')).toHaveText('Pullover (label 2)');
    await screenshot(page, 'kernel-lab-fashion');
    expect(errors).toEqual([]);
  });

  test('painting cells changes X, and the engine answers for the new X', async () => {
    const page = shared.page();
    await openLab(page, 'correlate');
    await page.getByTestId('lab-scene-edges').click();
    await page.getByTestId('lab-x-preset').selectOption('zeros');
    await page.getByTestId('lab-x-paint').check();
    const from = (await page.getByTestId('lab-x').locator('[data-cell="2,1"]').boundingBox())!;
    const to = (await page.getByTestId('lab-x').locator('[data-cell="2,4"]').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    // A drag passes over the cells between, as a hand would.
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    expect((await grid(page, 'lab-x'))[2]).toEqual([0, 1, 1, 1, 1, 0]);
    await expectGrid(page, 'lab-y', [...rows(2, [0, 0, 0, 0, 0]), [-1, 0, 0, 0, 1], ...rows(3, [0, 0, 0, 0, 0])]);
  });
});

test.describe('bad input is explained as on the canvas', () => {
  const shared = sharedPage();
  test('a stride of 0, a cell that is not a number, and a kernel larger than the padded input (with the canvas\'s fix)', async () => {
    const page = shared.page();
    const errors = shared.errors();
    await openLab(page, 'correlate');
    await page.getByTestId('lab-scene-corr2d').click();
    await expectGrid(page, 'lab-y', [[19, 25], [37, 43]]);

    await page.getByTestId('lab-stride').fill('0');
    await expect(page.getByTestId('lab-problem')).toContainText('Conv2d K: stride must be a whole number ≥ 1 or a pair [h, w] of them; it is 0.');
    await page.getByTestId('lab-stride').fill('two');
    await expect(page.getByTestId('lab-stride-error')).toHaveText('stride must be an int or [h, w] (or h×w)');
    await page.getByTestId('lab-stride').fill('1');

    await page.getByTestId('lab-x').getByRole('textbox', { name: 'lab-x [0, 1]' }).fill('abc');
    await expect(page.getByTestId('lab-problem')).toContainText('X[0, 0, 1] is "abc", not a number.');
    await page.getByTestId('lab-x').getByRole('textbox', { name: 'lab-x [0, 1]' }).fill('1');

    await page.getByTestId('lab-x-rows').fill('2');
    await page.getByTestId('lab-x-cols').fill('2');
    await page.getByTestId('lab-k-preset').selectOption('laplacian');
    await expect(page.getByTestId('lab-problem')).toContainText('Conv2d K: kernel 3 is larger than the padded input 2 (2 + 2·0), so the output would be 0×0. Reduce kernel_size or add padding ≥ 1.');
    // The size formula still shows the student's numbers, reaching 0.
    await expect(page.getByTestId('lab-formula')).toContainText('height ⌊(2 − 3 + 0 + 1) / 1⌋ = 0');
    await screenshot(page, 'kernel-lab-bad-input');
    await page.getByTestId('lab-problem-fix').click();
    await expect(page.getByTestId('lab-padding')).toHaveValue('1');
    await expectGrid(page, 'lab-y', [[4, 0], [-8, -12]]);
    expect(errors).toEqual([]);
  });

  test('pooling padding over half the kernel, and a 3-D window deeper than the input', async () => {
    const page = shared.page();
    await openLab(page, 'pool');
    await page.getByTestId('lab-pool-scene-max-3').click();
    await page.getByTestId('lab-pool-padding').fill('2');
    await expect(page.getByTestId('lab-problem')).toContainText('MaxPool2d pool: padding 2 is more than half the kernel 3 (at most 1); PyTorch refuses this.');
    await page.getByTestId('lab-problem-fix').click();
    await expect(page.getByTestId('lab-pool-padding')).toHaveValue('1');
    await page.getByTestId('lab-pool-scene-max-3d').click();
    await page.getByTestId('lab-pool-kernel').fill('4');
    await expect(page.getByTestId('lab-problem')).toContainText('MaxPool3d pool: kernel depth 4 is larger than the padded input depth 3 (3 + 2·0)');
  });

  test('learning with a target of the wrong size, and a learning rate too large for the stripes', async () => {
    const page = shared.page();
    await openLab(page, 'learn');
    await page.getByTestId('lab-learn-scene-edge').click();
    await page.getByTestId('lab-learn-kernel').fill('2×1');
    await expect(page.getByTestId('lab-learn-problem')).toContainText('Y is 6×7, but a 2×1 kernel on the 6×8 X gives 5×8', { timeout: 60_000 });
    await page.getByTestId('lab-learn-scene-horizontal').click();
    await page.getByTestId('lab-learn-lr').fill('0.03');
    await expect(page.getByTestId('lab-learn-diverged')).toContainText('The loss grew', { timeout: 60_000 });
    await page.getByTestId('lab-learn-lr').fill('0');
    await expect(page.getByTestId('lab-learn-problem')).toContainText('The learning rate must be a number above 0');
  });
});

test.describe('learning a kernel (d2l 7.2.4)', () => {
  const shared = sharedPage();
  test('10 SGD steps at lr 3e-2 find [1, −1] to within 0.1, with the loss below 0.05', async () => {
    const page = shared.page();
    const errors = shared.errors();
    await openLab(page, 'learn');
    await page.getByTestId('lab-learn-scene-edge').click();
    await expect(page.getByTestId('lab-learned')).toContainText('after 10 steps', { timeout: 60_000 });
    const [[k0, k1]] = await grid(page, 'lab-learned-k');
    expect(Math.abs(k0 - 1)).toBeLessThan(0.1);
    expect(Math.abs(k1 + 1)).toBeLessThan(0.1);
    const loss = Number((await page.getByTestId('lab-learned-loss').locator('b').textContent())!.replace('−', '-'));
    expect(loss).toBeLessThan(0.05);
    await expect(page.getByTestId('lab-learn-steps').locator('tbody tr')).toHaveCount(10);
    await expect(page.getByTestId('lab-learn-start')).toContainText('[[−0.0053, 0.3793]]');
    await screenshot(page, 'kernel-lab-learn');
    expect(errors).toEqual([]);
  });

  const others: [string, string, number][] = [
    ['transpose', 'the transpose [[1], [−1]]', 0.1],
    ['horizontal', 'a horizontal edge at lr 1e-2', 0.1],
  ];
  for (const [id, what, tolerance] of others) {
    test(`learns ${what}`, async () => {
      const page = shared.page();
      await openLab(page, 'learn');
      await page.getByTestId(`lab-learn-scene-${id}`).click();
      await expect.poll(async () => {
        const k = await grid(page, 'lab-learned-k').catch(() => null);
        return k && k.length === 2 && Math.abs(k[0][0] - 1) < tolerance && Math.abs(k[1][0] + 1) < tolerance;
      }, { timeout: 60_000 }).toBe(true);
      await screenshot(page, `kernel-lab-learn-${id}`);
    });
  }

  test('"use this kernel" puts the learned kernel into the network as a frozen Conv2d after the Input', async () => {
    const page = shared.page();
    const errors = shared.errors();
    await openLab(page, 'learn');
    await page.getByTestId('lab-learn-scene-edge').click();
    await expect(page.getByTestId('lab-learned')).toContainText('after 10 steps', { timeout: 60_000 });
    const [learned] = await grid(page, 'lab-learned-k');
    // The canvas's editing buttons would change a graph nobody sees from here.
    await expect(page.getByTestId('undo')).toHaveCount(0);
    await page.getByTestId('lab-use-learned').click();
    await expect(page.getByTestId('canvas')).toBeVisible();
    await expect(page.getByTestId('node-kernel_1')).toContainText('frozen');
    await expect(page.getByTestId('shape-kernel_1')).toHaveText(/1×28×27/);
    await screenshot(page, 'kernel-lab-into-network');
    const download = page.waitForEvent('download');
    await page.getByTestId('save').click();
    const saved = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
    const node = saved.nodes.find((n: { id: string }) => n.id === 'kernel_1');
    expect(node.params).toMatchObject({ out_channels: 1, kernel_size: [1, 2], bias: false, frozen: true });
    expect(node.init.weight.map((v: number) => Number(v.toFixed(3)))).toEqual(learned.map((v) => Number(v.toFixed(3))));
    expect(saved.edges).toContainEqual({ source: 'input', target: 'kernel_1' });
    // One step of undo takes the kernel out again.
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('node-kernel_1')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});

test.describe('channels (d2l 7.4)', () => {
  const shared = sharedPage();
  test('corr2d_multi_in: the per-channel terms and their sum [[56, 72], [104, 120]]', async () => {
    const page = shared.page();
    const errors = shared.errors();
    await openLab(page, 'channels');
    await page.getByTestId('lab-channel-scene-multi-in').click();
    await expectGrid(page, 'lab-my-0', [[56, 72], [104, 120]]);
    await expectGrid(page, 'lab-term-0-0', [[19, 25], [37, 43]]);
    await expectGrid(page, 'lab-term-0-1', [[37, 47], [67, 77]]);
    await page.getByTestId('lab-my-0').locator('[data-cell="0,0"]').hover();
    await expect(page.getByTestId('lab-explain-sum')).toContainText('= 19 + 37 = 56');
    await screenshot(page, 'kernel-lab-channels-in');
    expect(errors).toEqual([]);
  });

  test('corr2d_multi_in_out: K, K + 1, K + 2 give three output channels', async () => {
    const page = shared.page();
    await openLab(page, 'channels');
    await page.getByTestId('lab-channel-scene-multi-in-out').click();
    await expectGrid(page, 'lab-my-0', [[56, 72], [104, 120]]);
    await expectGrid(page, 'lab-my-1', [[76, 100], [148, 172]]);
    await expectGrid(page, 'lab-my-2', [[96, 128], [192, 224]]);
    await expect(page.getByTestId('lab-my-shape')).toHaveText('3×2×2');
    await screenshot(page, 'kernel-lab-channels-out');
  });

  test('the 1×1 convolution equals the matrix product, checked on screen, for new random values too', async () => {
    const page = shared.page();
    await openLab(page, 'channels');
    await page.getByTestId('lab-channel-scene-1x1').click();
    await expect(page.getByTestId('lab-1x1-verdict')).toContainText('✓ Equal', { timeout: 60_000 });
    const matmul = await grid(page, 'lab-1x1-matmul');
    const conv0 = await grid(page, 'lab-1x1-conv-0');
    expect(matmul[0]).toEqual(conv0.flat());
    await screenshot(page, 'kernel-lab-channels-1x1');
    await page.getByTestId('lab-1x1-random').click();
    await expect.poll(async () => (await grid(page, 'lab-1x1-matmul'))[0]).not.toEqual(matmul[0]);
    await expect(page.getByTestId('lab-1x1-verdict')).toContainText('✓ Equal');
  });
});

test.describe('pooling (d2l 7.5)', () => {
  const shared = sharedPage();
  const scenes: [string, string, Record<string, number[][]>][] = [
    ['max-2x2', "pool2d(X, (2, 2)) = [[4, 5], [7, 8]]", { 'lab-py-0': [[4, 5], [7, 8]] }],
    ['avg-2x2', "pool2d(X, (2, 2), 'avg') = [[2, 3], [5, 6]]", { 'lab-py-0': [[2, 3], [5, 6]] }],
    ['max-3', 'MaxPool2d(3) → [[10]]', { 'lab-py-0': [[10]] }],
    ['max-3-p1-s2', 'MaxPool2d(3, padding=1, stride=2) → [[5, 7], [13, 15]]', { 'lab-py-0': [[5, 7], [13, 15]] }],
    ['max-2x3', 'MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1)) → [[5, 7], [13, 15]]', { 'lab-py-0': [[5, 7], [13, 15]] }],
    ['max-2ch', 'two channels X, X + 1 stay apart', { 'lab-py-0': [[5, 7], [13, 15]], 'lab-py-1': [[6, 8], [14, 16]] }],
    ['max-3d', 'the 3-D exercise → [[[13, 14], [16, 17]], [[22, 23], [25, 26]]]', { 'lab-py-0': [[13, 14], [16, 17]], 'lab-py-1': [[22, 23], [25, 26]] }],
  ];
  for (const [id, what, want] of scenes) {
    test(what, async () => {
      const page = shared.page();
      const errors = shared.errors();
      await openLab(page, 'pool');
      await page.getByTestId(`lab-pool-scene-${id}`).click();
      for (const [testId, values] of Object.entries(want)) await expectGrid(page, testId, values);
      await screenshot(page, `kernel-lab-pool-${id}`);
      expect(errors).toEqual([]);
    });
  }

  test('the window under the cursor: −∞ padding for max, counted zeros for average', async () => {
    const page = shared.page();
    await openLab(page, 'pool');
    await page.getByTestId('lab-pool-scene-max-3-p1-s2').click();
    await expectGrid(page, 'lab-py-0', [[5, 7], [13, 15]]);
    await page.getByTestId('lab-py-0').locator('[data-cell="0,0"]').hover();
    await expect(page.getByTestId('lab-explain-sum')).toHaveText('max(−∞, −∞, −∞, −∞, 0, 1, −∞, 4, 5) = 5');
    await expect(page.getByTestId('lab-px-0').locator('.lit')).toHaveCount(9);
    await screenshot(page, 'kernel-lab-pool-hover');
    await page.getByTestId('lab-pool-avg').check();
    await expectGrid(page, 'lab-py-0', [[10 / 9, 24 / 9], [51 / 9, 90 / 9]].map((r) => r.map((v) => Number(v.toFixed(3)))));
    await page.getByTestId('lab-py-0').locator('[data-cell="0,0"]').hover();
    await expect(page.getByTestId('lab-explain-sum')).toHaveText('(0 + 0 + 0 + 0 + 0 + 1 + 0 + 4 + 5) / 9 = 1.111');
  });

  test('3-D: the window spans two depth slices', async () => {
    const page = shared.page();
    await openLab(page, 'pool');
    await page.getByTestId('lab-pool-scene-max-3d').click();
    await expectGrid(page, 'lab-py-1', [[22, 23], [25, 26]]);
    await page.getByTestId('lab-py-1').locator('[data-cell="0,1"]').hover();
    await expect(page.getByTestId('lab-explain-sum')).toHaveText('max(10, 11, 13, 14, 19, 20, 22, 23) = 23');
    await expect(page.getByTestId('lab-px-0').locator('.lit')).toHaveCount(0);
    await expect(page.getByTestId('lab-px-1').locator('.lit')).toHaveCount(4);
    await expect(page.getByTestId('lab-px-2').locator('.lit')).toHaveCount(4);
    await screenshot(page, 'kernel-lab-pool-3d-hover');
  });
});
