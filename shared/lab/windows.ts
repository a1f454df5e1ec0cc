/**
 * Which input cells one output cell reads, for the lab's hover: output index o along a dimension
 * starts at o·stride in the padded input and takes `kernel` taps `dilation` apart. Indices are in
 * the unpadded input, so a tap < 0 or ≥ size lies in the padding.
 */

export function windowTaps(o: number, kernel: number, stride: number, padLo: number, dilation = 1): number[] {
  const taps: number[] = [];
  for (let t = 0; t < kernel; t++) taps.push(o * stride + t * dilation - padLo);
  return taps;
}

/** Every (row, column) a 2-D window covers, in kernel order (row-major), with its kernel tap. */
export function windowCells(
  oi: number, oj: number,
  p: { kernel: [number, number]; stride: [number, number]; padding: [number, number, number, number]; dilation?: [number, number] },
): { i: number; j: number; ki: number; kj: number }[] {
  const d = p.dilation ?? [1, 1];
  const rows = windowTaps(oi, p.kernel[0], p.stride[0], p.padding[0], d[0]);
  const cols = windowTaps(oj, p.kernel[1], p.stride[1], p.padding[2], d[1]);
  const out: { i: number; j: number; ki: number; kj: number }[] = [];
  rows.forEach((i, ki) => cols.forEach((j, kj) => out.push({ i, j, ki, kj })));
  return out;
}
