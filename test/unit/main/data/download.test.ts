/** The downloader against a real HTTP server on 127.0.0.1 serving real (and broken) files. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { downloadFashionMnist, DownloadError } from '../../../../main/data/download';
import { FILE_NAMES, SYSTEM_DATA_DIR, filesIn } from '../../../../main/data/locate';
import { encodeIdx } from '../../../../main/data/idx';

type Mode = 'real' | 'truncated' | 'corrupted' | 'missing';
let mode: Mode = 'real';

// The failure cases serve small synthetic files (fast), checked against their own hashes.
const SMALL: Record<string, Buffer> = {};
const SMALL_EXPECTED: Record<string, { sha256: string; bytes: number }> = {};
for (const [key, name] of Object.entries(FILE_NAMES)) {
  const content = Buffer.from(encodeIdx(name.includes('images') ? [4, 28, 28] : [4], new Uint8Array(name.includes('images') ? 4 * 784 : 4).map((_, i) => (i * 7) % 10)));
  SMALL[`${name}.gz`] = gzipSync(content);
  SMALL_EXPECTED[key] = { sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length };
}
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    const file = path.join(SYSTEM_DATA_DIR, name);
    if (mode === 'missing' || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = mode === 'real' ? readFileSync(file) : SMALL[name];
    if (mode === 'truncated' && name.startsWith('t10k-images')) {
      // Promise the whole file, send a third of it, then drop the connection.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, Math.floor(body.length / 3)), () => res.destroy());
      return;
    }
    if (mode === 'corrupted' && name.startsWith('train-labels')) {
      const content = Buffer.from(gunzipSync(body));
      content[content.length - 1] ^= 0xff;
      const bad = gzipSync(content);
      res.writeHead(200, { 'content-length': bad.length }).end(bad);
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cs-dl-'));

describe('downloading Fashion-MNIST', () => {
  it('fetches the four real files, verifies them against the recorded SHA-256, reports progress', async () => {
    mode = 'real';
    const dir = tmp();
    const seen = new Set<string>();
    let lastReceived = 0;
    const files = await downloadFashionMnist({ dir, baseUrl: base, onProgress: (p) => { seen.add(p.file); lastReceived = p.received; } });
    expect(seen.size).toBe(4);
    expect(lastReceived).toBeGreaterThan(0);
    expect(filesIn(dir)).toEqual(files);
    for (const n of Object.values(FILE_NAMES)) {
      const a = createHash('sha256').update(readFileSync(path.join(dir, `${n}.gz`))).digest('hex');
      const b = createHash('sha256').update(readFileSync(path.join(SYSTEM_DATA_DIR, `${n}.gz`))).digest('hex');
      expect(a).toBe(b);
    }
    expect(readdirSync(dir).filter((f) => !f.endsWith('.gz'))).toEqual([]);
  });

  it('a truncated response is an error and leaves no file behind', async () => {
    mode = 'truncated';
    const dir = tmp();
    await expect(downloadFashionMnist({ dir, baseUrl: base, expected: SMALL_EXPECTED })).rejects.toThrow(/t10k-images.*(closed|truncated|received)/);
    expect(existsSync(path.join(dir, 't10k-images-idx3-ubyte.gz'))).toBe(false);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.gz'))).toEqual([]);
  });

  it('a corrupted file fails the checksum and is discarded', async () => {
    mode = 'corrupted';
    const dir = tmp();
    const err = await downloadFashionMnist({ dir, baseUrl: base, expected: SMALL_EXPECTED }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(String((err as Error).message)).toMatch(/train-labels.*checksum mismatch/);
    expect(existsSync(path.join(dir, 'train-labels-idx1-ubyte.gz'))).toBe(false);
    // the file before it verified and stays
    expect(existsSync(path.join(dir, 'train-images-idx3-ubyte.gz'))).toBe(true);
  });

  it('a missing file (HTTP 404) and an unreachable server are clear errors', async () => {
    mode = 'missing';
    await expect(downloadFashionMnist({ dir: tmp(), baseUrl: base })).rejects.toThrow(/HTTP 404/);
    await expect(downloadFashionMnist({ dir: tmp(), baseUrl: 'http://127.0.0.1:9/' })).rejects.toThrow(/127\.0\.0\.1:9/);
  });
});
