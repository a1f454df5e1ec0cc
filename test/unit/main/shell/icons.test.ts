// The app icons scripts/icons.mjs makes from packaging/icon.svg, read back as an OS would: every
// PNG's chunks and CRCs, its size, and its pixels where the SVG puts a colour; the ICO's and the
// ICNS's directories pointing at whole PNGs of the sizes they claim; and electron-builder.yml
// naming exactly these files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, typed by its use here
import { SIZES, readShapes, writeIcons } from '../../../../scripts/icons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const require = createRequire(import.meta.url);
const yaml = require(require.resolve('js-yaml', { paths: [path.dirname(require.resolve('app-builder-lib/package.json'))] })) as { load(text: string): unknown };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convstudio-icons-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG decoded far enough to read RGBA pixels (8-bit RGBA, filter 0 rows, as written). */
function decodePng(bytes: Buffer): { size: number; pixel(x: number, y: number): number[] } {
  expect(bytes.subarray(0, 8).equals(SIGNATURE)).toBe(true);
  let at = 8;
  let size = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (at < bytes.length) {
    const len = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + len);
    expect(bytes.readUInt32BE(at + 8 + len), `${type} CRC`).toBe(crc32(bytes.subarray(at + 4, at + 8 + len)));
    types.push(type);
    if (type === 'IHDR') {
      size = data.readUInt32BE(0);
      expect(data.readUInt32BE(4)).toBe(size);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types[types.length - 1]).toBe('IEND');
  const rows = inflateSync(Buffer.concat(idat));
  expect(rows.length).toBe(size * (size * 4 + 1));
  return { size, pixel: (x, y) => [...rows.subarray(y * (size * 4 + 1) + 1 + x * 4, y * (size * 4 + 1) + 1 + x * 4 + 4)] };
}

const hex = (rgb: number[]) => `#${rgb.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('')}`;

describe('app icons', { timeout: 120_000 }, () => {
  let files: string[] = [];
  const svg = readFileSync(path.join(root, 'packaging/icon.svg'), 'utf8');
  beforeAll(() => { files = writeIcons(tmp); });

  it.each((SIZES as number[]).map((s) => [s]))('%i px PNG: valid, that size, the SVG\'s colours where it draws them and transparent outside', (size) => {
    const png = decodePng(readFileSync(path.join(tmp, 'png', `${size}x${size}.png`)));
    expect(png.size).toBe(size);
    expect(png.pixel(0, 0)[3]).toBe(0);
    if (size < 64) return; // smaller ones blur the cells into each other, as any icon does
    const at = (x: number, y: number) => png.pixel(Math.floor((x / 1024) * size), Math.floor((y / 1024) * size));
    expect(hex(at(512, 100))).toBe('#1e293b'); // the background square
    expect(hex(at(426, 598))).toBe('#f8fafc'); // the kernel's centre cell
    expect(hex(at(292, 464))).toBe('#0f172a'); // a kernel cell
    expect(hex(at(820, 200))).toBe('#f472b6'); // the back feature map
    expect(at(426, 598)[3]).toBe(255);
  });

  it('ICO: a directory of 7 sizes up to 256, each pointing at a whole PNG of that size', () => {
    const ico = readFileSync(path.join(tmp, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const n = ico.readUInt16LE(4);
    const sizes = Array.from({ length: n }, (_, k) => {
      const e = 6 + 16 * k;
      const len = ico.readUInt32LE(e + 8);
      const off = ico.readUInt32LE(e + 12);
      const png = decodePng(ico.subarray(off, off + len));
      expect(png.size).toBe(ico[e] || 256);
      return png.size;
    });
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('ICNS: its length and its entries\' lengths add up, with PNGs of the sizes their types mean', () => {
    const icns = readFileSync(path.join(tmp, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const found: [string, number][] = [];
    for (let at = 8; at < icns.length;) {
      const len = icns.readUInt32BE(at + 4);
      found.push([icns.toString('latin1', at, at + 4), decodePng(icns.subarray(at + 8, at + len)).size]);
      at += len;
    }
    expect(found).toEqual([['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024]]);
  });

  it('electron-builder.yml names these files for Linux, macOS and Windows', () => {
    const cfg = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<'linux' | 'mac' | 'win', { icon: string }>;
    const inTmp = (p: string) => path.join(tmp, path.relative('out/icons', p));
    expect(files).toContain(inTmp(cfg.mac.icon));
    expect(files).toContain(inTmp(cfg.win.icon));
    for (const s of SIZES as number[]) expect(files).toContain(path.join(inTmp(cfg.linux.icon), `${s}x${s}.png`));
  });

  it('the SVG is the source: a shape the rasteriser cannot draw is refused, not dropped', () => {
    expect(readShapes(svg).shapes.length).toBeGreaterThan(5);
    expect(() => readShapes(svg.replace('</svg>', '<circle cx="5" cy="5" r="3" fill="#ffffff"/></svg>'))).toThrow(/only <rect .*not <circle/);
  });
});
