/**
 * A PNG or JPEG file → Fashion-MNIST's 28×28 input, for `convstudio predict`: decoded by small
 * pure-JS decoders (pngjs, jpeg-js: nothing native to build), then shared/image-prep.ts's
 * preprocessing, the very one the page applies to an uploaded or drawn image. Every way a file
 * can be wrong is a sentence naming the file and what to do.
 */

import { readFileSync, statSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { prepareImage, MAX_IMAGE_PIXELS, type InvertChoice, type Prepared } from '../../../shared/image-prep';

/** A phone photo is a few MB; anything far larger is not a picture meant for a 28×28 classifier. */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

export type ImageFileResult = { ok: true; value: Prepared & { width: number; height: number; format: 'PNG' | 'JPEG' } } | { ok: false; message: string };

const isPng = (b: Buffer) => b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a;
const isJpeg = (b: Buffer) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

export function readImageFile(file: string, invert: InvertChoice = 'auto'): ImageFileResult {
  let bytes: Buffer;
  try {
    const s = statSync(file);
    if (!s.isFile()) return { ok: false, message: `${file} is ${s.isDirectory() ? 'a folder' : 'not a regular file'}, not an image: name a PNG or JPEG file.` };
    if (s.size > MAX_IMAGE_BYTES) return { ok: false, message: `${file} is ${(s.size / 1048576).toFixed(1)} MB; an image is at most ${MAX_IMAGE_BYTES / 1048576} MB here. Scale it down first.` };
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, message: code === 'ENOENT' ? `${file} does not exist.` : `Cannot read ${file}: ${(err as Error).message}.` };
  }
  let raw: { width: number; height: number; data: Uint8Array };
  let format: 'PNG' | 'JPEG';
  try {
    if (isPng(bytes)) {
      format = 'PNG';
      // The header's size first: a tiny file can claim a huge image and make the decoder allocate it.
      const width = bytes.length >= 24 ? bytes.readUInt32BE(16) : 0;
      const height = bytes.length >= 24 ? bytes.readUInt32BE(20) : 0;
      if (width * height > MAX_IMAGE_PIXELS) return { ok: false, message: `${file} is a ${width}×${height} PNG; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are taken. Scale it down first.` };
      const png = PNG.sync.read(bytes);
      raw = { width: png.width, height: png.height, data: png.data };
    } else if (isJpeg(bytes)) {
      format = 'JPEG';
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
      raw = { width: img.width, height: img.height, data: img.data };
    } else {
      return { ok: false, message: `${file} is not a PNG or JPEG image (its first bytes are neither). Save it as PNG or JPEG.` };
    }
  } catch (err) {
    return { ok: false, message: `${file} could not be decoded as a ${isPng(bytes) ? 'PNG' : 'JPEG'} (${(err as Error).message}); it may be truncated or damaged.` };
  }
  const prepared = prepareImage({ width: raw.width, height: raw.height, data: raw.data, channels: 4 }, invert);
  if (!prepared.ok) return { ok: false, message: `${file}: ${prepared.message}` };
  return { ok: true, value: { ...prepared.value, width: raw.width, height: raw.height, format } };
}
