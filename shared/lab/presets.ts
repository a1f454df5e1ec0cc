/**
 * The Kernel lab's starting points: the notebook's own tensors (d2l 7.2–7.5 and the student's
 * exercises), a few classic kernels, and the scenes that put them together so every tensor the
 * notebook prints is one click away. Pure data; the page offers them, the tests walk them.
 */

import type { IntOrPair } from '../graph/types';
import { mt19937 } from './torch-init';
import type { Grid, IntOrTriple, PoolMode } from './types';

export const grid = (h: number, w: number, f: (i: number, j: number) => number): Grid =>
  Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => f(i, j)));

export const transpose = (g: Grid): Grid => grid(g[0].length, g.length, (i, j) => g[j][i]);
const plus = (g: Grid, d: number): Grid => g.map((r) => r.map((v) => v + d));

/** Standard normal draws, seeded (Box–Muller on MT19937): the notebook's torch.normal stand-in. */
export function normalGrid(seed: number, h: number, w: number): Grid {
  const next = mt19937(seed);
  const u = () => (next() + 0.5) / 4294967296;
  return grid(h, w, () => Number((Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())).toFixed(3)));
}

export interface InputPreset {
  id: string;
  label: string;
  /** Where it comes from, for the tooltip. */
  about: string;
  x: Grid;
}

export const X_3x3: Grid = grid(3, 3, (i, j) => i * 3 + j);
export const X_4x4: Grid = grid(4, 4, (i, j) => i * 4 + j);
/** d2l 7.2.3: X = torch.ones((6, 8)); X[:, 2:6] = 0. */
export const EDGE_IMAGE: Grid = grid(6, 8, (_i, j) => (j >= 2 && j < 6 ? 0 : 1));
/** The student's exercise: X2 = torch.ones((6, 8)); X2[2:4, :] = 0. */
export const STRIPE_IMAGE: Grid = grid(6, 8, (i) => (i >= 2 && i < 4 ? 0 : 1));
export const DIAGONAL_IMAGE: Grid = grid(8, 8, (i, j) => (i === j ? 1 : 0));

export const INPUT_PRESETS: InputPreset[] = [
  { id: 'd2l-3x3', label: '3×3: 0 … 8', about: 'd2l 7.2.1: X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]', x: X_3x3 },
  { id: 'edge', label: '6×8 vertical edges', about: 'd2l 7.2.3: a 6×8 image of ones with columns 2–5 black (0)', x: EDGE_IMAGE },
  { id: 'edge-t', label: '8×6 transposed edges', about: "d2l 7.2.3: X.t(), the edge image's transpose", x: transpose(EDGE_IMAGE) },
  { id: 'stripes', label: '6×8 horizontal stripe', about: 'The exercise: a 6×8 image of ones with rows 2–3 black (0)', x: STRIPE_IMAGE },
  { id: 'diagonal', label: '8×8 diagonal', about: 'A diagonal line of ones on zeros: which edge kernels see it?', x: DIAGONAL_IMAGE },
  { id: 'arange-4x4', label: '4×4: 0 … 15', about: 'd2l 7.5.2: torch.arange(16).reshape(4, 4)', x: X_4x4 },
  { id: 'checker', label: '6×6 checkerboard', about: 'Alternating 0 and 1', x: grid(6, 6, (i, j) => (i + j) % 2) },
  { id: 'zeros', label: '6×6 blank', about: 'Zeros, to paint on', x: grid(6, 6, () => 0) },
];

export interface KernelPreset {
  id: string;
  label: string;
  about: string;
  k: Grid;
}

export const KERNEL_PRESETS: KernelPreset[] = [
  { id: 'd2l-2x2', label: '2×2: 0 … 3', about: 'd2l 7.2.1: K = [[0, 1], [2, 3]]', k: [[0, 1], [2, 3]] },
  { id: 'edge', label: 'edge [1, −1]', about: 'd2l 7.2.3: 1 where a column differs from the next (vertical edges)', k: [[1, -1]] },
  { id: 'edge-t', label: 'edge transposed [[1], [−1]]', about: 'The exercise: 1 where a row differs from the next (horizontal edges)', k: [[1], [-1]] },
  { id: 'blur', label: 'blur 3×3 (mean)', about: 'Each output is the mean of its 3×3 window', k: grid(3, 3, () => 1 / 9) },
  { id: 'laplacian', label: 'Laplacian (2nd derivative)', about: 'd2l 7.2 exercise: the discrete second derivative; 0 on flat and linear ramps', k: [[0, 1, 0], [1, -4, 1], [0, 1, 0]] },
  { id: 'sobel-x', label: 'Sobel x (vertical edges)', about: 'A smoothed horizontal derivative', k: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] },
  { id: 'sobel-y', label: 'Sobel y (horizontal edges)', about: 'A smoothed vertical derivative', k: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]] },
  { id: 'diagonal', label: 'diagonal [[1, 0], [0, −1]]', about: 'Responds to changes along the diagonal', k: [[1, 0], [0, -1]] },
];

