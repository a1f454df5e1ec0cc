/**
 * Bytes on a canvas, pixel for pixel: an image, a heat map over it, or a layer's channel maps
 * as a block of tiles. Scaling is by whole pixels with smoothing off, so a 5×5 filter shows its
 * 25 weights as 25 squares, not a blur.
 */

import { useEffect, useRef } from 'react';
import { overlayHeat, toRgba, type ColorMap } from './colormap';
import { gridLayout, type LayoutLimits, DEFAULT_LIMITS } from './layout';

/** Writes `rgba` (w×h) into `ctx` at (x, y), each pixel as a scale×scale square. */
function blit(ctx: CanvasRenderingContext2D, rgba: Uint8ClampedArray<ArrayBuffer>, w: number, h: number, x: number, y: number, scale: number): void {
  const img = new ImageData(w * scale, h * scale);
  for (let r = 0; r < h * scale; r++) {
    const sr = Math.floor(r / scale);
    for (let c = 0; c < w * scale; c++) {
      const s = (sr * w + Math.floor(c / scale)) * 4;
      const d = (r * w * scale + c) * 4;
      img.data[d] = rgba[s];
      img.data[d + 1] = rgba[s + 1];
      img.data[d + 2] = rgba[s + 2];
      img.data[d + 3] = rgba[s + 3];
    }
  }
  ctx.putImageData(img, x, y);
}

export interface ImageProps {
  bytes: Uint8Array;
  width: number;
  height: number;
  scale: number;
  map?: ColorMap;
  /** Grad-CAM: a heat map of the same size laid over the image. */
  heat?: Uint8Array | null;
  testId?: string;
  title?: string;
  className?: string;
}

/** One picture: a Fashion-MNIST image, a filter, a heat map over an image. */
export function PixelImage({ bytes, width, height, scale, map = 'gray', heat, testId, title, className }: ImageProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    blit(ctx, heat ? overlayHeat(bytes, heat) : toRgba(bytes, map, 0, width * height), width, height, 0, 0, scale);
  }, [bytes, width, height, scale, map, heat]);
  return <canvas ref={ref} width={width * scale} height={height * scale} data-testid={testId} title={title} className={`pixels ${className ?? ''}`} />;
}

export interface TilesProps {
  /** `count` maps of h×w, one after the other. */
  bytes: Uint8Array;
  count: number;
  h: number;
  w: number;
  map: ColorMap;
  limits?: Partial<LayoutLimits>;
  testId?: string;
  /** The tooltip of the tile under the pointer (channel index → text). */
  describe?(channel: number): string;
}

/**
 * A layer's channels as one canvas of tiles, `data-tiles` saying how many were drawn (the tests
 * compare it with the layer's shape, as a student would count them).
 */
export function Tiles({ bytes, count, h, w, map, limits, testId, describe }: TilesProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const all = { ...DEFAULT_LIMITS, ...limits };
  const g = gridLayout(count, h, w, all);
  const width = g.columns * g.tileWidth + (g.columns - 1) * all.gap;
  const height = g.rows * g.tileHeight + (g.rows - 1) * all.gap;
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    for (let c = 0; c < count && (c + 1) * h * w <= bytes.length; c++) {
      const col = c % g.columns;
      const row = Math.floor(c / g.columns);
      blit(ctx, toRgba(bytes, map, c * h * w, h * w), w, h, col * (g.tileWidth + all.gap), row * (g.tileHeight + all.gap), g.scale);
      drawn++;
    }
    canvas.dataset.tiles = String(drawn);
  }, [bytes, count, h, w, map, g.columns, g.tileWidth, g.tileHeight, g.scale, all.gap]);
  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!describe) return;
    const r = e.currentTarget.getBoundingClientRect();
    const col = Math.floor((e.clientX - r.left) / (g.tileWidth + all.gap));
    const row = Math.floor((e.clientY - r.top) / (g.tileHeight + all.gap));
    const c = row * g.columns + col;
    e.currentTarget.title = c >= 0 && c < count && col < g.columns ? describe(c) : '';
  };
  return <canvas ref={ref} width={Math.max(1, width)} height={Math.max(1, height)} data-testid={testId} data-columns={g.columns} className="pixels tiles" onMouseMove={onMove} />;
}
