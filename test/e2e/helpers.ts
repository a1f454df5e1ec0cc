/** Shared steps for the browser-mode end-to-end tests. */

import { expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Where screenshots go: test-results/screenshots during `npm test`, so a test run leaves the work
 * tree as it found it; docs/screenshots (tracked, shown in the README) only when `npm run
 * screenshots` asks for it with CONVSTUDIO_SCREENSHOTS=docs.
 */
const SCREENSHOTS = path.resolve(import.meta.dirname, '../..', process.env.CONVSTUDIO_SCREENSHOTS === 'docs' ? 'docs/screenshots' : 'test-results/screenshots');

/**
 * Opens the app as a user would, from the URL the server printed. Unless `keepPickers`, the File
 * System Access API is hidden so Open/Save take the upload/download route Playwright can drive
 * (the pickers are native dialogs). Unless `keepAutosave`, the server's autosave is removed first.
 * Page errors fail the test.
 */
export async function openApp(page: Page, { keepPickers = false, keepAutosave = false } = {}): Promise<string[]> {
  const url = process.env.CS_URL;
  if (!url) throw new Error('CS_URL is not set: run through playwright.config.ts (global-setup starts the server).');
  // Every spec starts as a new user would, not with the canvas the previous spec autosaved.
  if (!keepAutosave && process.env.CS_RUNS) fs.rmSync(path.join(process.env.CS_RUNS, 'autosave.json'), { force: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  if (!keepPickers) {
    await page.addInitScript(() => {
      delete (window as unknown as Record<string, unknown>).showOpenFilePicker;
      delete (window as unknown as Record<string, unknown>).showSaveFilePicker;
    });
  }
  await page.goto(url);
  await expect(page.getByTestId('node-input')).toBeVisible();
  return errors;
}

/** Drags a palette entry (template or layer) onto the canvas at a point relative to it. */
export async function dragFromPalette(page: Page, testId: string, at?: { x: number; y: number }): Promise<void> {
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.getByTestId(testId).dragTo(canvas, { targetPosition: at ?? { x: box.width / 2, y: box.height / 2 } });
}

/** Every edge label on the canvas, keyed "source->target". */
export async function edgeLabels(page: Page): Promise<Map<string, string>> {
  const items = await page.locator('[data-testid^="edge-label-"]').evaluateAll((els) =>
    els.map((el) => [el.getAttribute('data-testid')!.slice('edge-label-'.length), el.textContent ?? ''] as const),
  );
  return new Map(items.map(([id, text]) => [id.replace(/:.*$/, ''), text]));
}

/** Follows the chain of edges from `start`, returning [source, label] pairs in order. */
export function chainFrom(labels: Map<string, string>, start: string): [string, string][] {
  const out: [string, string][] = [];
  let at = start;
  for (let guard = 0; guard < 1000; guard++) {
    const next = [...labels.keys()].find((k) => k.startsWith(`${at}->`));
    if (!next) break;
    out.push([at, labels.get(next)!]);
    at = next.split('->')[1];
  }
  return out;
}

type Box = { x: number; y: number; width: number; height: number; id: string };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Asserts the canvas is readable: no two layers overlap and no shape label hides under a layer. */
export async function expectNoOverlap(page: Page): Promise<void> {
  const boxes = async (sel: string) =>
    page.locator(sel).evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height, id: el.getAttribute('data-testid') ?? '' };
      }),
    );
  const nodes = await boxes('[data-testid^="node-"]');
  const labels = await boxes('[data-testid^="edge-label-"]');
  const clashes: string[] = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) if (overlaps(nodes[i], nodes[j])) clashes.push(`${nodes[i].id} overlaps ${nodes[j].id}`);
  for (const l of labels) for (const n of nodes) if (overlaps(l, n)) clashes.push(`${l.id} is under ${n.id}`);
  expect(clashes).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Clicks a layer's title to select it (not its handles or buttons). */
export async function selectNode(page: Page, id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.layer-head').click();
}

/** Waits until the page has drawn two more frames (layout and fit-view done), not a fixed time. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}
