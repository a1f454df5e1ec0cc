/**
 * The kernel PyTorch's LazyConv2d starts from under torch.manual_seed(seed), so the lab's "learn
 * a kernel" runs the notebook's very numbers. PyTorch's CPU generator is MT19937 seeded with the
 * seed; uniform_ turns each 32-bit draw into (draw & (2^24 − 1)) / 2^24 for float32 and scales it
 * to [−b, b); Conv2d.reset_parameters draws the weight with kaiming_uniform_(a=√5), whose bound
 * is 1/√fan_in. Checked against PyTorch 1.13 (test/fixtures/lab/torch_lab.json).
 */

const N = 624;
const M = 397;

/** MT19937 (Matsumoto & Nishimura), the 32-bit generator std::mt19937 and PyTorch's CPU generator use. */
export function mt19937(seed: number): () => number {
  const mt = new Uint32Array(N);
  mt[0] = seed >>> 0;
  for (let i = 1; i < N; i++) {
    const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
    // 1812433253 · prev + i in 32 bits, split so the product stays exact in doubles.
    mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
  }
  let index = N;
  const twist = () => {
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    index = 0;
  };
  return () => {
    if (index >= N) twist();
    let y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
}

/** torch.manual_seed(seed); nn.LazyConv2d(1, (kh, kw), bias=False) on one input channel: its weight, [kh][kw]. */
export function torchConvInit(seed: number, kh: number, kw: number): number[][] {
  const next = mt19937(seed);
  const bound = 1 / Math.sqrt(kh * kw);
  const f32 = new Float32Array(1);
  return Array.from({ length: kh }, () =>
    Array.from({ length: kw }, () => {
      const u = (next() & 0xffffff) / 0x1000000;
      f32[0] = u * (2 * bound) - bound;
      return f32[0];
    }),
  );
}
