// The autosave's restore and discard as the page runs them, on the real store, against the test
// host (the real Node Api in-process, the autosave written to a temporary data folder).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { getTemplate } from '../../../shared/templates/index';
import { setHost } from '../../../renderer/api/host';
import { discardRestored, restoreAutosave } from '../../../renderer/files/autosave';
import { emptyDoc } from '../../../renderer/store/graph-slice';
import { useStore } from '../../../renderer/store/index';
import { createTestHost, type TestHost } from './test-host';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-autosave-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const lenet = getTemplate('lenet')!;
let h: TestHost;
let n = 0;

beforeEach(() => {
  h = createTestHost(path.join(tmp, `runs-${n++}`));
  setHost(h);
  useStore.getState().loadDoc(emptyDoc());
  useStore.getState().setFile({ name: null, path: null });
  useStore.getState().setRestored(null);
});

describe('restoreAutosave', () => {
  const cases: [string, { name: string; path: string | null } | null, boolean][] = [
    ['an untitled graph', null, true],
    ['a saved file with unsaved changes', { name: 'lenet.convstudio.json', path: '/docs/lenet.convstudio.json' }, true],
    ['a saved file as saved', { name: 'lenet.convstudio.json', path: '/docs/lenet.convstudio.json' }, false],
  ];
  it.each(cases)('%s comes back with its file, its unsaved state and the note', async (_t, file, dirty) => {
    expect((await h.api.saveAutosave({ doc: { graph: lenet, file, dirty } })).ok).toBe(true);
    expect(await restoreAutosave()).toBe(true);
    const s = useStore.getState();
    expect(s.nodes.length).toBe(lenet.nodes.length);
    expect(s.name).toBe(lenet.name);
    expect({ name: s.fileName, path: s.filePath, dirty: s.dirty }).toEqual({ name: file?.name ?? null, path: file?.path ?? null, dirty });
    expect(s.restored).not.toBeNull();
  });

  it('without an autosave the canvas and the note stay as they are', async () => {
    expect(await restoreAutosave()).toBe(false);
    expect(useStore.getState().restored).toBeNull();
    expect(useStore.getState().nodes.length).toBe(emptyDoc().nodes.length);
  });

  it('discarding the restored graph empties the canvas and the autosave', async () => {
    await h.api.saveAutosave({ doc: { graph: lenet, file: null, dirty: true } });
    await restoreAutosave();
    await discardRestored();
    expect(useStore.getState().nodes.length).toBe(emptyDoc().nodes.length);
    expect(useStore.getState().restored).toBeNull();
    expect(await h.api.loadAutosave()).toEqual({ ok: true, value: null });
  });
});
