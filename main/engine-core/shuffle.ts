/** Seeded shuffling, so a run (and a resumed run) sees the same sample order for the same seed. */

/** mulberry32: small, fast, and good enough to order samples. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** The epoch's order: a function of (seed, epoch) only, so resuming at epoch k replays it. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  return permutation(n, (Math.imul(seed + 1, 0x9e3779b1) ^ (epoch * 0x85ebca6b)) >>> 0);
}
