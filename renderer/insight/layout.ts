/**
 * How many channel grids go on a row and how big each is drawn. A layer's maps are small
 * (LeNet's second conv: 16 maps of 10×10; ResNet's last: 512 of 3×3, shown 64) and must be
 * scaled up by whole pixels to stay crisp, yet a row of them has to fit the column it sits in.
 */

export interface GridLayout {
  columns: number;
  rows: number;
  /** Whole-pixel scale each map is drawn at: a map of h×w takes scale·h × scale·w pixels. */
  scale: number;
  /** Width and height one tile takes on screen (the map, without the gap). */
  tileWidth: number;
  tileHeight: number;
}

export interface LayoutLimits {
  /** Width available for the whole block of tiles, in CSS pixels. */
  maxWidth: number;
  /** Space between tiles. */
  gap: number;
  /** The smallest tile side worth drawing (a 1×1 map still gets a visible square). */
  minTile: number;
  /** The largest tile side: one 28×28 map is not blown up to fill the window. */
  maxTile: number;
}

export const DEFAULT_LIMITS: LayoutLimits = { maxWidth: 560, gap: 3, minTile: 18, maxTile: 96 };

/**
 * Tiles of h×w for `count` channels: as large as fits (at most `maxTile`), as many per row as then
 * fit, but never more columns than channels. The scale is a whole number ≥ 1 so pixels stay square.
 */
export function gridLayout(count: number, h: number, w: number, limits: LayoutLimits = DEFAULT_LIMITS): GridLayout {
  const { maxWidth, gap, minTile, maxTile } = limits;
  const side = Math.max(1, h, w);
  // Fewer channels → bigger tiles: aim for a block of about ⌈√count⌉ columns (8 for 64 channels).
  const wanted = Math.max(1, Math.min(count, Math.ceil(Math.sqrt(Math.max(1, count)))));
  const fitSide = Math.floor((maxWidth - gap * (wanted - 1)) / wanted);
  const target = Math.max(minTile, Math.min(maxTile, fitSide));
  const scale = Math.max(1, Math.floor(target / side));
  const tileWidth = Math.max(1, w) * scale;
  const tileHeight = Math.max(1, h) * scale;
  const columns = Math.max(1, Math.min(Math.max(1, count), Math.floor((maxWidth + gap) / (tileWidth + gap))));
  return { columns, rows: Math.ceil(Math.max(1, count) / columns), scale, tileWidth, tileHeight };
}

/** A layer's shape as PyTorch prints it, without the batch: "16 × 10 × 10". */
export const shapeText = (shape: number[]): string => shape.join(' × ');
