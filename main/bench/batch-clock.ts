/** Timing read back from a run's batch events (main/bench/estimate.ts). */

/**
 * The trainer's clock per batch, from its batch events: each gives the epoch's samples so far over
 * the step time so far (samples_per_s), so the time up to batch k is samples_k / rate_k.
 */
export function batchClock(batches: { samples: number; samples_per_s: number }[]): { firstSeconds: number; firstSamples: number; steadyRate: number; totalSeconds: number } {
  let seen = 0;
  const at = batches.map((b) => { seen += b.samples; return { seen, t: seen / b.samples_per_s }; });
  const first = at[0];
  const last = at[at.length - 1];
  const steadyRate = at.length > 1 ? (last.seen - first.seen) / Math.max(last.t - first.t, 1e-9) : first.seen / first.t;
  return { firstSeconds: first.t, firstSamples: first.seen, steadyRate, totalSeconds: last.t };
}
