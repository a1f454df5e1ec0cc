/**
 * Insight (issue 12): what a trained run's network does, asked of one of its checkpoints. The
 * requests and answers of the Api's insight calls; the engine service computes them
 * (main/engine/insight/), never the page and never the main process's event loop.
 *
 * Payloads cross JSON transports (browser mode's WebSocket, the service's process channel), so
 * pixel data travels as base64 of a Uint8Array (`decodeBytes` below) rather than nested lists:
 * 64 channels of 32×32 are 88 kB instead of ~300 kB of JSON numbers. A grid's bytes map back to
 * values linearly between its `min` (0) and `max` (255).
 *
 * Shapes are PyTorch's (channels first, no batch), as on the canvas. An epoch is "epochs
 * completed" as in the run's checkpoints; null or absent means the newest checkpoint.
 */

import { CLASS_NAMES, FASHION_MNIST } from './training/fashion-mnist';

/** Fashion-MNIST's labels, index = class (one list, in shared/training/fashion-mnist.ts). */
export { CLASS_NAMES };

/** Bounds that keep every answer small; a payload says when it hit one (`channels` vs `shown`). */
export const INSIGHT_LIMITS = {
  /** Channel grids per layer in an activations answer. */
  channels: 64,
  /** Each channel grid is downsampled (area average) to at most this side. */
  gridSide: 32,
  /** A flat layer's values shown (a Linear's 4096 features are cut to this many). */
  vectorValues: 512,
  /** Misclassified images listed per evaluation (most confident mistakes first); the count says how many in all. */
  misclassified: 1000,
  /** Validation images per insightImages call. */
  images: 100,
  /** Filters: output channels and input channels shown per layer. */
  filterOut: 64,
  filterIn: 64,
  /** Histogram bins (default and most). */
  bins: 30,
  maxBins: 100,
  /** Validation images whose loss gives the gradient histograms (a fixed batch: the first N). */
  gradientSamples: 64,
} as const;

/** The image a network is asked about: a validation (test-set) image, or 28×28 pixels the page or the CLI prepared (shared/image-prep.ts). */
export type InsightImage =
  | { source: 'validation'; index: number }
  /** 28×28 grayscale bytes, row-major, base64; light-on-dark like Fashion-MNIST (0 = background). */
  | { source: 'pixels'; pixels: string; label?: number | null };

export interface RunAt {
  runId: string;
  /** Epochs completed at the checkpoint; null/absent = the newest. */
  epoch?: number | null;
}

/** One checkpoint insight can read. */
export interface InsightEpoch {
  epoch: number;
  /** Batches of the next epoch (non-zero for a checkpoint saved by a mid-epoch stop). */
  batches: number;
  /** The checkpoint folder's name, e.g. "e0003-b00000". */
  checkpoint: string;
  /** val_acc recorded for this epoch in metrics.jsonl, if any. */
  valAcc: number | null;
  /** Whether a whole-validation evaluation is already cached for it. */
  evaluated: boolean;
}

export interface InsightEpochs {
  runId: string;
  epochs: InsightEpoch[];
  /** Input side the network takes (28, or the run's resize). */
  imageSize: number;
  /** Validation images the run evaluates on (the first N of the test set). */
  valSamples: number;
}

export interface ClassFigures {
  classIndex: number;
  className: string;
  /** Validation images of this class. */
  count: number;
  /** Images predicted as this class. */
  predicted: number;
  /** Fraction of this class's images classified correctly (Teachable Machine's "accuracy per class"; equals recall). */
  accuracy: number;
  /** Of the images predicted as this class, the fraction that are (null when none was predicted). */
  precision: number | null;
  /** Of this class's images, the fraction found (null when the subset has none). */
  recall: number | null;
}

export interface Misclassified {
  /** Index in the test set (= validation index). */
  index: number;
  label: number;
  predicted: number;
  /** Softmax probability of the predicted class. */
  confidence: number;
}

