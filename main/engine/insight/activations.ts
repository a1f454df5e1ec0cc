/**
 * insight.activations: one image through the network, every layer's output as small images — a
 * feature map per channel (at most INSIGHT_LIMITS.channels, each area-averaged to at most
 * INSIGHT_LIMITS.gridSide a side) with its own value range, a flat layer as one strip of values —
 * and the top-5 classes. A block's entry is its output; its inner layers come when asked.
 */

import * as tf from '@tensorflow/tfjs-core';
import { CLASS_NAMES, encodeBytes, INSIGHT_LIMITS, type Activations, type ActivationsRequest, type LayerActivation, type Prediction } from '../../../shared/insight';
import { resizeArea } from '../../../shared/image-prep';
import { imageBytes, inputValues } from './data';
import { logitsOf, runLayers, type LayerEntry, type RunModel } from './run-model';

/** Values → bytes over [min, max] (a flat channel maps to 0). */
function toBytes(v: ArrayLike<number>, min: number, max: number, out: Uint8Array, at: number): void {
  const span = max - min;
  for (let i = 0; i < v.length; i++) out[at + i] = span > 0 ? Math.round(((v[i] - min) / span) * 255) : 0;
}

function range(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  return v.length ? [lo, hi] : [0, 0];
}

/** The side of a downsampled grid: at most `cap`, aspect kept. */
export function gridSize(h: number, w: number, cap: number = INSIGHT_LIMITS.gridSide): [number, number] {
  const scale = Math.min(1, cap / Math.max(h, w));
  return [Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale))];
}

/** One layer's NHWC (batch 1) or [1, F] values as a LayerActivation. */
export function layerActivation(entry: LayerEntry, values: Float32Array, tfShape: number[]): LayerActivation {
  const base = { path: entry.path, nodeId: entry.nodeId, type: entry.type, inner: entry.inner, shape: entry.shape };
  if (tfShape.length !== 4) {
    const f = values.length;
    const shown = Math.min(f, INSIGHT_LIMITS.vectorValues);
    const part = values.subarray(0, shown);
    const [min, max] = range(part);
    const data = new Uint8Array(shown);
    toBytes(part, min, max, data, 0);
    return { ...base, kind: 'vector', channels: f, shown, grid: [1, shown], data: encodeBytes(data), min: [min], max: [max] };
  }
  const [, h, w, c] = tfShape;
  const shown = Math.min(c, INSIGHT_LIMITS.channels);
  const [gh, gw] = gridSize(h, w);
  const data = new Uint8Array(shown * gh * gw);
  const mins: number[] = [];
  const maxs: number[] = [];
  const plane = new Float32Array(h * w);
  for (let ch = 0; ch < shown; ch++) {
    for (let i = 0; i < h * w; i++) plane[i] = values[i * c + ch];
    const [lo, hi] = range(plane);
    mins.push(lo);
    maxs.push(hi);
    toBytes(gh === h && gw === w ? plane : resizeArea(plane, w, h, gw, gh), lo, hi, data, ch * gh * gw);
  }
  return { ...base, kind: 'map', channels: c, shown, grid: [gh, gw], data: encodeBytes(data), min: mins, max: maxs };
}

export function top5(probs: ArrayLike<number>): Prediction[] {
  return Array.from(probs, (p, c) => ({ classIndex: c, className: CLASS_NAMES[c] ?? `class ${c}`, probability: p }))
    .sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex)
    .slice(0, 5);
}

/** The image as the network sees it, as bytes (side × side). */
export function inputPixels(x: Float32Array, side: number): { side: number; pixels: string } {
  return { side, pixels: encodeBytes(Uint8Array.from(x, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255))) };
}

export function activations(m: RunModel, req: Required<ActivationsRequest>): Activations {
  const { bytes, label } = imageBytes(req.image);
  const x = inputValues(bytes, m.imageSize);
  const wanted = m.layers.filter((l) => !l.inner || (req.inner && (req.block === null || l.nodeId === req.block)));
  let layers: LayerActivation[] = [];
  let probs: Float32Array = new Float32Array(0);
  tf.tidy(() => {
    const outs = runLayers(m.model, tf.tensor4d(x, [1, m.imageSize, m.imageSize, 1]));
    layers = wanted.map((entry) => {
      const t = outs.get(entry.layerName)![0];
      return layerActivation(entry, t.dataSync() as Float32Array, t.shape);
    });
    probs = tf.softmax(logitsOf(m.model, outs)).dataSync() as Float32Array;
  });
  return { runId: m.runId, epoch: m.epoch, input: inputPixels(x, m.imageSize), label, layers, top5: top5(probs) };
}
