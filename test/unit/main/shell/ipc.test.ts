// The IPC layer against the Api contract: main/shell/ipc.ts registered on a recording stand-in
// for Electron's ipcMain (the only fake), serving the real desktop Api — createNodeApi plus the
// native-dialog file calls and the document tracker, composed by main/shell/desktop-api.ts exactly
// as the window gets it. Dialog functions are Electron's, so they are recording stand-ins too.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { API_CALLS, DESKTOP_CALLS } from '../../../../shared/api';
import { getTemplate } from '../../../../shared/templates/index';
import { createDesktopApi } from '../../../../main/shell/desktop-api';
import { createFileDialogs } from '../../../../main/shell/dialogs';
import { createDocumentTracker } from '../../../../main/shell/document-state';
import { createExportToFolder } from '../../../../main/shell/export-folder';
import { createNodeApi } from '../../../../main/api/node-api';
import { TRAINING_EVENT_CHANNEL, callChannel } from '../../../../main/shell/ipc-channels';
import { createJobManager } from '../../../../main/engine/jobs';
import { DEFAULT_TRAIN_CONFIG, type TrainingEvent } from '../../../../shared/training';
import { existsSync } from 'node:fs';
import { CALL_ARITY } from '../../../../main/api/dispatch';
import { registerIpc } from '../../../../main/shell/ipc';
import { RecordingIpcMain } from './recording-ipc';
import { createEngineService } from '../../../../main/engine/service/client';
import { CHANNEL_SCENES, CORRELATE_SCENES, EDGE_IMAGE, POOL_SCENES } from '../../../../shared/lab/presets';
import { createSenderCheck, type SenderLike } from '../../../../main/shell/sender-check';
import { APP_ENTRY_URL, APP_ORIGIN } from '../../../../main/shell/app-origin';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-ipc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mainFrame = { url: APP_ENTRY_URL, processId: 4, routingId: 1 };
const trusted: SenderLike = { senderFrame: mainFrame };

function setup() {
  const ipcMain = new RecordingIpcMain();
  const sent: { channel: string; payload: unknown }[] = [];
  const saveDialogs: string[] = [];
  const dialogs = createFileDialogs({
    defaultDir: tmp,
    showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    showSaveDialog: async (o) => {
      saveDialogs.push(o.defaultPath);
      return { canceled: false, filePath: path.join(tmp, 'saved.convstudio.json') };
    },
  });
  const document = createDocumentTracker({ requestSave: () => {}, close: () => {} });
  const exportToFolder = createExportToFolder({ runsRoot: path.join(tmp, 'runs'), version: '0.1.0', defaultDir: tmp, showOpenDialog: async () => ({ canceled: true, filePaths: [] }) });
  const api = createDesktopApi({ base: createNodeApi({ runsRoot: path.join(tmp, 'runs'), host: 'electron' }), dialogs, document, exportToFolder });
  const registration = registerIpc({
    ipcMain,
    api,
    isTrustedSender: createSenderCheck({ origin: APP_ORIGIN, mainFrame: () => mainFrame }),
    send: (channel, payload) => sent.push({ channel, payload }),
  });
  return { ipcMain, registration, sent, saveDialogs, document };
}

const lenet = getTemplate('lenet')!;
const circular: Record<string, unknown> = { runId: 'a' };
circular.self = circular;

/**
 * For every call, payloads that must be refused, and the error code expected. Codes other than
 * bad-request come from the real Api's validators (the graph parser, the config checks).
 */
