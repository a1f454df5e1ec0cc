// The app icons for every packaging target, from packaging/icon.svg: PNGs (Linux, and the
// window), an ICO (Windows) and an ICNS (macOS), written to out/icons/ at packaging time
// (`npm run dist` runs this), so no generated image is committed. The SVG is drawn from rounded
// rectangles only, and this script rasterises exactly those (16 samples a pixel), so the icon
// needs no image library: PNG is zlib-deflated rows, ICO and ICNS are containers of PNGs.
//
//   node scripts/icons.mjs [--out DIR]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
/** ICO holds up to 256 px; Windows picks the nearest. */
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS's PNG-bearing types by size (Apple's icns format). */
const ICNS_TYPES = [['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024]];

/** The SVG's rects, in paint order; anything else in it is refused, so the icon cannot drift from what is drawn. */
export function readShapes(svg) {
  const view = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  if (!view || view[1] !== view[2]) throw new Error('icon.svg needs a square viewBox="0 0 N N"');
  const body = svg.replace(/<!--[\s\S]*?-->/g, '').replace(/<\/?svg[^>]*>/g, '');
  const shapes = [];
  for (const el of body.match(/<[^>]+>/g) ?? []) {
    const m = /^<rect\s+x="([\d.]+)"\s+y="([\d.]+)"\s+width="([\d.]+)"\s+height="([\d.]+)"\s+rx="([\d.]+)"\s+fill="#([0-9a-f]{6})"\s*\/>$/i.exec(el);
    if (!m) throw new Error(`icon.svg: only <rect x y width height rx fill="#rrggbb"/> can be rasterised here, not ${el}`);
    const [x, y, w, h, rx] = m.slice(1, 6).map(Number);
    const hex = m[6];
    shapes.push({ x, y, w, h, rx, rgb: [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) });
  }
  return { side: Number(view[1]), shapes };
}

function inside(s, px, py) {
  if (px < s.x || py < s.y || px > s.x + s.w || py > s.y + s.h) return false;
  const cx = Math.min(Math.max(px, s.x + s.rx), s.x + s.w - s.rx);
  const cy = Math.min(Math.max(py, s.y + s.rx), s.y + s.h - s.rx);
  return (px - cx) ** 2 + (py - cy) ** 2 <= s.rx * s.rx;
}

/** RGBA pixels, size × size, transparent where no shape is. */
export function rasterise({ side, shapes }, size) {
  const N = 4;
  const px = new Uint8Array(size * size * 4);
  const scale = side / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sj = 0; sj < N; sj++) {
        for (let si = 0; si < N; si++) {
          const x = (i + (si + 0.5) / N) * scale;
          const y = (j + (sj + 0.5) / N) * scale;
          let hit = null;
          for (const s of shapes) if (inside(s, x, y)) hit = s;
          if (hit) { r += hit.rgb[0]; g += hit.rgb[1]; b += hit.rgb[2]; a += 1; }
        }
      }
      const o = (j * size + i) * 4;
      // Colour averaged over the covered samples (straight alpha), coverage as alpha.
      if (a) { px[o] = Math.round(r / a); px[o + 1] = Math.round(g / a); px[o + 2] = Math.round(b / a); }
      px[o + 3] = Math.round((255 * a) / (N * N));
    }
  }
  return px;
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit RGBA PNG. */
export function encodePng(rgba, size) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let j = 0; j < size; j++) Buffer.from(rgba.buffer, rgba.byteOffset + j * size * 4, size * 4).copy(rows, j * (size * 4 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** ICO with PNG entries (Windows Vista and later read them). */
export function encodeIco(pngs) {
  const head = Buffer.alloc(6 + 16 * pngs.length);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2); // icon
  head.writeUInt16LE(pngs.length, 4);
  let offset = head.length;
  pngs.forEach(({ size, png }, k) => {
    const e = 6 + 16 * k;
    head[e] = size >= 256 ? 0 : size; // 0 means 256
    head[e + 1] = size >= 256 ? 0 : size;
    head.writeUInt16LE(1, e + 4); // planes
    head.writeUInt16LE(32, e + 6); // bits per pixel
    head.writeUInt32LE(png.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([head, ...pngs.map((p) => p.png)]);
}

export function encodeIcns(entries) {
  const parts = entries.map(({ type, png }) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'latin1');
    h.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([h, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((a, p) => a + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

/** Writes out/icons/{png/NxN.png, icon.png, icon.ico, icon.icns}; returns the paths. */
export function writeIcons(outDir, svgFile = path.join(root, 'packaging', 'icon.svg')) {
  const shapes = readShapes(readFileSync(svgFile, 'utf8'));
  const pngs = new Map(SIZES.map((s) => [s, encodePng(rasterise(shapes, s), s)]));
  mkdirSync(path.join(outDir, 'png'), { recursive: true });
  const written = [];
  const put = (rel, bytes) => {
    writeFileSync(path.join(outDir, rel), bytes);
    written.push(path.join(outDir, rel));
  };
  for (const [s, png] of pngs) put(path.join('png', `${s}x${s}.png`), png);
  put('icon.png', pngs.get(512));
  put('icon.ico', encodeIco(ICO_SIZES.map((size) => ({ size, png: pngs.get(size) }))));
  put('icon.icns', encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: pngs.get(size) }))));
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'out', 'icons');
  const files = writeIcons(out);
  console.log(`icons: wrote ${files.length} files to ${path.relative(process.cwd(), out) || '.'}`);
}