export interface Evaluation {
  runId: string;
  epoch: number;
  checkpoint: string;
  classNames: string[];
  /** Validation images evaluated: test images 0..samples-1, as the run validates. */
  samples: number;
  /** 10×10 counts, rows = true class, columns = predicted class. */
  confusion: number[][];
  perClass: ClassFigures[];
  /** Overall accuracy: the trace of the confusion matrix over samples (the run's val_acc for that epoch). */
  accuracy: number;
  /** Mean cross-entropy, as the run's val_loss. */
  loss: number;
  /** Most confident mistakes first, at most INSIGHT_LIMITS.misclassified. */
  misclassified: Misclassified[];
  misclassifiedTotal: number;
  /** base64 of `samples` bytes: the predicted class of each validation image, for filtering and the CLI. */
  predictions: string;
  /** base64 of `samples` bytes: the predicted class's probability × 255, rounded. */
  confidences: string;
  backend: string;
  /** Whether this came from the run folder's cache (evaluations/<checkpoint>.json). */
  cached: boolean;
  /** Seconds the evaluation took when it was computed. */
  seconds: number;
}

export interface ImagesRequest {
  indices: number[];
}

export interface ValidationImage {
  index: number;
  label: number;
  className: string;
  /** 28×28 bytes, base64, as stored in the data set. */
  pixels: string;
}

export interface ActivationsRequest extends RunAt {
  image: InsightImage;
  /** Also the layers inside blocks (a block's own entry is its output). */
  inner?: boolean;
  /**
   * Only this top-level block's inner layers (with inner: true): an opened block. ResNet-18's
   * every inner layer at once would pass the engine service's 4 MB answer bound.
   */
  block?: string | null;
}

export interface LayerActivation {
  /** Module path: a node id ("c1"), or inside a block "b1.convs.0.conv". */
  path: string;
  /** The node id at the top level this belongs to. */
  nodeId: string;
  /** Layer type ("Conv2d", "ReLU", "Residual", …). */
  type: string;
  /** Whether this is a layer inside a block. */
  inner: boolean;
  /** PyTorch shape without the batch: [C, H, W] or [F]. */
  shape: number[];
  kind: 'map' | 'vector';
  /** True channel count (map) or feature count (vector). */
  channels: number;
  /** Channels (map) or values (vector) in `data`: at most the cap. */
  shown: number;
  /** Each grid's size after downsampling: [h, w]; [1, shown] for a vector. */
  grid: [number, number];
  /** base64 bytes: shown × h × w (map) or shown (vector). */
  data: string;
  /** Per shown channel (map) or one entry (vector): the values 0 and 255 stand for. */
  min: number[];
  max: number[];
}

export interface Prediction {
  classIndex: number;
  className: string;
  probability: number;
}

export interface Activations {
  runId: string;
  epoch: number;
  /** The image as the network saw it: side × side bytes (base64) after resizing to the Input. */
  input: { side: number; pixels: string };
  /** The image's label when known (validation images, or given). */
  label: number | null;
  layers: LayerActivation[];
  top5: Prediction[];
}

export interface GradCamRequest extends RunAt {
  image: InsightImage;
  /** The class whose score is explained; null/absent = the predicted class. */
  classIndex?: number | null;
  /** A Conv2d's path (see GradCam.layers); null/absent = the last convolution. */
  layer?: string | null;
}

export interface GradCam {
  runId: string;
  epoch: number;
  /** The convolution used, and every one that could be chosen (in network order). */
  layer: string;
  layers: string[];
  classIndex: number;
  className: string;
  probability: number;
  top5: Prediction[];
  /** The image as the network saw it (side × side, base64). */
  input: { side: number; pixels: string };
  /** ReLU(Σ_k α_k A_k) upsampled (bilinear) to side × side, scaled so 255 = `max`; base64. */
  heat: string;
  /** The largest value of the map before scaling (0: no region supports the class). */
  max: number;
  /** The map's own resolution at the layer: [h, w]. */
  cam: [number, number];
}

