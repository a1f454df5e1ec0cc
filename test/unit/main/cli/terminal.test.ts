/**
 * Terminal injection: control characters a graph file or the command line carries (ESC [2J
 * clears the screen, ESC ] 0; sets the window title, CR and LF forge lines, U+009B is an 8-bit
 * CSI, U+202E reverses text) must reach the terminal as visible escapes, through every command
 * and both output forms, as real processes.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cs-terminal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Ran { code: number; stdout: string; stderr: string }

function cli(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', ...args], { cwd: root, maxBuffer: 1 << 26, env: { ...process.env, CONVSTUDIO_DATA_URL: 'http://127.0.0.1:9/' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const PAYLOADS: [string, string][] = [
  ['clear screen', '\x1b[2J\x1b[H'],
  ['set title', '\x1b]0;pwned\x07'],
  ['carriage return', 'ok\rforged'],
  ['newline', 'ok\nforged line'],
  ['8-bit CSI', '\u009b2J'],
  ['right-to-left override', 'abc\u202edcba'],
  ['NUL and DEL', 'a\u0000b\u007f'],
];

/** Any control character a terminal acts on (newline is the output's own layout). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function graph(opts: { id?: string; type?: string; name?: string }) {
  const id = opts.id ?? 'c1';
  return {
    format: 'convstudio.graph', version: 1, name: opts.name ?? 'net',
    nodes: [
      { id: 'input', type: 'Input', params: { channels: 1, height: 28, width: 28 } },
      { id, type: opts.type ?? 'Conv2d', params: { out_channels: 6, kernel_size: 5, padding: 2 } },
      { id: 'flat', type: 'Flatten', params: {} },
      { id: 'fc', type: 'Linear', params: { out_features: 10 } },
    ],
    edges: [{ source: 'input', target: id }, { source: id, target: 'flat' }, { source: 'flat', target: 'fc' }],
  };
}

function file(name: string, doc: unknown): string {
  const f = join(tmp, name);
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

function safe(r: Ran, where: string): void {
  expect(r.stdout, `${where}: stdout`).not.toMatch(RAW_CONTROL);
  expect(r.stderr, `${where}: stderr`).not.toMatch(RAW_CONTROL);
}

const ALL = PAYLOADS.map(([, p]) => p).join('|');

describe.concurrent('control characters never reach the terminal', () => {
  it(`in a node id, a node type and the graph name (${PAYLOADS.map(([w]) => w).join(', ')}): summary, summary --json, train`, async () => {
    const inId = file('id.json', graph({ id: `c${ALL}1` }));
    const inType = file('type.json', graph({ type: `Conv${ALL}2d` }));
    const inName = file('name.json', graph({ name: `My ${ALL} net` }));
    const runs = await Promise.all([
      cli('summary', inId), cli('summary', inType), cli('summary', inName), cli('summary', inName, '--json'),
      cli('train', inId), cli('train', inType),
    ]);
    runs.forEach((r, i) => safe(r, `run ${i}`));
    const [id, type, name, json, trainId, trainType] = runs;
    // An id or type with control characters is no identifier: refused as invalid input, saying why.
    for (const r of [id, type, trainId, trainType]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/printable|node type/);
      expect(r.stderr).toContain('\\u001b[2J');
    }
    // A name is free text: shown, escaped, on its own title line.
    expect(name.code).toBe(0);
    const title = name.stdout.split('\n')[0];
    for (const escaped of ['\\u001b[2J', '\\u001b]0;pwned\\u0007', 'ok\\u000dforged', 'ok\\u000aforged line', '\\u009b2J', 'abc\\u202edcba', 'a\\u0000b\\u007f']) {
      expect(title).toContain(escaped);
    }
    expect(name.stdout).not.toMatch(/^forged/m);
    // The JSON stays valid and carries the exact name.
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).name).toBe(`My ${ALL} net`);
  });

  it('a command name from the command line', async () => {
    const r = await cli('\x1b]0;pwned\x07\x1b[2J');
    expect(r.code).toBe(2);
    safe(r, 'unknown command');
    expect(r.stderr).toContain('unknown command "\\u001b]0;pwned\\u0007\\u001b[2J"');
  });

  it('a file name from the command line', async () => {
    const r = await cli('train', join(tmp, 'no\x1b[2Jsuch.json'));
    expect(r.code).toBe(2);
    safe(r, 'missing file');
    expect(r.stderr).toContain('no\\u001b[2Jsuch.json does not exist');
  });
});

describe('big numbers', () => {
  it('huge exact counts print every digit, their scale without digit groups inside the exponent', async () => {
    // 2^26 inputs × 2^24 outputs: 1.1e15 parameters, still exact.
    const big = file('big.json', {
      format: 'convstudio.graph', version: 1, name: 'big',
      nodes: [
        { id: 'input', type: 'Input', params: { channels: 1, height: 8192, width: 8192 } },
        { id: 'flat', type: 'Flatten', params: {} },
        { id: 'fc', type: 'Linear', params: { out_features: 16777216 } },
      ],
      edges: [{ source: 'input', target: 'flat' }, { source: 'flat', target: 'fc' }],
    });
    const r = await cli('summary', big);
    safe(r, 'big');
    expect(r.stdout).toMatch(/fc +Linear +\[1, 16777216\] +1,125,899,923,619,840 +1,125,899,906,842,624/);
    expect(r.stdout).toContain('Total params: 1,125,899,923,619,840 (1.13e+15)');
    expect(r.stdout).not.toMatch(/\d,\d{3}(\.\d+)?e\+|\d\.\d+,\d|e\+\d+,\d/);
  });
});
