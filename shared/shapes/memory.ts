/**
 * How much memory training a graph needs at a batch size, from its analysis alone: per node, the
 * activations the forward pass keeps for the backward pass and the gradient of each during the
 * backward pass; for the network, the parameters, their gradients and the optimizer's state.
 * It counts only tensors training cannot do without (float32, 4 bytes an element), so it is a
 * lower bound: a network it says does not fit, does not fit; TensorFlow.js needs more (kernel
 * temporaries, the softmax, tfjs-layers' bookkeeping; test/unit/main/memory-estimate.test.ts
 * compares it with tf.profile's peak). Pure, so the canvas can show it beside the shapes and the
 * training plan can refuse before Start; the limit (the machine's memory, wasm's 4 GB) is an
 * input, because only the Node side knows it.
 */

import { formatBytes, formatCount } from '../format';
import type { Diagnostic } from '../graph/types';
import type { Analysis } from './analyze';

/** tfjs works in float32 on every backend ConvStudio trains with. */
export const BYTES_PER_ELEMENT = 4;

/** tfjs indexes tensors with 32-bit signed integers: kernels fail on a tensor with more elements. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** WebAssembly (wasm32) addresses at most 4 GiB: the wasm backend's every tensor lives in it. */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;

/** Optimizer state: tensors the size of the parameters each optimizer keeps (tfjs's optimizers). */
export const OPTIMIZER_SLOTS = {
  sgd: 0,
  momentum: 1,
  adagrad: 1,
  rmsprop: 2,
  adadelta: 2,
  adam: 2,
  adamax: 2,
} as const;

export type OptimizerKind = keyof typeof OPTIMIZER_SLOTS;

export interface NodeMemory {
  id: string;
  type: string;
  /** Elements per sample this node outputs (for a block, with its inner layers' outputs). */
  elementsPerSample: number;
  /** Bytes of activations kept from the forward pass for the backward pass, at the batch size. */
  forwardBytes: number;
  /** Bytes of the gradient of those activations during the backward pass, at the batch size. */
  backwardBytes: number;
  /** Bytes of this node's parameters (each has a gradient of the same size, and optimizer state). */
  paramBytes: number;
  /** Elements of the largest single tensor this node holds at the batch size (an output or a weight). */
  largestTensor: number;
}

export interface MemoryEstimate {
  batch: number;
  optimizer: OptimizerKind;
  /** In the analysis' order; nodes without a shape are left out. */
  nodes: NodeMemory[];
  totals: {
    /** Every node's forward activations, all alive when the backward pass starts. */
    activations: number;
    /** The largest activation gradient, alive at least while its node's backward step runs. */
    gradients: number;
    params: number;
    paramGradients: number;
    optimizerState: number;
    total: number;
  };
  /** total = perSampleBytes × batch + fixedBytes: what a different batch size would need. */
  perSampleBytes: number;
  fixedBytes: number;
  /** The node holding the largest tensor, and that tensor's elements. */
  largest: { nodeId: string; elements: number; perSample: boolean } | null;
}

export interface EstimateOptions {
  batch: number;
  optimizer?: OptimizerKind;
}

const numel = (shape: readonly number[]): number => {
  let n = 1;
  for (let i = 1; i < shape.length; i++) n *= shape[i];
  return n;
};

/** Memory for training `analysis`'s graph at `batch` samples a step. Never throws. */
export function estimateMemory(analysis: Analysis, { batch, optimizer = 'sgd' }: EstimateOptions): MemoryEstimate {
  const slots = OPTIMIZER_SLOTS[optimizer] ?? 0;
  const nodes: NodeMemory[] = [];
  let perSampleActivations = 0;
  let perSampleGradientPeak = 0;
  let params = 0;
  let largest: MemoryEstimate['largest'] = null;
  for (const id of analysis.order) {
    const info = analysis.nodes[id];
    if (!info?.shape) continue;
    const own = numel(info.shape);
    const inner = info.inner?.elements ?? [];
    const elementsPerSample = own + inner.reduce((a, b) => a + b, 0);
    // The Input's batch has no gradient: nothing upstream of it learns.
    const isInput = id === analysis.inputId;
    const largestOutput = Math.max(own, ...inner);
    const largestWeight = info.inner ? Math.max(0, ...info.inner.params) : info.params;
    const largestTensor = Math.max(largestOutput * batch, largestWeight);
    if (!largest || largestTensor > largest.elements) largest = { nodeId: id, elements: largestTensor, perSample: largestOutput * batch >= largestWeight };
    nodes.push({
      id, type: info.type, elementsPerSample,
      forwardBytes: elementsPerSample * batch * BYTES_PER_ELEMENT,
      backwardBytes: isInput ? 0 : largestOutput * batch * BYTES_PER_ELEMENT,
      paramBytes: info.params * BYTES_PER_ELEMENT,
      largestTensor,
    });
    perSampleActivations += elementsPerSample;
    if (!isInput) perSampleGradientPeak = Math.max(perSampleGradientPeak, largestOutput);
    params += info.params;
  }
  const perSampleBytes = (perSampleActivations + perSampleGradientPeak) * BYTES_PER_ELEMENT;
  const paramBytes = params * BYTES_PER_ELEMENT;
  const fixedBytes = paramBytes * (2 + slots);
  const totals = {
    activations: perSampleActivations * batch * BYTES_PER_ELEMENT,
    gradients: perSampleGradientPeak * batch * BYTES_PER_ELEMENT,
    params: paramBytes,
    paramGradients: paramBytes,
    optimizerState: paramBytes * slots,
    total: perSampleBytes * batch + fixedBytes,
  };
  return { batch, optimizer, nodes, totals, perSampleBytes, fixedBytes, largest };
}