export interface FiltersRequest extends RunAt {
  /** A Conv2d's path; null/absent = the first convolution. */
  layer?: string | null;
}

export interface Filters {
  runId: string;
  epoch: number;
  layer: string;
  layers: string[];
  /** PyTorch weight shape [out, in, kh, kw]. */
  shape: [number, number, number, number];
  shownOut: number;
  shownIn: number;
  /** base64 bytes shownOut × shownIn × kh × kw; 128 = 0, 0/255 = ∓absMax (one symmetric scale per layer). */
  data: string;
  absMax: number;
}

export interface HistogramsRequest extends RunAt {
  bins?: number;
}

export interface Histogram {
  /** The weight's name in PyTorch's state_dict terms: "weight", "bias", "running_mean", … */
  name: string;
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** bins counts over [min, max] in equal steps. */
  counts: number[];
}

export interface LayerHistograms {
  path: string;
  type: string;
  weights: Histogram[];
  /** Gradients of the mean cross-entropy on the fixed batch, trainable weights only. */
  gradients: Histogram[];
}

export interface Histograms {
  runId: string;
  epoch: number;
  /** Validation images the gradients were computed on (test images 0..n-1), in evaluation mode. */
  gradientSamples: number;
  layers: LayerHistograms[];
}

// --- checks: every request is untrusted --------------------------------------------------

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown, below: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < below;
const okv = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (message: string): Checked<never> => ({ ok: false, message });

/** Run ids become folder names: one safe path segment (as node-api checks them). */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkRunAt(v: unknown): Checked<Required<RunAt>> {
  if (!isObject(v)) return bad('Expected an object with runId.');
  if (typeof v.runId !== 'string' || !RUN_ID.test(v.runId) || v.runId.includes('..')) return bad(`runId must be a run's id (letters, digits, ".", "_", "-"), got ${JSON.stringify(v.runId)?.slice(0, 80)}.`);
  const epoch = v.epoch ?? null;
  if (epoch !== null && !(Number.isInteger(epoch) && (epoch as number) >= 0)) return bad(`epoch must be a whole number ≥ 0 or null (the newest checkpoint), got ${JSON.stringify(epoch)?.slice(0, 40)}.`);
  return okv({ runId: v.runId, epoch: epoch as number | null });
}

function checkLayer(v: unknown): Checked<string | null> {
  if (v == null) return okv(null);
  if (typeof v !== 'string' || v.length === 0 || v.length > 400) return bad('layer must be a convolution\'s path (e.g. "c1" or "b1.convs.0.conv") or null.');
  return okv(v);
}

const PIXELS = FASHION_MNIST.side * FASHION_MNIST.side;

/** The pixels' bytes when `image` is a well-formed pixels image; base64 checked by length and alphabet. */
function checkImage(v: unknown): Checked<InsightImage> {
  if (!isObject(v)) return bad('image must be { source: "validation", index } or { source: "pixels", pixels }.');
  if (v.source === 'validation') {
    if (!isIndex(v.index, FASHION_MNIST.testSamples)) return bad(`image.index must be a test-set index 0–${FASHION_MNIST.testSamples - 1}, got ${JSON.stringify(v.index)?.slice(0, 40)}.`);
    return okv({ source: 'validation', index: v.index });
  }
  if (v.source === 'pixels') {
    if (typeof v.pixels !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.pixels)) return bad('image.pixels must be base64 of 28×28 grayscale bytes.');
    const bytes = decodeBytes(v.pixels);
    if (bytes.length !== PIXELS) return bad(`image.pixels must hold ${PIXELS} bytes (28×28 grayscale), got ${bytes.length}. Prepare the image with the page's image tools (grayscale, resize, invert).`);
    const label = v.label ?? null;
    if (label !== null && !isIndex(label, FASHION_MNIST.classes)) return bad('image.label must be a class 0–9 or null.');
    return okv({ source: 'pixels', pixels: v.pixels, label: label as number | null });
  }
  return bad(`image.source must be "validation" or "pixels", got ${JSON.stringify(v.source)?.slice(0, 40)}.`);
}

