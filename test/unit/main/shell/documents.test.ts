// Native file dialogs on real files (Electron's dialog functions are stand-ins that record and
// answer), the unsaved-changes close rule, and files handed over by the OS.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getTemplate } from '../../../../shared/templates/index';
import { MAX_GRAPH_BYTES, parseGraph } from '../../../../shared/graph/parse';
import { createFileDialogs, graphFileName, type DialogDeps } from '../../../../main/shell/dialogs';
import { createDocumentTracker } from '../../../../main/shell/document-state';
import { graphFilesInArgv } from '../../../../main/shell/open-files';
import { addRecent, loadRecent, parseRecent, saveRecent } from '../../../../main/shell/recent-files';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-docs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const lenet = getTemplate('lenet')!;

function dialogs(answers: { open?: string | null; save?: string | null }) {
  const shown: string[] = [];
  const used: string[] = [];
  const deps: DialogDeps = {
    defaultDir: tmp,
    showOpenDialog: async () => {
      shown.push('open');
      return answers.open ? { canceled: false, filePaths: [answers.open] } : { canceled: true, filePaths: [] };
    },
    showSaveDialog: async (o) => {
      shown.push(`save:${o.defaultPath}`);
      return answers.save ? { canceled: false, filePath: answers.save } : { canceled: true };
    },
    onFileUsed: (f) => used.push(f),
  };
  return { d: createFileDialogs(deps), shown, used };
}

describe('file dialogs', () => {
  it('opens the chosen file and hands its text to the page', async () => {
    const file = path.join(tmp, 'open-me.convstudio.json');
    writeFileSync(file, JSON.stringify(lenet));
    const { d, used } = dialogs({ open: file });
    const r = await d.openGraphFile();
    expect(r.ok && r.value && parseGraph(r.value.text).doc?.name).toBe(lenet.name);
    expect(r.ok && r.value?.name).toBe('open-me.convstudio.json');
    expect(used).toEqual([file]);
  });

  it('returns null when a dialog is cancelled, and an error value for unreadable or huge files', async () => {
    expect(await dialogs({}).d.openGraphFile()).toEqual({ ok: true, value: null });
    expect(await dialogs({}).d.saveGraphFile({ path: null, suggestedName: 'x', graph: lenet })).toEqual({ ok: true, value: null });
    const missing = await dialogs({ open: path.join(tmp, 'nope.json') }).d.openGraphFile();
    expect(missing).toMatchObject({ ok: false, error: { code: 'io-error' } });
    const big = path.join(tmp, 'big.json');
    writeFileSync(big, Buffer.alloc(MAX_GRAPH_BYTES + 1, 32));
    expect(await dialogs({ open: big }).d.openGraphFile()).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });

  it('writes silently only to a file the user chose; any other path asks again', async () => {
    const chosen = path.join(tmp, 'chosen.convstudio.json');
    const { d, shown } = dialogs({ save: chosen });
    const first = await d.saveGraphFile({ path: null, suggestedName: 'LeNet', graph: lenet });
    expect(first).toEqual({ ok: true, value: { path: chosen, name: 'chosen.convstudio.json' } });
    await d.saveGraphFile({ path: chosen, suggestedName: 'LeNet', graph: { ...lenet, name: 'second' } });
    expect(shown).toEqual([`save:${path.join(tmp, 'LeNet.convstudio.json')}`]);
    expect(JSON.parse(readFileSync(chosen, 'utf8')).name).toBe('second');

    const target = path.join(tmp, 'not-granted', 'victim.txt');
    await d.saveGraphFile({ path: target, suggestedName: 'x', graph: lenet });
    expect(shown.at(-1)).toBe(`save:${target}`);
  });

  it('refuses to save what is not a graph', async () => {
    const { d, shown } = dialogs({ save: path.join(tmp, 'never.json') });
    const r = await d.saveGraphFile({ path: null, suggestedName: 'x', graph: { format: 'convstudio.graph', version: 1, nodes: 7 } as never });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-graph' } });
    expect(shown).toEqual([]);
  });

  it.each([
    ['My net', 'My net.convstudio.json'],
    ['lenet.convstudio.json', 'lenet.convstudio.json'],
    ['../../etc/passwd', 'passwd.convstudio.json'],
    ['a:b*c?\u0001', 'a-b-c--.convstudio.json'],
    ['', 'untitled.convstudio.json'],
    ['...', 'untitled.convstudio.json'],
  ])('suggests a safe file name for %j', (input, expected) => {
    expect(graphFileName(input)).toBe(expected);
  });
});

describe('closing with unsaved changes', () => {
  function tracker() {
    const log: string[] = [];
    const t = createDocumentTracker({ requestSave: () => log.push('save'), close: () => log.push('close'), onChange: (s) => log.push(`title:${s.title}${s.dirty ? '*' : ''}`) });
    return { t, log };
  }

  it('closes at once when clean, holds back when dirty', async () => {
    const { t } = tracker();
    expect(t.mayClose()).toBe(true);
    await t.setState({ dirty: true, title: 'lenet' });
    expect(t.mayClose()).toBe(false);
  });

  it("Save closes after the page saved and reported clean; Don't Save closes; Cancel stays", async () => {
    const { t, log } = tracker();
    await t.setState({ dirty: true, title: 'lenet' });
    t.answer('cancel');
    expect(log).toEqual(['title:lenet*']);
    t.answer('save');
    await t.setState({ dirty: false, title: 'lenet' });
    expect(log).toEqual(['title:lenet*', 'save', 'title:lenet', 'close']);

    const other = tracker();
    await other.t.setState({ dirty: true, title: '' });
    other.t.answer('discard');
    expect(other.log).toEqual(['title:Untitled*', 'close']);
    expect(other.t.mayClose()).toBe(true);
  });

  it('a cancelled save keeps the window, and a later save does not close it', async () => {
    const { t, log } = tracker();
    await t.setState({ dirty: true, title: 'x' });
    t.answer('save');
    t.saveFinished(false);
    t.saveFinished(true);
    expect(log).toEqual(['title:x*', 'save']);
  });

  it('refuses malformed states', async () => {
    const { t } = tracker();
    expect(await t.setState({ dirty: 1, title: 'x' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await t.setState({ dirty: true, title: 'x'.repeat(300) })).toMatchObject({ ok: false });
  });
});

describe('files from the OS and Open Recent', () => {
  it('picks graph files out of argv', () => {
    expect(graphFilesInArgv(['/opt/ConvStudio/convstudio', '--no-sandbox', 'nets/a.convstudio.json', 'B.JSON', 'readme.txt'], '/home/u')).toEqual([
      '/home/u/nets/a.convstudio.json',
      '/home/u/B.JSON',
    ]);
  });

  it('keeps recent files unique, newest first, capped, and survives junk', async () => {
    let list: string[] = [];
    for (let i = 0; i < 12; i++) list = addRecent(list, `/f${i}.json`);
    list = addRecent(list, '/f5.json');
    expect(list[0]).toBe('/f5.json');
    expect(list).toHaveLength(10);
    expect(new Set(list).size).toBe(10);
    const file = path.join(tmp, 'recent.json');
    await saveRecent(file, list);
    expect(await loadRecent(file)).toEqual(list);
    expect(parseRecent({ files: ['/a', 3, '/a', ''] })).toEqual(['/a']);
    expect(parseRecent('junk')).toEqual([]);
  });
});