const MALFORMED: Record<(typeof API_CALLS)[number] | (typeof DESKTOP_CALLS)[number], [string, unknown[], string][]> = {
  info: [['an unexpected argument', [{ x: 1 }], 'bad-request']],
  listBackends: [['an unexpected argument', ['cpu'], 'bad-request']],
  doctor: [['an unexpected argument', [{ fix: true }], 'bad-request']],
  startTraining: [
    ['no argument', [], 'bad-request'],
    ['a string', ['lenet'], 'bad-request'],
    ['two arguments', [{ graph: lenet, config: {} }, {}], 'bad-request'],
    ['a junk graph', [{ graph: { format: 'nope' }, config: {} }], 'invalid-graph'],
    ['a graph of the wrong version', [{ graph: { ...lenet, version: 99 }, config: {} }], 'invalid-graph'],
    ['a negative epoch count', [{ graph: lenet, config: { epochs: -1 } }], 'bad-request'],
    ['an unknown config field', [{ graph: lenet, config: { rm: '-rf' } }], 'bad-request'],
    ['a Date inside', [{ graph: lenet, config: { seed: new Date() } }], 'bad-request'],
    ['a Map', [new Map([['graph', lenet]])], 'bad-request'],
    ['NaN', [{ graph: lenet, config: { lr: Number.NaN } }], 'bad-request'],
  ],
  stopTraining: [
    ['no argument', [], 'bad-request'],
    ['a path as run id', [{ runId: '../../etc', mode: 'kill' }], 'bad-request'],
    ['an unknown mode', [{ runId: 'run-1', mode: 'explode' }], 'bad-request'],
    ['a circular object', [circular], 'bad-request'],
  ],
  listRuns: [['an unexpected argument', [null], 'bad-request']],
  createWorkerRun: [
    ['no argument', [], 'bad-request'],
    ['a junk graph', [{ graph: { format: 'nope' }, config: {} }], 'invalid-graph'],
  ],
  workerRun: [
    ['no argument', [], 'bad-request'],
    ['a Map', [new Map([['runId', 'a']])], 'bad-request'],
  ],
  fashionSamples: [
    ['no argument', [], 'bad-request'],
    ['a circular object', [circular], 'bad-request'],
  ],
  getRun: [
    ['null', [null], 'bad-request'],
    ['a number as run id', [{ runId: 5 }], 'bad-request'],
    ['a path as run id', [{ runId: '../secrets' }], 'bad-request'],
  ],
  getRunGraph: [
    ['a path as run id', [{ runId: '../secrets' }], 'bad-request'],
    ['a run that does not exist', [{ runId: 'no-such-run' }], 'not-found'],
  ],
  renameRun: [
    ['a name that is not text', [{ runId: 'run-1', name: 5 }], 'bad-request'],
    ['a name with a line break', [{ runId: 'run-1', name: 'a\nb' }], 'bad-request'],
    ['a path as run id', [{ runId: '../x', name: 'n' }], 'bad-request'],
  ],
  deleteRun: [
    ['a path as run id', [{ runId: '../../etc' }], 'bad-request'],
    ['a run that does not exist', [{ runId: 'no-such-run' }], 'not-found'],
  ],
  resumeTraining: [
    ['no argument', [], 'bad-request'],
    ['epochs as text', [{ runId: 'run-1', epochs: 'ten' }], 'bad-request'],
  ],
  saveAutosave: [
    ['no argument', [], 'bad-request'],
    ['a junk graph', [{ doc: { graph: { format: 'nope' }, file: null, dirty: true } }], 'invalid-graph'],
    ['dirty as text', [{ doc: { graph: lenet, file: null, dirty: 'yes' } }], 'bad-request'],
    ['a file without a name', [{ doc: { graph: lenet, file: { path: '/x' }, dirty: false } }], 'bad-request'],
  ],
  loadAutosave: [['an unexpected argument', [{}], 'bad-request']],
  discardAutosave: [['an unexpected argument', [{}], 'bad-request']],
  labCorrelate: [
    ['no argument', [], 'bad-request'],
    ['a cell that is not a number', [{ x: [[[0, 'one'], [2, 3]]], k: [[[[1]]]] }], 'invalid-lab-input'],
    ['a stride of 0', [{ x: [[[0, 1], [2, 3]]], k: [[[[1]]]], stride: 0 }], 'invalid-lab-input'],
    ['a kernel larger than the padded input', [{ x: [[[0, 1], [2, 3]]], k: [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]] }], 'invalid-lab-input'],
    ['NaN in a grid', [{ x: [[[Number.NaN]]], k: [[[[1]]]] }], 'bad-request'],
  ],
  estimateBasis: [['an unexpected argument', [{ backend: 'wasm' }], 'bad-request']],
  measureTraining: [
    ['no argument', [], 'bad-request'],
    ['a junk graph', [{ graph: { format: 'nope' }, config: {} }], 'invalid-graph'],
    ['a batch size past the training set', [{ graph: lenet, config: { batchSize: 100000 } }], 'bad-request'],
  ],
  labConv1x1: [['a kernel for the wrong number of channels', [{ x: [[[1]], [[2]]], k: [[1, 2, 3]] }], 'invalid-lab-input']],
  labPool: [
    ['an unknown mode', [{ dims: 2, mode: 'median', x: [[[1]]], kernel: 1 }], 'invalid-lab-input'],
    ['padding over half the kernel', [{ dims: 2, mode: 'max', x: [[[1, 2], [3, 4]]], kernel: 2, padding: 2 }], 'invalid-lab-input'],
    ['a 3-D window larger than the input', [{ dims: 3, mode: 'max', x: [[[1]]], kernel: 2 }], 'invalid-lab-input'],
  ],
  labLearn: [
    ['a target of the wrong size', [{ x: [[1, 0, 1]], y: [[1, 1, 1]], kernel: [1, 2], lr: 0.03, steps: 10, seed: 0 }], 'invalid-lab-input'],
    ['a learning rate of 0', [{ x: [[1, 0, 1]], y: [[1, 1]], kernel: [1, 2], lr: 0, steps: 10, seed: 0 }], 'invalid-lab-input'],
  ],
  labFashionImage: [['an index past the test set', [{ index: 10_000 }], 'invalid-lab-input']],
  insightEpochs: [['a path as run id', [{ runId: '../secrets' }], 'bad-request']],
  insightEvaluate: [['a negative epoch', [{ runId: 'run-1', epoch: -1 }], 'bad-request']],
  insightImages: [['an index past the test set', [{ indices: [10_000] }], 'bad-request']],
  insightActivations: [['an image of the wrong size', [{ runId: 'run-1', image: { source: 'pixels', pixels: 'AAAA' } }], 'bad-request']],
  insightGradCam: [['a class past 9', [{ runId: 'run-1', image: { source: 'validation', index: 0 }, classIndex: 10 }], 'bad-request']],
  insightFilters: [['a number as layer', [{ runId: 'run-1', layer: 3 }], 'bad-request']],
  insightHistograms: [['one bin', [{ runId: 'run-1', bins: 1 }], 'bad-request']],
  openGraphFile: [['an unexpected argument', ['/etc/passwd'], 'bad-request']],
  saveGraphFile: [
    ['no argument', [], 'bad-request'],
    ['a junk graph', [{ path: null, suggestedName: 'x', graph: { nodes: 'all of them' } }], 'invalid-graph'],
    ['a non-string name', [{ path: null, suggestedName: 42, graph: lenet }], 'bad-request'],
    ['a typed array inside', [{ path: null, suggestedName: 'x', graph: { ...lenet, nodes: new Float32Array(4) } }], 'bad-request'],
  ],
  setDocumentState: [
    ['no argument', [], 'bad-request'],
    ['wrong field types', [{ dirty: 'yes', title: 1 }], 'bad-request'],
  ],
  exportModel: [
    ['no argument', [], 'bad-request'],
    ['an unknown format', [{ format: 'keras', graph: lenet }], 'bad-request'],
    ['both a graph and a run', [{ format: 'pytorch', graph: lenet, runId: 'r' }], 'bad-request'],
    ['a path as run id', [{ format: 'onnx', runId: '../../etc' }], 'bad-request'],
    ['a negative epoch', [{ format: 'pytorch', runId: 'run-1', epoch: -1 }], 'bad-request'],
    ['a junk graph', [{ format: 'pytorch', graph: { nodes: 'all of them' } }], 'invalid-graph'],
  ],
  exportEpochs: [
    ['null', [null], 'bad-request'],
    ['a path as run id', [{ runId: '../secrets' }], 'bad-request'],
    ['a run that is not there', [{ runId: 'no-such-run' }], 'not-found'],
  ],
  exportToFolder: [
    ['no argument', [], 'bad-request'],
    ['an unknown format', [{ format: 'tflite', graph: lenet }], 'bad-request'],
    ['a graph with errors', [{ format: 'onnx', graph: { ...lenet, edges: [] } }], 'invalid-graph'],
  ],
};

