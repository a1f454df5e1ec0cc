// One dispatcher behind every transport: the same malformed call, sent over Electron IPC (the
// shell's handler table on a recording ipcMain), over browser mode's WebSocket and over its HTTP
// route to a real server, must come back as the same error value. All three serve one real
// desktop Api (createNodeApi plus the shell's dialogs, whose Electron functions are stand-ins).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../../shared/api';
import { getTemplate } from '../../../../shared/templates/index';
import { CALL_NAMES, dispatch } from '../../../../main/api/dispatch';
import { createNodeApi } from '../../../../main/api/node-api';
import { startServer, type RunningServer } from '../../../../main/server/server';
import { APP_ENTRY_URL, APP_ORIGIN } from '../../../../main/shell/app-origin';
import { createDesktopApi } from '../../../../main/shell/desktop-api';
import { createFileDialogs } from '../../../../main/shell/dialogs';
import { createDocumentTracker } from '../../../../main/shell/document-state';
import { createExportToFolder } from '../../../../main/shell/export-folder';
import { registerIpc } from '../../../../main/shell/ipc';
import { createSenderCheck } from '../../../../main/shell/sender-check';
import { RecordingIpcMain } from '../shell/recording-ipc';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-dispatch-'));
const lenet = getTemplate('lenet')!;
const frame = { url: APP_ENTRY_URL, processId: 4, routingId: 1 };

const api = {
  ...createDesktopApi({
    base: createNodeApi({ runsRoot: path.join(tmp, 'runs'), host: 'electron' }),
    dialogs: createFileDialogs({
      defaultDir: tmp,
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
    }),
    document: createDocumentTracker({ requestSave: () => {}, close: () => {} }),
    exportToFolder: createExportToFolder({ runsRoot: path.join(tmp, 'runs'), version: '0.1.0', defaultDir: tmp, showOpenDialog: async () => ({ canceled: true, filePaths: [] }) }),
  }),
  onMenuCommand: () => () => {},
};

const ipcMain = new RecordingIpcMain();
registerIpc({ ipcMain, api, isTrustedSender: createSenderCheck({ origin: APP_ORIGIN, mainFrame: () => frame }), send: () => {} });

let server: RunningServer;
let socket: WebSocket;
let nextId = 1;

beforeAll(async () => {
  writeFileSync(path.join(tmp, 'index.html'), '<!doctype html><title>ConvStudio</title>');
  server = await startServer({ port: 0, rendererDir: tmp, api, log: () => {} });
  socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
});

afterAll(async () => {
  socket.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function overSocket(call: string, args: unknown): Promise<Result<unknown>> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const reply = JSON.parse(data.toString());
      if (reply.id !== id) return;
      socket.off('message', onMessage);
      resolve(reply.result);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ type: 'call', id, call, args }));
  });
}

function overHttp(call: string, args: unknown): Promise<Result<unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: `/api/${encodeURIComponent(call)}`, method: 'POST', headers: { 'x-convstudio-token': server.token } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(args));
  });
}

const deep = (n: number): unknown => (n === 0 ? {} : { inner: deep(n - 1) });

