import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTextFile, readTextFileSync, type ReadLimits } from '../../../../main/common/read-file';

const tmp = mkdtempSync(join(tmpdir(), 'cs-read-file-'));
const limits: ReadLimits = { maxBytes: 1000, what: 'a test file' };
const at = (name: string) => join(tmp, name);

writeFileSync(at('small.json'), '{"ok": true}');
writeFileSync(at('empty.json'), '');
writeFileSync(at('exact.json'), 'x'.repeat(1000));
writeFileSync(at('over.json'), 'x'.repeat(1001));
writeFileSync(at('utf8.json'), '"Fashion – ü"');
mkdirSync(at('folder'));
execFileSync('mkfifo', [at('fifo')]);

let socketServer: net.Server;
beforeAll(() => new Promise<void>((resolve) => { socketServer = net.createServer().listen(at('socket'), resolve); }));
afterAll(() => {
  socketServer.close();
  rmSync(tmp, { recursive: true, force: true });
});

const CASES: [string, string, { text: string } | { code: string; message: RegExp }][] = [
  ['a small file', at('small.json'), { text: '{"ok": true}' }],
  ['an empty file', at('empty.json'), { text: '' }],
  ['a file exactly at the limit', at('exact.json'), { text: 'x'.repeat(1000) }],
  ['UTF-8 text', at('utf8.json'), { text: '"Fashion – ü"' }],
  ['a file one byte over', at('over.json'), { code: 'too-large', message: /over\.json is 1\.0 kB; a test file is at most 0\.98 kB/ }],
  ['a folder', at('folder'), { code: 'not-a-file', message: /folder is a folder, not a test file: name a regular file\./ }],
  ['a FIFO', at('fifo'), { code: 'not-a-file', message: /fifo is a named pipe \(FIFO\)/ }],
  ['a socket', at('socket'), { code: 'not-a-file', message: /socket is a socket/ }],
  ['/dev/zero', '/dev/zero', { code: 'not-a-file', message: /\/dev\/zero is a device/ }],
  ['a missing file', at('missing.json'), { code: 'not-found', message: /missing\.json does not exist\.$/ }],
  ['a path through a file', join(at('small.json'), 'inner.json'), { code: 'not-found', message: /a part of the path is a file/ }],
];

describe.each([
  ['readTextFileSync', async (f: string) => readTextFileSync(f, limits)],
  ['readTextFile', (f: string) => readTextFile(f, limits)],
])('%s', (_name, read) => {
  it.each(CASES)('%s', async (_what, file, want) => {
    const r = await read(file);
    if ('text' in want) expect(r).toEqual({ ok: true, text: want.text });
    else {
      expect(r).toMatchObject({ ok: false, code: want.code });
      expect(!r.ok && r.message).toMatch(want.message);
    }
  });
});
