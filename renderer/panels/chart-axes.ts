/**
 * Tick positions and labels for the training chart. uPlot's defaults label a nearly flat loss
 * (2.3021 … 2.3029) "2.3, 2.3, 2.3" and crowd fractional epochs; here every label is as precise as
 * its step needs and no two are equal, and the epoch axis steps by 1, 2, 5, … (or quarters and
 * halves early in a run) so labels keep their distance.
 */

/** The fewest decimals that write `step` exactly (0.25 → 2, 0.5 → 1, 2 → 0). */
export function stepDecimals(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  for (let d = 0; d <= 8; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 8;
}

/** Labels for ticks `step` apart: enough decimals for the step, more only if two would still read the same. */
export function tickLabels(splits: readonly number[], step: number): string[] {
  for (let d = stepDecimals(step); d <= 8; d++) {
    const labels = splits.map((v) => (Object.is(Math.round(v * 10 ** d) / 10 ** d, -0) ? 0 : v).toFixed(d));
    if (new Set(labels).size === labels.length) return labels;
  }
  return splits.map((v) => String(v));
}

/** Steps for an axis in epochs: quarters and halves while a run is young, whole epochs after. */
export const EPOCH_STEPS = [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
/** About a label's width with room between labels ("12.25" at 11 px). */
export const MIN_TICK_GAP_PX = 56;

/** Tick positions on the epoch axis between min and max for an axis `widthPx` wide. */
export function epochSplits(min: number, max: number, widthPx: number): { splits: number[]; step: number } {
  const span = Math.max(max - min, 1e-9);
  const most = Math.max(2, Math.floor(widthPx / MIN_TICK_GAP_PX));
  const step = EPOCH_STEPS.find((s) => span / s <= most) ?? EPOCH_STEPS[EPOCH_STEPS.length - 1];
  const splits: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + 1e-9; v += step) splits.push(Math.round(v / step) * step);
  return { splits, step };
}