/** [what, call, argument list, error code]; every one is JSON, so the socket can carry it unchanged. */
const MALFORMED: [string, string, unknown[], string][] = [
  ['info with an argument', 'info', [{ x: 1 }], 'bad-request'],
  ['listBackends with a string', 'listBackends', ['cpu'], 'bad-request'],
  ['listRuns with null', 'listRuns', [null], 'bad-request'],
  ['startTraining without arguments', 'startTraining', [], 'bad-request'],
  ['startTraining with a string', 'startTraining', ['lenet'], 'bad-request'],
  ['startTraining with two arguments', 'startTraining', [{ graph: lenet, config: {} }, {}], 'bad-request'],
  ['startTraining with an array', 'startTraining', [[lenet]], 'bad-request'],
  ['startTraining nested 100 deep', 'startTraining', [{ graph: deep(100) }], 'bad-request'],
  ['startTraining with a junk graph', 'startTraining', [{ graph: { format: 'nope' }, config: {} }], 'invalid-graph'],
  ['startTraining with an unknown config field', 'startTraining', [{ graph: lenet, config: { rm: '-rf' } }], 'bad-request'],
  ['stopTraining with a path as run id', 'stopTraining', [{ runId: '../../etc', mode: 'kill' }], 'bad-request'],
  ['getRun with null', 'getRun', [null], 'bad-request'],
  ['openGraphFile with a path', 'openGraphFile', ['/etc/passwd'], 'bad-request'],
  ['saveGraphFile with a non-string name', 'saveGraphFile', [{ path: null, suggestedName: 42, graph: lenet }], 'bad-request'],
  ['setDocumentState with wrong field types', 'setDocumentState', [{ dirty: 'yes', title: 1 }], 'bad-request'],
  ['exportModel with a path as run id', 'exportModel', [{ format: 'pytorch', runId: '../../etc' }], 'bad-request'],
  ['exportModel with an unknown format', 'exportModel', [{ format: 'keras', graph: lenet }], 'bad-request'],
  ['exportEpochs with null', 'exportEpochs', [null], 'bad-request'],
  ['exportToFolder with a string', 'exportToFolder', ['/tmp/out'], 'bad-request'],
];

describe('one dispatcher for IPC, WebSocket and HTTP', () => {
  for (const [what, call, args, code] of MALFORMED) {
    it(`${what}: the same ${code} error value over all three`, async () => {
      const viaIpc = await ipcMain.invoke({ senderFrame: frame }, call, ...args);
      expect(viaIpc).toMatchObject({ ok: false, error: { code } });
      if (!viaIpc.ok) expect(viaIpc.error.message.length).toBeGreaterThan(10);
      expect(await overSocket(call, args)).toEqual(viaIpc);
      expect(await overHttp(call, args)).toEqual(viaIpc);
    });
  }

  it('a well-formed call gets the same value over all three', async () => {
    const viaIpc = await ipcMain.invoke({ senderFrame: frame }, 'info');
    expect(viaIpc).toMatchObject({ ok: true, value: { host: 'electron' } });
    expect(await overSocket('info', [])).toEqual(viaIpc);
    expect(await overHttp('info', [])).toEqual(viaIpc);
  });

  const notCalls: [string, unknown][] = [['an unknown name', 'rm -rf'], ['a prototype member', '__proto__'], ['a number', 7], ['nothing', undefined]];
  for (const [what, call] of notCalls) {
    it(`refuses ${what} as the call, naming the known calls`, async () => {
      const direct = await dispatch(api, call, []);
      expect(direct).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      if (!direct.ok) expect(direct.error.message).toContain(CALL_NAMES.join(', '));
      if (typeof call === 'string') {
        expect(await overSocket(call, [])).toEqual(direct);
        expect(await overHttp(call, [])).toEqual(direct);
      }
    });
  }

  const notLists: [string, unknown][] = [['an object', { runId: 'run-1' }], ['a string', 'run-1'], ['null', null]];
  for (const [what, args] of notLists) {
    it(`refuses ${what} as the argument list over the socket and HTTP alike`, async () => {
      const viaSocket = await overSocket('getRun', args);
      expect(viaSocket).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('must be a list') } });
      expect(await overHttp('getRun', args)).toEqual(viaSocket);
      expect(await dispatch(api, 'getRun', args)).toEqual(viaSocket);
    });
  }

  it('says a desktop call is unsupported where the host lacks it (browser mode)', async () => {
    const browserApi = createNodeApi({ runsRoot: path.join(tmp, 'runs') });
    for (const [call, args] of [['openGraphFile', []], ['setDocumentState', [{ dirty: true, title: 'x' }]]] as const) {
      expect(await dispatch(browserApi, call, args)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    }
  });

  it('turns a throwing method into an internal error value', async () => {
    const throwing = { ...api, listRuns: async () => { throw new Error('disk on fire'); } };
    expect(await dispatch(throwing, 'listRuns', [])).toEqual({ ok: false, error: { code: 'internal', message: 'listRuns failed: disk on fire', details: undefined } });
  });
});
