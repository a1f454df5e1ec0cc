/**
 * Downloads Fashion-MNIST from its canonical location when no local copy exists.
 *
 * Each file is fetched into memory, checked (length against Content-Length, gzip integrity and
 * SHA-256 of the decompressed IDX payload), and only then written atomically into place, so an
 * interrupted or corrupted transfer never leaves a file that looks complete. The hash covers the decompressed bytes because mirrors (Debian's package, for one)
 * recompress the same data: the gzip bytes differ, the content does not.
 */

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../common/atomic';
import { FILE_NAMES, type FileKey } from './locate';

export const CANONICAL_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** SHA-256 and length of the decompressed IDX files (measured on dataset-fashion-mnist). */
export const CONTENT_SHA256: Record<FileKey, { sha256: string; bytes: number }> = {
  trainImages: { sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', bytes: 47040016 },
  trainLabels: { sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9', bytes: 60008 },
  testImages: { sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b', bytes: 7840016 },
  testLabels: { sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34', bytes: 10008 },
};

export interface DownloadProgress {
  file: string;
  index: number;
  count: number;
  received: number;
  total: number | null;
}

export interface DownloadOptions {
  dir: string;
  baseUrl?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Overrides the expected hashes (the tests serve small files). */
  expected?: Partial<Record<FileKey, { sha256: string; bytes: number }>>;
  timeoutMs?: number;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
}

function get(url: string, timeoutMs: number, redirects = 5): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { timeout: timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(get(new URL(res.headers.location, url).toString(), timeoutMs, redirects - 1));
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new DownloadError(`${url}: HTTP ${status}`));
        return;
      }
      resolve(res);
    });
    req.on('timeout', () => req.destroy(new DownloadError(`${url}: no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err) => reject(err instanceof DownloadError ? err : new DownloadError(`${url}: ${err.message}`)));
  });
}

async function fetchBody(url: string, timeoutMs: number, onChunk: (received: number, total: number | null) => void): Promise<Buffer> {
  const res = await get(url, timeoutMs);
  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader ? Number(lengthHeader) : null;
  const chunks: Buffer[] = [];
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
      onChunk(received, total);
    });
    // A server that dies mid-body ends the stream with 'aborted'/'error' or just 'end' early.
    res.on('aborted', () => reject(new DownloadError(`${url}: the connection closed after ${received} bytes`)));
    res.on('error', (err) => reject(new DownloadError(`${url}: ${err.message}`)));
    res.on('end', () => resolve());
  });
  if (total !== null && received !== total) throw new DownloadError(`${url}: received ${received} of ${total} bytes (truncated)`);
  return Buffer.concat(chunks);
}

/** Fetches the four files into `dir`; resolves with their paths or rejects naming the failure. */
export async function downloadFashionMnist(opts: DownloadOptions): Promise<Record<FileKey, string>> {
  const base = (opts.baseUrl ?? process.env.CONVSTUDIO_DATA_URL ?? CANONICAL_BASE_URL).replace(/\/?$/, '/');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  mkdirSync(opts.dir, { recursive: true });
  const entries = Object.entries(FILE_NAMES) as [FileKey, string][];
  const out: Partial<Record<FileKey, string>> = {};
  for (const [i, [key, name]] of entries.entries()) {
    const file = `${name}.gz`;
    const url = base + file;
    const body = await fetchBody(url, timeoutMs, (received, total) => opts.onProgress?.({ file, index: i, count: entries.length, received, total }));
    let content: Buffer;
    try {
      content = gunzipSync(body);
    } catch (err) {
      throw new DownloadError(`${url}: not a valid gzip file (${(err as Error).message}); the download is corrupt`);
    }
    const want = opts.expected?.[key] ?? CONTENT_SHA256[key];
    const sha = createHash('sha256').update(content).digest('hex');
    if (content.length !== want.bytes || sha !== want.sha256) {
      throw new DownloadError(`${url}: checksum mismatch (SHA-256 of the content ${sha.slice(0, 16)}…, ${content.length} bytes; expected ${want.sha256.slice(0, 16)}…, ${want.bytes} bytes); the download is corrupt and was discarded`);
    }
    const dest = path.join(opts.dir, file);
    try {
      writeFileAtomic(dest, body);
    } catch (err) {
      throw new DownloadError(`cannot write ${dest}: ${(err as Error).message}`);
    }
    out[key] = dest;
  }
  return out as Record<FileKey, string>;
}
