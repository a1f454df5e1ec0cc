/**
 * Exports asked for through the Api: browser mode's real server over its WebSocket (a zip for
 * the page to download, checked by Python's zipfile) and the desktop's exportToFolder writing
 * into a folder the (stand-in) dialog picked. Hostile requests come back as error values, and no
 * name from a request reaches the file system as a path.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportSummary, Result } from '../../../../shared/api';
import type { GraphDoc } from '../../../../shared/graph/types';
import { getTemplate } from '../../../../shared/templates/index';
import { createNodeApi } from '../../../../main/api/node-api';
import { exportNetwork, fileBytes } from '../../../../main/export/export';
import { MAX_PAGE_EXPORT_BYTES } from '../../../../main/export/request';
import { crc32 } from '../../../../main/export/zip';
import { MAX_REPLY_BYTES, startServer, type RunningServer } from '../../../../main/server/server';
import { createExportToFolder } from '../../../../main/shell/export-folder';
import { newRun } from '../engine/train-helpers';
import { PYTHON, run } from './helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cs-export-api-'));
const runsRoot = path.join(tmp, 'runs');
const lenet = getTemplate('lenet') as GraphDoc;
const { runId } = newRun(lenet, { epochs: 1, limit: 256 }, runsRoot);
const resnet = newRun(getTemplate('resnet18') as GraphDoc, { epochs: 1, limit: 256, batchSize: 32 }, runsRoot);

let server: RunningServer;
let socket: WebSocket;
let nextId = 1;

beforeAll(async () => {
  writeFileSync(path.join(tmp, 'index.html'), '<!doctype html><title>ConvStudio</title>');
  server = await startServer({ port: 0, rendererDir: tmp, api: createNodeApi({ runsRoot }), log: () => {} });
  socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { maxPayload: 256 * 1024 * 1024 });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
});

afterAll(async () => {
  socket.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function overSocket<T>(call: string, args: unknown[]): Promise<Result<T>> {
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

/** Python's own reading of the zip: every entry's CRC checked, names and sizes listed. */
async function unzipped(zipBase64: string): Promise<{ bad: string | null; entries: [string, number][] }> {
  const file = path.join(tmp, `z${nextId++}.zip`);
  writeFileSync(file, Buffer.from(zipBase64, 'base64'));
  const code = 'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps({"bad": z.testzip(), "entries": [[i.filename, i.file_size] for i in z.infolist()]}))';
  const r = await run(PYTHON, ['-c', code, file]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

type Zipped = ExportSummary & { zip: string };

describe('exportModel over browser mode\'s WebSocket', () => {
  const WELL_FORMED: [string, unknown, string, string[]][] = [
    ['the canvas to PyTorch', { format: 'pytorch', graph: lenet }, 'LeNet-pytorch', ['model.py', 'train.py', 'README.md']],
    ['the canvas to ONNX', { format: 'onnx', graph: lenet }, 'LeNet-onnx', ['model.onnx']],
    ['a run\'s initial weights to PyTorch', { format: 'pytorch', runId, epoch: 0 }, 'LeNet-pytorch', ['model.py', 'weights.safetensors', 'train.py', 'README.md']],
  ];
  it.each(WELL_FORMED)('%s: one zip of the files, in a folder named for the network', async (_what, req, folder, names) => {
    const r = await overSocket<Zipped>('exportModel', [req]);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.folder).toBe(folder);
    expect(r.value.files.map((f) => f.name)).toEqual(names);
    const z = await unzipped(r.value.zip);
    expect(z.bad).toBeNull();
    expect(z.entries).toEqual(r.value.files.map((f) => [`${folder}/${f.name}`, f.bytes]));
  });

  it('zips the same bytes the CLI writes', async () => {
    const r = await overSocket<Zipped>('exportModel', [{ format: 'onnx', graph: lenet }]);
    if (!r.ok) throw new Error(r.error.message);
    const direct = await exportNetwork({ kind: 'graph', graph: lenet, label: 'the ConvStudio canvas' }, 'onnx', { version: '0.1.0' });
    const zip = Buffer.from(r.value.zip, 'base64');
    // The local header's CRC-32 (offset 14) is that of the CLI's model.onnx.
    expect(zip.readUInt32LE(14)).toBe(crc32(fileBytes(direct.files[0])));
  });

  const HOSTILE: [string, unknown[], string, RegExp][] = [
    ['a run id that climbs out of the runs folder', [{ format: 'pytorch', runId: '../../etc' }], 'bad-request', /not a run id/],
    ['an absolute path as run id', [{ format: 'onnx', runId: '/etc' }], 'bad-request', /not a run id/],
    ['a run id with a separator', [{ format: 'onnx', runId: `${runId}/../x` }], 'bad-request', /not a run id/],
    ['a run that is not there', [{ format: 'onnx', runId: 'no-such-run' }], 'not-found', /There is no run "no-such-run"/],
    ['an epoch the run does not have', [{ format: 'pytorch', runId, epoch: 3 }], 'unknown-epoch', /no checkpoint for epoch 3\. It can export only epoch 0/],
    ['an epoch as text', [{ format: 'pytorch', runId, epoch: '1; rm -rf /' }], 'bad-request', /epoch must be a whole number/],
    ['an epoch for the canvas', [{ format: 'onnx', graph: lenet, epoch: 1 }], 'bad-request', /the canvas has none/],
    ['an unknown format', [{ format: '../model', graph: lenet }], 'bad-request', /format must be pytorch, onnx, graph/],
    ['neither a graph nor a run', [{ format: 'onnx' }], 'bad-request', /exactly one of graph/],
    ['a graph with shape errors', [{ format: 'onnx', graph: { ...lenet, edges: [] } }], 'invalid-graph', /Cannot export/],
    ['a string', ['lenet'], 'bad-request', /takes one object argument/],
  ];
  it.each(HOSTILE)('refuses %s (%$)', async (_what, args, code, message) => {
    const r = await overSocket('exportModel', args);
    expect(r).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
  });

  it('names a network called "../../evil" inside its folder: no entry leaves it', async () => {
    const r = await overSocket<Zipped>('exportModel', [{ format: 'pytorch', graph: { ...lenet, name: '../../evil' } }]);
    if (!r.ok) throw new Error(r.error.message);
    const z = await unzipped(r.value.zip);
    expect(r.value.folder).toBe('evil-pytorch');
    for (const [name] of z.entries) expect(name).toMatch(/^evil-pytorch\/[A-Za-z._]+$/);
  });

  it('fits the largest zip it sends, as base64 in a JSON reply, within the server\'s reply limit', () => {
    expect(Math.ceil(MAX_PAGE_EXPORT_BYTES / 3) * 4 + 1024 * 1024).toBeLessThanOrEqual(MAX_REPLY_BYTES);
  });

  it('sends ResNet-18 with its weights (45 MB) through the page', async () => {
    const r = await overSocket<Zipped>('exportModel', [{ format: 'pytorch', runId: resnet.runId, epoch: 0 }]);
    if (!r.ok) throw new Error(r.error.message);
    const weights = r.value.files.find((f) => f.name === 'weights.safetensors')!;
    expect(weights.bytes).toBeGreaterThan(11_000_000 * 4);
    expect((await unzipped(r.value.zip)).bad).toBeNull();
  }, 300_000);

  it('refuses a VGG export too large for the page before building it, naming the CLI command that writes it', async () => {
    const r = await overSocket('exportModel', [{ format: 'onnx', graph: getTemplate('vgg-small') }]);
    expect(r).toMatchObject({ ok: false, error: { code: 'too-large', message: expect.stringMatching(/^Its weights are \d+ MB \([\d,]+ parameters in float32\)\. That is too large to download through the page \(at most 46 MB\)\. Save the canvas and write it with the CLI: convstudio export FILE\.convstudio\.json --to onnx --out DIR$/) } });
  }, 120_000);

  it('lists the epochs a run can be exported at', async () => {
    expect(await overSocket('exportEpochs', [{ runId }])).toEqual({ ok: true, value: [0] });
    expect(await overSocket('exportEpochs', [{ runId: '..' }])).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });
});

describe('exportToFolder (the desktop): a new folder inside the one picked', () => {
  const picked = path.join(tmp, 'picked');
  let dialogs = 0;
  const exportToFolder = createExportToFolder({
    runsRoot, version: '0.1.0', defaultDir: tmp,
    showOpenDialog: async () => {
      dialogs++;
      return { canceled: false, filePaths: [picked] };
    },
  });

  it('writes LeNet-pytorch, then LeNet-pytorch-2 beside it, never into what is there', async () => {
    const first = await exportToFolder({ format: 'pytorch', graph: lenet });
    expect(first).toMatchObject({ ok: true, value: { dir: path.join(picked, 'LeNet-pytorch') } });
    writeFileSync(path.join(picked, 'LeNet-pytorch', 'notes.txt'), 'mine');
    const second = await exportToFolder({ format: 'pytorch', graph: lenet });
    expect(second).toMatchObject({ ok: true, value: { dir: path.join(picked, 'LeNet-pytorch-2') } });
    expect(readdirSync(path.join(picked, 'LeNet-pytorch')).sort()).toEqual(['README.md', 'model.py', 'notes.txt', 'train.py']);
    expect(readFileSync(path.join(picked, 'LeNet-pytorch', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('puts a hostile name\'s files inside the picked folder', async () => {
    const r = await exportToFolder({ format: 'graph', graph: { ...lenet, name: '../../../tmp/evil' } });
    expect(r).toMatchObject({ ok: true, value: { dir: picked } });
    expect(existsSync(path.join(picked, 'tmp-evil.convstudio.json'))).toBe(true);
  });

  it('reports a bad request before asking for a folder', async () => {
    const before = dialogs;
    const r = await exportToFolder({ format: 'pytorch', runId, epoch: 9 });
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-epoch' } });
    expect(dialogs).toBe(before);
  });
});
