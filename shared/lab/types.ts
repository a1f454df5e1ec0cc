/**
 * The Kernel lab's requests and answers (d2l 7.2–7.5 as an interactive bench). They cross the
 * Api as plain JSON; tensors are nested lists in PyTorch's order (channels first), so what the
 * page shows reads like the notebook's printed tensors. The Node side checks every request with
 * shared/lab/check.ts before the engine service computes it.
 */

import type { Diagnostic, IntOrPair } from '../graph/types';

/** Rows of numbers: a 2-D tensor, row-major, every row the same length. */
export type Grid = number[][];

/** An int, or one value per dimension, as PyTorch takes them for 3-D windows. */
export type IntOrTriple = number | [number, number, number];

/**
 * Cross-correlation through a Conv2d without bias (d2l's corr2d, corr2d_multi_in and
 * corr2d_multi_in_out): x is [C][H][W], k is [C_out][C][kh][kw]. Padding may also be "same" or
 * "valid", as on the canvas.
 */
export interface CorrelateRequest {
  x: Grid[];
  k: Grid[][];
  stride?: IntOrPair;
  padding?: IntOrPair | 'same' | 'valid';
  dilation?: IntOrPair;
  /** Also return each input channel's own cross-correlation (the terms corr2d_multi_in sums). */
  terms?: boolean;
}

export interface CorrelateResult {
  /** [C_out][oh][ow] */
  y: Grid[];
  /** [C_out][C][oh][ow], when asked for. */
  terms?: Grid[][];
  backend: string;
}

/** d2l's corr2d_multi_in_out_1x1: the same 1×1 convolution as a convolution and as a matrix product. */
export interface Conv1x1Request {
  /** [C][H][W] */
  x: Grid[];
  /** [C_out][C]: the 1×1 kernel's only values. */
  k: Grid;
}

export interface Conv1x1Result {
  /** Through the engine's Conv2d, [C_out][H][W]. */
  conv: Grid[];
  /** K (C_out×C) · X reshaped to C×(H·W), as the engine's matMul computes it: [C_out][H·W]. */
  matmul: Grid;
  /** Σ |conv − matmul|, the notebook's assert (< 1e-6 in PyTorch, where both take the same sums). */
  absDiffSum: number;
  /** The largest single |conv − matmul|: float32 rounding when the two sum in different orders. */
  maxAbsDiff: number;
  backend: string;
}

export type PoolMode = 'max' | 'avg';

/**
 * MaxPool2d / AvgPool2d (x is [C][H][W]) or MaxPool3d / AvgPool3d over depth, height and width
 * (x is [D][H][W], one channel), with PyTorch's semantics: padding counts as −∞ for max and as
 * zeros that are counted for average (count_include_pad=True). Stride defaults to the kernel.
 */
export type PoolRequest =
  | { dims: 2; mode: PoolMode; x: Grid[]; kernel: IntOrPair; stride?: IntOrPair; padding?: IntOrPair }
  | { dims: 3; mode: PoolMode; x: Grid[]; kernel: IntOrTriple; stride?: IntOrTriple; padding?: IntOrTriple };

export interface PoolResult {
  /** [C][oh][ow] for 2-D, [od][oh][ow] for 3-D. */
  y: Grid[];
  backend: string;
}

/**
 * d2l 7.2.4: learn a kernel from X and a target Y by SGD on the summed squared error, with a
 * bias-free Conv2d that starts where PyTorch's LazyConv2d would under torch.manual_seed(seed).
 */
export interface LearnRequest {
  x: Grid;
  y: Grid;
  kernel: IntOrPair;
  lr: number;
  steps: number;
  seed: number;
}

export interface LearnStep {
  /** 1-based, as the notebook counts epochs. */
  step: number;
  /** Σ (Ŷ − Y)² before this step's update: what the notebook prints. */
  loss: number;
  /** The kernel after this step's update. */
  kernel: Grid;
}

export interface LearnResult {
  initial: Grid;
  steps: LearnStep[];
  /** The loss of the final kernel (after the last update); null when training diverged. */
  finalLoss: number | null;
  /** Set when the loss stopped being a finite number: where, and what to do. */
  diverged?: { step: number; message: string };
  backend: string;
}

/** One image of the Fashion-MNIST test set, pixels scaled to [0, 1] as training sees them. */
export interface FashionImageRequest {
  index: number;
}

export interface FashionImageResult {
  index: number;
  label: number;
  className: string;
  pixels: Grid;
}

/** Why a lab request cannot be computed, in the shape engine's words where it has them. */
export interface LabProblem {
  message: string;
  diagnostics: Diagnostic[];
}
