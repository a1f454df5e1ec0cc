// The page's export command on the real store, against the test host (the real Node Api
// in-process): what it asks for, what the user is told, and that a refusal keeps the dialog open.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphDoc } from '../../../shared/graph/types';
import { getTemplate } from '../../../shared/templates/index';
import { setHost } from '../../../renderer/api/host';
import { exportEpochs, exportRequest, openExport, runExport } from '../../../renderer/export/export-command';
import { useStore } from '../../../renderer/store/index';
import { newRun } from '../main/engine/train-helpers';
import { createTestHost, type TestHost } from './test-host';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-export-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const runsRoot = path.join(tmp, 'runs');
const { runId } = newRun(getTemplate('lenet') as GraphDoc, { epochs: 1, limit: 256 }, runsRoot);

let h: TestHost;
beforeEach(() => {
  h = createTestHost(runsRoot);
  setHost(h);
  useStore.getState().loadDoc(getTemplate('lenet') as GraphDoc);
  useStore.setState({ toasts: [], exportTarget: null });
});

/** LeNet with its first edge gone: the Input feeds nothing. */
const broken: GraphDoc = { ...(getTemplate('lenet') as GraphDoc), edges: (getTemplate('lenet') as GraphDoc).edges.slice(1) };
const lastToast = () => useStore.getState().toasts.at(-1)?.text;

describe('the export command', () => {
  it('exports the canvas: the zip is handed over, the dialog closes, a toast says what and where', async () => {
    openExport();
    expect(useStore.getState().exportTarget).toEqual({ kind: 'canvas' });
    const req = exportRequest({ kind: 'canvas' }, 'pytorch', null);
    expect(req).toMatchObject({ format: 'pytorch', graph: { name: 'LeNet' } });
    const r = await runExport(req);
    expect(r).toMatchObject({ ok: true, value: { folder: 'LeNet-pytorch', where: 'LeNet-pytorch.zip' } });
    expect(h.log).toEqual(['downloaded LeNet-pytorch.zip']);
    expect(useStore.getState().exportTarget).toBeNull();
    expect(lastToast()).toBe('Exported model.py, train.py, README.md to LeNet-pytorch.zip.');
  });

  it('asks for a run\'s weights at an epoch, and lists the epochs it has', async () => {
    expect(exportRequest({ kind: 'run', runId }, 'onnx', 0)).toEqual({ format: 'onnx', runId, epoch: 0 });
    expect(await exportEpochs(runId)).toEqual({ ok: true, value: [0] });
    expect(await runExport(exportRequest({ kind: 'run', runId }, 'onnx', 0))).toMatchObject({ ok: true, value: { files: [{ name: 'model.onnx' }] } });
  });

  const REFUSED: [string, () => void, ReturnType<typeof exportRequest>, string][] = [
    ['a canvas with errors', () => useStore.getState().loadDoc(broken), { format: 'onnx', graph: broken }, 'invalid-graph'],
    ['an epoch the run does not have', () => {}, { format: 'pytorch', runId, epoch: 4 }, 'unknown-epoch'],
  ];
  it.each(REFUSED)('%s: an error value, the dialog stays open, nothing is downloaded', async (_what, arrange, req, code) => {
    arrange();
    openExport({ kind: 'run', runId });
    const r = await runExport(req);
    expect(r).toMatchObject({ ok: false, error: { code } });
    expect(useStore.getState().exportTarget).toEqual({ kind: 'run', runId });
    expect(h.log).toEqual([]);
  });
});