describe('IPC handler table against the Api contract', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('registers exactly one handler per Api call and desktop call', () => {
    const expected = [...API_CALLS, ...DESKTOP_CALLS].map(callChannel).sort();
    expect([...env.ipcMain.handlers.keys()].sort()).toEqual(expected);
    expect(env.registration.channels.sort()).toEqual(expected);
    expect(Object.keys(CALL_ARITY).sort()).toEqual([...API_CALLS, ...DESKTOP_CALLS].sort());
  });

  it('has malformed-payload cases for every call', () => {
    expect(Object.keys(MALFORMED).sort()).toEqual([...API_CALLS, ...DESKTOP_CALLS].sort());
  });

  for (const [call, cases] of Object.entries(MALFORMED)) {
    for (const [what, args, code] of cases) {
      it(`${call} refuses ${what} with an error value (${code})`, async () => {
        const r = await env.ipcMain.invoke(trusted, call, ...args);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe(code);
          expect(r.error.message.length).toBeGreaterThan(10);
        }
      });
    }
  }

  it('answers well-formed calls from the window with values', async () => {
    // Electron may wrap the same frame in a new object per event: same process and routing id is the same frame.
    expect(await env.ipcMain.invoke({ senderFrame: { ...mainFrame } }, 'info')).toMatchObject({ ok: true });
    const info = await env.ipcMain.invoke(trusted, 'info');
    expect(info).toMatchObject({ ok: true, value: { host: 'electron' } });
    const cancelled = await env.ipcMain.invoke(trusted, 'openGraphFile');
    expect(cancelled).toEqual({ ok: true, value: null });
    const state = await env.ipcMain.invoke(trusted, 'setDocumentState', { dirty: true, title: 'lenet' });
    expect(state).toEqual({ ok: true, value: null });
    expect(env.document.state).toEqual({ dirty: true, title: 'lenet' });
  });

  it('saves a valid graph through the save dialog, to the file the user picked', async () => {
    const r = await env.ipcMain.invoke(trusted, 'saveGraphFile', { path: null, suggestedName: 'My LeNet', graph: lenet });
    const target = path.join(tmp, 'saved.convstudio.json');
    expect(r).toEqual({ ok: true, value: { path: target, name: 'saved.convstudio.json' } });
    expect(env.saveDialogs).toEqual([path.join(tmp, 'My LeNet.convstudio.json')]);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ format: 'convstudio.graph', name: lenet.name });
  });

  const forged: [string, SenderLike][] = [
    ['no sender frame (navigated away or destroyed)', { senderFrame: null }],
    ['another frame with our URL (a subframe or second window)', { senderFrame: { url: APP_ENTRY_URL, processId: 4, routingId: 7 } }],
    ['a frame of another renderer process', { senderFrame: { url: APP_ENTRY_URL, processId: 5, routingId: 1 } }],
    ['a frame without ids', { senderFrame: { url: APP_ENTRY_URL } }],
  ];
  for (const [what, event] of forged) {
    it(`refuses a forged sender: ${what}`, async () => {
      for (const call of [...API_CALLS, ...DESKTOP_CALLS]) {
        const args = CALL_ARITY[call] === 0 ? [] : [{ graph: lenet, config: {} }];
        const r = await env.ipcMain.invoke(event, call, ...args);
        expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    });
  }

  it('refuses the main frame when it shows a page from another origin', async () => {
    const frame = { url: APP_ENTRY_URL };
    const ipcMain = new RecordingIpcMain();
    registerIpc({
      ipcMain,
      api: createNodeApi({ runsRoot: path.join(tmp, 'runs') }),
      isTrustedSender: createSenderCheck({ origin: APP_ORIGIN, mainFrame: () => frame }),
      send: () => {},
    });
    expect(await ipcMain.invoke({ senderFrame: frame }, 'info')).toMatchObject({ ok: true });
    frame.url = 'https://evil.example/convstudio://app/index.html';
    expect(await ipcMain.invoke({ senderFrame: frame }, 'info')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    frame.url = 'file:///work/main/out/renderer/index.html';
    expect(await ipcMain.invoke({ senderFrame: frame }, 'info')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('dispose removes every handler', () => {
    env.registration.dispose();
    expect(env.ipcMain.handlers.size).toBe(0);
  });
});

const dataDir = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!existsSync(path.join(dataDir, 'train-images-idx3-ubyte.gz')))('training over IPC', () => {
  it('starts a real run through the handler and streams its events to the window', async () => {
    const ipcMain = new RecordingIpcMain();
    const sent: { channel: string; payload: TrainingEvent }[] = [];
    const jobs = createJobManager({ runsRoot: path.join(tmp, 'ipc-runs') });
    const registration = registerIpc({
      ipcMain,
      api: createNodeApi({ runsRoot: path.join(tmp, 'ipc-runs'), jobs, host: 'electron' }),
      isTrustedSender: createSenderCheck({ origin: APP_ORIGIN, mainFrame: () => mainFrame }),
      send: (channel, payload) => sent.push({ channel, payload: payload as TrainingEvent }),
    });
    try {
      const config = { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 64, limit: 128, valLimit: 64, backend: 'wasm' as const, dataDir };
      const started = await ipcMain.invoke(trusted, 'startTraining', { graph: lenet, config });
      expect(started.ok).toBe(true);
      const runId = started.ok ? (started.value as { runId: string }).runId : '';
      await new Promise<void>((resolve) => {
        const check = () => (sent.some((s) => s.payload.event === 'exit') ? resolve() : setTimeout(check, 50));
        check();
      });
      expect(new Set(sent.map((s) => s.channel))).toEqual(new Set([TRAINING_EVENT_CHANNEL]));
      const kinds = sent.map((s) => s.payload.event);
      expect(kinds[0]).toBe('start');
      expect(kinds).toContain('done');
      expect(sent.every((s) => s.payload.runId === runId)).toBe(true);
      const runs = await ipcMain.invoke(trusted, 'listRuns');
      expect(runs.ok && (runs.value as { runId: string; status: string }[]).find((r) => r.runId === runId)?.status).toBe('done');
    } finally {
      registration.dispose();
      jobs.dispose();
    }
  });
});

describe('the Kernel lab over IPC, computed by the real engine service', () => {
  it('answers the notebook\'s tensors to the window and refuses bad input with the canvas\'s words', async () => {
    const ipcMain = new RecordingIpcMain();
    const engine = createEngineService();
    const registration = registerIpc({
      ipcMain,
      api: createDesktopApi({
        base: createNodeApi({ runsRoot: path.join(tmp, 'lab-runs'), host: 'electron', engine }),
        dialogs: createFileDialogs({ defaultDir: tmp, showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }) }),
        document: createDocumentTracker({ requestSave: () => {}, close: () => {} }),
        exportToFolder: createExportToFolder({ runsRoot: path.join(tmp, 'lab-runs'), version: '0.1.0', defaultDir: tmp, showOpenDialog: async () => ({ canceled: true, filePaths: [] }) }),
      }),
      isTrustedSender: createSenderCheck({ origin: APP_ORIGIN, mainFrame: () => mainFrame }),
      send: () => {},
    });
    try {
      const corr = CORRELATE_SCENES[0];
      expect(await ipcMain.invoke(trusted, 'labCorrelate', { x: [corr.x], k: [[corr.k]] })).toMatchObject({ ok: true, value: { y: [[[19, 25], [37, 43]]] } });
      const multi = CHANNEL_SCENES[1];
      expect(await ipcMain.invoke(trusted, 'labCorrelate', { x: multi.x, k: multi.k })).toMatchObject({ ok: true, value: { y: [[[56, 72], [104, 120]], [[76, 100], [148, 172]], [[96, 128], [192, 224]]] } });
      expect(await ipcMain.invoke(trusted, 'labPool', POOL_SCENES.find((p) => p.id === 'max-3d'))).toMatchObject({ ok: true, value: { y: [[[13, 14], [16, 17]], [[22, 23], [25, 26]]] } });
      const conv = await ipcMain.invoke(trusted, 'labConv1x1', { x: [[[1, 2]], [[3, 4]]], k: [[1, 1]] });
      expect(conv).toMatchObject({ ok: true, value: { conv: [[[4, 6]]], matmul: [[4, 6]], absDiffSum: 0 } });
      const y = (await ipcMain.invoke(trusted, 'labCorrelate', { x: [EDGE_IMAGE], k: [[[[1, -1]]]] })) as { ok: true; value: { y: number[][][] } };
      const learned = await ipcMain.invoke(trusted, 'labLearn', { x: EDGE_IMAGE, y: y.value.y[0], kernel: [1, 2], lr: 0.03, steps: 10, seed: 0 });
      expect(learned.ok && (learned.value as { steps: { loss: number }[] }).steps[9].loss).toBeLessThan(0.05);
      const bad = await ipcMain.invoke(trusted, 'labCorrelate', { x: [[[0, 1], [2, 3]]], k: [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]] });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-lab-input', message: expect.stringContaining('kernel 3 is larger than the padded input 2 (2 + 2·0)'), details: { diagnostics: [{ code: 'nonpositive-output' }] } } });
      expect(await ipcMain.invoke({ senderFrame: null }, 'labCorrelate', { x: [corr.x], k: [[corr.k]] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(engine.starts()).toBe(1);
    } finally {
      registration.dispose();
      engine.dispose();
    }
  });

  it('says the lab is unavailable where the host runs no engine service', async () => {
    const ipcMain = new RecordingIpcMain();
    registerIpc({ ipcMain, api: createNodeApi({ runsRoot: path.join(tmp, 'runs') }), isTrustedSender: () => true, send: () => {} });
    expect(await ipcMain.invoke(trusted, 'labCorrelate', { x: [[[1]]], k: [[[[1]]]] })).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('Kernel lab') } });
  });
});