export const inputPreset = (id: string): InputPreset | undefined => INPUT_PRESETS.find((p) => p.id === id);
export const kernelPreset = (id: string): KernelPreset | undefined => KERNEL_PRESETS.find((p) => p.id === id);

/** One cross-correlation as the notebook sets it up. */
export interface CorrelateScene {
  id: string;
  label: string;
  about: string;
  x: Grid;
  k: Grid;
  stride?: IntOrPair;
  padding?: IntOrPair;
  dilation?: IntOrPair;
}

/** An 8×8 input for the shape exercises of d2l 7.3 (the notebook uses torch.rand; only shapes print). */
const X_8x8 = grid(8, 8, (i, j) => ((i * 8 + j) * 37) % 10);

export const CORRELATE_SCENES: CorrelateScene[] = [
  { id: 'corr2d', label: 'corr2d(X, K)', about: 'd2l 7.2.1 → [[19, 25], [37, 43]]', x: X_3x3, k: [[0, 1], [2, 3]] },
  { id: 'edges', label: 'Vertical edges', about: 'd2l 7.2.3: the edge image with [1, −1] → 1 and −1 columns', x: EDGE_IMAGE, k: [[1, -1]] },
  { id: 'edges-t', label: 'corr2d(X.t(), K)', about: 'd2l 7.2.3: the transposed image with the same kernel → all zeros', x: transpose(EDGE_IMAGE), k: [[1, -1]] },
  { id: 'horizontal', label: 'Horizontal edges', about: 'The exercise: the stripe image with [[1], [−1]]', x: STRIPE_IMAGE, k: [[1], [-1]] },
  { id: 'pad-3', label: '7.3: k3, p1', about: 'd2l 7.3.1: kernel 3, padding 1 keeps 8×8', x: X_8x8, k: grid(3, 3, () => 1), padding: 1 },
  { id: 'pad-5x3', label: '7.3: k(5, 3), p(2, 1)', about: 'd2l 7.3.1: kernel (5, 3), padding (2, 1) keeps 8×8', x: X_8x8, k: grid(5, 3, () => 1), padding: [2, 1] },
  { id: 'stride-2', label: '7.3: k3, p1, s2', about: 'd2l 7.3.2: stride 2 halves 8×8 to 4×4', x: X_8x8, k: grid(3, 3, () => 1), padding: 1, stride: 2 },
  { id: 'stride-3x4', label: '7.3: k(3, 5), p(0, 1), s(3, 4)', about: 'd2l 7.3.2 → 2×2', x: X_8x8, k: grid(3, 5, () => 1), padding: [0, 1], stride: [3, 4] },
];

export const MULTI_X: Grid[] = [X_3x3, plus(X_3x3, 1)];
export const MULTI_K: Grid[] = [[[0, 1], [2, 3]], [[1, 2], [3, 4]]];

export interface ChannelScene {
  id: string;
  label: string;
  about: string;
  x: Grid[];
  /** [C_out][C_in][kh][kw] */
  k: Grid[][];
}

export const CHANNEL_SCENES: ChannelScene[] = [
  { id: 'multi-in', label: 'corr2d_multi_in', about: 'd2l 7.4.1: two input channels, summed → [[56, 72], [104, 120]]', x: MULTI_X, k: [MULTI_K] },
  { id: 'multi-in-out', label: 'corr2d_multi_in_out', about: 'd2l 7.4.2: K, K + 1, K + 2 stacked → three output channels', x: MULTI_X, k: [MULTI_K, MULTI_K.map((g) => plus(g, 1)), MULTI_K.map((g) => plus(g, 2))] },
];

