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

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * 6_631_194_624 → "6.2 GB": memory in binary multiples (as operating systems report it), one
 * decimal; whole bytes below 1 kB; scientific past petabytes.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${nonFinite(bytes)} B`;
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  let x = bytes;
  for (const unit of BYTE_UNITS) {
    x /= 1024;
    // 1023.96 rounds to "1024.0": that is the next unit's 1.0.
    if (Math.abs(x) < 1023.95) return `${x.toFixed(1)} ${unit}`;
  }
  return `${scientific(bytes)} B`;
}

/**
 * Characters that steer a terminal or reorder text instead of printing: C0 controls (ESC starts
 * "clear the screen" and "set the title"; CR overwrites a line), DEL, the C1 controls (U+009B is
 * a one-character ESC [ to some terminals) and the bidirectional overrides and isolates that
 * make text read differently from how it is stored ("Trojan Source"). Tab and newline are
 * layout, kept where a text is many lines.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, newline and tab included
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Whether `s` holds a character terminalSafe would escape (newline and tab included). */
export function hasControlCharacters(s: string): boolean {
  CONTROL_IN_LINE.lastIndex = 0;
  return CONTROL_IN_LINE.test(s);
}

/**
 * `text` with every control character written as a visible `\u001b` escape, so what a file or a
 * client put in a name, id or message prints as text and never acts on the terminal. The escape
 * is also JSON's, so a JSON line stays valid JSON meaning the same string. `line: true` escapes
 * newlines and tabs too, for a value that must stay on its line (a table cell, a title).
 */
export function terminalSafe(text: string, { line = false }: { line?: boolean } = {}): string {
  return text.replace(line ? CONTROL_IN_LINE : CONTROL_IN_TEXT, escapeChar);
}