/** Memory training may use: the machine's, or the wasm backend's; and how to name it. */
export interface MemoryLimit {
  bytes: number;
  /** "this machine's 16 GB", "the wasm backend's 4 GB (WebAssembly's limit)". */
  what: string;
}

export interface MemoryCheckOptions {
  limit?: MemoryLimit | null;
  /** How going past the limit is reported: a warning while designing, an error before Start. */
  overLimit?: 'warning' | 'error';
}

/** The largest power of two ≤ x (≥ 1), or null when not even 1 fits: batch sizes people try. */
function batchThatFits(x: number): number | null {
  if (!(x >= 1)) return null;
  return 2 ** Math.floor(Math.log2(Math.min(x, 2 ** 30)));
}

/**
 * An error where a tensor has more elements than tfjs can index, and (with a limit) a warning or
 * error where the total passes the limit; each says what to change.
 */
export function memoryDiagnostics(estimate: MemoryEstimate, { limit = null, overLimit = 'warning' }: MemoryCheckOptions = {}): Diagnostic[] {
  const found: Diagnostic[] = [];
  const { batch, largest } = estimate;
  if (largest && largest.elements > MAX_TENSOR_ELEMENTS) {
    const node = estimate.nodes.find((n) => n.id === largest.nodeId)!;
    const perSample = largest.perSample ? largest.elements / batch : null;
    const fits = perSample !== null ? batchThatFits(MAX_TENSOR_ELEMENTS / perSample) : null;
    const what = largest.perSample ? `its output at batch size ${formatCount(batch)} has` : 'its weights have';
    const fix = fits !== null && fits < batch
      ? `Lower the batch size to ${formatCount(fits)} or less, or make the layer smaller.`
      : 'Reduce its channels, features or the image size before it.';
    found.push({
      severity: 'error', code: 'tensor-too-large', nodeId: node.id,
      message: `${node.type} ${node.id}: ${what} ${formatCount(largest.elements)} elements; TensorFlow.js indexes at most ${formatCount(MAX_TENSOR_ELEMENTS)} in one tensor. ${fix}`,
    });
  }
  if (limit && estimate.totals.total > limit.bytes) {
    const { totals } = estimate;
    const fits = batchThatFits((limit.bytes - estimate.fixedBytes) / estimate.perSampleBytes);
    const fix = estimate.fixedBytes > limit.bytes
      ? `The parameters with their gradients alone need ${formatBytes(estimate.fixedBytes)}: make the network smaller.`
      : fits !== null && fits < batch
        ? `Lower the batch size (${formatCount(fits)} would fit), train at a smaller image size, or make the network smaller.`
        : 'Train at a smaller image size or make the network smaller.';
    found.push({
      severity: overLimit, code: 'memory',
      message: `Training at batch size ${formatCount(batch)} needs at least ${formatBytes(totals.total)} (activations ${formatBytes(totals.activations)}, their gradients ${formatBytes(totals.gradients)}, parameters with gradients and optimizer state ${formatBytes(estimate.fixedBytes)}); ${limit.what} is ${formatBytes(limit.bytes)}. ${fix}`,
    });
  }
  return found;
}

/**
 * The memory a run on `backend` may use on a machine with `machineBytes`: the machine's, or for
 * wasm WebAssembly's 4 GB, whichever is smaller. Total memory, not free memory: the estimate is a
 * lower bound, so a run it refuses could never fit, however much else were closed.
 */
export function memoryLimitFor(backend: string, machineBytes: number): MemoryLimit {
  if (backend === 'wasm' && WASM_MEMORY_BYTES < machineBytes) {
    return { bytes: WASM_MEMORY_BYTES, what: "the wasm backend's memory (WebAssembly's limit; the native backend has no such limit)" };
  }
  return { bytes: machineBytes, what: "this machine's memory" };
}
