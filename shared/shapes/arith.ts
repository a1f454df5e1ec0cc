/**
 * Window arithmetic as small pure functions, PyTorch's semantics (torch/nn/modules/conv.py,
 * aten pooling_output_shape with ceil_mode=False). One spatial dimension at a time.
 */

/** Kernel extent once dilation spreads its taps: d·(k − 1) + 1. */
export function effectiveKernel(kernel: number, dilation = 1): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * Output length of a convolution or pooling window sliding over one dimension:
 * floor((in + padLo + padHi − d·(k − 1) − 1) / s) + 1. Not clamped: a result ≤ 0 means PyTorch
 * would refuse the layer, and the caller turns that into a diagnostic with this very number.
 */
export function windowOutSize(inSize: number, kernel: number, stride: number, padLo: number, padHi: number, dilation = 1): number {
  return Math.floor((inSize + padLo + padHi - effectiveKernel(kernel, dilation)) / stride) + 1;
}

/**
 * windowOutSize written out with its numbers, as PyTorch's docs print the formula:
 * ⌊(14 + 2·0 − 1·(5 − 1) − 1)/1⌋ + 1 = 10. The value is windowOutSize's own, so the text shown
 * beside a layer cannot disagree with the shape the engine computed.
 */
export function windowOutFormula(inSize: number, kernel: number, stride: number, padLo: number, padHi: number, dilation = 1): { text: string; value: number } {
  const value = windowOutSize(inSize, kernel, stride, padLo, padHi, dilation);
  const pad = padLo === padHi ? `2·${padLo}` : `${padLo} + ${padHi}`;
  const shown = value < 0 ? `−${-value}` : String(value);
  return { text: `⌊(${inSize} + ${pad} − ${dilation}·(${kernel} − 1) − 1)/${stride}⌋ + 1 = ${shown}`, value };
}

/**
 * Brute force for the same quantity: count the start positions of a window that fit inside the
 * padded input. Used by the tests as the independent reference for windowOutSize.
 */
export function countWindowPositions(inSize: number, kernel: number, stride: number, padLo: number, padHi: number, dilation = 1): number {
  const padded = inSize + padLo + padHi;
  const extent = effectiveKernel(kernel, dilation);
  let n = 0;
  for (let start = 0; start + extent <= padded; start += stride) n++;
  return n;
}

/**
 * PyTorch's padding="same" for one dimension: total d·(k − 1), the smaller half before
 * (top/left), the rest after (bottom/right) — torch.nn.modules.conv._ConvNd.
 */
export function samePadding(kernel: number, dilation = 1): [number, number] {
  const total = dilation * (kernel - 1);
  const lo = Math.floor(total / 2);
  return [lo, total - lo];
}

/** The smallest symmetric padding that gives at least one window position. */
export function minPaddingForOneWindow(inSize: number, kernel: number, dilation = 1): number {
  return Math.max(0, Math.ceil((effectiveKernel(kernel, dilation) - inSize) / 2));
}

/**
 * Symmetric padding that keeps the size at stride 1, when one exists (odd effective kernel).
 * null when the kernel is even: PyTorch then needs "same" (asymmetric) padding.
 */
export function keepSizePadding(kernel: number, dilation = 1): number | null {
  const total = dilation * (kernel - 1);
  return total % 2 === 0 ? total / 2 : null;
}

/**
 * AdaptiveAvgPool2d windows over one dimension: output cell i of n averages input
 * [floor(i·len/n), ceil((i + 1)·len/n)) (aten AdaptiveAveragePooling). Returns the widest window
 * and the step between window starts, for receptive-field bookkeeping.
 */
export function adaptiveWindow(len: number, n: number): { kernel: number; stride: number } {
  let widest = 0;
  // Exact for any sensible grid; past that the widest window is at most one over the ceiling.
  if (n <= 4096) {
    for (let i = 0; i < n; i++) widest = Math.max(widest, Math.ceil(((i + 1) * len) / n) - Math.floor((i * len) / n));
  } else {
    widest = Math.ceil(len / n) + 1;
  }
  return { kernel: widest, stride: Math.max(1, Math.floor(len / n)) };
}

/** Receptive field and jump after a window layer: r' = r + (k_eff − 1)·j, j' = j·s. */
export function nextReceptiveField(size: number, jump: number, kernel: number, stride: number, dilation = 1): { size: number; jump: number } {
  return { size: size + (effectiveKernel(kernel, dilation) - 1) * jump, jump: jump * stride };
}
