/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the raw little-endian data. It
 * holds nothing executable, unlike a pickled .pt, so a downloaded export is safe to load.
 */

import type { Tensor } from './layers/layer';

const ELEMENT_BYTES = { F32: 4, I64: 8 } as const;

/** The file as byte chunks: header, then each tensor's data in the order given. */
export function encodeSafetensors(tensors: [string, Tensor][], metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * ELEMENT_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The data starts 8-byte aligned; the format pads the header with spaces.
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(head.length), true);
  return [prefix, head, ...tensors.map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
}

/** Reads what encodeSafetensors writes (for tests and for re-exporting from an export). */
export function decodeSafetensors(file: Uint8Array): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, { dtype: 'F32' | 'I64'; shape: number[]; data_offsets: [number, number] }>;
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  delete header.__metadata__;
  const tensors = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header)) {
    const [s, e] = info.data_offsets;
    const bytes = file.slice(8 + n + s, 8 + n + e);
    const data = info.dtype === 'F32' ? new Float32Array(bytes.buffer) : new BigInt64Array(bytes.buffer);
    tensors.set(name, { shape: info.shape, dtype: info.dtype, data });
  }
  return { tensors, metadata };
}
