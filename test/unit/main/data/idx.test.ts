import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_IDX_BYTES, encodeIdx, parseIdx, readIdxFile } from '../../../../main/data/idx';
import { loadFromFiles, DataError } from '../../../../main/data/fashion-mnist';
import { filesIn, SYSTEM_DATA_DIR } from '../../../../main/data/locate';

const images = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).map((_, i) => i % 256));
const labels = (n: number, v = 3) => encodeIdx([n], new Uint8Array(n).fill(v));

describe('IDX reader', () => {
  it('reads the real Fashion-MNIST test labels (gz) with their header', () => {
    const a = readIdxFile(path.join(SYSTEM_DATA_DIR, 't10k-labels-idx1-ubyte.gz'));
    expect(a.dims).toEqual([10000]);
    expect(Array.from(a.data.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });

  it('reads raw and gzip files alike', () => {
    const raw = images(2);
    expect(parseIdx(raw).dims).toEqual([2, 28, 28]);
    expect(Array.from(parseIdx(gzipSync(raw)).data)).toEqual(Array.from(parseIdx(raw).data));
  });

  it.each([
    ['a truncated body', images(3).subarray(0, 16 + 784 * 2 + 5), /truncated/],
    ['a truncated header', images(3).subarray(0, 10), /truncated inside its header/],
    ['extra bytes', new Uint8Array([...images(1), 1, 2]), /corrupt/],
    ['a wrong magic number', new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]), /not an IDX file/],
    ['a wrong data type', new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), /only unsigned bytes/],
    ['a broken gzip stream', gzipSync(images(2)).subarray(0, 300), /not a valid gzip file/],
    ['a tiny file', new Uint8Array([0, 0]), /too short/],
  ] as const)('refuses %s with a clear message', (_t, bytes, msg) => {
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(msg);
  });

  it('refuses a small gzip file that unzips to more than any Fashion-MNIST file, without unzipping it all', () => {
    // 100 MB of zeros behind a valid header: ~100 KB zipped.
    const bomb = gzipSync(new Uint8Array(100 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(MAX_IDX_BYTES / 100);
    expect(() => parseIdx(bomb, 'train-images-idx3-ubyte.gz')).toThrow(/^train-images-idx3-ubyte\.gz unzips to more than 64 MB, far more than any Fashion-MNIST file; it is not one of them — delete it and fetch the files again$/);
    // The real training images (47 MB unzipped) are under the limit.
    expect(readIdxFile(path.join(SYSTEM_DATA_DIR, 'train-images-idx3-ubyte.gz')).dims).toEqual([60000, 28, 28]);
  });

  it.each([
    ['a folder', (f: string) => mkdirSync(f), /is not a regular file/],
    // Reading a FIFO would block until something writes to it: forever.
    ['a FIFO', (f: string) => { expect(spawnSync('mkfifo', [f]).status).toBe(0); }, /is not a regular file/],
  ] as const)('refuses %s under a data file\'s name instead of failing obscurely or hanging', (_t, make, msg) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cs-idx-')), 'train-images-idx3-ubyte');
    make(file);
    expect(() => readIdxFile(file)).toThrow(msg);
  });

  it('checks that images and labels agree, and that labels are classes 0–9', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-idx-'));
    const write = (name: string, bytes: Uint8Array) => writeFileSync(path.join(dir, name), bytes);
    write('train-images-idx3-ubyte', images(4));
    write('train-labels-idx1-ubyte', labels(3));
    write('t10k-images-idx3-ubyte', images(2));
    write('t10k-labels-idx1-ubyte', labels(2));
    expect(() => loadFromFiles(filesIn(dir)!, dir)).toThrow(/4 images but 3 labels/);
    write('train-labels-idx1-ubyte', labels(4, 12));
    expect(() => loadFromFiles(filesIn(dir)!, dir)).toThrow(DataError);
    expect(() => loadFromFiles(filesIn(dir)!, dir)).toThrow(/label 12 .* not a class/);
    write('train-labels-idx1-ubyte', labels(4));
    const d = loadFromFiles(filesIn(dir)!, dir);
    expect([d.train.count, d.test.count, d.train.height, d.train.width]).toEqual([4, 2, 28, 28]);
  });
});
