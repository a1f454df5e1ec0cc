/**
 * How shapes and counts are written, everywhere they are shown: the canvas, the inspector, the
 * summary panel and `convstudio summary`. One module so the same number reads the same in all of
 * them. Numbers a graph can produce are not always small: a deep Concat doubling reaches
 * Infinity, and past 2^53 the digits are not exact, so those print in scientific notation
 * instead of as invented digits.
 */

/** Digits are exact up to here; beyond, only the leading ones mean anything. */
const EXACT = Number.MAX_SAFE_INTEGER;

function nonFinite(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? '∞' : '-∞';
}

/** 7.92e+28: three significant digits, for numbers whose other digits are not known. */
const scientific = (x: number): string => x.toExponential(2);

/** One dimension of a shape: 28, or ∞ / 1.68e+17 for sizes no tensor can have. */
function dim(x: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  return Math.abs(x) > EXACT ? scientific(x) : String(x);
}

/** NCHW with batch 1 → "6×28×28"; a flat [1, F] → "400". The batch axis is implied; unknown → "?". */
export function formatShape(shape: readonly number[] | null | undefined): string {
  if (!shape) return '?';
  return shape.length > 1 ? shape.slice(1).map(dim).join('×') : shape.map(dim).join('×');
}

/** The whole shape as PyTorch lists it, batch included: "[1, 6, 28, 28]"; unknown → "—". */
export function formatTorchShape(shape: readonly number[] | null | undefined): string {
  return shape ? `[${shape.map(dim).join(', ')}]` : '—';
}

/** 61706 → "61,706": every digit, grouped by thousands. */
export function formatCount(x: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  if (Math.abs(x) > EXACT) return scientific(x);
  const digits = String(Math.abs(Math.round(x))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return x < 0 && Math.round(x) !== 0 ? `-${digits}` : digits;
}

const SCALES = [
  { at: 1e3, unit: 'k', decimals: 1 },
  { at: 1e6, unit: 'M', decimals: 2 },
  { at: 1e9, unit: 'G', decimals: 2 },
  { at: 1e12, unit: 'T', decimals: 2 },
] as const;

/** Below this a count is shown whole: "2,416" is as short as "2.4 k", and exact. */
const SCALED_FROM = 1e4;

/** 2416 → "2,416", 61706 → "61.7 k", 11178378 → "11.18 M": the scale people compare networks at. */
export function formatScaled(x: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const size = Math.abs(x);
  if (size < SCALED_FROM) return formatCount(x);
  if (size >= 1e15) return scientific(x);
  const sign = x < 0 ? '-' : '';
  for (let i = SCALES.length - 1; i >= 0; i--) {
    const s = SCALES[i];
    if (size < s.at) continue;
    const text = (size / s.at).toFixed(s.decimals);
    // 999,960 rounds to "1000.0 k": that is the next unit's 1.00.
    if (Number(text) >= 1000 && i + 1 < SCALES.length) return `${sign}${(size / SCALES[i + 1].at).toFixed(SCALES[i + 1].decimals)} ${SCALES[i + 1].unit}`;
    if (Number(text) >= 1000) return scientific(x);
    return `${sign}${text} ${s.unit}`;
  }
  return formatCount(x);
}

/** "61,706 (61.7 k)": the exact count with its scale, where the scale says something. */
export function formatCountWithScale(x: number): string {
  if (!Number.isFinite(x) || Math.abs(x) > EXACT) return formatCount(x);
  return Math.abs(x) >= SCALED_FROM ? `${formatCount(x)} (${formatScaled(x)})` : formatCount(x);
}
