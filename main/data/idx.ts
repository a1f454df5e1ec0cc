/**
 * IDX files (the MNIST family's format): a big-endian header [0, 0, type, ndims, dims...] and
 * the raw values. Only unsigned bytes (type 0x08) occur in Fashion-MNIST. Accepts the file
 * gzip-compressed or raw, and refuses anything whose header and length disagree, so that a
 * truncated download never trains on garbage.
 */

import { gunzipSync } from 'node:zlib';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export class IdxError extends Error {
  override name = 'IdxError';
}

const UBYTE = 0x08;

/**
 * The most an IDX file may hold once unzipped: the largest Fashion-MNIST file is 47 MB (60,000
 * images of 28×28), so anything past this is not one of them, and a small gzip file that unzips to
 * gigabytes (a "zip bomb", or the wrong file in the data folder) is refused before it is held.
 */
export const MAX_IDX_BYTES = 64 * 1024 * 1024;

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

export function parseIdx(input: Uint8Array, name = 'IDX file'): IdxArray {
  let buf = input;
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: MAX_IDX_BYTES });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new IdxError(`${name} unzips to more than ${MAX_IDX_BYTES / 1024 / 1024} MB, far more than any Fashion-MNIST file; it is not one of them — delete it and fetch the files again`);
      }
      throw new IdxError(`${name} is not a valid gzip file (${(err as Error).message}); it is probably truncated or corrupt — delete it and fetch it again`);
    }
  }
  if (buf.length < 4) throw new IdxError(`${name} is too short (${buf.length} bytes) to be an IDX file`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new IdxError(`${name} is not an IDX file (bad magic number 0x${Buffer.from(buf.subarray(0, 4)).toString('hex')})`);
  if (buf[2] !== UBYTE) throw new IdxError(`${name} holds data of type 0x${buf[2].toString(16)}; only unsigned bytes (0x08) are supported`);
  const ndims = buf[3];
  if (ndims < 1 || ndims > 4) throw new IdxError(`${name} claims ${ndims} dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) throw new IdxError(`${name} is truncated inside its header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = buf.length - headerBytes;
  if (actual !== expected) {
    throw new IdxError(
      `${name}: the header says ${dims.join('×')} = ${expected} values but the file holds ${actual}; it is ${actual < expected ? 'truncated' : 'corrupt'} — delete it and fetch it again`,
    );
  }
  return { dims, data: buf.subarray(headerBytes) };
}

export function readIdxFile(file: string): IdxArray {
  let buf: Buffer;
  try {
    // A folder or a FIFO under a data file's name would throw EISDIR or block the read forever.
    const st = statSync(file);
    if (!st.isFile()) throw new IdxError(`${file} is not a regular file — replace it with the downloaded file`);
    if (st.size > MAX_IDX_BYTES) throw new IdxError(`${file} holds ${st.size} bytes, more than any Fashion-MNIST file; it is not one of them — delete it and fetch the files again`);
    buf = readFileSync(file);
  } catch (err) {
    if (err instanceof IdxError) throw err;
    throw new IdxError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseIdx(buf, path.basename(file));
}

/** Builds an IDX file; used by the tests and fixtures to make small, valid (or broken) files. */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