export function checkRunRequest(v: unknown): Checked<Required<RunAt>> {
  return checkRunAt(v);
}

export function checkImagesRequest(v: unknown): Checked<ImagesRequest> {
  if (!isObject(v) || !Array.isArray(v.indices)) return bad('Expected { indices: number[] }.');
  if (v.indices.length > INSIGHT_LIMITS.images) return bad(`At most ${INSIGHT_LIMITS.images} images per request, got ${v.indices.length}; ask in pages.`);
  const wrong = v.indices.find((i) => !isIndex(i, FASHION_MNIST.testSamples));
  if (wrong !== undefined) return bad(`indices must be test-set indices 0–${FASHION_MNIST.testSamples - 1}, got ${JSON.stringify(wrong)?.slice(0, 40)}.`);
  return okv({ indices: v.indices as number[] });
}

export function checkActivationsRequest(v: unknown): Checked<Required<ActivationsRequest>> {
  const run = checkRunAt(v);
  if (!run.ok) return run;
  const r = v as Record<string, unknown>;
  const image = checkImage(r.image);
  if (!image.ok) return image;
  if (r.inner != null && typeof r.inner !== 'boolean') return bad('inner must be true or false.');
  const block = r.block ?? null;
  if (block !== null && (typeof block !== 'string' || block.length === 0 || block.length > 200)) return bad('block must be a block node\'s id or null.');
  return okv({ ...run.value, image: image.value, inner: r.inner === true, block: block as string | null });
}

export function checkGradCamRequest(v: unknown): Checked<Required<GradCamRequest>> {
  const run = checkRunAt(v);
  if (!run.ok) return run;
  const r = v as Record<string, unknown>;
  const image = checkImage(r.image);
  if (!image.ok) return image;
  const classIndex = r.classIndex ?? null;
  if (classIndex !== null && !isIndex(classIndex, FASHION_MNIST.classes)) return bad(`classIndex must be a class 0–9 or null (the predicted class), got ${JSON.stringify(classIndex)?.slice(0, 40)}.`);
  const layer = checkLayer(r.layer);
  if (!layer.ok) return layer;
  return okv({ ...run.value, image: image.value, classIndex: classIndex as number | null, layer: layer.value });
}

export function checkFiltersRequest(v: unknown): Checked<Required<FiltersRequest>> {
  const run = checkRunAt(v);
  if (!run.ok) return run;
  const layer = checkLayer((v as Record<string, unknown>).layer);
  if (!layer.ok) return layer;
  return okv({ ...run.value, layer: layer.value });
}

export function checkHistogramsRequest(v: unknown): Checked<Required<HistogramsRequest>> {
  const run = checkRunAt(v);
  if (!run.ok) return run;
  const bins = (v as Record<string, unknown>).bins ?? INSIGHT_LIMITS.bins;
  if (!(Number.isInteger(bins) && (bins as number) >= 2 && (bins as number) <= INSIGHT_LIMITS.maxBins)) return bad(`bins must be a whole number 2–${INSIGHT_LIMITS.maxBins}, got ${JSON.stringify(bins)?.slice(0, 40)}.`);
  return okv({ ...run.value, bins: bins as number });
}

// --- bytes <-> base64, pure (no Buffer, no atob: shared/ runs everywhere) ----------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Map([...ALPHABET].map((c, i) => [c, i]));

export function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

export function decodeBytes(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n = ((LOOKUP.get(clean[i]) ?? 0) << 18) | ((LOOKUP.get(clean[i + 1]) ?? 0) << 12) | ((LOOKUP.get(clean[i + 2]) ?? 0) << 6) | (LOOKUP.get(clean[i + 3]) ?? 0);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** A grid's byte back to its value: `min` + byte/255 · (max − min). */
export const byteValue = (byte: number, min: number, max: number): number => min + (byte / 255) * (max - min);
