/**
 * The browser host's file and unload capabilities in Chromium. The File System Access pickers are
 * native dialogs Playwright cannot answer, so they are replaced by scripted ones handing out
 * in-page file handles (the only stand-in); everything behind them — the host's handle keys, the
 * store, parseGraph — is the app's own code.
 */

import { expect, test, type Page } from '@playwright/test';
import { getTemplate } from '../../shared/templates/index';
import { dragFromPalette, openApp, selectNode } from './helpers';

/** Scripted pickers: `__pick` queues the names the next dialogs answer (null = Cancel). */
async function scriptPickers(page: Page, files: Record<string, string>): Promise<void> {
  await page.addInitScript((initial) => {
    type Handle = { name: string; getFile(): Promise<File>; createWritable(): Promise<{ write(d: string): Promise<void>; close(): Promise<void> }> };
    const w = window as unknown as Record<string, unknown>;
    const disk = new Map<string, string>(Object.entries(initial));
    const handles = new Map<string, Handle>();
    const answers: (string | null)[] = [];
    const log: string[] = [];
    const handle = (name: string): Handle => {
      if (!handles.has(name)) {
        handles.set(name, {
          name,
          getFile: async () => new File([disk.get(name) ?? ''], name, { type: 'application/json' }),
          createWritable: async () => {
            let text = '';
            return { write: async (d: string) => void (text += d), close: async () => void (disk.set(name, text), log.push(`wrote ${name}`)) };
          },
        });
      }
      return handles.get(name)!;
    };
    const next = (kind: string) => {
      const name = answers.shift();
      log.push(`${kind} picker`);
      if (name === undefined || name === null) throw new DOMException('The user aborted a request.', 'AbortError');
      return handle(name);
    };
    w.showOpenFilePicker = async () => [next('open')];
    w.showSaveFilePicker = async () => next('save');
    w.__pick = (...names: (string | null)[]) => answers.push(...names);
    w.__disk = () => Object.fromEntries(disk);
    w.__log = () => log;
  }, files);
}

const pick = (page: Page, ...names: (string | null)[]) => page.evaluate((n) => (window as unknown as { __pick(...x: (string | null)[]): void }).__pick(...n), names);
const disk = (page: Page) => page.evaluate(() => (window as unknown as { __disk(): Record<string, string> }).__disk());
const pickerLog = (page: Page) => page.evaluate(() => (window as unknown as { __log(): string[] }).__log());

const files = {
  'lenet.convstudio.json': JSON.stringify(getTemplate('lenet')),
  'bad.convstudio.json': JSON.stringify({ format: 'convstudio.graph', version: 99, nodes: [] }),
};
const outChannels = (text: string, id: string) => JSON.parse(text).nodes.find((n: { id: string }) => n.id === id).params.out_channels;

test('with File System Access, Save writes back to the opened file and Save As asks', async ({ page }) => {
  await scriptPickers(page, files);
  const errors = await openApp(page, { keepPickers: true });
  const title = page.getByTestId('doc-title');

  await pick(page, 'lenet.convstudio.json');
  await page.getByTestId('open').click();
  await expect(page.locator('[data-testid^="node-"]')).toHaveCount(13);
  await expect(title).toHaveText('lenet.convstudio.json');

  await selectNode(page, 'conv1');
  await page.getByTestId('param-out_channels').fill('8');
  await expect(title).toContainText('•');
  await page.getByTestId('save').click();
  await expect(title).toHaveText('lenet.convstudio.json');
  expect(outChannels((await disk(page))['lenet.convstudio.json'], 'conv1')).toBe(8);

  // A file that does not parse leaves the document on the file it came from: Save still goes there.
  await pick(page, 'bad.convstudio.json');
  await page.getByTestId('open').click();
  await page.getByTestId('open-problem').getByRole('button', { name: 'OK' }).click();
  await page.getByTestId('param-out_channels').fill('9');
  await page.getByTestId('save').click();
  await expect(title).toHaveText('lenet.convstudio.json');
  expect(outChannels((await disk(page))['lenet.convstudio.json'], 'conv1')).toBe(9);

  // Save As asks; cancelling it changes nothing, answering it moves the document to the new file.
  await page.getByRole('button', { name: 'Save As…' }).click();
  await pick(page, 'copy.convstudio.json');
  await page.getByRole('button', { name: 'Save As…' }).click();
  await expect(title).toHaveText('copy.convstudio.json');
  const after = await disk(page);
  expect(outChannels(after['copy.convstudio.json'], 'conv1')).toBe(9);
  expect(JSON.parse(after['bad.convstudio.json']).version).toBe(99);
  expect(await pickerLog(page)).toEqual([
    'open picker', 'wrote lenet.convstudio.json',
    'open picker', 'wrote lenet.convstudio.json',
    'save picker', 'save picker', 'wrote copy.convstudio.json',
  ]);
  expect(errors).toEqual([]);
});

test('leaving with unsaved changes asks first; a saved graph leaves without asking', async ({ page }) => {
  await openApp(page);
  await dragFromPalette(page, 'template-lenet');
  await expect(page.getByTestId('doc-title')).toContainText('•');
  const asked: string[] = [];
  page.on('dialog', (d) => {
    asked.push(d.type());
    void d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toEqual(['beforeunload']);
  expect(page.isClosed()).toBe(false);

  const download = page.waitForEvent('download');
  await page.getByTestId('save').click();
  await download;
  await expect(page.getByTestId('doc-title')).not.toContainText('•');
  const closed = page.waitForEvent('close');
  await page.close({ runBeforeUnload: true });
  await closed;
  expect(asked).toEqual(['beforeunload']);
});
