// New / Open / Save / Save As as the page runs them, on the real store, against the test host
// (scripted dialogs, files in a Map, the real Node Api in-process): what the page asks of its
// host, and what the document and its unload guard look like afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getTemplate } from '../../../shared/templates/index';
import { setHost } from '../../../renderer/api/host';
import { guardUnsavedChanges, newGraph, openGraph, openHandedFile, saveGraph } from '../../../renderer/files/graph-files';
import { emptyDoc } from '../../../renderer/store/graph-slice';
import { useStore } from '../../../renderer/store/index';
import { createTestHost, type TestHost } from './test-host';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lenet = getTemplate('lenet')!;
const lenetText = JSON.stringify(lenet);
let h: TestHost;
let stopGuard: () => void;

beforeEach(() => {
  h = createTestHost(path.join(tmp, 'runs'));
  setHost(h);
  h.files.set('/docs/lenet.convstudio.json', lenetText);
  h.files.set('/docs/bad.convstudio.json', JSON.stringify({ format: 'convstudio.graph', version: 99, nodes: [] }));
  const s = useStore.getState();
  s.loadDoc(emptyDoc());
  s.setFile({ name: null, path: null });
  s.setOpenProblem(null);
  stopGuard = guardUnsavedChanges();
});

afterEach(() => stopGuard());

const edit = () => useStore.getState().setParam('conv1', 'out_channels', 8);
const state = () => {
  const s = useStore.getState();
  return { file: s.fileName, path: s.filePath, dirty: s.dirty, nodes: s.nodes.length };
};

describe('graph files through the host', () => {
  it('opens the picked file into the document, clean, with its name and path', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json');
    await openGraph();
    expect(state()).toEqual({ file: 'lenet.convstudio.json', path: '/docs/lenet.convstudio.json', dirty: false, nodes: lenet.nodes.length });
    expect(h.guarded).toEqual({ dirty: false, title: 'lenet.convstudio.json' });
  });

  it('saves an opened file back in place without asking, and Save As asks with its name', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json');
    await openGraph();
    edit();
    expect(h.guarded?.dirty).toBe(true);
    expect(await saveGraph()).toBe(true);
    expect(JSON.parse(h.files.get('/docs/lenet.convstudio.json')!).nodes.find((n: { id: string }) => n.id === 'conv1').params.out_channels).toBe(8);
    expect(h.guarded).toEqual({ dirty: false, title: 'lenet.convstudio.json' });

    h.nextSaveAs.push('/docs/copy.convstudio.json');
    expect(await saveGraph(true)).toBe(true);
    expect(state()).toMatchObject({ file: 'copy.convstudio.json', path: '/docs/copy.convstudio.json', dirty: false });
    expect(h.log).toEqual(['open dialog', 'wrote /docs/lenet.convstudio.json', 'save dialog (lenet.convstudio.json)', 'wrote /docs/copy.convstudio.json']);
  });

  it('asks where to save a new graph, offering a file name made from its name', async () => {
    useStore.getState().loadDoc({ ...lenet, name: 'My LeNet/v2' });
    h.nextSaveAs.push('/docs/mine.convstudio.json');
    expect(await saveGraph()).toBe(true);
    expect(h.log).toEqual(['save dialog (My-LeNet-v2.convstudio.json)', 'wrote /docs/mine.convstudio.json']);
  });

  it('a cancelled or failed save keeps the changes unsaved, and a failure says why', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json');
    await openGraph();
    edit();
    h.nextSaveAs.push(null, new Error('The disk is full.'));
    expect(await saveGraph(true)).toBe(false);
    expect(state()).toMatchObject({ file: 'lenet.convstudio.json', dirty: true });
    expect(await saveGraph(true)).toBe(false);
    expect(state()).toMatchObject({ file: 'lenet.convstudio.json', dirty: true });
    expect(useStore.getState().toasts.at(-1)).toMatchObject({ kind: 'error', text: 'The disk is full.' });
    expect(h.guarded?.dirty).toBe(true);
  });

  it('a file that is not a graph shows why, and the document and its file stay as they were', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json', '/docs/bad.convstudio.json');
    await openGraph();
    await openGraph();
    expect(useStore.getState().openProblem?.name).toBe('bad.convstudio.json');
    expect(useStore.getState().openProblem?.diagnostics.map((d) => d.message).join(' ')).toContain('version');
    expect(state()).toEqual({ file: 'lenet.convstudio.json', path: '/docs/lenet.convstudio.json', dirty: false, nodes: lenet.nodes.length });
    edit();
    expect(await saveGraph()).toBe(true);
    expect(h.log.at(-1)).toBe('wrote /docs/lenet.convstudio.json');
    expect(JSON.parse(h.files.get('/docs/bad.convstudio.json')!).version).toBe(99);
  });

  it('New, Open and a handed-over file ask before discarding changes; declining keeps them', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json');
    await openGraph();
    edit();
    h.confirmAnswers.push(false, false, false);
    newGraph();
    await openGraph();
    openHandedFile({ name: 'other.convstudio.json', path: '/docs/other.convstudio.json', text: lenetText });
    expect(state()).toMatchObject({ file: 'lenet.convstudio.json', dirty: true });
    expect(h.log.filter((l) => l.startsWith('confirm'))).toHaveLength(3);
    expect(h.log.filter((l) => l === 'open dialog')).toHaveLength(1);

    h.confirmAnswers.push(true);
    newGraph();
    expect(state()).toEqual({ file: null, path: null, dirty: false, nodes: 1 });
    expect(h.guarded).toEqual({ dirty: false, title: 'untitled' });
  });

  it('does not ask when there is nothing to lose', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json');
    await openGraph();
    newGraph();
    openHandedFile({ name: 'lenet.convstudio.json', path: '/docs/lenet.convstudio.json', text: lenetText });
    expect(h.log.some((l) => l.startsWith('confirm'))).toBe(false);
  });

  it('stops telling the host once the guard is stopped', async () => {
    h.nextOpen.push('/docs/lenet.convstudio.json');
    await openGraph();
    stopGuard();
    edit();
    expect(useStore.getState().dirty).toBe(true);
    expect(h).toMatchObject({ guarding: false, guarded: { dirty: false, title: 'lenet.convstudio.json' } });
  });
});