/** d2l 7.4.3: X = torch.normal(0, 1, (3, 3, 3)), K = torch.normal(0, 1, (2, 3, 1, 1)), seeded here. */
export function oneByOneScene(seed: number): { x: Grid[]; k: Grid } {
  const all = normalGrid(seed, 33, 1).map((r) => r[0]);
  const x = [0, 1, 2].map((c) => grid(3, 3, (i, j) => all[c * 9 + i * 3 + j]));
  const k = grid(2, 3, (o, c) => all[27 + o * 3 + c]);
  return { x, k };
}

export interface PoolScene {
  id: string;
  label: string;
  about: string;
  dims: 2 | 3;
  mode: PoolMode;
  x: Grid[];
  kernel: IntOrPair | IntOrTriple;
  stride?: IntOrPair | IntOrTriple;
  padding?: IntOrPair | IntOrTriple;
}

export const X_3x3x3: Grid[] = [0, 1, 2].map((d) => grid(3, 3, (i, j) => d * 9 + i * 3 + j));

export const POOL_SCENES: PoolScene[] = [
  { id: 'max-2x2', label: 'pool2d max (2, 2)', about: "d2l 7.5.1: d2l's own pool2d slides by 1 → [[4, 5], [7, 8]]", dims: 2, mode: 'max', x: [X_3x3], kernel: 2, stride: 1 },
  { id: 'avg-2x2', label: "pool2d (2, 2), 'avg'", about: 'd2l 7.5.1 → [[2, 3], [5, 6]]', dims: 2, mode: 'avg', x: [X_3x3], kernel: 2, stride: 1 },
  { id: 'max-3', label: 'MaxPool2d(3)', about: 'd2l 7.5.2: the stride defaults to the kernel → [[10]]', dims: 2, mode: 'max', x: [X_4x4], kernel: 3 },
  { id: 'max-3-p1-s2', label: 'MaxPool2d(3, padding=1, stride=2)', about: 'd2l 7.5.2 → [[5, 7], [13, 15]]', dims: 2, mode: 'max', x: [X_4x4], kernel: 3, padding: 1, stride: 2 },
  { id: 'max-2x3', label: 'MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))', about: 'd2l 7.5.2 → [[5, 7], [13, 15]]', dims: 2, mode: 'max', x: [X_4x4], kernel: [2, 3], stride: [2, 3], padding: [0, 1] },
  { id: 'max-2ch', label: 'Two channels: X, X + 1', about: 'd2l 7.5.3: pooling keeps the channels apart', dims: 2, mode: 'max', x: [X_4x4, plus(X_4x4, 1)], kernel: 3, padding: 1, stride: 2 },
  { id: 'max-3d', label: '3-D: max over 2×2×2', about: "The exercise: pool3d(X_3d, (2, 2, 2)) → [[[13, 14], [16, 17]], [[22, 23], [25, 26]]]", dims: 3, mode: 'max', x: X_3x3x3, kernel: 2, stride: 1 },
  { id: 'avg-3d', label: '3-D: mean over 2×2×2', about: 'The same windows, averaged', dims: 3, mode: 'avg', x: X_3x3x3, kernel: 2, stride: 1 },
];

export interface LearnScene {
  id: string;
  label: string;
  about: string;
  x: Grid;
  /** The kernel that makes the target Y from X. */
  target: Grid;
  kernel: [number, number];
  lr: number;
  steps: number;
}

export const LEARN_SCENES: LearnScene[] = [
  { id: 'edge', label: 'Edge [1, −1]', about: 'd2l 7.2.4: from the edge image and its edges, 10 steps at lr 3e-2', x: EDGE_IMAGE, target: [[1, -1]], kernel: [1, 2], lr: 3e-2, steps: 10 },
  { id: 'transpose', label: 'Transpose [[1], [−1]]', about: 'The transposed image and kernel: the same problem turned by 90°', x: transpose(EDGE_IMAGE), target: [[1], [-1]], kernel: [2, 1], lr: 3e-2, steps: 10 },
  { id: 'horizontal', label: 'Horizontal edge', about: 'The stripe image: at lr 3e-2 the loss grows (its windows are mostly [1, 1]); 1e-2 learns it', x: STRIPE_IMAGE, target: [[1], [-1]], kernel: [2, 1], lr: 1e-2, steps: 20 },
  { id: 'blur', label: 'Blur 3×3', about: 'Nine weights from one image: the loss falls, but many kernels fit it', x: EDGE_IMAGE, target: grid(3, 3, () => 1 / 9), kernel: [3, 3], lr: 1e-2, steps: 25 },
];
