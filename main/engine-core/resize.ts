/**
 * Bilinear resize with torch.nn.functional.interpolate(mode='bilinear', align_corners=False,
 * antialias=False) semantics, which is what torchvision's Resize does when upsampling
 * Fashion-MNIST to 96 or 224 (antialiasing only acts when shrinking). Shrinking uses the same
 * formula without antialiasing.
 *
 * The source coordinate of output pixel i is (i + 0.5)·(in/out) − 0.5, clamped at 0; its two
 * neighbours are floor(src) and min(floor(src) + 1, in − 1).
 */

interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

function axis(inSize: number, outSize: number): Axis {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = Math.max((i + 0.5) * scale - 0.5, 0);
    const l = Math.min(Math.floor(src), inSize - 1);
    lo[i] = l;
    hi[i] = Math.min(l + 1, inSize - 1);
    frac[i] = src - l;
  }
  return { lo, hi, frac };
}

/** Resizes `count` single-channel images stored contiguously (N×H×W). */
export function resizeBilinear(src: Float32Array, count: number, inH: number, inW: number, outH: number, outW: number): Float32Array {
  if (inH === outH && inW === outW) return src;
  const ay = axis(inH, outH);
  const ax = axis(inW, outW);
  const out = new Float32Array(count * outH * outW);
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  for (let n = 0; n < count; n++) {
    const s = n * inPlane;
    const d = n * outPlane;
    for (let y = 0; y < outH; y++) {
      const r0 = s + ay.lo[y] * inW;
      const r1 = s + ay.hi[y] * inW;
      const fy = ay.frac[y];
      const row = d + y * outW;
      for (let x = 0; x < outW; x++) {
        const x0 = ax.lo[x];
        const x1 = ax.hi[x];
        const fx = ax.frac[x];
        const top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * fx;
        const bottom = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * fx;
        out[row + x] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}
