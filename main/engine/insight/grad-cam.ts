/**
 * insight.gradCam (Selvaraju et al., 2017): where in the image a convolution's features support a
 * class. With A the chosen convolution's output (k channels of h×w) and y the class's score
 * before the softmax, each channel's weight is the spatial mean of ∂y/∂A_k, and the map is
 * ReLU(Σ_k α_k A_k) — only what speaks *for* the class — upsampled bilinearly to the input. The
 * gradient comes from running the network with A fed in as the differentiated tensor
 * (run-model.ts's runLayers), so skip connections around the layer keep their own inputs.
 */

import * as tf from '@tensorflow/tfjs-core';
import { CLASS_NAMES, encodeBytes, type GradCam, type GradCamRequest } from '../../../shared/insight';
import { resizeBilinear } from '../../engine-core/resize';
import { inputPixels, top5 } from './activations';
import { imageBytes, inputValues } from './data';
import { InsightError, logitsOf, runLayers, type RunModel } from './run-model';

/** The convolution a request names (null: the last one), or an InsightError listing the choices. */
export function chooseConv(m: RunModel, layer: string | null, which: 'first' | 'last'): string {
  if (!m.convs.length) throw new InsightError('no-convolution', `The network of run ${m.runId} has no Conv2d layer, so there is nothing to show here.`);
  if (layer === null) return which === 'last' ? m.convs[m.convs.length - 1] : m.convs[0];
  if (!m.convs.includes(layer)) throw new InsightError('bad-request', `"${layer.slice(0, 80)}" is not a convolution of this network. Choose one of: ${m.convs.join(', ')}.`);
  return layer;
}

export function gradCam(m: RunModel, req: Required<GradCamRequest>): GradCam {
  const layer = chooseConv(m, req.layer, 'last');
  const entry = m.layers.find((l) => l.path === layer)!;
  const { bytes } = imageBytes(req.image);
  const x = inputValues(bytes, m.imageSize);
  const side = m.imageSize;
  let result: Omit<GradCam, 'runId' | 'epoch' | 'layer' | 'layers' | 'input'> | null = null;
  tf.tidy(() => {
    const input = tf.tensor4d(x, [1, side, side, 1]);
    const outs = runLayers(m.model, input);
    const a = outs.get(entry.layerName)![0] as tf.Tensor4D;
    const probs = tf.softmax(logitsOf(m.model, outs)).dataSync();
    const cls = req.classIndex ?? top5(probs)[0].classIndex;
    const score = (v: tf.Tensor) => tf.sum(tf.slice(logitsOf(m.model, runLayers(m.model, input, { name: entry.layerName, value: v })), [0, cls], [1, 1])) as tf.Scalar;
    const g = tf.grad(score)(a);
    const alpha = tf.mean(g, [0, 1, 2]);
    const cam = tf.relu(tf.sum(tf.mul(a, alpha), 3));
    const [, h, w] = a.shape;
    const raw = cam.dataSync() as Float32Array;
    const up = resizeBilinear(raw, 1, h, w, side, side);
    let max = 0;
    for (const v of raw) if (v > max) max = v;
    const heat = Uint8Array.from(up, (v) => (max > 0 ? Math.round(Math.min(1, Math.max(0, v / max)) * 255) : 0));
    result = { classIndex: cls, className: CLASS_NAMES[cls], probability: probs[cls], top5: top5(probs), heat: encodeBytes(heat), max, cam: [h, w] };
  });
  return { runId: m.runId, epoch: m.epoch, layer, layers: m.convs, input: inputPixels(x, side), ...result! };
}
